"""Leaderboards, paired comparisons and the other tables of the report, as plain data for the templates."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gan_bench import record_keys as keys
from gan_bench.metrics import registry
from gan_bench.metrics import spaces as feature_spaces
from gan_bench.report import published
from gan_bench.report.load import spread_column
from gan_bench.report.stats import (MAX_SEEDS, Paired, Summary, chance_band, gap_spread, paired_test,
                                    seeds_to_separate, t_interval)

COMPLETED = keys.COMPLETED
SPACES = {space.name: space.label for space in feature_spaces.TABLE.values()}
# Shares of N samples over K classes: chance level 1/K is shown beside them.
CHANCE_LEVEL = (keys.CLASS_ACCURACY, keys.CODE_PURITY)
BASELINE_LABELS = {"real": "real vs real (floor)", "blank": "blank images (ceiling)", "noise": "noise images (ceiling)"}
# Header abbreviations, so a leaderboard of every metric fits a screen; the full label is on hover.
SHORT_LABELS = {"class_accuracy": "Class acc.", "code_purity": "Code pur.", "intra_fid": "Intra-FID",
                "memorized": "Memor\u00adized", "coverage": "Cover\u00adage", "precision": "Preci\u00adsion",
                "nn_ratio": "NN ratio", "pixel_tv": "Pixel hist."}


@dataclass(frozen=True)
class Column:
    """One figure of the leaderboard: where it comes from and how to read it."""

    key: str
    label: str
    unit: str = ""
    lower_is_better: bool | None = True   # None: not ranked (no best highlighted)
    scale: float = 1.0                    # multiplies the raw value (seconds -> minutes)
    space: str | None = None              # feature space label, for per-space metrics
    heading: str | None = None            # quality group: the space's label or a per-run metric's; None: cost
    chance: bool = False                  # a share of N samples over K classes: 1/K is chance level
    ideal: str | None = None              # run-table column of real data's value: ranked by distance to it
    reliable_from: float | None = None    # shown only from N >= reliable_from x the feature dimension
    short: str = ""                       # header abbreviation; the label when empty

    @property
    def direction(self) -> str:
        """How the column ranks, for headers and captions."""
        if self.ideal is not None:
            return "nearest the real-data value (floor row) is best"
        return "lower is better" if self.lower_is_better else "higher is better"

    @property
    def header(self) -> str:
        return self.short or self.label


def metric_columns(runs: pd.DataFrame) -> list[Column]:
    """Ranked quality metrics of the metric registry present in the table, grouped by feature space (spaces never
    share a column), then the per-run metrics under the headings the registry files them under."""
    groups = [(space, label, [m for m in registry.METRICS.values() if not m.per_run and space in m.spaces])
              for space, label in SPACES.items()]
    headings = dict.fromkeys(m.heading for m in registry.METRICS.values() if m.per_run)
    groups += [(None, heading, [m for m in registry.METRICS.values() if m.heading == heading]) for heading in headings]
    return [column for space, heading, metrics in groups for metric in metrics
            for column in _metric_columns(runs, metric, space, heading)]


def _metric_columns(runs: pd.DataFrame, metric: registry.Metric, space: str | None, heading: str) -> list[Column]:
    columns = []
    for result, column_space in registry.columns(metric, [space] if space else []):
        key = registry.result_key(result, column_space)
        ideal = registry.real_data_columns().get(key) if result.ideal == registry.REAL else None
        if ideal is not None and ideal not in runs.columns:
            ideal = None   # no real-data value to rank by: shown unranked
        lower = True if ideal is not None else result.lower_is_better   # distance: lower is better
        if key not in runs.columns or not runs[key].notna().any() or (lower is None and result.ideal is None):
            continue
        columns.append(Column(key, result.label, result.unit, lower, result.scale, SPACES.get(space), heading,
                              chance=key in CHANCE_LEVEL, ideal=ideal, reliable_from=result.reliable_from,
                              short=SHORT_LABELS.get(result.key, "")))
    return columns


def primary_metric(runs: pd.DataFrame) -> Column | None:
    """FID in the first space present: what the leaderboard and paired tests rank by."""
    return next((c for c in metric_columns(runs) if c.key.startswith("fid_")), None)


def cost_columns(runs: pd.DataFrame) -> list[Column]:
    """Time and memory. GPU memory (NVML, CUDA context included) and CPU peak RSS are separate columns."""
    columns = [Column(keys.WALL_TIME_S, "Wall time", "min", True, 1 / 60),
               Column(keys.THROUGHPUT, "Throughput", "img/s", False, short="Through\u00adput")]
    if keys.PEAK_NVML_MB in runs.columns and runs[keys.PEAK_NVML_MB].notna().any():
        columns.append(Column(keys.PEAK_NVML_MB, "Peak GPU memory, NVML", "MB", True, short="GPU memory"))
    if keys.PEAK_RSS_MB in runs.columns and (not_gpu(runs)).any():
        columns.append(Column(keys.PEAK_RSS_MB, "Peak RSS (CPU runs)", "MB", True, short="Peak RSS"))
    if shared_gpu(runs).any():
        columns.append(Column(keys.JOBS_PER_GPU, "Jobs per GPU (not 1: timings not solo; 0: no limit)", "", None,
                              short="Jobs per GPU"))
    return [c for c in columns if c.key in runs.columns]


def shared_gpu(runs: pd.DataFrame) -> pd.Series:
    """Runs whose GPU other jobs could use at the same time (`--resources gpu=N`): their timings are not solo."""
    if keys.JOBS_PER_GPU not in runs.columns:
        return pd.Series(False, index=runs.index)
    return runs[keys.JOBS_PER_GPU].notna() & (runs[keys.JOBS_PER_GPU] != 1)


def not_gpu(runs: pd.DataFrame) -> pd.Series:
    if keys.PEAK_NVML_MB not in runs.columns:
        return pd.Series(True, index=runs.index)
    return runs[keys.PEAK_NVML_MB].isna()


def completed(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == COMPLETED]


def summarise(values: pd.Series, column: Column) -> Summary | None:
    return t_interval(values.astype(float) * column.scale)


@dataclass
class Row:
    model: str
    dataset: str
    batch_size: int
    cells: dict[str, Summary | None]
    best: set[str] = field(default_factory=set)
    other_batch_sizes: list[int] = field(default_factory=list)
    chance: dict[str, float] = field(default_factory=dict)   # column key -> chance level, where the cell is at chance
    ranked: dict[str, pd.Series] = field(default_factory=dict)   # column key -> per-seed value it is ranked by
    unseparated: dict[str, str] = field(default_factory=dict)   # column key -> why the leading cell has no star

    @property
    def seeds(self) -> int:
        return max((s.n for s in self.cells.values() if s is not None), default=0)


@dataclass
class BaselineRow:
    """A figure every run is read against: real vs real (floor), blank or noise images (ceilings)."""

    label: str
    values: dict[str, float | None]   # column key -> value, already scaled
    note: str = ""
    spread: dict[str, float] = field(default_factory=dict)   # column key -> standard deviation over floor draws
    kind: str = ""                    # a key of BASELINE_LABELS: real, blank or noise


@dataclass
class Scoring:
    """What every quality number of a board depends on."""

    num_samples: list[int]
    kid_subset_size: list[int]
    spaces: list[str]
    classifiers: list[dict]        # rows of load.classifiers for the board's dataset and resolutions
    baseline_methods: list[str]
    chance_levels: dict[str, list[float]]   # column key -> chance levels 1/K found
    protocols: list[str] = field(default_factory=list)   # which images were trained on and scored against

    @property
    def mixed(self) -> bool:
        """Runs scored at different N or KID subset sizes: their figures are not comparable."""
        return len(self.num_samples) > 1 or len(self.kid_subset_size) > 1


@dataclass
class Board:
    dataset: str
    columns: list[Column]
    rows: list[Row]
    rule: str   # how the batch size of each row was chosen
    baselines: list[BaselineRow] = field(default_factory=list)
    scoring: Scoring | None = None
    separations: dict[str, Separation] = field(default_factory=dict)   # column key -> leader vs the others
    hidden: dict[str, str] = field(default_factory=dict)   # column key -> why it is left out (unreliable at N)
    anchors: list[dict] = field(default_factory=list)   # published Inception-space FIDs (published.fid_anchors)

    @property
    def groups(self) -> list[tuple[str, list[Column]]]:
        """Header groups in column order: one per feature space, then cost."""
        groups: list[tuple[str, list[Column]]] = []
        for column in self.columns:
            label = f"Quality — {column.heading}" if column.heading else "Cost"
            if not groups or groups[-1][0] != label:
                groups.append((label, []))
            groups[-1][1].append(column)
        return groups


def _cells(group: pd.DataFrame, columns: list[Column]) -> dict[str, Summary | None]:
    cells = {}
    for column in columns:
        rows = group[not_gpu(group)] if column.key == keys.PEAK_RSS_MB else group
        cells[column.key] = summarise(rows[column.key].dropna(), column)
    return cells


def _pick_batch_size(group: pd.DataFrame, primary: Column | None) -> int:
    """The configuration a model is ranked with: most seeds, then best mean primary metric, then smallest batch."""
    def key(item):
        batch_size, runs = item
        score = runs[primary.key].mean() if primary is not None else np.nan
        score = np.inf if np.isnan(score) else (score if primary.lower_is_better else -score)
        return (-runs["seed"].nunique(), score, batch_size)

    return min(group.groupby("batch_size"), key=key)[0]


def _ranked(group: pd.DataFrame, column: Column) -> pd.Series:
    """Per seed, what a row is ranked by on `column`: its value, or for a column with an ideal the distance of
    the value from real data's value in the same run (scaled like the cell)."""
    rows = group[not_gpu(group)] if column.key == keys.PEAK_RSS_MB else group
    values = rows.set_index("seed")[column.key].astype(float)
    if column.ideal is not None:
        values = (values - rows.set_index("seed")[column.ideal].astype(float)).abs()
    return (values * column.scale).dropna()


