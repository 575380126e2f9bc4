"""The publication in two steps (the report draws its other figures while the curve is
checked): the first copy has no curve at all and every other table as :func:`publish`
gives it; the second step is :func:`publish`'s copy; the curve's programs give the same
answers one at a time or two at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import tied_two_attribute_audit as _audit

from scoreaudit.gate import curve_cells
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
    real = curve_cells.linprog

    def shifted(*args, **kwargs):
        res = real(*args, **kwargs)
        if res.status == 0 and not moved and np.allclose(res.x, np.round(res.x)):
            res.x = np.round(res.x)
            res.x[np.argmax(res.x)] += 1.0  # whole, but no longer a solution
            moved.append(res.x)
        return res

    solves = curve_cells._Model._solves

    def spy(self, y):
        ok = solves(self, y)
        answers.append((any(y is m or np.array_equal(y, m) for m in moved), ok))
        return ok

    monkeypatch.setattr(curve_cells, "linprog", shifted)
    monkeypatch.setattr(curve_cells._Model, "_solves", spy)
    r = _audit(seed, level)
    first, finish = publish_staged(r)
    finish()
    assert moved and (True, False) in answers, "the moved point was asked about and refused"
    assert all(ok for was_moved, ok in answers if not was_moved)
