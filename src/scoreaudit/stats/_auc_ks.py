"""AUC, DeLong interval, Mann-Whitney p-value and KS distance of many groups at once.

The kernel of :mod:`scoreaudit.stats.distribution`. Every statistic of a group depends on the
data only through the tie blocks (distinct score levels) holding members of the group, the
group's mass in each, and the comparison's cumulative mass below and inside each of those
blocks. :class:`Runs` lists these (block, mass) pairs for all compared groups, group after
group, each group's blocks ascending; :func:`compare_runs` then computes every group's
statistics with one cumulative pass over the runs (segment sums by ``np.add.reduceat``), with
no Python loop over the groups or the rows. Only the exact KS p-values (small groups, scipy's
exact algorithm needs the two samples) are computed group by group. A group of millions of
rows against a reference without ties (a continuous score's usual audit) is computed in
blocks that stay in the processor's cache, with the same operations and the same sums.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from scoreaudit.stats.ranking import _wilson

#: The KS p-value is exact when ``n_g * n_ref`` is at most this (scipy's exact algorithm costs
#: O(n_g n_ref): about a millisecond here, but 0.1 s per group at 3,000 x 9,000 rows).
KS_EXACT_MAX_PAIRS = 1_000_000

#: Runs handled at once by :func:`compare_runs` (a group larger than this is one chunk):
#: bounds the temporary arrays (about ten float64 arrays of this length) and keeps them in
#: the processor's cache (1 << 16 measured faster than 1 << 18 or 1 << 20 on 1 M rows).
CHUNK_RUNS = 1 << 16

#: A group of more runs than this, of one unweighted row each, against a reference without
#: ties, is computed block by block (:func:`_sums_by_blocks`); the blocks' temporary arrays
#: stay in the processor's cache. (At 10 M rows here, blocks of 1 << 13 to 1 << 16 runs take
#: the same time, 1 << 17 3% more, whole arrays 12% more: benchmarks/README.md.)
BLOCK_RUNS = 1 << 15


@dataclass(frozen=True)
class _Context:
    """What every group of one attribute is compared with."""

    cum: np.ndarray  # (n_blocks + 1,) reference (or total) mass below each tie block
    cum_total: float
    cube: float  # sum over blocks of (reference or total mass)^3
    reference: int | None
    ref_sumsq: float
    total_sumsq: float
    z: float
    alpha: float
    integer_mass: bool = False  # masses are row counts (cumulative sums exact in float64)
    identity: bool = False  # cum[b] == b: one unweighted row per block, every row compared
    # against a reference without ties: a compared group's block (one row, not the
    # reference's) holds no reference mass, so the mass up to its end is the mass below it
    disjoint: bool = False


@dataclass(frozen=True)
class Runs:
    """The tie blocks holding members of each compared group, concatenated group by group.

    Attributes
    ----------
    groups : numpy.ndarray
        ``(k,)`` group codes, one per compared group (each with at least one member).
    offsets : numpy.ndarray
        ``(k + 1,)`` int64: the runs of ``groups[j]`` are ``offsets[j]:offsets[j + 1]``.
    block : numpy.ndarray
        ``(n_runs,)`` int: tie block of each run, ascending within a group.
    mass : numpy.ndarray
        ``(n_runs,)`` float64: the group's mass (rows or weight) in the block.
    sumsq : numpy.ndarray
        ``(k,)`` float64: sum of the group's squared weights (its row count unweighted).
    count : numpy.ndarray
        ``(k,)`` int64: the group's row count.
    unit_mass : bool
        Every mass is 1.0 (no ties, no weights): products with the mass are skipped, which
        leaves the values unchanged (``1.0 * x == x``) and saves one array per product.
    """

    groups: np.ndarray
    offsets: np.ndarray
    block: np.ndarray
    mass: np.ndarray
    sumsq: np.ndarray
    count: np.ndarray
    unit_mass: bool = False  # every mass is 1.0 (one unweighted row per run)

    def take(self, lo: int, hi: int) -> Runs:
        """The runs of groups ``lo:hi`` (views of the arrays, offsets rebased)."""
        a, b = int(self.offsets[lo]), int(self.offsets[hi])
        return Runs(
            self.groups[lo:hi],
            self.offsets[lo : hi + 1] - a,
            self.block[a:b],
            self.mass[a:b],
            self.sumsq[lo:hi],
            self.count[lo:hi],
            self.unit_mass,
        )


def runs_from_counts(
    mass: np.ndarray, groups: np.ndarray, sumsq: np.ndarray, count: np.ndarray
) -> Runs:
    """:class:`Runs` of ``groups`` from a ``(n_blocks, n_groups)`` table of masses.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[1, 0], [2, 3], [0, 4]])
    >>> r = runs_from_counts(m, np.array([0, 1]), np.array([3.0, 7.0]), np.array([3, 7]))
    >>> r.offsets.tolist(), r.block.tolist(), r.mass.tolist()
    ([0, 2, 4], [0, 1, 1, 2], [1.0, 2.0, 3.0, 4.0])
    """
    sub = np.asarray(mass)[:, groups].T  # (k, n_blocks): row-major = group, then block
    row, block = np.nonzero(sub > 0)
    offsets = np.zeros(groups.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=groups.size), out=offsets[1:])
    return Runs(
        np.asarray(groups),
        offsets,
        block,
        sub[row, block].astype(np.float64),
        np.asarray(sumsq, dtype=np.float64),
        np.asarray(count, dtype=np.int64),
    )


def _cubes(a: np.ndarray) -> np.ndarray:
    out = a * a  # ``a ** 3`` calls pow() per element; (a * a) * a in place: one temporary
    out *= a
    return out


def compare_runs(
    ctx: _Context,
    runs: Runs,
    out: np.ndarray,
    ks_stat: np.ndarray,
    ks_en: np.ndarray,
    *,
    unweighted: bool,
    samples: Callable[[int], tuple[np.ndarray, np.ndarray]] | None = None,
    rows_total: int | None = None,
) -> None:
    """Fill ``out[g]`` (the nine threshold-free columns) of every group ``g`` in ``runs``.

    Groups whose comparison sample is empty stay NaN (in "rest" mode, ``rows_total`` - the
    number of rows of all groups - tells which: a group holding every row). The KS p-value is exact (scipy, on the
    two samples returned by ``samples(g)``) when unweighted, ``samples`` is given and
    ``n_g n_ref <= KS_EXACT_MAX_PAIRS``; otherwise the statistic and the effective size
    ``n_g n_ref / (n_g + n_ref)`` go to ``ks_stat[g]`` and ``ks_en[g]`` for the asymptotic
    p-value.
    """
    k = runs.groups.size
    lo = 0
    while lo < k:  # chunks of whole groups, to bound the temporary arrays
        hi = lo + 1
        while hi < k and runs.offsets[hi + 1] - runs.offsets[lo] <= CHUNK_RUNS:
            hi += 1
        other = None
        if ctx.reference is None and rows_total is not None:
            other = rows_total - runs.count[lo:hi]  # rows of the comparison
        res, r_total, n_g, n_r = _compare_chunk(ctx, runs.take(lo, hi), other)
        g = runs.groups[lo:hi]
        out[g] = res
        exact = (r_total * runs.count[lo:hi] <= KS_EXACT_MAX_PAIRS) & (r_total > 0)
        if not (unweighted and samples is not None):
            exact[:] = False
        late = ~exact & (r_total > 0)
        ks_stat[g[late]] = res[late, 4]
        with np.errstate(divide="ignore", invalid="ignore"):
            ks_en[g[late]] = (n_g * n_r / (n_g + n_r))[late]
        for gg in g[exact]:
            x, y = samples(int(gg))  # type: ignore[misc]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out[gg, 7] = float(stats.ks_2samp(x, y, method="exact").pvalue)
        lo = hi


def _compare_chunk(
    ctx: _Context, runs: Runs, other: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The nine columns of the groups of ``runs``; also their comparison mass and the
    effective sizes of both samples. ``other``: row count of each group's comparison, when
    known ("rest" mode), so that an empty or one-row comparison is not read from float noise."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _compare_chunk_unchecked(ctx, runs, other)


def _compare_chunk_unchecked(
    ctx: _Context, runs: Runs, other: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    one_large = ctx.disjoint and runs.unit_mass and runs.groups.size == 1
    if one_large and int(runs.offsets[-1]) > BLOCK_RUNS:
        sums = _sums_by_blocks(ctx, runs)
    else:
        sums = _sums(ctx, runs, other)
    return _columns(ctx, sums), sums.r_total, sums.n_g, sums.n_r


@dataclass(frozen=True)
class _Sums:
    """What the nine columns need of a chunk's runs: one value per group."""

    g_total: np.ndarray  # the group's mass
    r_total: np.ndarray  # the comparison's mass
    n_g: np.ndarray  # Kish effective sizes
    n_r: np.ndarray
    joint_cube: np.ndarray  # sum over the blocks of (group + comparison mass)^3
    auc: np.ndarray
    s10: np.ndarray  # DeLong: variance of the group's placements
    ss01: np.ndarray  # DeLong: weighted sum of squares of the comparison's placements
    ks: np.ndarray


