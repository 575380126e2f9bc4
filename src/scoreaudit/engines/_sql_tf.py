"""Threshold-free measures and calibration from the engine's (level, cell, label) sums.

Without weights, :func:`scoreaudit.stats.distribution.threshold_free_counts` gives the AUC /
KS of the rows from counts per (distinct score, group), identically. With weights every
statistic of :func:`scoreaudit.stats.distribution.threshold_free` depends on the rows only
through each group's weight per distinct score, its sum of squared weights and its row
count: :func:`threshold_free_weighted_counts` feeds those to the same per-group routine.
Calibration by quantile bins likewise needs only sums per (distinct score, group, label).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.warning import warning
from scoreaudit.stats import distribution as D
from scoreaudit.stats._auc_ks import compare_runs, runs_from_counts

__all__ = ["add_threshold_free", "calibration", "threshold_free_weighted_counts"]


def threshold_free_weighted_counts(
    values: np.ndarray,
    mass: np.ndarray,
    sumsq: np.ndarray,
    rows: np.ndarray,
    reference: int | None,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Weighted :func:`~scoreaudit.stats.distribution.threshold_free` from per-score sums.

    Parameters
    ----------
    values : numpy.ndarray
        ``(D,)`` distinct scores, increasing.
    mass : numpy.ndarray
        ``(D, G)`` sum of weights of each group at each score.
    sumsq : numpy.ndarray
        ``(G,)`` sum of squared weights of each group.
    rows : numpy.ndarray
        ``(G,)`` row count of each group.
    reference : int or None
        Reference group, or None for each group against all other rows.

    Examples
    --------
    >>> import numpy as np
    >>> from scoreaudit.stats import distribution as D
    >>> s = np.array([1.0, 2.0, 2.0, 3.0]); g = np.array([0, 0, 1, 1]); w = np.array([1., 2., 3., 4.])
    >>> a = D.threshold_free(D.rank_scores(s), g, 2, 1, weights=w)
    >>> m = np.array([[1., 0.], [2., 3.], [0., 4.]])
    >>> b = threshold_free_weighted_counts(np.array([1., 2., 3.]), m, np.array([5., 25.]),
    ...                                     np.array([2, 2]), 1)
    >>> bool(np.allclose(a.to_numpy(), b.to_numpy(), equal_nan=True, rtol=1e-12))
    True
    """
    n_blocks, n_groups = mass.shape
    z = D._z(confidence)
    alpha = 1.0 - float(confidence)
    cols = D.THRESHOLD_FREE_COLUMNS
    out = np.full((n_groups, len(cols)), np.nan)
    result = pd.DataFrame(out, index=pd.RangeIndex(n_groups, name="code"), columns=cols)
    sizes = mass.sum(axis=0)
    if sizes.sum() == 0 or (reference is not None and sizes[reference] == 0):
        return result
    if reference is not None:
        m = mass[:, reference]
        ref_sumsq, total_sumsq = float(sumsq[reference]), 0.0
    else:
        m = mass.sum(axis=1)
        ref_sumsq, total_sumsq = 0.0, float(sumsq.sum())
    m = np.asarray(m, dtype=np.float64)
    cum = np.zeros(n_blocks + 1)
    np.cumsum(m, out=cum[1:])
    ctx = D._Context(
        cum, float(cum[-1]), D._cube_sum(m), reference, ref_sumsq, total_sumsq, z, alpha
    )
    ks_stat = np.full(n_groups, np.nan)
    ks_en = np.full(n_groups, np.nan)
    keep = np.asarray(rows) > 0
    if reference is not None:
        keep[reference] = False
    groups = np.flatnonzero(keep)
    runs = runs_from_counts(
        mass, groups, np.asarray(sumsq, float)[groups], np.asarray(rows)[groups]
    )
    compare_runs(ctx, runs, out, ks_stat, ks_en, unweighted=False, rows_total=int(np.sum(rows)))
    D._ks_asymptotic(out, ks_stat, ks_en)
    result.loc[:, :] = out
    return result


def _label(tf: pd.DataFrame, v: Any) -> pd.DataFrame:
    tf = tf.reset_index(drop=True)
    tf.insert(0, "group", list(v.labels))
    tf.insert(0, "attribute", v.name)
    return tf


