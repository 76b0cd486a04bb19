"""The keys of every JSON record a run writes and the report reads, spelled once.

Writers (train, train-classifier, reference-stats, evaluate) and readers (aggregate, report) both import
these names, so a key can never be written under one spelling and read under another (the report once read
`holdout_accuracy` while the classifier wrote `heldout_accuracy`, and showed nothing).
"""

from __future__ import annotations

# --- summary.json (gan_bench.training.records) ---
STATUS = "status"                    # completed | diverged | oom | failed
REASON = "reason"
COMPLETED = "completed"
STEPS = "steps"                      # optimisation steps trained (the checkpoint's step)
EPOCHS = "epochs"                    # STEPS over the steps of one pass over the training images
# Also IMAGES_SEEN and TRAIN_TIME_S, spelled with the curve records below (curve.csv shares them).
WALL_TIME_S = "wall_time_s"
WARMUP_S = "warmup_s"                # seconds of the untimed first steps, left out of TRAIN_TIME_S
THROUGHPUT = "throughput_img_s"
FLOPS_PER_STEP = "flops_per_step"    # model FLOPs of one train step (gan_bench.flops), null when not counted
ACHIEVED_TFLOPS = "achieved_tflops"
PEAK_TFLOPS = "peak_tflops"          # the device's peak in MATH_MODE, null when not known
UTILISATION = "utilisation"          # ACHIEVED_TFLOPS / PEAK_TFLOPS
PEAK_TORCH_ALLOCATED_MB = "peak_torch_allocated_mb"  # null on CPU
PEAK_TORCH_RESERVED_MB = "peak_torch_reserved_mb"    # null on CPU
PEAK_NVML_MB = "peak_nvml_mb"
PEAK_NVML_HOW = "peak_nvml_how"      # what peak_nvml_mb measured (this process or the whole GPU, how often), or why null
PEAK_RSS_MB = "peak_rss_mb"
JOBS_PER_GPU = "jobs_per_gpu"        # GPU jobs that could run at once on the run's GPU: 1 solo, 0 no limit, null CPU/unknown
MATH_MODE = "math_mode"              # bf16 | tf32 | fp32: the arithmetic utilisation is measured against (flops.py)
DETERMINISM = "determinism"          # {asked, enforced (null when not asked), why_not: [reasons]} (gan_bench.speed)
FINAL_LOSSES = "final_losses"        # the last row of losses.csv
RESUMED_AT_STEPS = "resumed_at_steps"  # the steps a killed run was resumed at
DEVICE = "device"                    # the torch device the run trained on (cpu, cuda:0)
DEVICE_NAME = "device_name"          # its model name, which peak FLOP/s are looked up by

# --- run.json (gan_bench.training.records); RUN_HASH is also in summary.json, completed.json and metrics.json ---
RUN_HASH = "settings_hash"           # gan_bench.config.run_hash: model, dataset, seed, batch size, settings
DATA_FINGERPRINT = "data_fingerprint"  # gan_bench.data.base.content_fingerprint of the prepared data trained on
CHECKPOINT_STEP = "checkpoint_step"  # metrics.json: the step of the checkpoint it scored
# Also in run.json's dataset_info, the reference record and metrics.json: gan_bench.data.base.split_protocol
# (which images were held out, how many trained on); "heldout" is the sentence the report shows.
PROTOCOL = "protocol"

# --- classifier record, results/classifiers/<dataset>/res<res>.json (gan_bench.metrics.classifier) ---
HELDOUT_ACCURACY = "heldout_accuracy"
TRAIN_ACCURACY = "train_accuracy"
NUM_TRAIN = "num_train"
NUM_HELDOUT = "num_heldout"
EPOCHS_RUN = "epochs_run"
CLASSIFIER_SETTINGS = "settings"
ARCH = "arch"
NUM_CLASSES = "num_classes"          # in ARCH; also in metrics.json (the K of chance level 1/K)
DATASET = "dataset"
RESOLUTION = "resolution"          # the image size in pixels a side; records keep the key they were written with

