"""Tests of scoreaudit.stats.power: statsmodels agreement, monotonicity, round trips, bad input."""

from __future__ import annotations

import importlib.util
import io
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    proportion_effectsize,
    samplesize_proportions_2indep_onetail,
)

from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.stats import power as P

# planning tiny audits warns by design; tested explicitly in the slow test
pytestmark = pytest.mark.filterwarnings("ignore::scoreaudit.stats.power.SmallCellsWarning")

# A grid of realistic audit comparisons: (n_group, n_reference, reference_rate, ratio, alpha)
GRID = [
    (n1, n0, p0, r, a)
    for n1, n0, p0, r, a in itertools.product(
        [50, 800, 12_000],
        [300, 20_000, 250_000],
        [0.02, 0.1, 0.45],
        [0.6, 1.3, 2.0],
        [0.05, 0.001],
    )
]
SHARE_GRID = list(
    itertools.product([0.01, 0.08, 0.3], [0.7, 1.2, 1.5, 3.0], [0.03, 0.2], [0.05, 0.01])
)  # (reference_rate, ratio, group_share, alpha)


# --------------------------------------------------------------------------------------------
# agreement with statsmodels: formula by formula


def test_score_power_equals_power_proportions_2indep_one_tail():
    """analytic_power (formula P) == power_proportions_2indep, one-sided at level a/2."""
    for n1, n0, p0, r, a in GRID:
        ours = P.analytic_power(n1, n0, p0, r, alpha=a, correction="none")
        sm = power_proportions_2indep(
            r * p0 - p0,
            p0,
            n1,
            ratio=n0 / n1,
            alpha=a / 2,
            alternative="larger" if r > 1 else "smaller",
        ).power
        assert ours == pytest.approx(sm, abs=1e-12, rel=1e-10), (n1, n0, p0, r, a)


def test_two_tailed_power_equals_power_proportions_2indep_two_sided():
    for n1, n0, p0, r, a in GRID:
        ours = P.analytic_power(n1, n0, p0, r, alpha=a, correction="none", two_tailed=True)
        sm = power_proportions_2indep(r * p0 - p0, p0, n1, ratio=n0 / n1, alpha=a).power
        assert ours == pytest.approx(sm, abs=1e-12, rel=1e-10)
        # the wrong-direction tail left out of formula P is negligible at useful powers
        one = P.analytic_power(n1, n0, p0, r, alpha=a, correction="none")
        if one >= 0.8 and not P.small_cell_risk(n1, n0, r * p0, p0):
            assert sm - one < 5e-4


def test_arcsine_power_equals_normal_ind_power_with_cohens_h():
    for n1, n0, p0, r, a in GRID:
        h = proportion_effectsize(r * p0, p0)
        sm = NormalIndPower().power(effect_size=h, nobs1=n1, alpha=a, ratio=n0 / n1)
        ours = P.analytic_power(
            n1, n0, p0, r, alpha=a, correction="none", method="arcsine", two_tailed=True
        )
        assert ours == pytest.approx(sm, abs=1e-12, rel=1e-10)


@pytest.mark.parametrize("direction", ["increase", "decrease"])
def test_minimum_detectable_arcsine_equals_normal_ind_power_solve(direction):
    """The detectable rate's Cohen's h is NormalIndPower's solved effect size."""
    rows = [(n1, n0, p0, a) for n1, n0, p0, _, a in GRID if _ == 2.0]
    for n1, n0, p0, a in rows:
        res = P.minimum_detectable(
            n1, n0, p0, alpha=a, correction="none", direction=direction, method="arcsine"
        )
        if np.isnan(res.ratio):
            continue
        h = abs(proportion_effectsize(float(res.group_rate), p0))
        power_at_h = NormalIndPower().power(
            effect_size=h, nobs1=n1, alpha=a / 2, ratio=n0 / n1, alternative="larger"
        )
        assert power_at_h == pytest.approx(0.8, abs=1e-10)
        # statsmodels' own root finder (brentq) stops at a relative error of ~1e-5
        sm = NormalIndPower().solve_power(
            effect_size=None, nobs1=n1, alpha=a / 2, power=0.8, ratio=n0 / n1, alternative="larger"
        )
        assert h == pytest.approx(sm, rel=1e-4)


