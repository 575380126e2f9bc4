"""Budget invariants, determinism, curve consistency and bad input."""

import json

import numpy as np
import pandas as pd
import pytest
from helpers import random_frame

import scoreaudit as sa
from scoreaudit.errors import DataError, ModelError, PolicyError


def _audit(f, **kw):
    pop = sa.Population(f, protected=["a0", "a1", "a2"])
    kw.setdefault("policy", sa.Budget(share=0.1, random_state=7))
    return sa.audit(pop, "score", **kw)


def test_exactly_k_selected_and_same_seed_same_selection():
    f = random_frame(0).assign(score=lambda d: np.round(d["score"] * 20))  # heavy ties
    for k in [1, 17, 200, 1999, 2000]:
        sel = sa.Budget(count=k, random_state=3).select(f["score"].to_numpy())
        assert sel.selected.sum() == k == sel.n_selected
    a = _audit(f)
    b = _audit(f)
    assert np.array_equal(a.selected, b.selected)
    assert a.to_json() == b.to_json()
    # the default (proportional) tie rule has no draw: the seed changes nothing
    c = _audit(f, policy=sa.Budget(share=0.1, random_state=8))
    assert np.array_equal(a.selected, c.selected)
    # the seeded lottery over the tie block's groups: another seed, another draw
    d = _audit(f, policy=sa.Budget(share=0.1, ties="random", random_state=8))
    e = _audit(f, policy=sa.Budget(share=0.1, ties="random", random_state=3))
    assert not np.array_equal(d.selected, e.selected)


def test_row_permutation_permutes_selection_and_keeps_tables():
    f = random_frame(1)
    perm = np.random.default_rng(5).permutation(len(f))
    a = _audit(f)
    b = _audit(f.iloc[perm].reset_index(drop=True))
    assert np.array_equal(a.selected[perm], b.selected)
    pd.testing.assert_frame_equal(a.groups, b.groups)
    pd.testing.assert_frame_equal(a.disparities, b.disparities, check_exact=False, atol=1e-12)
    pd.testing.assert_frame_equal(a.curve, b.curve)


def test_monotone_transform_of_scores_changes_nothing():
    f = random_frame(2)
    a = _audit(f)
    b = _audit(f.assign(score=np.exp(3 * f["score"]) + 10))
    assert np.array_equal(a.selected, b.selected)
    pd.testing.assert_frame_equal(a.disparities.drop(columns=[]), b.disparities)


def test_curve_at_policy_budget_equals_selection():
    f = random_frame(3)
    res = _audit(f, budgets=[0.05, 0.1, 0.5, 1.0])
    cur = res.curve[res.curve["budget"] == 0.1].set_index(["attribute", "group"])
    g = res.groups.set_index(["attribute", "group"])
    np.testing.assert_array_equal(cur["selected"].loc[g.index], g["selected"])
    np.testing.assert_allclose(cur["selection_rate"].loc[g.index], g["selection_rate"])
    full = res.curve[res.curve["budget"] == 1.0]
    assert (full["selection_rate"] == 1.0).all()
    # curve counts equal a direct count of the top-k rows in the ranking
    order = np.lexsort((np.arange(len(f)), -f["score"].to_numpy()))
    top = np.zeros(len(f), bool)
    top[order[:1000]] = True
    cur = res.curve[(res.curve["budget"] == 0.5) & (res.curve["attribute"] == "a1")]
    expected = pd.Series(top).groupby(f["a1"].to_numpy()).sum()
    np.testing.assert_array_equal(cur.set_index("group")["selected"].loc[expected.index], expected)


def test_to_dict_is_json_and_deterministic():
    f = random_frame(4, n=300)
    res = _audit(f)
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["schema_version"] == 2
    assert len(d["disparities"]) == len(res.disparities)


def test_small_cells_flagged():
    f = random_frame(5, n=200, groups=(2, 4, 3))
    res = _audit(f, min_cell=11)
    g = res.groups
    expected = (g["n"] < 11) | (g["selected"] < 11)
    assert (g["small_cell"] == expected).all()
    assert g["small_cell"].any()


def test_intersections_cover_all_combinations():
    f = random_frame(6)
    res = _audit(f)
    attrs = list(dict.fromkeys(res.groups["attribute"]))
    assert attrs == ["a0", "a1", "a2", "a0 × a1", "a0 × a2", "a1 × a2", "a0 × a1 × a2"]
    # every partition's counts sum to the population
    assert (res.groups.groupby("attribute", sort=False)["n"].sum() == len(f)).all()