@dataclass
class Separation:
    """Whether the leading row of a column is ahead of every other row across seeds (then it gets the star)."""

    leader: str
    runner_up: str             # the row it is compared with in the sentence: the closest one it is not ahead of
    pair: Paired               # leader vs runner_up, paired by seed
    seeds_needed: int | None   # paired seeds that would separate them at the observed spread (None: unknown)

    @property
    def holds(self) -> bool:
        return self.pair.better == self.leader and self.pair.verdict.startswith("holds")

    @property
    def note(self) -> str:
        """Why the leader has no star, in a few words (empty when it has one)."""
        if self.holds:
            return ""
        head = f"not separable from {self.runner_up}"
        if self.pair.verdict == "no difference":
            return f"{head}: no difference in any seed"
        if self.seeds_needed is None:
            return f"{head}: seed spread unknown (1 seed)"
        if self.seeds_needed > MAX_SEEDS:
            return f"{head}: over {MAX_SEEDS:,} seeds would be needed at the observed spread"
        return f"{head}: about {self.seeds_needed} paired seeds would separate them at the observed spread"


def _separation(leader: Row, other: Row, column: Column) -> Separation:
    a, b = leader.ranked[column.key], other.ranked[column.key]
    seeds = a.index.intersection(b.index)
    pair = paired_test(leader.model, a[seeds], other.model, b[seeds], column.lower_is_better)
    gap = abs(a.mean() - b.mean())
    spread = gap_spread(pair, t_interval(a), t_interval(b))
    return Separation(leader.model, other.model, pair, seeds_to_separate(gap, spread))


