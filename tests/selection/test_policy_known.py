"""Policies: their record in results.json, their description and their refusals (known
answers; found untested by mutation testing of selection/policies.py)."""

from __future__ import annotations

import numpy as np
import pytest

from scoreaudit.errors import PolicyError
from scoreaudit.selection.policies import Budget, Threshold


def test_records_in_results_json():
    assert Budget(share=0.1).to_dict() == {
        "kind": "budget",
        "share": 0.1,
        "count": None,
        "ties": "proportional",
        "random_state": 0,
    }
    assert Budget(count=3, ties="random", random_state=7).to_dict() == {
        "kind": "budget",
        "share": None,
        "count": 3,
        "ties": "random",
        "random_state": 7,
    }
    assert Threshold(0.5).to_dict() == {
        "kind": "threshold",
        "threshold": 0.5,
        "ties": "proportional",
        "random_state": 0,
    }


def test_descriptions_name_the_seed_only_for_a_random_draw():
    assert Budget(share=0.1).describe() == "Budget: top 0.1 share of scores; ties: proportional"
    assert Budget(share=0.1, ties="random", random_state=3).describe() == (
        "Budget: top 0.1 share of scores; ties: random (random_state=3)"
    )


def test_a_budget_of_every_file_is_allowed():
    sel = Budget(share=1.0).select(np.array([0.3, 0.1, 0.2]))
    assert sel.selected.tolist() == [True, True, True] and sel.share == 1.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Budget(share="5%"), "Budget share must be a number in (0, 1], not '5%'"),
        (lambda: Budget(), "Give a budget as share=... (e.g. 0.05) or count=..., not both."),
        (
            lambda: Budget(share=0.05).select(np.arange(5.0)),
            "A budget of 5.0000% selects no file in a population of 5; raise the budget.",
        ),
        (lambda: Threshold(float("nan")), "Threshold must be a finite number, not nan."),
        (lambda: Threshold(np.inf), "Threshold must be a finite number, not inf."),
        (lambda: Threshold("0.5"), "Threshold must be a finite number, not '0.5'."),
    ],
)
def test_refusals_name_the_value(make, message):
    with pytest.raises(PolicyError) as info:
        make()
    assert str(info.value).startswith(message)
