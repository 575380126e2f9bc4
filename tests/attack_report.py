"""An integer-programming attacker that reads a written report directory.

It rebuilds, from the published files only (``results.json`` and ``tables/*.csv``), every
linear relation an attacker knows, written here independently of the publication gate:

* single attributes: the groups' files add up to the population, their selected files to
  the files selected;
* intersections: for each member, the cells sharing the other members' labels add up to
  the coarser row (split on the `` × `` separator);
* ``selected <= n`` per group;
* the disparity table: a published comparison gives the group's and its reference's files
  and selected files (``rate x n``), with ``(rest)`` = attribute total minus the group;
* explanation tables: a published ``ratio_before`` times the reference's rate times the
  group's files gives the group's selected files;
* the budget curve: at each budget the groups of an attribute add up to ``n_selected``; a
  group's count never falls when the budget grows, never exceeds its files, and equals the
  groups table's at the audit's own budget;
* non-negativity and integrality of every count.

For each hidden count it computes the smallest and largest feasible values with
``scipy.optimize.milp`` (through :class:`scoreaudit.gate.attack.System`, a thin solver
wrapper: the relations themselves are built here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scoreaudit.gate.attack import System

SEP = " × "
REST = "(rest)"


@dataclass
class Finding:
    table: str
    attribute: str
    group: str
    budget: float | None
    count: str
    low: float
    high: float


def _num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return np.nan
    return v


class ReportAttack:
    """Build the attacker's integer program from a report directory."""

    def __init__(self, out_dir: str | Path) -> None:
        out = Path(out_dir)
        self.meta = json.loads((out / "results.json").read_text(encoding="utf-8"))
        self.groups = pd.read_csv(out / "tables" / "groups.csv", dtype={"group": str})
        self.disp = pd.read_csv(out / "tables" / "disparities.csv", dtype={"group": str})
        curve = out / "tables" / "curve.csv"
        self.curve = pd.read_csv(curve, dtype={"group": str}) if curve.exists() else None
        self.expl = {
            p.stem: pd.read_csv(p, dtype={"group": str})
            for p in sorted((out / "tables").glob("explanation_*.csv"))
        }
        self.s = System()
        self.N = float(self.meta["population"]["rows"])
        self.S = float(self.meta["selection"]["n_selected"])
        self.val: dict[tuple[str, str, str], object] = {}
        self._groups()
        self._margins()
        self._disparities()
        self._explanations()
        if self.curve is not None:
            self._curve()

    # -- terms: a variable (int) or a published constant (float) ----------------------------
    def term(self, attr: str, group: str, col: str):
        return self.val[(attr, group, col)]

    def _lin(self, plus, minus=(), rhs=0.0, how="eq") -> None:
        coefs: dict[int, float] = {}
        const = 0.0
        for sign, terms in ((1.0, plus), (-1.0, minus)):
            for t in terms:
                if isinstance(t, int):
                    coefs[t] = coefs.get(t, 0.0) + sign
                else:
                    const += sign * float(t)
        (self.s.eq if how == "eq" else self.s.le)(coefs, rhs - const)

    def _groups(self) -> None:
        for row in self.groups.itertuples(index=False):
            a, g = str(row.attribute), str(row.group)
            for col in ("n", "selected"):
                v = _num(getattr(row, col))
                self.val[(a, g, col)] = (
                    v if np.isfinite(v) else self.s.var(f"{col}|{a}|{g}", 0, self.N)
                )
            self._lin([self.term(a, g, "selected")], [self.term(a, g, "n")], how="le")

    def _margins(self) -> None:
        attrs = list(dict.fromkeys(self.groups["attribute"].astype(str)))
        for a in attrs:
            rows = self.groups[self.groups["attribute"].astype(str) == a]
            labels = rows["group"].astype(str).tolist()
            members = a.split(SEP)
            if len(members) == 1:
                self._lin([self.term(a, g, "n") for g in labels], rhs=self.N)
                self._lin([self.term(a, g, "selected") for g in labels], rhs=self.S)
                continue
            for drop in range(len(members)):
                coarse = SEP.join(m for i, m in enumerate(members) if i != drop)
                buckets: dict[str, list[str]] = {}
                for g in labels:
                    parts = g.split(SEP)
                    buckets.setdefault(
                        SEP.join(p for i, p in enumerate(parts) if i != drop), []
                    ).append(g)
                for key, cells in buckets.items():
                    if (coarse, key, "n") not in self.val:
                        continue
                    for col in ("n", "selected"):
                        self._lin(
                            [self.term(a, g, col) for g in cells], [self.term(coarse, key, col)]
                        )

    def _fix(self, attr: str, group: str, col: str, value: float) -> None:
        if (attr, group, col) in self.val and np.isfinite(value):
            self._lin([self.term(attr, group, col)], rhs=float(round(value)))

    def _totals(self, attr: str, col: str) -> list:
        rows = self.groups[self.groups["attribute"].astype(str) == attr]
        return [self.term(attr, str(g), col) for g in rows["group"]]

    def _disparities(self) -> None:
        for row in self.disp.itertuples(index=False):
            a, g, ref = str(row.attribute), str(row.group), str(row.reference)
            n, rate = _num(row.n), _num(row.selection_rate)
            self._fix(a, g, "n", n)
            self._fix(a, g, "selected", rate * n)
            rn, rrate = _num(row.reference_n), _num(row.reference_rate)
            if not np.isfinite(rn):
                continue
            if ref == REST:
                others = [t for t in self._totals(a, "n")]
                self._lin(others, [self.term(a, g, "n")], rhs=rn)
                if np.isfinite(rrate):
                    self._lin(
                        self._totals(a, "selected"),
                        [self.term(a, g, "selected")],
                        rhs=float(round(rrate * rn)),
                    )
            else:
                self._fix(a, ref, "n", rn)
                self._fix(a, ref, "selected", rrate * rn)

    def _known(self, a: str, g: str, col: str) -> float:
        v = self.val.get((a, g, col))
        return v if isinstance(v, float) else np.nan

    def _explanations(self) -> None:
        for frame in self.expl.values():
            if not {"attribute", "group", "reference", "ratio_before"} <= set(frame.columns):
                continue
            for row in frame.itertuples(index=False):
                a, g, ref = str(row.attribute), str(row.group), str(row.reference)
                ratio = _num(row.ratio_before)
                if not np.isfinite(ratio) or ref == REST:
                    continue
                rn, rs = self._known(a, ref, "n"), self._known(a, ref, "selected")
                gn = self._known(a, g, "n")
                if np.isfinite(rn) and np.isfinite(rs) and np.isfinite(gn) and rn > 0:
                    self._fix(a, g, "selected", ratio * rs / rn * gn)
                rate = _num(getattr(row, "selection_rate_before", np.nan))
                if np.isfinite(rate) and np.isfinite(gn):
                    self._fix(a, g, "selected", rate * gn)

    def _curve(self) -> None:
        c = self.curve
        share = float(self.meta["selection"]["share"])
        self.curve_val: dict[tuple[str, str, float], object] = {}
        for row in c.itertuples(index=False):
            a, g, b = str(row.attribute), str(row.group), float(row.budget)
            v = _num(row.selected)
            self.curve_val[(a, g, b)] = (
                v if np.isfinite(v) else self.s.var(f"curve|{a}|{g}|{b}", 0, self.N)
            )
            self._lin([self.curve_val[(a, g, b)]], [self.term(a, g, "n")], how="le")
            # the audit's own selection: its budget, or its count of files (n_selected)
            if abs(b - share) < 1e-12 or float(row.n_selected) == self.S:
                self._lin([self.curve_val[(a, g, b)]], [self.term(a, g, "selected")])
        for (a, b), sub in c.groupby([c["attribute"].astype(str), "budget"], sort=False):
            total = float(sub["n_selected"].iloc[0])
            self._lin([self.curve_val[(a, str(g), float(b))] for g in sub["group"]], rhs=total)
        for (a, g), sub in c.groupby([c["attribute"].astype(str), c["group"].astype(str)]):
            budgets = sorted(float(b) for b in sub["budget"])
            for b0, b1 in zip(budgets, budgets[1:], strict=False):
                self._lin([self.curve_val[(a, g, b0)]], [self.curve_val[(a, g, b1)]], how="le")

    # -- the attack ---------------------------------------------------------------------
    def hidden_counts(self) -> list[tuple[str, str, str, float | None, dict]]:
        """(table, attribute, group, budget, expression) of each hidden count."""
        out = []
        for (a, g, col), v in self.val.items():
            if isinstance(v, int):
                out.append(("groups", a, g, None, col, {v: 1.0}))
        for row in self.groups.itertuples(index=False):
            a, g = str(row.attribute), str(row.group)
            n, s = self.term(a, g, "n"), self.term(a, g, "selected")
            if isinstance(n, int) or isinstance(s, int):
                e: dict[int, float] = {}
                if isinstance(n, int):
                    e[n] = 1.0
                if isinstance(s, int):
                    e[s] = e.get(s, 0.0) - 1.0
                out.append(("groups", a, g, None, "not_selected", e))
        for (a, g, b), v in getattr(self, "curve_val", {}).items():
            if isinstance(v, int):
                out.append(("curve", a, g, b, "selected", {v: 1.0}))
        return out

    def run(self) -> list[Finding]:
        items = self.hidden_counts()
        iv = self.s.intervals([e for *_, e in items])
        return [
            Finding(t, a, g, b, col, float(lo), float(hi))
            for (t, a, g, b, col, _), (lo, hi) in zip(items, iv, strict=True)
        ]


