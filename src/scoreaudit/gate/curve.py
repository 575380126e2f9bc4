"""The budget curve through the publication gate.

The curve gives, for each budget, every group's selected count. A group's selected count
never falls when the budget grows, so hiding one budget is not enough: the budgets on either
side bound it. The gate therefore publishes the curve

* for the single attributes only (intersections are not published in the curve: their cells
  are small at most budgets, and the groups table gives them at the audit's own budget);
* all or nothing per attribute and budget: an attribute's groups at a budget are hidden
  together when one of them has a small selected or not-selected count, when a group's size
  is hidden, or (at the audit's own budget) when a group's selection is hidden in the groups
  table;
* when the groups table hides anything, at the edges of tie blocks: a budget that falls
  inside a block of tied scores is moved to the block's nearer edge
  (``result.curve_at_levels``), where each group's count is a sum of its files per score
  level. Inside a block the count also depends on how the tied files were shared out among
  the finest cells (by a seeded draw, or by largest remainders), an exact function of the
  hidden cells' counts per level: replaying the sharing at every budget recovered a hidden
  cell (``benchmarks/attack_lottery.py``). The audit's own budget stays (the groups table
  publishes it by its own rule);
* then each run of hidden budgets must carry a *certificate*: an attacker knows the
  published neighbours (bounds), monotonicity, the group sizes and the budget totals, and
  the gate exhibits a second table of hidden counts that satisfies all of them and moves
  every small hidden count by ``min_cell`` (``min_cell`` files shifted, over the whole run,
  from other groups to the small one, or the other way for a small not-selected count).
  The true table and the shifted one are both integer solutions, so no small count can be
  narrowed to an interval shorter than ``min_cell``. Without a certificate the run grows by
  one budget on each side;
* the certificates leave the audit's own budget as it is, since the groups table publishes
  it. Where the groups table hides a group's selected count there, the curve's published
  budgets on either side bound it (monotonicity): the groups table's attacker is asked
  again with those bounds (:func:`_audit_neighbours`), and the curve hides the neighbours
  of the audit's budget, one more on each side at a time, until no small count of the
  groups table is narrower than without the curve. (A certificate is sufficient, not necessary: the gate may hide a
  budget an exact integer program would have let through; it is vectorised, where the exact
  program took minutes on a few hundred files.)

Examples
--------
>>> import numpy as np, pandas as pd, scoreaudit as sa
>>> rng = np.random.default_rng(1)
>>> f = pd.DataFrame({"g": ["a"] * 400 + ["b"] * 400, "s": rng.random(800)})
>>> r = sa.audit(sa.Population(f, protected=["g"]), "s", sa.Budget(share=0.1),
...              threshold_free=False)
>>> from scoreaudit.gate import publish
>>> pub = publish(r).result
>>> hidden = pub.curve.groupby("budget")["suppressed"].any()
>>> bool(hidden[0.01]), bool(hidden[0.5])   # 8 files selected at 1%: hidden; 400 at 50%
(True, False)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import SEP
from scoreaudit.gate.complements import BLOCKS, KINDS, count_expression, group_system, sensitive
from scoreaudit.gate.curve_cells import check_cells, fitted_cells
from scoreaudit.gate.rules import flags_by_key

__all__ = ["CURVE_BLANK", "CurvePlan", "gate_curve"]

#: Columns of the curve that describe a group at a budget (blank when hidden).
CURVE_BLANK = (
    "selected",
    "selection_rate",
    "selection_rate_low",
    "selection_rate_high",
    "ratio",
    "ratio_low",
    "ratio_high",
)


def _small(x: np.ndarray, m: int, zero: bool) -> np.ndarray:
    low = 0 if zero else 1
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & (x >= low) & (x < m)


def gate_curve(
    result: Any, groups: pd.DataFrame, masks: dict, min_cell: int, suppress_zero: bool = False
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The published curve, its hidden-row mask and how many budgets were left out of it
    (see the module docstring)."""
    return CurvePlan(result, groups, masks, min_cell, suppress_zero).checked()


