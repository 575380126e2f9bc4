"""Complementary suppression checked by integer programming.

Primary suppression (:mod:`scoreaudit.gate.publish`) hides the small counts. They are not
safe yet: the groups of an attribute add up to the population, the cells of an intersection
add up to coarser groups, a group's selected files never exceed its files. This module hides
*complements* (published counts given up to protect a small one) until an attacker who
knows every published number, every such relation and that counts are non-negative integers
cannot narrow any small hidden count to an interval shorter than the protection range.

Protection range
----------------
A small hidden count (1 to ``min_cell - 1``; a group size, selected, not selected, or an
outcome-label count) is protected when the attacker's feasible interval ``[lo, hi]``
(computed exactly by :class:`scoreaudit.gate.attack.System`, integer programming) has
``hi - lo >= min_cell``. Hence ``hi >= min_cell``: the count cannot be told from a count
that would have been published.

Blocks
------
Each group row publishes three blocks: its size (``n``, ``share``), its selection
(``selected``, rates, intervals, scores) and, with labels, its outcomes. Hiding is
hierarchical (a hidden size hides the selection, a hidden selection hides the outcomes), and
a complement hides only the block needed: a selected count is protected by hiding another
group's *selection*, never its size; sizes are hidden only to protect a small size.

Algorithm (deterministic, greedy with an exact check)
-----------------------------------------------------
1. Primary masks; the attacker bounds every small hidden count.
2. While some small count is narrower than the range, take the first (table order): try the
   published rows sharing a margin with it, smallest group first (``keep`` rows never), and
   hide the first whose hiding gives the count the full range; if none does alone, hide the
   one that widens it most and repeat. Hiding more never narrows an interval, so only the
   counts still narrow are re-checked, and the loop ends (each round hides a row).

Examples
--------
>>> import pandas as pd
>>> g = pd.DataFrame({"attribute": ["a"] * 3, "group": ["x", "y", "z"],
...                   "n": [500, 400, 300], "selected": [40, 5, 60]})
>>> m = protect_groups(g, min_cell=11)
>>> m["selection"].tolist()   # 'y' (5 selected) and the cheapest complement: 'x' (40 selected)
[True, True, False]
>>> m["size"].tolist()
[False, False, False]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint
from scipy.sparse import coo_matrix, csr_matrix, vstack

from scoreaudit.core.vocab import SEP
from scoreaudit.errors import DataError
from scoreaudit.gate._solver import cover_options, milp
from scoreaudit.gate.attack import System

__all__ = [
    "BLOCKS",
    "KINDS",
    "UNPUBLISHED",
    "Line",
    "count_expression",
    "group_system",
    "margin_lines",
    "protect_groups",
    "sensitive",
]

#: ``Line.total`` of a line whose total is not published.
UNPUBLISHED = -1

#: Counts checked per row, as expressions over the row's count columns, and their block.
KINDS: dict[str, tuple[dict[str, float], str]] = {
    "n": ({"n": 1.0}, "size"),
    "selected": ({"selected": 1.0}, "selection"),
    "not_selected": ({"n": 1.0, "selected": -1.0}, "selection"),
    "controlled_with_label": ({"controlled_with_label": 1.0}, "labels"),
    "positives": ({"positives": 1.0}, "labels"),
    "negatives": ({"controlled_with_label": 1.0, "positives": -1.0}, "labels"),
    "selected_with_label": ({"selected_with_label": 1.0}, "labels"),
}

#: Cost factor of a block that complements should avoid (a reference group).
PREFER_FACTOR = 1000.0

#: Blocks, outermost first, with the count columns each hides.
BLOCKS: dict[str, tuple[str, ...]] = {
    "size": ("n",),
    "selection": ("selected",),
    "labels": ("controlled_with_label", "positives", "selected_with_label"),
}

#: ``a <= b`` relations between a row's counts.
_ORDER = (
    ("selected", "n"),
    ("controlled_with_label", "n"),
    ("positives", "controlled_with_label"),
    ("selected_with_label", "controlled_with_label"),
    ("selected_with_label", "selected"),
)


@dataclass(frozen=True)
class Line:
    """Cells (row positions) that add up to a total.

    ``total`` is the row position of the margin, ``None`` for the population total, or
    :data:`UNPUBLISHED` when the coarser table is not among the rows (hand-built tables).
    """

    cells: tuple[int, ...]
    total: int | None


def margin_lines(groups: pd.DataFrame) -> list[Line]:
    """The additive relations between the group rows of an audit.

    The groups of one attribute add up to the population; for an intersection and each of
    its members, the cells sharing the labels of the other members add up to the matching
    row of the coarser table.

    Examples
    --------
    >>> g = pd.DataFrame({"attribute": ["a", "a", "a × b", "a × b"],
    ...                   "group": ["x", "y", "x × u", "x × v"]})
    >>> margin_lines(g)  # 'b' alone is not published here: the line of 'u' has no total
    [Line(cells=(0, 1), total=None), Line(cells=(2, 3), total=0)]
    """
    attrs = groups["attribute"].astype(str).to_numpy()
    labels = groups["group"].astype(str).to_numpy()
    position = {(a, g): i for i, (a, g) in enumerate(zip(attrs, labels, strict=True))}
    lines: list[Line] = []
    for attr in dict.fromkeys(attrs):
        rows = np.flatnonzero(attrs == attr)
        members = attr.split(SEP)
        if len(members) == 1:
            lines.append(Line(tuple(int(r) for r in rows), None))
            continue
        parts = [labels[r].split(SEP) for r in rows]
        if any(len(p) != len(members) for p in parts):
            raise DataError.from_key(
                "err_publish_label_sep", attribute=attr, n=len(members), sep=SEP
            )
        for drop in range(len(members)):
            coarser = SEP.join(m for i, m in enumerate(members) if i != drop)
            by_key: dict[str, list[int]] = {}
            for r, p in zip(rows, parts, strict=True):
                key = SEP.join(x for i, x in enumerate(p) if i != drop)
                by_key.setdefault(key, []).append(int(r))
            for key, cells in by_key.items():
                total = position.get((coarser, key), UNPUBLISHED)
                if len(cells) > 1 or total != UNPUBLISHED:
                    lines.append(Line(tuple(cells), total))
    return lines


def _count_columns(groups: pd.DataFrame) -> list[str]:
    return [c for cols in BLOCKS.values() for c in cols if c in groups.columns]


def group_system(
    published: pd.DataFrame,
    totals: Mapping[str, float],
    lines: Sequence[Line] | None = None,
) -> tuple[System, dict[tuple[int, str], int | float]]:
    """The attacker's system for a groups table whose hidden counts are NaN.

    Parameters
    ----------
    published : DataFrame
        ``attribute``, ``group`` and count columns (``n``, ``selected``, label counts); NaN
        where hidden.
    totals : mapping
        Published population totals by column (``n``: files, ``selected``: files selected);
        a missing total is an unknown (a variable).
    lines : list of Line, optional
        Default :func:`margin_lines` of ``published``.

    Returns
    -------
    (System, dict)
        The system, and for each (row, column) either its variable or its published value.

    Examples
    --------
    >>> g = pd.DataFrame({"attribute": ["a", "a"], "group": ["x", "y"],
    ...                   "n": [90.0, 10.0], "selected": [np.nan, np.nan]})
    >>> s, val = group_system(g, {"n": 100, "selected": 20})
    >>> s.intervals([{val[(1, "selected")]: 1.0}]).tolist()  # y selects 0 to 10 of 20
    [[0.0, 10.0]]
    """
    lines = margin_lines(published) if lines is None else lines
    values = {
        c: pd.to_numeric(published[c], errors="coerce").to_numpy(float)
        for c in _count_columns(published)
    }
    return _system(values, totals, lines)


def _system(
    values: Mapping[str, np.ndarray],
    totals: Mapping[str, float],
    lines: Sequence[Line],
    line_totals: Mapping[tuple[int, str], float] | None = None,
) -> tuple[System, dict[tuple[int, str], int | float]]:
    cols = list(values)
    s = System()
    cap = float(totals.get("n", np.inf))
    val: dict[tuple[int, str], int | float] = {}
    for c in cols:
        v = values[c]
        for r in range(v.size):
            val[(r, c)] = float(v[r]) if np.isfinite(v[r]) else s.var(f"{c}:{r}", 0.0, cap)
    tot: dict[str, int | float] = {}
    for c in cols:
        tot[c] = float(totals[c]) if c in totals else s.var(f"{c}:total", 0.0, cap)
    for k, line in enumerate(lines):
        if line.total == UNPUBLISHED:
            continue
        for c in cols:
            terms = [val[(i, c)] for i in line.cells]
            if line.total is not None:
                right = val[(line.total, c)]
            elif line_totals is not None and (k, c) in line_totals:
                right = line_totals[(k, c)]
            else:
                right = tot[c]
            _relation(s, terms, [right], "eq")
    n_rows = next(iter(values.values())).size if values else 0
    for a, b in _ORDER:
        if a in values and b in values:
            for r in range(n_rows):
                _relation(s, [val[(r, a)]], [val[(r, b)]], "le")
    return s, val


def _relation(s: System, left: list, right: list, how: str) -> None:
    """sum(left) - sum(right) (== or <=) 0, variables (int) and constants (float) mixed."""
    coefs: dict[int, float] = {}
    const = 0.0
    for sign, terms in ((1.0, left), (-1.0, right)):
        for x in terms:
            if isinstance(x, int):
                coefs[x] = coefs.get(x, 0.0) + sign
            else:
                const += sign * x
    (s.eq if how == "eq" else s.le)(coefs, -const)


def sensitive(
    groups: pd.DataFrame, min_cell: int, suppress_zero: bool = False
) -> dict[str, np.ndarray]:
    """Primary suppression: for each kind of :data:`KINDS`, the rows where that count is small.

    Examples
    --------
    >>> g = pd.DataFrame({"n": [500, 8, 30], "selected": [40, 0, 25]})
    >>> {k: v.tolist() for k, v in sensitive(g, 11).items()}
    {'n': [False, True, False], 'selected': [False, False, False], 'not_selected': [False, True, True]}
    """
    low = 0 if suppress_zero else 1
    out = {}
    for kind, (expr, _block) in KINDS.items():
        if not all(c in groups.columns for c in expr):
            continue
        v = sum(
            w * pd.to_numeric(groups[c], errors="coerce").to_numpy(float) for c, w in expr.items()
        )
        with np.errstate(invalid="ignore"):
            out[kind] = np.isfinite(v) & (v >= low) & (v < min_cell)
    return out


def _hierarchy(masks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A hidden size hides the selection, a hidden selection hides the outcomes."""
    out = dict(masks)
    if "selection" in out:
        out["selection"] = out["selection"] | out["size"]
        if "labels" in out:
            out["labels"] = out["labels"] | out["selection"]
    return out


