"""One training configuration, its limits, and the presets (small overrides of the default).

Every run of the lab is described by a `TrainConfig`. `validate` turns any bad value into a
ValueError that names the field, the value and the allowed range, so the page and the CLI
can show the message as it is.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

# Allowed values, in the order the page lists them.
DATASETS = ("digits", "spirals", "moons", "blobs", "mnist")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu")
INITS = ("default", "kaiming", "xavier", "small_gaussian", "large_gaussian")
NORMS = ("none", "bn_before", "bn_after", "layer", "group", "batch_renorm")
OPTIMIZERS = ("sgd", "momentum", "adam")
DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("float32", "float64")
BATCHINGS = ("random", "one_class")

# Readable names for every choice: the page, the summary table and the "what to notice"
# line show these; URLs, the CLI and the exports keep the ids on the left.
NORM_LABELS = {
    "none": "No normalization",
    "bn_before": "BN before the activation",
    "bn_after": "BN after the activation",
    "layer": "Layer norm",
    "group": "Group norm",
    "batch_renorm": "Batch renorm",
}
INIT_LABELS = {
    "default": "PyTorch default",
    "kaiming": "Kaiming (He)",
    "xavier": "Xavier (Glorot)",
    "small_gaussian": "Small Gaussian",
    "large_gaussian": "Large Gaussian (std 1)",
}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}
ACTIVATION_LABELS = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "Sigmoid", "gelu": "GELU"}
DATASET_LABELS = {
    "digits": "Handwritten digits (8x8)",
    "spirals": "Three spirals (2-D)",
    "moons": "Two moons (2-D)",
    "blobs": "Gaussian blobs (2-D)",
    "mnist": "MNIST (28x28)",
}
DEVICE_LABELS = {
    "auto": "Best available",
    "cpu": "CPU",
    "cuda": "NVIDIA GPU (CUDA)",
    "mps": "Apple GPU (MPS)",
}
CHOICE_LABELS = {
    "norm": NORM_LABELS,
    "init": INIT_LABELS,
    "optimizer": OPTIMIZER_LABELS,
    "activation": ACTIVATION_LABELS,
    "dataset": DATASET_LABELS,
    "device": DEVICE_LABELS,
}
# Readable names of the fields a learner can set (the lab page's labels).
FIELD_LABELS = {
    "dataset": "Data",
    "depth": "Hidden layers",
    "width": "Units per layer",
    "activation": "Activation",
    "init": "Weight init",
    "init_std": "Small-Gaussian std",
    "norm": "Normalization",
    "bias_before_norm": "Keep bias before the norm",
    "optimizer": "Optimizer",
    "lr": "Learning rate",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "steps": "Steps (0 = use epochs)",
    "standardize": "Standardize inputs",
    "device": "Device",
}


def choice_label(field: str, value) -> str:
    """The readable name of a field's value: "BN before the activation" for norm
    "bn_before", "SGD" for "sgd"; numbers and flags as text."""
    names = CHOICE_LABELS.get(field)
    if names is not None and value in names:
        return names[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


# Size limits, so one learner cannot occupy a shared server. The page states them.
MIN_DEPTH, MAX_DEPTH = 1, 20
MAX_WIDTH = 512
MAX_BATCH = 1024
MAX_STEPS = 20_000
MAX_EPOCHS = 200
MAX_SEEDS = 5
MAX_CONFIGS = 4
MIN_LR, MAX_LR = 1e-4, 10.0
LARGE_GAUSSIAN_STD = 1.0
# Layer diagnostics are sampled so they cost under a tenth of training (benchmarks/README):
DIAG_POINTS = 30  # diagnostics per run when diag_every is 0
PROBE_SAMPLES = 256  # validation samples they look at


@dataclass(frozen=True)
class TrainConfig:
    # data
    dataset: str = "digits"  # one of DATASETS; digits = the 8x8 set shipped in assets/
    n_samples: int = 2000  # size of a synthetic 2-D set (ignored for digits/mnist)
    val_fraction: float = 0.2  # share held out for validation
    standardize: bool = True  # scale inputs to zero mean, unit variance (train statistics)
    data_seed: int = 0  # fixes the split and synthetic data, shared by every run
    # model: an MLP with `depth` hidden layers of `width` units
    depth: int = 3  # hidden layers, MIN_DEPTH..MAX_DEPTH
    width: int = 100  # units per hidden layer, up to MAX_WIDTH
    activation: str = "relu"  # one of ACTIVATIONS
    init: str = "default"  # one of INITS
    init_std: float = 0.01  # std of the "small_gaussian" init
    norm: str = "none"  # one of NORMS
    bias_before_norm: bool = False  # keep the Linear bias in front of a norm (it is redundant)
    groups: int = 4  # group norm: groups per layer (must divide width)
    bn_momentum: float = 0.1  # running-statistics momentum, PyTorch's convention
    eps: float = 1e-5  # added to the variance in every norm
    renorm_rmax: float = 3.0  # batch renorm: clip for r = sigma_B / sigma
    renorm_dmax: float = 5.0  # batch renorm: clip for d = (mu_B - mu) / sigma
    norm_noise: float = 0.0  # std of random per-unit scale/shift after the norm (noisy BN)
    # optimization
    optimizer: str = "sgd"  # one of OPTIMIZERS
    lr: float = 0.1  # learning rate, MIN_LR..MAX_LR
    momentum: float = 0.9  # used by "momentum" (SGD) and as Adam's beta1
    batch_size: int = 60  # samples per step (the last ragged batch of an epoch is dropped)
    batching: str = "random"  # "random" mixes classes; "one_class": every batch one class
    epochs: int = 20  # passes over the training set, unless `steps` is set
    steps: int | None = None  # exact number of steps; overrides epochs
    # run
    seed: int = 0  # initial weights and batch order
    device: str = "auto"  # auto picks cuda, then mps, then cpu
    dtype: str = "float32"  # float64 for exact comparisons in tests
    eval_every: int = 0  # validation every k steps; 0 = once per epoch
    diag_every: int = 0  # layer diagnostics every k steps; 0 = about DIAG_POINTS per run (5+ apart)
    watch_unit: int = 0  # the unit whose percentile band is tracked in every layer

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)


def _choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(str, allowed))}; got {value!r}.")


def _int_in(name: str, value, lo: int, hi: int | None, hint: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}.")
    if value < lo or (hi is not None and value > hi):
        rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be in {rng}, got {value}.{hint}")


def _float_in(name: str, value, lo: float, hi: float, hint: str = "") -> None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(v) or v < lo or v > hi:
        raise ValueError(f"{name} must lie in [{lo:g}, {hi:g}], got {value!r}.{hint}")


def validate(cfg: TrainConfig) -> TrainConfig:
    """Check every field; raise ValueError saying what is wrong and how to fix it."""
    if not isinstance(cfg, TrainConfig):
        raise ValueError(f"expected a TrainConfig, got {type(cfg).__name__}.")
    _choice("dataset", cfg.dataset, DATASETS)
    _choice("activation", cfg.activation, ACTIVATIONS)
    _choice("init", cfg.init, INITS)
    _choice("norm", cfg.norm, NORMS)
    _choice("optimizer", cfg.optimizer, OPTIMIZERS)
    _choice("device", cfg.device, DEVICES)
    _choice("dtype", cfg.dtype, DTYPES)
    _choice("batching", cfg.batching, BATCHINGS)
    _int_in("depth", cfg.depth, MIN_DEPTH, MAX_DEPTH, " Deeper nets are not allowed here.")
    _int_in("width", cfg.width, 1, MAX_WIDTH)
    _int_in("batch_size", cfg.batch_size, 2, MAX_BATCH, " Batch norm needs at least 2 samples.")
    _int_in("epochs", cfg.epochs, 1, MAX_EPOCHS)
    if cfg.steps is not None:
        _int_in("steps", cfg.steps, 1, MAX_STEPS)
    _int_in("n_samples", cfg.n_samples, 20, 20_000)
    _int_in("groups", cfg.groups, 1, MAX_WIDTH)
    _int_in("seed", cfg.seed, 0, 2**31 - 1)
    _int_in("data_seed", cfg.data_seed, 0, 2**31 - 1)
    _int_in("eval_every", cfg.eval_every, 0, None)
    _int_in("diag_every", cfg.diag_every, 0, None)
    _int_in("watch_unit", cfg.watch_unit, 0, cfg.width - 1, " Pick a unit inside the layer.")
    _float_in("lr", cfg.lr, MIN_LR, MAX_LR, " Use the log slider range 1e-4 to 10.")
    _float_in("val_fraction", cfg.val_fraction, 0.05, 0.5)
    _float_in("init_std", cfg.init_std, 1e-6, 10.0)
    _float_in("momentum", cfg.momentum, 0.0, 0.999)
    _float_in("bn_momentum", cfg.bn_momentum, 0.0, 1.0, " PyTorch's default is 0.1.")
    _float_in("eps", cfg.eps, 1e-12, 1.0)
    _float_in("renorm_rmax", cfg.renorm_rmax, 1.0, 100.0)
    _float_in("renorm_dmax", cfg.renorm_dmax, 0.0, 100.0)
    _float_in("norm_noise", cfg.norm_noise, 0.0, 10.0)
    if cfg.norm == "group" and cfg.width % cfg.groups:
        raise ValueError(
            f"group norm needs groups to divide width: {cfg.width} units cannot be split into "
            f"{cfg.groups} equal groups. Pick groups from {_divisors(cfg.width)}."
        )
    if total_steps(cfg) > MAX_STEPS:
        raise ValueError(
            f"this run would take {total_steps(cfg)} steps, more than the limit of {MAX_STEPS}; "
            "lower epochs, raise batch_size, or set steps."
        )
    return cfg


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def steps_per_epoch(batch_size: int, n_train: int) -> int:
    """Whole batches per epoch (the ragged remainder is dropped so no batch has size 1)."""
    return max(1, n_train // batch_size)


def default_diag_every(steps: int) -> int:
    """Steps between diagnostics when diag_every is 0: about DIAG_POINTS per run."""
    return max(5, steps // DIAG_POINTS)


def approx_train_size(cfg: TrainConfig) -> int:
    """Training samples the run will see (known before the data is loaded)."""
    n = {"digits": 1797, "mnist": 60_000}.get(cfg.dataset, cfg.n_samples)
    return int(n) - max(1, round(int(n) * cfg.val_fraction))


def total_steps(cfg: TrainConfig, n_train: int | None = None) -> int:
    """Steps the run will take (n_train defaults to `approx_train_size`)."""
    if cfg.steps is not None:
        return cfg.steps
    n = approx_train_size(cfg) if n_train is None else n_train
    return cfg.epochs * steps_per_epoch(cfg.batch_size, n)


# --- Presets: a shared part and what differs between column A and column B ---------------


@dataclass(frozen=True)
class Preset:
    name: str
    blurb: str
    shared: dict  # overrides applied to both columns
    a: dict  # then these for column A
    b: dict  # and these for column B

    def configs(self, base: TrainConfig | None = None) -> tuple[TrainConfig, TrainConfig]:
        base = (base or TrainConfig()).replace(**self.shared)
        return base.replace(**self.a), base.replace(**self.b)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "Default: BN or not",
            "Three ReLU layers of 100 on the digits, plain SGD: the same net with and without BN.",
            {},
            {"norm": "none"},
            {"norm": "bn_before"},
        ),
        Preset(
            "Ioffe & Szegedy, Fig. 1",
            "Three hidden layers of 100 sigmoid units, batches of 60, small Gaussian init, "
            "plain SGD, as in the paper's first figure (here on the 8x8 digits).",
            {
                "activation": "sigmoid",
                "init": "small_gaussian",
                "init_std": 0.05,
                "optimizer": "sgd",
                "lr": 0.5,
                "batch_size": 60,
                "steps": 4000,
                "standardize": True,
            },
            {"norm": "none"},
            {"norm": "bn_before"},
        ),
        Preset(
            "Deep net, high learning rate",
            "Ten tanh layers at learning rate 1: without BN the signal explodes or stalls.",
            {"depth": 10, "activation": "tanh", "lr": 1.0, "optimizer": "sgd", "epochs": 15},
            {"norm": "none"},
            {"norm": "bn_before"},
        ),
        Preset(
            "Bad init",
            "Weights drawn with std 1 (far too large): BN rescales every layer anyway.",
            {"depth": 5, "activation": "tanh", "init": "large_gaussian", "lr": 0.05},
            {"norm": "none"},
            {"norm": "bn_before"},
        ),
        Preset(
            "Tiny batches",
            "Two samples per step: batch statistics are pure noise, group norm does not care.",
            {"batch_size": 2, "steps": 1500, "lr": 0.02, "optimizer": "sgd"},
            {"norm": "bn_before"},
            {"norm": "group"},
        ),
    )
}
