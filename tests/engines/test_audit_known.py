"""Known-answer tests: every expected number below is computed by hand from the toy table."""

import math

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa

Z = 1.959963984540054


def wilson(x, n, z=Z):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_budget_count_three_on_toy(toy_frame):
    pop = sa.Population(toy_frame, protected=["gender", "family"])
    res = sa.audit(
        pop,
        sa.ScoreColumn("score"),
        sa.Budget(count=3),
        reference={"gender": "man", "family": "alone"},
        intersections=False,
        min_cell=1,
    )
    # top three scores: 0.95 (woman), 0.90 (woman), 0.85 (man)
    assert res.selected.tolist() == [True, True] + [False] * 4 + [True] + [False] * 3
    g = res.groups.set_index(["attribute", "group"])
    assert g.loc[("gender", "woman"), "selected"] == 2
    assert g.loc[("gender", "woman"), "n"] == 6
    assert g.loc[("gender", "woman"), "selection_rate"] == pytest.approx(2 / 6, abs=1e-15)
    lo, hi = wilson(2, 6)
    assert g.loc[("gender", "woman"), "selection_rate_low"] == pytest.approx(lo, abs=1e-12)
    assert g.loc[("gender", "woman"), "selection_rate_high"] == pytest.approx(hi, abs=1e-12)
    assert g.loc[("gender", "man"), "mean_score"] == pytest.approx((0.85 + 0.15 + 0.25 + 0.35) / 4)
    assert g.loc[("gender", "man"), "share"] == pytest.approx(0.4)

    d = res.disparities.set_index(["attribute", "group"])
    row = d.loc[("gender", "woman")]
    assert row["reference"] == "man"
    assert row["ratio"] == pytest.approx((2 / 6) / (1 / 4), abs=1e-12)
    se = math.sqrt(1 / 2 - 1 / 6 + 1 / 1 - 1 / 4)
    assert row["ratio_low"] == pytest.approx(4 / 3 * math.exp(-Z * se), rel=1e-12)
    assert row["ratio_high"] == pytest.approx(4 / 3 * math.exp(Z * se), rel=1e-12)
    assert row["difference"] == pytest.approx(1 / 3 - 1 / 4, abs=1e-12)
    l1, u1 = wilson(2, 6)
    l0, u0 = wilson(1, 4)
    assert row["difference_low"] == pytest.approx(
        1 / 12 - math.sqrt((2 / 6 - l1) ** 2 + (u0 - 1 / 4) ** 2), abs=1e-12
    )
    assert row["difference_high"] == pytest.approx(
        1 / 12 + math.sqrt((u1 - 2 / 6) ** 2 + (1 / 4 - l0) ** 2), abs=1e-12
    )
    # Fisher: P(X=k) = C(6,k) C(4,3-k) / 120 = 4, 36, 60, 20 (/120); observed k=2 has 60/120,
    # every table is at most as likely, so the two-sided p-value is 1.
    assert row["test"] == "fisher"
    assert row["p_value"] == pytest.approx(1.0)
    assert row["below_four_fifths"]  # min(4/3, 3/4) = 0.75 < 0.8
    # family: single = rows 1,2,4,8 -> scores .90 .10 .30 .25 ; selected: row 1 -> 1/4
    # alone: rows 0,3,5,6,7,9 -> selected rows 0 and 6 -> 2/6
    assert d.loc[("family", "single"), "ratio"] == pytest.approx((1 / 4) / (2 / 6))


def test_four_fifths_flag_is_symmetric(toy_frame):
    pop = sa.Population(toy_frame, protected=["gender"])
    res = sa.audit(pop, "score", sa.Budget(count=3), reference={"gender": "man"}, min_cell=1)
    # ratio 4/3: the lower rate (1/4) is 0.75 of the higher (1/3): below four fifths
    assert bool(res.disparities["below_four_fifths"].iloc[0]) is True


