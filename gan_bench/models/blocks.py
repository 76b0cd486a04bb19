"""Building blocks shared by several variants, so no variant copies another's layers."""

from __future__ import annotations

import math

import torch
from torch import nn

from gan_bench.models import optim


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's init (docs/source-models.md#dcgan): conv weights N(0, 0.02); batch-norm weight N(1, 0.02), bias 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _levels(image_size: int) -> int:
    """Number of stride-2 stages between a 4x4 map and the image."""
    levels = int(math.log2(image_size)) - 2
    if 2 ** (levels + 2) != image_size or levels < 1:
        raise ValueError(f"image_size must be a power of two >= 8, got {image_size}")
    return levels


class ConvGenerator(nn.Module):
    """The DCGAN generator (docs/source-models.md#dcgan), for any power-of-two size.

    At 64x64 and width 64: ConvT(z→512,4,1,0) BN ReLU, then 512→256→128→64 (BN ReLU), then
    ConvT(64→C) Tanh. Smaller images drop middle stages; no conv has a bias (BN follows).
    """

    def __init__(self, in_features: int, channels: int, image_size: int, width: int = 64):
        super().__init__()
        levels = _levels(image_size)
        widths = [width * 2 ** i for i in reversed(range(levels))]  # e.g. 512, 256, 128, 64
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(in_features, widths[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(True),
        ]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=False), nn.BatchNorm2d(w_out), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.reshape(z.shape[0], -1, 1, 1))


class ConvDiscriminator(nn.Module):
    """The DCGAN discriminator (docs/source-models.md#dcgan, #dcgan-keras-flavour), one logit per image.

    Conv(C→w,4,2,1) LReLU, then stages doubling the width (BN unless `batch_norm=False`, as the
    WGAN-GP critic needs), each optionally followed by Dropout (the Keras flavour uses 0.3), then Conv(→1,4,1,0).
    The source's Sigmoid is folded into the loss (BCE with logits): the same maths, numerically safer.
    `features` gives the flattened last hidden map for variants that add heads (ACGAN).
    """

    def __init__(self, channels: int, image_size: int, width: int = 64, batch_norm: bool = True,
                 dropout: float = 0.0):
        super().__init__()
        levels = _levels(image_size)
        widths = [width * 2 ** i for i in range(levels)]  # e.g. 64, 128, 256, 512

        def stage(w_in: int, w_out: int, norm: bool) -> list[nn.Module]:
            block: list[nn.Module] = [nn.Conv2d(w_in, w_out, 4, 2, 1, bias=False)]
            if norm:
                block.append(nn.BatchNorm2d(w_out))
            block.append(nn.LeakyReLU(0.2, inplace=True))
            if dropout > 0:
                block.append(nn.Dropout(dropout))
            return block

        layers = stage(channels, widths[0], norm=False)  # no BN on D's input layer
        for w_in, w_out in zip(widths, widths[1:]):
            layers += stage(w_in, w_out, norm=batch_norm)
        self.trunk = nn.Sequential(*layers)
        self.feature_dim = widths[-1] * 4 * 4
        self.head = nn.Conv2d(widths[-1], 1, 4, 1, 0, bias=False)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x)).reshape(-1)


