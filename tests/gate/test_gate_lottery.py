"""A seeded tie lottery in the curve gives hidden cells back (benchmarks/attack_lottery.py).

With ``ties="random"`` the tied files of the cut-off level are shared out among the finest
cells by a draw from the recorded seed, at every budget of the curve: replaying it for each
candidate value of the hidden cells' counts recovered a hidden cell's size and selected count
exactly. The gate hides the curve's budgets that cut a tie block when the groups table hides
anything.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import scoreaudit as sa
from scoreaudit.gate.publish import publish

CELLS = [("man", "alone"), ("man", "sp"), ("woman", "alone"), ("woman", "sp")]


def _frame(tiny: int) -> pd.DataFrame:
    levels = {2: [30, tiny, 25, 22], 1: [25, tiny, 30, 22], 0: [300, tiny, 350, 250]}
    rows = [
        (g, s, float(level))
        for level, counts in levels.items()
        for (g, s), c in zip(CELLS, counts, strict=True)
        for _ in range(c)
    ]
    return pd.DataFrame(rows, columns=["gender", "status", "score"])


def _curve(tiny: int, ties: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    r = sa.audit(
        sa.Population(_frame(tiny), protected=["gender", "status"]),
        sa.ScoreColumn("score"),
        sa.Budget(share=0.12, ties=ties, random_state=0),
        threshold_free=False,
    )
    pub = publish(r).result
    return pub.curve, pub.groups


def test_lottery_budgets_hidden_when_a_cell_is_hidden():
    curve, groups = _curve(3, "random")
    assert groups["suppressed"].any()
    shown = curve.loc[~curve["suppressed"].astype(bool), "budget"].unique()
    # the audit's own budget (the groups table's rule) and 100%, which cuts no tie block
    assert set(np.round(shown, 10)) <= {0.12, 1.0}


def test_lottery_budgets_published_when_nothing_is_hidden():
    curve, groups = _curve(40, "random")
    assert not groups["suppressed"].any()
    # only the curve's own rule hides budgets (small selected counts at the lowest budgets)
    assert (~curve["suppressed"].astype(bool)).sum() > len(curve) // 2


def test_proportional_ties_keep_their_curve():
    curve, groups = _curve(3, "proportional")
    assert groups["suppressed"].any()
    assert (~curve["suppressed"].astype(bool)).sum() > len(curve) // 2
