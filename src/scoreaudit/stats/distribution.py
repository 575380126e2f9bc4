"""Threshold-free comparisons of score distributions between groups.

An auditor rarely knows the control budget of the agency, so besides selection rates at a given
budget the audit reports, per group and against a reference group, measures that do not depend
on any threshold:

* the **AUC** (Mann-Whitney probability) ``P(S_g > S_ref) + 0.5 P(S_g = S_ref)`` that a random
  member of the group scores higher than a random member of the reference group, with a DeLong
  interval and a Mann-Whitney p-value;
* the **Kolmogorov-Smirnov distance** ``sup_x |F_g(x) - F_ref(x)|`` between the two score
  distributions, with a Dvoretzky-Kiefer-Wolfowitz interval and the two-sample KS p-value;
* where control outcomes exist, **calibration by group**: observed positive rate against mean
  score per score decile.

Algorithm
---------
All scores are sorted ONCE (:func:`rank_scores`); the sorted order is split into *tie blocks*
(maximal runs of equal scores). For an attribute, the rows are then grouped by code while
keeping, within each group, ascending score order (a stable radix sort of small integer codes,
O(n)). Every statistic of a group depends on the data only through

* the tie blocks that contain members of the group, with the group's mass in each, and
* the cumulative mass of the reference group strictly below each of those blocks and inside
  each of them,

which takes O(n_g) work per group once the reference's cumulative masses are known (one O(n)
pass for a fixed reference group; for ``reference=None`` - each group against all other rows -
they follow from the global block boundaries minus the group's own cumulative mass). The total
is O(n) per attribute after the shared sort. All groups of an attribute are computed at once
(:mod:`scoreaudit.stats._auc_ks`: the (block, mass) runs of every group concatenated, one
cumulative pass and segment sums), without a Python loop over groups or rows; only the exact
KS p-values of small groups call scipy group by group.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from scoreaudit.core.order import grouped_positions
from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.stats._auc_ks import (
    KS_EXACT_MAX_PAIRS as KS_EXACT_MAX_PAIRS,
)
from scoreaudit.stats._auc_ks import (
    Runs,
    _Context,
    compare_runs,
    runs_from_counts,
)
from scoreaudit.stats.calibration import calibration_by_group
from scoreaudit.stats.ranking import (
    Ranking,
    _check_codes,
    _check_weights,
    _sorted_codes,
    _z,
    rank_scores,
    ranking_from_descending,
)
from scoreaudit.stats.ranking import (
    _wilson as _wilson,
)

__all__ = [
    "Ranking",
    "calibration_by_group",
    "rank_scores",
    "ranking_from_descending",
    "threshold_free",
    "threshold_free_counts",
]


#: Beyond this effective size ``n_g n_ref / (n_g + n_ref)`` the asymptotic KS p-value uses the
#: Kolmogorov limit instead of scipy's ``kstwo`` (which can take a second per group there).
KS_KSTWO_MAX_EN = 10_000


THRESHOLD_FREE_COLUMNS = [
    "auc", "auc_low", "auc_high", "auc_p_value",
    "ks", "ks_low", "ks_high", "ks_p_value", "auc_se",
]  # fmt: skip


def _count_type(n: int) -> type[np.signedinteger]:
    """Smallest signed integer type holding the row counts ``0..n``."""
    return np.int32 if n < 2**31 else np.int64


def _group_sizes(codes: np.ndarray, n_groups: int, step: int = 1 << 20) -> np.ndarray:
    """Rows per group code, as ``np.bincount(codes, minlength=n_groups)``.

    Counted a slice of ``step`` rows at a time: bincount copies its input to 8-byte
    integers first, and a copy of every row (48 MB at 6 M rows, fresh pages each time) costs
    about twice the count itself; a slice's copy is reused. Whole numbers: the same counts.

    Examples
    --------
    >>> _group_sizes(np.array([2, 0, 2, 1, 2], dtype=np.uint8), 4, step=2).tolist()
    [1, 1, 3, 0]
    """
    out = np.zeros(n_groups, dtype=np.int64)
    for start in range(0, codes.shape[0], step):
        out += np.bincount(codes[start : start + step], minlength=n_groups)
    return out


def _check_reference(reference: Any, n_groups: int) -> None:
    if reference is not None and not (
        isinstance(reference, (int, np.integer)) and 0 <= reference < n_groups
    ):
        raise ScoreAuditError.from_key("err_reference_code", last=n_groups - 1, value=reference)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of products without BLAS.

    ``np.dot`` on long vectors may start BLAS threads, which is slower than one core when the
    machine is busy (and BLAS summation order varies); numpy's pairwise sum is also more
    accurate.
    """
    return float(np.multiply(a, b).sum())


