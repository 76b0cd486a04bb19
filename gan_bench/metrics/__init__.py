"""Evaluation metrics: IS, FID and KID through torch-fidelity, in two labelled feature spaces.

- classifier.py: the per-dataset domain classifier (trained on the real images, held-out accuracy recorded)
- feature_extractors.py: the domain classifier registered with torch-fidelity; Inception weights lookup
- fidelity.py: the single `calculate_metrics` call, guarded against torch-fidelity 0.4.0's pitfalls
- reference.py: real-image statistics cached once per (dataset, resolution, space)
- evaluate.py: one run's checkpoint -> samples -> metrics.json
- commands.py: the CLI subcommands train-classifier, reference-stats, evaluate
"""
