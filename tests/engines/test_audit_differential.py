"""Differential tests: the engine against fairlearn, pandas, statsmodels and scipy."""

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

import scoreaudit as sa
from scoreaudit.stats import metrics as M

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


@st.composite
def frames(draw):
    n = draw(st.integers(30, 400))
    seed = draw(st.integers(0, 2**31 - 1))
    k1 = draw(st.integers(2, 4))
    k2 = draw(st.integers(2, 3))
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(
        {
            "a": rng.choice([f"x{i}" for i in range(k1)], n),
            "b": rng.choice([f"y{i}" for i in range(k2)], n),
            "score": rng.integers(0, draw(st.sampled_from([5, 50, 10**6])), n).astype(float),
        }
    )
    # make sure every attribute has at least two groups
    f.loc[0, "a"], f.loc[1, "a"] = "x0", "x1"
    f.loc[0, "b"], f.loc[1, "b"] = "y0", "y1"
    share = draw(st.floats(0.05, 0.9))
    return f, share, seed


def _example_395():
    rng = np.random.default_rng(7)
    n = 395
    f = pd.DataFrame(
        {
            "a": rng.choice(["x0", "x1", "x2"], n),
            "b": rng.choice(["y0", "y1"], n),
            "score": rng.integers(0, 50, n).astype(float),
        }
    )
    return f, 0.8999999999999999, 7


@SETTINGS
@given(frames())
@example(_example_395())  # 355.4999999999999605 files: 355, not 356
def test_selection_rates_match_fairlearn_and_pandas(args):
    f, share, seed = args
    pop = sa.Population(f, protected=["a", "b"])
    res = sa.audit(pop, "score", sa.Budget(share=share, random_state=seed), threshold_free=False)
    sel = res.selected
    # documented rounding: half up of share x n, the share read as written (its repr)
    assert sel.sum() == math.floor(Fraction(repr(share)) * len(f) + Fraction(1, 2))
    g = res.groups.set_index(["attribute", "group"])
    for attr in ["a", "b"]:
        expected = pd.Series(sel).groupby(f[attr].to_numpy()).mean()
        mf = MetricFrame(
            metrics=selection_rate,
            y_true=np.zeros(len(f)),
            y_pred=sel.astype(int),
            sensitive_features=f[attr],
        )
        ours = g.loc[attr, "selection_rate"]
        np.testing.assert_allclose(ours.loc[expected.index], expected.to_numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.loc[mf.by_group.index], mf.by_group.to_numpy(), atol=1e-12)
        assert ours.max() - ours.min() == pytest.approx(
            mf.difference(method="between_groups"), abs=1e-12
        )
        if ours.min() > 0:
            assert ours.min() / ours.max() == pytest.approx(
                mf.ratio(method="between_groups"), abs=1e-12
            )
    # intersection equals pandas on the combined column
    combo = (f["a"] + " × " + f["b"]).to_numpy()
    expected = pd.Series(sel).groupby(combo).mean()
    inter = g.loc["a × b", "selection_rate"]
    np.testing.assert_allclose(inter.loc[expected.index], expected.to_numpy(), atol=1e-12)
    # disparities: ratio and difference to the largest group
    d = res.disparities[res.disparities["attribute"] == "a"].set_index("group")
    ref = d["reference"].iloc[0]
    counts = f["a"].value_counts().sort_index()
    selected_by = pd.Series(sel).groupby(f["a"].to_numpy()).sum()
    expected_ref = counts.idxmax()
    if selected_by[expected_ref] == 0:  # documented fallback: largest group with selections
        expected_ref = counts[selected_by > 0].idxmax()
    assert ref == expected_ref
    for grp, row in d.iterrows():
        p1, p0 = sel[f["a"] == grp].mean(), sel[f["a"] == ref].mean()
        if p0 > 0:
            assert row["ratio"] == pytest.approx(p1 / p0, abs=1e-12)
        else:
            assert np.isinf(row["ratio"]) if p1 > 0 else np.isnan(row["ratio"])
        assert row["difference"] == pytest.approx(p1 - p0, abs=1e-12)


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 300), st.integers(1, 300)), min_size=1, max_size=20),
    st.sampled_from([0.9, 0.95, 0.99]),
)
def test_wilson_matches_statsmodels(pairs, conf):
    x = np.array([min(a, b) for a, b in pairs], dtype=float)
    n = np.array([b for _, b in pairs], dtype=float)
    lo, hi = M.wilson_interval(x, n, conf)
    slo, shi = proportion_confint(x, n, alpha=1 - conf, method="wilson")
    np.testing.assert_allclose(lo, slo, atol=1e-12)
    np.testing.assert_allclose(hi, shi, atol=1e-12)


