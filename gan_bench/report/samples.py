"""Sample grids and evaluation artefacts, copied from each run directory into the report folder.

Copying (rather than linking into results/) keeps reports/ self-contained: it can be zipped, served or
published on its own.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from gan_bench.atomic_files import atomic_write

# Human titles of the artefacts models write (gan_bench/artifacts.py); unknown names get a readable title.
TITLES = {
    "class_grid": "Class grid (one row per class, same noise per column)",
    "interpolation": "Latent interpolation (one row per pair of z)",
    "vector_arithmetic": "Vector arithmetic (rows a, b, c, then a − b + c)",
    "latent_batch": "Random batch (saved z's)",
}


@dataclass
class Image:
    path: str    # relative to the report folder
    title: str


@dataclass
class RunImages:
    final: Image | None = None
    real: Image | None = None
    progression: list[Image] = field(default_factory=list)
    artifacts: list[Image] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.final is None and not self.artifacts and not self.progression


def title_of(name: str) -> str:
    if name in TITLES:
        return TITLES[name]
    if name.startswith("nearest_pairs_"):   # written by the evaluate step (memorization)
        return (f"Memorization: the samples closest to a training image (top) above those training images "
                f"({name.removeprefix('nearest_pairs_')} features)")
    if "sweep" in name:
        digits = re.findall(r"\d+", name)
        return "Code sweep" + (f", code {digits[-1]}" if digits else "") + " (one code varied per row)"
    return name.replace("_", " ").capitalize()


def _copy(source: Path, out: Path, relative: str) -> str:
    target = out / "samples" / relative
    atomic_write(target, lambda tmp: shutil.copyfile(source, tmp))
    return f"samples/{relative}"


def collect(results: Path, run_dir: str, out: Path, key: str | None = None) -> RunImages:
    """Copy one run's PNGs into `out/samples/<key>/` and describe them.

    `key` (default: run_dir) names the copy; the caller builds it from the run's settings so a table
    with absolute or odd run_dir paths cannot make the report write outside its folder.
    """
    source = Path(results) / run_dir
    run_dir = key or str(run_dir)
    images = RunImages()
    samples = source / "samples"
    if (samples / "final.png").is_file():
        images.final = Image(_copy(samples / "final.png", out, f"{run_dir}/final.png"), "Final samples")
    if (samples / "real.png").is_file():
        images.real = Image(_copy(samples / "real.png", out, f"{run_dir}/real.png"), "Real images")
    for path in sorted(samples.glob("step*.png")):
        step = int(re.sub(r"\D", "", path.stem) or 0)
        images.progression.append(Image(_copy(path, out, f"{run_dir}/{path.name}"), f"step {step}"))
    for path in sorted((source / "artifacts").glob("*.png")):
        images.artifacts.append(Image(_copy(path, out, f"{run_dir}/artifacts/{path.name}"), title_of(path.stem)))
    return images
