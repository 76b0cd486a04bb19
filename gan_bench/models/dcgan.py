"""DCGAN (docs/source-models.md#dcgan), with the one-sided noisy labels and dropout of its Keras flavour
(docs/source-models.md#dcgan-keras-flavour) as options.

Its step is the one every variant with DCGAN's networks shares: a variant that differs only in its objective
(LSGAN, a hinge or Wasserstein loss) subclasses DCGAN and overrides the three loss methods below, nothing else.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gan_bench.models import declarations
from gan_bench.models.base import GanModel
from gan_bench.models.blocks import ConvDiscriminator, ConvGenerator, config_adam, dcgan_init


class DCGAN(GanModel):
    declaration = declarations.DCGAN

    def build(self) -> None:
        c, info = self.config, self.info
        self.nets["G"] = ConvGenerator(c.latent_dim, info.channels, c.image_size, c.width)
        self.nets["D"] = ConvDiscriminator(info.channels, c.image_size, c.width, dropout=c.d_dropout)
        self.nets.apply(dcgan_init)
        config_adam(self, "G", "D")

    def generate(self, latent: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["G"](latent)

    # --- the objective: what a loss variant overrides -------------------------------------
    def discriminator_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        """D's loss from its outputs on a real and a fake batch: BCE towards 1 and 0 (label_noise softens both)."""
        return (F.binary_cross_entropy_with_logits(d_real, self.targets(d_real.shape[0], True))
                + F.binary_cross_entropy_with_logits(d_fake, self.targets(d_fake.shape[0], False)))

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        """G's loss from D's outputs on its fakes: the non-saturating BCE towards 1."""
        return F.binary_cross_entropy_with_logits(d_fake, torch.ones(d_fake.shape[0], device=self.device))

    def d_score(self, d_out: torch.Tensor) -> torch.Tensor:
        """D's mean output as the loss reads it, logged as d_real and d_fake: here a probability."""
        return torch.sigmoid(d_out).mean()

    def targets(self, n: int, real: bool) -> torch.Tensor:
        """D's targets in [0, 1]: 1 for real and 0 for fake, each moved towards the other by U(0, label_noise)."""
        noise = self.config.label_noise * torch.rand(n, device=self.device) if self.config.label_noise else 0.0
        return (torch.ones(n, device=self.device) - noise) if real else (torch.zeros(n, device=self.device) + noise)

    # --- the shared step ------------------------------------------------------------------
    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        G, D = self.nets["G"], self.nets["D"]
        z = torch.randn(real.shape[0], self.config.latent_dim, device=self.device)
        fake = G(z)

        # The source's step order: D on real, D on G(z).detach(), one D update; then G on the same fake.
        self.optimizers["D"].zero_grad(set_to_none=True)
        d_real = D(real)
        d_fake = D(fake.detach())
        loss_d = self.discriminator_loss(d_real, d_fake)
        loss_d.backward()
        self.optimizers["D"].step()

        self.optimizers["G"].zero_grad(set_to_none=True)
        loss_g = self.generator_loss(D(fake))
        loss_g.backward()
        self.optimizers["G"].step()

        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "d_real": self.d_score(d_real).detach(),
            "d_fake": self.d_score(d_fake).detach(),
        }