def _hidden_values(values: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray]):
    out = {}
    for block, cols in BLOCKS.items():
        for c in cols:
            if c in values:
                v = values[c].copy()
                if block in masks:
                    v[masks[block]] = np.nan
                out[c] = v
    return out


class _Checker:
    """Builds the attacker's system for candidate masks and measures target intervals."""

    def __init__(self, groups: pd.DataFrame, totals: Mapping[str, float], lines: list) -> None:
        self.values = {
            c: pd.to_numeric(groups[c], errors="coerce").to_numpy(float)
            for c in _count_columns(groups)
        }
        self.totals, self.lines = totals, lines
        # each attribute's total is published (or follows from the published population)
        self.line_totals = {
            (k, c): float(np.nansum(v[list(ln.cells)]))
            for k, ln in enumerate(lines)
            if ln.total is None
            for c, v in self.values.items()
        }
        self._last: tuple[object, tuple[System, dict]] | None = None

    def intervals(
        self, masks: Mapping[str, np.ndarray], targets: list[tuple[int, str]]
    ) -> np.ndarray:
        system, val = self._system(masks)
        exprs = [count_expression(val, target) for target in targets]
        iv = np.zeros((len(targets), 2))
        live = [i for i, e in enumerate(exprs) if e]
        if live:
            iv[live] = system.intervals([exprs[i] for i in live])
        return iv

    def _system(self, masks: Mapping[str, np.ndarray]) -> tuple[System, dict]:
        """The attacker's system for ``masks``; the last one is kept, as the search asks
        about one target after another under the same masks until a complement is added."""
        key = tuple((b, masks[b].tobytes()) for b in sorted(masks))
        if self._last is None or self._last[0] != key:
            hidden = _hidden_values(self.values, masks)
            self._last = (key, _system(hidden, self.totals, self.lines, self.line_totals))
        return self._last[1]

    def width(self, masks: Mapping[str, np.ndarray], target: tuple[int, str]) -> float:
        iv = self.intervals(masks, [target])[0]
        return float(iv[1] - iv[0])

    def protected(self, masks: Mapping[str, np.ndarray], target: tuple[int, str], m: int) -> bool:
        """``width(masks, target) >= m``, proven by solutions already found when they can.

        Same answer as the width itself (two solutions the attacker cannot rule out bound
        the width from below), at the price of no new program for most targets.
        """
        system, val = self._system(masks)
        expr = count_expression(val, target)
        if expr and system.wide(expr, m):
            return True
        return self.width(masks, target) >= m


