"""StackedGAN (docs/source-models.md#stackedgan; source E is Keras, reimplemented here in PyTorch).

A pre-trained classifier is split into enc0 (image → 256-d feature f1) and enc1 (f1 → class).
Two GANs invert it one stage at a time: gen1 maps (label, z1) to a fake f1, judged by dis1 against
enc0(real); gen0 maps (f1, z0) to an image, judged by dis0 against real images. Each generator also
matches its encoder stage (conditional loss) and lets its discriminator recover its noise (entropy
loss). Sampling chains them: image = gen0(gen1(y, z1), z0).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_bench import artifacts
from gan_bench.data.base import to_unit_range  # the source used [0, 1]
from gan_bench.data.splits import holdout_split
from gan_bench.errors import GanBenchError
from gan_bench.models import declarations, optim
from gan_bench.models.base import GanModel
from gan_bench.models.blocks import FrozenModule, KerasConvDiscriminator, KerasConvGenerator, keras_init
from gan_bench.models.classifying import accuracy


class Encoder(FrozenModule):
    """The classifier: enc0 = Conv(3x3,w,ReLU) MaxPool Conv(3x3,w,ReLU) MaxPool Flatten FC(→256,ReLU);
    enc1 = FC(256→classes). enc1 returns logits (the source's softmax is folded into the CE loss)."""

    def __init__(self, channels: int, image_size: int, width: int, feature_dim: int, num_classes: int):
        super().__init__()
        self.enc0 = nn.Sequential(
            nn.Conv2d(channels, width, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, width, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(width * (image_size // 4) ** 2, feature_dim), nn.ReLU(),
        )
        self.enc1 = nn.Linear(feature_dim, num_classes)
        # Whether pre-trained weights were installed; a buffer so checkpoints carry it.
        self.register_buffer("pretrained", torch.tensor(False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc1(self.enc0(x))


class Gen1(nn.Module):
    """gen1: concat(one-hot y, z1) → FC w ReLU BN → FC w ReLU BN → FC f1 ReLU (f1 is a ReLU output)."""

    def __init__(self, num_classes: int, z_dim: int, width: int, feature_dim: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.Linear(num_classes + z_dim, width), nn.ReLU(), nn.BatchNorm1d(width),
            nn.Linear(width, width), nn.ReLU(), nn.BatchNorm1d(width),
            nn.Linear(width, feature_dim), nn.ReLU(),
        )

    def forward(self, onehot: torch.Tensor, z1: torch.Tensor) -> torch.Tensor:
        return self.main(torch.cat([onehot, z1], dim=1))


class Gen0(nn.Module):
    """gen0: concat(f1, z0) → the Keras InfoGAN generator."""

    def __init__(self, feature_dim: int, z_dim: int, channels: int, image_size: int, width: int):
        super().__init__()
        self.main = KerasConvGenerator(feature_dim + z_dim, channels, image_size, width)

    def forward(self, f1: torch.Tensor, z0: torch.Tensor) -> torch.Tensor:
        return self.main(torch.cat([f1, z0], dim=1))


class Dis0(nn.Module):
    """dis0: the Keras InfoGAN discriminator, a real/fake logit head and a z0-reconstruction head FC→z tanh."""

    def __init__(self, channels: int, image_size: int, width: int, z_dim: int):
        super().__init__()
        self.trunk = KerasConvDiscriminator(channels, image_size, width)
        self.source = nn.Linear(self.trunk.feature_dim, 1)
        self.recon = nn.Sequential(nn.Linear(self.trunk.feature_dim, z_dim), nn.Tanh())

    def forward(self, x: torch.Tensor):
        h = self.trunk(x)
        return self.source(h).reshape(-1), self.recon(h)


class Dis1(nn.Module):
    """dis1: FC w ReLU → FC w ReLU → real/fake logit head and z1-reconstruction head FC→z tanh."""

    def __init__(self, feature_dim: int, width: int, z_dim: int):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(feature_dim, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU())
        self.source = nn.Linear(width, 1)
        self.recon = nn.Sequential(nn.Linear(width, z_dim), nn.Tanh())

    def forward(self, f1: torch.Tensor):
        h = self.trunk(f1)
        return self.source(h).reshape(-1), self.recon(h)


def rmsprop(params, lr: float) -> torch.optim.RMSprop:
    """Keras RMSprop: rho 0.9 (PyTorch's alpha defaults to 0.99), eps 1e-7. The source's tiny lr decay
    (6e-8 per update, ~0.06% over 10,000 steps) is left out."""
    return optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)  # torch's, less its start-up cost


class StackedGAN(GanModel):
    declaration = declarations.STACKEDGAN
    sampling_nets = ("gen0", "gen1")

    def build(self) -> None:
        c, info = self.config, self.info
        self.nets["enc"] = Encoder(info.channels, c.image_size, c.enc_width, c.feature_dim,
                                   info.num_classes).freeze()
        self.nets["gen1"] = Gen1(info.num_classes, c.z_dim, c.gen1_width, c.feature_dim)
        self.nets["gen0"] = Gen0(c.feature_dim, c.z_dim, info.channels, c.image_size, c.g_width)
        self.nets["dis1"] = Dis1(c.feature_dim, c.dis1_width, c.z_dim)
        self.nets["dis0"] = Dis0(info.channels, c.image_size, c.d_width, c.z_dim)
        for name in ("gen1", "gen0", "dis1", "dis0"):
            self.nets[name].apply(keras_init)
            lr = c.lr_d if name.startswith("dis") else c.lr_g
            self.optimizers[name] = rmsprop(self.nets[name].parameters(), lr)
        self._encoder_checked = False

    # --- pre-training the encoder ------------------------------------------------------
    @classmethod
    def pretrain(cls, config: declarations.StackedGANConfig, images: torch.Tensor, labels: torch.Tensor, num_classes: int,
                 device: torch.device, seed: int) -> dict:
        return pretrain_encoder(config, images, labels, num_classes, device, seed)

    def load_pretrained(self, state: dict) -> None:
        """Install a `pretrain` result; the encoder stays frozen (no gradients, eval mode)."""
        expected = (self.info.channels, self.config.image_size, self.num_classes)
        got = (state.get("channels"), state.get("image_size"), state.get("num_classes"))
        if got != expected:
            raise GanBenchError(f"StackedGAN pre-trained encoder is for (channels, image_size, classes) = {got} "
                                f"but the model needs {expected}; rerun pre-training for this dataset and image size")
        self.nets["enc"].load_state_dict(state["encoder"])
        self.nets["enc"].freeze()
        self._encoder_checked = False

    # --- sampling ------------------------------------------------------------------------
    def sample_latent(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """concat(z0, z1), each N(0, z_std²)."""
        return torch.randn(n, 2 * self.config.z_dim, generator=generator) * self.config.z_std

    def generate(self, latent: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            raise GanBenchError("StackedGAN.generate needs labels (it is a conditional model)")
        z0, z1 = latent.split(self.config.z_dim, dim=1)
        return self.nets["gen0"](self.nets["gen1"](self._onehot(labels), z1), z0)

    def _onehot(self, labels: torch.Tensor) -> torch.Tensor:
        return F.one_hot(labels, self.num_classes).float()

    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, device=self.device) * self.config.z_std

    # --- training ------------------------------------------------------------------------
    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        self._check_encoder()
        c, n = self.config, real.shape[0]
        enc, gen0, gen1, dis0, dis1 = (self.nets[k] for k in ("enc", "gen0", "gen1", "dis0", "dis1"))
        ones, zeros = torch.ones(n, device=self.device), torch.zeros(n, device=self.device)
        onehot = self._onehot(labels)
        with torch.no_grad():
            real_f1 = enc.enc0(real)

        # The source's order: dis1, dis0, then G1, then G0; the source conditions gen1 on the batch's real labels
        # and trains gen0 on real features enc0(x) (the two stages meet only when sampling).
        # The z-reconstruction (entropy) loss is taken on fakes only: the source also regresses the real
        # half of its concatenated batch onto the fake noise, which carries no information.
        z1 = self._noise(n)
        with torch.no_grad():
            fake_f1 = gen1(onehot, z1)
        loss_d1, d1_z = discriminator_step(dis1, self.optimizers["dis1"], real_f1, fake_f1, z1, c.w_z1, ones, zeros)

        z0 = self._noise(n)
        with torch.no_grad():
            fake_x = gen0(real_f1, z0)
        loss_d0, d0_z = discriminator_step(dis0, self.optimizers["dis0"], real, fake_x, z0, c.w_z0, ones, zeros)

        # Generator steps: only the generator's optimizer steps, so D and the frozen encoder stay fixed.
        z1 = self._noise(n)
        f1 = gen1(onehot, z1)
        cond1 = F.cross_entropy(enc.enc1(f1), labels)
        loss_g1, g1_z = generator_step(self.optimizers["gen1"], dis1(f1), z1, c.w_z1, cond1, c.w_cond1, ones)

        z0 = self._noise(n)
        x = gen0(real_f1, z0)
        cond0 = F.mse_loss(enc.enc0(x), real_f1)
        loss_g0, g0_z = generator_step(self.optimizers["gen0"], dis0(x), z0, c.w_z0, cond0, c.w_cond0, ones)

        return {
            # Sums over both stages, so tables can compare loss_d/loss_g across variants.
            "loss_d": loss_d0 + loss_d1, "loss_g": loss_g0 + loss_g1,
            "loss_d0": loss_d0, "loss_d1": loss_d1, "loss_g0": loss_g0, "loss_g1": loss_g1,
            "loss_d0_z": d0_z, "loss_d1_z": d1_z, "loss_g0_z": g0_z, "loss_g1_z": g1_z,
            "loss_g0_cond": cond0.detach(), "loss_g1_cond": cond1.detach(),
        }

    def _check_encoder(self) -> None:
        """Refuse to train on a random encoder (one host sync, on the first step only)."""
        if not self._encoder_checked:
            if not bool(self.nets["enc"].pretrained):
                raise GanBenchError("StackedGAN's encoder is not pre-trained: run `pretrain` and `load_pretrained` "
                                    "first (the workflow's pretrain step does this)")
            self._encoder_checked = True

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self._encoder_checked = False

    # --- evaluation ----------------------------------------------------------------------
    def evaluation_artifacts(self, out_dir: Path, generator: torch.Generator) -> list[Path]:
        """Class grid (label 0..9 down the rows) and the source's sweeps, one row per class.

        As in the source's test_generator, a sweep sets every dimension of z0 (or z1) to the same value:
        single dimensions of a 50-d code change too little to see. z0 over [-4, 4] (thickness), z1 over
        [-1, 1] (tilt).
        """
        out_dir, z = Path(out_dir), self.config.z_dim
        return [
            artifacts.class_grid(self, out_dir, generator),
            artifacts.latent_sweep(self, out_dir / "z0_sweep.png", slice(0, z), -4.0, 4.0, generator),
            artifacts.latent_sweep(self, out_dir / "z1_sweep.png", slice(z, 2 * z), -1.0, 1.0, generator),
        ]


def discriminator_step(net, optimizer, real, fake, z, w_z: float, ones, zeros):
    """BCE(real→1, fake→0) + w_z · MSE(recon(fake), z); returns (loss, z-MSE), detached."""
    optimizer.zero_grad(set_to_none=True)
    src_real, _ = net(real)
    src_fake, z_recon = net(fake)
    z_mse = F.mse_loss(z_recon, z)
    bce = (F.binary_cross_entropy_with_logits(src_real, ones)
           + F.binary_cross_entropy_with_logits(src_fake, zeros)) / 2  # mean over the 2n batch, as Keras
    loss = bce + w_z * z_mse
    loss.backward()
    optimizer.step()
    return loss.detach(), z_mse.detach()


def generator_step(optimizer, dis_out, z, w_z: float, cond, w_cond: float, ones):
    """Adversarial BCE(→1) + w_z · entropy MSE + w_cond · conditional loss, stepping only this optimizer's
    generator (so the discriminator and the frozen encoder stay fixed)."""
    src, z_recon = dis_out
    z_mse = F.mse_loss(z_recon, z)
    loss = F.binary_cross_entropy_with_logits(src, ones) + w_z * z_mse + w_cond * cond
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach(), z_mse.detach()


def pretrain_encoder(config: declarations.StackedGANConfig, images: torch.Tensor, labels: torch.Tensor, num_classes: int,
                     device: torch.device, seed: int) -> dict:
    """Train the encoder as a classifier on real images; report its accuracy on a held-out share.

    The held-out share and its accuracy are the domain classifier's (gan_bench.metrics.classifier). Seeded: the
    split, the init and the batch order come from `seed`, and the global RNG is untouched.
    """
    generator = torch.Generator().manual_seed(seed)
    train, held = holdout_split(images.shape[0], config.pretrain_holdout, generator)
    if train.numel() < 1:
        raise GanBenchError(f"StackedGAN pre-training needs at least 2 images, got {images.shape[0]}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = Encoder(images.shape[1], images.shape[-1], config.enc_width, config.feature_dim,
                          num_classes)
    encoder.to(device)
    nn.Module.train(encoder, True)  # FrozenModule pins eval mode; the classifier has no BN/dropout anyway
    optimizer = optim.Adam(encoder.parameters(), lr=config.pretrain_lr)  # Keras Adam defaults
    steps = 0
    for _ in range(config.pretrain_epochs):
        for batch in torch.randperm(train.numel(), generator=generator).split(config.pretrain_batch_size):
            if config.pretrain_max_steps and steps >= config.pretrain_max_steps:
                break
            idx = train[batch]
            x, y = to_unit_range(images[idx]).to(device), labels[idx].to(device)
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(encoder(x), y).backward()  # logits + CE = the source's softmax + categorical CE
            optimizer.step()
            steps += 1
    held_accuracy = accuracy(encoder, images[held], labels[held], device)
    encoder.pretrained.fill_(True)
    return {"encoder": {k: v.detach().cpu() for k, v in encoder.state_dict().items()},
            "accuracy": held_accuracy, "num_train": int(train.numel()), "num_holdout": int(held.numel()),
            "steps": steps, "epochs": config.pretrain_epochs, "seed": seed,
            "channels": int(images.shape[1]), "image_size": int(images.shape[-1]), "num_classes": num_classes}
