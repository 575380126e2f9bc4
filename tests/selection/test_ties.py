"""Tie treatment at the cut-off, budget rounding, order invariance and the Holm family rule.

Expected values are computed by hand or by straightforward row-level implementations written
here (pure Python over rows, exact fractions), never by the functions under test.
"""

from __future__ import annotations

import math
import pathlib
import re
import tempfile
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

import scoreaudit as sa
from scoreaudit.report.manifest import VOLATILE_FIELDS
from scoreaudit.report.writer import write_report
from scoreaudit.selection.policies import Budget, Ranking
from scoreaudit.selection.ties import (
    allocate,
    allocate_many,
    budget_count,
    lottery_ratio_range,
)
from scoreaudit.stats import metrics as M

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)


# ----------------------------------------------------------------------------------------------
# allocation


def test_allocate_hand_computed():
    # 5 of 10 tied among groups of 5, 3, 2: bases 2, 1, 1; remainders 5, 5, 0 -> the earlier
    # of the two equal remainders gets the leftover unit
    assert allocate(np.array([5, 3, 2]), 5).tolist() == [3, 1, 1]
    # 4 of 6 among 2, 2, 2: bases 1, 1, 1; remainders 2, 2, 2 -> first group
    assert allocate(np.array([2, 2, 2]), 4).tolist() == [2, 1, 1]
    # a group of 0 never receives a file
    assert allocate(np.array([0, 3, 1]), 2).tolist() == [0, 2, 0]
    assert allocate(np.array([7]), 7).tolist() == [7]


def _largest_remainder(tied: list[int], r: int) -> list[int]:
    """Hamilton's method in exact fractions, ties to the earlier group."""
    m = sum(tied)
    quotas = [Fraction(t * r, m) for t in tied]
    base = [math.floor(q) for q in quotas]
    left = r - sum(base)
    by_rem = sorted(range(len(tied)), key=lambda i: (-(quotas[i] - base[i]), i))
    for i in by_rem[:left]:
        base[i] += 1
    return base


@SETTINGS
@given(st.lists(st.integers(0, 50), min_size=1, max_size=8), st.data())
def test_allocate_many_is_largest_remainder(tied, data):
    m = sum(tied)
    r = data.draw(st.integers(0, m))
    expected = _largest_remainder(tied, r) if m else [0] * len(tied)
    assert allocate(np.array(tied), r).tolist() == expected
    many = allocate_many(np.array([tied, tied]), np.array([r, r]))
    assert many.tolist() == [expected, expected]


def test_random_allocation_is_numpy_multivariate_hypergeometric():
    tied = np.array([4, 0, 9, 3])
    got = allocate(tied, 7, method="random", random_state=5)
    want = np.random.default_rng(5).multivariate_hypergeometric(tied, 7)
    assert got.tolist() == want.tolist()
    assert got.sum() == 7


# ----------------------------------------------------------------------------------------------
# budget rounding


def _round_half_up(share: float, n: int) -> int:
    return math.floor(Fraction(repr(share)) * n + Fraction(1, 2))


def test_budget_rounding_large_n_without_rows():
    assert budget_count(0.05, 50_000_009) == 2_500_000  # 2,500,000.45
    assert budget_count(0.29, 50) == 15  # 14.5 (14.499999... in binary floating point)
    assert budget_count(0.8999999999999999, 395) == 355  # 355.4999999999999605
    # the ranking's count path on 50,000,009 virtual rows (broadcast arrays: no allocation)
    n = 50_000_009
    virtual = Ranking(
        order=np.broadcast_to(np.int64(0), (n,)),
        sorted_scores=np.broadcast_to(np.float64(0), (n,)),
        cum_weight=np.broadcast_to(np.float64(n), (n,)),
        ties="proportional",
    )
    assert virtual.count_for_share(np.array([0.05, 0.5]))[0] == 2_500_000
    assert virtual.count_for_share(np.array([0.05, 0.5]))[1] == 25_000_005  # .5 rounds up


@SETTINGS
@given(st.floats(0.0001, 1.0), st.integers(1, 10**9))
def test_budget_rounding_is_round_half_up_of_the_written_share(share, n):
    assert budget_count(share, n) == _round_half_up(share, n)


