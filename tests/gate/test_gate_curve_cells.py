"""The curves of several attributes together narrowed hidden cells of the groups table.

Between two budgets, the files selected form a table over the finest cells whose margins are
the increments of every attribute's published curve; where a score level is made of one
group's files, those margins pin cells. And the curve's budgets on either side of the
audit's own bound a selected count the groups table hides there. An attacker that models
both (tests/attack_cells.py, written apart from the gate) narrowed small hidden counts of
these audits (found by an attack on our own files); the gate now checks the curve against
the groups table's hidden cells (:mod:`scoreaudit.gate.curve_cells`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from attack_cells import narrowed_small
from helpers import tied_two_attribute_audit as _audit

import scoreaudit as sa
from scoreaudit.gate import curve_cells
from scoreaudit.gate.publish import publish


@pytest.mark.parametrize(
    ("seed", "level"),
    [
        (23, True),  # g0 x x selected (2) narrowed to [2, 10] by both curves
        (24, True),  # g0 selected (10) to [4, 13] by the budget after the audit's
        (1, True),
        (0, False),
    ],
)
def test_no_small_hidden_count_narrowed_by_the_curves(seed, level):
    r = _audit(seed, level)
    pub = publish(r).result
    assert pub.groups["suppressed"].any()
    bad = narrowed_small(r, pub, 11)
    assert bad.empty, bad.to_string()


def test_the_curve_keeps_what_it_can():
    """Not everything goes: the attribute whose curve narrows nothing stays published."""
    pub = publish(_audit(23, True)).result
    shown = pub.curve[~pub.curve["suppressed"].astype(bool)]
    assert not shown.empty


@pytest.mark.parametrize("seed", [1, 6])
def test_pairs_only_no_small_hidden_count_narrowed(seed):
    """Three attributes audited in pairs: the finest cells are not a table of the audit."""
    rng = np.random.default_rng(seed)
    n = 420
    frame = pd.DataFrame(
        {
            "g": rng.choice(["g0", "g1", "g2"], n, p=[0.2, 0.3, 0.5]),
            "h": rng.choice(["x", "y"], n, p=[0.75, 0.25]),
            "k": rng.choice(["u", "v"], n),
        }
    )
    frame["s"] = rng.integers(0, 30, n) + 100.0 * (frame["h"] == "y")
    r = sa.audit(
        sa.Population(frame, protected=["g", "h", "k"]),
        "s",
        sa.Budget(share=0.1),
        intersections=2,
        threshold_free=False,
    )
    pub = publish(r).result
    assert not pub.groups["attribute"].str.count(" × ").eq(2).any()
    assert pub.groups["suppressed"].any()
    bad = narrowed_small(r, pub, 11)
    assert bad.empty, bad.to_string()


def _shown(pub) -> pd.DataFrame:
    return pub.curve[~pub.curve["suppressed"].astype(bool)]


def _thin(monkeypatch, r, per_cell: int = 8) -> None:
    """Programs of ``per_cell`` x finest cells: ``per_cell - 2`` budgets."""
    n_cells = int((r.groups["attribute"] == "g × h").sum())
    monkeypatch.setattr(curve_cells, "MIN_BUDGETS", 3)
    monkeypatch.setattr(curve_cells, "MAX_VARIABLES", per_cell * n_cells)


@pytest.mark.parametrize(("seed", "level"), [(1, True), (7, True), (14, False)])
def test_a_large_program_publishes_the_curves_at_fewer_budgets(monkeypatch, seed, level):
    """Above MAX_VARIABLES the curves are thinned to budgets the check can hold, evenly
    spread, and the check runs on what is published: still nothing narrowed."""
    before = _shown(publish(_audit(seed, level)).result)["n_selected"].nunique()
    r = _audit(seed, level)
    _thin(monkeypatch, r)
    pub = publish(r).result
    shown = _shown(pub)
    assert shown["attribute"].nunique() == 2
    assert shown["n_selected"].nunique() <= 6 < before
    assert pub.curve["n_selected"].nunique() <= 6  # the other budgets are left out
    assert narrowed_small(r, pub, 11).empty


def test_one_curve_left_keeps_every_budget(monkeypatch):
    """When the check ends with one attribute's curve, that curve needs no program: it is
    published at every budget, as without the limit."""
    full = publish(_audit(23, True)).result
    r = _audit(23, True)
    _thin(monkeypatch, r)
    pub = publish(r)
    assert pub.suppression.curve_budgets_left_out == 0
    pd.testing.assert_frame_equal(_shown(pub.result), _shown(full))


def test_too_large_for_a_few_budgets_leaves_one_attribute(monkeypatch):
    monkeypatch.setattr(curve_cells, "MAX_VARIABLES", 1)
    pub = publish(_audit(23, True)).result
    assert _shown(pub)["attribute"].unique().tolist() == ["g"]


def test_a_proof_out_of_work_leaves_one_attribute(monkeypatch):
    """Past MAX_PROGRAMS the curves are not proven safe together: one attribute's alone
    (a count of programs, not a clock, so every machine publishes the same)."""
    assert _shown(publish(_audit(1, True)).result)["attribute"].nunique() == 2
    monkeypatch.setattr(curve_cells, "MAX_PROGRAMS", 0)
    r = _audit(1, True)
    pub = publish(r).result
    assert _shown(pub)["attribute"].unique().tolist() == ["g"]
    assert narrowed_small(r, pub, 11).empty


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [("en", "The curve is published at 6 budgets only"), ("fr", "n’est publiée qu’à 6 budgets")],
)
def test_the_report_says_the_curve_has_fewer_budgets(monkeypatch, lang, sentence):
    """The reader learns why the curve is coarse, and its table shows the nearest
    published budgets (headed with their own) rather than blanks."""
    r = _audit(14, False)
    _thin(monkeypatch, r)
    pub = publish(r)
    assert pub.suppression.to_dict()["curve_budgets_left_out"] > 0
    assert pub.result.curve["n_selected"].nunique() == 6
    html = str(r.report(lang, figures=False))
    assert sentence in html
    assert html.count('id="curve-g"') == 1
    table = html[html.index('id="curve-g"') :]
    table = table[: table.index("</table>")]
    assert table.count("<th") >= 4  # group + the nearest budgets, not an empty table


def test_a_small_not_selected_count_is_checked_too():
    """A rare group scored above everyone is almost all selected: its hidden not-selected
    counts are small and bounded like the others."""
    rng = np.random.default_rng(5)
    sizes = rng.integers(20, 201, size=rng.integers(3, 5))
    g = np.repeat([f"g{i}" for i in range(sizes.size)], sizes)
    h = np.where(rng.random(g.size) < rng.uniform(0.02, 0.1), "y", "x")
    s = rng.integers(0, 30, size=g.size).astype(float) + 100.0 * (h == "y")
    frame = pd.DataFrame({"g": g, "h": h, "s": s})
    r = sa.audit(
        sa.Population(frame, protected=["g", "h"]), "s", sa.Budget(share=0.1), threshold_free=False
    )
    pub = publish(r).result
    y_rows = r.groups[r.groups["group"].str.endswith("y")]
    assert ((y_rows["n"] - y_rows["selected"]).between(1, 10)).any()
    assert narrowed_small(r, pub, 11).empty


def test_the_truth_is_a_witness(monkeypatch):
    """The true counts meet every published count, so they enter the witness pool (only a
    solution of the program may prove a width)."""
    pools = []
    init = curve_cells._Model.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        pools.append([x.copy() for x in self.pool])

    monkeypatch.setattr(curve_cells._Model, "__init__", spy)
    publish(_audit(23, True))
    assert pools and all(len(p) == 1 for p in pools)
