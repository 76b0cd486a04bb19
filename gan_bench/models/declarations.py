"""One torch-free declaration per model: its options, where its implementation lives, and what the workflow
needs to know about it (conditional, pre-trained part, image size via the options).

Snakemake builds the job graph by running the Snakefile, on a cluster once per job; validating a model's options
and knowing its image size and pre-training step must not import torch. So those facts live here, and the model
modules (`gan_bench/models/<name>.py`) are plain PyTorch: `import torch` at the top, `nn.Module` classes at module
level. All declarations share this one file (rather than a `<name>_spec.py` each) so that adding a model is one
section here plus its implementation module; a variant that reuses another's networks and step and changes only its
loss (LSGAN) is that and nothing more. The implementation is named by import path and imported only when a class is
needed (`gan_bench.models.base.model_class`).
"""

from __future__ import annotations

from dataclasses import dataclass

from gan_bench.errors import GanBenchError
from gan_bench.models.checks import at_least_one, in_unit_interval, non_negative, positive
from gan_bench.models.options import AdamGANConfig, ModelConfig
from gan_bench.names import add_entry


@dataclass(frozen=True)
class ModelDeclaration:
    """A model as the workflow sees it. `options` holds its hyperparameters (`options().image_size` is the size
    of the data it trains on); the rest are facts the job graph and the metrics depend on."""

    name: str
    options: type[ModelConfig]
    implementation: str | type   # "package.module:Class" (a class itself for a model defined in a test)
    conditional: bool = False
    # False where the "labels" a conditional model takes are a code it learns without supervision
    # (InfoGAN's categorical code): code c need not be class c, so it is scored by purity, not accuracy.
    labels_are_classes: bool = True
    # A part trained before the GAN (StackedGAN's encoder): the workflow then runs `pretrain` once per
    # (dataset, image size, options) as its own cached step.
    needs_pretraining: bool = False


MODELS: dict[str, ModelDeclaration] = {}


def declare(name: str, options: type[ModelConfig], implementation: str, **facts) -> ModelDeclaration:
    """Add a built-in model; returns its declaration for the implementation class to name."""
    if ":" not in implementation:
        raise ValueError(f"model {name!r}: implementation {implementation!r} must look like 'package.module:Class'")
    declaration = ModelDeclaration(name, options, implementation, **facts)
    add_entry(MODELS, "model", name, declaration)
    return declaration


def model_names() -> list[str]:
    return sorted(MODELS)


def model_declaration(name: str) -> ModelDeclaration:
    if name not in MODELS:
        raise GanBenchError(f"unknown model {name!r}; valid models: {', '.join(model_names())}")
    return MODELS[name]


# --- dcgan -------------------------------------------------------

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


DCGAN = declare("dcgan", DCGANConfig, "gan_bench.models.dcgan:DCGAN")


# --- cgan --------------------------------------------------------

@dataclass
class CGANConfig(AdamGANConfig):
    """Defaults: docs/source-models.md#cgan."""

    # The source uses 64x64 by default and 28x28 for MNIST; the MLP works at any size, but the shared data
    # preparation needs powers of two, and 32 is the one closest to MNIST's 28.
    image_size: int = 32
    latent_dim: int = 100     # latent 100 (G input 110 = 100 + a 10-d label embedding)
    width: int = 128          # G hidden 128, 256, 512, 1024; D hidden 1024, 512, 256, 128
    d_dropout: float = 0.4    # Dropout(0.4) on D's second and third layers
    # lr 2e-4 and betas (0.5, 0.999) are the source's too: AdamGANConfig's defaults.


CGAN = declare("cgan", CGANConfig, "gan_bench.models.cgan:CGAN", conditional=True)


# --- acgan -------------------------------------------------------

@dataclass
class ACGANConfig(AdamGANConfig):
    image_size: int = 32     # Odena et al. train at 32x32 on CIFAR-10 (the sources give no size)
    # z 100 (G's input is z plus the one-hot class), width 64, Adam 2e-4 (0.5, 0.999): DCGAN's
    # (docs/source-models.md#dcgan), as Odena et al. use; d_dropout 0 keeps DCGAN's trunk (Odena et al.
    # add dropout in D).


