"""Auxiliary-classifier GAN (docs/source-models.md#acgan, following Odena, Olah & Shlens 2017).

G(z, c) is the DCGAN generator fed concat(z, one-hot(c)); D is the DCGAN trunk with two heads,
real/fake and class. D maximises L_S + L_C and G maximises L_C − L_S (the paper's objectives),
where L_S is the log-likelihood of the right source and L_C of the right class, both on real and
fake images: as minimised losses, D gets BCE(real/fake) + CE(class) on both halves and G gets
BCE(fake → real) + CE(class of fake).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_bench.models import declarations
from gan_bench.models.base import GanModel
from gan_bench.models.blocks import ConvDiscriminator, ConvGenerator, config_adam, dcgan_init, with_one_hot


class AuxiliaryDiscriminator(nn.Module):
    """The DCGAN discriminator's trunk shared by a real/fake logit and K class logits."""

    def __init__(self, channels: int, image_size: int, width: int, num_classes: int, dropout: float):
        super().__init__()
        self.body = ConvDiscriminator(channels, image_size, width, dropout=dropout)
        self.classify = nn.Linear(self.body.feature_dim, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body.features(x)
        return self.body.head(h).reshape(-1), self.classify(h.flatten(1))


class ACGAN(GanModel):
    declaration = declarations.ACGAN

    def build(self) -> None:
        c, info = self.config, self.info
        # A one-hot class concatenated to z: the first ConvT then learns one 4x4 map per class,
        # i.e. a learned label embedding, without a separate embedding table.
        self.nets["G"] = ConvGenerator(c.latent_dim + self.num_classes, info.channels, c.image_size, c.width)
        self.nets["D"] = AuxiliaryDiscriminator(info.channels, c.image_size, c.width, self.num_classes,
                                                c.d_dropout)
        self.nets.apply(dcgan_init)  # DCGAN's init (docs/source-models.md#dcgan) for its conv nets
        config_adam(self, "G", "D")

    def generate(self, latent: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["G"](with_one_hot(latent, labels, self.num_classes))

    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        G, D = self.nets["G"], self.nets["D"]
        n = real.shape[0]
        ones, zeros = torch.ones(n, device=self.device), torch.zeros(n, device=self.device)
        z = torch.randn(n, self.config.latent_dim, device=self.device)
        fake_labels = torch.randint(0, self.num_classes, (n,), device=self.device)  # c ~ p_c, uniform
        fake = self.generate(z, fake_labels)

        # D (DCGAN's order: real, then the detached fakes, one update); both halves train the class head.
        self.optimizers["D"].zero_grad(set_to_none=True)
        src_real, cls_real = D(real)
        src_fake, cls_fake = D(fake.detach())
        loss_source = (F.binary_cross_entropy_with_logits(src_real, ones)
                       + F.binary_cross_entropy_with_logits(src_fake, zeros))
        loss_class_real = F.cross_entropy(cls_real, labels)
        loss_class_fake = F.cross_entropy(cls_fake, fake_labels)
        loss_d = loss_source + loss_class_real + loss_class_fake
        loss_d.backward()
        self.optimizers["D"].step()

        # G on the same fakes: look real, and be classified as the class it was asked for.
        self.optimizers["G"].zero_grad(set_to_none=True)
        src_g, cls_g = D(fake)
        loss_g = F.binary_cross_entropy_with_logits(src_g, ones) + F.cross_entropy(cls_g, fake_labels)
        loss_g.backward()
        self.optimizers["G"].step()

        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "loss_class_real": loss_class_real.detach(),
            "loss_class_fake": loss_class_fake.detach(),
            "acc_real": (cls_real.argmax(1) == labels).float().mean().detach(),
            "d_real": torch.sigmoid(src_real).mean().detach(),
            "d_fake": torch.sigmoid(src_fake).mean().detach(),
        }
