"""Published count tables resist an integer-programming attacker.

The attacker knows every number the gate publishes for an audit of confusion matrices (the
groups table's counts and rates, the comparisons' counts and rates), the total number of files,
and that every cell of the input table holds non-negative whole counts. It bounds each hidden
small count by integer programming over the input cells; no bound may be narrower than the
protection range (``hi - lo >= min_cell``). The relations are written here from the meaning
of the columns, not from the gate's own rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.gate.aggregate import publish_aggregate
from scoreaudit.gate.attack import System, narrow

CELLS = ("tp", "fp", "tn", "fn")
#: Each published count as a sum of the four cells.
COUNTS = {
    "n": CELLS,
    "tp": ("tp",),
    "fp": ("fp",),
    "tn": ("tn",),
    "fn": ("fn",),
    "selected": ("tp", "fp"),
    "positives": ("tp", "fn"),
}
#: Each published rate: (event count, base count).
RATES = {
    "selection_rate": ("selected", "n"),
    "precision": ("tp", "selected"),
    "fdr": ("fp", "selected"),
    "fpr": ("fp", "negatives"),
    "fnr": ("fn", "positives"),
    "tpr": ("tp", "positives"),
    "prevalence": ("positives", "n"),
}
BASES = {**COUNTS, "negatives": ("fp", "tn")}
MIN_CELL = 11


def _table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    genders, ages = ("w", "m"), ("y", "mid", "old")
    rows = [(g, a) for g in genders for a in ages]
    t = pd.DataFrame(rows, columns=["gender", "age"])
    for c in CELLS:  # many small counts, some zeros
        t[c] = np.where(
            rng.random(len(t)) < 0.35, rng.integers(0, 11, len(t)), rng.integers(11, 60, len(t))
        )
    return t


def _members(table: pd.DataFrame, attribute: str, group: str) -> list[int]:
    names, labels = attribute.split(" × "), group.split(" × ")
    mask = np.ones(len(table), dtype=bool)
    for name, label in zip(names, labels, strict=True):
        mask &= table[name].astype(str).to_numpy() == label
    return list(np.flatnonzero(mask))


class _Attack:
    def __init__(self, table: pd.DataFrame) -> None:
        self.table, self.s = table, System(time_limit=None)
        self.x = {(i, c): self.s.var(f"{i}:{c}") for i in range(len(table)) for c in CELLS}
        total = int(table[list(CELLS)].to_numpy().sum())
        self.s.eq(self._expr(range(len(table)), CELLS), total)  # the number of files

    def _expr(self, rows, cells, weight: float = 1.0) -> dict[int, float]:
        return {self.x[(i, c)]: weight for i in rows for c in cells}

    def count(self, rows, name: str) -> dict[int, float]:
        return self._expr(rows, BASES[name])

    def published_count(self, rows, name: str, value: float) -> None:
        self.s.eq(self.count(rows, name), value)

    def published_rate(self, rows, event: str, base: str, rate: float) -> None:
        # event - rate * base = 0, up to the float's rounding
        expr = dict(self.count(rows, event))
        for k, w in self.count(rows, base).items():
            expr[k] = expr.get(k, 0.0) - rate * w
        tol = 1e-6 * (1 + int(self.table[list(CELLS)].to_numpy().sum()))
        self.s.le(expr, tol)
        self.s.le({k: -w for k, w in expr.items()}, tol)


def _attack(table: pd.DataFrame, published) -> list[tuple[str, str, str, int, float, float]]:
    """Every hidden small count the attacker narrows below the protection range."""
    a = _Attack(table)
    g = published.groups
    for rec in g.to_dict("records"):
        rows = _members(table, str(rec["attribute"]), str(rec["group"]))
        for name in COUNTS:
            if name in rec and pd.notna(rec[name]):
                a.published_count(rows, name, float(rec[name]))
        for rate, (event, base) in RATES.items():
            if rate in rec and pd.notna(rec[rate]):
                a.published_rate(rows, event, base, float(rec[rate]))
    for rec in published.disparities.to_dict("records"):
        event, base = RATES[str(rec["metric"])]
        for side, prefix in ((str(rec["group"]), ""), (str(rec["reference"]), "reference_")):
            rows = _members(table, str(rec["attribute"]), side)
            if pd.notna(rec.get(prefix + "n")):
                a.published_count(rows, base, float(rec[prefix + "n"]))
            if pd.notna(rec.get(prefix + "rate")):
                a.published_rate(rows, event, base, float(rec[prefix + "rate"]))
    targets, hidden = [], []
    for rec in g.to_dict("records"):
        rows = _members(table, str(rec["attribute"]), str(rec["group"]))
        for name in COUNTS:
            truth = int(table.iloc[rows][list(COUNTS[name])].to_numpy().sum())
            if pd.isna(rec[name]) and 0 < truth < MIN_CELL:
                targets.append(a.count(rows, name))
                hidden.append((str(rec["attribute"]), str(rec["group"]), name, truth))
    if not targets:
        return []
    bounds = a.s.intervals(targets)
    bad = narrow(bounds, MIN_CELL)
    return [(*h, *b) for h, b, x in zip(hidden, bounds.tolist(), bad, strict=True) if x]


@pytest.mark.parametrize("seed", range(8))
def test_published_count_tables_resist_the_attacker(seed):
    table = _table(seed)
    result = sa.audit_counts(table, ["gender", "age"], tp="tp", fp="fp", tn="tn", fn="fn")
    published, _ = publish_aggregate(result, MIN_CELL)
    hidden = published.groups[list(COUNTS)].isna().to_numpy().sum()
    assert hidden > 0, "the table has small counts to protect"
    assert _attack(table, published) == []


def test_the_attacker_pins_a_small_count_the_gate_does_not_protect():
    """The attacker can fail: with primary suppression only (no complements), a hidden small
    count is the margin minus the published cells."""
    table = _table(0)
    result = sa.audit_counts(table, ["gender", "age"], tp="tp", fp="fp", tn="tn", fn="fn")
    published, _ = publish_aggregate(result, MIN_CELL, secondary=False)
    assert _attack(table, published)