# --- reference record, results/reference/<dataset>/res<res>/<space>.json (gan_bench.metrics.reference) ---
SPACE = "space"
NUM_IMAGES = "num_images"
IS_REAL = "is_real"                  # IS of the N held-out real images, same splits as the runs
BASELINES = "baselines"              # {name: {fid, kid, kid_std, is, is_std}}: see reference.BASELINES
BASELINE_NUM_SAMPLES = "baseline_num_samples"        # images scored per baseline (N, or fewer on small data)
BASELINE_REFERENCE_IMAGES = "baseline_reference_images"  # real images the floor is scored against
BASELINE_METHOD = "baseline_method"  # one sentence: how the floor was computed
BASELINE_SPREAD = "baseline_spread"  # {metric: standard deviation of the floor over FLOOR_DRAWS draws}
BASELINE_DRAWS = "baseline_draws"    # how many draws of N training images the floor is the mean of
REAL_BASELINES = "real_baselines"    # {`<key>_real_<space>` | `cas_real`: the other metrics' floors, mean of the draws}
REAL_BASELINES_SPREAD = "real_baselines_spread"   # {the same columns: standard deviation over the draws}
REAL_BASELINES_AT = "real_baselines_at"   # {num_samples, seed, kid_subset_size} they were scored at
IS_SPLITS = "is_splits"
# [metric names] whose floors the record was asked for (each scored where it applies: intra-FID needs labels): a
# metric absent here was not requested (a curve's reference scores only what the curve reads). Records written
# before this key hold every floor of their space.
FLOORS = "floors"

# --- metrics.json (gan_bench.metrics.evaluate); per-space metrics are f"{metric}_{space}" ---
FEATURE_SPACES = "feature_spaces"
NUM_SAMPLES = "num_samples"
KID_SUBSET_SIZE = "kid_subset_size"
SAMPLE_SEED = "sample_seed"
SAMPLE_RESOLUTION = "sample_resolution"  # the samples' image size (key kept, as RESOLUTION)
CLASS_ACCURACY = "class_accuracy"
CODE_PURITY = "code_purity"
CLASSIFIER_HELDOUT_ACCURACY = "classifier_heldout_accuracy"
CAS_TRAIN_STEPS = "cas_train_steps"      # optimizer steps of the classifier CAS trained on the samples
CAS_BATCH_SIZE = "cas_batch_size"        # its batch size
CAS_LR = "cas_lr"                        # its peak learning rate
EVAL_SKIPPED = "eval_skipped"
METRICS_COMPUTED = "metrics_computed"    # the registry metrics evaluated, `<name>_<space>` or `<name>`
EVAL_TIMES_S = "eval_times_s"            # seconds per evaluation step, {step: s}
REAL_BASELINE_NUM_SAMPLES = "real_baseline_num_samples"   # held-out real images behind each `<key>_real_<space>`
# The metric columns themselves (`fid_domain`, `precision_real_domain`, ...) are named by gan_bench.metrics.registry.


def per_space(metric: str, space: str) -> str:
    """The flat key of a metric in one feature space: ("fid", "domain") -> "fid_domain"."""
    return f"{metric}_{space}"

# --- curve records, <run>/curve.csv + <run>/curve.json (gan_bench.curve_records): quality over training ---
# curve.csv: one row per scored snapshot, with these columns plus the registry's metric columns (`fid_domain`, ...)
SNAPSHOT_STEP = "step"
IMAGES_SEEN = "images_seen"
TRAIN_TIME_S = "train_time_s"        # seconds in train steps up to the snapshot (as summary.json's train_time_s)
FINAL = "final"                      # true for the snapshot taken at the run's last step
# curve.json (also holds RUN_HASH, NUM_SAMPLES, KID_SUBSET_SIZE, FEATURE_SPACES)
CURVE_SETTINGS = "curve_settings"    # config section `curves:` as scored (N, metrics, seed, ...)
REQUESTED_STEPS = "requested_steps"  # the snapshot steps the schedule asks for
MISSING_STEPS = "missing_steps"      # requested steps this run saved no snapshot for (it trained with another schedule)
CURVE_FLOOR = "floor"                # {metric column: real-vs-real value at the curve's N}
SCORING_TIME_S = "scoring_time_s"    # seconds the scoring step took: the extra cost of the curve
# curve.json also holds STATUS (the run's), SAMPLE_SEED and REASON (why a curve has no points, else null)

# --- progress.json (gan_bench.progress): a running train job's last report, rewritten at every log interval ---
PROGRESS_STEP = "step"
TOTAL_STEPS = "total_steps"
IMAGES_PER_S = "images_per_s"        # train-step throughput so far (as summary.json's throughput_img_s)
ELAPSED_S = "elapsed_s"              # wall seconds of the run so far, earlier segments (before a resume) included
SECONDS_PER_STEP = "seconds_per_step"  # wall seconds per step in this job: what the estimates extrapolate
REMAINING_S = "remaining_s"          # estimated wall seconds to the last step, at UPDATED_AT
NEXT_UPDATE_S = "next_update_s"      # wall seconds until the next record is due (one log interval)
UPDATED_AT = "updated_at"            # Unix time of this record
HOST = "host"                        # where the job runs, with PID and PROCESS_STARTED: is it still alive?
PID = "pid"
PROCESS_STARTED = "process_started"  # the process's start time (psutil), so a reused pid is not taken for it