ACGAN = declare("acgan", ACGANConfig, "gan_bench.models.acgan:ACGAN", conditional=True)


# --- wgan_gp -----------------------------------------------------

@dataclass
class WGANGPConfig(ModelConfig):
    """Defaults: docs/source-models.md#wgan-gp."""

    image_size: int = 64        # the text trains on 64x64 (Lego bricks gray, CelebA RGB)
    latent_dim: int = 128       # z = 128
    width: int = 64             # critic and generator base width 64, as DCGAN's
    n_critic: int = 3           # critic steps per G step, 3 (the text says 3-5)
    gp_weight: float = 10.0     # lambda = 10
    lr: float = 2e-4            # Adam lr 2e-4
    beta1: float = 0.5          # betas (0.5, 0.999) in the text; the WGAN-GP paper uses (0.0, 0.9)
    beta2: float = 0.999
    # The critic is the Keras-flavour DCGAN discriminator without its sigmoid and BN, and that D has
    # Dropout(0.3) after every LReLU. We keep it as the faithful default: dropout masks each sample independently, so
    # unlike BN it does not couple samples and the penalty stays a per-sample constraint. Set 0 for
    # the WGAN-GP paper's dropout-free critic.
    critic_dropout: float = 0.3

    def validate(self, where: str) -> None:
        super().validate(where)
        at_least_one(self, where, "latent_dim", "width", "n_critic")
        non_negative(self, where, "gp_weight")
        positive(self, where, "lr")
        in_unit_interval(self, where, "critic_dropout", "beta1", "beta2")


WGAN_GP = declare("wgan_gp", WGANGPConfig, "gan_bench.models.wgan_gp:WGANGP")


# --- cwgan_gp ----------------------------------------------------

@dataclass
class CWGANGPConfig(WGANGPConfig):
    """The source gives no numbers of its own: it is WGAN-GP conditioned on the label, so WGAN-GP's defaults
    (docs/source-models.md#wgan-gp) apply."""


CWGAN_GP = declare("cwgan_gp", CWGANGPConfig, "gan_bench.models.cwgan_gp:CWGANGP", conditional=True)


# --- infogan -----------------------------------------------------

@dataclass
class InfoGANConfig(ModelConfig):
    """Defaults: docs/source-models.md#infogan."""

    image_size: int = 32          # img 32x32
    latent_dim: int = 62          # z 62-d normal
    code_dim: int = 2             # continuous style code 2-d, N(0, 1)
    g_width: int = 128            # G convs 128→128→64
    d_width: int = 16             # D trunk 16, 32, 64, 128
    head_width: int = 128         # class and code heads FC→128 BN1d LReLU
    d_dropout: float = 0.4        # Dropout(0.4) (PyTorch-GAN's code uses Dropout2d(0.25))
    upsample_mode: str = "bilinear"  # the text says bilinear; PyTorch-GAN's nn.Upsample default is "nearest"
    lr: float = 2e-4              # three Adams, lr 2e-4, betas (0.5, 0.999)
    beta1: float = 0.5
    beta2: float = 0.999
    # Info-loss weights of the PyTorch-GAN implementation the source follows
    # (eriklindernoren/PyTorch-GAN, implementations/infogan/infogan.py: lambda_cat = 1, lambda_con = 0.1).
    lambda_cat: float = 1.0
    lambda_con: float = 0.1

    def validate(self, where: str) -> None:
        super().validate(where)
        if self.image_size < 16:
            raise GanBenchError(f"{where}.image_size: InfoGAN's D halves the image four times; use >= 16, "
                                f"got {self.image_size}")
        at_least_one(self, where, "latent_dim", "g_width", "d_width", "head_width")
        if self.g_width < 2:
            raise GanBenchError(f"{where}.g_width: must be >= 2 (the last conv has g_width/2), got {self.g_width}")
        non_negative(self, where, "code_dim", "lambda_cat", "lambda_con")
        in_unit_interval(self, where, "d_dropout", "beta1", "beta2")
        positive(self, where, "lr")
        if self.upsample_mode not in ("nearest", "bilinear"):
            raise GanBenchError(f"{where}.upsample_mode: must be 'nearest' or 'bilinear', got {self.upsample_mode!r}")