def test_bands_produce_labels():
    f = pd.DataFrame({"age": [18, 24, 25, 34, 35, 64, 65, 90], "s": np.arange(8.0)})
    pop = sa.Population(f, protected=["age"], bands={"age": [25, 35, 65]})
    assert pop.attributes["age"].levels == ("<25", "25-34", "35-64", "65+")
    assert pop.attributes["age"].codes.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize("sizes", [(3, 2), (150, 2), (300, 250)])
def test_group_codes_in_small_types_count_like_pandas(sizes):
    # the codes of a protected attribute are kept in int8 / int16: groups and intersections
    # (up to 75,000 combinations) still count exactly as a pandas groupby
    rng = np.random.default_rng(sum(sizes))
    n = 20_000
    f = pd.DataFrame({f"a{i}": rng.integers(0, s, n).astype(str) for i, s in enumerate(sizes)})
    f["score"] = rng.random(n)
    pop = sa.Population(f, protected=["a0", "a1"], max_categories=1000)
    want_dtype = [np.int8 if s <= 127 else np.int16 for s in sizes]
    assert [pop.attributes[a].codes.dtype for a in ("a0", "a1")] == want_dtype
    res = sa.audit(pop, "score", sa.Budget(share=0.1), threshold_free=False, budgets=[0.1])
    got = res.groups[res.groups["attribute"] == "a0 × a1"]
    top = f["score"].rank(ascending=False, method="first") <= 2000
    want = f.assign(top=top).groupby(["a0", "a1"])["top"].agg(["size", "sum"])
    want.index = [f"{a} × {b}" for a, b in want.index]
    got = got.set_index("group").loc[want.index]
    assert got["n"].tolist() == want["size"].tolist()
    assert got["selected"].tolist() == want["sum"].tolist()


@pytest.mark.parametrize("declared", [5, 16, 17, 40])
def test_unused_categories_are_dropped_and_codes_renumbered(declared):
    # few declared categories are checked one comparison per level, many by a bincount:
    # both keep exactly the categories present, in declared order, with missing values
    cats = [f"c{i:02d}" for i in range(declared)]
    present = [cats[-1], cats[1], cats[3]]  # the last declared category is used
    values = pd.Categorical(present * 3 + [None], categories=cats)
    f = pd.DataFrame({"g": values, "score": np.arange(10.0)})
    pop = sa.Population(f, protected=["g"], missing="category")
    assert pop.attributes["g"].levels == ("c01", "c03", cats[-1], "(missing)")
    assert pop.attributes["g"].codes.tolist() == [2, 0, 1] * 3 + [3]


# -- bad input ---------------------------------------------------------------------------
def test_missing_protected_column():
    with pytest.raises(DataError, match="'sex'"):
        sa.Population(random_frame(0), protected=["sex"])


def test_nan_in_protected_attribute_names_column_and_row():
    f = random_frame(0)
    f.loc[7, "a1"] = None
    with pytest.raises(DataError, match=r"'a1' has 1 missing value.*row position 7"):
        sa.Population(f, protected=["a1"])
    pop = sa.Population(f, protected=["a1"], missing="category")
    assert "(missing)" in pop.attributes["a1"].levels


def test_unknown_reference_value():
    pop = sa.Population(random_frame(0), protected=["a0"])
    with pytest.raises(DataError, match="'nobody'.*does not exist"):
        sa.audit(pop, "score", reference={"a0": "nobody"})
    with pytest.raises(DataError, match="not an audited attribute"):
        sa.audit(pop, "score", reference={"zz": "g0"})


@pytest.mark.parametrize(
    "kw",
    [
        {"share": 0},
        {"share": 1.2},
        {"share": -0.1},
        {"share": float("nan")},
        {"share": "5%"},
        {"count": 0},
        {"count": 2.5},
        {"share": 0.1, "count": 3},
        {},
    ],
)
def test_bad_budgets(kw):
    with pytest.raises(PolicyError):
        sa.Budget(**kw)


def test_budget_count_larger_than_population():
    pop = sa.Population(random_frame(0, n=50), protected=["a0"])
    with pytest.raises(PolicyError, match="exceeds the population size 50"):
        sa.audit(pop, "score", sa.Budget(count=51))


@pytest.mark.parametrize("bad", [np.nan, np.inf, "high"])
def test_bad_scores(bad):
    f = random_frame(0, n=50).astype({"score": object})
    f.loc[3, "score"] = bad
    pop = sa.Population(f, protected=["a0"])
    with pytest.raises(ModelError, match="row position 3"):
        sa.audit(pop, "score")


