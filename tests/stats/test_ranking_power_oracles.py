"""The ranking's input checks and the power module's less travelled paths, against hand
computations and statsmodels, where mutation testing found lines no test could fail.

* every input error of the ranking says what is wrong, with the catalogue's text;
* group codes past 256 (the one-byte radix key) are not wrapped;
* Cohen's h (``method="arcsine"``): the minimum detectable rate against statsmodels'
  ``NormalIndPower`` and the sample size against Cohen's closed form;
* invalid inputs with ``errors="nan"``; the control-log inverse with a reference rate;
* the small-cell rule of :func:`small_cell_risk` on a case where it matters.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score
from statsmodels.stats.power import NormalIndPower

from scoreaudit.errors import ScoreAuditError
from scoreaudit.present.catalogue import render_warning
from scoreaudit.stats import power as P
from scoreaudit.stats.distribution import rank_scores, ranking_from_descending, threshold_free

S = np.array([0.3, 0.1, 0.2])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: threshold_free(rank_scores(S), np.zeros(2, int), 1, None),
         "Group codes must have one entry per row (3); got shape (2,)."),
        (lambda: threshold_free(rank_scores(S), np.zeros(3), 1, None),
         "Group codes must be integers; got dtype float64."),
        (lambda: threshold_free(rank_scores(S), np.zeros(3, int), 0, None),
         "n_groups must be a positive integer; got 0."),
        (lambda: threshold_free(rank_scores(S), np.zeros(3, int), 1, None, weights=np.ones(2)),
         "Weights must have one entry per row (3); got shape (2,)."),
        (lambda: threshold_free(
            rank_scores(S), np.zeros(3, int), 1, None, weights=np.array([1.0, -2.0, 1.0])),
         "Weights must be positive and finite; row position 1 has -2.0."),
        (lambda: rank_scores(np.ones((2, 2))),
         "Scores must be one-dimensional; got an array of shape (2, 2)."),
        (lambda: rank_scores(np.array(["a", "b"])), "Scores must be numeric; got dtype <U1."),
    ],
)  # fmt: skip
def test_ranking_input_errors_say_what_is_wrong(call, message):
    with pytest.raises(ScoreAuditError) as exc:
        call()
    assert str(exc.value) == message


@pytest.mark.parametrize("n_groups", [257, 300])
def test_group_codes_past_one_byte_are_not_wrapped(n_groups):
    # code 256 would read as 0 in a one-byte key
    rng = np.random.default_rng(0)
    codes = np.repeat(np.arange(n_groups), 4)
    scores = rng.random(codes.size) + (codes == 256)  # group 256 scored highest
    out = threshold_free(rank_scores(scores), codes, n_groups, None)
    member = codes == 256
    assert out.loc[256, "auc"] == pytest.approx(roc_auc_score(member, scores), rel=1e-12)
    assert out.loc[256, "auc"] == 1.0 and out.loc[0, "auc"] < 1.0
    assert out.index.name == "code" and out.index.tolist() == list(range(n_groups))


def test_ranking_read_backwards_is_ascending():
    s = np.array([0.3, 0.1, 0.3, 0.2, 0.5])
    desc = np.argsort(-s, kind="stable")
    r = ranking_from_descending(desc, s[desc], exact_order=False)
    assert np.all(np.diff(s[r.order]) >= 0)
    assert r.sorted_scores.tolist() == [0.1, 0.2, 0.3, 0.3, 0.5]
    # exact order: tied rows back in row order, numpy's stable ascending sort
    desc = np.argsort(-s)  # any order inside the tie block
    exact = ranking_from_descending(desc, s[desc], exact_order=True)
    assert exact.order.tolist() == np.argsort(s, kind="stable").tolist() == [1, 3, 0, 2, 4]


@pytest.mark.parametrize("direction", ["increase", "decrease"])
def test_arcsine_minimum_detectable_matches_statsmodels(direction):
    n1, n0, p0, alpha = 800.0, 12000.0, 0.06, 0.05
    res = P.minimum_detectable(n1, n0, p0, alpha=alpha, method="arcsine", direction=direction)
    p1 = float(res.group_rate)
    assert (p1 > p0) == (direction == "increase")
    assert float(res.ratio) == pytest.approx(p1 / p0, rel=1e-12)
    # statsmodels' power of Cohen's h at the rate found: the requested 80%, one-sided at
    # alpha / 2 (the audit's two-sided test, its far tail neglected)
    h = abs(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p0)))
    achieved = NormalIndPower().power(
        effect_size=h, nobs1=n1, alpha=alpha / 2, ratio=n0 / n1, alternative="larger"
    )
    assert achieved == pytest.approx(0.8, rel=1e-9)


def test_arcsine_sample_size_is_cohens_closed_form():
    p0, ratio, share = 0.05, 1.5, 0.1
    h = 2 * np.arcsin(np.sqrt(ratio * p0)) - 2 * np.arcsin(np.sqrt(p0))
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    expected = int(np.ceil((z / h) ** 2 / (share * (1 - share))))
    got = P.sample_size(p0, ratio, share, method="arcsine")
    assert int(got) == expected and expected != int(P.sample_size(p0, ratio, share))
    assert np.asarray(got).dtype == np.int64


def test_invalid_inputs_give_nan_with_errors_nan():
    res = P.minimum_detectable([0.0, 500.0], [100.0, 5000.0], [0.1, 0.1], errors="nan")
    assert np.isnan(res.ratio[0]) and np.isfinite(res.ratio[1])
    assert res.reason.tolist() == ["invalid", ""]


def test_control_log_inverse_with_a_reference_rate():
    res = P.detectable([3000, 300], 0.1, 0.3, random_share=0.2)
    rate, ratio = np.asarray(res.group_rate), np.asarray(res.ratio)
    np.testing.assert_allclose(rate, ratio * 0.3, rtol=1e-12)
    np.testing.assert_allclose(res.difference, rate - 0.3, rtol=1e-12)
    assert res.reason.tolist()[0] == ""
    # a reference rate so high that the detectable rate would exceed 1: undetectable
    high = P.detectable(300, 0.1, 0.9, random_share=0.2)
    assert str(high.reason) == "undetectable" and np.isnan(high.ratio)


def _small_cell_rule(n1, n0, p1, p0):
    """The documented rule, written out: 10% quantile of the smallest expected count < 5."""
    total = n1 + n0
    t_mean = n1 * p1 + n0 * p0
    t_sd = np.sqrt(n1 * p1 * (1 - p1) + n0 * p0 * (1 - p0))
    share = min(n1, n0) / total
    mean = share * min(t_mean, total - t_mean)
    return mean - stats.norm.ppf(0.9) * share * t_sd < 5


def test_small_cell_rule_where_the_spread_decides():
    # mean expected count 6.0, spread 1.4: flagged only because of the spread
    n1, n0, p1, p0 = 100.0, 100.0, 0.08, 0.04
    assert _small_cell_rule(n1, n0, p1, p0)
    assert bool(P.small_cell_risk(n1, n0, p1, p0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        size = int(P.sample_size(0.02, 4.0, 0.3))
    message = [str(w.message) for w in caught if w.category is P.SmallCellsWarning]
    assert message and message[0].startswith(f"1 of 1 sample sizes (first: {size}) often leave")
    assert message[0].endswith("Check with simulate_power and plan more files.")
    # the text comes from the catalogue, so a French report or notebook can show it
    warning = [w.message for w in caught if w.category is P.SmallCellsWarning][0]
    french = render_warning(warning.args[0], "fr")
    assert french.startswith(f"1 des 1 tailles d’échantillon (la première : {size})")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: P.minimum_detectable(100, -5, 0.1),
         "n_reference must be a positive, finite number of files; got -5."),
        (lambda: P.minimum_detectable(100, 100, 1.5),
         "reference_rate must be strictly between 0 and 1; got 1.5."),
        (lambda: P.detectable(100, 0.1, 0.05, random_share=1.5),
         "random_share must be strictly between 0 and 1; got 1.5."),
        (lambda: P.minimum_detectable(["x"], 100, 0.1, errors="nan"),
         "n_group must be a number or an array of numbers; got ['x']."),
    ],
)  # fmt: skip
def test_power_errors_name_the_argument(call, message):
    with pytest.raises(ScoreAuditError) as exc:
        call()
    assert str(exc.value) == message


def test_no_small_cell_warning_where_expected_counts_are_large():
    with warnings.catch_warnings():
        warnings.simplefilter("error", P.SmallCellsWarning)
        assert int(P.sample_size(0.05, 1.5, 0.1)) == 7634
