"""The training lab's shareable settings: the whole A/B configuration in the URL.

One Setting per field the lab page shows, for column A (``a_depth``, ``a_norm``, ...) and
for column B (``b_...``), generated from TrainConfig's fields with config.py's limits as
bounds and its allowed values as choices; plus the fields set separately for B
(``unlinked``, repeated: ``?unlinked=norm&unlinked=depth``), the preset, the seeds per
config and the first seed. Defaults are the first preset, so a fresh lab has a clean URL.

No streamlit here (pages/training_lab.py draws the widgets). Importing bnlib.lab.config
loads the bnlib.lab package, which imports torch; the lab page needs it anyway.
"""

from __future__ import annotations

import dataclasses

from bnlib.lab import config as C
from bnlib.lab.config import PRESETS, TrainConfig
from bnlib.settings import Setting, register, settings_for_dataclass

COLS = ("A", "B")
PREFIX = {"A": "a_", "B": "b_"}
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 10.0)

# field -> (label, widget); widget is how the page draws it
FIELDS = {
    "dataset": ("Data", "select"),
    "depth": ("Hidden layers", "slider"),
    "width": ("Units per layer", "select_slider"),
    "activation": ("Activation", "select"),
    "init": ("Weight init", "select"),
    "init_std": ("Small-Gaussian std", "select_slider"),
    "norm": ("Normalization", "select"),
    "bias_before_norm": ("Keep bias before the norm", "checkbox"),
    "optimizer": ("Optimizer", "select"),
    "lr": ("Learning rate", "select_slider"),
    "batch_size": ("Batch size", "select_slider"),
    "epochs": ("Epochs", "number"),
    "steps": ("Steps (0 = use epochs)", "number"),
    "standardize": ("Standardize inputs", "checkbox"),
    "device": ("Device", "select"),
}
# the option lists are config.py's allowed values; the numeric grids stay inside its limits
CHOICES = {
    "dataset": C.DATASETS,
    "width": (8, 16, 32, 64, 100, 128, 256, C.MAX_WIDTH),
    "activation": C.ACTIVATIONS,
    "init": C.INITS,
    "init_std": (0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3),
    "norm": C.NORMS,
    "optimizer": C.OPTIMIZERS,
    "lr": LR_GRID,
    "batch_size": (2, 4, 8, 16, 32, 60, 64, 128, 256),
    "device": C.DEVICES,
}
BOUNDS = {"depth": (C.MIN_DEPTH, C.MAX_DEPTH), "epochs": (1, C.MAX_EPOCHS)}
# the option ids are what the URL carries; their readable names go in the widget's help
HELP = {
    "init": C.INIT_LABELS,
    "norm": C.NORM_LABELS,
    "optimizer": C.OPTIMIZER_LABELS,
}

DEFAULT_PRESET = next(iter(PRESETS))
DEFAULTS = dict(zip(COLS, PRESETS[DEFAULT_PRESET].configs(), strict=True))


def _help(field: str) -> str:
    names = HELP.get(field)
    return "; ".join(f"{k}: {v}" for k, v in names.items()) if names else ""


def _column(col: str) -> dict[str, Setting]:
    prefix, base = PREFIX[col], DEFAULTS[col]
    made = settings_for_dataclass(
        TrainConfig,
        prefix,
        bounds=BOUNDS,
        choices=CHOICES,
        labels={f: f"{label} ({col})" for f, (label, _) in FIELDS.items()},
        only=[f for f in FIELDS if f != "steps"],
        base=base,
    )
    out = {
        s.key[len(prefix) :]: dataclasses.replace(s, help=_help(s.key[len(prefix) :])) for s in made
    }
    # steps is optional in TrainConfig (None = use epochs); the page shows None as 0
    out["steps"] = Setting(
        prefix + "steps",
        "int",
        base.steps or 0,
        f"{FIELDS['steps'][0]} ({col})",
        min=0,
        max=C.MAX_STEPS,
        step=1,
    )
    return {f: out[f] for f in FIELDS}


BY_COL: dict[str, dict[str, Setting]] = {col: _column(col) for col in COLS}
UNLINKED = Setting(
    "unlinked",
    "multi",
    tuple(f for f in FIELDS if getattr(DEFAULTS["A"], f) != getattr(DEFAULTS["B"], f)),
    "Set separately for B",
    choices=tuple(FIELDS),
    help="Every other setting is linked: B uses A's value.",
)
PRESET = Setting("preset", "choice", DEFAULT_PRESET, "Preset", choices=tuple(PRESETS))
SEEDS = Setting("seeds", "int", 3, "Seeds per config", min=1, max=C.MAX_SEEDS, step=1)
SEED0 = Setting("seed0", "int", 0, "First seed", min=0, max=10_000, step=1)

ALL = register(*BY_COL["A"].values(), *BY_COL["B"].values(), UNLINKED, PRESET, SEEDS, SEED0)


def config_from_values(values, col: str) -> TrainConfig:
    """The TrainConfig of column `col` from setting values keyed by setting key (as in
    st.session_state or parse_query's result): linked fields take A's value."""
    unlinked = values.get(UNLINKED.key, UNLINKED.default)
    fields = {}
    for f in FIELDS:
        s = BY_COL[col if f in unlinked else "A"][f]
        fields[f] = values.get(s.key, s.default)
    fields["steps"] = int(fields["steps"]) or None
    fields["epochs"] = int(fields["epochs"])
    return TrainConfig(**fields)


def preset_values(name: str) -> dict:
    """Setting key -> value for every field of both columns and the unlinked list, as the
    preset `name` sets them."""
    a, b = PRESETS[name].configs()
    unlinked = [f for f in FIELDS if getattr(a, f) != getattr(b, f)]
    out = {}
    for col, cfg in zip(COLS, (a, b), strict=True):
        for f, s in BY_COL[col].items():
            if col == "A" or f in unlinked:  # a linked B field is not used (nor shown)
                v = getattr(cfg, f)
                out[s.key] = 0 if f == "steps" and v is None else v
    out[UNLINKED.key] = unlinked
    return out