INFOGAN = declare("infogan", InfoGANConfig, "gan_bench.models.infogan:InfoGAN", conditional=True,
                  labels_are_classes=False)


# --- stackedgan --------------------------------------------------

@dataclass
class StackedGANConfig(ModelConfig):
    """Defaults: docs/source-models.md#stackedgan; g_width and d_width size the networks of
    docs/source-models.md#infogan-keras-flavour."""

    image_size: int = 32       # the source: MNIST 28x28; our prepared data are powers of two (G generalises via S/4)
    z_dim: int = 50            # z0 and z1 are 50-d
    z_std: float = 0.5         # N(0, 0.5); the source's np.random.normal(scale=0.5) makes 0.5 the std
    feature_dim: int = 256     # f1 is 256-d
    enc_width: int = 64        # encoder convs have 64 filters
    g_width: int = 128         # Keras InfoGAN G filters 128, 64, 32
    d_width: int = 32          # Keras InfoGAN D filters 32, 64, 128, 256
    gen1_width: int = 512      # gen1 FC 512, 512
    dis1_width: int = 256      # dis1 FC 256, 256
    lr_d: float = 2e-4         # RMSprop lr 2e-4 for the discriminators
    lr_g: float = 1e-4         # RMSprop lr 1e-4 for the adversarial (generator) updates
    w_z0: float = 10.0         # dis0 / G0 entropy (z0 reconstruction) MSE weight
    w_z1: float = 1.0          # dis1 / G1 entropy (z1 reconstruction) MSE weight
    w_cond0: float = 1.0       # G0 conditional MSE(enc0(G0(f1, z0)), f1)
    w_cond1: float = 1.0       # G1 conditional CE(enc1(G1(y, z1)), y)
    # Encoder pre-training (source E: Keras Adam defaults, 10 epochs, batch = the GAN batch 64).
    pretrain_epochs: int = 10
    pretrain_batch_size: int = 64
    pretrain_lr: float = 1e-3
    pretrain_max_steps: int = 0       # 0: run all epochs; > 0 caps the updates (tests, quick runs)
    pretrain_holdout: float = 0.1     # share of images held out to report the encoder's accuracy

    def validate(self, where: str) -> None:
        super().validate(where)
        at_least_one(self, where, "z_dim", "feature_dim", "enc_width", "gen1_width", "dis1_width", "d_width",
                     "pretrain_epochs", "pretrain_batch_size")
        if self.g_width < 4:
            raise GanBenchError(f"{where}.g_width: must be >= 4 (G narrows to g_width/4), got {self.g_width}")
        positive(self, where, "z_std", "lr_d", "lr_g", "pretrain_lr")
        non_negative(self, where, "w_z0", "w_z1", "w_cond0", "w_cond1")
        if self.pretrain_max_steps < 0:
            raise GanBenchError(f"{where}.pretrain_max_steps: must be >= 0 (0 = no cap), got {self.pretrain_max_steps}")
        if not 0 < self.pretrain_holdout < 1:
            raise GanBenchError(f"{where}.pretrain_holdout: must be in (0, 1), got {self.pretrain_holdout}")


STACKEDGAN = declare("stackedgan", StackedGANConfig, "gan_bench.models.stackedgan:StackedGAN",
                     conditional=True, needs_pretraining=True)


# --- lsgan -------------------------------------------------------

@dataclass
class LSGANConfig(DCGANConfig):
    """DCGAN's networks and defaults with the least-squares loss of Mao et al. 2017 (Least Squares Generative
    Adversarial Networks): D pushes reals to b and fakes to a, G pushes fakes to c. Their a=0, b=1, c=1 is the
    default; a=-1, b=1, c=0 is their Pearson chi-squared choice."""

    a: float = 0.0  # D's target for fakes
    b: float = 1.0  # D's target for reals
    c: float = 1.0  # G's target for its fakes

    def validate(self, where: str) -> None:
        super().validate(where)
        if self.a == self.b:
            raise GanBenchError(f"{where}.b: must differ from a (D's targets for reals and fakes), both are {self.b}")


LSGAN = declare("lsgan", LSGANConfig, "gan_bench.models.lsgan:LSGAN")
