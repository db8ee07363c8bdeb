"""The palette's old home, kept importable: everything lives in bnlib.viz.theme now."""

from __future__ import annotations

from bnlib.viz.theme import (  # noqa: F401  (re-exported names)
    ALT_NORM,
    BATCH,
    CENTERED,
    LAYOUT,
    LIMIT,
    NO_BN,
    NORM_COLORS,
    NORMALIZED,
    OUTPUT,
    POPULATION,
    RAW,
    ROLES,
    RUNNING,
    SATURATED,
    SEQUENCE,
    WITH_BN,
    band,
)
