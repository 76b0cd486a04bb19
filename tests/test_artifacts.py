"""Image grids: the pixels torchvision's make_grid would give (the grid is drawn without importing torchvision,
which costs seconds in every training job)."""

import subprocess
import sys

import pytest
import torch
from torchvision.utils import make_grid

from gan_bench.artifacts import grid_pixels, save_grid


@pytest.mark.parametrize("shape, nrow", [((10, 1, 8, 8), 4), ((7, 3, 5, 6), 3), ((3, 3, 4, 4), 8)])
def test_grid_matches_torchvision(shape, nrow):
    images = torch.rand(shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
    expected = make_grid(images, nrow=nrow, normalize=True, value_range=(-1, 1))
    expected = expected.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8)
    assert torch.equal(grid_pixels(images, nrow), expected)


def test_saved_grid_is_that_png(tmp_path):
    from PIL import Image
    import numpy as np

    images = torch.linspace(-1, 1, 2 * 16).reshape(2, 1, 4, 4)
    path = save_grid(images, tmp_path / "grid.png", nrow=2)
    assert np.array_equal(np.asarray(Image.open(path)), grid_pixels(images, 2).numpy())


def test_a_training_job_imports_neither_torchvision_nor_dynamo():
    code = ("import sys, gan_bench.training.trainer, gan_bench.artifacts, gan_bench.data.base; "
            "print(sorted(m for m in ('torchvision', 'torch._dynamo') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"