@pytest.mark.parametrize("direction", ["increase", "decrease"])
def test_minimum_detectable_score_has_exactly_the_target_power(direction):
    """At the detectable rate, statsmodels' power (one-sided at a/2) is the target."""
    n1 = np.array([60, 900, 15_000, 400])
    n0 = np.array([5_000, 900, 200_000, 80])
    p0 = np.array([0.1, 0.3, 0.02, 0.5])
    for power, a, m in [(0.8, 0.05, 1), (0.9, 0.05, 12), (0.5, 0.1, 3)]:
        res = P.minimum_detectable(
            n1, n0, p0, alpha=a, power=power, comparisons=m, direction=direction
        )
        assert (res.reason == "").sum() >= 3
        for i in np.flatnonzero(res.reason == ""):
            sm = power_proportions_2indep(
                res.difference[i],
                p0[i],
                n1[i],
                ratio=n0[i] / n1[i],
                alpha=a / m / 2,
                alternative="larger" if direction == "increase" else "smaller",
            ).power
            assert sm == pytest.approx(power, abs=1e-9)
            assert res.ratio[i] == pytest.approx(res.group_rate[i] / p0[i], rel=1e-12)


def test_sample_size_formula_equals_samplesize_proportions_2indep_onetail():
    """N * group_share == statsmodels' n1 (Fleiss without continuity correction)."""
    for p0, r, g, a in SHARE_GRID:
        z, zp = special.ndtri(1 - a / 2), special.ndtri(0.8)
        exact = P._required_total(r * p0, p0, g, z, zp)
        sm = samplesize_proportions_2indep_onetail(
            r * p0 - p0, p0, 0.8, ratio=(1 - g) / g, alpha=a, alternative="two-sided"
        )
        assert exact * g == pytest.approx(sm, rel=1e-10)
        n = P.sample_size(p0, r, g, alpha=a, correction="none")
        assert n == np.ceil(exact - 1e-6 * exact) or n == np.ceil(exact)


def test_sample_size_arcsine_equals_normal_ind_power_solve():
    for p0, r, g, a in SHARE_GRID:
        z, zp = special.ndtri(1 - a / 2), special.ndtri(0.8)
        exact = P._required_total(r * p0, p0, g, z, zp, "arcsine")
        h = abs(proportion_effectsize(r * p0, p0))
        sm = NormalIndPower().solve_power(
            effect_size=h,
            nobs1=None,
            alpha=a / 2,
            power=0.8,
            ratio=(1 - g) / g,
            alternative="larger",
        )
        assert exact * g == pytest.approx(sm, rel=1e-6)


def test_sample_size_gives_the_power_and_one_fewer_does_not():
    for p0, r, g, a in SHARE_GRID:
        n = P.sample_size(p0, r, g, alpha=a, comparisons=5)
        at = P.analytic_power(g * n, (1 - g) * n, p0, r, alpha=a, comparisons=5)
        below = P.analytic_power(g * (n - 1), (1 - g) * (n - 1), p0, r, alpha=a, comparisons=5)
        assert at >= 0.8 > below


# --------------------------------------------------------------------------------------------
# multiple testing


def test_per_comparison_alpha():
    assert P.per_comparison_alpha(0.05, 10, "holm") == 0.005
    assert P.per_comparison_alpha(0.05, 10, "bonferroni") == 0.005
    assert P.per_comparison_alpha(0.05, 10, "bh") == 0.005
    assert P.per_comparison_alpha(0.05, 10, "fdr_bh") == 0.005
    assert P.per_comparison_alpha(0.05, 10, "none") == 0.05


def test_holm_with_m_comparisons_is_none_at_alpha_over_m():
    a = P.minimum_detectable([100, 1000], 10_000, 0.1, comparisons=8, correction="holm")
    b = P.minimum_detectable([100, 1000], 10_000, 0.1, alpha=0.05 / 8, correction="none")
    np.testing.assert_array_equal(a.ratio, b.ratio)
    assert a.alpha == pytest.approx(0.05 / 8)


# --------------------------------------------------------------------------------------------
# vectorisation, speed, NaN reasons