def _cube_sum(a: np.ndarray) -> float:
    return float((a * a * a).sum())  # ``a ** 3`` calls pow() per element


# ----------------------------------------------------------------------------------------------
# threshold-free measures


def _start(
    confidence: float, reference: int | None, n_groups: int
) -> tuple[float, float, np.ndarray, pd.DataFrame]:
    """Normal quantile, alpha, and the (NaN) table of the threshold-free measures to fill."""
    z = _z(confidence)
    alpha = 1.0 - float(confidence)
    _check_reference(reference, n_groups)
    out = np.full((n_groups, len(THRESHOLD_FREE_COLUMNS)), np.nan)
    result = pd.DataFrame(
        out, index=pd.RangeIndex(n_groups, name="code"), columns=THRESHOLD_FREE_COLUMNS
    )
    return z, alpha, out, result


def _ks_asymptotic(out: np.ndarray, ks_stat: np.ndarray, ks_en: np.ndarray) -> None:
    """Fill the asymptotic KS p-values (column 7 of ``out``) of the groups in ``ks_stat``."""
    todo = np.flatnonzero(np.isfinite(ks_stat))
    if todo.size:
        en = ks_en[todo]
        small = np.round(en) <= KS_KSTWO_MAX_EN
        p_ks = np.empty(todo.size)
        p_ks[small] = stats.kstwo.sf(ks_stat[todo][small], np.maximum(np.round(en[small]), 1.0))
        p_ks[~small] = special.kolmogorov(np.sqrt(en[~small]) * ks_stat[todo][~small])
        out[todo, 7] = np.clip(p_ks, 0.0, 1.0)


