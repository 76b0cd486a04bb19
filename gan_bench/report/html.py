"""Rendering the Jinja2 templates: the report's pages are plain data in, HTML out."""

from __future__ import annotations

import functools
import math
from importlib import resources

import jinja2


def number(value, digits: int = 3) -> str:
    """A figure with as many decimals as its size warrants: 1234, 45.2, 3.14, 0.0123."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = float(value)
    size = abs(value)
    if value.is_integer() and size < 1e15:   # counts (steps, batch sizes, MB) read best without decimals
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.{digits}g}"


def decimals_for(spread: float) -> int:
    """Decimals that show two significant digits of the spread: more would be noise."""
    if not spread or not math.isfinite(spread):
        return 2
    return max(0, min(8, 1 - math.floor(math.log10(abs(spread)))))


def decimals_for_pair(mean: float, spread: float) -> int:
    """Decimals for 'mean ± spread': two significant digits of the spread, but no more than the mean's size
    warrants (2,080 ± 0.9, not 2,080.23 ± 0.93)."""
    size = abs(mean) if mean is not None and math.isfinite(mean) else 0.0
    cap = 0 if size >= 1000 else 1 if size >= 100 else 2 if size >= 10 else 8
    return min(decimals_for(spread), cap)


def fixed(value, places: int) -> str:
    return "–" if value is None else f"{float(value):,.{places}f}"


def pvalue(value) -> str:
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@functools.cache   # one per process: each page's templates (base.html, macros.html, ...) are compiled once
def environment() -> jinja2.Environment:
    templates = resources.files("gan_bench.report") / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                             autoescape=jinja2.select_autoescape(["html"]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = number
    env.filters["pvalue"] = pvalue
    env.filters["fixed"] = fixed
    env.globals["decimals_for"] = decimals_for_pair
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
