"""LSGAN (Mao et al. 2017): DCGAN's networks and step with a least-squares objective instead of BCE."""

from __future__ import annotations

import torch

from gan_bench.models import declarations
from gan_bench.models.dcgan import DCGAN


class LSGAN(DCGAN):
    declaration = declarations.LSGAN

    def discriminator_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        """½(D(x) − b)² + ½(D(G(z)) − a)²; label_noise moves b and a towards each other as DCGAN's targets."""
        c = self.config
        real_target = c.a + (c.b - c.a) * self.targets(d_real.shape[0], True)
        fake_target = c.a + (c.b - c.a) * self.targets(d_fake.shape[0], False)
        return 0.5 * ((d_real - real_target) ** 2).mean() + 0.5 * ((d_fake - fake_target) ** 2).mean()

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((d_fake - self.config.c) ** 2).mean()

    def d_score(self, d_out: torch.Tensor) -> torch.Tensor:
        return d_out.mean()  # a raw score: no sigmoid in the least-squares loss