def _mark_best(rows: list[Row], columns: list[Column]) -> dict[str, Separation]:
    """Star the leading row of each ranked column where it is ahead of every other row across seeds (the paired
    test holds); otherwise note beside it from which row it is not separable. Returns each column's separation."""
    found = {}
    for column in columns:
        if column.lower_is_better is None:
            continue
        # A share at chance level is no achievement, whatever the others score.
        scored = [r for r in rows if len(r.ranked.get(column.key, ())) and column.key not in r.chance]
        if len(scored) < 2:
            continue
        sign = 1 if column.lower_is_better else -1
        scored.sort(key=lambda r: sign * r.ranked[column.key].mean())
        leader = scored[0]
        separations = [_separation(leader, other, column) for other in scored[1:]]
        open_ = [s for s in separations if not s.holds]
        found[column.key] = open_[0] if open_ else separations[0]
        if open_:
            leader.unseparated[column.key] = open_[0].note
        else:
            leader.best.add(column.key)
    return found


def _at_chance(group: pd.DataFrame, cells: dict[str, Summary | None], columns: list[Column]) -> dict[str, float]:
    """Chance-level columns whose mean lies within the binomial interval of chance (1/K) at the run's N."""
    found = {}
    for column in columns:
        summary = cells.get(column.key)
        if not column.chance or summary is None or not {keys.NUM_CLASSES, keys.NUM_SAMPLES} <= set(group.columns):
            continue
        scored = group.dropna(subset=[column.key, keys.NUM_CLASSES, keys.NUM_SAMPLES])
        if scored.empty:
            continue
        chance, upper = chance_band(int(scored[keys.NUM_CLASSES].max()), int(scored[keys.NUM_SAMPLES].min()))
        if summary.mean <= upper * column.scale:
            found[column.key] = chance * column.scale
    return found


