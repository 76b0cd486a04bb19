"""seaborn, imported without scipy.

`import seaborn` imports scipy.stats and scipy.cluster when they are installed: about 0.6 CPU-second, a quarter of
a report job, spent on kernel densities and clustered heatmaps the report never draws. seaborn runs without scipy
(it then uses its own copy of `gaussian_kde`), so its import is shown the two packages as missing. The report's
lines, scatters, palettes and theme do not use scipy: its figures are the same PNGs either way.
"""

from __future__ import annotations

import importlib
import sys

UNUSED = ("scipy.stats", "scipy.cluster")   # seaborn's only imports of scipy, each optional


def import_seaborn():
    """The seaborn module; imported here, with `UNUSED` hidden, unless it is already loaded. A seaborn that cannot
    do without them (a later version) is imported as it is: slower, the same figures."""
    if "seaborn" in sys.modules:
        return sys.modules["seaborn"]
    loaded = {name: sys.modules[name] for name in UNUSED if name in sys.modules}
    sys.modules.update(dict.fromkeys(UNUSED))   # a None entry makes `import` raise ImportError
    try:
        return importlib.import_module("seaborn")
    except ImportError:
        for name in [name for name in sys.modules if name.partition(".")[0] == "seaborn"]:
            del sys.modules[name]   # the half-imported package, so that it is imported again from the start
    finally:
        for name in UNUSED:
            del sys.modules[name]
        sys.modules.update(loaded)   # whoever imported them before still finds them
    return importlib.import_module("seaborn")


sns = import_seaborn()