def test_single_group_attribute_and_empty_population():
    f = random_frame(0, n=50).assign(a0="only")
    with pytest.raises(DataError, match="single group"):
        sa.Population(f, protected=["a0"])
    with pytest.raises(DataError, match="empty"):
        sa.Population(random_frame(0).iloc[:0], protected=["a0"])


def test_bad_labels_and_weights():
    f = random_frame(0, n=50)
    with pytest.raises(DataError, match="Label column 'y'"):
        sa.Population(f.assign(y=2), protected=["a0"], label="y")
    with pytest.raises(DataError, match="Weight column 'w'.*row position 0"):
        sa.Population(f.assign(w=-1.0), protected=["a0"], weight="w")
    with pytest.raises(DataError, match="Weight column 'w'"):
        sa.Population(f.assign(w=0.0), protected=["a0"], weight="w")


def test_numeric_attribute_without_bands_and_case_duplicates():
    f = random_frame(0, n=100).assign(age=np.arange(100))
    with pytest.raises(DataError, match="give bands"):
        sa.Population(f, protected=["age"])
    f["sex"] = ["Femme", "femme "] * 50
    with pytest.raises(DataError, match="differ only by case or spaces"):
        sa.Population(f, protected=["sex"])


def test_model_missing_column_and_non_population():
    class Model:
        features = ["income"]

        def score(self, frame):
            return frame["income"].to_numpy()

    pop = sa.Population(random_frame(0, n=50), protected=["a0"])
    with pytest.raises(ModelError, match="'income'"):
        sa.audit(pop, Model())
    with pytest.raises(DataError, match="Population"):
        sa.audit(random_frame(0), "score")


def test_budget_rounding_is_exact_at_halves_and_unit_weights_agree():
    from scoreaudit.selection.policies import _rank

    # 0.29 * 50 = 14.4999... in floating point; the documented rule rounds 14.5 up
    assert int(_rank(np.arange(50.0), None, "all").count_for_share(0.29)) == 15
    assert int(_rank(np.arange(25.0), None, "all").count_for_share(0.58)) == 15
    assert int(_rank(np.arange(150.0), None, "all").count_for_share(0.69)) == 104
    for n in [2, 7, 25, 50, 150, 999]:
        scores = np.arange(float(n))
        plain = _rank(scores, None, "random")
        unit = _rank(scores, np.ones(n), "random")
        shares = np.round(np.arange(1, 100) / 100, 10)
        expected = [int(np.floor(round(s * n, 9) + 0.5)) for s in shares]
        assert plain.count_for_share(shares).tolist() == expected
        assert unit.count_for_share(shares).tolist() == expected


def test_weighted_budget_takes_the_nearest_cumulative_weight():
    from scoreaudit.selection.policies import _rank

    weights = np.array([5.0, 1.0, 1.0, 3.0])  # ranked by decreasing score: same order
    r = _rank(np.array([4.0, 3.0, 2.0, 1.0]), weights, "proportional")
    # total 10; cumulative 5, 6, 7, 10. The level reaching the target weight counts with the
    # fraction f = (target - weight above) / its weight; files = above + round half up(f).
    # share 0.55 -> 5.5: f = 0.5 -> 2 files; 0.52: f = 0.2 -> 1; 0.58: f = 0.8 -> 2;
    # 0.9 -> 9: f = 2/3 -> 4; 0.86: f = 1.6/3 -> 4; 0.84: f = 1.4/3 -> 3
    assert r.count_for_share([0.55, 0.52, 0.58, 0.9, 0.86, 0.84]).tolist() == [2, 1, 2, 4, 4, 3]


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.2, float("nan"), "0.95", True])
def test_bad_confidence_is_bad_input(bad):
    from scoreaudit.errors import ScoreAuditError

    pop = sa.Population(random_frame(0, n=50), protected=["a0"])
    with pytest.raises(ScoreAuditError, match="confidence"):
        sa.audit(pop, "score", confidence=bad)


def test_cli_bad_confidence_exits_2(tmp_path, capsys):
    from scoreaudit.cli import main

    path = tmp_path / "d.csv"
    random_frame(0, n=50).to_csv(path, index=False)
    code = main(
        [
            "audit",
            "--data",
            str(path),
            "--score-column",
            "score",
            "--protected",
            "a0",
            "--confidence",
            "1.5",
            "--formats",
            "json",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    assert "confidence" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
