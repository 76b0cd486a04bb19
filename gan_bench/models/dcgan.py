"""DCGAN (docs/source-models.md#dcgan), with the one-sided noisy labels and dropout of its Keras flavour
(docs/source-models.md#dcgan-keras-flavour) as options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gan_bench.errors import GanBenchError
from gan_bench.models.base import AdamGANConfig, GanModel

if TYPE_CHECKING:
    import torch


@dataclass
class DCGANConfig(AdamGANConfig):
    """Defaults: docs/source-models.md#dcgan (z 100, width 64 and Adam are AdamGANConfig's, from there too)."""

    image_size: int = 64      # images resized to 64x64
    label_noise: float = 0.0  # Keras flavour: 0.1 (real targets 1 - 0.1U, fake targets 0.1U)
    d_dropout: float = 0.0    # the Keras flavour uses 0.3

    def validate(self, where: str) -> None:
        super().validate(where)
        if not 0 <= self.label_noise < 0.5:
            raise GanBenchError(f"{where}.label_noise: must be in [0, 0.5), got {self.label_noise}")


class DCGAN(GanModel):
    Config = DCGANConfig

    def build(self) -> None:
        from gan_bench.models.blocks import ConvDiscriminator, ConvGenerator, config_adam, dcgan_init

        c, info = self.config, self.info
        self.nets["G"] = ConvGenerator(c.latent_dim, info.channels, c.image_size, c.width)
        self.nets["D"] = ConvDiscriminator(info.channels, c.image_size, c.width, dropout=c.d_dropout)
        self.nets.apply(dcgan_init)
        config_adam(self, "G", "D")

    def generate(self, latent: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["G"](latent)

    def _targets(self, n: int, real: bool) -> torch.Tensor:
        import torch

        noise = self.config.label_noise * torch.rand(n, device=self.device) if self.config.label_noise else 0.0
        return (torch.ones(n, device=self.device) - noise) if real else (torch.zeros(n, device=self.device) + noise)

    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        import torch
        import torch.nn.functional as F

        G, D = self.nets["G"], self.nets["D"]
        n = real.shape[0]
        z = torch.randn(n, self.config.latent_dim, device=self.device)
        fake = G(z)

        # The source's step order: D on real, D on G(z).detach(), one D update; then G on the same fake.
        self.optimizers["D"].zero_grad(set_to_none=True)
        d_real = D(real)
        d_fake = D(fake.detach())
        loss_d = (F.binary_cross_entropy_with_logits(d_real, self._targets(n, True))
                  + F.binary_cross_entropy_with_logits(d_fake, self._targets(n, False)))
        loss_d.backward()
        self.optimizers["D"].step()

        self.optimizers["G"].zero_grad(set_to_none=True)
        loss_g = F.binary_cross_entropy_with_logits(D(fake), torch.ones(n, device=self.device))
        loss_g.backward()
        self.optimizers["G"].step()

        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "d_real": torch.sigmoid(d_real).mean().detach(),
            "d_fake": torch.sigmoid(d_fake).mean().detach(),
        }