def test_broadcasting_and_agreement_with_scalar_calls():
    n1 = np.array([[50], [500], [5000]])
    res = P.minimum_detectable(n1, [1000, 30_000], 0.08)
    assert res.ratio.shape == (3, 2)
    for i, j in itertools.product(range(3), range(2)):
        single = P.minimum_detectable(int(n1[i, 0]), [1000, 30_000][j], 0.08)
        assert float(single.ratio) == pytest.approx(res.ratio[i, j], rel=1e-12)
    frame = res.to_frame()
    assert len(frame) == 6
    assert list(frame.columns[:2]) == ["min_detectable_ratio", "min_detectable_difference"]


def test_undetectable_is_nan_with_reason():
    res = P.minimum_detectable([3, 10, 5000], [5, 10, 5000], 0.2, comparisons=50)
    assert np.isnan(res.ratio[0]) and np.isnan(res.difference[0])
    assert res.reason[0] == "undetectable"
    assert res.reason[2] == "" and np.isfinite(res.ratio[2])
    # nothing is detectable exactly when even a group rate of 1 lacks the power
    pw_at_one = P.analytic_power([3, 10, 5000], [5, 10, 5000], 0.2, 5.0, comparisons=50)
    np.testing.assert_array_equal(np.isnan(res.ratio), pw_at_one < 0.8)
    assert "undetectable" in P.REASONS


def test_decrease_can_reach_zero_rate_or_not():
    res = P.minimum_detectable([3, 40], [10, 4000], 0.5, direction="decrease")
    assert np.isnan(res.ratio[0]) and res.reason[0] == "undetectable"
    assert 0 < res.ratio[1] < 1 and res.difference[1] < 0


def test_errors_nan_mode_marks_invalid_entries():
    res = P.minimum_detectable(
        [100, 0, 100, 100], [1000, 1000, 1000, np.nan], [0.1, 0.1, 0.0, 0.1], errors="nan"
    )
    assert res.reason.tolist() == ["", "invalid", "invalid", "invalid"]
    assert np.isfinite(res.ratio[0]) and np.isnan(res.ratio[1:]).all()
    with pytest.raises(DataError, match="n_group"):
        P.minimum_detectable([100, 0], 1000, 0.1)


def test_small_cells_flag():
    res = P.minimum_detectable([30, 30_000], [300, 300_000], 0.01)
    assert res.small_cells.tolist() == [True, False]


# --------------------------------------------------------------------------------------------
# hypothesis: monotonicity

sizes = st.floats(min_value=5, max_value=2e6, allow_nan=False)
rates = st.floats(min_value=0.001, max_value=0.999, allow_nan=False)
factors = st.floats(min_value=1.0, max_value=50.0, allow_nan=False)
directions = st.sampled_from(["increase", "decrease"])


def _further(a: float, b: float, direction: str) -> bool:
    """b is at least as far from 1 as a (NaN = infinitely far)."""
    if np.isnan(b):
        return True
    if np.isnan(a):
        return False
    return b >= a - 1e-9 if direction == "increase" else b <= a + 1e-9


@settings(max_examples=50, deadline=None)
@given(sizes, sizes, rates, factors, directions)
def test_more_data_never_raises_the_detectable_ratio(n1, n0, p0, k, direction):
    base = float(P.minimum_detectable(n1, n0, p0, direction=direction).ratio)
    for more in [(k * n1, k * n0), (k * n1, n0), (n1, k * n0)]:
        bigger = float(P.minimum_detectable(*more, p0, direction=direction).ratio)
        assert _further(bigger, base, direction)


@settings(max_examples=40, deadline=None)
@given(sizes, sizes, rates, st.integers(1, 500), directions)
def test_stricter_tests_need_larger_disparities(n1, n0, p0, m, direction):
    one = float(P.minimum_detectable(n1, n0, p0, direction=direction).ratio)
    many = float(P.minimum_detectable(n1, n0, p0, comparisons=m, direction=direction).ratio)
    more_power = float(P.minimum_detectable(n1, n0, p0, power=0.95, direction=direction).ratio)
    assert _further(one, many, direction)
    assert _further(one, more_power, direction)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.005, 0.6), st.floats(1.05, 3.0), st.floats(0.01, 0.9), st.floats(1.01, 1.5))