def threshold_free(
    ranking: Ranking,
    codes: np.ndarray,
    n_groups: int,
    reference: int | None,
    *,
    weights: np.ndarray | None = None,
    confidence: float = 0.95,
    in_order: bool = False,
) -> pd.DataFrame:
    """AUC (Mann-Whitney) and Kolmogorov-Smirnov distance of each group against a reference.

    Parameters
    ----------
    ranking : Ranking
        From :func:`rank_scores` on the audit's scores (shared by all attributes).
    codes : numpy.ndarray
        Integer group code (``0 .. n_groups-1``) of each ORIGINAL row.
    n_groups : int
        Number of group codes.
    reference : int or None
        Code of the reference group, or ``None`` to compare each group with all other rows
        ("rest" mode).
    weights : numpy.ndarray, optional
        Positive survey/sampling weight of each original row.
    confidence : float
        Confidence level of the intervals.
    in_order : bool
        ``codes`` are already in the ranking's order (``codes[i]`` is the group of the row
        ``ranking.order[i]``): an audit computing several attributes gathers the finest
        cells in ranked order once, then each attribute's codes from that, instead of one
        random gather of all rows per attribute.

    Returns
    -------
    pandas.DataFrame
        Indexed by group code ``0 .. n_groups-1`` with columns ``auc``, ``auc_low``,
        ``auc_high``, ``auc_p_value``, ``ks``, ``ks_low``, ``ks_high``, ``ks_p_value`` and
        ``auc_se`` (the DeLong standard error of ``auc``). The reference group's row, groups
        without members, and groups whose comparison sample is empty are NaN.

    Notes
    -----
    **AUC.** ``auc = P(S_g > S_ref) + 0.5 P(S_g = S_ref)`` (= ``U / (n_g n_ref)`` of
    Mann-Whitney, = ``roc_auc_score`` of "member of g" against "member of ref"). Above 0.5 the
    group tends to be scored higher (controlled more) than the reference.

    *Variance:* DeLong, Delong & Clarke-Pearson (1988), exact with ties: with the placement
    values ``V_i = P_ref(S < s_i) + 0.5 P_ref(S = s_i)`` of the group's members and
    ``W_j = P_g(S > s_j) + 0.5 P_g(S = s_j)`` of the reference's members,
    ``Var = s²(V) / n_g + s²(W) / n_ref`` with ``s²`` the unbiased sample variances. Placement
    values only change between tie blocks, so both sums take O(n_g) per group.

    *Interval:* on the logit scale, ``expit(logit(auc) ± z · se / (auc (1 - auc)))``
    (delta method). It stays inside (0, 1) and is asymmetric near the boundary, where the
    sampling distribution of the AUC is skewed; plain Wald intervals clipped to [0, 1]
    undercover there (Qin & Hotilovac 2008, Pepe 2003 §5.2). When the DeLong variance is zero or
    undefined (complete separation ``auc ∈ {0, 1}``, all compared scores tied, or a sample of
    one) the delta method has nothing to say; we then use the distribution-free bound of
    Birnbaum & McCarty (1958), ``Var ≤ θ(1 - θ) / min(n_g, n_ref)``, inverted as a Wilson-type
    interval (conservative).

    *p-value:* two-sided Mann-Whitney test, normal approximation with the exact tie correction
    and a continuity correction - identical to ``scipy.stats.mannwhitneyu(method=
    "asymptotic")``. It uses the variance under the null (a score test, like the rest of the
    audit); it never degenerates at complete separation. Strictly it tests "the group's and the
    reference's scores have the same distribution", the audit's null of no disparate scoring,
    and it is consistent exactly against ``auc != 0.5``; when the two distributions differ in
    shape but have ``auc = 0.5`` its size is not exactly nominal (then read the KS test and the
    DeLong interval, which does not assume equal shapes). So the p-value and the interval answer
    slightly different questions and need not agree at the margin.

    **KS.** ``ks = sup_x |F_g(x) - F_ref(x)|`` with right-continuous empirical CDFs, equal to
    ``scipy.stats.ks_2samp(...).statistic``. Both CDFs are step functions jumping only at tie
    blocks; between two consecutive blocks holding group members ``F_g`` is constant and
    ``F_ref`` non-decreasing, so the supremum is attained at the end of a block holding group
    members or just before one: 2 candidates per such block, O(n_g).

    *Interval:* Dvoretzky-Kiefer-Wolfowitz (Massart's constant) for each sample at level
    ``alpha/2``: ``eps = sqrt(log(2 / (alpha/2)) / (2 n))``; on the intersection of both bands
    (probability >= 1 - alpha) ``|ks - KS| <= eps_g + eps_ref``, so
    ``[ks - eps_g - eps_ref, ks + eps_g + eps_ref]`` clipped to [0, 1]. Distribution-free and
    conservative (also for discrete scores).

    *p-value:* two-sample KS test, with ``en = n_g n_ref / (n_g + n_ref)``:

    - exact (``scipy.stats.ks_2samp(method="exact")`` on the two samples) when
      ``n_g · n_ref <= 10^6``;
    - else, for ``en <= 10^4``, ``kstwo.sf(ks, round(en))``, exactly what
      ``ks_2samp(method="asymp")`` computes;
    - else Kolmogorov's limit ``kolmogorov(sqrt(en) · ks)``: scipy's ``kstwo`` can take a
      second per group at such sizes; the limit is slightly conservative, within 3 % (relative)
      of ``kstwo`` at ``en = 10^4`` and closer as ``en`` grows, for p-values down to 1e-9.

    (scipy's ``"auto"`` goes exact up to 10,000 rows per sample, but the exact algorithm is
    O(n_g n_ref) and would cost seconds per attribute on mid-sized populations.) With ties all
    three are conservative.

    **Weights.** Point estimates use weighted masses everywhere (weighted placement values and
    weighted empirical CDFs); integer weights give exactly the estimates on rows repeated by
    their weight. Variances and tests replace each sample size by Kish's effective size
    ``(Σw)² / Σw²``: DeLong with weighted means and variances of placement values divided by
    the effective sizes, the Mann-Whitney variance with effective sizes and tie masses rescaled
    to effective counts, DKW and the KS asymptotic p-value with effective sizes (always
    asymptotic). This is the usual design-effect approximation; it ignores clustering and
    stratification of the design.

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.array([1.0, 2.0, 3.0, 2.0, 1.0, 0.0])
    >>> codes = np.array([0, 0, 0, 1, 1, 1])
    >>> t = threshold_free(rank_scores(scores), codes, 2, reference=1)
    >>> round(float(t.loc[0, "auc"]), 4), round(float(t.loc[0, "ks"]), 4)  # 7/9, 1/3
    (0.7778, 0.3333)
    >>> bool(np.isnan(t.loc[1, "auc"]))
    True
    """
    n = ranking.n
    codes = _check_codes(codes, n, n_groups)
    w = _check_weights(weights, n)
    z, alpha, out, result = _start(confidence, reference, n_groups)
    if n == 0:
        return result

    one_row_blocks = ranking.n_blocks == n  # no ties: a tie block is a sorted position
    code_sorted = codes if in_order else _sorted_codes(codes, ranking.order, n_groups)
    perm = grouped_positions(code_sorted, n_groups)  # sorted positions, by code
    counts = _group_sizes(code_sorted, n_groups)
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    # tie block of each grouped position (without ties the block IS the sorted position)
    blk = perm if one_row_blocks else ranking.block[perm]
    w_grouped = None
    if w is not None:
        w_grouped = w[ranking.order[perm]]

    # Cumulative mass below each tie block (length n_blocks + 1): of the reference group, or
    # of all rows in "rest" mode (the group's own mass is then subtracted).
    mass: np.ndarray | None
    if reference is not None:
        lo, hi = bounds[reference], bounds[reference + 1]
        if hi == lo:
            return result
        rw = None if w_grouped is None else w_grouped[lo:hi]
        if rw is None and one_row_blocks:  # one row per block: 1 where it is the reference's
            # (the same counts, no int64 array; bytes, not booleans: numpy's cast of booleans
            # in the cumulative sum below costs two to four times the sum)
            mass = (code_sorted == reference).view(np.uint8)
        else:
            mass = np.bincount(blk[lo:hi], weights=rw, minlength=ranking.n_blocks)
        ref_sumsq = float(hi - lo) if rw is None else _dot(rw, rw)
    elif w is None:  # (None without ties: one row per block, the rows below block b are b)
        mass = None if one_row_blocks else ranking.ends - ranking.starts
        total_sumsq = float(n)
    else:  # (without ties each block holds one row: its weight, exactly as the bincount)
        mass = (
            w[ranking.order]
            if ranking.no_ties
            else np.bincount(ranking.block, weights=w[ranking.order], minlength=ranking.n_blocks)
        )
        total_sumsq = _dot(w, w)
    # row counts (unweighted) are kept in 4 bytes per block, not 8: the kernel reads them back
    # as float64, the same exact integers
    identity = mass is None
    if mass is None:
        cum = np.arange(n + 1, dtype=_count_type(n))
    else:
        cum = np.zeros(ranking.n_blocks + 1, dtype=np.float64 if w is not None else _count_type(n))
        np.cumsum(mass, out=cum[1:])
    cum_total = float(cum[-1])
    if mass is None or (w is None and one_row_blocks):  # no ties: masses 0 or 1, cubes too
        cube = cum_total
    else:
        cube = _cube_sum(mass.astype(np.float64, copy=False))  # sum of (block mass)^3
    del mass
    ctx = _Context(
        cum,
        cum_total,
        cube,
        reference,
        ref_sumsq if reference is not None else 0.0,
        total_sumsq if reference is None else 0.0,
        z,
        alpha,
        integer_mass=w is None,
        identity=identity,
        disjoint=reference is not None and one_row_blocks,
    )
    runs = _runs_from_rows(blk, bounds, w_grouped, reference, one_row_blocks)
    del blk

    def samples(g: int) -> tuple[np.ndarray, np.ndarray]:
        x = ranking.sorted_scores[perm[bounds[g] : bounds[g + 1]]]
        if reference is not None:
            y = ranking.sorted_scores[perm[bounds[reference] : bounds[reference + 1]]]
        else:
            y = ranking.sorted_scores[code_sorted != g]
        return x, y

    ks_stat = np.full(n_groups, np.nan)
    ks_en = np.full(n_groups, np.nan)
    compare_runs(
        ctx, runs, out, ks_stat, ks_en, unweighted=w is None, samples=samples, rows_total=n
    )
    _ks_asymptotic(out, ks_stat, ks_en)
    result.loc[:, :] = out
    return result


