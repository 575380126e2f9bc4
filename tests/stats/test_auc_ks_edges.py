"""Edges of the AUC/KS kernel that random data rarely reaches.

* A light group listed after a heavy one: the kernel's running masses cross all groups, so
  the light group's masses are differences of large sums; they must keep their own precision.
* Degenerate groups (one row, every row, all scores tied): documented NaN, and no
  floating-point warning reaching the user (a notebook would show one per attribute).

The expected values come from sklearn's ``roc_auc_score`` and from weighted ECDFs computed
here on the two groups alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from scoreaudit.stats.distribution import rank_scores, threshold_free


def _weighted_ks(x: np.ndarray, wx: np.ndarray, y: np.ndarray, wy: np.ndarray) -> float:
    """Largest gap between the weighted ECDFs of two samples (at every distinct value)."""
    grid = np.unique(np.concatenate([x, y]))
    fx = np.array([wx[x <= v].sum() for v in grid]) / wx.sum()
    fy = np.array([wy[y <= v].sum() for v in grid]) / wy.sum()
    return float(np.abs(fx - fy).max())


@pytest.mark.skipif(
    np.finfo(np.longdouble).nmant < 62,
    reason="needs an extended long double (x86-64): the sums below are exact in it only",
)
def test_light_group_after_heavy_group_keeps_its_precision():
    rng = np.random.default_rng(7)
    # group 0: 1,000 rows of weight 2^30 (about 2^40 in all); group 1: 20 rows of weights
    # k * 2^-20; group 2, the reference: 30 rows of weight 1. In float64, 2^40 + 2^-20 is
    # 2^40: group 1's running masses, read after group 0's, would lose every digit.
    codes = np.repeat([0, 1, 2], [1000, 20, 30])
    weights = np.concatenate([np.full(1000, 2.0**30), np.arange(1, 21) * 2.0**-20, np.ones(30)])
    scores = rng.random(codes.size)
    out = threshold_free(rank_scores(scores), codes, 3, 2, weights=weights)

    g, r = codes == 1, codes == 2
    both = g | r
    expected_auc = roc_auc_score(g[both], scores[both], sample_weight=weights[both])
    expected_ks = _weighted_ks(scores[g], weights[g], scores[r], weights[r])
    assert out.loc[1, "auc"] == pytest.approx(expected_auc, rel=1e-12)
    assert out.loc[1, "ks"] == pytest.approx(expected_ks, rel=1e-12)


def _degenerate_cases():
    yield "one-row group", np.array([0.1, 0.5, 0.7, 0.9]), np.array([0, 1, 1, 1]), 1
    yield "one-row reference", np.array([0.1, 0.5, 0.7, 0.9]), np.array([1, 1, 1, 0]), 0
    yield "all scores tied", np.full(6, 0.5), np.array([0, 0, 0, 1, 1, 1]), 1
    yield "rest: one group holds every row", np.array([0.2, 0.4, 0.6]), np.zeros(3, int), None
    yield "rest: two rows, one each", np.array([0.2, 0.4]), np.array([0, 1]), None


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "case, scores, codes, reference", list(_degenerate_cases()), ids=lambda v: str(v)[:20]
)
def test_degenerate_groups_raise_no_floating_point_warning(
    case, scores, codes, reference, weighted
):
    weights = np.linspace(0.5, 2.0, scores.size) if weighted else None
    with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        out = threshold_free(rank_scores(scores), codes, 2, reference, weights=weights)
    if case == "rest: one group holds every row":
        assert out.isna().all().all()  # no comparison sample: NaN, not a number from noise
    elif case == "all scores tied":
        assert out.loc[0, "auc"] == 0.5 and out.loc[0, "ks"] == 0.0
        # DeLong's variance is 0: no logit interval of width 0, the Wilson-type bound instead
        assert out.loc[0, "auc_low"] < 0.5 < out.loc[0, "auc_high"]
    else:
        compared = 1 - reference if reference is not None else 0
        assert 0.0 <= out.loc[compared, "auc"] <= 1.0


@pytest.mark.parametrize("n_reference, method", [(20_000, "exact"), (20_001, "asymp")])
def test_ks_p_value_exact_up_to_the_pair_limit(n_reference, method):
    # 50 x 20,000 = KS_EXACT_MAX_PAIRS pairs: scipy's exact p-value (which scipy's own "auto"
    # would not choose, a sample being over 10,000); one row more: the asymptotic one.
    rng = np.random.default_rng(3)
    scores = rng.random(50 + n_reference)
    scores[:50] += 0.05
    codes = np.repeat([0, 1], [50, n_reference])
    out = threshold_free(rank_scores(scores), codes, 2, 1)
    expected = stats.ks_2samp(scores[:50], scores[50:], method=method).pvalue
    assert out.loc[0, "ks_p_value"] == pytest.approx(expected, rel=1e-12)


def test_weighted_one_row_comparison_has_no_delong_variance():
    # Group 0: scores 0.2, 0.5, 0.9 (weights 0.1, 0.2, 0.3); the rest: one row, 0.4 (0.7).
    # AUC = (0.2 + 0.3) / 0.6. One comparison row has no sample variance: DeLong's standard
    # error is undefined, and the interval is the Wilson-type bound with n = 1. The Kish
    # size of that row, read from rounded weight sums, is 1.0000000000000002: it must be 1.
    scores = np.array([0.2, 0.5, 0.9, 0.4])
    codes = np.array([0, 0, 0, 1])
    weights = np.array([0.1, 0.2, 0.3, 0.7])
    out = threshold_free(rank_scores(scores), codes, 2, None, weights=weights)
    auc = 0.5 / 0.6
    z = stats.norm.ppf(0.975)
    centre = (auc + z**2 / 2) / (1 + z**2)
    half = z * np.sqrt(auc * (1 - auc) + z**2 / 4) / (1 + z**2)
    assert out.loc[0, "auc"] == pytest.approx(auc, rel=1e-12)
    assert np.isnan(out.loc[0, "auc_se"])
    assert out.loc[0, "auc_low"] == pytest.approx(centre - half, rel=1e-12)
    assert out.loc[0, "auc_high"] == pytest.approx(centre + half, rel=1e-12)
