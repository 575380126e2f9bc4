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
is O(n) per attribute after the shared sort, with a Python loop over groups only.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.stats import metrics as M

__all__ = [
    "Ranking",
    "calibration_by_group",
    "rank_scores",
    "ranking_from_descending",
    "threshold_free",
    "threshold_free_counts",
]

#: The KS p-value is exact when ``n_g * n_ref`` is at most this (scipy's exact algorithm costs
#: O(n_g n_ref): about a millisecond here, but 0.1 s per group at 3,000 x 9,000 rows).
KS_EXACT_MAX_PAIRS = 1_000_000

#: Beyond this effective size ``n_g n_ref / (n_g + n_ref)`` the asymptotic KS p-value uses the
#: Kolmogorov limit instead of scipy's ``kstwo`` (which can take a second per group there).
KS_KSTWO_MAX_EN = 10_000

THRESHOLD_FREE_COLUMNS = [
    "auc", "auc_low", "auc_high", "auc_p_value",
    "ks", "ks_low", "ks_high", "ks_p_value", "auc_se",
]  # fmt: skip


@dataclass(frozen=True, eq=False)
class Ranking:
    """One ascending sort of all scores with its tie-block structure.

    Attributes
    ----------
    order : numpy.ndarray
        ``(n,)`` int: the original row of each sorted position (``np.argsort(kind="stable")``).
    sorted_scores : numpy.ndarray
        ``(n,)`` float64: ``scores[order]``, ascending.
    block : numpy.ndarray
        ``(n,)`` int: tie-block id of each sorted position (0, 1, ... in ascending score).
    starts, ends : numpy.ndarray
        ``(n_blocks,)`` int: first sorted position of each block and one past its last.
    """

    order: np.ndarray
    sorted_scores: np.ndarray
    block: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.order.shape[0])

    @property
    def n_blocks(self) -> int:
        """Number of distinct score values (tie blocks)."""
        return int(self.starts.shape[0])

    def row_block(self) -> np.ndarray:
        """Tie-block id of each ORIGINAL row (O(n) scatter; computed on demand)."""
        out = np.empty(self.n, dtype=self.block.dtype)
        out[self.order] = self.block
        return out


