"""Tests of scoreaudit.explain: decomposition, neutralisation, proxies, paired testing, personas."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import scoreaudit as sa
from scoreaudit import examples, synthetic
from scoreaudit.errors import DataError, ModelError
from scoreaudit.explain import (
    Explanation,
    _bootstrap,
    _permutation,
    counterfactual,
    explain,
    score_personas,
)
from scoreaudit.models import Scorecard
from scoreaudit.plots.explain import (
    plot_contributions,
    plot_neutralisation,
    plot_paired_shift,
    plot_personas,
)

PROTECTED = ["gender", "age_band", "family_status"]


class Wrapped:
    """A non-scorecard model with the same scores (forces the generic re-scoring path)."""

    def __init__(self, card: Scorecard) -> None:
        self.card = card
        self.features = card.features
        self.name = f"wrapped {card.name}"

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        return self.card.score(frame)


@pytest.fixture(scope="module")
def c2sg() -> pd.DataFrame:
    return synthetic.c2sg_population(20_000, random_state=3)


@pytest.fixture(scope="module")
def c2sg_result(c2sg):
    pop = sa.Population(c2sg, protected=PROTECTED)
    return sa.audit(
        pop,
        examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference={"gender": "man"},
        threshold_free=False,
    )


def planted(n: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """Gender; kids (only women have any: the one discriminating input); independent noise."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(["man", "woman"], n)
    return pd.DataFrame(
        {
            "gender": gender,
            "kids": (gender == "woman") * rng.integers(0, 3, n),
            "noise": rng.normal(size=n),
            "unused": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], n),
        }
    )


PLANTED_CARD = {
    "name": "planted",
    "intercept": -2.0,
    "terms": [
        {"kind": "linear", "variable": "kids", "coefficient": 1.0},
        {"kind": "linear", "variable": "noise", "coefficient": 0.5},
    ],
}


def audit_planted(model=None, frame=None, policy=None):
    frame = planted() if frame is None else frame
    model = Scorecard.from_dict(PLANTED_CARD) if model is None else model
    return sa.audit(
        sa.Population(frame, protected=["gender"]),
        model,
        policy or sa.Budget(share=0.1),
        reference={"gender": "man"},
        threshold_free=False,
    )


# -- decomposition --------------------------------------------------------------------------


def test_decomposition_sums_exactly_to_the_mean_linear_predictor_gap(c2sg, c2sg_result):
    ex = explain(c2sg_result, attributes=["gender", "family_status", "gender × family_status"])
    d = ex.decomposition
    assert set(d["term"]) == set(c2sg_result.model.term_labels)
    sums = d.groupby(["attribute", "group"], sort=False).agg(
        gap=("gap", "sum"), total=("total_gap", "first")
    )
    np.testing.assert_allclose(sums["gap"], sums["total"], rtol=0, atol=1e-9)
    # the total is the gap of mean linear predictor, computed independently
    eta = pd.Series(c2sg_result.model.linear_predictor(c2sg), index=c2sg.index)
    mean_by_gender = eta.groupby(c2sg["gender"], observed=True).mean()
    want = mean_by_gender["woman"] - mean_by_gender["man"]
    got = sums.loc[("gender", "woman"), "total"]
    assert got == pytest.approx(want, abs=1e-9)
    # the contribution means too
    contrib = c2sg_result.model.contributions(c2sg)
    g = d[(d["attribute"] == "gender") & (d["term"] == "n_minors")].iloc[0]
    by = contrib["n_minors"].groupby(c2sg["gender"], observed=True).mean()
    assert g["mean_group"] == pytest.approx(by["woman"], abs=1e-12)
    assert g["mean_reference"] == pytest.approx(by["man"], abs=1e-12)


def test_decomposition_attributes_a_planted_gender_term_to_that_term():
    frame = planted()
    card = Scorecard.from_dict(
        {
            "name": "g",
            "intercept": -2.0,
            "terms": [
                {
                    "kind": "categorical",
                    "variable": "gender",
                    "reference": "man",
                    "coefficients": {"man": 0.0, "woman": 0.8},
                },
                {"kind": "linear", "variable": "noise", "coefficient": 0.5},
            ],
        }
    )
    ex = explain(audit_planted(card, frame))
    d = ex.decomposition.set_index("term")
    assert d.loc["gender", "gap"] == pytest.approx(0.8, abs=1e-12)
    assert abs(d.loc["noise", "gap"]) < 0.03  # independent of gender: only sampling noise
    assert d.loc["gender", "share"] > 0.95
    assert d.loc["gender", "rate_gap_share"] > 0.8  # neutralising the term removes the gap