def _sums(ctx: _Context, runs: Runs, other: np.ndarray | None) -> _Sums:
    """:class:`_Sums` of the groups of ``runs`` from arrays of one value per run.

    ``other``: row count of each group's comparison, when known ("rest" mode), so that an
    empty or one-row comparison is not read from float noise.
    """
    # Memory: a large group is a chunk of its own (k == 1) holding several arrays of one value
    # per run; per-group values are then used as scalars, products with a unit mass are
    # skipped and temporaries are reused in place. Every value is computed by the same
    # operations as with full arrays, so the results are identical.
    off = runs.offsets
    k = off.size - 1
    first = off[:-1]
    last = off[1:] - 1
    lengths = np.diff(off)

    def rep(a: np.ndarray) -> Any:  # one value per group -> one per run (a scalar if k == 1)
        return a[0] if k == 1 else np.repeat(a, lengths)

    gm = runs.mass

    def weighted(x: np.ndarray) -> np.ndarray:  # gm * x; x itself when every mass is 1.0
        return x if runs.unit_mass else gm * x

    def seg(x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(x, first)

    # one cumulative array, gathered at adjacent positions (block, block + 1)
    # (row counts may be kept as integers: read as float64, the same values)
    if ctx.identity:  # the rows below block b are b: no gather (the same integers)
        r_below = runs.block.astype(np.float64)
        r_end = r_below + 1.0
    else:
        r_below = ctx.cum[runs.block].astype(np.float64, copy=False)  # mass strictly below each
        # ... and up to its end (the same values when disjoint: one gather of all rows less)
        r_end = r_below if ctx.disjoint else ctx.cum[1:][runs.block].astype(np.float64, copy=False)
    r_in: np.ndarray | None = None  # comparison mass inside each block (None: all zero)
    if ctx.disjoint:  # the terms of a zero r_in below are exact zeros: skipped
        joint_cube = (lengths.astype(np.float64) if runs.unit_mass else seg(_cubes(gm))) + ctx.cube
    elif ctx.reference is not None:  # (before the group's running masses: fewer arrays)
        r_in = r_end - r_below
        both = gm + r_in
        joint_cube = seg(_cubes(both)) + ctx.cube - seg(_cubes(r_in))
        del both
    # group mass up to the end of each of its blocks: one cumulative sum over all runs, each
    # group's start subtracted. Exact for row counts; for weights in extended precision, so
    # that the rounding of the earlier groups' total does not reach a small group.
    if runs.unit_mass:  # one row per run: the running count is the run's rank in its group
        g_le = np.arange(1.0, off[-1] + 1.0)
        if k > 1:  # (one group: its first run is the chunk's first, 0.0 to subtract)
            g_le -= rep(off[:-1].astype(np.float64))
    elif ctx.integer_mass:
        g_le = np.cumsum(gm)
        g_le -= rep(np.concatenate(([0.0], g_le[last[:-1]])))
    else:
        c = np.cumsum(gm, dtype=np.longdouble)
        c -= rep(np.concatenate((np.zeros(1, np.longdouble), c[last[:-1]])))
        g_le = c.astype(np.float64)
        del c
    if runs.unit_mass:
        g_total = lengths.astype(np.float64)
    else:
        g_total = np.add.reduceat(gm, first)  # sequential, as a cumulative sum would end
    g_le[last] = g_total
    g_before = g_le - gm

    if ctx.reference is not None:
        r_total = np.full(k, ctx.cum_total)
        r_sumsq = np.full(k, ctx.ref_sumsq)
    else:
        r_below -= g_before
        r_end -= g_le
        r_in = r_end - r_below
        r_total = ctx.cum_total - g_total
        r_sumsq = ctx.total_sumsq - runs.sumsq
        if other is not None:
            r_total[other <= 0] = 0.0
        joint_cube = np.full(k, ctx.cube)  # blocks hold group + rest = all rows
    n_g = g_total * g_total / runs.sumsq  # Kish effective sizes (= counts without weights)
    n_r = r_total * r_total / r_sumsq
    if other is not None:
        n_r[other == 1] = 1.0  # Kish size of one row, whatever the rounding of the masses
    g_rep = rep(g_total)
    # (in place: the running masses are not needed any more; same divisions, fewer arrays)
    f_end = g_le  # group ECDF at the end of each of its blocks ...
    f_end /= g_rep
    f_before = g_before  # ... and just before it
    f_before /= g_rep
    del g_rep, g_le, g_before

    # --- AUC and DeLong variance -----------------------------------------------------------
    # placement of the group's blocks in the comparison: (below + in / 2) / total
    if r_end is r_below:  # (2 r) c = r (2 c) exactly: 2 r and 2 c are exact, c <= 0.5
        t = r_below * (2.0 * rep(0.5 / r_total))
    else:
        t = r_below + r_end
        t *= rep(0.5 / r_total)
    auc = seg(weighted(t)) / g_total
    t -= rep(auc)
    t *= t
    s10 = np.where(n_g > 1, seg(weighted(t)) / g_total * n_g / (n_g - 1), np.nan)
    # placement of comparison members in the group: 1 below the group's first block,
    # 1 - (f_before + f_end) / 2 inside block k, 1 - f_end between block k and the next
    one_m = 1.0 - auc
    ss01 = r_below[first] * one_m**2
    if r_in is not None:  # (no comparison mass inside the group's blocks: no term)
        np.add(f_before, f_end, out=t)
        t *= -0.5
        t += rep(one_m)
        t *= t
        ss01 += seg(np.multiply(r_in, t, out=t))
    del r_in
    gap = np.empty_like(r_below)  # comparison mass strictly between block k and the next
    np.subtract(r_below[1:], r_end[:-1], out=gap[:-1])
    gap[last] = r_total - r_end[last]
    np.subtract(rep(one_m), f_end, out=t)
    t *= t
    ss01 += seg(np.multiply(gap, t, out=t))
    del gap, t
    # --- KS --------------------------------------------------------------------------------
    rt = rep(r_total)
    q_end = r_end if r_end is r_below else np.divide(r_end, rt, out=r_end)
    q_below = np.divide(r_below, rt, out=r_below)  # (divides q_end too when they are one)
    d = np.subtract(f_before, q_below, out=f_before)  # |f_before - r_below / rt|, in place
    np.abs(d, out=d)
    e = np.subtract(f_end, q_end, out=f_end)  # |f_end - r_end / rt|
    np.abs(e, out=e)
    np.maximum(d, e, out=d)
    del e, rt, q_end, q_below
    ks = np.clip(np.maximum.reduceat(d, first), 0.0, 1.0)
    return _Sums(g_total, r_total, n_g, n_r, joint_cube, auc, s10, ss01, ks)


def _sums_by_blocks(ctx: _Context, runs: Runs) -> _Sums:
    """:func:`_sums` of one group of unit masses against a reference without ties.

    The same operations on the same values as :func:`_sums` (the sums over the group by the
    same ``np.add.reduceat`` of whole arrays, the maximum of the KS distance by block: a
    maximum does not depend on the order), but every array of one value per run except two
    is computed ``BLOCK_RUNS`` at a time: with millions of rows, each of the dozen passes of
    :func:`_sums` over arrays larger than the cache reads and writes main memory, the cause
    of most of the growth of the cost per row with the population.
    """
    m = int(runs.offsets[-1])
    first = runs.offsets[:-1]
    g_total = np.diff(runs.offsets).astype(np.float64)  # (unit masses: the run count)
    r_total = np.full(1, ctx.cum_total)
    n_g = g_total * g_total / runs.sumsq
    n_r = r_total * r_total / np.full(1, ctx.ref_sumsq)
    joint_cube = g_total + ctx.cube
    blocks = [(a, min(a + BLOCK_RUNS, m)) for a in range(0, m, BLOCK_RUNS)]
    # placements of the group's rows in the reference: (2 r_below) (0.5 / r_total)
    r_below = np.empty(m)
    t = np.empty(m)
    c2 = 2.0 * (0.5 / r_total)[0]
    for a, b in blocks:
        np.copyto(r_below[a:b], ctx.cum[runs.block[a:b]])  # (integers, as float64)
        np.multiply(r_below[a:b], c2, out=t[a:b])
    auc = np.add.reduceat(t, first) / g_total
    for a, b in blocks:
        u = t[a:b]
        u -= auc[0]
        u *= u
    s10 = np.where(n_g > 1, np.add.reduceat(t, first) / g_total * n_g / (n_g - 1), np.nan)
    one_m = 1.0 - auc
    ss01 = r_below[first] * one_m**2
    # the reference's placements, from the gaps between the group's rows; the KS distance
    ks_blocks = np.empty(len(blocks))
    for j, (a, b) in enumerate(blocks):
        f_end = np.arange(a + 1.0, b + 1.0)  # the group's ECDF at its rows (as _sums: g_le)
        f_end /= g_total[0]
        gap = np.empty(b - a)
        np.subtract(
            r_below[a + 1 : b + 1], r_below[a : min(b, m - 1)], out=gap[: min(b, m - 1) - a]
        )
        if b == m:
            gap[-1] = r_total[0] - r_below[m - 1]
        u = np.subtract(one_m[0], f_end, out=t[a:b])
        u *= u
        np.multiply(gap, u, out=u)
        q = np.divide(r_below[a:b], r_total[0], out=gap)
        f_before = np.arange(float(a), float(b))  # (as _sums: g_le - 1.0)
        f_before /= g_total[0]
        np.subtract(f_before, q, out=f_before)
        np.abs(f_before, out=f_before)
        np.subtract(f_end, q, out=f_end)
        np.abs(f_end, out=f_end)
        ks_blocks[j] = np.maximum(f_before, f_end, out=f_end).max()
    ss01 += np.add.reduceat(t, first)
    ks = np.clip(np.array([ks_blocks.max()]), 0.0, 1.0)
    return _Sums(g_total, r_total, n_g, n_r, joint_cube, auc, s10, ss01, ks)


def _columns(ctx: _Context, sums: _Sums) -> np.ndarray:
    """The nine threshold-free columns (KS p-value NaN) of each group, from its sums."""
    g_total, r_total, n_g, n_r = sums.g_total, sums.r_total, sums.n_g, sums.n_r
    auc, s10, ss01, ks, joint_cube = sums.auc, sums.s10, sums.ss01, sums.ks, sums.joint_cube
    k = auc.size
    one_m = 1.0 - auc
    s01 = np.where(n_r > 1, ss01 / r_total * n_r / (n_r - 1), np.nan)
    var = s10 / n_g + s01 / n_r
    logit = np.isfinite(var) & (var > 0) & (auc > 0.0) & (auc < 1.0)
    se_logit = np.sqrt(var) / (auc * one_m)
    lg = np.log(auc / one_m)
    auc_low = special.expit(lg - ctx.z * se_logit)
    auc_high = special.expit(lg + ctx.z * se_logit)
    # Birnbaum-McCarty bound, Wilson-type inversion, where the delta method has nothing to say
    lw, hg = _wilson(auc, np.minimum(n_g, n_r), ctx.z)
    auc_low = np.where(logit, auc_low, lw)
    auc_high = np.where(logit, auc_high, hg)

    # Mann-Whitney p-value (null variance, tie-corrected, continuity-corrected)
    n_all = n_g + n_r
    scale = n_all / (g_total + r_total)  # masses -> effective counts
    tie_term = scale**3 * joint_cube - n_all
    mn = n_g * n_r
    var_u = mn / 12.0 * ((n_all + 1.0) - tie_term / (n_all * (n_all - 1.0)))
    num = mn * np.abs(auc - 0.5) - 0.5
    zu = np.where(var_u > 0, num / np.sqrt(var_u), np.where(num <= 0, -np.inf, np.inf))
    auc_p = np.minimum(1.0, 2.0 * special.ndtr(-zu))

    eps = math.sqrt(math.log(4.0 / ctx.alpha) / 2.0) * (1.0 / np.sqrt(n_g) + 1.0 / np.sqrt(n_r))

    res = np.column_stack(
        [
            auc,
            auc_low,
            auc_high,
            auc_p,
            ks,
            np.maximum(0.0, ks - eps),
            np.minimum(1.0, ks + eps),
            np.full(k, np.nan),
            np.where(np.isfinite(var), np.sqrt(var), np.nan),
        ]
    )
    res[~(r_total > 0)] = np.nan
    return res
