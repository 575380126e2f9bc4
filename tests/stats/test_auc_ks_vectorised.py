"""The vectorised AUC/KS kernel against the former group-by-group implementation and scipy.

``_old_threshold_free`` and ``_old_threshold_free_counts`` are the implementation replaced by
:mod:`scoreaudit.stats._auc_ks` (one Python iteration per group), kept here verbatim as the
oracle: the new one must give the same numbers to 1e-12 on random data, ties, weights and
both comparison modes included. scipy's Mann-Whitney and two-sample KS are the independent
references.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special, stats

from scoreaudit.engines._sql_tf import threshold_free_weighted_counts
from scoreaudit.stats import _auc_ks
from scoreaudit.stats.distribution import (
    KS_EXACT_MAX_PAIRS,
    _check_codes,
    _check_weights,
    _cube_sum,
    _dot,
    _ks_asymptotic,
    _sorted_codes,
    _start,
    _wilson,
    rank_scores,
    threshold_free,
    threshold_free_counts,
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# ----------------------------------------------------------------------------------------------
# the former implementation (oracle)


@dataclass(frozen=True)
class _OldContext:
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
    ctx: _OldContext,
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


def _old_threshold_free(ranking, codes, n_groups, reference, *, weights=None, confidence=0.95):
    n = ranking.n
    codes = _check_codes(codes, n, n_groups)
    w = _check_weights(weights, n)
    z, alpha, out, result = _start(confidence, reference, n_groups)
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
    ctx = _OldContext(
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


def _old_threshold_free_counts(values, counts, reference, *, confidence=0.95):
    values = np.asarray(values, dtype=np.float64)
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != values.shape[0]:
        raise ValueError(
            f"counts must have one row per distinct score ({values.shape[0]}); "
            f"got shape {counts.shape}."
        )
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
    ctx = _OldContext(
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


# ----------------------------------------------------------------------------------------------
# tests


@st.composite
def grouped(draw, max_rows: int = 80, max_groups: int = 6):
    """Scores (ties, heavy ties, continuous), group codes (some groups possibly empty), weights."""
    n = draw(st.integers(1, max_rows))
    n_groups = draw(st.integers(1, max_groups))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["ties", "heavy_ties", "continuous"]))
    if kind == "ties":
        scores = rng.integers(0, 6, n).astype(float)
    elif kind == "heavy_ties":
        scores = rng.integers(0, 2, n).astype(float)
    else:
        scores = rng.normal(size=n)
    codes = rng.integers(0, n_groups, n)
    weights = rng.uniform(0.2, 3.0, n)
    return scores, codes, n_groups, weights


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=1e-12, equal_nan=True)


@SETTINGS
@given(grouped())
def test_rows_equal_former_implementation(data) -> None:
    scores, codes, n_groups, weights = data
    ranking = rank_scores(scores)
    sizes = np.bincount(codes, minlength=n_groups)
    for reference in (None, *range(n_groups)):
        for w in (None, weights):
            new = threshold_free(ranking, codes, n_groups, reference, weights=w)
            if reference is None and sizes.max() == codes.size:
                # one group holds every row: nothing to compare with (the former
                # implementation divided by float noise or zero there)
                assert new.isna().all().all()
                continue
            old = _old_threshold_free(ranking, codes, n_groups, reference, weights=w)
            if reference is None and w is not None:
                # a one-row comparison: its Kish size is 1 exactly now (it was read from the
                # rounding of total - group masses before); point estimates unchanged
                one = sizes == codes.size - 1
                _same(new.loc[one, ["auc", "ks"]], old.loc[one, ["auc", "ks"]])
                new, old = new.loc[~one], old.loc[~one]
            _same(new, old)


@SETTINGS
@given(grouped())
def test_counts_equal_former_implementation_and_rows(data) -> None:
    scores, codes, n_groups, _ = data
    values, level = np.unique(scores, return_inverse=True)
    counts = np.zeros((values.size, n_groups), dtype=np.int64)
    np.add.at(counts, (level, codes), 1)
    ranking = rank_scores(scores)
    for reference in (None, *range(n_groups)):
        new = threshold_free_counts(values, counts, reference)
        _same(new, _old_threshold_free_counts(values, counts, reference))
        _same(new, threshold_free(ranking, codes, n_groups, reference))


@SETTINGS
@given(grouped())
def test_weighted_counts_equal_rows(data) -> None:
    scores, codes, n_groups, weights = data
    values, level = np.unique(scores, return_inverse=True)
    mass = np.zeros((values.size, n_groups))
    np.add.at(mass, (level, codes), weights)
    sumsq = np.bincount(codes, weights=weights * weights, minlength=n_groups)
    rows = np.bincount(codes, minlength=n_groups)
    ranking = rank_scores(scores)
    for reference in (None, *range(n_groups)):
        if reference is not None and rows[reference] == 0:
            continue
        a = threshold_free_weighted_counts(values, mass, sumsq, rows, reference)
        b = threshold_free(ranking, codes, n_groups, reference, weights=weights)
        np.testing.assert_allclose(
            a.to_numpy(), b.to_numpy(), rtol=1e-10, atol=1e-12, equal_nan=True
        )


@SETTINGS
@given(grouped(max_rows=120))
def test_against_scipy_mannwhitneyu_and_ks_2samp(data) -> None:
    scores, codes, n_groups, _ = data
    t_rest = threshold_free(rank_scores(scores), codes, n_groups, None)
    for g in range(n_groups):
        x, y = scores[codes == g], scores[codes != g]
        row = t_rest.loc[g]
        if x.size == 0 or y.size == 0:
            assert row.isna().all()
            continue
        mw = stats.mannwhitneyu(x, y, method="asymptotic")
        assert math.isclose(row.auc, mw.statistic / (x.size * y.size), rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(row.auc_p_value, float(mw.pvalue), rel_tol=1e-9, abs_tol=1e-12)
        ks = stats.ks_2samp(x, y, method="exact")
        assert math.isclose(row.ks, float(ks.statistic), rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(row.ks_p_value, float(ks.pvalue), rel_tol=1e-9, abs_tol=1e-12)


def test_chunks_give_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups split over several chunks of runs (one group larger than a chunk) change nothing."""
    rng = np.random.default_rng(7)
    n = 5_000
    scores = np.round(rng.normal(size=n), 2)
    codes = rng.choice(5, n, p=[0.6, 0.2, 0.1, 0.07, 0.03])
    weights = rng.uniform(0.5, 2.0, n)
    ranking = rank_scores(scores)
    whole = [
        threshold_free(ranking, codes, 5, ref, weights=w)
        for ref in (None, 1)
        for w in (None, weights)
    ]
    monkeypatch.setattr(_auc_ks, "CHUNK_RUNS", 50)
    parts = [
        threshold_free(ranking, codes, 5, ref, weights=w)
        for ref in (None, 1)
        for w in (None, weights)
    ]
    for a, b in zip(whole, parts, strict=True):
        _same(a, b)


