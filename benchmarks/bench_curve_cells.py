"""Time of the gate's cross-attribute curve check (gate/curve_cells.py) on a large audit.

A continuous score (no ties) over ``--rows`` files, three attributes of 4, 6 and 5 groups
(120 finest cells, several rare), 5% selected: many intersections are small and hidden,
so the curves of the three attributes are checked against the groups table. The programs
would have 100 budgets x 120 cells = 12,000 variables; the gate thins the curves to the
budgets that fit in ``MAX_VARIABLES`` and stops after ``MAX_PROGRAMS`` programs (one
attribute's curve alone then), so the time is bounded whatever the size.

Prints the audit's and the gate's wall times, the programs solved, hidden groups and
hidden curve rows per attribute. With ``--from-scratch`` the gate runs a second time on a
new audit of the same rows with every linear program solved from scratch by scipy's
``linprog`` (before ``LinearPrograms``' warm starts) and the two published curves are
compared.

Measured 6 Dec 2026 (2 cores): 200,000 rows, gate 837 s before the limits (8 programs of
12,000 variables, 104 s each with the integer searches), 18 s after (6 linear and 4 integer
programs of 2,760 variables, then one attribute's curve alone, at every budget).

Run: PYTHONPATH=src python benchmarks/bench_curve_cells.py [--rows 200000] [--seed 0]
[--from-scratch]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy.optimize import linprog

import scoreaudit as sa
from scoreaudit.gate import _solver, curve_cells
from scoreaudit.gate.publish import publish


def population(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "a": rng.choice(list("ABCD"), rows, p=[0.4, 0.3, 0.2, 0.1]),
            "b": rng.choice(list("uvwxyz"), rows, p=[0.3, 0.3, 0.2, 0.1, 0.07, 0.03]),
            "c": rng.choice(list("12345"), rows, p=[0.5, 0.2, 0.15, 0.1, 0.05]),
        }
    )
    frame["s"] = rng.random(rows) + 0.3 * (frame["c"] == "5") + 0.2 * (frame["b"] == "z")
    return frame


class FromScratch:
    """The curve check's linear programs as before: each solved from scratch by scipy."""

    def __init__(self, A_ub, b_ub, A_eq, b_eq) -> None:
        self.args = {"A_ub": A_ub, "b_ub": b_ub, "A_eq": A_eq, "b_eq": b_eq}

    def minimize(self, c, *, accept=None):
        res = linprog(c, bounds=(0, None), method="highs", **self.args)
        return None if res.status != 0 else (float(res.fun), res.x)


def gate(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    start = time.perf_counter()
    result = sa.audit(
        sa.Population(frame, protected=["a", "b", "c"]),
        "s",
        sa.Budget(share=0.05),
        threshold_free=False,
    )
    audited = time.perf_counter() - start
    solved = {"linear": 0, "integer": 0}
    linear, integer = curve_cells.LinearPrograms.minimize, curve_cells.milp

    def count_linear(self, *a, **k):
        solved["linear"] += 1
        return linear(self, *a, **k)

    def count_integer(*a, **k):
        solved["integer"] += 1
        return integer(*a, **k)

    curve_cells.LinearPrograms.minimize, curve_cells.milp = count_linear, count_integer
    try:
        start = time.perf_counter()
        published = publish(result).result
        gated = time.perf_counter() - start
    finally:
        curve_cells.LinearPrograms.minimize, curve_cells.milp = linear, integer
    curve = published.curve
    print(f"{label}: audit {audited:.2f} s, gate {gated:.2f} s, programs {solved}")
    print(f"hidden groups {int(published.groups['suppressed'].sum())} of {len(published.groups)}")
    hidden = curve.groupby("attribute")["suppressed"].agg(["sum", "size"])
    print("hidden curve rows per attribute:", hidden.to_dict("index"))
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from-scratch", action="store_true")
    args = parser.parse_args()
    frame = population(args.rows, args.seed)
    curve = gate(frame, f"rows {args.rows:,}, warm starts")
    if args.from_scratch:
        curve_cells.LinearPrograms = FromScratch
        try:
            before = gate(frame, f"rows {args.rows:,}, each from scratch")
        finally:
            curve_cells.LinearPrograms = _solver.LinearPrograms
        print("same published curve:", curve.equals(before))


if __name__ == "__main__":
    main()
