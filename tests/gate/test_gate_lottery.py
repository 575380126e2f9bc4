"""Shared-out ties in the curve gave hidden cells back (benchmarks/attack_lottery.py).

At a budget inside a block of tied scores, the tied files are shared out among the finest
cells (``ties="random"``: a seeded draw; ``"proportional"``: largest remainders): each
published curve count was an exact function of the hidden cells' counts per score level,
and replaying the sharing at every budget recovered a hidden cell. When the groups table
hides anything, the gate publishes the curve at tie-block edges instead (the audit's own
budget excepted): every count there is the group's files at or above a score level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


def _result(tiny: int, ties: str) -> sa.AuditResult:
    return sa.audit(
        sa.Population(_frame(tiny), protected=["gender", "status"]),
        sa.ScoreColumn("score"),
        sa.Budget(share=0.12, ties=ties, random_state=0),
        threshold_free=False,
    )


def _curve(tiny: int, ties: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    pub = publish(_result(tiny, ties)).result
    return pub.curve, pub.groups


def _independent_counts(frame: pd.DataFrame, curve: pd.DataFrame) -> pd.Series:
    """Each curve row's files of its group scoring at least the n_selected-th best score."""
    ranked = np.sort(frame["score"].to_numpy())[::-1]
    out = []
    for row in curve.itertuples(index=False):
        cut = ranked[int(row.n_selected) - 1]
        out.append(int(((frame[row.attribute] == row.group) & (frame["score"] >= cut)).sum()))
    return pd.Series(out, index=curve.index)


@pytest.mark.parametrize("ties", ["random", "proportional"])
def test_curve_published_at_tie_edges_when_a_cell_is_hidden(ties):
    frame = _frame(3)
    curve, groups = _curve(3, ties)
    assert groups["suppressed"].any()
    shown = curve[~curve["suppressed"].astype(bool) & ~np.isclose(curve["budget"], 0.12)]
    ranked = np.sort(frame["score"].to_numpy())[::-1]
    k = shown["n_selected"].astype(int).to_numpy()
    assert len(shown) and np.all(
        (k == len(ranked)) | (ranked[k - 1] != ranked[np.minimum(k, len(ranked) - 1)])
    )
    assert np.allclose(shown["budget"], k / len(frame))  # a moved budget says what it selects
    pd.testing.assert_series_equal(
        shown["selected"].astype(int), _independent_counts(frame, shown), check_names=False
    )


@pytest.mark.parametrize("ties", ["random", "proportional"])
def test_curve_unchanged_when_nothing_is_hidden(ties):
    r = _result(40, ties)
    pub = publish(r).result
    assert not pub.groups["suppressed"].any()
    shown = pub.curve[~pub.curve["suppressed"].astype(bool)]
    assert np.isin(np.round(shown["budget"], 10), np.round(np.arange(1, 101) / 100, 10)).all()
    assert (~pub.curve["suppressed"].astype(bool)).sum() > len(pub.curve) // 2


def test_a_result_without_the_edge_curve_hides_the_budgets_that_cut_a_tie_block():
    """A result made elsewhere (no ``curve_at_levels``): those budgets go instead."""
    import dataclasses

    r = dataclasses.replace(_result(3, "proportional"), curve_at_levels=None)
    pub = publish(r).result
    ranked = np.sort(r.scores)[::-1]
    k = pub.curve["n_selected"].astype(int).to_numpy()
    cuts = (k < len(ranked)) & (ranked[k - 1] == ranked[np.minimum(k, len(ranked) - 1)])
    audit = np.isclose(pub.curve["budget"], 0.12)
    assert cuts[~audit].any()
    assert pub.curve["suppressed"].to_numpy(bool)[cuts & ~audit].all()
    no_scores = dataclasses.replace(r, scores=None)
    assert publish(no_scores).result.curve["suppressed"].to_numpy(bool)[~audit].all()