def true_counts(result) -> dict[tuple[str, str, str, float | None], float]:
    """True values of every count of an unpublished result, keyed like the findings."""
    out = {}
    for row in result.groups.itertuples(index=False):
        a, g = str(row.attribute), str(row.group)
        out[("groups", a, g, None, "n")] = float(row.n)
        out[("groups", a, g, None, "selected")] = float(row.selected)
        out[("groups", a, g, None, "not_selected")] = float(row.n - row.selected)
    n_by = {(str(r.attribute), str(r.group)): float(r.n) for r in result.groups.itertuples()}
    # the gate publishes the curve at tie-block edges when it hides anything: both tables
    edges = getattr(result, "curve_at_levels", None)
    curves = [result.curve] if edges is None else [result.curve, edges]
    for row in pd.concat(curves, ignore_index=True).itertuples(index=False):
        a, g = str(row.attribute), str(row.group)
        out[("curve", a, g, float(row.budget), "selected")] = float(row.selected)
        out[("curve", a, g, float(row.budget), "not_selected")] = n_by[(a, g)] - row.selected
    return out


def _pinned(truth, f, audit: float, t: float, t0: float, n: float, big_n: float) -> float:
    """The range of a curve count when every group's count at the audit's budget is
    published: before it, between ``max(0, T - (T0 - g0))`` and ``min(g0, T)`` (the other
    groups hold at most their audit counts); after it, between ``max(g0, T - (N - n))``
    and ``min(n, g0 + T - T0)``."""
    g0 = truth[("curve", f.attribute, f.group, audit, "selected")]
    if f.budget <= audit:
        return min(g0, t) - max(0.0, t - (t0 - g0))
    return min(n, g0 + t - t0) - max(g0, t - (big_n - n))