def _distinct(frame: pd.DataFrame, key: str) -> list:
    return sorted(int(v) for v in frame[key].dropna().unique()) if key in frame.columns else []


def _resolutions(frame: pd.DataFrame) -> list[int]:
    return _distinct(frame, keys.SAMPLE_RESOLUTION)


def _baseline_rows(dataset: str, runs: pd.DataFrame, baselines: pd.DataFrame, columns: list[Column]) -> list[BaselineRow]:
    """The dataset's baselines at the resolutions its runs were scored at, in the board's metric columns."""
    if baselines is None or baselines.empty:
        return []
    part = baselines[baselines["dataset"] == dataset]
    if _resolutions(runs):
        part = part[part["resolution"].isin(_resolutions(runs))]
    run_n = _distinct(runs, keys.NUM_SAMPLES)
    rows = []
    for name, label in BASELINE_LABELS.items():
        for resolution, group in part[part["baseline"] == name].groupby("resolution"):
            # Records at other N (the curves' own reference, an older N) stand in only when none is at the runs' N.
            at_run_n = group[group["num_samples"].isin(run_n)] if run_n else group
            group = at_run_n if len(at_run_n) else group
            # One row per feature space (and one of the floors evaluate scored): each column's first value.
            first = group.iloc[0]
            values = {c.key: float(group[c.key].dropna().iloc[0]) * c.scale for c in columns
                      if c.key in group.columns and group[c.key].notna().any()}
            spread = {c.key: float(group[spread_column(c.key)].dropna().iloc[0]) * c.scale for c in columns
                      if spread_column(c.key) in group.columns and group[spread_column(c.key)].notna().any()}
            if not values:
                continue
            note = f"N = {int(first['baseline_num_samples']):,}" if pd.notna(first.get("baseline_num_samples")) else ""
            if pd.notna(first.get("num_samples")) and run_n and int(first["num_samples"]) not in run_n:
                note += (f"; computed for N = {int(first['num_samples']):,} but the runs used N = "
                         f"{', '.join(map(str, run_n))}: rerun reference_stats")
            several = part["resolution"].nunique() > 1
            rows.append(BaselineRow(label + (f", {resolution}px" if several else ""), values, note, spread,
                                    kind=name))
    return rows


