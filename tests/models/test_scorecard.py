"""Scorecard: known-answer scoring, contributions, round trip, equivalence, bad specs."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from scoreaudit.errors import ModelError
from scoreaudit.models import Scorecard, ScoringModel


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def card(*terms: dict, intercept: float = 0.0, link: str = "logistic") -> Scorecard:
    return Scorecard.from_dict(
        {"name": "t", "link": link, "intercept": intercept, "terms": list(terms)}
    )


GENDER = {
    "kind": "categorical",
    "variable": "gender",
    "reference": "man",
    "coefficients": {"man": 0.0, "woman": 0.5},
}


# ---------------------------------------------------------------------------------------------
# Known answers, one term kind at a time
# ---------------------------------------------------------------------------------------------


def test_categorical_coefficients_logistic():
    m = card(GENDER, intercept=-1.0)
    frame = pd.DataFrame({"gender": ["man", "woman", "woman"]})
    np.testing.assert_allclose(m.linear_predictor(frame), [-1.0, -0.5, -0.5], rtol=0, atol=1e-15)
    np.testing.assert_allclose(
        m.score(frame), [sigmoid(-1.0), sigmoid(-0.5), sigmoid(-0.5)], rtol=0, atol=1e-15
    )
    assert isinstance(m, ScoringModel)


def test_categorical_odds_ratios_are_converted():
    # intercept 0 -> odds 1 for men; odds ratio 3 -> odds 3 for women -> p = 3/4.
    m = card(
        {
            "kind": "categorical",
            "variable": "gender",
            "reference": "man",
            "odds_ratios": {"man": 1.0, "woman": 3.0},
        }
    )
    frame = pd.DataFrame({"gender": ["man", "woman"]})
    np.testing.assert_allclose(m.score(frame), [0.5, 0.75], rtol=0, atol=1e-15)
    np.testing.assert_allclose(m.linear_predictor(frame), [0.0, math.log(3.0)], atol=1e-15)


@pytest.mark.parametrize(
    ("closed", "expected_bins"),
    [
        # values: -inf, 24.9, 25, 34.999, 35, 80, +inf ; edges [25, 35]
        ("left", [0, 0, 1, 1, 2, 2, 2]),  # (-inf,25) [25,35) [35,+inf)
        ("right", [0, 0, 0, 1, 1, 2, 2]),  # (-inf,25] (25,35] (35,+inf)
    ],
)
def test_bins_closedness_at_edges(closed, expected_bins):
    coefs = [0.0, 1.0, 10.0]
    m = card(
        {
            "kind": "bins",
            "variable": "age",
            "edges": [25, 35],
            "closed": closed,
            "coefficients": coefs,
        },
        intercept=0.25,
        link="identity",
    )
    frame = pd.DataFrame({"age": [-np.inf, 24.9, 25, 34.999, 35, 80, np.inf]})
    expected = [0.25 + coefs[b] for b in expected_bins]
    np.testing.assert_array_equal(m.score(frame), expected)


def test_bins_default_is_closed_left_and_odds_ratios():
    m = card({"kind": "bins", "variable": "x", "edges": [1], "odds_ratios": [1.0, 4.0]})
    frame = pd.DataFrame({"x": [0, 1, 2]})
    np.testing.assert_allclose(m.score(frame), [0.5, 0.8, 0.8], atol=1e-15)


def test_linear_with_clip_and_one_sided_clip():
    m = card(
        {"kind": "linear", "variable": "x", "coefficient": 0.5, "clip": [0, 4]},
        {"kind": "linear", "variable": "y", "coefficient": -2.0, "clip": [None, 1]},
        intercept=1.0,
        link="identity",
    )
    frame = pd.DataFrame({"x": [-2.0, 1.0, 10.0], "y": [-3.0, 0.5, 7.0]})
    # x clipped: 0, 1, 4 -> 0, 0.5, 2 ; y clipped: -3, 0.5, 1 -> 6, -1, -2
    np.testing.assert_allclose(m.score(frame), [1 + 0 + 6, 1 + 0.5 - 1, 1 + 2 - 2], atol=1e-15)


def test_linear_odds_ratio_per_unit():
    m = card({"kind": "linear", "variable": "n", "odds_ratio": 2.0}, intercept=-math.log(4))
    frame = pd.DataFrame({"n": [0, 1, 2]})
    # odds = 2**n / 4 -> 0.25, 0.5, 1 -> p = 0.2, 1/3, 0.5
    np.testing.assert_allclose(m.score(frame), [0.2, 1 / 3, 0.5], atol=1e-15)


def test_interaction_categorical_by_bins_odds_ratios():
    m = card(
        {
            "kind": "interaction",
            "factors": [
                {"kind": "categorical", "variable": "gender", "levels": ["man", "woman"]},
                {"kind": "bins", "variable": "n_minors", "edges": [1]},
            ],
            "odds_ratios": {"man": [1.0, 1.0], "woman": [1.0, 3.0]},
        }
    )
    frame = pd.DataFrame({"gender": ["man", "man", "woman", "woman"], "n_minors": [0, 2, 0, 1]})
    np.testing.assert_allclose(m.score(frame), [0.5, 0.5, 0.5, 0.75], atol=1e-15)
    assert m.term_labels == ["gender:n_minors"]


def test_interaction_categorical_by_linear_and_linear_by_linear():
    m = card(
        {
            "kind": "interaction",
            "name": "slope_by_gender",
            "factors": [
                {"kind": "categorical", "variable": "gender", "levels": ["man", "woman"]},
                {"kind": "linear", "variable": "x", "clip": [0, 10]},
            ],
            "coefficients": {"man": 0.1, "woman": 0.3},
        },
        {
            "kind": "interaction",
            "factors": [{"kind": "linear", "variable": "x"}, {"kind": "linear", "variable": "y"}],
            "coefficients": 0.5,
        },
        link="identity",
    )
    frame = pd.DataFrame(
        {"gender": ["man", "woman", "woman"], "x": [2.0, 3.0, 20.0], "y": [1.0, -2.0, 0.5]}
    )
    expected = [0.1 * 2 + 0.5 * 2 * 1, 0.3 * 3 + 0.5 * 3 * -2, 0.3 * 10 + 0.5 * 20 * 0.5]
    np.testing.assert_allclose(m.score(frame), expected, atol=1e-14)


def test_interaction_bins_by_bins_and_linear_by_categorical():
    m = card(
        {
            "kind": "interaction",
            "factors": [
                {"kind": "bins", "variable": "a", "edges": [0]},
                {"kind": "bins", "variable": "b", "edges": [0, 1], "closed": "right"},
            ],
            "coefficients": [[1, 2, 3], [4, 5, 6]],
        },
        {
            "kind": "interaction",
            "factors": [
                {"kind": "linear", "variable": "a"},
                {"kind": "categorical", "variable": "g", "levels": [0, 1]},
            ],
            "coefficients": {"0": 0.0, "1": 10.0},
        },
        link="identity",
    )
    frame = pd.DataFrame({"a": [-1.0, 0.0, 2.0], "b": [0.0, 0.5, 3.0], "g": [1, 0, 1]})
    # a bins: (-inf,0) [0,inf) -> 0, 1, 1 ; b bins (closed right): 0 -> 0, 0.5 -> 1, 3 -> 2
    expected = [1 + (-1.0 * 10), 5 + 0, 6 + 2.0 * 10]
    np.testing.assert_allclose(m.score(frame), expected, atol=1e-14)


def test_identity_link_returns_linear_predictor():
    m = card(GENDER, intercept=2.0, link="identity")
    frame = pd.DataFrame({"gender": ["woman", "man"]})
    np.testing.assert_array_equal(m.score(frame), [2.5, 2.0])
    np.testing.assert_array_equal(m.score(frame), m.linear_predictor(frame))


# ---------------------------------------------------------------------------------------------
# Matching categorical levels
# ---------------------------------------------------------------------------------------------

BINARY = {
    "kind": "categorical",
    "variable": "flag",
    "reference": 0,
    "coefficients": {0: 0.0, 1: 1.0},
}


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([0, 1, 1], dtype="int64"),
        pd.Series([0.0, 1.0, 1.0]),
        pd.Series(["0", "1", "1"]),
        pd.Series([0, 1, 1]).astype("category"),
        pd.Series([0, 1, 1], dtype="Int64"),
    ],
    ids=["int", "float", "str", "categorical", "nullable-int"],
)
def test_integer_levels_match_as_text(column):
    m = card(BINARY, link="identity")
    np.testing.assert_array_equal(m.score(pd.DataFrame({"flag": column})), [0.0, 1.0, 1.0])


def test_boolean_levels_and_pandas_categorical_strings():
    m = card(
        {
            "kind": "categorical",
            "variable": "b",
            "reference": False,
            "coefficients": {False: 0.0, True: 2.0},
        },
        {
            "kind": "categorical",
            "variable": "g",
            "reference": "man",
            "coefficients": {"man": 0.0, "woman": 0.5},
        },
        link="identity",
    )
    frame = pd.DataFrame({"b": [True, False], "g": pd.Categorical(["woman", "man"])})
    np.testing.assert_array_equal(m.score(frame), [2.5, 0.0])


def test_unknown_level_is_an_error_naming_column_value_and_rows():
    m = card(GENDER)
    frame = pd.DataFrame({"gender": ["man", "other", "other", "woman", "x"]})
    with pytest.raises(ModelError) as exc:
        m.score(frame)
    msg = str(exc.value)
    assert "'gender'" in msg and "'other' (2 rows)" in msg and "'x' (1 rows)" in msg
    assert "3 of 5 rows" in msg and "terms[0]" in msg


def test_unused_category_level_is_fine():
    m = card(GENDER, link="identity")
    col = pd.Categorical(["man"], categories=["man", "woman", "unused"])
    np.testing.assert_array_equal(m.score(pd.DataFrame({"gender": col})), [0.0])


@pytest.mark.parametrize("variable", ["gender", "age"])
def test_nan_input_is_an_error_naming_the_column(variable):
    m = card(GENDER, {"kind": "bins", "variable": "age", "edges": [30], "coefficients": [0, 1]})
    frame = pd.DataFrame({"gender": ["man", "woman"], "age": [20.0, 40.0]})
    frame.loc[1, variable] = None
    with pytest.raises(
        ModelError, match=rf"Column '{variable}' has 1 missing value.*row position 1"
    ):
        m.score(frame)


def test_missing_column_is_named():
    m = card(GENDER, {"kind": "linear", "variable": "n_minors", "coefficient": 1.0})
    with pytest.raises(ModelError, match="'n_minors'"):
        m.score(pd.DataFrame({"gender": ["man"]}))
    with pytest.raises(ModelError, match="'n_minors'"):
        m.contributions(pd.DataFrame({"gender": ["man"]}))


def test_non_numeric_value_for_a_numeric_term():
    m = card({"kind": "linear", "variable": "age", "coefficient": 1.0})
    with pytest.raises(ModelError, match=r"'age' must be numeric.*'old'"):
        m.score(pd.DataFrame({"age": ["30", "old"]}))
    # numeric text is accepted
    np.testing.assert_allclose(
        card({"kind": "linear", "variable": "age", "coefficient": 1.0}, link="identity").score(
            pd.DataFrame({"age": ["30"]})
        ),
        [30.0],
    )


def test_infinite_value_in_unclipped_linear_term():
    m = card({"kind": "linear", "variable": "x", "coefficient": 1.0})
    with pytest.raises(ModelError, match="'x' has 1 infinite"):
        m.score(pd.DataFrame({"x": [1.0, np.inf]}))


# ---------------------------------------------------------------------------------------------
# Contributions
# ---------------------------------------------------------------------------------------------

FULL_SPEC = {
    "name": "full",
    "version": "2",
    "description": "Every term kind.",
    "sources": [
        "A report, 2024, p. 3",
        {"citation": "Assumptions", "assumed": ["all coefficients"]},
    ],
    "link": "logistic",
    "intercept": -1.5,
    "terms": [
        {
            "kind": "categorical",
            "variable": "gender",
            "reference": "man",
            "odds_ratios": {"man": 1.0, "woman": 1.5},
            "note": "disclosed criterion, assumed OR",
        },
        {
            "kind": "bins",
            "variable": "age",
            "edges": [25, 35, 50],
            "coefficients": [0.0, 0.3, 0.1, -0.2],
        },
        {
            "kind": "bins",
            "name": "age_right",
            "variable": "age",
            "edges": [40],
            "closed": "right",
            "odds_ratios": [1.0, 1.1],
        },
        {
            "kind": "linear",
            "variable": "n_minors",
            "coefficient": 0.3,
            "clip": [0, 5],
            "source": "Some publication",
        },
        {
            "kind": "interaction",
            "factors": [
                {"kind": "categorical", "variable": "gender", "levels": ["man", "woman"]},
                {"kind": "bins", "variable": "n_minors", "edges": [1]},
            ],
            "odds_ratios": {"man": [1.0, 1.0], "woman": [1.0, 1.2]},
        },
        {
            "kind": "interaction",
            "factors": [
                {"kind": "linear", "variable": "income", "clip": [0, 2]},
                {"kind": "bins", "variable": "age", "edges": [30]},
            ],
            "coefficients": [0.25, -0.5],
        },
    ],
}


def random_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gender": rng.choice(["man", "woman"], n),
            "age": rng.integers(18, 90, n),
            "n_minors": rng.integers(0, 8, n),
            "income": rng.uniform(-0.5, 3, n),
        },
        index=rng.permutation(n) + 1000,
    )


def test_contributions_sum_to_linear_predictor():
    m = Scorecard.from_dict(FULL_SPEC)
    frame = random_frame(np.random.default_rng(0), 5000)
    contrib = m.contributions(frame)
    assert list(contrib.columns) == [
        "intercept",
        "gender",
        "age",
        "age_right",
        "n_minors",
        "gender:n_minors",
        "income:age",
    ]
    assert contrib.index.equals(frame.index)
    eta = m.linear_predictor(frame)
    assert np.max(np.abs(contrib.to_numpy().sum(axis=1) - eta)) < 1e-12
    assert np.max(np.abs(contrib.sum(axis=1).to_numpy() - eta)) < 1e-12
    np.testing.assert_allclose(m.score(frame), 1 / (1 + np.exp(-eta)), rtol=0, atol=1e-15)


def test_contributions_known_row():
    m = Scorecard.from_dict(FULL_SPEC)
    row = pd.DataFrame({"gender": ["woman"], "age": [45], "n_minors": [7], "income": [1.0]})
    c = m.contributions(row).iloc[0]
    assert c["intercept"] == -1.5
    assert c["gender"] == pytest.approx(math.log(1.5), abs=1e-15)
    assert c["age"] == pytest.approx(0.1, abs=1e-15)  # [35, 50)
    assert c["age_right"] == pytest.approx(math.log(1.1), abs=1e-15)  # (40, +inf)
    assert c["n_minors"] == pytest.approx(1.5, abs=1e-15)  # clipped to 5
    assert c["gender:n_minors"] == pytest.approx(math.log(1.2), abs=1e-15)
    assert c["income:age"] == pytest.approx(-0.5, abs=1e-15)  # age >= 30 bin, income 1


def test_scoring_is_vectorised_enough():
    # One million rows in well under a second or two: no Python loop over rows.
    m = Scorecard.from_dict(FULL_SPEC)
    frame = random_frame(np.random.default_rng(1), 1_000_000)
    scores = m.score(frame)
    assert scores.shape == (1_000_000,)


# ---------------------------------------------------------------------------------------------
# Round trip and description
# ---------------------------------------------------------------------------------------------


def test_round_trip_spec_model_dict_spec_is_identical():
    spec = copy.deepcopy(FULL_SPEC)
    m = Scorecard.from_dict(spec)
    assert m.to_dict() == FULL_SPEC
    assert Scorecard.from_dict(m.to_dict()) == m
    assert Scorecard.from_dict(m.to_dict()).to_dict() == FULL_SPEC
    assert spec == FULL_SPEC  # the input was not modified


def test_round_trip_minimal_spec_adds_no_defaults():
    spec = {"name": "m", "terms": [{"kind": "linear", "variable": "x", "coefficient": 1.0}]}
    m = Scorecard.from_dict(spec)
    assert m.to_dict() == spec
    assert m.link == "logistic" and m.intercept == 0.0 and m.version == "1"


def test_integer_level_keys_come_back_as_text():
    m = card(BINARY)
    term = m.to_dict()["terms"][0]
    assert term["reference"] == "0" and term["coefficients"] == {"0": 0.0, "1": 1.0}
    assert Scorecard.from_dict(m.to_dict()) == m


def test_attributes_and_describe():
    m = Scorecard.from_dict(FULL_SPEC)
    assert m.name == "full" and m.version == "2" and m.link == "logistic"
    assert m.features == ["gender", "age", "n_minors", "income"]
    text = m.describe()
    for needle in [
        "Scorecard 'full'",
        "reference 'man'",
        "[25, 35)",
        "(40, +inf)",
        "odds ratio 1.5",
        "woman x [1, +inf)",
        "disclosed criterion, assumed OR",
        "A report, 2024, p. 3",
        "assumed: all coefficients",
    ]:
        assert needle in text, needle
    assert "full" in repr(m)
    cells = m.cells()
    assert cells[0] == {
        "term": 0,
        "label": "gender",
        "kind": "categorical",
        "cell": "man",
        "coefficient": 0.0,
        "odds_ratio": 1.0,
        "reference": True,
    }


def test_version_number_is_accepted_as_text():
    m = Scorecard.from_dict(
        {
            "name": "m",
            "version": 2,
            "terms": [{"kind": "linear", "variable": "x", "coefficient": 1}],
        }
    )
    assert m.version == "2"


# ---------------------------------------------------------------------------------------------
# Equivalence with scikit-learn's LogisticRegression
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_equals_sklearn_logistic_regression_with_copied_coefficients(seed):
    rng = np.random.default_rng(seed)
    n = 400
    levels = ["a", "b", "c"]
    edges = sorted(rng.choice(np.arange(-20, 21) / 10, 3, replace=False).tolist())
    frame = pd.DataFrame(
        {
            "cat": rng.choice(levels, n),
            "num": rng.normal(0, 1.2, n),
            "lin": rng.normal(2, 3, n),
        }
    )
    # Design matrix built by hand: one-hot (reference 'a'), bins [e0,e1) ... (closed left,
    # first bin the reference), a linear column and an interaction cat==c x lin.
    cols = [(frame["cat"] == lv).astype(float) for lv in levels[1:]]
    bounds = [-np.inf, *edges, np.inf]
    cols += [
        ((frame["num"] >= bounds[k]) & (frame["num"] < bounds[k + 1])).astype(float)
        for k in range(1, len(bounds) - 1)
    ]
    cols += [frame["lin"], (frame["cat"] == "c") * frame["lin"]]
    X = np.column_stack(cols)
    y = rng.random(n) < 1 / (1 + np.exp(-(X @ rng.normal(0, 0.7, X.shape[1]) - 0.5)))
    lr = LogisticRegression(C=10.0, max_iter=2000).fit(X, y)
    b = lr.coef_[0].tolist()
    spec = {
        "name": "copied",
        "intercept": float(lr.intercept_[0]),
        "terms": [
            {
                "kind": "categorical",
                "variable": "cat",
                "reference": "a",
                "coefficients": {"a": 0.0, "b": b[0], "c": b[1]},
            },
            {"kind": "bins", "variable": "num", "edges": edges, "coefficients": [0.0, *b[2:5]]},
            {"kind": "linear", "variable": "lin", "coefficient": b[5]},
            {
                "kind": "interaction",
                "factors": [
                    {"kind": "categorical", "variable": "cat", "levels": levels},
                    {"kind": "linear", "variable": "lin"},
                ],
                "coefficients": {"a": 0.0, "b": 0.0, "c": b[6]},
            },
        ],
    }
    m = Scorecard.from_dict(spec)
    new = pd.DataFrame(
        {
            "cat": rng.choice(levels, 2000),
            "num": rng.normal(0, 1.5, 2000),
            "lin": rng.normal(2, 3, 2000),
        }
    )
    # Put some rows exactly on the edges to check closedness matches the hand-built design.
    new.loc[: len(edges) - 1, "num"] = edges
    cols = [(new["cat"] == lv).astype(float) for lv in levels[1:]]
    cols += [
        ((new["num"] >= bounds[k]) & (new["num"] < bounds[k + 1])).astype(float)
        for k in range(1, len(bounds) - 1)
    ]
    cols += [new["lin"], (new["cat"] == "c") * new["lin"]]
    X_new = np.column_stack(cols)
    np.testing.assert_allclose(m.score(new), lr.predict_proba(X_new)[:, 1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        m.linear_predictor(new), lr.decision_function(X_new), rtol=0, atol=1e-12
    )


# ---------------------------------------------------------------------------------------------
# Bad specs: each error names the path in the spec
# ---------------------------------------------------------------------------------------------


def _spec_with(term: dict, **top) -> dict:
    base = {
        "name": "bad",
        "terms": [
            {"kind": "linear", "variable": "x", "coefficient": 1.0},
            {"kind": "linear", "variable": "y", "coefficient": 1.0},
            {"kind": "linear", "variable": "z", "coefficient": 1.0},
            term,
        ],
    }
    base.update(top)
    return base


BINS = {"kind": "bins", "variable": "age", "edges": [25, 35], "coefficients": [0, 1, 2]}
CAT = {
    "kind": "categorical",
    "variable": "g",
    "reference": "a",
    "coefficients": {"a": 0.0, "b": 1.0},
}


@pytest.mark.parametrize(
    ("term", "top", "expected"),
    [
        (
            {"kind": "spline", "variable": "x"},
            {},
            r"terms\[3\]: unknown term kind 'spline'; use one of: categorical, bins",
        ),
        ({"variable": "x"}, {}, r"terms\[3\]: missing key 'kind'"),
        ({**BINS, "edges": [35, 25]}, {}, r"terms\[3\]\.edges: must be increasing"),
        ({**BINS, "edges": [25, 25]}, {}, r"terms\[3\]\.edges: must be increasing"),
        (
            {**BINS, "edges": [25, float("inf")]},
            {},
            r"terms\[3\]\.edges\[1\]: edges must be finite",
        ),
        (
            {**BINS, "coefficients": [0, 1]},
            {},
            r"terms\[3\]\.coefficients: 2 value\(s\) given for 3 bins.*\[25, 35\)",
        ),
        (
            {**CAT, "reference": "z"},
            {},
            r"terms\[3\]\.reference: reference level 'z' is not among the levels",
        ),
        (
            {**CAT, "coefficients": {"a": 0.2, "b": 1.0}},
            {},
            r"terms\[3\]\.coefficients\.a: the reference level must have coefficient 0",
        ),
        (
            {**CAT, "coefficients": {"a": 0.0, "b": float("nan")}},
            {},
            r"terms\[3\]\.coefficients\.b: must be a finite number, got nan",
        ),
        (
            {**BINS, "coefficients": [0, float("nan"), 1]},
            {},
            r"terms\[3\]\.coefficients\[1\]: must be a finite number",
        ),
        (
            {**CAT, "coefficients": {"a": 0.0, 1: 1.0, "1": 2.0}},
            {},
            r"terms\[3\]\.coefficients: duplicate level '1'",
        ),
        (
            {
                "kind": "interaction",
                "factors": [
                    {"kind": "categorical", "variable": "g", "levels": ["a", "b", "a"]},
                    {"kind": "linear", "variable": "x"},
                ],
                "coefficients": {"a": 1, "b": 2},
            },
            {},
            r"terms\[3\]\.factors\[0\]\.levels: duplicate level 'a'",
        ),
        ({**CAT, "colour": "red"}, {}, r"terms\[3\]: unknown key\(s\) 'colour'; allowed keys"),
        (
            {"kind": "linear", "variable": "w", "coefficient": 1.0},
            {"author": "me"},
            r"\(top level\): unknown key\(s\) 'author'",
        ),
        (
            {
                "kind": "categorical",
                "variable": "g",
                "reference": "a",
                "odds_ratios": {"a": 1.0, "b": 0.0},
            },
            {},
            r"terms\[3\]\.odds_ratios\.b: an odds ratio must be a finite number > 0",
        ),
        (
            {"kind": "linear", "variable": "w", "coefficient": 1.0, "odds_ratio": 2.0},
            {},
            r"terms\[3\]\.odds_ratio: give either coefficient",
        ),
        ({"kind": "linear", "variable": "w"}, {}, r"terms\[3\]: give coefficient"),
        (
            {"kind": "linear", "variable": "w", "coefficient": "high"},
            {},
            r"terms\[3\]\.coefficient: must be a number, got 'high'",
        ),
        (
            {"kind": "linear", "variable": "w", "coefficient": 1.0, "clip": [5, 1]},
            {},
            r"terms\[3\]\.clip: lower bound 5",
        ),
        (
            {"kind": "linear", "variable": "w", "odds_ratio": 2.0},
            {"link": "identity"},
            r"terms\[3\]\.odds_ratio: odds ratios need link: logistic",
        ),
        (
            {"kind": "linear", "variable": "w", "coefficient": 1.0},
            {"link": "probit"},
            r"link: must be 'logistic' or 'identity', got 'probit'",
        ),
        (
            {"kind": "linear", "variable": "x", "coefficient": 1.0},
            {},
            r"terms\[3\]: label 'x' is already used by terms\[0\]",
        ),
        (
            {
                "kind": "interaction",
                "factors": [
                    {"kind": "categorical", "variable": "g", "levels": ["a", "b"]},
                    {"kind": "bins", "variable": "x", "edges": [1]},
                ],
                "coefficients": {"a": [0, 1], "b": [0]},
            },
            {},
            r"terms\[3\]\.coefficients\.b: expected a list of 2 values, one per bin of factors\[1\]",
        ),
        (
            {
                "kind": "interaction",
                "factors": [
                    {"kind": "categorical", "variable": "g", "levels": ["a", "b"]},
                    {"kind": "linear", "variable": "x"},
                ],
                "coefficients": {"a": 0},
            },
            {},
            r"terms\[3\]\.coefficients: missing level\(s\) 'b'",
        ),
        (
            {
                "kind": "interaction",
                "factors": [{"kind": "linear", "variable": "x"}],
                "coefficients": 1.0,
            },
            {},
            r"terms\[3\]\.factors: List should have at least 2 items",
        ),
        (
            {
                "kind": "interaction",
                "factors": [
                    {"kind": "interaction", "variable": "x"},
                    {"kind": "linear", "variable": "y"},
                ],
                "coefficients": 1.0,
            },
            {},
            r"terms\[3\]\.factors\[0\]: unknown term kind 'interaction'; use one of: categorical, "
            r"bins, linear$",
        ),
        (
            {"kind": "linear", "variable": "w", "coefficient": 1.0},
            {"intercept": float("nan")},
            r"intercept: must be a finite number",
        ),
        (
            {"kind": "linear", "variable": "w", "coefficient": 1.0},
            {"name": None},
            r"name: must be text",
        ),
        (
            {"kind": "linear", "variable": "w", "coefficient": 1.0},
            {"sources": [{"title": "x"}]},
            r"sources\[0\]: unknown key\(s\) 'title'",
        ),
    ],
)
def test_bad_spec_errors_name_the_path(term, top, expected):
    with pytest.raises(ModelError) as exc:
        Scorecard.from_dict(_spec_with(term, **top), source="spec.yaml")
    msg = str(exc.value)
    assert "Invalid model spec in spec.yaml" in msg
    problems = [line[4:] for line in msg.splitlines() if line.startswith("  - ")]
    assert any(__import__("re").search(expected, p) for p in problems), msg


def test_missing_name_and_empty_terms_and_not_a_mapping():
    with pytest.raises(ModelError, match=r"name: required key is missing"):
        Scorecard.from_dict({"terms": [{"kind": "linear", "variable": "x", "coefficient": 1}]})
    with pytest.raises(ModelError, match=r"terms: List should have at least 1 item"):
        Scorecard.from_dict({"name": "m", "terms": []})
    with pytest.raises(ModelError, match="expected a mapping"):
        Scorecard([1, 2, 3])  # type: ignore[arg-type]


def test_too_many_terms():
    terms = [{"kind": "linear", "variable": f"x{i}", "coefficient": 1.0} for i in range(10_001)]
    with pytest.raises(ModelError, match="at most 10,000 terms"):
        Scorecard.from_dict({"name": "m", "terms": terms})


def test_decimal_comma_in_a_spec_gets_a_hint(tmp_path):
    from scoreaudit.models.loading import load_model

    block = tmp_path / "block.yaml"
    block.write_text(
        "name: t\nlink: logistic\nintercept: -3\nterms:\n  - kind: categorical\n"
        "    variable: family_status\n    reference: alone\n"
        "    odds_ratios:\n      alone: 1.0\n      Parent isolé: 1,4\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ModelError, match=r"got '1,4' \(a decimal comma\? write 1\.4 with a point\)"
    ):
        load_model(block)
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "name: t\nlink: logistic\nintercept: -3\nterms:\n  - kind: categorical\n"
        "    variable: family_status\n    reference: alone\n"
        "    odds_ratios: {alone: 1.0, Parent isolé: 1,4}\n",
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match=r"1,4 is read as two entries 1 and 4"):
        load_model(flow)
