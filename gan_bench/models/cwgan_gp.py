"""Conditional WGAN-GP (docs/source-models.md#cwgan-gp): WGAN-GP with the one-hot label fed to both networks.

G input = concat(z, one-hot); critic input = image plus the one-hot label broadcast as K extra
channels. Everything else (losses, penalty, critic steps, hyperparameters) is WGAN-GP's, inherited.
On MNIST-like data the label is the class; an image folder with an attribute table (CelebA
Blond_Hair) gives 2 classes through the dataset, so nothing here is dataset-specific.
Fakes are generated with the labels of the real batch, as the Keras source does, so the critic
compares real and fake images of the same classes and the interpolates keep those labels.
"""

from __future__ import annotations

import torch

from gan_bench.models import declarations
from gan_bench.models.blocks import with_label_channels, with_one_hot
from gan_bench.models.wgan_gp import WGANGP


class CWGANGP(WGANGP):
    declaration = declarations.CWGAN_GP

    def generator_inputs(self) -> int:
        return self.config.latent_dim + self.num_classes

    def critic_channels(self) -> int:
        return self.info.channels + self.num_classes

    def generator_input(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return with_one_hot(z, labels, self.num_classes)

    def critic_input(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return with_label_channels(images, labels, self.num_classes)