def test_decomposition_empty_for_non_additive_models():
    ex = explain(audit_planted(Wrapped(Scorecard.from_dict(PLANTED_CARD))))
    assert ex.decomposition.empty
    assert not ex.neutralisation.empty


# -- neutralisation ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["permute", "marginal", "fixed"])
@pytest.mark.parametrize("wrapped", [False, True])
def test_neutralising_an_input_the_model_does_not_read_changes_nothing(method, wrapped):
    card = Scorecard.from_dict(PLANTED_CARD)
    res = audit_planted(Wrapped(card) if wrapped else card)
    ex = explain(res, inputs=["unused", "colour"], neutralise=method, n_repeats=2)
    t = ex.neutralisation
    for col in ("ratio_after", "ratio_after_low", "ratio_after_high"):
        np.testing.assert_array_equal(t[col], t[col.replace("after", "before")])
    np.testing.assert_array_equal(t["ratio_change"], 0.0)
    # and the "before" is the audit's own ratio
    assert t["ratio_before"].iloc[0] == res.disparities["ratio"].iloc[0]


def test_neutralising_the_only_discriminating_input_brings_the_interval_over_1():
    res = audit_planted()
    assert res.disparities["ratio_low"].iloc[0] > 2  # strongly planted
    t = explain(res).neutralisation.set_index("input")
    assert t.loc["kids", "ratio_after_low"] <= 1 <= t.loc["kids", "ratio_after_high"]
    assert bool(t.loc["kids", "after_covers_1"])
    assert t.loc["kids", "rank"] == 1
    assert t.loc["noise", "ratio_after_low"] > 1.5  # neutralising noise leaves the gap
    assert t.loc["kids", "rate_gap_share"] > 0.8


@pytest.mark.parametrize(
    ("policy", "wrapped"),
    [
        (sa.Budget(share=0.05), False),
        (sa.Budget(share=0.05, ties="all"), False),
        (sa.Budget(count=777), False),
        (sa.Threshold(0.2), False),
        (sa.Budget(share=0.05, random_state=11), True),
        (sa.Threshold(0.2), True),
    ],
)
def test_neutralisation_equals_a_full_audit_of_the_permuted_frame(c2sg, policy, wrapped):
    """The sufficient-statistics path gives exactly what a full audit of a neutralised frame
    gives, for every comparison (intersections included), with ties in the scores."""
    c2sg = c2sg.iloc[:10_000].reset_index(drop=True)
    card = examples.model("c2sg-reconstruction")
    model = Wrapped(card) if wrapped else card
    pop = sa.Population(c2sg, protected=PROTECTED)
    ref = {"gender": "man"}
    res = sa.audit(pop, model, policy, reference=ref, threshold_free=False)
    attrs = sorted(set(res.disparities["attribute"]))
    ex = explain(
        res,
        inputs={"kids": ["n_minors"], "money": ["income_to_ceiling", "age"]},
        attributes=attrs,
        random_state=5,
    )
    idx = np.random.default_rng(5).permutation(len(c2sg))
    for name, cols in {"kids": ["n_minors"], "money": ["income_to_ceiling", "age"]}.items():
        frame = c2sg.assign(**{c: c2sg[c].take(idx).set_axis(c2sg.index) for c in cols})
        # same references as the audit being explained (a default reference may otherwise
        # move when the largest group has no selected file after neutralisation)
        full = sa.audit(
            sa.Population(frame, protected=PROTECTED),
            model,
            policy,
            reference=res.config["references_used"],
            threshold_free=False,
        )
        got = ex.neutralisation[ex.neutralisation["input"] == name]
        merged = got.merge(full.disparities, on=["attribute", "group"], validate="1:1")
        assert len(merged) == len(full.disparities)
        np.testing.assert_allclose(
            merged["ratio_after"], merged["ratio"], rtol=0, atol=1e-12, equal_nan=True
        )
        np.testing.assert_allclose(
            merged["ratio_after_low"], merged["ratio_low"], rtol=1e-12, equal_nan=True
        )


def test_stratified_permutation_and_draws_stay_within_strata():
    rng = np.random.default_rng(1)
    strata = rng.integers(0, 4, 1_000)
    idx = _permutation(1_000, strata, rng)
    assert np.array_equal(np.sort(idx), np.arange(1_000))
    np.testing.assert_array_equal(strata[idx], strata)
    boot = _bootstrap(1_000, strata, rng.random(1_000), rng)
    np.testing.assert_array_equal(strata[boot], strata)