def test_rest_mode_compares_with_complement(toy_frame):
    pop = sa.Population(toy_frame, protected=["family"])
    res = sa.audit(pop, "score", sa.Budget(count=3), reference="rest", min_cell=1)
    d = res.disparities.set_index("group")
    assert set(d.index) == {"alone", "single"}
    assert d.loc["single", "reference"] == sa.REST
    assert d.loc["single", "ratio"] == pytest.approx((1 / 4) / (2 / 6))
    assert d.loc["alone", "ratio"] == pytest.approx((2 / 6) / (1 / 4))


def test_threshold_and_ties_all():
    import pandas as pd

    frame = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "s": [3.0, 2.0, 2.0, 2.0, 1.0]})
    pop = sa.Population(frame, protected=["g"])
    sel = sa.Budget(count=2, ties="all").select(frame["s"].to_numpy())
    assert sel.n_selected == 4 and sel.cutoff == 2.0 and sel.tied_at_cutoff == 3
    res = sa.audit(pop, "s", sa.Threshold(2.0), min_cell=0)
    assert res.selected.tolist() == [True, True, True, True, False]
    assert res.selection.share == pytest.approx(0.8)
    # random ties: exactly two selected, the 3.0 always, one of the three 2.0s
    for seed in range(5):
        sel = sa.Budget(count=2, random_state=seed).select(frame["s"].to_numpy())
        assert sel.n_selected == 2 and sel.selected[0] and sel.tied_selected == 1


def test_intersections_and_reference_combination(toy_frame):
    pop = sa.Population(toy_frame, protected=["gender", "family"])
    res = sa.audit(
        pop, "score", sa.Budget(count=3), min_cell=1, reference={"gender": "man", "family": "alone"}
    )
    inter = res.groups[res.groups["attribute"] == "gender × family"].set_index("group")
    assert inter["n"].to_dict() == {
        "man × alone": 3,
        "man × single": 1,
        "woman × alone": 3,
        "woman × single": 3,
    }
    assert inter["selected"].to_dict() == {
        "man × alone": 1,
        "man × single": 0,
        "woman × alone": 1,
        "woman × single": 1,
    }
    d = res.disparities[res.disparities["attribute"] == "gender × family"]
    assert set(d["reference"]) == {"man × alone"}
    assert res.config["references_used"]["gender × family"] == "man × alone"


def test_labels_precision_and_error_rates():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "g": ["a"] * 5 + ["b"] * 5,
            "s": [9, 8, 7, 6, 5, 4.5, 3, 2, 1, 0.5],
            "y": [1, 0, 1, np.nan, 0, 1, 0, np.nan, 1, 0],
        }
    )
    pop = sa.Population(frame, protected=["g"], label="y")
    res = sa.audit(pop, "s", sa.Budget(count=4), min_cell=0)
    g = res.groups.set_index("group")
    # a: selected rows 0..3, labels 1,0,1,nan -> precision 2/3; positives of a: rows 0,2 -> tpr 1
    assert g.loc["a", "precision"] == pytest.approx(2 / 3)
    assert g.loc["a", "tpr"] == pytest.approx(1.0)
    assert g.loc["a", "fpr"] == pytest.approx(1 / 2)  # negatives rows 1,4; selected row 1
    assert g.loc["a", "fnr"] == pytest.approx(0.0)
    assert g.loc["a", "controlled_with_label"] == 4
    assert g.loc["b", "selected"] == 0
    assert g.loc["b", "tpr"] == pytest.approx(0.0)
    assert g.loc["b", "positive_rate"] == pytest.approx(2 / 4)


def test_weighted_rate_and_kish(toy_frame):
    frame = toy_frame.assign(w=[1, 2, 1, 1, 1, 1, 3, 1, 1, 1])
    pop = sa.Population(frame, protected=["gender"], weight="w")
    res = sa.audit(pop, "score", sa.Threshold(0.8), min_cell=0, reference={"gender": "man"})
    g = res.groups.set_index("group")
    # woman weights 1,2,1,1,1,1 (sum 7); selected rows 0,1 -> weight 3 -> rate 3/7
    assert g.loc["woman", "selection_rate"] == pytest.approx(3 / 7)
    assert g.loc["woman", "n_effective"] == pytest.approx(49 / 9)
    # man weights 3,1,1,1 (sum 6); selected row 6 (0.85) weight 3 -> 1/2
    assert g.loc["man", "selection_rate"] == pytest.approx(0.5)
    lo, hi = wilson(3 / 7 * 49 / 9, 49 / 9)
    assert g.loc["woman", "selection_rate_low"] == pytest.approx(lo, abs=1e-12)


