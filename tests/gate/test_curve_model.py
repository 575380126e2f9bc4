"""The curve check's programs (:class:`scoreaudit.gate.curve_cells._Model`), built at once,
against the straightforward construction: one dense row per published count, stacked, and
the true counts read budget by budget (the construction they replaced)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import tied_two_attribute_audit as _audit

from scoreaudit.core.vocab import SEP
from scoreaudit.gate import curve_cells
from scoreaudit.gate.publish import publish


def _dense_rows(model, shown: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    rows, rhs = [], []
    for i, k in enumerate(model.points):
        rows.append(model._at(np.ones(model.n_cells, dtype=bool), i))
        rhs.append(k)
    for r in shown.itertuples(index=False):
        i = int(np.searchsorted(model.points, float(r.n_selected)))
        rows.append(model._at(model._members(r.attribute, r.group), i))
        rhs.append(float(r.selected))
    for row in model.published.itertuples(index=False):
        mem = model._members(row.attribute, row.group)
        for value, i in ((row.n, model.n_inc - 1), (row.selected, model.audit)):
            if np.isfinite(value):
                rows.append(model._at(mem, i))
                rhs.append(float(value))
    return np.vstack(rows), np.asarray(rhs, float)


def _truth_by_budget(model, cells, labels, finest_rows, audit_count) -> np.ndarray:
    known = {
        float(k): sub.set_index("group")["selected"].reindex(labels).to_numpy(float)
        for k, sub in cells.assign(group=cells["group"].astype(str)).groupby("n_selected")
    }
    fin = finest_rows.set_index(finest_rows["group"].astype(str))
    known[float(audit_count)] = fin["selected"].reindex(labels).to_numpy(float)
    known[float(model.points[-1])] = fin["n"].reindex(labels).to_numpy(float)
    blank = np.full(len(labels), np.nan)
    return np.vstack([known.get(float(k), blank) for k in model.points])


@pytest.mark.parametrize("level", [True, False])
def test_the_programs_are_the_straightforward_ones(monkeypatch, level):
    built: list = []
    real_init, real_truth = curve_cells._Model.__init__, curve_cells._Model._truth

    def init(self, shown, full, groups, published, audit_count, work):
        real_init(self, shown, full, groups, published, audit_count, work)
        built.append((self, shown))

    truths: list = []

    def truth(self, cells, labels, finest_rows, audit_count):
        got = real_truth(self, cells, labels, finest_rows, audit_count)
        truths.append((got, _truth_by_budget(self, cells, labels, finest_rows, audit_count)))
        return got

    monkeypatch.setattr(curve_cells._Model, "__init__", init)
    monkeypatch.setattr(curve_cells._Model, "_truth", truth)
    for seed in range(30):
        publish(_audit(seed, level))
    assert built and truths
    for model, shown in built:
        dense, rhs = _dense_rows(model, shown)
        np.testing.assert_array_equal(model.A_eq.toarray(), dense)
        np.testing.assert_array_equal(model.b_eq, rhs)
    for got, expected in truths:
        np.testing.assert_array_equal(got, expected)


def test_the_truth_replaces_whole_rows_at_the_audit_and_the_end():
    """A budget of the curve equal to the audit's: the groups table's counts replace the
    curve's row there, cells the table lacks included (NaN); counts at budgets that are no
    point of the model, or of cells it does not have, are left out."""
    model = curve_cells._Model.__new__(curve_cells._Model)
    model.points = np.array([2.0, 5.0, 9.0])
    model.n_inc = 3
    labels = [f"a{SEP}x", f"a{SEP}y", f"b{SEP}x"]
    cells = pd.DataFrame(  # budgets 7 and 1 are not points; "c" is no cell of the model
        {
            "n_selected": [2.0, 2.0, 5.0, 5.0, 5.0, 7.0, 1.0, 2.0],
            "group": [*labels[:2], *labels, labels[0], labels[0], "c"],
            "selected": [1.0, 1.0, 2.0, 2.0, 1.0, 3.0, 9.0, 8.0],
        }
    )
    finest = pd.DataFrame({"group": labels[:2], "selected": [3.0, 2.0], "n": [5.0, 4.0]})
    got = model._truth(cells, labels, finest, 5)
    expected = np.array([[1.0, 1.0, np.nan], [3.0, 2.0, np.nan], [5.0, 4.0, np.nan]])
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, _truth_by_budget(model, cells, labels, finest, 5))