def rank_scores(scores: np.ndarray) -> Ranking:
    """Sort all scores once and describe their tie blocks.

    Parameters
    ----------
    scores : numpy.ndarray
        One finite score per row.

    Returns
    -------
    Ranking
        Reused by :func:`threshold_free` for every attribute of the audit.

    Raises
    ------
    DataError
        If the scores are not a one-dimensional array of finite numbers.

    Examples
    --------
    >>> import numpy as np
    >>> r = rank_scores(np.array([0.3, 0.1, 0.3, 0.2]))
    >>> r.order.tolist(), r.block.tolist()
    ([1, 3, 0, 2], [0, 1, 2, 2])
    >>> r.starts.tolist(), r.ends.tolist()
    ([0, 1, 2], [1, 2, 4])
    """
    s = np.asarray(scores)
    if s.ndim != 1:
        raise DataError(f"Scores must be one-dimensional; got an array of shape {s.shape}.")
    if not (np.issubdtype(s.dtype, np.number) or s.dtype == np.bool_):
        raise DataError(f"Scores must be numeric; got dtype {s.dtype}.")
    s = s.astype(np.float64, copy=False)
    if not np.isfinite(s).all():
        pos = int(np.flatnonzero(~np.isfinite(s))[0])
        raise DataError(f"Scores must be finite numbers; row position {pos} has score {s[pos]!r}.")
    n = s.shape[0]
    order = np.argsort(s, kind="stable")
    sorted_scores = s[order]
    new = np.empty(n, dtype=bool)
    if n:
        new[0] = True
        np.not_equal(sorted_scores[1:], sorted_scores[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    idx_dtype = np.int32 if n < np.iinfo(np.int32).max else np.int64
    # (cumsum straight from bool is several times slower)
    block: npt.NDArray[np.signedinteger] = new.astype(idx_dtype)
    np.cumsum(block, out=block)
    block -= 1
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    if n:
        ends[-1] = n
    return Ranking(order=order, sorted_scores=sorted_scores, block=block, starts=starts, ends=ends)


# ----------------------------------------------------------------------------------------------
# helpers


def _z(confidence: float) -> float:
    return M.confidence_z(confidence)


def _wilson(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval of a proportion ``p`` on (effective) size ``n``; NaN where ``n`` is 0
    or ``p`` is NaN (:func:`scoreaudit.stats.metrics.wilson_bounds`)."""
    p = np.asarray(p, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    return M.wilson_bounds(np.where(n > 0, p * n, np.nan), n, z)


def _check_reference(reference: Any, n_groups: int) -> None:
    if reference is not None and not (
        isinstance(reference, (int, np.integer)) and 0 <= reference < n_groups
    ):
        raise ScoreAuditError(
            f"reference must be a group code in 0..{n_groups - 1} or None; got {reference!r}."
        )


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of products without BLAS.

    ``np.dot`` on long vectors may start BLAS threads, which is slower than one core when the
    machine is busy (and BLAS summation order varies); numpy's pairwise sum is also more
    accurate.
    """
    return float(np.multiply(a, b).sum())


def _cube_sum(a: np.ndarray) -> float:
    return float((a * a * a).sum())  # ``a ** 3`` calls pow() per element


def _check_codes(codes: np.ndarray, n: int, n_groups: int) -> np.ndarray:
    c = np.asarray(codes)
    if c.shape != (n,):
        raise DataError(f"Group codes must have one entry per row ({n}); got shape {c.shape}.")
    if not np.issubdtype(c.dtype, np.integer):
        raise DataError(f"Group codes must be integers; got dtype {c.dtype}.")
    if not isinstance(n_groups, (int, np.integer)) or n_groups < 1:
        raise ScoreAuditError(f"n_groups must be a positive integer; got {n_groups!r}.")
    if n and (c.min() < 0 or c.max() >= n_groups):
        bad = int(np.flatnonzero((c < 0) | (c >= n_groups))[0])
        raise DataError(f"Group code {c[bad]} at row position {bad} is outside 0..{n_groups - 1}.")
    return c


def _check_weights(weights: np.ndarray | None, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise DataError(f"Weights must have one entry per row ({n}); got shape {w.shape}.")
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"Weights must be positive and finite; row position {pos} has {w[pos]!r}.")
    return w


def _sorted_codes(codes: np.ndarray, order: np.ndarray, n_groups: int) -> np.ndarray:
    # Small unsigned codes make numpy's stable argsort a radix sort (O(n)).
    # Casting BEFORE the random gather keeps the gathered array small (cache-friendly).
    dtype = np.uint8 if n_groups <= 256 else np.uint16 if n_groups <= 65536 else np.int64
    return codes.astype(dtype, copy=False)[order]


# ----------------------------------------------------------------------------------------------
# threshold-free measures


@dataclass(frozen=True)
class _Context:
    """What every group of one attribute is compared with (see :func:`threshold_free`)."""

    cum: np.ndarray  # (n_blocks + 1,) reference (or total) mass below each tie block
    cum_total: float
    cube: float  # sum over blocks of (reference or total mass)^3
    reference: int | None
    ref_sumsq: float
    total_sumsq: float
    z: float
    alpha: float


def _compare_group(
    ctx: _Context,
    g: int,
    ub: np.ndarray,
    gm: np.ndarray,
    g_sumsq: float,
    count: int,
    unweighted: bool,
    samples: Callable[[], tuple[np.ndarray, np.ndarray]],
    out: np.ndarray,
    ks_stat: np.ndarray,
    ks_en: np.ndarray,
) -> None:
    """AUC and KS of group ``g`` against the reference; fills ``out[g]`` (and the KS arrays).

    ``ub`` are the (ascending) tie blocks holding members of the group, ``gm`` the group's
    mass in each, ``g_sumsq`` the sum of its squared weights (its row count unweighted) and
    ``count`` its row count; ``samples()`` returns the group's and the comparison's scores
    (only called for an exact KS p-value, unweighted).
    """
    cum, cum_total, cube, reference = ctx.cum, ctx.cum_total, ctx.cube, ctx.reference
    ref_sumsq, total_sumsq, z, alpha = ctx.ref_sumsq, ctx.total_sumsq, ctx.z, ctx.alpha
    g_le = np.cumsum(gm)  # group mass up to the end of each of its blocks
    g_total = float(g_le[-1])
    g_before = g_le - gm

    # one cumulative array, gathered at adjacent positions (ub, ub + 1): cache-friendly
    r_below = cum[ub]  # reference mass strictly below each of the group's blocks
    r_end = cum[ub + 1]  # ... and up to its end
    if reference is not None:
        r_total, r_sumsq = cum_total, ref_sumsq
        r_in = r_end - r_below
        joint_cube = _cube_sum(gm + r_in) + cube - _cube_sum(r_in)
    else:
        r_below -= g_before
        r_end -= g_le
        r_in = r_end - r_below
        r_total = cum_total - g_total
        r_sumsq = total_sumsq - g_sumsq
        joint_cube = cube  # blocks hold group + rest = all rows
    if r_total <= 0:
        return
    n_g = g_total * g_total / g_sumsq  # Kish effective sizes (= counts without weights)
    n_r = r_total * r_total / r_sumsq
    f_end = g_le / g_total  # group ECDF at the end of each of its blocks ...
    f_before = g_before / g_total  # ... and just before it

    # --- AUC and DeLong variance -------------------------------------------------------
    # placement of the group's blocks in the reference: (below + in / 2) / total
    t = r_below + r_end
    t *= 0.5 / r_total
    auc = _dot(gm, t) / g_total
    t -= auc
    t *= t
    s10 = _dot(gm, t) / g_total * n_g / (n_g - 1) if n_g > 1 else np.nan
    # placement of reference members in the group: 1 below the group's first block,
    # 1 - (f_before + f_end) / 2 inside block k, 1 - f_end between block k and the next
    t = f_before + f_end
    t *= -0.5
    t += 1.0 - auc
    t *= t
    ss01 = r_below[0] * (1.0 - auc) ** 2 + _dot(r_in, t)
    gap = np.empty_like(r_below)  # reference mass strictly between block k and the next
    np.subtract(r_below[1:], r_end[:-1], out=gap[:-1])
    gap[-1] = r_total - r_end[-1]
    t = (1.0 - auc) - f_end
    t *= t
    ss01 += _dot(gap, t)
    s01 = ss01 / r_total * n_r / (n_r - 1) if n_r > 1 else np.nan
    var = s10 / n_g + s01 / n_r
    if np.isfinite(var) and var > 0 and 0.0 < auc < 1.0:
        se_logit = math.sqrt(var) / (auc * (1.0 - auc))
        lg = math.log(auc / (1.0 - auc))
        auc_low = float(special.expit(lg - z * se_logit))
        auc_high = float(special.expit(lg + z * se_logit))
    else:  # Birnbaum-McCarty bound, Wilson-type inversion
        lw, hg = _wilson(np.array(auc), np.array(min(n_g, n_r)), z)
        auc_low, auc_high = float(lw), float(hg)

    # Mann-Whitney p-value (null variance, tie-corrected, continuity-corrected)
    n_all = n_g + n_r
    scale = n_all / (g_total + r_total)  # masses -> effective counts
    tie_term = scale**3 * joint_cube - n_all
    mn = n_g * n_r
    var_u = mn / 12.0 * ((n_all + 1.0) - tie_term / (n_all * (n_all - 1.0)))
    num = mn * abs(auc - 0.5) - 0.5
    zu = num / math.sqrt(var_u) if var_u > 0 else (-np.inf if num <= 0 else np.inf)
    auc_p = min(1.0, 2.0 * float(special.ndtr(-zu)))

    # --- KS ------------------------------------------------------------------------------
    d = f_before - r_below / r_total
    ks = max(float(d.max()), -float(d.min()))
    d = f_end - r_end / r_total
    ks = max(ks, float(d.max()), -float(d.min()))
    ks = min(max(ks, 0.0), 1.0)
    eps = math.sqrt(math.log(4.0 / alpha) / 2.0) * (1.0 / math.sqrt(n_g) + 1.0 / math.sqrt(n_r))
    ks_p = np.nan
    if unweighted and count * r_total <= KS_EXACT_MAX_PAIRS:
        x, y = samples()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ks_p = float(stats.ks_2samp(x, y, method="exact").pvalue)
    else:
        ks_stat[g] = ks
        ks_en[g] = n_g * n_r / (n_g + n_r)

    out[g] = (
        auc,
        auc_low,
        auc_high,
        auc_p,
        ks,
        max(0.0, ks - eps),
        min(1.0, ks + eps),
        ks_p,
        math.sqrt(var) if np.isfinite(var) else np.nan,
    )


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
    z = _z(confidence)
    alpha = 1.0 - float(confidence)
    _check_reference(reference, n_groups)

    out = np.full((n_groups, len(THRESHOLD_FREE_COLUMNS)), np.nan)
    result = pd.DataFrame(
        out, index=pd.RangeIndex(n_groups, name="code"), columns=THRESHOLD_FREE_COLUMNS
    )
    if n == 0:
        return result

    code_sorted = _sorted_codes(codes, ranking.order, n_groups)
    perm = np.argsort(code_sorted, kind="stable")  # sorted positions, grouped by code
    counts = np.bincount(code_sorted, minlength=n_groups)
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    blk = ranking.block[perm]
    w_grouped = None
    if w is not None:
        w_grouped = w[ranking.order[perm]]

    # Cumulative mass below each tie block (length n_blocks + 1): of the reference group, or
    # of all rows in "rest" mode (the group's own mass is then subtracted).
    if reference is not None:
        lo, hi = bounds[reference], bounds[reference + 1]
        if hi == lo:
            return result
        rw = None if w_grouped is None else w_grouped[lo:hi]
        mass = np.bincount(blk[lo:hi], weights=rw, minlength=ranking.n_blocks)
        ref_sumsq = float(hi - lo) if rw is None else _dot(rw, rw)
    elif w is None:
        mass = ranking.ends - ranking.starts
        total_sumsq = float(n)
    else:
        mass = np.bincount(ranking.block, weights=w[ranking.order], minlength=ranking.n_blocks)
        total_sumsq = _dot(w, w)
    mass = mass.astype(np.float64, copy=False)
    cum = np.zeros(ranking.n_blocks + 1)
    np.cumsum(mass, out=cum[1:])
    cum_total = float(cum[-1])
    cube = _cube_sum(mass)  # sum over blocks of (reference or total mass)^3
    del mass

    ks_stat = np.full(n_groups, np.nan)
    ks_en = np.full(n_groups, np.nan)
    ctx = _Context(
        cum,
        cum_total,
        cube,
        reference,
        ref_sumsq if reference is not None else 0.0,
        total_sumsq if reference is None else 0.0,
        z,
        alpha,
    )
    for g in range(n_groups):
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        if hi == lo or g == reference:
            continue
        b = blk[lo:hi]
        first = np.empty(hi - lo, dtype=bool)  # first member of each run of equal blocks
        first[0] = True
        np.not_equal(b[1:], b[:-1], out=first[1:])
        run_start = np.flatnonzero(first)
        ub = b[run_start]  # blocks holding group members, ascending
        if w_grouped is None:
            gm = np.diff(run_start, append=hi - lo).astype(np.float64)  # group mass per block
            g_sumsq = float(hi - lo)
        else:
            wg = w_grouped[lo:hi]
            gm = np.add.reduceat(wg, run_start)
            g_sumsq = _dot(wg, wg)

        def samples(g: int = g, lo: int = lo, hi: int = hi) -> tuple[np.ndarray, np.ndarray]:
            x = ranking.sorted_scores[perm[lo:hi]]
            if reference is not None:
                y = ranking.sorted_scores[perm[bounds[reference] : bounds[reference + 1]]]
            else:
                y = ranking.sorted_scores[code_sorted != g]
            return x, y

        _compare_group(ctx, g, ub, gm, g_sumsq, hi - lo, w is None, samples, out, ks_stat, ks_en)

    _ks_asymptotic(out, ks_stat, ks_en)
    result.loc[:, :] = out
    return result


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
        raise DataError(
            f"counts must have one row per distinct score ({values.shape[0]}); "
            f"got shape {counts.shape}."
        )
    n_blocks, n_groups = counts.shape
    z = _z(confidence)
    alpha = 1.0 - float(confidence)
    _check_reference(reference, n_groups)
    out = np.full((n_groups, len(THRESHOLD_FREE_COLUMNS)), np.nan)
    result = pd.DataFrame(
        out, index=pd.RangeIndex(n_groups, name="code"), columns=THRESHOLD_FREE_COLUMNS
    )
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
        cum, float(cum[-1]), _cube_sum(mass), reference, ref_sumsq, total_sumsq, z, alpha
    )
    ks_stat = np.full(n_groups, np.nan)
    ks_en = np.full(n_groups, np.nan)
    for g in range(n_groups):
        if sizes[g] == 0 or g == reference:
            continue
        col = counts[:, g]
        ub = np.flatnonzero(col)
        gm = col[ub].astype(np.float64)

        def samples(g: int = g, col: np.ndarray = col) -> tuple[np.ndarray, np.ndarray]:
            x = np.repeat(values, col)
            other = counts[:, reference] if reference is not None else counts.sum(axis=1) - col
            return x, np.repeat(values, other)

        _compare_group(
            ctx, g, ub, gm, float(sizes[g]), int(sizes[g]), True, samples, out, ks_stat, ks_en
        )
    _ks_asymptotic(out, ks_stat, ks_en)
    result.loc[:, :] = out
    return result


def ranking_from_descending(
    order: np.ndarray,
    sorted_scores: np.ndarray,
    exact_order: bool = True,
    ascending_code: np.ndarray | None = None,
) -> Ranking:
    """The ascending :class:`Ranking` from a ranking by DECREASING score (no second sort).

    ``order[::-1]`` lists the rows by increasing score with the same tie blocks as
    :func:`rank_scores`; only the order of rows INSIDE a tie block may differ. No statistic of
    :func:`threshold_free` depends on it without weights. With ``exact_order`` the rows of
    every tie block are put back in increasing row order (a sort of the tied rows only), so
    that the result equals ``rank_scores(scores)`` exactly, and weighted sums are added in the
    same order (bit-identical results). ``ascending_code`` (the tie block of every row, as
    :meth:`scoreaudit.selection.blocks.ScoreBlocks.ascending_code`) makes that a radix sort of all rows.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([0.3, 0.1, 0.3, 0.2])
    >>> desc = np.argsort(-s, kind="stable")
    >>> r = ranking_from_descending(desc, s[desc])
    >>> r.order.tolist() == rank_scores(s).order.tolist()
    True
    """
    if exact_order and ascending_code is not None:  # one-byte keys: O(n) radix sort
        order = np.argsort(ascending_code, kind="stable")
        exact_order = False
    else:
        order = np.ascontiguousarray(order[::-1])
    s = np.ascontiguousarray(sorted_scores[::-1])
    n = s.shape[0]
    new = np.empty(n, dtype=bool)
    if n:
        new[0] = True
        np.not_equal(s[1:], s[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    idx_dtype = np.int32 if n < np.iinfo(np.int32).max else np.int64
    block: npt.NDArray[np.signedinteger] = new.astype(idx_dtype)
    np.cumsum(block, out=block)
    block -= 1
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    if n:
        ends[-1] = n
    if exact_order and starts.shape[0] < n:
        tied = np.repeat((ends - starts) > 1, ends - starts)
        pos = np.flatnonzero(tied)
        rows = order[pos]
        order[pos] = rows[np.lexsort((rows, block[pos]))]
    return Ranking(order=order, sorted_scores=s, block=block, starts=starts, ends=ends)


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
        raise ScoreAuditError(f"bins must be a positive integer; got {bins!r}.")
    z = _z(confidence)
    if ranking is None:
        ranking = rank_scores(scores)
    n = ranking.n
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (n,):
        raise DataError(f"Scores have shape {s.shape} but the ranking has {n} rows.")
    codes = _check_codes(codes, n, n_groups)
    w = _check_weights(weights, n)
    y = np.asarray(labels, dtype=np.float64)
    if y.shape != (n,):
        raise DataError(f"Labels must have one entry per row ({n}); got shape {y.shape}.")
    labelled = ~np.isnan(y)
    bad = labelled & (y != 0.0) & (y != 1.0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"Labels must be 1, 0 or missing; row position {pos} has {y[pos]!r}.")

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