class CurvePlan:
    """The curve's publication up to the programs that check its budgets against the
    groups table's hidden counts (:func:`scoreaudit.gate.curve_cells.check_cells`).

    :meth:`checked` runs them and gives what :func:`gate_curve` gives; :meth:`provisional`
    gives, without them, what :meth:`checked` gives when they hide nothing more (most
    audits). It is not a publication: only a copy found equal to the checked one may be
    used in its place (the report draws the budget curve from it meanwhile, and keeps
    the drawing only then).
    """

    def __init__(
        self,
        result: Any,
        groups: pd.DataFrame,
        masks: dict,
        min_cell: int,
        suppress_zero: bool = False,
    ) -> None:
        # outcome counts too: with labels, tied files are shared out among cell x label groups
        hidden = [np.asarray(masks[k]) for k in ("size", "selection", "labels") if k in masks]
        c, inside = _curve_to_publish(result, bool(np.logical_or.reduce(hidden).any()))
        self._full = c
        singles = ~c["attribute"].astype(str).str.contains(SEP, regex=False).to_numpy(bool)
        self._c, inside = c[singles].reset_index(drop=True), inside[singles]
        self._check: _GroupsCheck | None = None
        self._groups, self._min_cell = groups, min_cell
        self._count = int(getattr(result.selection, "n_selected", -1))
        self._small = self._hide = np.zeros(len(self._c), dtype=bool)
        if self._c.empty or min_cell <= 1 and not suppress_zero:
            return
        share = float(getattr(result.selection, "share", np.nan))
        at_audit = _at_audit(self._c, result.selection, share)
        self._small, hide = _first_hide(
            self._c, groups, masks, inside, at_audit, min_cell, suppress_zero
        )
        self._check = _GroupsCheck(groups, masks, min_cell, suppress_zero)
        s = self._c["selected"].to_numpy(float)
        self._hide = _audit_neighbours(self._c, s, hide, at_audit, self._check)

    def checked(self) -> tuple[pd.DataFrame, np.ndarray, int]:
        """The published curve, its hidden-row mask and the number of budgets left out."""
        return self._outcome(prove=True)

    def provisional(self) -> tuple[pd.DataFrame, np.ndarray, int]:
        """:meth:`checked`'s answer if its programs hide nothing more (none is solved)."""
        return self._outcome(prove=False)

    def _outcome(self, prove: bool) -> tuple[pd.DataFrame, np.ndarray, int]:
        c, hide, small, check = self._c, self._hide, self._small, self._check
        if check is None:  # nothing is hidden in the curve
            out = c.copy()
            out["suppressed"] = hide
            out["suppression"] = np.where(hide, "small", "")
            return out, hide, 0
        if not check.targets:
            return _published(c, hide, small), hide, 0
        if prove:
            bounds = (check.published, check.targets, check.need(), self._count, self._min_cell)
            hide, dropped = check_cells(c, self._full, hide, self._groups, *bounds)
        else:
            hide, dropped = fitted_cells(c, self._full, hide, self._groups, check.targets)
        left_out = int(c.loc[dropped, "n_selected"].nunique())
        c, hide, small = c[~dropped].reset_index(drop=True), hide[~dropped], small[~dropped]
        return _published(c, hide, small), hide, left_out


def _first_hide(c, groups, masks, inside, at_audit, min_cell, zero) -> tuple[np.ndarray, ...]:
    """``(small, hide)``: the curve's small counts and the rows hidden by the rules of the
    module docstring before the programs (runs certified, the audit's neighbours)."""
    key = groups["attribute"].astype(str) + "\x00" + groups["group"].astype(str)
    ckey = c["attribute"].astype(str) + "\x00" + c["group"].astype(str)
    n = ckey.map(dict(zip(key, groups["n"].astype(float), strict=False))).to_numpy(float)
    size_hidden = flags_by_key(ckey, dict(zip(key, masks["size"], strict=False)), missing=True)
    sel_hidden = flags_by_key(ckey, dict(zip(key, masks["selection"], strict=False)), missing=True)
    s = c["selected"].to_numpy(float)
    small = _small(s, min_cell, zero) | _small(n - s, min_cell, zero)
    cause = small | size_hidden | (at_audit & sel_hidden)
    frame = pd.DataFrame({"a": c["attribute"].astype(str), "b": c["budget"], "cause": cause})
    hide = frame.groupby(["a", "b"], sort=False)["cause"].transform("any").to_numpy(bool).copy()
    frame["size_hidden"] = size_hidden
    hide |= frame.groupby("a", sort=False)["size_hidden"].transform("any").to_numpy(bool)
    hide |= inside & ~at_audit
    return small, _verify(c, n, s, hide, small, min_cell, at_audit, zero)