def count_expression(val: Mapping[tuple[int, str], int | float], target: tuple[int, str]) -> dict:
    """The hidden part of a target count as {variable: weight} (published parts drop out)."""
    r, kind = target
    expr: dict[int, float] = {}
    for c, w in KINDS[kind][0].items():
        v = val[(r, c)]
        if isinstance(v, int):
            expr[v] = expr.get(v, 0.0) + w
    return expr


def _neighbours(r: int, lines: Sequence[Line]) -> list[int]:
    near: set[int] = set()
    for ln in lines:
        members = set(ln.cells) | ({ln.total} if ln.total not in (None, UNPUBLISHED) else set())
        if r in members:
            near |= members
    near.discard(r)
    return sorted(int(x) for x in near)


def _useful(values: Mapping[str, np.ndarray], m: int) -> dict[str, np.ndarray]:
    """Rows whose block, once hidden, can move both ways by ``m`` (zeros protect nothing)."""
    n = values["n"]
    out = {"size": n >= 2 * m}
    if "selected" in values:
        s = values["selected"]
        out["selection"] = (s >= m) & (n - s >= m)
    if "positives" in values:
        lab, pos = values["controlled_with_label"], values["positives"]
        out["labels"] = (pos >= m) & (lab - pos >= m)
    return out