# ----------------------------------------------------------------------------------------------
# straightforward reference implementation (rows, pure Python)


def _reference_selection(scores, cells, labels, weights, share):
    """Per (cell, label) expected selected files and weight under the documented rule."""
    n = len(scores)
    groups = [
        (c, 2 if not math.isfinite(y) else int(y)) for c, y in zip(cells, labels, strict=True)
    ]
    levels = sorted(set(scores), reverse=True)
    sel_n, sel_w = {}, {}
    for g in set(groups):
        sel_n[g] = Fraction(0)
        sel_w[g] = 0.0
    if weights is None:
        k = _round_half_up(share, n)
        above = 0
        for lev in levels:
            at = [i for i in range(n) if scores[i] == lev]
            if above + len(at) >= k:
                break
            above += len(at)
        for i in range(n):
            if scores[i] > lev:
                sel_n[groups[i]] += 1
        order = sorted({groups[i] for i in at})
        tied = [sum(1 for i in at if groups[i] == g) for g in order]
        alloc = _largest_remainder(tied, k - above)
        for g, a in zip(order, alloc, strict=True):
            sel_n[g] += a
        return {g: float(v) for g, v in sel_n.items()}, None
    total = Fraction(0)
    for w in weights:
        total += Fraction(w)
    target = Fraction(repr(share)) * total
    above_w = Fraction(0)
    for lev in levels:
        at = [i for i in range(n) if scores[i] == lev]
        lw = sum((Fraction(weights[i]) for i in at), Fraction(0))
        if above_w + lw >= target:
            break
        above_w += lw
    f = min(max((target - above_w) / lw, Fraction(0)), Fraction(1))
    for i in range(n):
        part = Fraction(1) if scores[i] > lev else (f if scores[i] == lev else Fraction(0))
        sel_n[groups[i]] += part
        sel_w[groups[i]] += float(part * Fraction(weights[i]))
    return {g: float(v) for g, v in sel_n.items()}, sel_w