def _scoring(dataset: str, runs: pd.DataFrame, classifiers: pd.DataFrame | None, baselines: pd.DataFrame | None,
             columns: list[Column]) -> Scoring:
    spaces = list(dict.fromkeys(c.space for c in columns if c.space))
    found = pd.DataFrame() if classifiers is None else classifiers[classifiers["dataset"] == dataset]
    resolutions = _resolutions(runs)
    if resolutions and not found.empty:
        found = found[found["resolution"].isin(resolutions)]
    methods, protocols = [], []
    if baselines is not None and not baselines.empty:
        part = baselines[baselines["dataset"] == dataset]
        if resolutions:
            part = part[part["resolution"].isin(resolutions)]
        at_n = part[part["num_samples"].isin(_distinct(runs, keys.NUM_SAMPLES))]
        part = at_n if len(at_n) else part
        methods = sorted(m for m in part["method"].dropna().unique())
        if "protocol" in part.columns:
            protocols = sorted(p for p in part["protocol"].dropna().unique())
    chance = {}
    for column in columns:   # chance level of every share column, whether or not a row sits at it
        if column.chance and keys.NUM_CLASSES in runs.columns:
            for k in runs.dropna(subset=[column.key])[keys.NUM_CLASSES].dropna().unique():
                chance.setdefault(column.key, set()).add(column.scale / float(k))
    classifier_rows = found.astype(object).where(found.notna(), None).to_dict("records") if not found.empty else []
    return Scoring(_distinct(runs, keys.NUM_SAMPLES), _distinct(runs, keys.KID_SUBSET_SIZE), spaces,
                   classifier_rows, methods, {k: sorted(v) for k, v in chance.items()}, protocols)


def leaderboards(runs: pd.DataFrame, classifiers: pd.DataFrame | None = None,
                 baselines: pd.DataFrame | None = None) -> list[Board]:
    """One board per dataset, one row per model, completed runs only, with the baselines and scoring settings."""
    done = completed(runs)
    primary = primary_metric(done)
    columns = metric_columns(done) + cost_columns(done)
    rule = ("each model at the batch size with the most completed seeds"
            + (f", ties broken by the lower mean {primary.label} ({primary.space})" if primary else "")
            + ", then the smaller batch size; every batch size is in the full run table")
    boards = []
    for dataset, by_dataset in done.groupby("dataset"):
        rows = []
        for model, group in by_dataset.groupby("model"):
            batch_size = _pick_batch_size(group, primary)
            chosen = group[group["batch_size"] == batch_size]
            cells = _cells(chosen, columns)
            rows.append(Row(model, dataset, int(batch_size), cells,
                            other_batch_sizes=sorted(int(b) for b in group["batch_size"].unique() if b != batch_size),
                            chance=_at_chance(chosen, cells, columns),
                            ranked={c.key: _ranked(chosen, c) for c in columns if c.lower_is_better is not None}))
        hidden = _unreliable(dataset, by_dataset, columns, classifiers)
        used = [c for c in columns if any(r.cells[c.key] is not None for r in rows) and c.key not in hidden]
        separations = _mark_best(rows, used)
        if primary is not None and primary.key in [c.key for c in used]:
            rows.sort(key=lambda r: (r.cells[primary.key] is None,
                                     r.cells[primary.key].mean if r.cells[primary.key] else 0))
        metric_used = [c for c in used if c.heading]
        boards.append(Board(dataset, used, rows, rule, _baseline_rows(dataset, by_dataset, baselines, metric_used),
                            _scoring(dataset, by_dataset, classifiers, baselines, metric_used), separations,
                            hidden,
                            published.fid_anchors(dataset) if any(c.key == "fid_inception" for c in used) else []))
    return boards


def _feature_dim(space_key: str, dataset: str, classifiers: pd.DataFrame | None) -> int | None:
    """The fixed extractor's dimension (spaces table), else the domain classifier's, from its record."""
    if space_key in feature_spaces.TABLE and feature_spaces.TABLE[space_key].feature_dim is not None:
        return feature_spaces.TABLE[space_key].feature_dim
    if classifiers is None or classifiers.empty or "feature_dim" not in classifiers.columns:
        return None
    dims = classifiers.loc[classifiers["dataset"] == dataset, "feature_dim"].dropna()
    return int(dims.max()) if len(dims) else None


