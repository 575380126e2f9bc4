"""Known answers for scoreaudit.stats.metrics, computed by hand or by independent code.

Written to kill the mutants that benchmarks/mutation.py found alive: every expected value
below comes from a textbook formula written out here, from statsmodels or scipy, or from
arithmetic done by hand in the comments, never from the function under test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from scoreaudit.errors import ScoreAuditError
from scoreaudit.stats.metrics import (
    adjust_family,
    adjust_p_values,
    comparison_family,
    confidence_z,
    katz_ratio_interval,
    newcombe_difference_interval,
    two_proportion_p_value,
    wilson_bounds,
    wilson_interval,
)

Z95 = 1.959963984540054  # qnorm(0.975)


# --- confidence_z -----------------------------------------------------------------------


def test_confidence_z_known_quantiles():
    assert confidence_z(0.95) == pytest.approx(Z95, abs=1e-12)
    assert confidence_z(0.9) == pytest.approx(1.6448536269514722, abs=1e-12)
    assert confidence_z(0.5) == pytest.approx(0.6744897501960817, abs=1e-12)
    assert confidence_z(1 - 1e-9) > 6  # close to 1 is allowed
    assert confidence_z(1e-9) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.5, 1.5, True, False, "0.95", None])
def test_confidence_z_refuses_bad_levels(bad):
    with pytest.raises(ScoreAuditError, match="confidence must be a number strictly between"):
        confidence_z(bad)


# --- Wilson -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n", "conf"), [(0, 10, 0.95), (10, 10, 0.95), (3, 10, 0.9), (1, 2, 0.95), (7, 400, 0.99)]
)
def test_wilson_matches_statsmodels(x, n, conf):
    low, high = wilson_interval(x, n, conf)
    ref = proportion_confint(x, n, alpha=1 - conf, method="wilson")
    assert float(low) == pytest.approx(ref[0], abs=1e-12)
    assert float(high) == pytest.approx(ref[1], abs=1e-12)


def test_wilson_exact_boundaries_and_empty_groups():
    low, high = wilson_bounds([0, 10, 0, 5], [10, 10, 0, 0], Z95)
    assert low[0] == 0.0 and high[1] == 1.0  # exact, no rounding noise
    assert np.isnan(low[2:]).all() and np.isnan(high[2:]).all()  # n == 0: undefined
    # a pseudo-count just above 0 or just below n is not snapped to the boundary
    low, high = wilson_bounds([1e-6, 9.999999], [10, 10], Z95)
    assert 0 < low[0] < 1e-6 and 1 - 1e-6 < high[1] < 1


def test_wilson_by_hand():
    # x = 5, n = 20, z^2 = 3.8414588: denom = 1 + z^2 / 20 = 1.1920729,
    # centre = (0.25 + z^2 / 40) / denom = 0.2902813,
    # half = z * sqrt(0.25 * 0.75 / 20 + z^2 / 1600) / denom = 0.1784196
    low, high = wilson_interval(5, 20)
    assert float(low) == pytest.approx(0.1118617, abs=1e-7)
    assert float(high) == pytest.approx(0.4687009, abs=1e-7)


# --- Katz ratio -------------------------------------------------------------------------


def _katz_by_hand(x1, n1, x0, n0, z=Z95):
    """Textbook Katz log interval, 0.5 added to each cell when a cell is empty or full."""
    add = 0.5 if min(x1, x0, n1 - x1, n0 - x0) == 0 else 0.0
    a1, m1, a0, m0 = x1 + add, n1 + 2 * add, x0 + add, n0 + 2 * add
    log_r = math.log((a1 / m1) / (a0 / m0))
    se = math.sqrt(1 / a1 - 1 / m1 + 1 / a0 - 1 / m0)
    return math.exp(log_r - z * se), math.exp(log_r + z * se)


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0"),
    [(4, 10, 3, 12), (30, 100, 20, 200), (10, 10, 5, 20), (5, 20, 20, 20), (1, 3, 2, 3)],
)
def test_katz_matches_textbook_formula(x1, n1, x0, n0):
    ratio, low, high = katz_ratio_interval(x1, n1, x0, n0)
    lo, hi = _katz_by_hand(x1, n1, x0, n0)
    assert float(ratio) == pytest.approx((x1 / n1) / (x0 / n0), rel=1e-12)
    assert float(low) == pytest.approx(lo, rel=1e-9)
    assert float(high) == pytest.approx(hi, rel=1e-9)


def test_katz_known_numbers():
    # (4/10) / (3/12) = 1.6; se = sqrt(1/4 - 1/10 + 1/3 - 1/12) = sqrt(0.4) = 0.6324555
    # exp(log 1.6 -/+ 1.959964 * 0.6324555) = exp(0.4700036 -/+ 1.2395901)
    ratio, low, high = katz_ratio_interval(4, 10, 3, 12)
    assert float(ratio) == pytest.approx(1.6)
    assert float(low) == pytest.approx(0.4632046, rel=1e-6)
    assert float(high) == pytest.approx(5.5267155, rel=1e-6)
    # 90%: z = 1.6448536, exp(0.4700036 -/+ 1.0402968)
    ratio, low, high = katz_ratio_interval(4, 10, 3, 12, confidence=0.9)
    assert float(low) == pytest.approx(math.exp(0.4700036 - 1.0402968), rel=1e-6)
    assert float(high) == pytest.approx(math.exp(0.4700036 + 1.0402968), rel=1e-6)


def test_katz_zero_and_full_cells():
    # group without selected files: ratio 0, lower limit exactly 0, upper from the corrected
    # table (0.5/11) / (5.5/21) = 0.1735537...
    ratio, low, high = katz_ratio_interval(0, 10, 5, 20)
    assert float(ratio) == 0.0 and float(low) == 0.0
    assert float(high) == pytest.approx(_katz_by_hand(0, 10, 5, 20)[1], rel=1e-9)
    # reference without selected files: ratio and upper limit infinite
    ratio, low, high = katz_ratio_interval(5, 20, 0, 10)
    assert np.isinf(ratio) and np.isinf(high)
    assert float(low) == pytest.approx(_katz_by_hand(5, 20, 0, 10)[0], rel=1e-9)
    # both without selected files: ratio undefined, interval [0, inf]
    ratio, low, high = katz_ratio_interval(0, 10, 0, 20)
    assert np.isnan(ratio) and float(low) == 0.0 and np.isinf(high)
    # groups of size 0: everything undefined
    for args in [(0, 0, 5, 20), (5, 20, 0, 0)]:
        assert all(np.isnan(v) for v in katz_ratio_interval(*args))


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0"), [(10, 10, 5, 20), (5, 20, 20, 20), (10, 10, 20, 20)]
)
def test_katz_full_groups_use_the_correction(x1, n1, x0, n0):
    _, low, high = katz_ratio_interval(x1, n1, x0, n0)
    lo, hi = _katz_by_hand(x1, n1, x0, n0)
    assert (float(low), float(high)) == pytest.approx((lo, hi), rel=1e-9)


def test_boundaries_do_not_depend_on_summation_noise():
    """Weighted pseudo-counts summed in another order: 1e-16 off the boundary is the boundary."""
    n1, n0 = 1339.7, 1316.2
    noisy = (n1 * (1 - 2e-16), n1, n0 * (1 - 3e-16), n0)
    # the full table's corrected interval, by hand: (n + 0.5) / (n + 1) in both groups
    lo, hi = _katz_by_hand(n1, n1, n0, n0)
    assert [float(v) for v in katz_ratio_interval(*noisy)[1:]] == pytest.approx([lo, hi], rel=1e-12)
    assert float(katz_ratio_interval(1e-13, 50.0, 10.0, 50.0)[1]) == 0.0
    assert float(wilson_interval(n1 * (1 - 2e-16), n1)[1]) == 1.0
    assert float(wilson_interval(1e-14, 80.0)[0]) == 0.0
    _, low, high = newcombe_difference_interval(*noisy)
    assert (float(low), float(high)) == pytest.approx(
        _newcombe_by_hand(n1, n1, n0, n0)[1:], rel=1e-12
    )
    # the tolerance is relative to n: 1e-7 below n = 1000 is the boundary (1e-10 of n)
    assert float(wilson_interval(1000 - 1e-7, 1000.0)[1]) == 1.0
    assert float(wilson_interval(1e-7, 1000.0)[0]) == 0.0
    # a count genuinely inside the range (0.1 of a file from the boundary) is not moved
    inside = katz_ratio_interval(n1 - 0.1, n1, n0 - 0.1, n0)
    assert [float(v) for v in inside[1:]] == pytest.approx(
        _katz_by_hand(n1 - 0.1, n1, n0 - 0.1, n0), rel=1e-12
    )


def test_groups_of_one_file_have_intervals():
    """n = 1 is a group (its interval is wide, not undefined): Wilson of 1/1 by
    statsmodels, Katz with the 0.5 correction (the group is wholly selected) by hand."""
    low, high = wilson_interval(1, 1)
    want = proportion_confint(1, 1, alpha=0.05, method="wilson")
    assert (float(low), float(high)) == pytest.approx(want, rel=1e-9)
    ratio, lo, hi = katz_ratio_interval(1, 1, 5, 10)
    assert float(ratio) == 2.0
    assert (float(lo), float(hi)) == pytest.approx(_katz_by_hand(1, 1, 5, 10), rel=1e-9)


# --- Newcombe difference ----------------------------------------------------------------


def _newcombe_by_hand(x1, n1, x0, n0, conf=0.95):
    l1, u1 = proportion_confint(x1, n1, alpha=1 - conf, method="wilson")
    l0, u0 = proportion_confint(x0, n0, alpha=1 - conf, method="wilson")
    p1, p0 = x1 / n1, x0 / n0
    d = p1 - p0
    return d, d - math.hypot(p1 - l1, u0 - p0), d + math.hypot(u1 - p1, p0 - l0)


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0", "conf"),
    [(30, 100, 20, 200, 0.95), (0, 10, 10, 10, 0.95), (10, 10, 0, 10, 0.9), (3, 7, 5, 9, 0.99)],
)
def test_newcombe_matches_hand_formula(x1, n1, x0, n0, conf):
    d, low, high = newcombe_difference_interval(x1, n1, x0, n0, conf)
    ref = _newcombe_by_hand(x1, n1, x0, n0, conf)
    assert (float(d), float(low), float(high)) == pytest.approx(ref, abs=1e-12)
    assert -1.0 <= float(low) <= float(d) <= float(high) <= 1.0


# --- tests of equal rates ---------------------------------------------------------------


def _expected_min(x1, n1, x0, n0):
    table = np.array([[x1, n1 - x1], [x0, n0 - x0]], dtype=float)
    return (np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()).min()


def _p_by_hand(x1, n1, x0, n0):
    table = [[x1, n1 - x1], [x0, n0 - x0]]
    if _expected_min(x1, n1, x0, n0) < 5:
        return stats.fisher_exact(table).pvalue, "fisher"
    if x1 + x0 in (0, n1 + n0):
        return 1.0, "score"
    return stats.chi2_contingency(table, correction=False).pvalue, "score"


def test_two_proportion_grid_matches_fisher_and_pearson():
    # every 2 x 2 table with sizes 1..12 and 25, 40: Cochran's rule picks the test
    sizes = [1, 2, 5, 10, 12, 25, 40]
    rows = [
        (x1, n1, x0, n0)
        for n1, n0 in itertools.product(sizes, sizes)
        for x1 in sorted({0, 1, n1 // 2, n1 - 1, n1})
        for x0 in sorted({0, 1, n0 // 3, n0 - 1, n0})
        if 0 <= x1 <= n1 and 0 <= x0 <= n0
    ]
    x1, n1, x0, n0 = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
    p, test = two_proportion_p_value(x1, n1, x0, n0)
    for i, row in enumerate(rows):
        ref_p, ref_test = _p_by_hand(*row)
        assert test[i] == ref_test, row
        assert p[i] == pytest.approx(ref_p, abs=1e-12), row


def test_cochran_threshold_is_strict():
    # 10 of 20 vs 10 of 20: every expected count is 20 * 20 / 40 / 2 = ... 10 x 10 / 20 = 5
    _, test = two_proportion_p_value([5], [10], [5], [10])
    assert test.tolist() == ["score"]  # min expected 5: not below 5
    _, test = two_proportion_p_value([4], [10], [5], [10])
    assert test.tolist() == ["fisher"]  # min expected 4.5


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0"),
    # the smallest expected count is, in turn, each of the four cells
    [(2, 30, 8, 60), (28, 30, 52, 60), (8, 60, 2, 30), (52, 60, 28, 30)],
)
def test_each_cell_can_trigger_fisher(x1, n1, x0, n0):
    assert _expected_min(x1, n1, x0, n0) < 5
    p, test = two_proportion_p_value([x1], [n1], [x0], [n0])
    assert test.tolist() == ["fisher"]
    assert p[0] == pytest.approx(stats.fisher_exact([[x1, n1 - x1], [x0, n0 - x0]]).pvalue)


def test_score_test_without_exact_and_degenerate_tables():
    # 30/100 vs 20/200, pooled 50/300: z = 0.2 / sqrt(1/6 * 5/6 * 0.015) = 4.38178
    p, test = two_proportion_p_value([30], [100], [20], [200], exact=False)
    assert test.tolist() == ["score"]
    assert p[0] == pytest.approx(2 * stats.norm.sf(4.381780460041329), rel=1e-9)
    # nobody or everybody selected: no difference, p = 1 (not NaN)
    p, test = two_proportion_p_value([0, 5], [100, 5], [0, 7], [50, 7], exact=False)
    assert p.tolist() == [1.0, 1.0] and test.tolist() == ["score", "score"]
    # a group of size 0: no test
    p, test = two_proportion_p_value([0, 3], [0, 10], [3, 0], [10, 0])
    assert np.isnan(p).all() and test.tolist() == ["", ""]
    # exact chosen per comparison
    p, test = two_proportion_p_value([1, 1], [10, 10], [5, 5], [10, 10], exact=np.array([1, 0]))
    assert test.tolist() == ["fisher", "score"]
    assert p[0] == pytest.approx(stats.fisher_exact([[1, 9], [5, 5]]).pvalue)


# --- multiple testing -------------------------------------------------------------------

P = np.array([0.01, 0.04, 0.03, 0.2, 0.04, 0.001, 0.5])


@pytest.mark.parametrize(
    ("ours", "theirs"), [("holm", "holm"), ("bonferroni", "bonferroni"), ("bh", "fdr_bh")]
)
def test_adjustments_match_statsmodels_with_ties(ours, theirs):
    expected = multipletests(P, method=theirs)[1]
    np.testing.assert_allclose(adjust_p_values(P, ours), expected, rtol=1e-12)


def test_adjustments_by_hand_and_nan():
    # Holm over 3: sorted 0.01, 0.03, 0.04 -> 3 x 0.01, 2 x 0.03, max(1 x 0.04, 0.06)
    p = [0.01, np.nan, 0.04, 0.03]
    np.testing.assert_allclose(adjust_p_values(p, "holm"), [0.03, np.nan, 0.06, 0.06])
    # BH over 3: 0.04 x 3/3, min(0.03 x 3/2, 0.04), 0.01 x 3
    np.testing.assert_allclose(adjust_p_values(p, "bh"), [0.03, np.nan, 0.04, 0.04])
    np.testing.assert_allclose(adjust_p_values(p, "fdr_bh"), [0.03, np.nan, 0.04, 0.04])
    np.testing.assert_allclose(adjust_p_values(p, "bonferroni"), [0.03, np.nan, 0.12, 0.09])
    np.testing.assert_allclose(adjust_p_values(p, "none"), p)
    # capped at 1
    np.testing.assert_allclose(adjust_p_values([0.6, 0.7], "holm"), [1.0, 1.0])
    np.testing.assert_allclose(adjust_p_values([0.6, 0.7], "bonferroni"), [1.0, 1.0])
    assert np.isnan(adjust_p_values([np.nan, np.nan])).all()
    assert adjust_p_values([], "holm").size == 0
    assert adjust_p_values([0.2], "holm").tolist() == [0.2]
    with pytest.raises(ValueError, match="Unknown correction 'sidak'"):
        adjust_p_values([0.1, 0.2], "sidak")


def test_adjustment_order_of_ties_is_stable():
    # equal p-values keep their order: Holm gives 3 x 0.02 and max(2 x 0.02, 0.06)
    np.testing.assert_allclose(adjust_p_values([0.02, 0.02, 0.5], "holm"), [0.06, 0.06, 0.5])


def test_comparison_family_keys():
    keys = comparison_family(
        ["sex", "sex", "age", "age", "age"], ["w", "m", "a", "b", "c"], [2, 2, 3, 3, 3]
    )
    assert keys.tolist() == ["sex", "sex", "age\x1fa", "age\x1fb", "age\x1fc"]
    keys = comparison_family(["sex", "age"], ["w", "a"], [2, 4], metric=["fpr", "tpr"])
    assert keys.tolist() == ["fpr\x1fsex", "tpr\x1fage\x1fa"]
    assert keys.dtype == object


def test_adjust_family_counts_each_key_once():
    # two rows of one binary test + two tests of age: Holm over 3 tests
    p = [0.01, 0.01, 0.02, 0.5]
    keys = ["sex", "sex", "age\x1fa", "age\x1fb"]
    np.testing.assert_allclose(adjust_family(p, keys), [0.03, 0.03, 0.04, 0.5])
    np.testing.assert_allclose(adjust_family(p, keys, "bonferroni"), [0.03, 0.03, 0.06, 1.0])
    assert adjust_family([], []).size == 0
    np.testing.assert_allclose(adjust_family([0.3], ["x"]), [0.3])