def _random_population(seed, n, weighted, labelled, distinct=6):
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
            "h": rng.choice(["u", "v"], n),
            "score": rng.integers(0, distinct, n).astype(float),
        }
    )
    kw = {}
    if labelled:
        f["y"] = rng.choice([0.0, 1.0, np.nan], n, p=[0.5, 0.3, 0.2])
        kw["label"] = "y"
    if weighted:
        f["w"] = rng.integers(1, 8, n) / 4.0  # dyadic: sums exact in any order
        kw["weight"] = "w"
    f.loc[0, ["g", "h"]] = ["a", "u"]
    f.loc[1, ["g", "h"]] = ["b", "v"]
    return f, kw


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("labelled", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_optimised_path_equals_row_level_reference(seed, weighted, labelled):
    f, kw = _random_population(seed, 300 + 37 * seed, weighted, labelled)
    share = [0.1, 0.27, 0.05][seed]
    pop = sa.Population(f, protected=["g", "h"], **kw)
    res = sa.audit(pop, "score", sa.Budget(share=share), budgets=[share, 0.5], min_cell=0)
    cell_keys = sorted(set(zip(f["g"], f["h"], strict=True)))
    cells = [cell_keys.index(k) for k in zip(f["g"], f["h"], strict=True)]
    labels = f["y"].tolist() if labelled else [0.0] * len(f)
    weights = f["w"].tolist() if weighted else None
    for b in (share, 0.5):
        exp_n, exp_w = _reference_selection(f["score"].tolist(), cells, labels, weights, b)
        # per attribute group: sum the (cell, label) expectations
        curve = res.curve[res.curve["budget"] == b].set_index(["attribute", "group"])
        for attr, pos in (("g", 0), ("h", 1), ("g × h", None)):
            for grp in curve.loc[attr].index:
                want_n = sum(
                    v
                    for (c, _), v in exp_n.items()
                    if (cell_keys[c][pos] if pos is not None else " × ".join(cell_keys[c])) == grp
                )
                assert curve.loc[(attr, grp), "selected"] == round(want_n)
                base = f[(f[attr] if pos is not None else f["g"] + " × " + f["h"]) == grp]
                if weighted:
                    want_w = sum(
                        v
                        for (c, _), v in exp_w.items()
                        if (cell_keys[c][pos] if pos is not None else " × ".join(cell_keys[c]))
                        == grp
                    )
                    rate = want_w / base["w"].sum()
                else:
                    rate = want_n / len(base)
                assert curve.loc[(attr, grp), "selection_rate"] == pytest.approx(rate, abs=1e-12)
                if b == share:
                    gr = res.groups.set_index(["attribute", "group"]).loc[(attr, grp)]
                    assert gr["selection_rate"] == pytest.approx(rate, abs=1e-12)
        if labelled and b == share and not weighted:
            g = res.groups.set_index(["attribute", "group"])
            for grp in ("a", "b", "c"):
                want = sum(v for (c, y), v in exp_n.items() if cell_keys[c][0] == grp and y == 1)
                rows = f["g"] == grp
                tp = g.loc[("g", grp), "tpr"] * (rows & (f["y"] == 1)).sum()
                assert tp == pytest.approx(want, abs=1e-9)
    # the row mask realises the published counts (unweighted)
    if not weighted:
        assert res.selected.sum() == _round_half_up(share, len(f))


def test_proportional_hand_example():
    # 3 files score 2 (all selected), 6 tie at 1: 4 women, 2 men; budget 5 of 10 -> r = 2 of
    # 6 tied: women 4*2/6 = 1.33 -> 1, men 2*2/6 = 0.67 -> 0, leftover to the men (rem 4 > 2)
    f = pd.DataFrame(
        {
            "gender": ["w", "m", "w", "w", "w", "w", "w", "m", "m", "m"],
            "score": [2.0, 2.0, 2.0, 1, 1, 1, 1, 1, 1, 0],
        }
    )
    pop = sa.Population(f, protected=["gender"])
    res = sa.audit(pop, "score", sa.Budget(share=0.5), reference={"gender": "m"})
    g = res.groups.set_index("group")
    assert g.loc["w", "selected"] == 2 + 1
    assert g.loc["m", "selected"] == 1 + 1
    assert res.selection.tied_at_cutoff == 6 and res.selection.tied_selected == 2
    assert res.config["policy"]["ties"] == "proportional"
    # the row mask: first allocated tied rows of each group in row order
    assert np.flatnonzero(res.selected).tolist() == [0, 1, 2, 3, 7]
    lo, hi = res.disparities.loc[0, ["ratio_lottery_low", "ratio_lottery_high"]]
    # women tied selections X ~ H(6, 4, 2): 0, 1, 2 with p 1/15, 8/15, 6/15; men get 2 - X
    # ratio = ((2 + X) / 6) / ((1 + 2 - X) / 4): 2.5% -> X = 0 (4/9), 97.5% -> X = 2 (8/3)
    assert lo == pytest.approx((2 / 6) / (3 / 4))
    assert hi == pytest.approx((4 / 6) / (1 / 4))


def test_ties_all_and_random_are_order_invariant_counts():
    f, _ = _random_population(3, 400, False, False)
    perm = np.random.default_rng(9).permutation(len(f))
    for ties in ("random", "all"):
        a = sa.audit(sa.Population(f, protected=["g", "h"]), "score", sa.Budget(0.1, ties=ties))
        fp = f.iloc[perm].reset_index(drop=True)
        b = sa.audit(sa.Population(fp, protected=["g", "h"]), "score", sa.Budget(0.1, ties=ties))
        pd.testing.assert_frame_equal(a.groups, b.groups)
    all_ = sa.audit(sa.Population(f, protected=["g"]), "score", sa.Budget(0.1, ties="all"))
    cut = all_.selection.cutoff
    assert all_.selected.sum() == (f["score"] >= cut).sum()


def test_lottery_range_matches_simulation():
    # group 30 tied, reference 50 tied, others 20; 40 of 100 tied drawn
    a_g, t_g, n_g, a_r, t_r, n_r, m, r = 12, 30, 200, 25, 50, 300, 100, 40
    lo, hi = lottery_ratio_range([a_g], [t_g], [n_g], [a_r], [t_r], [n_r], m, r, rest=False)
    rng = np.random.default_rng(0)
    draws = rng.multivariate_hypergeometric([t_g, t_r, m - t_g - t_r], r, size=200_000)
    ratio = ((a_g + draws[:, 0]) / n_g) / ((a_r + draws[:, 1]) / n_r)
    want_lo, want_hi = np.quantile(ratio, [0.025, 0.975], method="inverted_cdf")
    assert lo[0] == pytest.approx(want_lo, rel=0.02)
    assert hi[0] == pytest.approx(want_hi, rel=0.02)
    # no split tie block: NaN
    lo, hi = lottery_ratio_range([1], [0], [10], [1], [0], [10], 5, 5, rest=True)
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def _exact_lottery_quantiles(a_g, t_g, n_g, a_r, t_r, n_r, m, r, q):
    """Lower inverse-CDF quantiles of the ratio by enumerating the joint law (scipy)."""
    from scipy.stats import hypergeom

    xg = np.arange(max(0, r - (m - t_g)), min(t_g, r) + 1)  # the support of X_g
    pg = hypergeom.pmf(xg, m, t_g, r)
    vals, probs = [], []
    for x, p in zip(xg, pg, strict=True):
        xr = np.arange(max(0, r - x - (m - t_g - t_r)), min(t_r, r - x) + 1)
        pr = hypergeom.pmf(xr, m - t_g, t_r, r - x)
        with np.errstate(divide="ignore", invalid="ignore"):
            vals.append(((a_g + x) / n_g) / ((a_r + xr) / n_r))
        probs.append(p * pr)
    v, p = np.concatenate(vals), np.concatenate(probs)
    p = np.where(np.isnan(v), 0.0, p)  # 0/0: no ratio, no weight
    order = np.argsort(np.where(np.isnan(v), np.inf, v), kind="stable")
    cdf = np.cumsum(p[order])
    got = [v[order][np.searchsorted(cdf / cdf[-1], level - 1e-12)] for level in q]
    return [x if np.isfinite(x) else np.nan for x in got]  # an infinite ratio is not published


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(st.integers(0, 2**32 - 1))
def test_lottery_range_blocks_and_exact_enumeration(seed):
    # comparisons computed one row per block equal one pass; small tie blocks equal the
    # exact enumeration of the joint hypergeometric law
    import scoreaudit.selection.ties as ties

    rng = np.random.default_rng(seed)
    k, m = int(rng.integers(1, 6)), int(rng.integers(4, 60))
    r = int(rng.integers(1, m))
    t_g = rng.integers(0, m // 2 + 1, k)
    t_r = np.array([rng.integers(0, m - t + 1) for t in t_g])
    n_g, n_r = t_g + rng.integers(1, 50, k), t_r + rng.integers(1, 50, k)
    a_g, a_r = rng.integers(0, n_g - t_g + 1), rng.integers(0, n_r - t_r + 1)
    args = (a_g, t_g, n_g, a_r, t_r, n_r, m, r)
    q = (0.025, 0.975)
    whole = lottery_ratio_range(*args, rest=False, q=q)
    saved = ties._BLOCK
    ties._BLOCK = 1
    try:
        blocks = lottery_ratio_range(*args, rest=False, q=q)
    finally:
        ties._BLOCK = saved
    np.testing.assert_array_equal(np.asarray(whole), np.asarray(blocks))
    for i in range(k):
        want = _exact_lottery_quantiles(*(int(v[i]) for v in args[:6]), m, r, q)
        assert whole[0][i] == pytest.approx(want[0], rel=1e-12, nan_ok=True)
        assert whole[1][i] == pytest.approx(want[1], rel=1e-12, nan_ok=True)


def _whole_grid_lottery(a_g, t_g, n_g, a_r, t_r, n_r, m, r, q):
    """The lottery range on every comparison's whole (X_g, X_r) grids in one pass: the
    straightforward computation the row blocks of ties.lottery_ratio_range must equal."""
    import scoreaudit.selection.ties as ties

    a_g, t_g, n_g, a_r, t_r, n_r = (np.asarray(v, np.int64) for v in (a_g, t_g, n_g, a_r, t_r, n_r))
    r_arr = np.full(a_g.size, r, dtype=np.int64)
    xg, vg, _ = ties._grid(*ties._bounds(m, t_g, r_arr))
    lf = ties._log_factorials(m)
    pg = np.where(vg, ties._hypergeom_pmf(lf, xg, m, t_g[:, None], r), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_g = (a_g[:, None] + xg) / n_g[:, None]
        rest_m, left = m - t_g[:, None], r - xg
        lo, hi = ties._bounds(rest_m, t_r[:, None], left)
        lo, hi = np.where(vg, lo, hi.max()).min(axis=1), np.where(vg, hi, 0).max(axis=1)
        xr, vr, _ = ties._grid(lo, np.maximum(hi, lo))
        pr = ties._hypergeom_pmf(lf, xr[:, None, :], rest_m[:, :, None], t_r[:, None, None],
                                 left[:, :, None])  # fmt: skip
        pmf = (pg[:, :, None] * (pr * vr[:, None, :])).reshape(a_g.size, -1)
        rate_r = (a_r[:, None, None] + xr[:, None, :]) / n_r[:, None, None]
        vals = (rate_g[:, :, None] / rate_r).reshape(a_g.size, -1)
        return ties._ratio_quantiles(vals, pmf, q)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 50, 1 << 20]))