@SETTINGS
@given(st.integers(0, 200), st.integers(1, 200), st.integers(0, 200), st.integers(1, 200))
def test_ratio_and_difference_intervals_match_statsmodels(x1, n1, x0, n0):
    x1, x0 = min(x1, n1), min(x0, n0)
    r, lo, hi = M.katz_ratio_interval(x1, n1, x0, n0)
    if x0 > 0:
        assert r == pytest.approx((x1 / n1) / (x0 / n0), rel=1e-12)
    if 0 < x1 < n1 and 0 < x0 < n0:  # plain Katz: equals statsmodels' "log" method
        slo, shi = confint_proportions_2indep(x1, n1, x0, n0, compare="ratio", method="log")
        assert lo == pytest.approx(slo, rel=1e-10)
        assert hi == pytest.approx(shi, rel=1e-10)
    else:  # Haldane-Anscombe: 0.5 added to every cell, computed by hand
        a1, m1, a0, m0 = x1 + 0.5, n1 + 1, x0 + 0.5, n0 + 1
        se = np.sqrt(1 / a1 - 1 / m1 + 1 / a0 - 1 / m0)
        centre = np.log((a1 / m1) / (a0 / m0))
        z = 1.959963984540054
        assert lo == (0.0 if x1 == 0 else pytest.approx(np.exp(centre - z * se), rel=1e-10))
        assert hi == (np.inf if x0 == 0 else pytest.approx(np.exp(centre + z * se), rel=1e-10))
        assert se > 0
    if np.isfinite(r) or x1 > 0:
        assert lo <= r <= hi  # the interval always contains the point estimate
    d, dlo, dhi = M.newcombe_difference_interval(x1, n1, x0, n0)
    slo, shi = confint_proportions_2indep(x1, n1, x0, n0, compare="diff", method="newcomb")
    assert d == pytest.approx(x1 / n1 - x0 / n0, abs=1e-12)
    assert dlo == pytest.approx(max(slo, -1), abs=1e-12)
    assert dhi == pytest.approx(min(shi, 1), abs=1e-12)
    assert dlo <= d <= dhi


@SETTINGS
@given(st.integers(0, 150), st.integers(1, 150), st.integers(0, 150), st.integers(1, 150))
def test_p_values_match_scipy(x1, n1, x0, n0):
    x1, x0 = min(x1, n1), min(x0, n0)
    p, test = M.two_proportion_p_value(x1, n1, x0, n0)
    table = [[x1, n1 - x1], [x0, n0 - x0]]
    if test[0] == "fisher":
        expected = stats.fisher_exact(table).pvalue
    elif (x1 + x0) in (0, n1 + n0):
        expected = 1.0
    else:
        expected = stats.chi2_contingency(table, correction=False).pvalue
        assert stats.chi2_contingency(table, correction=False).expected_freq.min() >= 5
    assert p[0] == pytest.approx(expected, rel=1e-9, abs=1e-300)


@SETTINGS
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=40),
    st.sampled_from(["holm", "bh", "bonferroni"]),
)
def test_adjustments_match_statsmodels(ps, method):
    p = np.array(ps)
    ours = M.adjust_p_values(p, method)
    sm = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni"}[method]
    expected = multipletests(p, method=sm)[1]
    np.testing.assert_allclose(ours, expected, atol=1e-12)


def test_adjustment_ignores_nan():
    out = M.adjust_p_values([0.01, np.nan, 0.02], "holm")
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.02, 0.02])


def test_weighted_point_estimates_equal_replicated_rows():
    rng = np.random.default_rng(3)
    n = 300
    f = pd.DataFrame(
        {"g": rng.choice(["a", "b", "c"], n), "s": rng.random(n), "w": rng.integers(1, 4, n)}
    )
    weighted = sa.audit(
        sa.Population(f, protected=["g"], weight="w"), "s", sa.Threshold(0.7), threshold_free=False
    )
    rep = f.loc[f.index.repeat(f["w"])].reset_index(drop=True)
    plain = sa.audit(
        sa.Population(rep, protected=["g"]), "s", sa.Threshold(0.7), threshold_free=False
    )
    for col in ["selection_rate", "share", "mean_score"]:
        np.testing.assert_allclose(weighted.groups[col], plain.groups[col], atol=1e-12)
    for col in ["ratio", "difference"]:
        np.testing.assert_allclose(weighted.disparities[col], plain.disparities[col], atol=1e-12)
