"""Evaluation metrics, in labelled feature spaces; every metric is an entry of registry.py.

- registry.py: the table of metrics (what each reads, results, spaces or heading, labels, direction, baseline,
  cost) everything else reads; spaces.py: the feature spaces; classifier_settings.py: the classifier's settings
- inputs.py: what a metric function receives; features.py: samples' features, cached real features
- one module per metric: standard.py (FID, KID, IS, in torch; torch-fidelity's definitions, tested against it),
  fid_infinity.py, precision_recall.py, density_coverage.py, memorization.py, class_accuracy.py, intra_fid.py, cas.py,
  pixels.py;
  pairwise.py, gaussian.py, shared.py: the arithmetic they share, computed once per sample set; real_side.py: the
  real data's part of it, computed once by the reference step; baselines.py: real images scored as samples
- classifier.py: the per-dataset domain classifier (trained on the real images, held-out accuracy recorded)
- feature_extractors.py: the domain classifier registered with torch-fidelity; Inception weights lookup
- fidelity.py: the `calculate_metrics` call (reference statistics, sanity), guarded against torch-fidelity 0.4.0
- reference.py: real-image statistics and features cached once per (dataset, image size, space)
- evaluate.py: one run's checkpoint -> samples -> metrics.json; bench_eval.py, previous.py: the scoring benchmark
  and the path it is compared with
- commands.py: the CLI subcommands train-classifier, reference-stats, evaluate
"""
