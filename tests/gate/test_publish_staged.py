"""The publication in two steps (the report draws its other figures while the curve is
checked): the first copy has no curve at all and every other table as :func:`publish`
gives it; the second step is :func:`publish`'s copy; the curve's programs give the same
answers one at a time or two at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import tied_two_attribute_audit as _audit

import scoreaudit as sa
from scoreaudit.gate import _solver, curve_cells
from scoreaudit.gate.publish import publish, publish_staged, with_curve


def _tables(published) -> dict:
    return {n: getattr(published, n) for n in ("groups", "disparities", "calibration")}


@pytest.mark.parametrize("seed", [1, 23, 24])
def test_the_first_copy_is_the_publication_without_its_curve(seed):
    staged, whole = _audit(seed), _audit(seed)
    first, finish = publish_staged(staged, keep=())
    expected = publish(whole).result
    assert len(first.curve) == 0 and len(first.curve_at_levels) == 0
    assert list(first.curve.columns) == list(expected.curve.columns)
    for name, table in _tables(first).items():
        other = getattr(expected, name)
        assert (table is None and other is None) or table.equals(other), name
    assert first.warnings == expected.warnings
    assert first.selection.cutoff == expected.selection.cutoff
    assert np.array_equal(first.selection.selected, expected.selection.selected)
    done = finish()
    pd.testing.assert_frame_equal(done.result.curve, expected.curve)
    assert done.suppression == publish(whole).suppression
    assert publish(staged) is done, "the second step is publish's copy, cached"


@pytest.mark.parametrize(
    "options",
    [
        {"min_cell": 5},
        {"min_cell": 25},
        {"suppress_zero": True},
        {"keep": ["g0"]},
        {"secondary": False},
        {"allow_unsuppressed": True, "synthetic": True},
    ],
)
def test_the_options_are_those_of_publish(options):
    """Each option changes what is hidden; both steps take it as :func:`publish` does."""
    staged, whole = _audit(7), _audit(7)
    min_cell = options.get("min_cell")
    rest = {k: v for k, v in options.items() if k != "min_cell"}
    first, finish = publish_staged(staged, min_cell, **rest)
    expected = publish(whole, min_cell, **rest)
    assert first.groups.equals(expected.result.groups)
    assert first.disparities.equals(expected.result.disparities)
    done = finish()
    pd.testing.assert_frame_equal(done.result.curve, expected.result.curve)
    assert done.suppression == expected.suppression
    assert publish(staged, min_cell, **rest) is done


def test_the_options_change_the_publication():
    """(The cases above compare something: each option publishes other tables.)"""
    default = publish(_audit(7)).result
    changes = ({"min_cell": 25}, {"suppress_zero": True}, {"secondary": False}, {"keep": ["g0"]})
    for options in changes:
        other = publish(_audit(7), options.pop("min_cell", None), **options).result
        assert not other.groups.equals(default.groups), options
    unsuppressed = publish(_audit(7), allow_unsuppressed=True, synthetic=True).result
    assert not unsuppressed.curve.equals(default.curve)


def test_the_second_step_is_made_once():
    r = _audit(23)
    first, finish = publish_staged(r)
    assert finish() is finish() is publish(r)


def _explained_audit() -> sa.AuditResult:
    frame = pd.DataFrame(
        {
            "g": np.repeat(["a", "b", "c"], [400, 300, 8]),
            "x": np.random.default_rng(3).normal(size=708),
        }
    )
    card = sa.models.Scorecard.from_dict(
        {"name": "m", "terms": [{"kind": "linear", "variable": "x", "coefficient": 1.0}]}
    )
    r = sa.audit(sa.Population(frame, protected=["g"]), card, sa.Budget(share=0.1))
    r.explanation = r.explain()
    return r


def test_the_explanation_travels_with_both_copies():
    r = _explained_audit()
    first, finish = publish_staged(r)
    pub = finish().result
    assert pub.explanation is not None
    assert first.explanation is pub.explanation
    assert with_curve(first, pub.curve).explanation is pub.explanation


def test_a_publication_already_made_is_reused():
    r = _audit(23)
    done = publish(r)
    first, finish = publish_staged(r)
    assert finish() is done and len(first.curve) == 0
    assert first.groups.equals(done.result.groups)


def test_with_curve_puts_the_published_curve_back():
    r = _audit(24)
    first, finish = publish_staged(r)
    pub = finish().result
    back = with_curve(first, pub.curve)
    pd.testing.assert_frame_equal(back.curve, pub.curve)
    pd.testing.assert_frame_equal(back.curve_at_levels, pub.curve_at_levels)
    assert back.groups.equals(pub.groups)


def test_unknown_keywords_are_refused():
    with pytest.raises(TypeError, match="min_cels"):
        publish_staged(_audit(1), min_cels=5)


@pytest.mark.parametrize(("seed", "level"), [(1, False), (8, False), (7, True)])
def test_a_whole_optimum_enters_the_pool_only_if_it_meets_every_count(monkeypatch, seed, level):
    """A linear optimum that rounds to whole counts is kept as a witness (an integer
    solution proves a width without an integer program); one that misses a published count
    (here: a solver's point moved by one file) must not be."""
    moved, answers = [], []
    real = _solver.LinearPrograms.minimize

    def shifted(self, c, **kwargs):
        found = real(self, c, **kwargs)
        if found is not None and not moved and np.allclose(found[1], np.round(found[1])):
            x = np.round(found[1])
            x[np.argmax(x)] += 1.0  # whole, but no longer a solution
            moved.append(x)
            return found[0], x
        return found

    solves = curve_cells._Model._solves

    def spy(self, y):
        ok = solves(self, y)
        answers.append((any(y is m or np.array_equal(y, m) for m in moved), ok))
        return ok

    monkeypatch.setattr(_solver.LinearPrograms, "minimize", shifted)
    monkeypatch.setattr(curve_cells._Model, "_solves", spy)
    r = _audit(seed, level)
    first, finish = publish_staged(r)
    finish()
    assert moved and (True, False) in answers, "the moved point was asked about and refused"
    assert all(ok for was_moved, ok in answers if not was_moved)


# -- the gate's cache, which both steps share -------------------------------------------------


def test_an_earlier_publication_spares_the_first_step(monkeypatch):
    import sys

    gate = sys.modules["scoreaudit.gate.publish"]  # the package re-exports the function
    r = _audit(23)
    done = publish(r)
    monkeypatch.setattr(gate, "_tables", lambda *a, **k: pytest.fail("tables published again"))
    first, finish = publish_staged(r)
    assert finish() is done


def test_the_second_step_after_publish_is_publish_s_copy():
    r = _audit(7)
    first, finish = publish_staged(r, 25)
    done = publish(r, 25)
    assert finish() is done


def test_the_audit_s_own_min_cell_is_the_default():
    """An audit made with ``min_cell=5`` is published at 5 by both steps."""
    frame = pd.DataFrame({"g": np.repeat(["a", "b", "c"], [300, 200, 7]), "s": np.arange(507.0)})
    r = sa.audit(sa.Population(frame, protected=["g"]), "s", sa.Budget(share=0.1), min_cell=5)
    first, finish = publish_staged(r)
    expected = publish(_copy(r), 5)
    assert first.groups.equals(expected.result.groups)
    assert not first.groups.equals(publish(_copy(r), 11).result.groups)
    assert finish().suppression.min_cell == 5


def _copy(r):
    import dataclasses

    return dataclasses.replace(r)  # no cache of its own


def test_each_set_of_options_is_cached_apart():
    """A copy published with other options (``keep`` changes the complements) is never
    returned for these; every copy stays in the cache."""
    r = _audit(7)
    default = publish(r)
    kept = publish(r, keep=["g0"])
    assert kept is not default and not kept.result.groups.equals(default.result.groups)
    assert kept.result.groups.equals(publish(_copy(r), keep=["g0"]).result.groups)
    five = publish(r, 5)
    assert publish(r) is default and publish(r, keep=["g0"]) is kept and publish(r, 5) is five


def test_an_explanation_attached_after_a_publication_is_published():
    r = _explained_audit()
    explanation = r.explanation
    del r.explanation
    before = publish(r)
    r.explanation = explanation
    after = publish(r)
    assert after is not before and after.result.explanation is not None
    assert publish(r) is after  # the same explanation: the cached copy


def test_an_unsuppressed_first_copy_keeps_the_exact_cut_off():
    """Synthetic data published without suppression: the cut-off is not coarsened."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"g": rng.choice(["a", "b"], 400), "s": rng.random(400)})
    r = sa.audit(sa.Population(frame, protected=["g"]), "s", sa.Budget(share=0.1))
    first, _ = publish_staged(r, allow_unsuppressed=True, synthetic=True)
    assert first.selection.cutoff == r.selection.cutoff
    assert publish_staged(_copy(r))[0].selection.cutoff != r.selection.cutoff


# -- the provisional curve (drawn by the report while the programs run, kept only if equal) --


@pytest.mark.parametrize(("seed", "level"), [(24, True), (4, True), (1, False), (12, False)])
def test_the_provisional_curve_is_the_published_one_when_the_programs_hide_nothing(seed, level):
    first, finish = publish_staged(_audit(seed, level))
    provisional = finish.provisional()
    pd.testing.assert_frame_equal(provisional, finish().result.curve)
    assert finish.provisional() is finish().result.curve  # published: the curve itself


def test_the_provisional_curve_shows_what_the_programs_then_hide():
    """Audit 23: the curves of g and h together narrow a hidden cell; the programs hide
    more than the provisional curve does (which is therefore never published)."""
    first, finish = publish_staged(_audit(23, True))
    provisional = finish.provisional()
    published = finish().result.curve
    assert len(provisional) == len(published)
    shown = ~provisional["suppressed"].to_numpy(bool)
    assert (published["suppressed"].to_numpy(bool) & shown).sum() == 56
    assert not provisional.equals(published)


def _programs_hide_nothing(monkeypatch):
    monkeypatch.setattr(curve_cells, "_check", lambda curve, full, hide, *rest: hide)


@pytest.mark.parametrize(
    ("seed", "level", "per_cell"),
    [(23, True, None), (4, True, None), (1, False, None)]
    + [(1, True, 8), (7, True, 8), (14, False, 8), (23, True, 1), (1, True, 1)],
)
def test_the_provisional_curve_is_made_as_the_checked_one(monkeypatch, seed, level, per_cell):
    """With programs that hide nothing, the checked curve and the provisional one are made
    the same way: every budget, budgets left out (a program too large), one attribute
    left (too large for a few budgets); the blanks and flags as published."""
    _programs_hide_nothing(monkeypatch)
    r = _audit(seed, level)
    if per_cell is not None:
        n_cells = int((r.groups["attribute"] == "g × h").sum())
        monkeypatch.setattr(curve_cells, "MIN_BUDGETS", 3)
        monkeypatch.setattr(curve_cells, "MAX_VARIABLES", per_cell * n_cells)
    first, finish = publish_staged(r)
    provisional = finish.provisional()
    done = finish()
    pd.testing.assert_frame_equal(provisional, done.result.curve)
    shown = done.result.curve.loc[~done.result.curve["suppressed"].to_numpy(bool)]
    assert (done.suppression.curve_budgets_left_out > 0) == (per_cell == 8)
    assert shown["attribute"].nunique() == (1 if per_cell == 1 else 2)


@pytest.mark.parametrize(("seed", "level"), [(23, True), (1, False)])
def test_the_gate_changes_none_of_the_results_own_objects(seed, level):
    """The report's figure workers are sent only what the first copy holds in place of the
    result's objects (they have the result from the fork): the gate must make new objects,
    never change the result's in place."""
    import pickle

    r = _audit(seed, level)
    before = {k: pickle.dumps(v) for k, v in vars(r).items()}
    first, finish = publish_staged(r)
    finish.provisional()
    finish()
    after = {k: pickle.dumps(v) for k, v in vars(r).items() if k != "_gate_cache"}
    assert after == before
    shared = {k for k, v in vars(first).items() if v is not None and v is vars(r).get(k)}
    assert not shared & {
        "groups",
        "disparities",
        "curve",
        "calibration",
        "selection",
        "warnings",
    }
