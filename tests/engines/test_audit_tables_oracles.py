"""The audit's tables against independent computations, where mutation testing of
``engines/tables.py`` found lines no test could fail.

Oracles: sklearn's ``roc_auc_score`` (AUC of each group against its reference, through the
audit), statsmodels' Wilson interval (FNR), numpy's weighted mean (mean score), the
disparities table read again from the budget curve at the audit's own budget (two code
paths), the power module called with the audit's own settings, and the Jeffreys-smoothed
bootstrap redrawn here from its documented recipe.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from statsmodels.stats.proportion import proportion_confint

import scoreaudit as sa
from scoreaudit.errors import ModelError
from scoreaudit.stats import power


def _frame(n: int, seed: int, tied: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    shift = np.select([g == "a", g == "b"], [0.0, 0.15], 0.3)
    score = np.clip(rng.random(n) * 0.7 + shift, 0, 1)
    return pd.DataFrame(
        {
            "g": g,
            "s": np.round(score, 1) if tied else score,
            "w": rng.uniform(0.5, 3.0, n),
            "y": rng.integers(0, 2, n),
        }
    )


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reference", [{"g": "a"}, "rest"])
def test_auc_through_the_audit_matches_sklearn(tied, weighted, reference):
    f = _frame(3000, 1, tied)
    pop = sa.Population(f, protected=["g"], weight="w" if weighted else None)
    res = sa.audit(pop, "s", sa.Budget(share=0.1), reference=reference, intersections=False)
    for row in res.disparities.itertuples():
        member = (f["g"] == row.group).to_numpy()
        other = (f["g"] == "a").to_numpy() if reference != "rest" else ~member
        both = member | other
        w = f["w"].to_numpy()[both] if weighted else None
        expected = roc_auc_score(member[both], f["s"].to_numpy()[both], sample_weight=w)
        assert row.auc == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_fnr_interval_is_wilson_on_the_missed_positives():
    f = _frame(2000, 2, tied=False)
    pop = sa.Population(f, protected=["g"], label="y")
    res = sa.audit(pop, "s", sa.Budget(share=0.2), intersections=False)
    for row in res.groups.itertuples():
        fn = row.positives - int(round(row.tpr * row.positives))
        low, high = proportion_confint(fn, row.positives, alpha=0.05, method="wilson")
        assert row.fnr == pytest.approx(fn / row.positives, rel=1e-12)
        assert row.fnr_low == pytest.approx(low, rel=1e-9)
        assert row.fnr_high == pytest.approx(high, rel=1e-9)


def test_weighted_mean_score_is_the_weighted_average():
    f = _frame(1500, 3, tied=False)
    pop = sa.Population(f, protected=["g"], weight="w")
    res = sa.audit(pop, "s", sa.Budget(share=0.1), intersections=False)
    for row in res.groups.itertuples():
        sub = f[f["g"] == row.group]
        assert row.mean_score == pytest.approx(np.average(sub["s"], weights=sub["w"]), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reference", [{"g": "a"}, "rest"])
def test_budget_curve_at_the_audits_budget_says_what_the_disparities_say(weighted, reference):
    f = _frame(4000, 4, tied=False)
    pop = sa.Population(f, protected=["g"], weight="w" if weighted else None)
    res = sa.audit(
        pop, "s", sa.Budget(share=0.15), reference=reference, budgets=[0.15], intersections=False
    )
    curve = res.curve.set_index("group")
    for row in res.disparities.itertuples():
        at = curve.loc[row.group]
        assert at["selection_rate"] == pytest.approx(row.selection_rate, rel=1e-12)
        for column in ("ratio", "ratio_low", "ratio_high"):
            assert at[column] == pytest.approx(getattr(row, column), rel=1e-12)
    groups = res.groups.set_index("group")
    for column in ("selection_rate_low", "selection_rate_high"):
        np.testing.assert_allclose(curve[column], groups.loc[curve.index, column], rtol=1e-12)


@pytest.mark.parametrize("correction", ["none", "bonferroni"])
def test_minimum_detectable_ratios_use_the_audits_alpha_and_correction(correction):
    # alpha 0.2 over 2 tests: neither alpha nor alpha / 2 is the default 0.05
    f = _frame(3000, 5, tied=False)
    pop = sa.Population(f, protected=["g"])
    res = sa.audit(
        pop, "s", sa.Budget(share=0.1), correction=correction, confidence=0.8, intersections=False
    )
    d = res.disparities  # two comparisons (b and c against a): a family of 2 tests
    kw = dict(alpha=0.2, power=0.8, comparisons=2, correction=correction)
    n1, n0, p0 = d["n"].to_numpy(float), d["reference_n"].to_numpy(float), d["reference_rate"]
    up = power.minimum_detectable(n1, n0, p0.to_numpy(), **kw)
    down = power.minimum_detectable(n1, n0, p0.to_numpy(), direction="decrease", **kw)
    np.testing.assert_allclose(d["min_detectable_ratio"], up.ratio, rtol=1e-12)
    np.testing.assert_allclose(d["min_detectable_ratio_decrease"], down.ratio, rtol=1e-12)


def test_bootstrap_against_rest_equals_against_the_other_group_of_a_binary_attribute():
    f = _frame(2000, 6, tied=False)
    f["h"] = np.where(f["g"] == "a", "x", "y")
    pop = sa.Population(f, protected=["h"])
    kw = dict(bootstrap=400, bootstrap_seed=3, intersections=False)
    rest = sa.audit(pop, "s", sa.Budget(share=0.1), reference="rest", **kw).disparities
    pair = sa.audit(pop, "s", sa.Budget(share=0.1), reference={"h": "y"}, **kw).disparities
    x_rest = rest.set_index("group").loc["x"]
    assert x_rest["ratio_boot_low"] == pair.set_index("group").loc["x", "ratio_boot_low"]
    assert x_rest["ratio_boot_high"] == pair.set_index("group").loc["x", "ratio_boot_high"]


def test_bootstrap_interval_redrawn_from_its_recipe():
    # one attribute, no intersection: the finest cells are its groups, in category order
    f = _frame(1000, 7, tied=False)
    pop = sa.Population(f, protected=["g"])
    res = sa.audit(
        pop, "s", sa.Budget(share=0.1), reference={"g": "a"}, bootstrap=199, bootstrap_seed=11,
        intersections=False,
    )  # fmt: skip
    g = res.groups.set_index("group").loc[["a", "b", "c"]]
    n, x = g["n"].to_numpy(float), g["selected"].to_numpy(float)
    draws = np.random.default_rng(11).beta(x + 0.5, n - x + 0.5, size=(199, 3))
    for j, group in ((1, "b"), (2, "c")):
        ratios = np.sort(draws[:, j] / draws[:, 0])  # (x_g n_g / n_g) / (x_a n_a / n_a)
        row = res.disparities.set_index("group").loc[group]
        # percentile bounds are order statistics: position floor / ceil of q (B - 1)
        assert row["ratio_boot_low"] == pytest.approx(ratios[int(np.floor(0.025 * 198))])
        assert row["ratio_boot_high"] == pytest.approx(ratios[int(np.ceil(0.975 * 198))])


def test_probability_error_counts_only_the_scores_outside_zero_one():
    f = pd.DataFrame({"g": ["a", "b"] * 3, "s": [0.0, 0.5, 1.25, -0.5, 1.0, 0.2]})
    pop = sa.Population(f, protected=["g"])
    with pytest.raises(ModelError) as exc:
        sa.audit(pop, sa.ScoreColumn("s", probability=True), sa.Budget(share=0.5))
    assert "gave 2 score(s) outside [0, 1], first 1.25 at row position 2." in str(exc.value)


class _Model:
    """A scoring model of the protocol (no ``probability`` attribute): any real score."""

    features = ["s"]
    name = "raw"

    def score(self, frame):
        return frame["s"].to_numpy() * 10 - 3


def test_a_model_without_a_probability_attribute_may_score_outside_zero_one():
    f = _frame(300, 8, tied=False)
    res = sa.audit(sa.Population(f, protected=["g"]), _Model(), sa.Budget(share=0.1))
    assert res.selected.sum() == 30
    assert res.model_info == {"name": "raw", "kind": "_Model"}  # results.json's "model"


class _BadProbabilities:
    """A fitted estimator whose predict_proba is not a probability (a broken model)."""

    feature_names_in_ = np.array(["s"], dtype=object)
    classes_ = np.array([0, 1])

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        p = np.asarray(X["s"], dtype=float) * 2
        return np.column_stack([1 - p, p])


def test_predict_proba_outside_zero_one_is_refused():
    f = _frame(300, 9, tied=False)
    f = f[["g", "s"]]
    with pytest.raises(ModelError) as exc:
        sa.audit(sa.Population(f, protected=["g"]), _BadProbabilities(), sa.Budget(share=0.1))
    assert "declares probabilities" in str(exc.value)


def test_weighted_comparisons_use_the_score_test_even_for_small_counts():
    # Fisher's exact test needs whole counts; weighted counts are pseudo-counts
    f = _frame(400, 10, tied=False)
    f.loc[f.index[:6], "g"] = "d"  # a group of 6 files: expected counts below 5
    for weighted, expected in ((False, "fisher"), (True, "score")):
        pop = sa.Population(f, protected=["g"], weight="w" if weighted else None)
        res = sa.audit(pop, "s", sa.Budget(share=0.1), reference={"g": "a"}, intersections=False)
        assert res.disparities.set_index("group").loc["d", "test"] == expected


def test_notes_say_when_no_file_was_selected():
    # the budget reaches group c only: b against a has no selected file on either side
    f = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10 + ["c"] * 10, "s": [0.1] * 20 + [0.9] * 10})
    pop = sa.Population(f, protected=["g"])
    res = sa.audit(pop, "s", sa.Budget(share=0.2), reference={"g": "a"}, min_cell=0)
    notes = res.disparities.set_index("group")["note"]
    assert notes["b"] == "no file selected in either group"
    assert notes["c"] == "reference group has no selected file"
    res = sa.audit(pop, "s", sa.Budget(share=0.2), reference={"g": "c"}, min_cell=0)
    assert (res.disparities["note"] == "").all()


def test_lottery_range_from_rows_equals_from_score_levels():
    # the same tie block at the cut-off: with 2,000 distinct scores around it (rows read),
    # and with the scores above and below collapsed to one value each (levels counted)
    rng = np.random.default_rng(12)
    n = 3000
    g = rng.choice(["a", "b", "c"], n)
    s = rng.random(n)
    tied = rng.choice(n, 400, replace=False)
    s[tied] = 0.9
    s[(s > 0.9)] = rng.uniform(0.91, 1.0, (s > 0.9).sum())
    g[s < 0.3] = "d"  # the last group: no file above the cut-off, none tied
    many = pd.DataFrame({"g": g, "s": s})
    few = pd.DataFrame({"g": g, "s": np.select([s > 0.9, s == 0.9], [1.0, 0.9], 0.0)})
    kw = dict(reference="rest", intersections=False)
    out = [
        sa.audit(sa.Population(f, protected=["g"]), "s", sa.Budget(share=0.15), **kw)
        for f in (many, few)
    ]
    cols = ["group", "ratio", "ratio_lottery_low", "ratio_lottery_high"]
    assert out[0].disparities["ratio_lottery_low"].notna().all()
    pd.testing.assert_frame_equal(out[0].disparities[cols], out[1].disparities[cols])