def test_stratum_and_repeats_are_reported():
    ex = explain(audit_planted(), stratum="colour", n_repeats=3)
    assert ex.config["stratum"] == ["colour"] and ex.config["n_repeats"] == 3
    t = ex.neutralisation.set_index("input")
    assert t.loc["kids", "ratio_after_sd"] > 0  # spread over the 3 draws


def test_fixed_value_neutralisation():
    res = audit_planted()
    t = explain(res, neutralise="fixed", fixed={"kids": 0}).neutralisation.set_index("input")
    assert bool(t.loc["kids", "after_covers_1"])
    with pytest.raises(DataError, match="only used with neutralise='fixed'"):
        explain(res, fixed={"kids": 0})


def test_named_input_sets_and_result_method(c2sg_result):
    ex = c2sg_result.explain(inputs={"household": ["n_minors", "family_status"]})
    assert c2sg_result.explanation is ex
    assert list(ex.neutralisation["input"].unique()) == ["household"]
    assert ex.neutralisation["columns"].iloc[0] == "n_minors, family_status"
    assert isinstance(ex, Explanation) and "household" in repr(ex.to_dict()["config"])


# -- protected attribute neutralised, proxies --------------------------------------------------


def test_protected_neutralised_no_variable_on_sex(c2sg):
    pop = sa.Population(c2sg, protected=PROTECTED)
    ref = {"gender": "man"}
    no_sex = sa.audit(
        pop,
        examples.model("c2sg-no-protected"),
        sa.Budget(share=0.05),
        reference=ref,
        threshold_free=False,
    )
    p = explain(no_sex, attributes="gender").protected_neutralised.iloc[0]
    assert not p["model_reads_attribute"]
    assert p["ratio_after"] == p["ratio_before"] and p["remaining"] == 1.0
    assert p["ratio_before_low"] > 1  # the disparity travels without the variable
    with_sex = sa.audit(
        pop,
        examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference=ref,
        threshold_free=False,
    )
    q = explain(with_sex, attributes="gender").protected_neutralised.iloc[0]
    assert q["model_reads_attribute"] and q["remaining"] < 0.9
    r = explain(with_sex, attributes="age_band", protected_columns={"age_band": ["age"]})
    assert r.protected_neutralised["model_reads_attribute"].all()


def test_proxy_strength_ranks_a_noisy_copy_of_gender_first():
    frame = planted()
    rng = np.random.default_rng(7)
    woman = (frame["gender"] == "woman").to_numpy()
    frame["copy_numeric"] = woman + rng.normal(scale=0.8, size=len(frame))
    flip = rng.random(len(frame)) < 0.2
    frame["copy_category"] = np.where(woman ^ flip, "f", "m")
    card = Scorecard.from_dict(
        {
            "name": "m",
            "terms": [
                {"kind": "linear", "variable": c, "coefficient": 0.1}
                for c in ("noise", "unused", "copy_numeric")
            ],
        }
    )
    res = audit_planted(card, frame)
    px = explain(
        res, inputs=["noise", "unused", "colour", "copy_numeric", "copy_category"]
    ).proxies.set_index("input")
    assert set(px.loc[["copy_numeric", "copy_category"], "rank"]) == {1, 2}
    assert px.loc["copy_numeric", "auc"] > 0.7 and px.loc["copy_category", "auc"] > 0.75
    for c in ("noise", "unused", "colour"):
        assert px.loc[c, "auc"] < 0.53 and px.loc[c, "association"] < 0.03
    assert px.loc["copy_numeric", "association_measure"] == "normalised_mi"
    assert px.loc["copy_category", "association_measure"] == "cramers_v"
    # the AUC of a numeric input equals the Mann-Whitney AUC
    from scipy.stats import mannwhitneyu

    x = frame["copy_numeric"].to_numpy()
    u = mannwhitneyu(x[woman], x[~woman]).statistic / (woman.sum() * (~woman).sum())
    assert px.loc["copy_numeric", "auc"] == pytest.approx(max(u, 1 - u), abs=1e-12)