def test_large_groups_use_asymptotic_ks_like_before() -> None:
    """Above KS_EXACT_MAX_PAIRS the asymptotic p-value, as the former implementation."""
    rng = np.random.default_rng(3)
    n = 4_000
    scores = rng.normal(size=n)
    codes = (rng.random(n) < 0.5).astype(np.int64)
    assert (codes == 0).sum() * (codes == 1).sum() > KS_EXACT_MAX_PAIRS
    ranking = rank_scores(scores)
    _same(threshold_free(ranking, codes, 2, 0), _old_threshold_free(ranking, codes, 2, 0))


def test_reference_without_ties_skips_only_zero_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a reference, with no tied scores, a compared group's tie block holds no
    reference mass: the kernel then skips that mass's terms (``disjoint``). The full
    computation on the same context gives the same numbers bit for bit."""
    from scoreaudit.stats import distribution

    rng = np.random.default_rng(11)
    n = 3_000
    scores = rng.normal(size=n)
    codes = rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])
    weights = rng.uniform(0.5, 2.0, n)
    ranking = rank_scores(scores)
    cases = [(ref, w) for ref in range(4) for w in (None, weights)]
    seen = []
    real = distribution.compare_runs

    def spy(ctx, *args, **kwargs):
        seen.append(ctx.disjoint)
        return real(ctx, *args, **kwargs)

    monkeypatch.setattr(distribution, "compare_runs", spy)
    fast = [threshold_free(ranking, codes, 4, ref, weights=w) for ref, w in cases]
    assert seen == [True] * len(cases)

    def full(ctx, *args, **kwargs):
        return real(dataclasses.replace(ctx, disjoint=False), *args, **kwargs)

    monkeypatch.setattr(distribution, "compare_runs", full)
    for (ref, w), a in zip(cases, fast, strict=True):
        b = threshold_free(ranking, codes, 4, ref, weights=w)
        np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    tied = rank_scores(np.round(scores, 1))  # with ties the shortcut is not taken
    monkeypatch.setattr(distribution, "compare_runs", spy)
    seen.clear()
    threshold_free(tied, codes, 4, 0)
    threshold_free(ranking, codes, 4, None)
    assert seen == [False, False]


@SETTINGS
@given(
    st.integers(0, 300),
    st.integers(1, 8),
    st.integers(1, 64),
    st.sampled_from([np.uint8, np.int64]),
)
def test_group_sizes_in_slices_equal_one_bincount(n, n_groups, step, dtype) -> None:
    """Rows per group counted a slice at a time: numpy's one bincount, whole numbers."""
    from scoreaudit.stats.distribution import _group_sizes

    codes = np.random.default_rng(n * 31 + step).integers(0, n_groups, n).astype(dtype)
    got = _group_sizes(codes, n_groups, step=step)
    assert got.dtype == np.int64
    assert got.tolist() == np.bincount(codes, minlength=n_groups).tolist()
