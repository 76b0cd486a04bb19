"""Conditional GAN with MLP networks and learned label embeddings (docs/source-models.md#cgan, source C)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_bench.models import declarations
from gan_bench.models.base import GanModel
from gan_bench.models.blocks import config_adam, linear_block


class MLPGenerator(nn.Module):
    """G: concat(Embedding(K, K)(label), z) → FC 128 LReLU → 256, 512, 1024 (BN LReLU) → C·H·W Tanh."""

    def __init__(self, latent_dim: int, num_classes: int, shape: tuple[int, int, int], width: int):
        super().__init__()
        self.shape = shape
        self.embed = nn.Embedding(num_classes, num_classes)
        w = [width, width * 2, width * 4, width * 8]
        layers = linear_block(latent_dim + num_classes, w[0])  # no BN on the first layer
        for w_in, w_out in zip(w, w[1:]):
            layers += linear_block(w_in, w_out, batch_norm=True)
        layers += [nn.Linear(w[-1], shape[0] * shape[1] * shape[2]), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.embed(labels), z], dim=1)
        return self.main(x).reshape(z.shape[0], *self.shape)


class MLPDiscriminator(nn.Module):
    """D judging (image, label) jointly: concat(flat image, Embedding(K, K)(label)) → one logit.

    FC 1024 LReLU · 512 Dropout LReLU · 256 Dropout LReLU · 128 · 1. The source has no activation between
    the 128 and 1 layers; we keep that (it is one linear map in two factors), as the source trains it.
    The final Sigmoid is folded into BCE-with-logits: the same maths, numerically safer.
    """

    def __init__(self, num_classes: int, shape: tuple[int, int, int], width: int, dropout: float):
        super().__init__()
        self.embed = nn.Embedding(num_classes, num_classes)
        w = [width * 8, width * 4, width * 2, width]
        pixels = shape[0] * shape[1] * shape[2]
        self.main = nn.Sequential(
            *linear_block(pixels + num_classes, w[0]),
            *linear_block(w[0], w[1], dropout=dropout),
            *linear_block(w[1], w[2], dropout=dropout),
            *linear_block(w[2], w[3], activation=False),
            nn.Linear(w[3], 1),
        )

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = torch.cat([images.reshape(images.shape[0], -1), self.embed(labels)], dim=1)
        return self.main(x).reshape(-1)


class CGAN(GanModel):
    declaration = declarations.CGAN

    def build(self) -> None:
        c, k = self.config, self.num_classes
        shape = (self.info.channels, c.image_size, c.image_size)
        # The source keeps PyTorch's default init for its MLPs (DCGAN's init is for conv nets).
        self.nets["G"] = MLPGenerator(c.latent_dim, k, shape, c.width)
        self.nets["D"] = MLPDiscriminator(k, shape, c.width, c.d_dropout)
        config_adam(self, "G", "D")

    def generate(self, latent: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["G"](latent, labels)

    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        G, D = self.nets["G"], self.nets["D"]
        n = real.shape[0]
        ones, zeros = torch.ones(n, device=self.device), torch.zeros(n, device=self.device)

        # The source's step order: G first, on random labels, trying to make D say "real" ...
        z = torch.randn(n, self.config.latent_dim, device=self.device)
        fake_labels = torch.randint(0, self.num_classes, (n,), device=self.device)
        self.optimizers["G"].zero_grad(set_to_none=True)
        fake = G(z, fake_labels)
        loss_g = F.binary_cross_entropy_with_logits(D(fake, fake_labels), ones)
        loss_g.backward()
        self.optimizers["G"].step()

        # ... then D: real images with their true labels → 1, the same fakes (detached) → 0.
        self.optimizers["D"].zero_grad(set_to_none=True)
        d_real = D(real, labels)
        d_fake = D(fake.detach(), fake_labels)
        loss_d = (F.binary_cross_entropy_with_logits(d_real, ones)
                  + F.binary_cross_entropy_with_logits(d_fake, zeros)) / 2
        loss_d.backward()
        self.optimizers["D"].step()

        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "d_real": torch.sigmoid(d_real).mean().detach(),
            "d_fake": torch.sigmoid(d_fake).mean().detach(),
        }