def _unreliable(dataset: str, runs: pd.DataFrame, columns: list[Column],
                classifiers: pd.DataFrame | None) -> dict[str, str]:
    """{column key: why it is not shown} for columns whose runs were scored at an N too small for the feature
    dimension (FID∞: registry `reliable_from`)."""
    hidden = {}
    n = min(_distinct(runs, keys.NUM_SAMPLES), default=None)
    for column in columns:
        if column.reliable_from is None or n is None:
            continue
        space_key = next((k for k, label in SPACES.items() if label == column.space), None)
        dim = _feature_dim(space_key, dataset, classifiers)
        if dim is None or n < column.reliable_from * dim:
            at = "the feature dimension is unknown" if dim is None else (
                f"N = {n:,} is below {column.reliable_from:g} x the {dim:,} feature dimensions "
                f"(N >= {int(column.reliable_from * dim):,} needed)")
            hidden[column.key] = f"{column.label} ({column.space}) not shown: {at}; it is in the run table"
    return hidden


def empty_reason(runs: pd.DataFrame) -> str | None:
    """Why the leaderboards are empty, in one sentence; None when some run completed."""
    if len(completed(runs)):
        return None
    if runs.empty:
        return ("The run table holds no runs yet (results/runs.csv has only its header): no run has finished, "
                "so there is nothing to rank.")
    counts = runs["status"].value_counts()
    statuses = ", ".join(f"{n} {status}" for status, n in counts.items())
    return (f"No run completed ({statuses}), so the tables below are empty: a run that diverged, ran out of "
            f"memory or failed has no quality figures. The reasons are under failed runs.")


@dataclass
class Comparison:
    dataset: str
    column: Column
    pairs: list[Paired]


def comparisons(runs: pd.DataFrame) -> list[Comparison]:
    """Every pair of models on each dataset, per FID space, paired by seed and batch size."""
    done = completed(runs)
    result = []
    fids = [c for c in metric_columns(done) if c.key.startswith("fid_")]
    for dataset, by_dataset in done.groupby("dataset"):
        for column in fids:
            rows = by_dataset.dropna(subset=[column.key])
            models = sorted(rows["model"].unique())
            pairs = []
            for a, b in itertools.combinations(models, 2):
                merged = pd.merge(rows[rows["model"] == a], rows[rows["model"] == b],
                                  on=["seed", "batch_size"], suffixes=("_a", "_b"))
                pairs.append(paired_test(a, merged[f"{column.key}_a"], b, merged[f"{column.key}_b"],
                                         column.lower_is_better))
            if pairs:
                result.append(Comparison(dataset, column, pairs))
    return result