def audit_budget(result) -> float:
    """The curve's budget of the audit's own selection (its count of files), else its share."""
    c = result.curve
    at = c.loc[c["n_selected"] == result.selection.n_selected, "budget"]
    return float(at.iloc[0]) if len(at) else float(result.selection.share)


def violations(
    findings: list[Finding], truth: dict, min_cell: int, audit_budget: float | None = None
) -> list[tuple]:
    """Small hidden counts (1 to min_cell - 1) whose interval is narrower than the range.

    The protection range is ``min_cell``, or the width of the interval that the block's
    published totals alone allow when that is narrower: a group of ``n`` files, in an
    attribute of ``N`` files of which ``T`` are selected, has between ``max(0, T - (N - n))``
    and ``min(n, T)`` selected whatever is hidden. On the curve, a group whose selected count
    at the audit's own budget is published (groups table) moves by at most the change of
    the budget total ``|T(b) - T(audit)|``, which is public too (``share x N``).
    """
    totals: dict[tuple, float] = {}
    for (table, a, _g, b, col), v in truth.items():
        key = (table, a, b, col)
        totals[key] = totals.get(key, 0.0) + v
    # a curve count's complement (files not selected) is known only where the size is published
    hidden_n = {(f.attribute, f.group) for f in findings if f.table == "groups" and f.count == "n"}
    hidden_sel = {
        (f.attribute, f.group) for f in findings if f.table == "groups" and f.count == "selected"
    }
    bad = []
    for f in findings:
        v = truth.get((f.table, f.attribute, f.group, f.budget, f.count))
        nv = truth.get((f.table, f.attribute, f.group, f.budget, "not_selected"))
        small_v = v is not None and 1 <= v < min_cell
        small_nv = (
            f.table == "curve"
            and (f.attribute, f.group) not in hidden_n
            and nv is not None
            and 1 <= nv < min_cell
        )
        if not (small_v or small_nv) or f.count == "n":
            if small_v and f.high - f.low < min_cell:
                bad.append((f, v))
            continue
        sel = truth[(f.table, f.attribute, f.group, f.budget, "selected")]
        n = sel + truth[(f.table, f.attribute, f.group, f.budget, "not_selected")]
        t = totals[(f.table, f.attribute, f.budget, "selected")]
        big_n = t + totals[(f.table, f.attribute, f.budget, "not_selected")]
        trivial = min(n, t) - max(0.0, t - (big_n - n))
        if (
            f.table == "curve"
            and audit_budget is not None
            and ((f.attribute, f.group) not in hidden_sel)
        ):
            t0 = totals.get((f.table, f.attribute, float(audit_budget), "selected"))
            if t0 is not None:
                trivial = min(trivial, abs(t - t0))
            if t0 is not None and not any(a == f.attribute for a, _ in hidden_sel):
                trivial = min(trivial, _pinned(truth, f, float(audit_budget), t, t0, n, big_n))
        if f.high - f.low < min(min_cell, trivial):
            bad.append((f, v))
    return bad
