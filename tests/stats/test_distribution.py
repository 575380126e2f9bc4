"""Tests of the threshold-free measures (AUC, KS) and calibration by group."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special, stats
from sklearn.metrics import roc_auc_score
from statsmodels.stats.proportion import proportion_confint

from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.stats.distribution import (
    Ranking,
    calibration_by_group,
    rank_scores,
    threshold_free,
)

Z95 = stats.norm.ppf(0.975)
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def grouped_scores(draw, min_rows: int = 2, max_rows: int = 60, max_groups: int = 5):
    """Rows with scores (heavy ties or continuous), group codes, and integer weights."""
    n = draw(st.integers(min_rows, max_rows))
    n_groups = draw(st.integers(2, max_groups))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["ties", "heavy_ties", "continuous"]))
    if kind == "ties":
        scores = rng.integers(0, 6, n).astype(float)
    elif kind == "heavy_ties":
        scores = rng.integers(0, 2, n).astype(float)
    else:
        scores = rng.normal(size=n)
    codes = rng.integers(0, n_groups, n)
    weights = rng.integers(1, 4, n)
    return scores, codes, n_groups, weights


def naive_delong(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """AUC and DeLong variance by the O(m n) definition."""
    psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    auc = psi.mean()
    v10 = psi.mean(axis=1)
    v01 = psi.mean(axis=0)
    s10 = np.sum((v10 - auc) ** 2) / (len(x) - 1)
    s01 = np.sum((v01 - auc) ** 2) / (len(y) - 1)
    return float(auc), float(s10 / len(x) + s01 / len(y))


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# ---------------------------------------------------------------------------------------------
# rank_scores


def test_rank_scores_structure() -> None:
    s = np.array([3.0, 1.0, 2.0, 1.0, 3.0, 3.0])
    r = rank_scores(s)
    assert isinstance(r, Ranking)
    assert r.order.tolist() == [1, 3, 2, 0, 4, 5]
    assert r.sorted_scores.tolist() == [1, 1, 2, 3, 3, 3]
    assert r.block.tolist() == [0, 0, 1, 2, 2, 2]
    assert r.starts.tolist() == [0, 2, 3] and r.ends.tolist() == [2, 3, 6]
    assert r.n == 6 and r.n_blocks == 3
    assert r.row_block().tolist() == [2, 0, 1, 0, 2, 2]


@pytest.mark.parametrize("bad", [[0.1, np.nan], [np.inf, 0.0], [[0.1, 0.2]], ["a", "b"]])
def test_rank_scores_rejects_bad_scores(bad: list) -> None:
    with pytest.raises(DataError):
        rank_scores(np.array(bad))


# ---------------------------------------------------------------------------------------------
# known answers computed by hand


def test_known_answer_tiny() -> None:
    # group 0 = {1, 2, 3}, reference 1 = {2, 1, 0}
    scores = np.array([1.0, 2.0, 3.0, 2.0, 1.0, 0.0])
    codes = np.array([0, 0, 0, 1, 1, 1])
    t = threshold_free(rank_scores(scores), codes, 2, reference=1)
    row = t.loc[0]
    # pairs: 1 beats {0}, ties {1}: 1.5; 2 beats {1, 0}, ties {2}: 2.5; 3 beats all: 3 -> 7/9
    assert close(row.auc, 7 / 9)
    # placements V = (1/2, 5/6, 1) and W = (1/2, 5/6, 1): s² = 7/108 each, Var = 2 * 7/108 / 3
    assert close(row.auc_se**2, 7 / 162)
    lg, se = math.log(3.5), math.sqrt(7 / 162) / (7 / 9 * 2 / 9)
    assert close(row.auc_low, 1 / (1 + math.exp(-(lg - Z95 * se))))
    assert close(row.auc_high, 1 / (1 + math.exp(-(lg + Z95 * se))))
    # Mann-Whitney: U = 7, mu = 4.5, tie term 6 + 6 = 12, var = 9/12 (7 - 12/30) = 4.95
    assert close(row.auc_p_value, 2 * stats.norm.sf((7 - 4.5 - 0.5) / math.sqrt(4.95)))
    # ECDFs at 0, 1, 2, 3: group 0, 1/3, 2/3, 1; reference 1/3, 2/3, 1, 1 -> 1/3
    assert close(row.ks, 1 / 3)
    eps = 2 * math.sqrt(math.log(4 / 0.05) / 6)
    assert row.ks_low == 0.0 and close(row.ks_high, min(1.0, 1 / 3 + eps))
    assert close(row.ks_p_value, stats.ks_2samp([1, 2, 3], [2, 1, 0], method="exact").pvalue)
    assert t.loc[1].isna().all()


def test_complete_separation_uses_birnbaum_mccarty_bound() -> None:
    scores = np.array([5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0, 0.0])
    codes = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
    row = threshold_free(rank_scores(scores), codes, 2, reference=1).loc[0]
    assert row.auc == 1.0 and row.auc_se == 0.0 and row.ks == 1.0
    k = 4  # min(n_g, n_ref); Wilson lower bound at p = 1 is k / (k + z²)
    assert close(row.auc_low, k / (k + Z95**2)) and row.auc_high == 1.0
    assert close(
        row.auc_p_value, stats.mannwhitneyu(scores[:4], scores[4:], method="asymptotic").pvalue
    )


def test_empty_group_and_reference_rows_are_nan() -> None:
    scores = np.array([0.1, 0.5, 0.3, 0.9])
    codes = np.array([0, 0, 2, 2])
    t = threshold_free(rank_scores(scores), codes, 4, reference=0)
    assert list(t.index) == [0, 1, 2, 3]
    assert t.loc[[0, 1, 3]].isna().all().all()
    assert t.loc[2, ["auc", "ks"]].notna().all()
    rest = threshold_free(rank_scores(scores[:2]), np.array([0, 0]), 1, reference=None)
    assert rest.isna().all().all()  # no "rest" to compare with


def test_threshold_free_rejects_bad_input() -> None:
    r = rank_scores(np.array([0.1, 0.2, 0.3]))
    with pytest.raises(DataError):
        threshold_free(r, np.array([0, 1, 2]), 2, 0)
    with pytest.raises(DataError):
        threshold_free(r, np.array([0, 1]), 2, 0)
    with pytest.raises(DataError):
        threshold_free(r, np.array([0, 1, 1]), 2, 0, weights=np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ScoreAuditError):
        threshold_free(r, np.array([0, 1, 1]), 2, 5)
    with pytest.raises(ScoreAuditError):
        threshold_free(r, np.array([0, 1, 1]), 2, 0, confidence=1.5)


# ---------------------------------------------------------------------------------------------
# differential tests


@SETTINGS
@given(grouped_scores())
def test_fixed_reference_matches_sklearn_scipy_and_naive_delong(data) -> None:
    scores, codes, n_groups, _ = data
    reference = int(codes[0])
    t = threshold_free(rank_scores(scores), codes, n_groups, reference)
    y = scores[codes == reference]
    for g in range(n_groups):
        x = scores[codes == g]
        row = t.loc[g]
        if g == reference or len(x) == 0:
            assert row.isna().all()
            continue
        both = np.concatenate([x, y])
        member = np.r_[np.ones(len(x)), np.zeros(len(y))]
        mw = stats.mannwhitneyu(x, y, method="asymptotic")
        assert close(row.auc, mw.statistic / (len(x) * len(y)))
        if len(np.unique(both)) > 1:
            assert close(row.auc, roc_auc_score(member, both))
        assert close(row.auc_p_value, float(mw.pvalue), 1e-9)
        ks = stats.ks_2samp(x, y, method="exact")  # small samples: exact p-value
        assert close(row.ks, float(ks.statistic))
        assert close(row.ks_p_value, float(ks.pvalue), 1e-9)
        if len(x) > 1 and len(y) > 1:
            auc, var = naive_delong(x, y)
            assert close(row.auc_se**2, var, 1e-10)
        assert 0.0 <= row.auc_low <= row.auc <= row.auc_high <= 1.0
        assert 0.0 <= row.ks_low <= row.ks <= row.ks_high <= 1.0


@SETTINGS
@given(grouped_scores())
def test_rest_mode_equals_group_vs_complement(data) -> None:
    scores, codes, n_groups, weights = data
    ranking = rank_scores(scores)
    for w in (None, weights.astype(float)):
        rest = threshold_free(ranking, codes, n_groups, None, weights=w)
        for g in range(n_groups):
            inside = (codes == g).astype(np.int64)
            if inside.sum() in (0, len(codes)):
                assert rest.loc[g].isna().all()
                continue
            explicit = threshold_free(ranking, inside, 2, reference=0, weights=w).loc[1]
            np.testing.assert_allclose(
                rest.loc[g].to_numpy(), explicit.to_numpy(), rtol=1e-10, atol=1e-12
            )


@SETTINGS
@given(grouped_scores())
def test_integer_weights_equal_repeated_rows(data) -> None:
    scores, codes, n_groups, weights = data
    reference = int(codes[0])
    weighted = threshold_free(
        rank_scores(scores), codes, n_groups, reference, weights=weights.astype(float)
    )
    rep = np.repeat(np.arange(len(scores)), weights)
    repeated = threshold_free(rank_scores(scores[rep]), codes[rep], n_groups, reference)
    for col in ("auc", "ks"):
        np.testing.assert_allclose(weighted[col], repeated[col], rtol=0, atol=1e-12)


@SETTINGS
@given(grouped_scores())
def test_unit_weights_equal_unweighted(data) -> None:
    scores, codes, n_groups, _ = data
    ranking = rank_scores(scores)
    for reference in (int(codes[0]), None):
        a = threshold_free(ranking, codes, n_groups, reference)
        b = threshold_free(ranking, codes, n_groups, reference, weights=np.ones(len(scores)))
        cols = ["auc", "auc_low", "auc_high", "auc_p_value", "auc_se", "ks", "ks_low", "ks_high"]
        np.testing.assert_allclose(a[cols], b[cols], rtol=1e-10, atol=1e-12)


def test_ks_asymptotic_p_value_for_large_samples() -> None:
    rng = np.random.default_rng(3)
    scores = np.round(rng.normal(size=25_000), 2)
    codes = (rng.random(25_000) < 0.45).astype(np.int64)
    row = threshold_free(rank_scores(scores), codes, 2, 0).loc[1]
    ref = stats.ks_2samp(scores[codes == 1], scores[codes == 0], method="asymp")
    assert close(row.ks, float(ref.statistic))
    assert close(row.ks_p_value, float(ref.pvalue), 1e-9)


def test_ks_kolmogorov_limit_for_very_large_samples() -> None:
    rng = np.random.default_rng(5)
    n = 60_000
    codes = (rng.random(n) < 0.5).astype(np.int64)
    scores = np.round(rng.normal(size=n) + 0.01 * codes, 3)
    row = threshold_free(rank_scores(scores), codes, 2, 0).loc[1]
    x, y = scores[codes == 1], scores[codes == 0]
    en = len(x) * len(y) / (len(x) + len(y))
    assert en > 10_000
    assert close(row.ks_p_value, float(special.kolmogorov(math.sqrt(en) * row.ks)))
    smirnov = float(stats.ks_2samp(x, y, method="asymp").pvalue)
    assert smirnov <= row.ks_p_value <= smirnov * 1.03  # conservative, within 3 %


# ---------------------------------------------------------------------------------------------
# calibration


@st.composite
def labelled_data(draw):
    scores, codes, n_groups, weights = draw(grouped_scores(min_rows=1, max_rows=80))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    labels = (rng.random(len(scores)) < 0.3).astype(float)
    labels[rng.random(len(scores)) < 0.4] = np.nan
    bins = draw(st.integers(1, 12))
    return scores, codes, n_groups, weights, labels, bins


@SETTINGS
@given(labelled_data())
def test_calibration_equals_pandas_groupby(data) -> None:
    scores, codes, n_groups, _, labels, bins = data
    n = len(scores)
    got = calibration_by_group(scores, codes, n_groups, labels, bins=bins)
    below = (scores[None, :] < scores[:, None]).sum(axis=1)
    frame = pd.DataFrame(
        {
            "group": codes,
            "bin": np.minimum(bins - 1, bins * below // n),
            "score": scores,
            "label": labels,
        }
    )
    present = np.sort(frame["bin"].unique())
    assert len(got) == n_groups * len(present)
    assert set(got["bin"]) == set(present)
    edges = frame.groupby("bin")["score"].agg(["min", "max"])
    np.testing.assert_array_equal(got["score_low"], edges.loc[got["bin"], "min"])
    np.testing.assert_array_equal(got["score_high"], edges.loc[got["bin"], "max"])
    key = pd.MultiIndex.from_arrays([got["group"], got["bin"]])
    counts = (
        frame.groupby(["group", "bin"])
        .agg(n=("score", "size"), n_labelled=("label", "count"))
        .reindex(key, fill_value=0)
    )
    np.testing.assert_array_equal(got["n"], counts["n"])
    np.testing.assert_array_equal(got["n_labelled"], counts["n_labelled"])
    lab = (
        frame.dropna(subset=["label"])
        .groupby(["group", "bin"])
        .agg(
            mean_score=("score", "mean"),
            observed_rate=("label", "mean"),
            positives=("label", "sum"),
        )
        .reindex(key)
    )
    for col in ("mean_score", "observed_rate"):
        np.testing.assert_allclose(got[col], lab[col], rtol=1e-12, atol=1e-12)  # NaN == NaN
    has = counts["n_labelled"].to_numpy() > 0
    low, high = proportion_confint(
        lab["positives"].to_numpy()[has], counts["n_labelled"].to_numpy()[has], method="wilson"
    )
    np.testing.assert_allclose(got["observed_rate_low"][has], low, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got["observed_rate_high"][has], high, rtol=1e-10, atol=1e-12)
    assert got.loc[~has, ["observed_rate_low", "observed_rate_high"]].isna().all().all()
    # every row in exactly one bin
    assert got["n"].sum() == n


@SETTINGS
@given(labelled_data())
def test_calibration_integer_weights_equal_repeated_rows(data) -> None:
    scores, codes, n_groups, weights, labels, bins = data
    got = calibration_by_group(
        scores, codes, n_groups, labels, bins=bins, weights=weights.astype(float)
    )
    rep = np.repeat(np.arange(len(scores)), weights)
    exp = calibration_by_group(scores[rep], codes[rep], n_groups, labels[rep], bins=bins)
    assert got[["group", "bin"]].equals(exp[["group", "bin"]])
    np.testing.assert_allclose(
        got[["mean_score", "observed_rate", "score_low", "score_high"]],
        exp[["mean_score", "observed_rate", "score_low", "score_high"]],
        rtol=1e-12,
        atol=1e-12,
    )


def test_calibration_known_answer_and_ties() -> None:
    # 10 rows, deciles; scores 0,0,0,0 tie across the first 4 deciles
    scores = np.array([0, 0, 0, 0, 1, 2, 3, 4, 5, 6], dtype=float)
    codes = np.zeros(10, dtype=np.int64)
    labels = np.array([1, 0, np.nan, 0, 1, 1, np.nan, 0, 1, 1], dtype=float)
    t = calibration_by_group(scores, codes, 1, labels)
    assert t["bin"].tolist() == [0, 4, 5, 6, 7, 8, 9]
    first = t.iloc[0]
    assert (first.n, first.n_labelled, first.score_low, first.score_high) == (4, 3, 0.0, 0.0)
    assert close(first.observed_rate, 1 / 3)
    assert t.loc[t["bin"] == 6, "n_labelled"].item() == 0


def test_calibration_rejects_bad_labels() -> None:
    with pytest.raises(DataError):
        calibration_by_group(np.array([0.1, 0.2]), np.array([0, 1]), 2, np.array([0.0, 2.0]))
    with pytest.raises(ScoreAuditError):
        calibration_by_group(
            np.array([0.1, 0.2]), np.array([0, 1]), 2, np.array([0.0, 1.0]), bins=0
        )


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(st.integers(0, 2**32 - 1), st.booleans(), st.booleans(), st.booleans())
def test_codes_given_in_ranked_order_give_the_same_table(seed, tied, weighted, rest):
    # an audit gathers the finest cells in ranked order once and passes each attribute's
    # codes in that order: the same table as codes of the original rows
    rng = np.random.default_rng(seed)
    n, g = int(rng.integers(2, 400)), int(rng.integers(2, 5))
    scores = rng.integers(0, 5, n).astype(float) if tied else rng.random(n)
    codes = rng.integers(0, g, n)
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    ref = None if rest else 0
    r = rank_scores(scores)
    a = threshold_free(r, codes, g, ref, weights=w)
    b = threshold_free(r, codes[r.order], g, ref, weights=w, in_order=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