def _runs_from_rows(
    blk: np.ndarray,
    bounds: np.ndarray,
    w_grouped: np.ndarray | None,
    reference: int | None,
    no_ties: bool,
) -> Runs:
    """:class:`Runs` of every group with members (but the reference) from the tie blocks of
    the rows grouped by code (``bounds``), ascending within each group."""
    n = blk.shape[0]
    sizes = np.diff(bounds)
    keep = sizes > 0
    if reference is not None:
        keep[reference] = False
    groups = np.flatnonzero(keep)
    # rows of the kept groups, in order (the reference's slice dropped)
    if reference is not None and sizes[reference] > 0:
        lo, hi = int(bounds[reference]), int(bounds[reference + 1])
        blk = np.concatenate((blk[:lo], blk[hi:]))
        if w_grouped is not None:
            w_grouped = np.concatenate((w_grouped[:lo], w_grouped[hi:]))
        n -= hi - lo
    starts = np.zeros(groups.size + 1, dtype=np.int64)
    np.cumsum(sizes[groups], out=starts[1:])
    if no_ties:  # one row per tie block: every row is a run (of mass 1 unweighted)
        offsets = starts
        ub = blk
        gm = np.broadcast_to(np.float64(1.0), (n,)) if w_grouped is None else w_grouped
    else:
        new = np.empty(n, dtype=bool)  # first member of each run of equal blocks in a group
        if n:
            new[0] = True
            np.not_equal(blk[1:], blk[:-1], out=new[1:])
        new[starts[:-1]] = True
        run_start = np.flatnonzero(new)
        del new
        ub = blk[run_start]
        if w_grouped is None:
            gm = np.diff(run_start, append=n).astype(np.float64)  # group mass per block
        else:
            gm = np.add.reduceat(w_grouped, run_start)
        offsets = np.searchsorted(run_start, starts)
    if w_grouped is None:
        sumsq = sizes[groups].astype(np.float64)
    else:
        sumsq = np.add.reduceat(w_grouped * w_grouped, starts[:-1]) if groups.size else np.zeros(0)
    unit = no_ties and w_grouped is None
    return Runs(groups, offsets, ub, gm, sumsq, sizes[groups].astype(np.int64), unit_mass=unit)