def adam(params, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    return optim.Adam(params, lr=lr, betas=betas)  # torch's Adam less its start-up cost (gan_bench/models/optim.py)


def config_adam(model, *names: str) -> None:
    """One Adam per named network, with the config's `lr`, `beta1` and `beta2` (the sources' common optimiser)."""
    c = model.config
    for name in names:
        model.optimizers[name] = adam(model.nets[name].parameters(), c.lr, (c.beta1, c.beta2))


# --- conditioning helpers (CGAN, ACGAN, conditional WGAN-GP) -----------------------------------

def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Float one-hot rows (N, K) on the labels' device, ready to concatenate with z."""
    return nn.functional.one_hot(labels, num_classes).float()


def with_one_hot(z: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Generator input concat(z, one-hot(label)) (docs/source-models.md#cwgan-gp)."""
    return torch.cat([z.reshape(z.shape[0], -1), one_hot(labels, num_classes).to(z.dtype)], dim=1)


def label_channels(labels: torch.Tensor, num_classes: int, size: int) -> torch.Tensor:
    """The one-hot label broadcast to (N, K, size, size), channel k all ones for class k."""
    return one_hot(labels, num_classes)[:, :, None, None].expand(-1, -1, size, size)


def with_label_channels(images: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Critic input = image with the one-hot label appended as K constant channels (docs/source-models.md#cwgan-gp)."""
    planes = label_channels(labels, num_classes, images.shape[-1]).to(images.dtype)
    return torch.cat([images, planes], dim=1)


# --- MLP helpers (CGAN) ---------------------------------------------------------------------

def linear_block(in_features: int, out_features: int, batch_norm: bool = False, dropout: float = 0.0,
                 activation: bool = True) -> list[nn.Module]:
    """FC, then optional BN1d, optional Dropout, optional LReLU(0.2): the order the CGAN source writes its layers in."""
    block: list[nn.Module] = [nn.Linear(in_features, out_features)]
    if batch_norm:
        block.append(nn.BatchNorm1d(out_features))
    if dropout > 0:
        block.append(nn.Dropout(dropout))
    if activation:
        block.append(nn.LeakyReLU(0.2, inplace=True))
    return block


# --- Wasserstein loss with gradient penalty (docs/source-models.md#wgan-gp) --------------------

def interpolate(real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None):
    """x̂ = real + α (fake − real) with α ~ U(0, 1), ONE α PER SAMPLE (shared by all its pixels).

    docs/source-models.md#wgan-gp flags the Keras original, which draws α from a normal distribution: a bug (α outside
    [0, 1] leaves the segment between the two samples, where the 1-Lipschitz target is not
    meant to be enforced). We draw it uniformly as the WGAN-GP paper does. Returns (x̂, α).
    """
    alpha = torch.rand(real.shape[0], *[1] * (real.dim() - 1), device=real.device, dtype=real.dtype,
                       generator=generator)
    return real + alpha * (fake - real), alpha


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None):
    """GP = mean over samples of (‖∇x̂ critic(x̂)‖₂ − 1)², the norm taken over each sample's pixels.

    `critic` maps images to one score per sample (a conditional critic closes over the labels, so
    x̂ keeps the labels of the pair it interpolates). create_graph=True so the penalty itself is
    differentiated w.r.t. the critic's weights.
    """
    x_hat, _ = interpolate(real.detach(), fake.detach(), generator)
    x_hat.requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grad.reshape(grad.shape[0], -1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


# --- Keras-style networks (docs/source-models.md#infogan-keras-flavour), used by StackedGAN ----

def keras_init(module: nn.Module) -> None:
    """Keras defaults, which source E relies on: glorot-uniform weights, zero biases, BN (1, 0)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def _same_conv_transpose(w_in: int, w_out: int, kernel: int, stride: int) -> nn.ConvTranspose2d:
    """Keras Conv2DTranspose(padding='same'): output = input * stride for an odd kernel."""
    return nn.ConvTranspose2d(w_in, w_out, kernel, stride, padding=kernel // 2, output_padding=stride - 1)


class KerasConvGenerator(nn.Module):
    """InfoGAN's Keras-flavour generator: FC(→(S/4)²·w) reshape, then [BN ReLU ConvT] x4.

    Filters w, w/2, w/4, C (128, 64, 32, 1 in the source), kernel 5, strides 2, 2, 1, 1, so the
    (S/4)² map grows to S². The source ends in a sigmoid for [0, 1] images; ours are in [-1, 1],
    so the output is Tanh.
    """

    def __init__(self, in_features: int, channels: int, image_size: int, width: int = 128, kernel: int = 5):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4, got {image_size}")
        self.width, self.init_size = width, image_size // 4
        self.fc = nn.Linear(in_features, width * self.init_size ** 2)
        filters = [width, width, width // 2, width // 4, channels]
        strides = [2, 2, 1, 1]
        layers: list[nn.Module] = []
        for w_in, w_out, stride in zip(filters, filters[1:], strides):
            layers += [nn.BatchNorm2d(w_in), nn.ReLU(True), _same_conv_transpose(w_in, w_out, kernel, stride)]
        layers.append(nn.Tanh())
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(self.fc(x).view(-1, self.width, self.init_size, self.init_size))


class KerasConvDiscriminator(nn.Module):
    """InfoGAN's Keras-flavour discriminator, without heads: [LReLU Conv] x4, flattened.

    Filters w, 2w, 4w, 8w (32..256 in the source), kernel 5, strides 2, 2, 2, 1, 'same' padding.
    As in the source the LeakyReLU comes before each conv (the input too: on our [-1, 1] images it
    scales the negative half, which is invertible, so it is kept), and there is no BN.
    Variants add their own heads on the `feature_dim` output.
    """

    def __init__(self, channels: int, image_size: int, width: int = 32, kernel: int = 5):
        super().__init__()
        filters = [channels, width, 2 * width, 4 * width, 8 * width]
        strides = [2, 2, 2, 1]
        layers: list[nn.Module] = []
        size = image_size
        for w_in, w_out, stride in zip(filters, filters[1:], strides):
            layers += [nn.LeakyReLU(0.2), nn.Conv2d(w_in, w_out, kernel, stride, padding=kernel // 2)]
            size = (size - 1) // stride + 1  # 'same' padding: ceil(size / stride)
        self.main = nn.Sequential(*layers, nn.Flatten())
        self.feature_dim = filters[-1] * size * size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class FrozenModule(nn.Module):
    """A pre-trained part that the GAN must not change: no gradients, and always in eval mode
    (so `nets.train()` from the loop cannot switch it back)."""

    def freeze(self) -> "FrozenModule":
        self.requires_grad_(False)
        return self.eval()

    def train(self, mode: bool = True) -> "FrozenModule":
        return super().train(False)
