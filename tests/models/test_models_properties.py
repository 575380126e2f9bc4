"""Property tests: bins and linear terms against a direct formula; contributions add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from scoreaudit.models import Scorecard, ScoreColumn, ScoringModel

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    edges=st.lists(st.integers(-50, 50), min_size=1, max_size=5, unique=True).map(sorted),
    closed=st.sampled_from(["left", "right"]),
    values=st.lists(st.integers(-60, 60), min_size=1, max_size=40),
    data=st.data(),
)
def test_bins_match_a_direct_formula(edges, closed, values, data):
    coefs = data.draw(st.lists(finite, min_size=len(edges) + 1, max_size=len(edges) + 1))
    card = Scorecard.from_dict(
        {
            "name": "p",
            "link": "identity",
            "terms": [
                {
                    "kind": "bins",
                    "variable": "x",
                    "edges": edges,
                    "closed": closed,
                    "coefficients": coefs,
                }
            ],
        }
    )
    x = np.array(values, dtype=float)
    # bin index = number of edges at or below x (closed left) / strictly below x (closed right)
    idx = [
        sum(e <= v for e in edges) if closed == "left" else sum(e < v for e in edges)
        for v in values
    ]
    np.testing.assert_array_equal(card.score(pd.DataFrame({"x": x})), np.array(coefs)[idx])


@settings(max_examples=60, deadline=None)
@given(
    coef=finite,
    intercept=finite,
    lo=st.one_of(st.none(), st.floats(-10, 0)),
    hi=st.one_of(st.none(), st.floats(0, 10)),
    values=st.lists(st.floats(-100, 100), min_size=1, max_size=30),
    levels=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=30),
    cat=st.fixed_dictionaries({"b": finite, "c": finite}),
)
def test_contributions_add_up(coef, intercept, lo, hi, values, levels, cat):
    n = min(len(values), len(levels))
    card = Scorecard.from_dict(
        {
            "name": "p",
            "intercept": intercept,
            "terms": [
                {"kind": "linear", "variable": "x", "coefficient": coef, "clip": [lo, hi]},
                {
                    "kind": "categorical",
                    "variable": "g",
                    "reference": "a",
                    "coefficients": {"a": 0.0, **cat},
                },
            ],
        }
    )
    frame = pd.DataFrame({"x": values[:n], "g": levels[:n]})
    contrib = card.contributions(frame)
    eta = card.linear_predictor(frame)
    scale = max(1.0, float(np.abs(contrib.to_numpy()).max()))
    assert np.max(np.abs(contrib.to_numpy().sum(axis=1) - eta)) <= 1e-12 * scale
    clipped = np.clip(
        np.array(values[:n]), -np.inf if lo is None else lo, np.inf if hi is None else hi
    )
    np.testing.assert_array_equal(contrib["x"].to_numpy(), coef * clipped)


def test_score_column_fits_the_protocol():
    assert isinstance(ScoreColumn("score"), ScoringModel)
    assert isinstance(
        Scorecard.from_dict(
            {"name": "m", "terms": [{"kind": "linear", "variable": "x", "coefficient": 1.0}]}
        ),
        ScoringModel,
    )