def test_smaller_ratios_need_more_files(p0, r, g, step):
    if r * step * p0 > 1:
        return
    assert P.sample_size(p0, r * step, g) <= P.sample_size(p0, r, g)
    assert P.sample_size(p0, 1 / (r * step), g) <= P.sample_size(p0, 1 / r, g)


# --------------------------------------------------------------------------------------------
# round trip sample_size <-> detectable


@settings(max_examples=50, deadline=None)
@given(
    st.floats(0.005, 0.6),
    st.floats(0.3, 4.0),
    st.floats(0.01, 0.9),
    st.sampled_from([1, 7, 60]),
    st.sampled_from(["holm", "bh", "none"]),
)
def test_round_trip_population(p0, r, g, m, correction):
    if abs(r - 1) < 0.02 or r * p0 > 1:
        return
    direction = "increase" if r > 1 else "decrease"
    kw = dict(comparisons=m, correction=correction)
    n = int(P.sample_size(p0, r, g, **kw))
    at_n = float(P.detectable(n, g, p0, direction=direction, **kw).ratio)
    below = float(P.detectable(n - 1, g, p0, direction=direction, **kw).ratio)
    assert _further(at_n, r, direction)  # n files suffice for r ...
    assert not _further(below, r - 1e-7 if r > 1 else r + 1e-7, direction)  # ... n - 1 do not
    # without rounding up to whole files the inversion is exact
    a = P.per_comparison_alpha(0.05, m, correction)
    exact = P._required_total(r * p0, p0, g, special.ndtri(1 - a / 2), special.ndtri(0.8))
    back = float(P.detectable(exact, g, p0, direction=direction, **kw).ratio)
    assert back == pytest.approx(r, rel=1e-7) or _further(back, r, direction)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.02, 0.6), st.floats(0.3, 4.0), st.floats(0.05, 0.95))
def test_round_trip_control_log(g, r, random_share):
    if abs(r - 1) < 0.05:
        return
    direction = "increase" if r > 1 else "decrease"
    m = int(P.sample_size(None, r, g, random_share=random_share))
    at_m = float(P.detectable(m, g, random_share=random_share, direction=direction).ratio)
    below = float(P.detectable(m - 1, g, random_share=random_share, direction=direction).ratio)
    assert _further(at_m, r, direction)
    assert not _further(below, r - 1e-7 if r > 1 else r + 1e-7, direction)


def test_control_log_is_a_two_proportion_test_on_shares():
    g, rho, rs = 0.1, 2.0, 0.25
    q1 = g * rho / (g * rho + 1 - g)
    assert (q1 / (1 - q1)) / (g / (1 - g)) == pytest.approx(rho)  # odds ratio of membership
    m = int(P.sample_size(None, rho, g, random_share=rs))
    pw = P.analytic_power((1 - rs) * m, rs * m, g, q1 / g)
    assert 0.8 <= pw < 0.8 + 1e-3
    res = P.detectable(m, g, 0.05, random_share=rs)  # reference_rate gives rates too
    assert float(res.group_rate) == pytest.approx(0.05 * float(res.ratio))


