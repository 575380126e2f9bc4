"""An attacker that crosses the curves of several attributes (written apart from the gate).

Between two budgets of the published curve, the newly selected files form a table over the
finest cells (one group of every attribute) whose margins are the increments of the
published single-attribute counts. The attacker gives each (increment, finest cell) an
integer count >= 0 and adds every published relation: the budget totals (``n_selected`` of
every curve row, hidden or not), the published curve counts, and the groups table's
published sizes and selected counts (a group row is the sum of its finest cells, over all
increments for its size, up to the audit's count of files for its selected count). Each
hidden count of the groups table is then minimised and maximised with
``scipy.optimize.milp`` (HiGHS).

Adapted from an attack on our own files (6 Dec 2026), which found that the curves of two
attributes narrowed hidden intersection counts that neither the groups table nor any single
curve narrowed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

SEP = " × "


def _num(x) -> float:
    v = pd.to_numeric(pd.Series([x]), errors="coerce").iloc[0]
    return float(v) if pd.notna(v) else np.nan


def hidden_bounds(groups: pd.DataFrame, curve: pd.DataFrame, n_audit: int) -> pd.DataFrame:
    """Bounds of every hidden count of a published groups table, given its published curve.

    Returns one row per (attribute, group, kind) with ``low`` and ``high``.
    """
    attrs = list(dict.fromkeys(groups["attribute"].astype(str)))
    singles = [a for a in attrs if SEP not in a]
    labels = {
        a: list(dict.fromkeys(groups.loc[groups["attribute"].astype(str) == a, "group"]))
        for a in singles
    }
    cells = np.array(list(itertools.product(*[labels[a] for a in singles])), dtype=object)
    n_cells = len(cells)
    first = groups["attribute"].astype(str) == singles[0]
    big_n = int(pd.to_numeric(groups.loc[first, "n"]).sum())
    ks = pd.to_numeric(curve["n_selected"], errors="coerce").dropna().round().astype(int)
    points = np.array(sorted({*ks.tolist(), int(n_audit), big_n} - {0}))
    n_inc = points.size
    width = np.diff(np.concatenate([[0], points]))

    def members(attr: str, group: str) -> np.ndarray:
        m = np.ones(n_cells, dtype=bool)
        for a, g in zip(attr.split(SEP), group.split(SEP), strict=True):
            m &= cells[:, singles.index(a)] == g
        return m

    def upto(mem: np.ndarray, k: int | None) -> np.ndarray:
        inc = np.ones(n_inc, dtype=bool) if k is None else points <= k
        return (inc[:, None] & mem[None, :]).ravel().astype(float)

    rows, rhs = [], []
    for i in range(n_inc):
        v = np.zeros(n_inc * n_cells)
        v[i * n_cells : (i + 1) * n_cells] = 1.0
        rows.append(v)
        rhs.append(width[i])
    shown = curve[~curve["suppressed"].astype(bool)]
    for r in shown.itertuples(index=False):
        rows.append(upto(members(str(r.attribute), str(r.group)), int(round(r.n_selected))))
        rhs.append(float(r.selected))
    targets = []
    for r in groups.itertuples(index=False):
        mem = members(str(r.attribute), str(r.group))
        size, sel = upto(mem, None), upto(mem, int(n_audit))
        n, s = _num(r.n), _num(r.selected)
        for value, vec in ((n, size), (s, sel)):
            if np.isfinite(value):
                rows.append(vec)
                rhs.append(value)
        if not np.isfinite(n):
            targets.append((r.attribute, r.group, "n", size))
        if not np.isfinite(s):
            targets.append((r.attribute, r.group, "selected", sel))
            targets.append((r.attribute, r.group, "not_selected", size - sel))
    A = csr_matrix(np.vstack(rows))
    b = np.asarray(rhs, dtype=float)
    out = []
    for attr, group, kind, c in targets:
        ends = []
        for sign in (1.0, -1.0):
            res = milp(
                sign * c,
                constraints=LinearConstraint(A, b, b),
                integrality=np.ones(c.size),
                bounds=Bounds(0, np.inf),
            )
            assert res.status == 0, res.message
            ends.append(sign * res.fun)
        out.append(
            {"attribute": attr, "group": group, "kind": kind, "low": ends[0], "high": ends[1]}
        )
    return pd.DataFrame(out, columns=["attribute", "group", "kind", "low", "high"])


def narrowed_small(result, published, min_cell: int) -> pd.DataFrame:
    """Hidden small counts (1 to ``min_cell - 1``) whose interval is shorter than
    ``min_cell``, or than what the groups table alone leaves (the same attack without the
    curve), with their true value."""
    k = int(published.selection.n_selected)
    full = hidden_bounds(published.groups, published.curve, k)
    alone = hidden_bounds(published.groups, published.curve.iloc[:0], k)
    truth = result.groups.set_index(["attribute", "group"])
    value = []
    for r in full.itertuples(index=False):
        t = truth.loc[(r.attribute, r.group)]
        value.append({"n": t.n, "selected": t.selected, "not_selected": t.n - t.selected}[r.kind])
    full["truth"] = value
    full["alone"] = (alone["high"] - alone["low"]).to_numpy()
    small = (full["truth"] >= 1) & (full["truth"] < min_cell)
    narrow = full["high"] - full["low"] < np.minimum(min_cell, full["alone"])
    return full[small & narrow]
