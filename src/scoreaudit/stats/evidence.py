"""How strongly the data establish a gap, to choose which comparisons to put first.

A headline should be a gap the data establish, not the widest point estimate: a ratio of 0.017
from 3 files is compatible with no gap at all. The strength of a comparison is the smallest gap
its confidence interval admits, on the log scale (``|log|`` of the interval bound nearest 1),
zero when the interval contains 1. Larger groups have narrower intervals, so size and gap both
count. Small cells (a few selected files) come after every other comparison; a group with no
selected file is ranked by its interval like any other, since "none of 20,000 files" is strong
evidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["evidence_strength", "headline_order", "small_with_selections"]


def _col(d: pd.DataFrame, name: str) -> np.ndarray:
    if name not in d.columns:
        return np.full(len(d), np.nan)
    return pd.to_numeric(d[name], errors="coerce").to_numpy(float)


def evidence_strength(d: pd.DataFrame) -> np.ndarray:
    """``|log|`` of the ratio-interval bound nearest 1 (0 when the interval contains 1).

    Examples
    --------
    >>> d = pd.DataFrame({"ratio": [2.2, 0.017, 1.3], "ratio_low": [2.0, 0.002, 0.9],
    ...                   "ratio_high": [2.4, 0.9, 1.8]})
    >>> np.round(evidence_strength(d), 3).tolist()
    [0.693, 0.105, 0.0]
    """
    lo, hi = _col(d, "ratio_low"), _col(d, "ratio_high")
    with np.errstate(divide="ignore", invalid="ignore"):
        above = np.where(lo > 1, np.log(lo), 0.0)
        below = np.where((hi < 1) & (hi > 0), -np.log(hi), 0.0)
    return np.nan_to_num(np.maximum(above, below), nan=0.0, posinf=0.0)


def small_with_selections(d: pd.DataFrame) -> np.ndarray:
    """Comparisons flagged ``small_cell`` whose group has selected files (a few of them)."""
    if "small_cell" not in d.columns:
        return np.zeros(len(d), bool)
    small = d["small_cell"].astype("boolean").fillna(False).to_numpy(bool)
    return small & (np.nan_to_num(_col(d, "selection_rate"), nan=1.0) > 0)


def headline_order(d: pd.DataFrame) -> np.ndarray:
    """Row positions of ``d`` from the strongest established gap to the weakest.

    Significant comparisons first, by :func:`evidence_strength`; then the others by the size of
    their gap (``|log ratio|``); small cells last, whatever their ratio.

    Examples
    --------
    >>> d = pd.DataFrame({"ratio": [0.017, 2.2, 1.3], "ratio_low": [0.002, 2.0, 0.9],
    ...                   "ratio_high": [0.9, 2.4, 1.8], "significant": [True, True, False],
    ...                   "small_cell": [True, False, False]})
    >>> headline_order(d).tolist()
    [1, 2, 0]
    """
    sig = d["significant"].astype("boolean").fillna(False).to_numpy(bool)
    small = small_with_selections(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.nan_to_num(np.abs(np.log(_col(d, "ratio"))), nan=-1.0, posinf=50.0)
    # lexsort: last key is primary
    return np.lexsort((-gap, -evidence_strength(d), ~sig, small))