def _published(c: pd.DataFrame, hide: np.ndarray, small: np.ndarray) -> pd.DataFrame:
    """The curve as published: hidden rows blank, flagged and explained."""
    out = c.copy()
    cols = [col for col in CURVE_BLANK if col in out.columns]
    for col in cols:
        out[col] = out[col].astype(float)
        out.loc[hide, col] = np.nan
    out["suppressed"] = hide
    out["suppression"] = np.where(small & hide, "small", np.where(hide, "complement", ""))
    return out


def _at_audit(c: pd.DataFrame, selection: Any, share: float) -> np.ndarray:
    """Curve rows of the audit's own selection: its budget, or its count of files (a budget
    of 10% selects 33 of 327 files, a realised share of 10.09%)."""
    at = np.isclose(c["budget"].to_numpy(float), share, atol=1e-12)
    count = getattr(selection, "n_selected", None)
    if count is not None and "n_selected" in c.columns:
        k = pd.to_numeric(c["n_selected"], errors="coerce").to_numpy(float)
        at |= np.isfinite(k) & (np.rint(k) == count)
    return at


def _curve_to_publish(result: Any, hides: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """The curve to publish and the rows that must be hidden for falling inside a tie block.

    Nothing hidden: the curve as the analyst has it. Otherwise the curve at tie-block edges
    (see the module docstring). A result without it (not made by this package's engines)
    has every budget that may cut a tie block hidden instead: those whose count splits tied
    scores, or all of them when the scores are not at hand.
    """
    c = result.curve
    none = np.zeros(len(c), dtype=bool)
    if not hides:
        return c, none
    levels = getattr(result, "curve_at_levels", None)
    if levels is not None:
        return levels, np.zeros(len(levels), dtype=bool)
    if getattr(getattr(result, "policy", None), "ties", None) == "all":
        return c, none
    scores = getattr(result, "scores", None)
    k = pd.to_numeric(c["n_selected"], errors="coerce").to_numpy(float)
    if scores is None or np.size(scores) == 0:
        return c, np.isfinite(k) & (k > 0)
    s = np.sort(np.asarray(scores, dtype=float))[::-1]
    inside = np.isfinite(k) & (k >= 1) & (k < s.size) & (k == np.round(k))
    split = np.zeros(len(c), dtype=bool)
    at = k[inside].astype(np.int64)
    split[inside] = s[at - 1] == s[at]
    return c, split


def _verify(c, n, s, hide, small, m, at_audit, zero=False) -> np.ndarray:
    """Grow runs of hidden budgets until each has a certificate (see the module docstring).

    The audit's own budget splits runs: the groups table may publish its counts, so the
    certificate's moves leave that budget alone. With ``zero`` (``suppress_zero``), counts of
    0 are protected like the other small counts: each must be able to move too.
    """
    hide = hide.copy()
    attrs = c["attribute"].astype(str).to_numpy()
    for attr in dict.fromkeys(attrs):
        rows = np.flatnonzero(attrs == attr)
        sub = c.iloc[rows]
        groups = pd.Index(pd.unique(sub["group"].astype(str)))
        budgets = np.sort(sub["budget"].unique())
        gi = groups.get_indexer(sub["group"].astype(str))
        bi = np.searchsorted(budgets, sub["budget"].to_numpy())
        grid = np.full((len(groups), len(budgets)), -1, dtype=int)
        grid[gi, bi] = rows
        if (grid < 0).any():  # a group missing at some budget: publish none of the attribute
            hide[rows] = True
            continue
        sel = s[grid]
        sel_small = _small(sel, m, zero) & small[grid]  # small selected counts
        out_small = _small(n - s, m, zero)[grid] & small[grid]  # small not-selected counts
        size = n[grid].max(axis=1)
        fixed = at_audit[grid].any(axis=0)
        for _ in range(len(budgets) + 1):
            hb = hide[grid].any(axis=0) & ~fixed
            bad = [
                run for run in _runs(hb) if not _certified(sel, size, sel_small, out_small, run, m)
            ]
            if not bad:
                break
            for lo, hi in bad:  # grow each failing run by a budget on either side
                hide[grid[:, max(lo - 1, 0) : hi + 2].ravel()] = True
    return hide


def _audit_neighbours(c, s, hide, at_audit, check: _GroupsCheck) -> np.ndarray:
    """Hide the curve around the audit's budget until it narrows no small hidden count of the
    groups table (see the module docstring).

    With the curve's published budgets ``L`` and ``R`` on either side of the audit's (its
    row hidden for an attribute), the attacker knows ``L_g <= selected_g <= R_g`` for each
    group, and nothing more: any such column of counts adding up to the budget's total
    extends to the hidden budgets between them. Those bounds join the groups table's
    relations; every small hidden count must stay as wide as the groups table alone leaves
    it (``min_cell``, or less where nothing could give more).
    """
    if not check.targets or not at_audit.any():
        return hide
    hide = hide.copy()
    attrs = c["attribute"].astype(str).to_numpy()
    while True:
        bounds, sources = _neighbour_bounds(c, s, hide, at_audit, attrs)
        if not bounds or check.wide(bounds):
            return hide
        for rows in sources:  # the attribute's nearest published budget on each side
            hide[rows] = True


def _neighbour_bounds(c, s, hide, at_audit, attrs) -> tuple[dict, list]:
    """``{(attribute, group): (L, R)}`` where the audit's budget is hidden, and the curve rows
    of the budgets giving them (one array per attribute and side)."""
    bounds: dict[tuple[str, str], tuple[float, float]] = {}
    sources = []
    budgets = c["budget"].to_numpy(float)
    groups = c["group"].astype(str).to_numpy()
    for attr in dict.fromkeys(attrs[at_audit & hide]):
        rows = np.flatnonzero(attrs == attr)
        audit = float(budgets[rows][at_audit[rows]][0])
        shown = rows[~hide[rows]]
        left = shown[budgets[shown] < audit]
        right = shown[budgets[shown] > audit]
        side_l = left[budgets[left] == budgets[left].max()] if left.size else left
        side_r = right[budgets[right] == budgets[right].min()] if right.size else right
        for g in dict.fromkeys(groups[rows]):
            lo = s[side_l][groups[side_l] == g]
            hi = s[side_r][groups[side_r] == g]
            bounds[(attr, g)] = (
                float(lo[0]) if lo.size else 0.0,
                float(hi[0]) if hi.size else np.inf,
            )
        sources += [side for side in (side_l, side_r) if side.size]
    if not sources:
        return {}, []
    return bounds, sources


class _GroupsCheck:
    """The groups table's attacker (its published counts and relations), asked with bounds on
    single attributes' selected counts at the audit's budget."""

    def __init__(self, groups: pd.DataFrame, masks: dict, m: int, zero: bool) -> None:
        g = groups.reset_index(drop=True)
        self.m = m
        cols = [col for cols in BLOCKS.values() for col in cols if col in g.columns]
        self.published = g[["attribute", "group", *cols]].copy()
        for block, block_cols in BLOCKS.items():
            if block in masks:
                for col in block_cols:
                    if col in g.columns:
                        self.published.loc[np.asarray(masks[block], bool), col] = np.nan
        first = g["attribute"].astype(str) == str(g["attribute"].iloc[0]) if len(g) else []
        self.totals = {col: float(g.loc[first, col].sum()) for col in cols}
        keys = zip(g["attribute"].astype(str), g["group"].astype(str), strict=True)
        self.row = {key: i for i, key in enumerate(keys)}
        sens = sensitive(g, m, zero) if m > 1 or zero else {}
        self.targets = [
            (int(r), kind)
            for kind, small in sens.items()
            for r in np.flatnonzero(small & np.asarray(masks.get(KINDS[kind][1], small), bool))
        ]
        self._need: np.ndarray | None = None

    def _system(self, bounds: dict) -> tuple[Any, list[dict]]:
        """The attacker's system with ``bounds`` and the targets' expressions in it."""
        system, val = group_system(self.published, self.totals)
        for key, (lo, hi) in bounds.items():
            v = val.get((self.row.get(key, -1), "selected"))
            if isinstance(v, int):  # a hidden count: the curve bounds it
                system.var(system.names[v], lo, hi)
        return system, [count_expression(val, t) for t in self.targets]

    def need(self) -> np.ndarray:
        """Each target's width from the groups table alone, capped at ``min_cell``: what the
        curve must leave it (no count needs more, and one the table leaves narrower need
        not become wider)."""
        if self._need is None:
            system, exprs = self._system({})
            self._need = np.array([self._width(system, e, self.m) for e in exprs], float)
        return self._need

    def wide(self, bounds: dict) -> bool:
        """True when the bounds leave every small hidden count as wide as before."""
        system, exprs = self._system(bounds)
        need = self.need()
        return all(self._width(system, e, w) >= w for e, w in zip(exprs, need, strict=True))

    @staticmethod
    def _width(system: Any, expr: dict, cap: float) -> float:
        """The target's width, or ``cap`` when integer solutions met so far already prove
        that much (each bound solved comes with one): then no program is solved for it.
        NaN (not proven) compares as narrow."""
        if system.wide(expr, cap):
            return float(cap)
        low, high = system.intervals([expr])[0]
        return float(min(high - low, cap))


def _runs(hb: np.ndarray) -> list[tuple[int, int]]:
    """The (first, last) indices of each run of True in ``hb``."""
    edges = np.diff(np.concatenate([[0], hb.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def _certified(sel, size, sel_small, out_small, run, m) -> bool:
    """True when moves of files within the run give every small count of the run its range.

    ``sel`` is groups x budgets, ``L`` and ``R`` each group's counts just before and after
    the run (published; 0 before the first budget, the group's size after the last). Each
    budget step adds a fixed number of files (the budget totals are public), shared among
    groups; a group's share of the steps in the run is fixed by ``R - L``. Moving ``k`` of
    those steps' files from the other groups to group ``g`` before budget ``j`` and back
    after it raises ``g``'s count at ``j`` by ``k`` and keeps every total, every published
    count and monotonicity: possible up to ``min(others' gain by j, g's room after j)``.
    Lowering is symmetric. Both moves give integer solutions, so the count at ``j`` ranges
    over at least ``rise + fall``. The range asked is ``m``, or less where the budget
    totals alone allow less (a group cannot have more selected files than the budget
    selects).
    """
    lo, hi = run
    span = sel[:, lo : hi + 1]
    right = sel[:, hi + 1] if hi + 1 < sel.shape[1] else size
    left = sel[:, lo - 1] if lo > 0 else np.zeros(len(sel))
    gain = span - left[:, None]
    room = right[:, None] - span
    rise = np.minimum(room, gain.sum(axis=0) - gain)
    fall = np.minimum(gain, room.sum(axis=0) - room)
    total = span.sum(axis=0)
    rest = size.sum() - size[:, None]
    trivial = np.minimum(size[:, None], total) - np.maximum(0.0, total - rest)
    targets = sel_small[:, lo : hi + 1] | out_small[:, lo : hi + 1]
    need = np.where(targets, np.minimum(trivial, m), 0.0)
    return bool(np.all(rise + fall >= need))
