"""Published count tables resist an integer-programming attacker.

The attacker knows every number the gate publishes for an audit of confusion matrices (the
groups table's counts and rates, the comparisons' counts and rates), the total number of files,
and that every cell of the input table holds non-negative whole counts. It bounds each hidden
small count by integer programming over the input cells; no bound may be narrower than the
protection range (``hi - lo >= min_cell``). The relations are written here from the meaning
of the columns, not from the gate's own rules.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.core.vocab import REST
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


def _table(seed: int, attributes: int = 2) -> pd.DataFrame:
    """2 x 3 cells (gender, age), a third of the counts small; or, with ``attributes=3``,
    2 x 2 x 3 (gender, age, region), half of them small."""
    rng = np.random.default_rng(seed)
    if attributes == 3:
        levels = (("w", "m"), ("y", "old"), ("n", "s", "e"))
        names, small = ["gender", "age", "region"], 0.5
    else:
        levels, names, small = (("w", "m"), ("y", "mid", "old")), ["gender", "age"], 0.35
    t = pd.DataFrame(list(itertools.product(*levels)), columns=names)
    for c in CELLS:  # many small counts, some zeros
        t[c] = np.where(
            rng.random(len(t)) < small, rng.integers(0, 11, len(t)), rng.integers(11, 60, len(t))
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
        group = _members(table, str(rec["attribute"]), str(rec["group"]))
        reference = str(rec["reference"])
        ref_rows = (  # "(rest)": everyone else, the rows outside the group
            [i for i in range(len(table)) if i not in set(group)]
            if reference == REST
            else _members(table, str(rec["attribute"]), reference)
        )
        for rows, prefix in ((group, ""), (ref_rows, "reference_")):
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


@pytest.mark.parametrize("seed", range(8))
def test_comparisons_with_everyone_else_are_published_and_resist_the_attacker(seed):
    # each comparison publishes the rest's counts (reference_n, reference_rate): the sums of
    # the other rows. They were all blanked before; now those resting on no small count show
    table = _table(seed)
    roles = {"tp": "tp", "fp": "fp", "tn": "tn", "fn": "fn"}
    result = sa.audit_counts(table, ["gender", "age"], reference="rest", **roles)
    published, _ = publish_aggregate(result, MIN_CELL)
    d = published.disparities
    assert (d["reference"] == REST).all() and (~d["suppressed"]).any()
    assert _attack(table, published) == []


def test_the_attacker_pins_a_small_count_the_gate_does_not_protect():
    """The attacker can fail: with primary suppression only (no complements), a hidden small
    count is the margin minus the published cells."""
    table = _table(0)
    result = sa.audit_counts(table, ["gender", "age"], tp="tp", fp="fp", tn="tn", fn="fn")
    published, _ = publish_aggregate(result, MIN_CELL, secondary=False)
    assert _attack(table, published)


def test_three_attribute_count_table():
    # found by an attack search (a leak before the gate's final masks were checked by its own
    # attacker): a published intersection size and the men's false positives (published as
    # the FPR's reference_n minus tn) bound two hidden false-positive counts to [0, 10]
    table = pd.DataFrame(
        {
            "gender": ["w"] * 6 + ["m"] * 6,
            "age": ["y", "y", "y", "old", "old", "old"] * 2,
            "region": ["n", "s", "e"] * 4,
            "tp": [1, 3, 2, 0, 30, 12, 3, 17, 0, 43, 36, 2],
            "fp": [1, 1, 35, 27, 0, 3, 2, 1, 2, 22, 1, 1],
            "tn": [2, 20, 48, 0, 13, 0, 2, 2, 3, 41, 3, 2],
            "fn": [0, 56, 1, 2, 2, 11, 16, 3, 15, 0, 0, 57],
        }
    )
    roles = {"tp": "tp", "fp": "fp", "tn": "tn", "fn": "fn"}
    result = sa.audit_counts(table, ["gender", "age", "region"], reference={"gender": "m"}, **roles)
    published, _ = publish_aggregate(result, MIN_CELL)
    assert _attack(table, published) == []
    # the count-by-count complements hid the sizes of the 8 small cells of gender x age x
    # region; the attacker's check hid one more row (region n), nothing of the reference's
    g = published.groups.set_index("group")
    assert g["n"].isna().sum() == 9 and np.isnan(g.loc["n", "n"])
    assert g.loc["m", ["n", "tp", "fp", "tn", "fn"]].notna().all()
