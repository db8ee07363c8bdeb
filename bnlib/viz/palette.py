"""One palette for the whole app: a colour always means the same thing.

Colours from the Okabe-Ito set, which stays distinguishable under the common forms of
colour blindness and reads on both light and dark backgrounds.
"""

from __future__ import annotations

RAW = "#E69F00"  # raw input data (orange)
CENTERED = "#56B4E9"  # after subtracting the mean (sky blue)
NORMALIZED = "#0072B2"  # after BN / normalized (blue)
OUTPUT = "#009E73"  # after gamma and beta (bluish green)
NO_BN = "#D55E00"  # a run or layer without BN (vermillion)
WITH_BN = "#0072B2"  # a run or layer with BN (blue)
POPULATION = "#CC79A7"  # the true population value (reddish purple)
RUNNING = "#009E73"  # running average (bluish green)
BATCH = "#999999"  # individual batch statistics (grey)
ALT_NORM = "#F0E442"  # other normalizations (yellow)
SATURATED = "rgba(213, 94, 0, 0.12)"  # shading for the flat tails of sigmoid/tanh

SEQUENCE = (WITH_BN, NO_BN, OUTPUT, RAW, POPULATION, CENTERED, ALT_NORM, BATCH)

ROLES = {
    "raw": RAW,
    "centered": CENTERED,
    "normalized": NORMALIZED,
    "output": OUTPUT,
    "no_bn": NO_BN,
    "with_bn": WITH_BN,
    "population": POPULATION,
    "running": RUNNING,
    "batch": BATCH,
    "alt_norm": ALT_NORM,
}


def band(color: str, alpha: float = 0.2) -> str:
    """A translucent fill of a hex colour, for min-max or percentile bands."""
    h = color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


# Transparent backgrounds let Streamlit's light or dark theme show through.
LAYOUT = dict(
    paper_bgcolor="rgba(0,0,0,0)",
    plot_bgcolor="rgba(0,0,0,0)",
    margin=dict(l=40, r=10, t=40, b=40),
    font=dict(size=13),
)