def add_threshold_free(
    eng: Any, lv: Any, disparities: pd.DataFrame, refs: list, population: Any, prep: Any
) -> tuple[pd.DataFrame, bool, str | None]:
    """Disparities with AUC / KS columns; (table, done, warning)."""
    if lv.continuous:
        from scoreaudit.engines import _sql_rank

        return _sql_rank.add_threshold_free(eng, lv, disparities, refs, population, prep)
    values = lv.values[::-1]
    if not lv.weighted:
        counts = np.rint(lv.n.sum(-1)[::-1]).astype(np.int64)
        return eng.add_threshold_free_counts(disparities, refs, values, counts), True, None
    w = lv.w.sum(-1)[::-1]
    w2 = lv.w2.sum((0, 2))
    n = lv.n.sum((0, 2))
    frames = []
    for v, ref in zip(eng.views, refs, strict=True):
        tf = threshold_free_weighted_counts(
            values,
            v.sum_cells(w),
            v.sum_cells(w2),
            np.rint(v.sum_cells(n)).astype(np.int64),
            ref,
            confidence=eng.confidence,
        )
        frames.append(_label(tf, v))
    tf_all = pd.concat(frames, ignore_index=True)
    out = disparities.merge(tf_all, on=["attribute", "group"], how="left", validate="1:1")
    return out, True, None


def calibration(
    eng: Any, lv: Any, bins: int, confidence: float
) -> tuple[pd.DataFrame | None, str | None]:
    """The calibration table of :func:`scoreaudit.stats.distribution.calibration_by_group`."""
    if lv.continuous:
        return None, warning("calibration_not_in_engine")
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        from scoreaudit.errors import ScoreAuditError

        raise ScoreAuditError.from_key("err_bins", value=bins)
    z = D._z(confidence)
    values = lv.values[::-1]
    n, w, w2 = lv.n[::-1], lv.w[::-1], lv.w2[::-1]  # ascending levels
    tot_n = n.sum(axis=(1, 2))
    if not lv.weighted:
        below = np.concatenate([[0], np.cumsum(tot_n)[:-1]]).astype(np.int64)
        total = int(round(tot_n.sum()))
        block_bin = np.minimum(bins - 1, (bins * below) // max(total, 1))
    else:
        tot_w = w.sum(axis=(1, 2))
        cum = np.concatenate([[0.0], np.cumsum(tot_w)])
        below = cum[:-1]
        block_bin = np.minimum(bins - 1, np.floor(bins * below / cum[-1])).astype(np.int64)
    present = np.unique(block_bin)
    first = np.searchsorted(block_bin, present, side="left")
    last = np.searchsorted(block_bin, present, side="right") - 1
    score_low, score_high = values[first], values[last]
    frames = []
    for v in eng.views:
        if len(v.members) > 1:
            continue
        G = v.n_groups

        def per_bin(x: np.ndarray, G: int = G, v: Any = v) -> np.ndarray:
            g = v.sum_cells(x)  # (levels, G)
            out = np.zeros((bins, G))
            np.add.at(out, block_bin, g)
            return out.T.ravel()  # group-major, as group * bins + bin

        n_rows = per_bin(n.sum(-1))
        n_lab = per_bin(n[..., :2].sum(-1))
        mass = per_bin(w[..., :2].sum(-1))
        mass2 = per_bin(w2[..., :2].sum(-1))
        pos_mass = per_bin(w[..., 1])
        score_mass = per_bin(values[:, None] * w[..., :2].sum(-1))
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(mass > 0, pos_mass / mass, np.nan)
            mean_score = np.where(mass > 0, score_mass / mass, np.nan)
            n_eff = np.where(mass2 > 0, mass * mass / mass2, 0.0)
        low, high = D._wilson(rate, n_eff, z)
        groups = np.repeat(np.arange(G), present.size)
        bin_idx = np.tile(present, G)
        sel = groups * bins + bin_idx
        cal = pd.DataFrame(
            {
                "group": groups,
                "bin": bin_idx,
                "score_low": np.tile(score_low, G),
                "score_high": np.tile(score_high, G),
                "n": np.rint(n_rows[sel]).astype(np.int64),
                "n_labelled": np.rint(n_lab[sel]).astype(np.int64),
                "mean_score": mean_score[sel],
                "observed_rate": rate[sel],
                "observed_rate_low": low[sel],
                "observed_rate_high": high[sel],
            }
        )
        cal["group"] = [v.labels[int(g)] for g in cal["group"]]
        cal.insert(0, "attribute", v.name)
        frames.append(cal)
    return pd.concat(frames, ignore_index=True), None
