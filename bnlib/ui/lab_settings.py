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

from bnlib.lab import config as C
from bnlib.lab.config import PRESETS, TrainConfig
from bnlib.settings import Setting, register, settings_for_dataclass

COLS = ("A", "B")
PREFIX = {"A": "a_", "B": "b_"}
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 10.0)

# field -> (label, widget); widget is how the page draws it
FIELDS = {
    f: (C.FIELD_LABELS[f], widget)
    for f, widget in (
        ("dataset", "select"),
        ("depth", "slider"),
        ("width", "select_slider"),
        ("activation", "select"),
        ("init", "select"),
        ("init_std", "select_slider"),
        ("norm", "select"),
        ("bias_before_norm", "checkbox"),
        ("optimizer", "select"),
        ("lr", "select_slider"),
        ("batch_size", "select_slider"),
        ("epochs", "number"),
        ("steps", "number"),
        ("standardize", "checkbox"),
        ("device", "select"),
    )
}
BASIC = ("norm", "depth", "lr", "batch_size")  # the lab's first row; the rest is "Advanced"
# the option lists are TrainConfig's allowed values (its field specs); the numeric grids
# stay inside its bounds (tests/unit/test_lab_config.py checks that)
CHOICES = {
    **{f: C.FIELDS[f].metadata["choices"] for f in FIELDS if C.FIELDS[f].metadata["choices"]},
    "width": (8, 16, 32, 64, 100, 128, 256, C.MAX_WIDTH),
    "init_std": (0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3),
    "lr": LR_GRID,
    "batch_size": (2, 4, 8, 16, 32, 60, 64, 128, 256),
}
BOUNDS = {
    f: (m["lo"], m["hi"])
    for f in FIELDS
    if f not in CHOICES and (m := C.FIELDS[f].metadata)["lo"] is not None
}
# The URL carries the option ids; the widgets show these names (one source: config.py).
LABELS = {**C.CHOICE_LABELS, "unlinked": {f: label for f, (label, _) in FIELDS.items()}}

DEFAULT_PRESET = next(iter(PRESETS))
DEFAULTS = dict(zip(COLS, PRESETS[DEFAULT_PRESET].configs(), strict=True))


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
        helps={f: C.field_help(f) for f in FIELDS},
    )
    out = {s.key[len(prefix) :]: s for s in made}
    # steps is optional in TrainConfig (None = use epochs); the page shows None as 0
    out["steps"] = Setting(
        prefix + "steps",
        "int",
        base.steps or 0,
        f"{FIELDS['steps'][0]} ({col})",
        min=0,
        max=C.MAX_STEPS,
        step=1,
        help=C.field_help("steps"),
    )
    return {f: out[f] for f in FIELDS}


BY_COL: dict[str, dict[str, Setting]] = {col: _column(col) for col in COLS}
UNLINKED = Setting(
    "unlinked",
    "multi",
    tuple(f for f in FIELDS if getattr(DEFAULTS["A"], f) != getattr(DEFAULTS["B"], f)),
    "Set separately for B",
    choices=tuple(FIELDS),
    help="Every other setting is shared: B uses A's value.",
)
PRESET = Setting("preset", "choice", DEFAULT_PRESET, "Preset", choices=tuple(PRESETS))
SEEDS = Setting("seeds", "int", 3, "Seeds per config", min=1, max=C.MAX_SEEDS, step=1)
SEED0 = Setting("seed0", "int", 0, "First seed", min=0, max=10_000, step=1)

ALL = register(*BY_COL["A"].values(), *BY_COL["B"].values(), UNLINKED, PRESET, SEEDS, SEED0)
# the settings drawn with readable names and mirrored into the URL by hand
# (bnlib.ui.widgets.labelled_widget says why they are not bound)
LABELLED = (*(BY_COL[col][f] for col in COLS for f in C.CHOICE_LABELS), UNLINKED)


def column_values(values, col: str) -> dict:
    """field -> value for column `col` from setting values keyed by setting key (as in
    st.session_state or parse_query's result): linked fields take A's value."""
    unlinked = values.get(UNLINKED.key, UNLINKED.default)
    out = {}
    for f in FIELDS:
        s = BY_COL[col if f in unlinked else "A"][f]
        out[f] = values.get(s.key, s.default)
    return out


def applies(field: str, fields: dict) -> bool:
    """Does `field` change a training with these field values? The page hides a setting
    that does not, and config_from_values gives it its default."""
    if field == "init_std":
        return fields["init"] == "small_gaussian"
    if field == "bias_before_norm":  # the engine drops that bias only in front of these
        return fields["norm"] not in ("none", "bn_after")
    if field == "epochs":
        return not fields["steps"]
    return True


def shown(field: str, col: str, values) -> bool:
    """Should the page draw column `col`'s widget for `field`? B's only when set apart;
    A's when it applies to A, or to B through the link."""
    unlinked = values.get(UNLINKED.key, UNLINKED.default)
    if col == "B":
        return field in unlinked and applies(field, column_values(values, "B"))
    return applies(field, column_values(values, "A")) or (
        field not in unlinked and applies(field, column_values(values, "B"))
    )


def config_from_values(values, col: str) -> TrainConfig:
    """The TrainConfig of column `col` from setting values keyed by setting key: linked
    fields take A's value, fields that do not apply take their default (so a link that
    leaves out a hidden setting builds the same config)."""
    fields = column_values(values, col)
    for f in FIELDS:
        if not applies(f, fields):
            fields[f] = BY_COL["A"][f].default
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
