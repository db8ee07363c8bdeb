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
# Layer diagnostics are sampled so they cost about a tenth of training (benchmarks/README):
DIAG_POINTS = 15  # diagnostics per run when diag_every is 0 (30 cost 23 % on a fast VM)
PROBE_SAMPLES = 256  # validation samples they look at


def spec(
    default,
    help: str,
    label: str | None = None,
    choices: tuple | None = None,
    lo: float | None = None,
    hi: float | None = None,
    hint: str = "",
):
    """A TrainConfig field with everything said about it once: `help` (the CLI's help and
    the lab's tooltip), `label` (the lab page's name for it; None: not on the page),
    `choices` or the bounds `lo`..`hi` (checked by validate, offered by the CLI and the
    page) and `hint` (added to validate's message when a value is out of bounds)."""
    meta = {"help": help, "label": label, "choices": choices, "lo": lo, "hi": hi, "hint": hint}
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class TrainConfig:
    # data
    dataset: str = spec(
        "digits", "data set; digits = the 8x8 set shipped in assets/", "Data", DATASETS
    )
    n_samples: int = spec(2000, "points in a synthetic 2-D set", lo=20, hi=20_000)
    val_fraction: float = spec(0.2, "share of the data held out for validation", lo=0.05, hi=0.5)
    standardize: bool = spec(
        True, "scale inputs to zero mean and unit variance (train statistics)", "Standardize inputs"
    )
    data_seed: int = spec(
        0, "seed of the train/validation split and synthetic data", lo=0, hi=2**31 - 1
    )
    # model: an MLP with `depth` hidden layers of `width` units
    depth: int = spec(
        3, "hidden layers", "Hidden layers", lo=MIN_DEPTH, hi=MAX_DEPTH,
        hint=" Deeper nets are not allowed here.",
    )  # fmt: skip
    width: int = spec(100, "units per hidden layer", "Units per layer", lo=1, hi=MAX_WIDTH)
    activation: str = spec("relu", "nonlinearity", "Activation", ACTIVATIONS)
    init: str = spec("default", "weight initialization", "Weight init", INITS)
    init_std: float = spec(
        0.01, "std of the small_gaussian init", "Small-Gaussian std", lo=1e-6, hi=10.0
    )
    norm: str = spec(
        "none", "normalization after (or before) each hidden layer", "Normalization", NORMS
    )
    bias_before_norm: bool = spec(
        False,
        "keep the Linear bias in front of a norm (it is redundant)",
        "Keep bias before the norm",
    )
    groups: int = spec(4, "group norm: groups per layer, must divide width", lo=1, hi=MAX_WIDTH)
    bn_momentum: float = spec(
        0.1, "running-statistics momentum, PyTorch's convention", lo=0.0, hi=1.0,
        hint=" PyTorch's default is 0.1.",
    )  # fmt: skip
    eps: float = spec(1e-5, "added to the variance inside every norm", lo=1e-12, hi=1.0)
    renorm_rmax: float = spec(3.0, "batch renorm: clip for r = sigma_B / sigma", lo=1.0, hi=100.0)
    renorm_dmax: float = spec(
        5.0, "batch renorm: clip for d = (mu_B - mu) / sigma", lo=0.0, hi=100.0
    )
    norm_noise: float = spec(
        0.0, "std of random per-unit scale and shift after each norm (noisy BN)", lo=0.0, hi=10.0
    )
    # optimization
    optimizer: str = spec("sgd", "optimizer", "Optimizer", OPTIMIZERS)
    lr: float = spec(
        0.1, "learning rate", "Learning rate", lo=MIN_LR, hi=MAX_LR,
        hint=" Use the log slider range 1e-4 to 10.",
    )  # fmt: skip
    momentum: float = spec(0.9, "SGD momentum, or Adam's beta1", lo=0.0, hi=0.999)
    batch_size: int = spec(
        60, "samples per step (the last ragged batch of an epoch is dropped)", "Batch size",
        lo=2, hi=MAX_BATCH, hint=" Batch norm needs at least 2 samples.",
    )  # fmt: skip
    batching: str = spec(
        "random", "random mixes classes; one_class: every batch holds one class", None, BATCHINGS
    )
    epochs: int = spec(
        20, "passes over the training data, unless steps is set", "Epochs", lo=1, hi=MAX_EPOCHS
    )
    steps: int | None = spec(
        None,
        "exact number of steps; overrides epochs",
        "Steps (0 = use epochs)",
        lo=1,
        hi=MAX_STEPS,
    )
    # run
    seed: int = spec(0, "initial weights and batch order", lo=0, hi=2**31 - 1)
    device: str = spec(
        "auto", "auto picks cuda, then mps, then cpu; a missing device falls back to cpu",
        "Device", DEVICES,
    )  # fmt: skip
    dtype: str = spec("float32", "float64 for exact comparisons", None, DTYPES)
    eval_every: int = spec(0, "validate every k steps; 0 = once per epoch", lo=0)
    diag_every: int = spec(
        0, f"layer diagnostics every k steps; 0 = about {DIAG_POINTS} per run (5+ apart)", lo=0
    )
    watch_unit: int = spec(0, "the unit whose percentile band is tracked in every layer", lo=0)

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)


FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
# Readable names of the fields a learner can set (the lab page's labels).
FIELD_LABELS = {n: f.metadata["label"] for n, f in FIELDS.items() if f.metadata["label"]}


def field_help(name: str) -> str:
    """The help of one field, with its choices or bounds: the CLI's text and the page's."""
    m = FIELDS[name].metadata
    extra = ""
    if m["choices"]:
        extra = f" ({', '.join(map(str, m['choices']))})"
    elif m["lo"] is not None:
        hi = "" if m["hi"] is None else f"{m['hi']:g}"
        extra = f" ({m['lo']:g}..{hi})" if hi else f" (>= {m['lo']:g})"
    return m["help"] + extra


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
    """Check every field against its spec, then the rules between fields; raise ValueError
    saying what is wrong and how to fix it."""
    if not isinstance(cfg, TrainConfig):
        raise ValueError(f"expected a TrainConfig, got {type(cfg).__name__}.")
    for name, f in FIELDS.items():
        m, value = f.metadata, getattr(cfg, name)
        if m["choices"]:
            _choice(name, value, m["choices"])
        elif m["lo"] is None or (value is None and f.default is None):
            continue  # flags, and an optional field left unset
        elif f.type in ("float", float):
            _float_in(name, value, m["lo"], m["hi"], m["hint"])
        else:
            _int_in(name, value, int(m["lo"]), m["hi"], m["hint"])
    _int_in("watch_unit", cfg.watch_unit, 0, cfg.width - 1, " Pick a unit inside the layer.")
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