def failures(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs left out of the leaderboards, with the reason the run recorded."""
    failed = runs[runs["status"] != COMPLETED]
    frame = failed[["dataset", "model", "batch_size", "seed", "status", "reason", "run_dir"]].copy()
    frame["reason"] = frame["reason"].fillna("no reason recorded")
    return frame


def _source_runs(runs: pd.DataFrame, infos: dict[str, dict]) -> pd.DataFrame:
    """Completed GPU runs whose model, dataset and architecture are those of a published figure."""
    done = completed(runs).copy()
    done["source_dataset"] = done["dataset"].map(published.source_dataset) if len(done) else pd.Series(dtype=object)
    if keys.PEAK_NVML_MB not in done.columns or done.empty:
        return done.iloc[0:0]
    done = done.dropna(subset=[keys.PEAK_NVML_MB])
    same = [published.uses_source_configuration(
        model, infos.get(run_dir, {}).get("settings", {}).get("model_options"))
        for model, run_dir in zip(done["model"], done["run_dir"])]
    return done[np.asarray(same, dtype=bool)] if len(done) else done


def source_configurations(runs: pd.DataFrame, infos: dict[str, dict]) -> set[tuple[str, str]]:
    """(model, dataset) pairs with at least one run comparable to the published figures."""
    return set(zip(*[_source_runs(runs, infos)[k] for k in ("model", "dataset")]))


def memory_comparison(runs: pd.DataFrame, infos: dict[str, dict]) -> pd.DataFrame:
    """Our peak NVML memory (CUDA context included) beside the published figure, same configuration."""
    done = _source_runs(runs, infos)
    if done.empty:   # no GPU run, or none completed: nothing to set beside the published figures
        return pd.DataFrame(columns=["model", "dataset", "batch_size", "ours_mb", "runs", "published_mb", "ratio"])
    ours = (done.groupby(["model", "dataset", "source_dataset", "batch_size"])[keys.PEAK_NVML_MB]
            .agg(["mean", "count"]).reset_index().rename(columns={"mean": "ours_mb", "count": "runs"}))
    table = published.memory_table().rename(columns={"dataset": "source_dataset"})
    merged = ours.merge(table, on=["model", "source_dataset", "batch_size"])
    merged["ratio"] = merged["ours_mb"] / merged["published_mb"]
    return merged


def time_comparison(runs: pd.DataFrame, infos: dict[str, dict]) -> pd.DataFrame:
    """Our minutes per epoch beside the source's, same configuration (epoch counts may differ)."""
    done = _source_runs(runs, infos)
    done = done[done["epochs"].fillna(0) > 0].copy() if "epochs" in done.columns else done.iloc[0:0]
    if done.empty:
        return pd.DataFrame(columns=["model", "dataset", "batch_size", "ours_min_per_epoch", "runs", "min_per_epoch"])
    done["ours_min_per_epoch"] = done[keys.WALL_TIME_S] / 60 / done[keys.EPOCHS]
    ours = (done.groupby(["model", "dataset", "source_dataset", "batch_size"])["ours_min_per_epoch"]
            .agg(["mean", "count"]).reset_index().rename(columns={"mean": "ours_min_per_epoch", "count": "runs"}))
    table = published.time_table().rename(columns={"dataset": "source_dataset"})
    return ours.merge(table, on=["model", "source_dataset", "batch_size"])


def environments(runs: pd.DataFrame, infos: dict[str, dict]) -> pd.DataFrame:
    """Distinct software and hardware environments, with how many runs used each."""
    keys = ["device_name", "cpu", "driver", "cuda", "cudnn", "python", "torch", "torchvision",
            "torch_fidelity", "gan_bench", "git_commit", "platform"]
    rows = []
    for run_dir in runs["run_dir"]:
        env = infos.get(run_dir, {}).get("environment", {})
        rows.append({k: (None if env.get(k) is None else str(env.get(k))) for k in keys})
    frame = pd.DataFrame(rows, columns=keys)
    if frame.empty:
        return frame
    frame = frame.fillna("—")
    return frame.groupby(keys, dropna=False).size().reset_index(name="runs")


@dataclass
class Headline:
    """One line a reader takes away: who leads on a dataset and whether that holds across seeds, or which two
    cannot be told apart yet."""

    dataset: str
    column: Column
    leader: str
    leader_value: float
    runner_up: str | None
    runner_up_value: float | None
    separation: Separation | None

    @property
    def holds(self) -> bool:
        return self.separation is not None and self.separation.holds


def headlines(boards: list[Board]) -> list[Headline]:
    """Per dataset and FID space (or, without metrics, throughput): the leader and the row it is compared with
    (the closest one it is not separable from, else the runner-up), as the board's stars decide."""
    result = []
    for board in boards:
        ranked = [c for c in board.columns if c.key.startswith("fid_")] or \
                 [c for c in board.columns if c.key == keys.THROUGHPUT]
        for column in ranked:
            means = {r.model: r.cells[column.key].mean for r in board.rows if r.cells[column.key]}
            if not means:
                continue
            separation = board.separations.get(column.key)
            if separation is not None:
                leader, other = separation.leader, separation.runner_up
            else:   # a single row: nothing to compare with
                leader, other = next(iter(means)), None
            result.append(Headline(board.dataset, column, leader, means[leader], other, means.get(other),
                                   separation))
    return result
