"""Image grids and the evaluation figures every run writes into its directory."""

from __future__ import annotations

from pathlib import Path

import torch

from gan_bench.atomic_files import atomic_write, torch_save

PADDING = 2   # black pixels between and around the images of a grid


def grid_pixels(images: torch.Tensor, nrow: int = 8) -> torch.Tensor:
    """uint8 (H, W, 3) picture of images in [-1, 1] (N, 1|3, h, w), `nrow` per row, PADDING black pixels apart.

    Our own few lines rather than torchvision.utils: importing torchvision pulls in torch._dynamo, seconds of CPU
    in every job that saves a picture (every training run)."""
    images = images.detach().float().cpu().clamp(-1, 1).add(1).div(2)
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    count, _, height, width = images.shape
    columns = min(nrow, count)
    rows = -(-count // columns)
    step_y, step_x = height + PADDING, width + PADDING
    grid = torch.zeros(3, rows * step_y + PADDING, columns * step_x + PADDING)
    for index in range(count):
        y, x = divmod(index, columns)
        grid[:, y * step_y + PADDING: (y + 1) * step_y, x * step_x + PADDING: (x + 1) * step_x] = images[index]
    return grid.mul(255).add(0.5).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous()


def save_grid(images: torch.Tensor, path: str | Path, nrow: int = 8) -> Path:
    """Save images in [-1, 1] as one PNG grid, atomically."""
    from PIL import Image

    pixels = grid_pixels(images, nrow).numpy()
    return atomic_write(path, lambda tmp: Image.fromarray(pixels).save(tmp, format="png"))


def class_grid(model, out_dir: Path, generator: torch.Generator, per_class: int = 10) -> Path:
    """One row per class; column j uses the same noise in every row, so rows differ only by the label."""
    k = model.num_classes
    latent = model.sample_latent(per_class, generator)
    latent = latent.repeat(k, *[1] * (latent.dim() - 1))
    labels = torch.arange(k).repeat_interleave(per_class)
    images = model.generate_batched(latent, labels)
    return save_grid(images, Path(out_dir) / "class_grid.png", nrow=per_class)


def latent_playground(model, out_dir: Path, generator: torch.Generator, steps: int = 10) -> list[Path]:
    """The latent experiments of docs/source-models.md#dcgan, for unconditional models.

    (0) a random batch whose z's are saved; (1) linear interpolation between saved z's;
    (2) vector arithmetic mean(z_a) - mean(z_b) + mean(z_c) + 0.1 noise on three triples of z's.
    """
    out_dir = Path(out_dir)
    z = model.sample_latent(64, generator)
    paths = [torch_save(out_dir / "latents.pt", z),
             save_grid(model.generate_batched(z), out_dir / "latent_batch.png")]

    # (1) interpolation: four pairs (0,1), (2,3), ... one row each.
    weights = torch.linspace(0, 1, steps).view(1, steps, *[1] * (z.dim() - 1))
    starts, ends = z[0:8:2].unsqueeze(1), z[1:8:2].unsqueeze(1)
    path = (starts + weights * (ends - starts)).reshape(-1, *z.shape[1:])
    paths.append(save_grid(model.generate_batched(path), out_dir / "interpolation.png", nrow=steps))

    # (2) arithmetic: rows a1..a3, b1..b3, c1..c3 then the results (with small noise).
    a, b, c = z[8:11], z[11:14], z[14:17]
    result = a.mean(0) - b.mean(0) + c.mean(0)
    results = result.unsqueeze(0) + 0.1 * torch.randn(3, *z.shape[1:], generator=generator)
    grid = torch.cat([a, b, c, results])
    paths.append(save_grid(model.generate_batched(grid), out_dir / "vector_arithmetic.png", nrow=3))
    return paths


def latent_sweep(model, path: str | Path, dims, low: float, high: float, generator: torch.Generator,
                 steps: int = 10) -> Path:
    """Sweep latent coordinates `dims` (an index, a list or a slice) over linspace(low, high, steps).

    One row per class (conditional models) with a single shared latent draw, so the only things that
    change are the label (down) and the swept coordinates (across), all set to the column's value.
    """
    rows = model.num_classes if model.conditional else 1
    base = model.sample_latent(1, generator)
    latent = base.repeat(rows * steps, *[1] * (base.dim() - 1))
    values = torch.linspace(low, high, steps).repeat(rows)
    latent[:, dims] = values.view(-1, *[1] * (latent[:, dims].dim() - 1)).to(latent.dtype)
    labels = torch.arange(rows).repeat_interleave(steps) if model.conditional else None
    return save_grid(model.generate_batched(latent, labels), path, nrow=steps)