def test_lottery_range_row_blocks_equal_the_whole_grids(seed, block):
    # many comparisons have a group or a reference without tied files (one value of X_g or
    # X_r): computing each block on its rows' widths only gives the numbers of the whole grids
    import scoreaudit.selection.ties as ties

    rng = np.random.default_rng(seed)
    k, m = int(rng.integers(1, 30)), int(rng.integers(4, 3000))
    r = int(rng.integers(1, m))
    t_g = np.where(rng.random(k) < 0.5, 0, rng.integers(0, m // 2 + 1, k))
    t_r = np.array([0 if rng.random() < 0.3 else rng.integers(0, m - t + 1) for t in t_g])
    n_g, n_r = t_g + rng.integers(0, 500, k), t_r + rng.integers(0, 500, k)
    a_g, a_r = rng.integers(0, n_g - t_g + 1), rng.integers(0, n_r - t_r + 1)
    args = (a_g, t_g, n_g, a_r, t_r, n_r, m, r)
    q = (0.025, 0.975)
    saved = ties._BLOCK
    ties._BLOCK = block
    try:
        got = lottery_ratio_range(*args, rest=False, q=q)
    finally:
        ties._BLOCK = saved
    np.testing.assert_array_equal(np.asarray(got), np.asarray(_whole_grid_lottery(*args, q)))


def test_lottery_bounds_and_grid_known_answers():
    import scoreaudit.selection.ties as ties

    # H(1000, 10, 20): mean 0.2, sd sqrt(20 x 0.01 x 0.99 x 980/999) = 0.4405; 8 sd + 1 above
    # the mean ends at ceil(0.2 + 3.52 + 1) = 5, below the support's top (10)
    lo, hi = ties._bounds(1000, 10, 20)
    assert (int(lo), int(hi)) == (0, 5)
    # H(100, 95, 50): at least 50 - 5 = 45 of the group drawn (the support's bottom binds);
    # mean 47.5, sd 1.0963: the top is the draw itself (50)
    lo, hi = ties._bounds(100, 95, 50)
    assert (int(lo), int(hi)) == (45, 50)
    # a range of 400 values is evaluated every 2nd value: 200 values from 1,000
    x, valid, step = ties._grid(np.array([1000]), np.array([1399]))
    assert step == 2 and x.shape == (1, 200) and x[0, :3].tolist() == [1000, 1002, 1004]
    assert bool(valid.all())
    x, valid, step = ties._grid(np.array([3, 7]), np.array([5, 7]))
    assert step == 1 and x.tolist() == [[3, 4, 5], [7, 8, 9]]
    assert valid.tolist() == [[True, True, True], [True, False, False]]


def test_lottery_range_nan_when_no_tied_file_is_drawn():
    lo, hi = lottery_ratio_range([1], [3], [10], [1], [3], [10], 8, 0, rest=False)
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def _exact_rest_quantiles(a_g, t_g, n_g, a_r, n_r, m, r, q):
    """ "rest" mode by enumeration (scipy): X ~ H(m, t_g, r), the rest gets r - X."""
    from scipy.stats import hypergeom

    x = np.arange(max(0, r - (m - t_g)), min(t_g, r) + 1)
    p = hypergeom.pmf(x, m, t_g, r)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = ((a_g + x) / n_g) / ((a_r + r - x) / n_r)
    p = np.where(np.isnan(v), 0.0, p)
    order = np.argsort(np.where(np.isnan(v), np.inf, v), kind="stable")
    cdf = np.cumsum(p[order])
    got = [v[order][np.searchsorted(cdf / cdf[-1], level - 1e-12)] for level in q]
    return [g if np.isfinite(g) else np.nan for g in got]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.integers(0, 2**32 - 1))
def test_lottery_range_rest_mode_equals_exact_enumeration(seed):
    # each group against every other file: the rest's tied selections are r - X_g
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 80))
    r = int(rng.integers(1, m))
    k = int(rng.integers(1, 5))
    t_g = rng.integers(0, m + 1, k)
    n_g = t_g + rng.integers(1, 40, k)
    a_g = rng.integers(0, n_g - t_g + 1)
    n_r = (m - t_g) + rng.integers(1, 60, k)
    a_r = rng.integers(0, n_r - (m - t_g) + 1)
    q = (0.025, 0.975)
    lo, hi = lottery_ratio_range(a_g, t_g, n_g, a_r, m - t_g, n_r, m, r, rest=True, q=q)
    for i in range(k):
        want = _exact_rest_quantiles(int(a_g[i]), int(t_g[i]), int(n_g[i]), int(a_r[i]),
                                     int(n_r[i]), m, r, q)  # fmt: skip
        assert lo[i] == pytest.approx(want[0], rel=1e-12, nan_ok=True)
        assert hi[i] == pytest.approx(want[1], rel=1e-12, nan_ok=True)