def _candidates(r, block, masks, lines, useful, size, depth, keep) -> list[int]:
    free = ~masks[block] & ~keep
    near = [c for c in _neighbours(r, lines) if free[c]]
    if not near:
        near = [int(c) for c in np.flatnonzero(free)]
    return sorted(near, key=lambda c: (-depth[c], not useful[block][c], size[c], c))


def _hide(masks: Mapping[str, np.ndarray], block: str, row: int) -> dict[str, np.ndarray]:
    out = {k: v.copy() for k, v in masks.items()}
    out[block][row] = True
    return _hierarchy(out)


def protect_groups(
    groups: pd.DataFrame,
    min_cell: int,
    *,
    totals: Mapping[str, float] | None = None,
    keep: Iterable[int] | np.ndarray = (),
    suppress_zero: bool = False,
    max_trials: int = 3,
    hidden: np.ndarray | None = None,
    prefer: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Masks (``size``, ``selection``, ``labels``) such that every small count is protected.

    Parameters
    ----------
    groups : DataFrame
        Group rows (single attributes and intersections) with ``attribute``, ``group``,
        ``n``, ``selected`` and optionally the label counts.
    min_cell : int
        Publication threshold; also the protection range.
    totals : mapping, optional
        Published population totals (default: ``n`` and ``selected`` summed over the first
        attribute).
    keep : iterable of int or bool array
        Rows that complements must not hide (primary suppression still applies).
    suppress_zero : bool
        Zero counts are small too.
    max_trials : int
        Candidates tried per round before hiding the one that widens the count most.
    prefer : bool array, optional
        Rows that complements should avoid (a reference group: hiding it blanks every
        comparison of its attribute); their cost is multiplied by :data:`PREFER_FACTOR`.
    hidden : bool array, optional
        Rows whose size is hidden for another reason (e.g. a source table already hid
        them): hidden and protected like small sizes.

    Returns
    -------
    dict of bool arrays
        ``size``, ``selection`` and (with labels) ``labels``, aligned with ``groups``, plus
        ``primary`` (rows with a small count) and ``complement`` (rows hidden only to
        protect others).
    """
    g = groups.reset_index(drop=True)
    n_rows = len(g)
    keep_mask = np.zeros(n_rows, dtype=bool)
    keep_arr = np.asarray(list(keep) if not isinstance(keep, np.ndarray) else keep)
    if keep_arr.dtype == bool and keep_arr.size == n_rows:
        keep_mask |= keep_arr
    elif keep_arr.size:
        keep_mask[keep_arr.astype(int)] = True
    sens = sensitive(g, min_cell, suppress_zero)
    if hidden is not None and "n" in sens:
        sens["n"] = sens["n"] | np.asarray(hidden, dtype=bool)
    blocks = {b: np.zeros(n_rows, dtype=bool) for b in BLOCKS if BLOCKS[b][0] in g.columns}
    for kind, m in sens.items():
        blocks[KINDS[kind][1]] |= m
    masks = _hierarchy(blocks)
    primary = np.zeros(n_rows, dtype=bool)
    for m in sens.values():
        primary |= m
    targets = [(int(r), k) for k, m in sens.items() for r in np.flatnonzero(m)]
    targets.sort()
    if totals is None and n_rows:
        first = g["attribute"].astype(str) == str(g["attribute"].iloc[0])
        totals = {c: float(g.loc[first, c].sum()) for c in _count_columns(g)}
    lines = margin_lines(g)
    checker = _Checker(g, totals or {}, lines)
    size = pd.to_numeric(g["n"], errors="coerce").fillna(np.inf).to_numpy(float)
    useful = _useful(checker.values, min_cell)
    depth = g["attribute"].astype(str).str.count(SEP).to_numpy()
    unprotectable: list[tuple[int, str]] = []
    prefer_mask = np.zeros(n_rows, dtype=bool) if prefer is None else np.asarray(prefer, bool)
    cover = _Cover(
        checker.values,
        lines,
        depth,
        min_cell,
        keep_mask,
        float(totals.get("n", np.inf)) if totals else np.inf,
        prefer_mask,
    )
    for target in targets:  # hiding more never narrows: a protected count stays protected
        if checker.protected(masks, target, min_cell):
            continue  # already protected by earlier complements
        found = cover.solve(masks, target)
        if found is not None:
            masks = found
    for target in targets:  # the exact attacker has the last word
        while not checker.protected(masks, target, min_cell):
            new = _complement(
                target, masks, checker, lines, useful, size, depth, keep_mask, min_cell, max_trials
            )
            if new is None:
                unprotectable.append(target)  # everything around is hidden already
                break
            masks = new
    out = dict(masks)
    hidden_any = out.get("selection", out["size"]) | out["size"]
    out["primary"] = primary
    out["complement"] = (hidden_any | out.get("labels", np.zeros(n_rows, bool))) & ~primary
    out["unprotectable"] = np.zeros(n_rows, dtype=bool)
    out["unprotectable"][[r for r, _ in unprotectable]] = True
    return out


def _complement(target, masks, checker, lines, useful, size, depth, keep, min_cell, max_trials):
    """Hide one more row's block to widen the interval of ``target`` (row, kind)."""
    r, kind = target
    block = KINDS[kind][1]
    cands = _candidates(r, block, masks, lines, useful, size, depth, keep)
    if not cands:  # only kept rows are left: protection comes first
        cands = _candidates(r, block, masks, lines, useful, size, depth, np.zeros_like(keep))
    if not cands:
        return None
    best, best_w = cands[0], -np.inf
    for c in cands[:max_trials]:
        trial = _hide(masks, block, c)
        w = checker.width(trial, target)
        if w >= min_cell:
            return trial
        if w > best_w:
            best, best_w = c, w
    return _hide(masks, block, best)


class _Cover:
    """The cheapest extra blocks to hide so that one small count can move up by ``min_cell``.

    A mixed-integer program over *moves* ``y`` (integer changes of every count) and hiding
    decisions ``z`` (one per row and block): the moves keep every published relation
    (``A y = 0`` on the margin lines), keep the counts non-negative and ordered
    (``selected <= n``...), touch only hidden blocks (``|y| <= M z``) and raise the target
    count by ``min_cell``. Blocks already hidden cost nothing; ``keep`` rows cannot be
    hidden; a block's cost grows with its count and with how coarse its table is (a single
    attribute's group costs more than an intersection cell). If such a move exists, an
    attacker cannot exclude that the count is ``min_cell`` larger than it is.
    """

    def __init__(self, values, lines, depth, m, keep, cap, prefer=None) -> None:
        self.values = {c: np.nan_to_num(v, nan=0.0) for c, v in values.items()}
        self.cols = list(self.values)
        self.blocks = [b for b in BLOCKS if BLOCKS[b][0] in self.values]
        self.lines, self.m, self.keep = lines, int(m), keep
        self.r = len(depth)
        self.cap = cap if np.isfinite(cap) else float(self.values["n"].sum())
        weight = 10.0 ** (depth.max() - depth) if self.r else depth
        if prefer is not None and self.r:
            weight = weight * np.where(prefer, PREFER_FACTOR, 1.0)
        self.cost = {}
        for b in self.blocks:
            v = self.values[BLOCKS[b][0]]
            self.cost[b] = weight * (1.0 + np.abs(v))
        self._static = self._constraints()

    def _yi(self, c: str, r: int) -> int:
        return self.cols.index(c) * self.r + r

    def _zi(self, b: str, r: int) -> int:
        return len(self.cols) * self.r + self.blocks.index(b) * self.r + r

    def _constraints(self):
        rows, cols, data, lo, hi = [], [], [], [], []
        k = 0

        def add(entries, low, high):
            nonlocal k
            for j, w in entries:
                rows.append(k)
                cols.append(j)
                data.append(w)
            lo.append(low)
            hi.append(high)
            k += 1

        for line in self.lines:
            if line.total == UNPUBLISHED:
                continue
            for c in self.cols:
                e = [(self._yi(c, i), 1.0) for i in line.cells]
                if line.total is not None:
                    e.append((self._yi(c, line.total), -1.0))
                add(e, 0.0, 0.0)
        for a, b in _ORDER:
            if a in self.values and b in self.values:
                for r in range(self.r):
                    slack = self.values[b][r] - self.values[a][r]
                    add([(self._yi(a, r), 1.0), (self._yi(b, r), -1.0)], -np.inf, slack)
        block_of = {c: b for b, cs in BLOCKS.items() for c in cs}
        for c in self.cols:
            b = block_of[c]
            v = self.values[c]
            for r in range(self.r):
                up = min(self.cap - v[r], self.m)
                down = min(v[r], self.m)
                add([(self._yi(c, r), 1.0), (self._zi(b, r), -up)], -np.inf, 0.0)
                add([(self._yi(c, r), -1.0), (self._zi(b, r), -down)], -np.inf, 0.0)
        for outer, inner in zip(self.blocks, self.blocks[1:], strict=False):
            for r in range(self.r):
                add([(self._zi(inner, r), 1.0), (self._zi(outer, r), -1.0)], 0.0, np.inf)
        nv = (len(self.cols) + len(self.blocks)) * self.r
        a = coo_matrix((data, (rows, cols)), shape=(k, nv)).tocsr()
        return a, np.array(lo), np.array(hi), nv

    def solve(self, masks, target):
        """Masks with the cheapest extra hiding for ``target`` (None when impossible)."""
        a, lo, hi, nv = self._static
        r0, kind = target
        t = np.zeros(nv)
        for c, w in KINDS[kind][0].items():
            t[self._yi(c, r0)] = w
        lb = np.zeros(nv)
        ub = np.ones(nv)
        cost = np.zeros(nv)
        for c in self.cols:
            v = self.values[c]
            idx = [self._yi(c, r) for r in range(self.r)]
            lb[idx] = -np.minimum(v, self.m)
            ub[idx] = np.minimum(self.cap - v, self.m)
        for b in self.blocks:
            idx = np.array([self._zi(b, r) for r in range(self.r)])
            hidden = masks[b]
            cost[idx] = np.where(hidden, 0.0, self.cost[b])
            lb[idx[hidden]] = 1.0
            ub[idx[~hidden & self.keep]] = 0.0
        cons = LinearConstraint(
            vstack([a, csr_matrix(t)]), np.append(lo, self.m), np.append(hi, np.inf)
        )
        integrality = np.ones(nv)
        res = milp(
            cost,
            constraints=cons,
            integrality=integrality,
            bounds=Bounds(lb, ub),
            options=cover_options(),
        )
        if res.x is None:
            return None
        out = {k: v.copy() for k, v in masks.items()}
        for b in self.blocks:
            z = res.x[[self._zi(b, r) for r in range(self.r)]] > 0.5
            out[b] = out[b] | z
        return _hierarchy(out)