def test_default_reference_skips_a_largest_group_with_nothing_selected():
    import pandas as pd

    # "big" is the largest group but none of its files is selected
    frame = pd.DataFrame(
        {
            "g": ["big"] * 6 + ["mid"] * 4 + ["small"] * 2,
            "s": [0.1] * 6 + [0.9, 0.8, 0.2, 0.2] + [0.95, 0.3],
        }
    )
    pop = sa.Population(frame, protected=["g"])
    res = sa.audit(pop, "s", sa.Budget(count=3), min_cell=0)
    assert set(res.disparities["reference"]) == {"mid"}
    assert any("'big'" in w and "'mid'" in w for w in res.warnings)
    # an explicit reference is kept, with infinite ratios flagged
    res = sa.audit(pop, "s", sa.Budget(count=3), min_cell=0, reference={"g": "big"})
    assert set(res.disparities["reference"]) == {"big"}
    assert np.isinf(res.disparities["ratio"]).all()
    assert (res.disparities["note"] == "reference group has no selected file").all()


def test_rest_mode_binary_attribute_counts_once_in_the_family():
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "g": rng.choice(["a", "b"], 400),
            "h": rng.choice(["x", "y", "z"], 400),
            "s": rng.random(400),
        }
    )
    pop = sa.Population(frame, protected=["g", "h"])
    res = sa.audit(
        pop,
        "s",
        sa.Budget(share=0.2),
        reference="rest",
        intersections=False,
        correction="bonferroni",
        min_cell=0,
    )
    d = res.disparities
    assert len(d) == 5  # a, b (one test seen from both sides) and x, y, z
    g = d[d["attribute"] == "g"]
    assert g["p_value"].iloc[0] == pytest.approx(g["p_value"].iloc[1])
    # Bonferroni over 4 distinct tests, not 5
    np.testing.assert_allclose(d["p_adjusted"], np.minimum(4 * d["p_value"], 1.0))


def test_minimum_detectable_decrease_matches_power_module():
    import pandas as pd

    from scoreaudit.stats import power

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"g": np.repeat(["a", "b"], [4000, 600]), "s": rng.random(4600)})
    res = sa.audit(
        sa.Population(frame, protected=["g"]),
        "s",
        sa.Budget(share=0.05),
        reference={"g": "a"},
        threshold_free=False,
    )
    row = res.disparities.iloc[0]
    expected = power.minimum_detectable(
        600, 4000, row["reference_rate"], alpha=0.05, comparisons=1, direction="decrease"
    )
    assert row["min_detectable_ratio_decrease"] == pytest.approx(float(expected.ratio))
    assert row["min_detectable_ratio_decrease"] < 1 < row["min_detectable_ratio"]


@pytest.mark.parametrize("tied", [True, False])
def test_declared_probabilities_outside_unit_name_count_and_first_row(tied):
    # tied scores are checked on their distinct values, continuous ones on every row: both
    # name how many scores are outside [0, 1] and the first row holding one
    n = 400
    rng = np.random.default_rng(3)
    score = rng.choice([0.1, 0.4, 0.7], n) if tied else rng.random(n)
    score[[57, 300]] = [1.5, -0.25]
    frame = pd.DataFrame({"gender": ["woman", "man"] * (n // 2), "s": score})
    pop = sa.Population(frame, protected=["gender"])
    with pytest.raises(sa.ModelError) as info:
        sa.audit(pop, sa.ScoreColumn("s", probability=True), sa.Budget(share=0.1))
    msg = str(info.value)
    assert "2 " in msg and "57" in msg and "1.5" in msg, msg
    # undeclared, the same scores are audited (a budget only ranks them)
    res = sa.audit(pop, sa.ScoreColumn("s"), sa.Budget(share=0.1))
    assert int(res.selected.sum()) == 40