def threshold_free_counts(
    values: np.ndarray,
    counts: np.ndarray,
    reference: int | None,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`threshold_free` from counts of rows per (distinct score, group), unweighted.

    Without weights every statistic of :func:`threshold_free` depends on the rows only through
    how many members of each group hold each distinct score. For scores with few distinct
    values (scorecards) this table is far smaller than the rows, and the result is
    IDENTICAL to ``threshold_free`` on the rows (same arrays, same operations, same order).

    Parameters
    ----------
    values : numpy.ndarray
        ``(D,)`` the distinct scores, INCREASING.
    counts : numpy.ndarray
        ``(D, n_groups)`` integer: rows of each group holding each score.
    reference : int or None
        Reference group, or None for each group against all other rows.
    confidence : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        As :func:`threshold_free`.

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.array([1.0, 2.0, 3.0, 2.0, 1.0, 0.0])
    >>> codes = np.array([0, 0, 0, 1, 1, 1])
    >>> counts = np.array([[0, 1], [1, 1], [1, 1], [1, 0]])  # scores 0, 1, 2, 3
    >>> a = threshold_free_counts(np.array([0.0, 1.0, 2.0, 3.0]), counts, 1)
    >>> b = threshold_free(rank_scores(scores), codes, 2, reference=1)
    >>> a.equals(b)
    True
    """
    values = np.asarray(values, dtype=np.float64)
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != values.shape[0]:
        raise DataError.from_key("err_counts_shape", n=values.shape[0], shape=counts.shape)
    n_blocks, n_groups = counts.shape
    z, alpha, out, result = _start(confidence, reference, n_groups)
    sizes = counts.sum(axis=0)
    n = int(sizes.sum())
    if n == 0:
        return result
    if reference is not None:
        if sizes[reference] == 0:
            return result
        mass = counts[:, reference]
        ref_sumsq, total_sumsq = float(sizes[reference]), 0.0
    else:
        mass = counts.sum(axis=1)
        ref_sumsq, total_sumsq = 0.0, float(n)
    mass = mass.astype(np.float64)
    cum = np.zeros(n_blocks + 1)
    np.cumsum(mass, out=cum[1:])
    ctx = _Context(
        cum, float(cum[-1]), _cube_sum(mass), reference, ref_sumsq, total_sumsq, z, alpha, True
    )
    keep = sizes > 0
    if reference is not None:
        keep[reference] = False
    groups = np.flatnonzero(keep)
    runs = runs_from_counts(counts, groups, sizes[groups].astype(np.float64), sizes[groups])

    def samples(g: int) -> tuple[np.ndarray, np.ndarray]:
        col = counts[:, g]
        other = counts[:, reference] if reference is not None else counts.sum(axis=1) - col
        return np.repeat(values, col), np.repeat(values, other)

    ks_stat = np.full(n_groups, np.nan)
    ks_en = np.full(n_groups, np.nan)
    compare_runs(ctx, runs, out, ks_stat, ks_en, unweighted=True, samples=samples, rows_total=n)
    _ks_asymptotic(out, ks_stat, ks_en)
    result.loc[:, :] = out
    return result