# ----------------------------------------------------------------------------------------------
# order invariance of results.json


def _json_bytes(res) -> bytes:
    """results.json as write_report writes it, without the manifest's run time (the one
    field documented as volatile, report.manifest.VOLATILE_FIELDS)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = write_report(res, pathlib.Path(tmp) / "rep", formats=("json",))
        data = (pathlib.Path(out) / "results.json").read_bytes()
    assert VOLATILE_FIELDS == ("time",)
    return re.sub(rb'\n *"time": "[^"]*"', b"", data)


def test_results_json_is_row_order_invariant_random_data():
    f, kw = _random_population(11, 3000, True, True, distinct=5)
    perm = np.random.default_rng(1).permutation(len(f))
    fp = f.iloc[perm].reset_index(drop=True)
    out = []
    for frame in (f, fp):
        pop = sa.Population(frame, protected=["g", "h"], **kw)
        res = sa.audit(pop, "score", sa.Budget(share=0.07), reference={"g": "a"}, bootstrap=0)
        out.append(_json_bytes(res))
    assert out[0] == out[1]


def test_results_json_is_row_order_invariant_shipped_scorecard():
    frame = pd.read_parquet("data/synthetic/c2sg_100k.parquet").iloc[:20_000]
    perm = np.random.default_rng(2).permutation(len(frame))
    model = sa.examples.model("c2sg-no-protected")
    out = []
    for fr in (frame.reset_index(drop=True), frame.iloc[perm].reset_index(drop=True)):
        pop = sa.Population(fr, protected=["gender", "age_band", "family_status"])
        res = sa.audit(pop, model, sa.Budget(share=0.05), reference={"gender": "man"})
        out.append(_json_bytes(res))
    assert res.selection.tied_at_cutoff > res.selection.tied_selected > 0  # ties decide
    assert out[0] == out[1]


# ----------------------------------------------------------------------------------------------
# bootstrap and Holm family


def test_bootstrap_interval_not_degenerate_with_zero_cell():
    f = pd.DataFrame(
        {"g": ["a"] * 40 + ["b"] * 40, "score": np.r_[np.linspace(0, 1, 40), np.linspace(2, 3, 40)]}
    )
    res = sa.audit(
        sa.Population(f, protected=["g"]),
        "score",
        sa.Budget(share=0.1),
        reference={"g": "b"},
        bootstrap=500,
        min_cell=0,
    )
    d = res.disparities.iloc[0]
    assert d["ratio"] == 0.0  # group a has no selected file
    assert d["ratio_boot_low"] == 0.0 or d["ratio_boot_low"] < d["ratio_boot_high"]
    assert d["ratio_boot_high"] > 0.05  # not the zero-width [0, 0] of a plain binomial redraw


def test_binary_attribute_is_one_test_in_the_family():
    keys = M.comparison_family(
        ["s", "s", "a", "a", "a"], ["w", "m", "x", "y", "z"], [2, 2, 3, 3, 3]
    )
    assert len(set(keys)) == 4
    # keys never collide across attribute/group boundaries ("ag" + "ea" vs "age" + "a")
    assert len(set(M.comparison_family(["ag", "age"], ["ea", "a"], [3, 3]))) == 2
    f, _ = _random_population(4, 600, False, False)
    res = sa.audit(
        sa.Population(f, protected=["g", "h"]), "score", sa.Budget(0.2), reference="rest"
    )
    d = res.disparities
    # distinct tests: h (binary) once, g's 3 groups, g × h's 6 groups
    tests = pd.concat([d[d["attribute"] != "h"], d[d["attribute"] == "h"].iloc[:1]])
    want = multipletests(tests["p_value"], method="holm")[1]
    got = tests["p_adjusted"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    h = d[d["attribute"] == "h"]
    assert h["p_adjusted"].nunique() == 1


def test_dense_codes_equal_numpy_unique_on_random_codes():
    # small non-negative codes take the bincount path; large or negative ones numpy's sort
    from scoreaudit.selection.policies import _dense_codes

    rng = np.random.default_rng(5)
    for size, low, high in [(1, 0, 3), (50, 0, 5), (5_000, 0, 40_000), (300, -4, 9), (9, 0, 2**40)]:
        g = rng.integers(low, high, size)
        inv, counts = _dense_codes(g)
        uniq, want_inv, want_counts = np.unique(g, return_inverse=True, return_counts=True)
        assert inv.tolist() == want_inv.tolist()
        assert counts.tolist() == want_counts.tolist()


def test_tied_files_grouped_by_any_labels():
    # groups given as floats, booleans or text are grouped as integers would be: 2 of the 4
    # tied files (rows 1-4, two groups of two), one per group, the first in row order
    scores = np.array([3.0, 2, 2, 2, 2, 1])
    want = [True, True, False, True, False, False]
    for groups in (
        np.array([0, 1, 1, 2, 2, 0]),
        np.array([0.0, 1, 1, 2, 2, 0]),
        np.array([False, True, True, False, False, True]),
        np.array(["a", "b", "b", "c", "c", "a"]),
    ):
        sel = Budget(count=3).select(scores, groups=groups)
        assert sel.selected.tolist() == want, groups.dtype


def test_lottery_range_leaves_out_draws_with_no_ratio():
    # nothing selected above the cut-off in either group (a = 0): the draws where neither
    # gets a tied file have no ratio (0 / 0) and no weight. Here they hold 0.76% of the law;
    # counted (sorted last), they would move the 97.5% quantile from 1.0 to the infinite
    # ratios above it (not published: NaN)
    args = ([0], [1], [20], [0], [5], [20], 12, 5)
    lo, hi = lottery_ratio_range(*(np.array(v) if isinstance(v, list) else v for v in args),
                                 rest=False)  # fmt: skip
    assert (float(lo[0]), float(hi[0])) == (0.0, 1.0)
    assert _exact_lottery_quantiles(0, 1, 20, 0, 5, 20, 12, 5, (0.025, 0.975)) == [0.0, 1.0]