# --------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "call, name, value",
    [
        (lambda: P.minimum_detectable(100, 1000, 1.2), "reference_rate", "1.2"),
        (lambda: P.minimum_detectable(100, 1000, 0.0), "reference_rate", "0"),
        (lambda: P.minimum_detectable(100, 1000, [0.1, -0.1]), "reference_rate", "-0.1"),
        (lambda: P.minimum_detectable(0, 1000, 0.1), "n_group", "0"),
        (lambda: P.minimum_detectable(100, -5, 0.1), "n_reference", "-5"),
        (lambda: P.minimum_detectable(100, 1000, 0.1, power=1.0), "power", "1"),
        (lambda: P.minimum_detectable(100, 1000, 0.1, power=0), "power", "0"),
        (lambda: P.minimum_detectable(100, 1000, 0.1, alpha=1.5), "alpha", "1.5"),
        (lambda: P.minimum_detectable(100, 1000, 0.1, comparisons=0), "comparisons", "0"),
        (lambda: P.minimum_detectable(100, 1000, 0.1, correction="sidak"), "correction", "sidak"),
        (lambda: P.minimum_detectable(100, 1000, 0.1, direction="up"), "direction", "up"),
        (lambda: P.sample_size(0.3, 4.0, 0.1), "ratio=4", "reference_rate=0.3"),
        (lambda: P.sample_size(0.1, 1.0, 0.1), "ratio", "1"),
        (lambda: P.sample_size(0.1, -2, 0.1), "ratio", "-2"),
        (lambda: P.sample_size(0.1, 1.5, 1.0), "group_share", "1"),
        (lambda: P.sample_size(0.1, 1.5, 0.0), "group_share", "0"),
        (lambda: P.sample_size(1.0, 1.5, 0.1), "reference_rate", "1"),
        (lambda: P.sample_size(0.1, 1.5, 0.1, power=80), "power", "80"),
        (lambda: P.sample_size(0.1, 1.5, 0.1, random_share=1.2), "random_share", "1.2"),
        (lambda: P.sample_size(None, 1.5, 0.1), "reference_rate", "required"),
        (lambda: P.detectable(0, 0.1, 0.05), "n", "0"),
        (lambda: P.simulate_power(10.5, 100, 0.1, 2.0), "n_group", "10.5"),
        (lambda: P.simulate_power(10, 100, 0.1, 2.0, n_sim=0), "n_sim", "0"),
        (lambda: P.explain_detectable(1.4, lang="de"), "lang", "de"),
        (lambda: P.explain_detectable(-1.0), "ratio", "-1"),
    ],
)
def test_bad_input_raises_a_clear_error(call, name, value):
    with pytest.raises(DataError) as info:
        call()
    assert isinstance(info.value, ScoreAuditError) and isinstance(info.value, ValueError)
    assert name in str(info.value) and value in str(info.value)


# --------------------------------------------------------------------------------------------
# the audit's test, simulated


