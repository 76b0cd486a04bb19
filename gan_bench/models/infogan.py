"""InfoGAN (docs/source-models.md#infogan: source C in PyTorch, after the public PyTorch-GAN implementation).

G sees noise z, a one-hot categorical code c and continuous codes s; D has three heads: a
least-squares adversarial output, a class head recovering c and a code head recovering s. An extra
"info" optimizer over G and D maximises the mutual information between (c, s) and G's images.

The categorical code plays the role of the label (declared conditional, `generate(latent, labels)`
with labels = c), but training is unsupervised: code value k need not draw digit k. The real labels
passed to `train_step` are ignored.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_bench import artifacts
from gan_bench.errors import GanBenchError
from gan_bench.models import declarations
from gan_bench.models.base import GanModel
from gan_bench.models.blocks import adam, dcgan_init


class InfoGenerator(nn.Module):
    """G: FC(→w·(S/4)²) reshape BN2d · [Up×2 Conv(w→w,3) BN LReLU] · [Up×2 Conv(w→w/2,3) BN LReLU] ·
    Conv(w/2→C,3) Tanh. BN eps is 0.8 as in the source (`BatchNorm2d(n, 0.8)`: the positional
    argument is eps, probably meant as momentum; kept so results match the reference)."""

    def __init__(self, in_features: int, channels: int, image_size: int, width: int, upsample_mode: str):
        super().__init__()
        self.width, self.init_size = width, image_size // 4
        self.fc = nn.Linear(in_features, width * self.init_size ** 2)

        def up(w_in: int, w_out: int) -> list[nn.Module]:
            return [nn.Upsample(scale_factor=2, mode=upsample_mode), nn.Conv2d(w_in, w_out, 3, 1, 1),
                    nn.BatchNorm2d(w_out, eps=0.8), nn.LeakyReLU(0.2, inplace=True)]

        self.main = nn.Sequential(nn.BatchNorm2d(width), *up(width, width), *up(width, width // 2),
                                  nn.Conv2d(width // 2, channels, 3, 1, 1), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(self.fc(x).view(-1, self.width, self.init_size, self.init_size))


class InfoDiscriminator(nn.Module):
    """D: four Conv(3,2,1) LReLU Dropout [BN eps 0.8] stages (no BN on the first), then heads."""

    def __init__(self, channels: int, image_size: int, width: int, head_width: int, num_classes: int,
                 code_dim: int, dropout: float):
        super().__init__()
        widths = [channels, width, 2 * width, 4 * width, 8 * width]
        layers: list[nn.Module] = []
        for i, (w_in, w_out) in enumerate(zip(widths, widths[1:])):
            layers += [nn.Conv2d(w_in, w_out, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True), nn.Dropout(dropout)]
            if i > 0:
                layers.append(nn.BatchNorm2d(w_out, eps=0.8))
        self.trunk = nn.Sequential(*layers, nn.Flatten())
        features = widths[-1] * (image_size // 16) ** 2

        def head(out: int) -> nn.Sequential:
            return nn.Sequential(nn.Linear(features, head_width), nn.BatchNorm1d(head_width),
                                 nn.LeakyReLU(0.2, inplace=True), nn.Linear(head_width, out))

        self.adv = nn.Linear(features, 1)  # no sigmoid: least-squares (MSE) adversarial loss
        self.cls = head(num_classes)       # logits: the softmax lives in the cross-entropy
        self.code = head(code_dim) if code_dim else None

    def forward(self, x: torch.Tensor):
        h = self.trunk(x)
        code = self.code(h) if self.code is not None else h.new_zeros(h.shape[0], 0)
        return self.adv(h).reshape(-1), self.cls(h), code


def info_loss(class_logits: torch.Tensor, code_pred: torch.Tensor, codes_cat: torch.Tensor,
              codes_con: torch.Tensor, lambda_cat: float, lambda_con: float):
    """λ_cat · CE(class logits, c) + λ_con · MSE(code prediction, s); returns (total, ce, mse).

    Bug fix: source C applies a softmax before nn.CrossEntropyLoss, which applies log-softmax
    itself (a double softmax: the loss can never approach 0 and its gradients shrink). We pass logits.
    """
    ce = F.cross_entropy(class_logits, codes_cat)
    mse = F.mse_loss(code_pred, codes_con) if codes_con.numel() else class_logits.new_zeros(())
    return lambda_cat * ce + lambda_con * mse, ce, mse


class InfoGAN(GanModel):
    declaration = declarations.INFOGAN  # conditional on its code, which is not a class (scored by purity)

    def build(self) -> None:
        c, info = self.config, self.info
        self.nets["G"] = InfoGenerator(c.latent_dim + info.num_classes + c.code_dim, info.channels,
                                       c.image_size, c.g_width, c.upsample_mode)
        self.nets["D"] = InfoDiscriminator(info.channels, c.image_size, c.d_width, c.head_width,
                                           info.num_classes, c.code_dim, c.d_dropout)
        self.nets.apply(dcgan_init)  # init as DCGAN's (docs/source-models.md#dcgan)
        betas = (c.beta1, c.beta2)
        G, D = self.nets["G"], self.nets["D"]
        self.optimizers["G"] = adam(G.parameters(), c.lr, betas)
        self.optimizers["D"] = adam(D.parameters(), c.lr, betas)
        self.optimizers["info"] = adam(itertools.chain(G.parameters(), D.parameters()), c.lr, betas)

    # Latent = concat(z, s); the categorical code c travels as `labels`.
    def sample_latent(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.randn(n, self.config.latent_dim + self.config.code_dim, generator=generator)

    def generate(self, latent: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            raise GanBenchError("InfoGAN.generate needs labels (the categorical code values)")
        z, s = latent.split([self.config.latent_dim, self.config.code_dim], dim=1)
        onehot = F.one_hot(labels, self.num_classes).to(latent.dtype)
        return self.nets["G"](torch.cat([z, onehot, s], dim=1))  # PyTorch-GAN's order: noise, class, code

    def _random_inputs(self, n: int):
        """Fresh z ~ N(0, 1), class c uniform, style s ~ N(0, 1) (the text; PyTorch-GAN draws s from U(-1, 1))."""
        latent = torch.randn(n, self.config.latent_dim + self.config.code_dim, device=self.device)
        codes = torch.randint(0, self.num_classes, (n,), device=self.device)
        return latent, codes

    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        n = real.shape[0]
        ones, zeros = torch.ones(n, device=self.device), torch.zeros(n, device=self.device)
        stats: dict[str, torch.Tensor] = {}
        # The source's order: G adversarial step, D step on real and (detached) fake, then the info step.
        fake = self.generate(*self._random_inputs(n))
        loss_g = self._step("G", lambda: F.mse_loss(self.nets["D"](fake)[0], ones))

        def d_loss():
            d_real, d_fake = self.nets["D"](real)[0], self.nets["D"](fake.detach())[0]
            stats["d_real"], stats["d_fake"] = d_real.mean().detach(), d_fake.mean().detach()
            return (F.mse_loss(d_real, ones) + F.mse_loss(d_fake, zeros)) / 2

        loss_d = self._step("D", d_loss)
        loss_info, loss_cat, loss_con = self.info_step(n)
        return {"loss_g": loss_g, "loss_d": loss_d, "loss_info": loss_info, "loss_cat": loss_cat,
                "loss_con": loss_con, **stats}

    def info_step(self, n: int):
        """Fresh z, random c, fresh s → G → D heads → CE + MSE; one update of G and D together."""
        latent, codes = self._random_inputs(n)
        parts = {}

        def loss():
            _, class_logits, code_pred = self.nets["D"](self.generate(latent, codes))
            total, parts["cat"], parts["con"] = info_loss(class_logits, code_pred, codes,
                                                          latent[:, self.config.latent_dim:],
                                                          self.config.lambda_cat, self.config.lambda_con)
            return total

        total = self._step("info", loss)
        return total, parts["cat"].detach(), parts["con"].detach()

    def _step(self, name: str, loss_fn) -> torch.Tensor:
        """Zero the optimizer's grads, backpropagate loss_fn(), step; return the detached loss.

        Only this optimizer's parameters move, even though backward also reaches the other net.
        """
        optimizer = self.optimizers[name]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        optimizer.step()
        return loss.detach()

    def evaluation_artifacts(self, out_dir: Path, generator: torch.Generator) -> list[Path]:
        """The class grid (one row per categorical code value) and one sweep per continuous code:
        code i over [-2, 2] in 10 steps, everything else fixed, one row per code value (the text's evaluation)."""
        out_dir = Path(out_dir)
        paths = [artifacts.class_grid(self, out_dir, generator)]
        for i in range(self.config.code_dim):
            paths.append(artifacts.latent_sweep(self, out_dir / f"code_sweep_{i}.png", self.config.latent_dim + i,
                                                -2.0, 2.0, generator))
        return paths
