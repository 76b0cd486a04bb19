"""Conditional WGAN-GP (docs/source-models.md#cwgan-gp): WGAN-GP with the one-hot label fed to both networks.

G input = concat(z, one-hot); critic input = image plus the one-hot label broadcast as K extra
channels. Everything else (losses, penalty, critic steps, hyperparameters) is WGAN-GP's, inherited.
On MNIST-like data the label is the class; an image folder with an attribute table (CelebA
Blond_Hair) gives 2 classes through the dataset, so nothing here is dataset-specific.
Fakes are generated with the labels of the real batch, as the Keras source does, so the critic
compares real and fake images of the same classes and the interpolates keep those labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gan_bench.models.wgan_gp import WGANGP, WGANGPConfig

if TYPE_CHECKING:
    import torch


@dataclass
class CWGANGPConfig(WGANGPConfig):
    """The source gives no numbers of its own: it is WGAN-GP conditioned on the label, so WGAN-GP's defaults
    (docs/source-models.md#wgan-gp) apply."""


class CWGANGP(WGANGP):
    Config = CWGANGPConfig
    conditional = True

    def generator_inputs(self) -> int:
        return self.config.latent_dim + self.num_classes

    def critic_channels(self) -> int:
        return self.info.channels + self.num_classes

    def generator_input(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        from gan_bench.models.blocks import with_one_hot

        return with_one_hot(z, labels, self.num_classes)

    def critic_input(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        from gan_bench.models.blocks import with_label_channels

        return with_label_channels(images, labels, self.num_classes)
