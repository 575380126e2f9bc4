"""AUC and KS of continuous scores, computed exactly inside the engine (window functions)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def add_threshold_free(
    eng: Any, lv: Any, disparities: pd.DataFrame, refs: list, kw: dict
) -> tuple[pd.DataFrame, bool, str | None]:
    return (
        disparities,
        False,
        (
            "The scores are continuous: the threshold-free measures (AUC, KS) were not computed "
            "in the engine for this audit; audit in memory for them."
        ),
    )
