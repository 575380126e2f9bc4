"""Calibration by group: observed positive rate against the score, per score band and group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.stats.ranking import Ranking, _check_codes, _check_weights, _wilson, _z, rank_scores

# ----------------------------------------------------------------------------------------------
# calibration


def calibration_by_group(
    scores: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    labels: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    bins: int = 10,
    confidence: float = 0.95,
    ranking: Ranking | None = None,
) -> pd.DataFrame:
    """Observed positive rate against mean score, per score quantile bin and group.

    Parameters
    ----------
    scores : numpy.ndarray
        Finite score of each row.
    codes : numpy.ndarray
        Integer group code (``0 .. n_groups-1``) of each row.
    n_groups : int
        Number of group codes.
    labels : numpy.ndarray
        Control outcome: 1.0 (fraud/irregularity found) or 0.0 for controlled files, NaN for
        files never controlled (ignored in rates and mean scores).
    weights : numpy.ndarray, optional
        Positive weight of each row.
    bins : int
        Number of quantile bins (10: deciles).
    confidence : float
        Confidence level of the Wilson intervals.
    ranking : Ranking, optional
        ``rank_scores(scores)`` if already computed (avoids a second sort).

    Returns
    -------
    pandas.DataFrame
        One row per (group, non-empty bin), sorted by group then bin, with columns ``group``
        (code), ``bin`` (0-based), ``score_low``, ``score_high`` (smallest and largest score of
        ALL rows in the bin), ``n`` (group members in the bin), ``n_labelled`` (of which
        labelled), ``mean_score`` (weighted mean score of the labelled members),
        ``observed_rate`` (weighted share of positives among them), ``observed_rate_low``,
        ``observed_rate_high``. Rates are NaN where nobody is labelled.

    Notes
    -----
    *Bins* are quantile bins of all scores (every row, labelled or not, every group), defined
    through the left-continuous empirical CDF so that tied scores always share a bin: a row
    with score ``x`` is in bin ``min(bins - 1, floor(bins · F(x-)))`` where ``F(x-)`` is the
    (weighted) share of all rows scoring strictly below ``x``. Every row is in exactly one bin;
    without ties bin ``b`` holds the rows of ranks ``[b n / bins, (b + 1) n / bins)``. A tie
    block holding more than ``1 / bins`` of the mass swallows the following bins, which are
    then absent (numbering is kept, so ``bin`` still says which decile a bin starts in).

    *Intervals:* Wilson score intervals; with weights the weighted rate with Kish's effective
    number of labelled rows ``(Σw)² / Σw²``. Labelled files are usually a non-random sample
    (those the agency chose to control), so observed rates describe controlled files only.

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    >>> codes = np.array([0, 1, 0, 1, 0, 1])
    >>> labels = np.array([0.0, np.nan, 0.0, 1.0, 1.0, 1.0])
    >>> t = calibration_by_group(scores, codes, 2, labels, bins=2)
    >>> t[["group", "bin", "n", "n_labelled", "observed_rate"]].to_numpy().tolist()
    [[0.0, 0.0, 2.0, 2.0, 0.0], [0.0, 1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 1.0, 0.0, nan], [1.0, 1.0, 2.0, 2.0, 1.0]]
    """
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ScoreAuditError.from_key("err_stats_positive_int", name="bins", value=bins)
    z = _z(confidence)
    if ranking is None:
        ranking = rank_scores(scores)
    n = ranking.n
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (n,):
        raise DataError.from_key("err_calib_scores_shape", shape=s.shape, n=n)
    codes = _check_codes(codes, n, n_groups)
    w = _check_weights(weights, n)
    y = np.asarray(labels, dtype=np.float64)
    if y.shape != (n,):
        raise DataError.from_key("err_labels_shape", n=n, shape=y.shape)
    labelled = ~np.isnan(y)
    bad = labelled & (y != 0.0) & (y != 1.0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError.from_key("err_labels_value", pos=pos, value=float(y[pos]))

    # bin of each tie block from the (weighted) mass strictly below it
    if w is None:
        below = ranking.starts.astype(np.int64)
        block_bin = np.minimum(bins - 1, (bins * below) // max(n, 1))
    else:
        cum = np.zeros(n + 1)
        np.cumsum(w[ranking.order], out=cum[1:])
        below = cum[ranking.starts]
        block_bin = np.minimum(bins - 1, np.floor(bins * below / cum[-1])).astype(np.int64)
    row_bin = np.empty(n, dtype=np.int64)
    row_bin[ranking.order] = block_bin[ranking.block]
    present = np.unique(block_bin)
    first_block = np.searchsorted(block_bin, present, side="left")
    last_block = np.searchsorted(block_bin, present, side="right") - 1
    score_low = ranking.sorted_scores[ranking.starts[first_block]]
    score_high = ranking.sorted_scores[ranking.ends[last_block] - 1]

    key = codes.astype(np.int64) * bins + row_bin
    size = n_groups * bins
    n_rows = np.bincount(key, minlength=size)
    k_lab = key[labelled]
    w_lab = np.ones(k_lab.shape[0]) if w is None else w[labelled]
    n_lab = np.bincount(k_lab, minlength=size)
    mass = np.bincount(k_lab, weights=w_lab, minlength=size)
    mass2 = np.bincount(k_lab, weights=w_lab * w_lab, minlength=size)
    pos_mass = np.bincount(k_lab, weights=w_lab * y[labelled], minlength=size)
    score_mass = np.bincount(k_lab, weights=w_lab * s[labelled], minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(mass > 0, pos_mass / mass, np.nan)
        mean_score = np.where(mass > 0, score_mass / mass, np.nan)
        n_eff = np.where(mass2 > 0, mass * mass / mass2, 0.0)
    low, high = _wilson(rate, n_eff, z)

    groups = np.repeat(np.arange(n_groups), present.size)
    bin_idx = np.tile(present, n_groups)
    sel = groups * bins + bin_idx
    return pd.DataFrame(
        {
            "group": groups,
            "bin": bin_idx,
            "score_low": np.tile(score_low, n_groups),
            "score_high": np.tile(score_high, n_groups),
            "n": n_rows[sel],
            "n_labelled": n_lab[sel],
            "mean_score": mean_score[sel],
            "observed_rate": rate[sel],
            "observed_rate_low": low[sel],
            "observed_rate_high": high[sel],
        }
    )
