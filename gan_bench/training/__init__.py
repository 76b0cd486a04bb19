"""One training run, by responsibility; each module imports only those listed below it.

trainer.py   Trainer and train(): puts the parts below together (the train command calls it)
spec.py      what one run is (RunSpec: coordinates, settings, paths) and how it trains (TrainSettings)
setup.py     check the inputs and build data, model, device and budget: everything that can fail on bad input,
             before anything is written
control.py   the clocks (train time, wall time) and the stop request (SIGTERM) the loop watches
loop.py      the step loop: batches, train steps and the work due at each interval (logs, epoch rows, grids,
             resumable checkpoints)
resume.py    the loop's state and the resume file that continues a killed run bit-identically
records.py   what a run leaves behind: run.json, sample grids, losses/epochs rows, checkpoint, summary.json
"""