def test_fisher_p_values_match_scipy():
    rng = np.random.default_rng(5)
    n1 = rng.integers(1, 40, 300)
    n0 = rng.integers(1, 60, 300)
    x1 = rng.binomial(n1, 0.3)
    x0 = rng.binomial(n0, 0.2)
    ours = P.fisher_exact_p_values(x1, n1, x0, n0)
    ref = [
        stats.fisher_exact([[a, b - a], [c, d - c]]).pvalue
        for a, b, c, d in zip(x1, n1, x0, n0, strict=True)
    ]
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_simulated_test_matches_the_audits_test():
    metrics = pytest.importorskip("scoreaudit.stats.metrics")
    rng = np.random.default_rng(9)
    n1 = rng.integers(5, 400, 200)
    n0 = rng.integers(5, 4000, 200)
    x1, x0 = rng.binomial(n1, 0.05), rng.binomial(n0, 0.03)
    ours, exact = P._audit_test_p_values(x1, n1, x0, n0, exact_small=True)
    theirs, test = metrics.two_proportion_p_value(x1, n1, x0, n0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(exact, test == "fisher")


def test_simulate_power_is_reproducible_vectorised_and_sane():
    a = P.simulate_power([200, 2000], 20_000, 0.1, 1.5, n_sim=500, random_state=1)
    b = P.simulate_power([200, 2000], 20_000, 0.1, 1.5, n_sim=500, random_state=1)
    np.testing.assert_array_equal(a.power, b.power)
    assert a.power.shape == (2,) and a.power[0] < a.power[1]
    null = P.simulate_power(3000, 3000, 0.2, 1.0, n_sim=4000, random_state=2)
    assert abs(float(null.power) - 0.05) < 0.015  # ratio 1: the test's size
    small = P.simulate_power(25, 400, 0.04, 5.0, n_sim=500)
    assert float(small.fisher_share) == 1.0
    score_only = P.simulate_power(25, 400, 0.04, 5.0, n_sim=500, exact_small=False)
    assert float(score_only.fisher_share) == 0.0


def test_simulation_agrees_with_formula_p_in_large_samples():
    n = int(P.sample_size(0.1, 1.3, 0.2))
    sim = P.simulate_power(round(0.2 * n), n - round(0.2 * n), 0.1, 1.3, n_sim=3000)
    assert abs(float(sim.power) - 0.8) < 4 * float(sim.standard_error) + 0.01


# --------------------------------------------------------------------------------------------
# plain language


def test_explain_detectable_sentences():
    assert P.explain_detectable(1.43) == (
        "With these group sizes, a ratio below 1.4 could not "
        "have been detected (80% power, 5% level)."
    )
    fr = P.explain_detectable(1.43, "fr")
    assert fr == (
        "Avec ces effectifs, un rapport inférieur à 1,4 n’aurait pas pu être détecté "
        "(puissance de 80\u202f%, seuil de 5\u202f%)."
    )
    # rounded towards 1 so the sentence stays true; more decimals when 1 decimal gives 1
    assert "below 1.4 " in P.explain_detectable(1.49)
    assert "below 1.04 " in P.explain_detectable(1.049)
    assert "between 0.7 and 1 " in P.explain_detectable(0.61 + 0.08)
    assert "compris entre 0,96 et 1 " in P.explain_detectable(0.951, "fr")
    assert "(90% power, 2.5% level)" in P.explain_detectable(2.0, power=0.9, alpha=0.025)
    assert "seuil de 2,5\u202f%" in P.explain_detectable(2.0, "fr", alpha=0.025)
    # the report's number format: a conservative 2.0 keeps its decimal
    assert "below 2.0 " in P.explain_detectable(2.07)
    assert "no disparity could have been detected" in P.explain_detectable(float("nan"))
    assert "aucune disparité" in P.explain_detectable(np.nan, "fr")


# --------------------------------------------------------------------------------------------
# the planted ratio is detected in 80% +/- 3% of simulated audits at the computed size


def _load_benchmark():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "power_simulation.py"
    spec = importlib.util.spec_from_file_location("power_simulation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_planted_ratio_detected_in_80_percent_of_simulated_audits():
    bench = _load_benchmark()
    for table in (
        bench.run_population(n_sim=10_000, seed=11),
        bench.run_control_log(n_sim=10_000, seed=12),
    ):
        score = table[~table.small_cells]
        assert len(score) >= 40
        assert (score.simulated_power - 0.8).abs().max() <= 0.03, score.to_string()
        # where the audit falls back on Fisher's exact test, sample_size says so
        for row in table[table.small_cells].itertuples():
            with pytest.warns(P.SmallCellsWarning):
                if hasattr(row, "random_share"):
                    P.sample_size(
                        None,
                        row.ratio,
                        row.group_share,
                        random_share=row.random_share,
                        comparisons=row.comparisons,
                    )
                else:
                    P.sample_size(
                        row.reference_rate, row.ratio, row.group_share, comparisons=row.comparisons
                    )


# --------------------------------------------------------------------------------------------
# command line


def test_power_command_prints_sample_size_and_detectable_ratio():
    from rich.console import Console

    from scoreaudit.cli.power import power_command

    out = Console(width=120, record=True, file=io.StringIO())
    power_command(0.05, 1.5, 0.1, comparisons=20, n=10_000, console=out)
    text = out.export_text()
    assert f"{int(P.sample_size(0.05, 1.5, 0.1, comparisons=20)):,} files" in text
    assert "10,000 (yours)" in text and "a ratio below 1.6 could not" in text
    out = Console(width=120, record=True, file=io.StringIO())
    power_command(None, 2.0, 0.1, random_share=0.2, console=out)
    assert "control records" in out.export_text()
    with pytest.raises(DataError, match="--ratio"):
        power_command(0.05, None, 0.1, console=out)


def test_cli_power_exit_codes(capsys):
    cli = pytest.importorskip("scoreaudit.cli")
    assert (
        cli.main(
            [
                "power",
                "--reference-rate",
                "0.05",
                "--ratio",
                "1.5",
                "--group-share",
                "0.1",
                "--n",
                "5000",
            ]
        )
        == 0
    )
    assert "7,634 files" in capsys.readouterr().out
    assert cli.main(["power", "--reference-rate", "0.3", "--ratio", "4"]) == 2
    assert "impossible" in capsys.readouterr().err
