"""The shareable settings of lessons 1 to 6 (widget keys = URL parameters, prefixed per lesson).

Pure data: no streamlit import. Pages render these with bnlib.ui.widgets.setting_widget, so a
copied link reproduces the view, random seed included.
"""

from __future__ import annotations

from bnlib.core.signals import DISTRIBUTIONS, SIGNALS
from bnlib.settings import Setting, register

SEED_MAX = 9999


def seed_setting(prefix: str) -> Setting:
    return Setting(
        f"{prefix}_seed",
        "int",
        0,
        "Random seed",
        min=0,
        max=SEED_MAX,
        step=1,
        help="Same seed, same numbers: a copied link shows exactly this sample.",
    )


def dist_setting(key: str, default: str = "bimodal") -> Setting:
    return Setting(
        key,
        "choice",
        default,
        "Distribution",
        choices=DISTRIBUTIONS,
        help="; ".join(f"{SIGNALS[k].label}: {SIGNALS[k].description}" for k in DISTRIBUTIONS),
    )


EPS_CHOICES = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)

# --- Lesson 1: covariate shift
L1_STEPS = 2000  # training steps per run
L1_EVERY = 25  # a checkpoint every 25 steps
L1_LAYERS = 3
L1_HIDDEN = 32
L1_STEP = Setting(
    "l1_step",
    "int",
    L1_STEPS,
    "Training step",
    min=0,
    max=L1_STEPS,
    step=L1_EVERY,
    help="Move through training; both networks are shown at the same step.",
)
L1_LAYER = Setting(
    "l1_layer",
    "int",
    L1_LAYERS,
    "Hidden layer",
    min=1,
    max=L1_LAYERS,
    step=1,
    help="Layer 3 is the last hidden layer, the one the paper's Figure 1 shows.",
)
L1_UNIT = Setting("l1_unit", "int", 0, "Unit in that layer", min=0, max=L1_HIDDEN - 1, step=1)
L1_LR = Setting(
    "l1_lr",
    "choice",
    0.5,
    "Learning rate",
    choices=(0.1, 0.5, 1.0, 2.0),
    help="Plain SGD; both networks use the same rate.",
)
L1_SEED = seed_setting("l1")
L1 = (L1_STEP, L1_LAYER, L1_UNIT, L1_LR, L1_SEED)

# --- Lesson 2: batch statistics
L2_DIST = dist_setting("l2_dist")
L2_BATCH = Setting(
    "l2_batch", "choice", 256, "Batch size m", choices=(2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
)
L2_EPS = Setting(
    "l2_eps",
    "choice",
    1e-5,
    "eps",
    choices=EPS_CHOICES,
    help="Added to the variance before the square root. PyTorch's default is 1e-5.",
)
L2_SEED = seed_setting("l2")
L2 = (L2_DIST, L2_BATCH, L2_EPS, L2_SEED)

# --- Lesson 3: batch size
L3_DIST = dist_setting("l3_dist", "skewed")
L3_BATCH = Setting(
    "l3_batch", "choice", 8, "Batch size m", choices=(1, 2, 4, 8, 16, 32, 64, 128, 256)
)
L3_DRIFT = Setting(
    "l3_drift",
    "float",
    0.02,
    "How far the true mean moves per training step (in spreads)",
    min=0.0,
    max=0.1,
    step=0.01,
)
L3_SEED = seed_setting("l3")
L3 = (L3_DIST, L3_BATCH, L3_DRIFT, L3_SEED)

# --- Lesson 4: gamma and beta
L4_GAMMA_A = Setting(
    "l4_gamma_a", "float", 1.0, "γ (gamma) for feature A", min=0.0, max=5.0, step=0.05
)
L4_BETA_A = Setting(
    "l4_beta_a", "float", 0.0, "β (beta) for feature A", min=-8.0, max=8.0, step=0.1
)
L4_GAMMA_B = Setting(
    "l4_gamma_b", "float", 1.0, "γ (gamma) for feature B", min=0.0, max=5.0, step=0.05
)
L4_BETA_B = Setting(
    "l4_beta_b", "float", 0.0, "β (beta) for feature B", min=-8.0, max=8.0, step=0.1
)
L4_SEED = seed_setting("l4")
L4 = (L4_GAMMA_A, L4_BETA_A, L4_GAMMA_B, L4_BETA_B, L4_SEED)

# --- Lesson 5: training vs inference
L5_CONVENTION = Setting(
    "l5_convention",
    "choice",
    "PyTorch",
    "Momentum convention",
    choices=("PyTorch", "Keras"),
    help="PyTorch: momentum is the weight of the new batch. Keras: the weight of the old average.",
)
L5_MOMENTUM = Setting(
    "l5_momentum",
    "float",
    0.1,
    "Momentum",
    min=0.0,
    max=1.0,
    step=0.005,
    help="Read in the convention chosen above; switching converts it.",
)
L5_BATCH = Setting("l5_batch", "choice", 8, "Batch size m", choices=(2, 4, 8, 16, 32, 64, 128))
L5_DRIFT = Setting(
    "l5_drift",
    "bool",
    False,
    "Drifting data",
    help="The true mean and spread move slowly, as a layer's inputs do while earlier layers train.",
)
L5_COMPANIONS = Setting(
    "l5_companions", "choice", 4, "Batch size in the eval() demo", choices=(1, 2, 4, 8, 16, 32, 64)
)
L5_SEED = seed_setting("l5")
L5 = (L5_CONVENTION, L5_MOMENTUM, L5_BATCH, L5_DRIFT, L5_COMPANIONS, L5_SEED)

# --- Lesson 6: gradient flow
L6_BATCH = Setting("l6_batch", "int", 6, "Batch size m", min=4, max=16, step=1)
L6_GAMMA = Setting("l6_gamma", "float", 1.5, "γ (gamma)", min=-2.0, max=3.0, step=0.1)
L6_EPS = Setting("l6_eps", "choice", 1e-5, "eps", choices=EPS_CHOICES)
L6_TORCH = Setting(
    "l6_torch",
    "bool",
    False,
    "Add a PyTorch autograd column",
    help="Loads PyTorch on first use (a few seconds).",
)
L6_TIMING_N = Setting(
    "l6_timing_n",
    "choice",
    4096,
    "Rows in the timing batch (64 features)",
    choices=(256, 1024, 4096, 16384, 65536),
)
L6_SCALE = Setting(
    "l6_scale",
    "choice",
    4.0,
    "Multiply the weights by a",
    choices=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
)
L6_SEED = seed_setting("l6")
L6 = (L6_BATCH, L6_GAMMA, L6_EPS, L6_TORCH, L6_TIMING_N, L6_SCALE, L6_SEED)

ALL = register(*L1, *L2, *L3, *L4, *L5, *L6)  # keys are unique app-wide