def _with_commune(n: int = 4000, seed: int = 1) -> pd.DataFrame:
    """Gender, 1,500 random commune labels independent of it, and two noisy copies of gender."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(["man", "woman"], n)
    woman = gender == "woman"
    return pd.DataFrame(
        {
            "gender": gender,
            "commune": np.char.add("c", rng.integers(0, 1500, n).astype(str)),
            "copy_category": np.where(woman ^ (rng.random(n) < 0.2), "f", "m"),
            "copy_numeric": woman + rng.normal(scale=0.8, size=n),
            "noise": rng.normal(size=n),
        }
    )


def test_proxy_strength_does_not_reward_a_high_cardinality_input_independent_of_gender():
    # review F4: levels ordered by their in-sample share and raw Cramér's V gave this
    # commune AUC 0.84, V 0.61 and rank 1
    from scoreaudit.explain import proxy_table

    frame = _with_commune()
    pop = sa.Population(frame, protected=["gender"])
    px = proxy_table(
        frame, ["commune", "copy_category", "copy_numeric", "noise"], pop.attributes
    ).set_index("input")
    c = px.loc["commune"]
    assert abs(c["auc"] - 0.5) < 0.03
    assert c["auc_method"] == "cross-fitted" and c["association_measure"] == "cramers_v"
    assert c["association"] < 0.2  # raw V: 0.61; corrected V is 0 or sqrt of a tiny excess
    assert c["many_levels"] and c["levels"] > 1000 and "levels" in c["note"]
    assert c["rank"] > px.loc["copy_category", "rank"]
    assert c["rank"] > px.loc["copy_numeric", "rank"]
    # the genuine copies keep their strength; few-level inputs are not flagged
    assert px.loc["copy_category", "auc"] > 0.78 and px.loc["copy_category", "association"] > 0.55
    assert not px.loc[["copy_category", "copy_numeric", "noise"], "many_levels"].any()
    assert px.loc["copy_numeric", "auc_method"] == "ordered"
    # deterministic: the same table twice
    again = proxy_table(
        frame, ["commune", "copy_category", "copy_numeric", "noise"], pop.attributes
    ).set_index("input")
    pd.testing.assert_frame_equal(px, again)


def test_proxy_many_levels_note_reaches_the_explanation():
    frame = _with_commune()
    card = Scorecard.from_dict(
        {
            "name": "m",
            "terms": [
                {"kind": "linear", "variable": "copy_numeric", "coefficient": 1.0},
                {"kind": "linear", "variable": "noise", "coefficient": 0.1},
            ],
        }
    )
    res = audit_planted(card, frame)
    ex = explain(res, inputs=["commune", "copy_category", "copy_numeric", "noise"])
    assert ex.proxies.set_index("input").loc["commune", "rank"] == 3
    assert any("many levels" in note and "commune" in note for note in ex.notes)


def test_bias_corrected_cramers_v_and_cross_fitted_auc_known_answers():
    from scoreaudit.explain import _auc_cross_fitted, _cramers_v

    # a perfect 2x2 association: corrected V stays (almost) 1; independence gives 0
    perfect = np.array([[500.0, 0.0], [0.0, 500.0]])
    assert _cramers_v(perfect) == pytest.approx(1.0, abs=1e-3)
    assert _cramers_v(np.array([[250.0, 250.0], [250.0, 250.0]])) == 0.0
    # Bergsma's formula by hand on a 3x2 table
    t = np.array([[30.0, 10.0], [20.0, 20.0], [10.0, 30.0]])
    n, r, k = t.sum(), 3, 2
    e = np.outer(t.sum(1), t.sum(0)) / n
    phi2 = ((t - e) ** 2 / e).sum() / n - (r - 1) * (k - 1) / (n - 1)
    den = min(r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)) - 1
    assert _cramers_v(t) == pytest.approx(np.sqrt(phi2 / den))
    # cross-fitting: order learned on one half, measured on the other; a level unseen in
    # the learning half gets that half's overall share
    a = np.array([[8.0, 2.0], [2.0, 8.0], [0.0, 0.0]])
    b = np.array([[9.0, 1.0], [1.0, 9.0], [5.0, 5.0]])
    auc = _auc_cross_fitted(a, b)
    assert auc[0] == pytest.approx(auc[1])
    # half a scored by b's shares (0.9, 0.1, 0.5): members 8 (top), 2 (bottom) vs 2, 8
    one = (8 * (8 + 0) + 2 * 0 + 0.5 * (8 * 2 + 2 * 8)) / (10 * 10)
    # half b scored by a's shares (0.8, 0.2, 0.5 = a's overall share)
    pos, neg = np.array([1.0, 5.0, 9.0]), np.array([9.0, 5.0, 1.0])  # ascending score order
    below = np.cumsum(neg) - neg
    two = float(np.sum(pos * (below + 0.5 * neg)) / (15 * 15))
    assert auc[0] == pytest.approx((one + two) / 2)


# -- counterfactual paired testing -------------------------------------------------------------


def test_paired_testing_without_dependence_on_the_attribute_is_exactly_zero(c2sg):
    pop = sa.Population(c2sg, protected=PROTECTED)
    for model in (
        examples.model("c2sg-no-protected"),
        Wrapped(examples.model("c2sg-no-protected")),
    ):
        t, pairs = counterfactual(
            pop, model, sa.Budget(share=0.05), attribute="gender", return_pairs=True
        )
        cols = [
            "score_change",
            "score_change_low",
            "score_change_high",
            "selection_change",
            "selection_change_low",
            "selection_change_high",
            "share_changed",
        ]
        assert (t[cols].to_numpy() == 0).all()
        assert (pairs["score_change"] == 0).all()
        assert set(t["value"]) == {"man", "woman"} and len(t) == 4


def test_paired_testing_detects_a_gender_term_and_follows_implied_inputs(c2sg):
    pop = sa.Population(c2sg, protected=PROTECTED)
    card = examples.model("c2sg-reconstruction")
    t = counterfactual(pop, card, sa.Budget(share=0.05), attribute="gender", sample=5_000)
    row = t[(t["group"] == "man") & (t["value"] == "woman")].iloc[0]
    assert row["score_change_low"] > 0 and row["selection_change_low"] > 0
    assert row["n"] + t[(t["group"] == "woman") & (t["value"] == "woman")]["n"].iloc[0] == 5_000
    # a man made a woman with at least one minor also gets the 'mother' interaction
    t2 = counterfactual(
        pop,
        card,
        sa.Budget(share=0.05),
        attribute="gender",
        values=["woman"],
        implies={"woman": {"n_minors": lambda f: np.maximum(f["n_minors"], 1)}},
        sample=5_000,
    )
    row2 = t2[t2["group"] == "man"].iloc[0]
    assert row2["score_change"] > row["score_change"]
    # intervals are mean +- t * sd / sqrt(n) of the paired differences
    _, pairs = counterfactual(
        pop, card, sa.Budget(share=0.05), attribute="gender", sample=2_000, return_pairs=True
    )
    d = pairs[(pairs["group"] == "man") & (pairs["value"] == "woman")]["score_change"]
    from scipy import stats

    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    t3 = counterfactual(pop, card, sa.Budget(share=0.05), attribute="gender", sample=2_000)
    r3 = t3[(t3["group"] == "man") & (t3["value"] == "woman")].iloc[0]
    assert r3["score_change_high"] - r3["score_change"] == pytest.approx(half, rel=1e-9)


# -- personas -----------------------------------------------------------------------------------


def test_personas_from_yaml(tmp_path, c2sg):
    pop = sa.Population(c2sg, protected=PROTECTED)
    card = examples.model("c2sg-reconstruction")
    path = tmp_path / "personas.yaml"
    path.write_text(
        "personas:\n"
        "  - name: single mother\n"
        "    gender: woman\n    age: 28\n    n_minors: 2\n    family_status: single_parent\n"
        "    income_to_ceiling: 0.95\n    recent_household_change: 0\n"
        "  - name: man alone\n"
        "    gender: man\n    age: 40\n    n_minors: 0\n    family_status: alone\n"
        "    income_to_ceiling: 0.5\n    recent_household_change: 0\n",
        encoding="utf-8",
    )
    t = score_personas(path, pop, card, sa.Budget(share=0.05))
    given = t[t["variant"] == "as given"].set_index("persona")
    assert given.loc["single mother", "score"] > given.loc["man alone", "score"]
    assert given.loc["single mother", "selected"] == "yes"
    assert given.loc["man alone", "selected"] == "no"
    assert 0 <= given.loc["man alone", "percentile"] < given.loc["single mother", "percentile"]
    # the same file as a man scores lower; family_status variants are listed too
    v = t[(t["persona"] == "single mother") & (t["variant"] == "gender = man")].iloc[0]
    assert v["score_change"] < 0
    assert (t["attribute"] == "family_status").sum() == 2 * 4
    scores = card.score(c2sg)
    s = given.loc["man alone", "score"]
    want = 100 * ((scores < s).mean() + 0.5 * (scores == s).mean())
    assert given.loc["man alone", "percentile"] == pytest.approx(want, abs=1e-9)


# -- bad input -----------------------------------------------------------------------------------


def test_bad_input_gives_clear_errors(c2sg):
    res = audit_planted()
    with pytest.raises(DataError, match="Unknown input 'nope'.*model reads: kids, noise"):
        explain(res, inputs=["nope"])
    with pytest.raises(DataError, match="'nope' \\(in input set 'x'\\)"):
        explain(res, inputs={"x": ["kids", "nope"]})
    with pytest.raises(DataError, match="neutralise must be one of"):
        explain(res, neutralise="drop")
    with pytest.raises(DataError, match="did not compare"):
        explain(res, attributes=["age"])
    with pytest.raises(DataError, match="stratum column"):
        explain(res, stratum="nope")
    with pytest.raises(DataError, match="n_repeats"):
        explain(res, n_repeats=0)
    pop = sa.Population(planted(), protected=["gender"])
    card = Scorecard.from_dict(PLANTED_CARD)
    with pytest.raises(DataError, match="Persona 'anna' lacks 'noise'"):
        score_personas([{"name": "anna", "kids": 2}], pop, card)
    with pytest.raises(DataError, match="Persona #1 has no 'name'"):
        score_personas([{"kids": 2, "noise": 0.0}], pop, card)
    with pytest.raises(DataError, match="not a column"):
        counterfactual(pop, card, attribute="sex")
    with pytest.raises(DataError, match="implies gives inputs for 'other'"):
        counterfactual(pop, card, attribute="gender", implies={"other": {"kids": 0}})
    with pytest.raises(ModelError, match="not a scoring model"):
        counterfactual(pop, object(), attribute="gender")
    with pytest.raises(DataError, match="not a category|not one of"):
        score_personas(
            [{"name": "x", "gender": "robot", "kids": 1, "noise": 0.0}],
            sa.Population(planted().astype({"gender": "category"}), protected=["gender"]),
            Scorecard.from_dict(
                {
                    "name": "m",
                    "terms": [
                        {
                            "kind": "categorical",
                            "variable": "gender",
                            "reference": "man",
                            "coefficients": {"man": 0, "woman": 1},
                        }
                    ],
                }
            ),
        )


# -- plots ------------------------------------------------------------------------------------


def test_plots_return_figures(c2sg, c2sg_result):
    ex = explain(c2sg_result, attributes=["gender", "family_status"])
    pop = c2sg_result.population
    card = c2sg_result.model
    t, pairs = counterfactual(
        pop, card, c2sg_result.policy, attribute="gender", sample=2_000, return_pairs=True
    )
    personas = score_personas(
        [
            {
                "name": "p",
                "gender": "woman",
                "age": 30,
                "n_minors": 1,
                "family_status": "single_parent",
                "income_to_ceiling": 0.9,
                "recent_household_change": 1,
            }
        ],
        pop,
        card,
        c2sg_result.policy,
    )
    for lang in ("en", "fr"):
        figs = [
            plot_contributions(ex, "gender", lang=lang),
            plot_neutralisation(ex, "woman", lang=lang),
            plot_paired_shift(pairs, lang=lang),
            plot_paired_shift(t, lang=lang),
            plot_personas(personas, c2sg_result, lang=lang),
        ]
        assert all(isinstance(f, Figure) for f in figs)
        # built without pyplot: no figure manager, so a notebook never shows them twice
        assert all(f.canvas.manager is None for f in figs)
    with pytest.raises(DataError, match="lang"):
        plot_neutralisation(ex, "woman", lang="de")


def test_weights_and_rest_reference():
    frame = planted(8_000)
    frame["w"] = np.random.default_rng(0).random(len(frame)) + 0.5
    card = Scorecard.from_dict(PLANTED_CARD)
    res = sa.audit(
        sa.Population(frame, protected=["gender"], weight="w"),
        card,
        sa.Budget(share=0.1),
        reference={"gender": "man"},
        threshold_free=False,
    )
    t = explain(res, inputs=["unused", "kids"], neutralise="marginal").neutralisation
    t = t.set_index("input")
    assert (
        t.loc["unused", "ratio_after"]
        == t.loc["unused", "ratio_before"]
        == res.disparities["ratio"].iloc[0]
    )
    assert bool(t.loc["kids", "after_covers_1"])
    rest = sa.audit(
        sa.Population(frame, protected=["gender"]),
        card,
        sa.Budget(share=0.1),
        reference="rest",
        threshold_free=False,
    )
    n = explain(rest, inputs=["kids"]).neutralisation
    assert set(n["reference"]) == {"(rest)"} and len(n) == 2
    np.testing.assert_array_equal(n["ratio_before"], rest.disparities["ratio"])
