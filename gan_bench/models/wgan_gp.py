"""WGAN-GP (docs/source-models.md#wgan-gp): a BN-free DCGAN critic, Wasserstein loss and a gradient penalty.

The conditional variant (`cwgan_gp.py`) subclasses this class and only changes what the
generator and the critic are fed, so both share one critic update and one generator update.
"""

from __future__ import annotations

import torch

from gan_bench.models import declarations
from gan_bench.models.base import GanModel
from gan_bench.models.blocks import ConvDiscriminator, ConvGenerator, config_adam, dcgan_init, gradient_penalty


class WGANGP(GanModel):
    declaration = declarations.WGAN_GP
    double_backward_nets = ("C",)  # the gradient penalty differentiates the critic's gradient

    # --- what the conditional subclass changes --------------------------------------------
    def generator_inputs(self) -> int:
        return self.config.latent_dim

    def critic_channels(self) -> int:
        return self.info.channels

    def generator_input(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return z

    def critic_input(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return images

    # --- shared ---------------------------------------------------------------------------
    def build(self) -> None:
        c = self.config
        self.nets["G"] = ConvGenerator(self.generator_inputs(), self.info.channels, c.image_size, c.width)
        # No BN: BN makes each score depend on the whole batch, so the per-sample gradient the
        # penalty constrains would not be the critic's gradient for that sample.
        self.nets["C"] = ConvDiscriminator(self.critic_channels(), c.image_size, c.width, batch_norm=False,
                                           dropout=c.critic_dropout)
        self.nets.apply(dcgan_init)  # DCGAN's init (docs/source-models.md#dcgan) for its conv nets
        config_adam(self, "G", "C")

    def generate(self, latent: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["G"](self.generator_input(latent, labels))

    def critic(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return self.nets["C"](self.critic_input(images, labels))

    def critic_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """One critic update: mean C(fake) − mean C(real) + λ·GP on a fresh fake batch."""
        z = torch.randn(real.shape[0], self.config.latent_dim, device=self.device)
        with torch.no_grad():
            fake = self.generate(z, labels)
        self.optimizers["C"].zero_grad(set_to_none=True)
        c_real = self.critic(real, labels).mean()
        c_fake = self.critic(fake, labels).mean()
        # The interpolates keep the labels of the (real, fake) pair they lie between (docs/source-models.md#cwgan-gp).
        gp = gradient_penalty(lambda x: self.critic(x, labels), real, fake)
        loss = c_fake - c_real + self.config.gp_weight * gp
        loss.backward()
        self.optimizers["C"].step()
        return {"loss_c": loss.detach(), "wasserstein": (c_real - c_fake).detach(), "gp": gp.detach()}

    def generator_step(self, labels: torch.Tensor) -> torch.Tensor:
        """G loss −mean C(G(z)); only G's optimizer steps (the critic's stale grads are cleared next time)."""
        z = torch.randn(labels.shape[0], self.config.latent_dim, device=self.device)
        self.optimizers["G"].zero_grad(set_to_none=True)
        loss = -self.critic(self.generate(z, labels), labels).mean()
        loss.backward()
        self.optimizers["G"].step()
        return loss.detach()

    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        # n_critic critic updates, each on the SAME real batch with fresh noise, then one G update.
        # This is what the Keras source does (its train_step loops critic_steps times over the one
        # batch it is handed); splitting the batch instead would shrink the critic's batch and make
        # "batch size" mean something different for this variant than for every other one.
        for _ in range(self.config.n_critic):
            critic_losses = self.critic_step(real, labels)
        loss_g = self.generator_step(labels)
        return {**critic_losses, "loss_g": loss_g}
