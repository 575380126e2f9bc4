"""Secondary cell suppression: no suppressed count can be recovered from published margins.

Primary suppression (:mod:`scoreaudit.present.publish`) hides the cells whose counts are
small. That is not enough when the cells of a table add up to a published total: if
``woman`` (1,000 files) is published and every ``woman × family status`` cell but one is
too, the hidden one is ``1,000`` minus the others. This module chooses extra
(*complementary*) cells to hide so that this cannot happen.

Margin lines
------------
The group rows of an audit (single attributes and their intersections) are linked by
additive constraints, each a *line* of cells that add up to a *total*:

* the groups of one attribute add up to the whole population (published);
* for an intersection ``a × b [× c]`` and each of its members, the cells that share the
  labels of all the *other* members add up to the matching row of the coarser table
  (``woman × alone`` + ``woman × couple`` + ... = ``woman``; in three dimensions the
  coarser rows are two-way intersection cells).

The same lines hold for every count published about a group (files ``n``, files selected,
files not selected), so one mask protects them all.

Algorithm (deterministic)
-------------------------
1. **One-cell rule, to a fixed point.** Lines are visited in table order; a line holding
   exactly one suppressed cell gets its *smallest* other cell (fewest files; ties: first in
   table order) suppressed too, since the total minus the published cells would reveal the
   hidden one. A line with a single cell that is suppressed gets its total suppressed. The
   pass repeats until nothing changes, so every line ends with zero or at least two
   suppressed cells.
2. **Exact check.** Two hidden cells per line stop a single subtraction, but a chain of
   subtractions across lines can still isolate a cell (for example two blocks of hidden
   cells joined by one hidden cell: the joining cell is fixed by the two blocks' sums). The
   published values define a linear system in the hidden ones; a hidden cell is recoverable
   exactly when its unit vector lies in the row space of that system, i.e. when every
   vector of the null space has a zero in its position (computed by SVD). For the first
   recoverable cell (table order), the smallest published row sharing a line with it whose
   hiding makes it unrecoverable is suppressed (if none does, the smallest such row of the
   whole table; failing that, the smallest neighbour), then step 1 runs again; this
   repeats until no hidden cell is recoverable. It terminates because each round hides one
   more row.

Limits, stated in SECURITY.md: the check is for *exact* recovery. The bounds an attacker can
derive (a hidden count is between 0 and the line total minus the published cells) are not
widened to a protection interval, as linear-programming suppression (e.g. tau-argus) would;
the exact check is skipped above :data:`MAX_EXACT_UNKNOWNS` hidden cells (the one-cell rule
still applies), which only happens with many attributes of many groups.

Examples
--------
>>> import pandas as pd
>>> g = pd.DataFrame({
...     "attribute": ["a", "a", "b", "b", "b"] + ["a × b"] * 6,
...     "group": ["x", "y", "u", "v", "w", "x × u", "x × v", "x × w", "y × u", "y × v", "y × w"],
...     "n": [100, 90, 35, 65, 90, 5, 45, 50, 30, 20, 40]})
>>> primary = pd.Series([False] * 5 + [True] + [False] * 5)
>>> protect(g, primary)[lambda m: m].index.tolist()  # x×u, then x×v, y×u, y×v
[5, 6, 8, 9]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import SEP

__all__ = [
    "MAX_EXACT_UNKNOWNS",
    "SEP",
    "UNPUBLISHED",
    "Line",
    "determined_cells",
    "margin_lines",
    "one_subtraction_leaks",
    "protect",
]

#: Separator of attribute names and of group labels in intersections (as in the audit).

#: ``Line.total`` of a line whose total is not published.
UNPUBLISHED = -1

#: Above this many hidden cells the exact (SVD) check is skipped; the one-cell rule stays.
MAX_EXACT_UNKNOWNS = 1500


@dataclass(frozen=True)
class Line:
    """Cells (row positions) that add up to a total.

    ``total`` is the row position of the margin, ``None`` for the population (published), or
    :data:`UNPUBLISHED` when the coarser table is not among the rows (hand-built tables): the
    one-cell rule still treats such a line conservatively, the exact check ignores it.
    """

    cells: tuple[int, ...]
    total: int | None


def margin_lines(groups: pd.DataFrame) -> list[Line]:
    """The additive constraints between the group rows of an audit (see the module docstring).

    Parameters
    ----------
    groups : DataFrame
        One row per (attribute, group), with ``attribute`` and ``group`` columns; an
        intersection's attribute and labels are joined with ``" × "``.

    Returns
    -------
    list of Line
        In table order. Row positions refer to ``groups`` as given (not its index).

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
            raise ValueError(
                f"Cannot split the labels of {attr!r} into its {len(members)} members: a group "
                f"label contains {SEP!r}. Rename that group before publishing."
            )
        for drop in range(len(members)):
            coarser = SEP.join(m for i, m in enumerate(members) if i != drop)
            by_key: dict[str, list[int]] = {}
            for r, p in zip(rows, parts, strict=True):
                key = SEP.join(x for i, x in enumerate(p) if i != drop)
                by_key.setdefault(key, []).append(int(r))
            for key, cells in by_key.items():
                # the audit always publishes every combination of fewer attributes, so a
                # missing total only happens in hand-built tables
                total = position.get((coarser, key), UNPUBLISHED)
                if len(cells) > 1 or total != UNPUBLISHED:
                    lines.append(Line(tuple(cells), total))
    return lines


def _one_cell_rule(lines: Sequence[Line], mask: np.ndarray, size: np.ndarray) -> bool:
    """Apply the one-cell rule until nothing changes; return whether anything was added."""
    added = False
    for _ in range(10_000):
        changed = False
        for line in lines:
            cells = np.asarray(line.cells)
            hidden = mask[cells]
            if int(hidden.sum()) != 1:
                continue
            others = cells[~hidden]
            if others.size:
                victim = int(others[np.lexsort((others, size[others]))[0]])
            elif line.total not in (None, UNPUBLISHED) and not mask[line.total]:
                victim = line.total  # a line of one hidden cell equals its total
            else:
                continue
            mask[victim] = True
            changed = added = True
        if not changed:
            break
    return added


def _matrix(lines: Sequence[Line], n_rows: int) -> np.ndarray:
    """Line-by-row coefficients: +1 for a line's cells, -1 for its total (lines: rows)."""
    a = np.zeros((len(lines), n_rows))
    for k, line in enumerate(lines):
        if line.total == UNPUBLISHED:
            continue  # an unknown total: the line says nothing
        for c in line.cells:
            a[k, c] += 1.0
        if line.total is not None:
            a[k, line.total] -= 1.0
    return a


class _Analysis:
    """SVD of the system restricted to hidden rows: what is determined, and what would help."""

    def __init__(self, a_full: np.ndarray, mask: np.ndarray) -> None:
        self.a_full = a_full
        self.unknown = np.flatnonzero(mask)
        a = a_full[:, self.unknown]
        k = a.shape[1]
        if a.shape[0] < k:  # pad so that the reduced SVD holds the whole null space
            a = np.vstack([a, np.zeros((k - a.shape[0], k))])
        self.pad = a.shape[0] - a_full.shape[0]
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        tol = max(a.shape) * np.finfo(float).eps * (s[0] if s.size and s[0] > 0 else 1.0) * 10
        r = int((s > tol).sum())
        self.u, self.s, self.vt, self.rank = u[:, :r], s[:r], vt, r
        self.null = vt[r:]
        det = np.zeros(a_full.shape[1], dtype=bool)
        if k:
            det[self.unknown] = (
                np.linalg.norm(self.null, axis=0) < 1e-8 if self.null.shape[0] else True
            )
        self.determined = det

    def frees(self, i: int, c: int) -> bool:
        """Whether also hiding published row ``c`` would leave hidden row ``i`` undetermined."""
        col = self.a_full[:, c]
        if self.pad > 0:
            col = np.concatenate([col, np.zeros(self.pad)])
        proj = self.u.T @ col
        if np.linalg.norm(col - self.u @ proj) > 1e-8:
            return False  # c brings a new equation: nothing about i changes
        x0 = self.vt[: self.rank].T @ (proj / self.s)
        j = int(np.searchsorted(self.unknown, i))
        return bool(abs(x0[j]) > 1e-8)


def _one_thread() -> Any:
    """Limit BLAS to one thread: these matrices are small, and threads only add overhead."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(1)


def determined_cells(lines: Sequence[Line], mask: np.ndarray) -> np.ndarray:
    """Boolean array: hidden rows whose value follows exactly from the published values.

    A hidden row is determined when its unit vector lies in the row space of the system of
    lines restricted to hidden rows, i.e. when every null-space vector is zero there.

    Examples
    --------
    >>> lines = [Line((0, 1), None), Line((2, 3), 0)]
    >>> determined_cells(lines, np.array([False, False, True, True])).tolist()
    [False, False, False, False]
    >>> determined_cells(lines, np.array([True, True, True, True])).tolist()
    [False, False, False, False]
    >>> determined_cells(lines, np.array([False, False, True, False])).tolist()
    [False, False, True, False]
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any() or not lines:
        return np.zeros(mask.size, dtype=bool)
    with _one_thread():
        return _Analysis(_matrix(lines, mask.size), mask).determined


def one_subtraction_leaks(lines: Sequence[Line], mask: np.ndarray) -> list[int]:
    """Hidden rows that one subtraction from a published total would reveal.

    A line with a published total (or the population total) and exactly one hidden cell.

    Examples
    --------
    >>> one_subtraction_leaks([Line((0, 1), None)], np.array([True, False]))
    [0]
    """
    mask = np.asarray(mask, dtype=bool)
    leaks = []
    for line in lines:
        if line.total == UNPUBLISHED or (line.total is not None and mask[line.total]):
            continue
        hidden = [c for c in line.cells if mask[c]]
        if len(hidden) == 1:
            leaks.append(hidden[0])
    return sorted(set(leaks))


def _complement(
    i: int, lines: Sequence[Line], mask: np.ndarray, size: np.ndarray, analysis: _Analysis
) -> int | None:
    """The published row to hide so that hidden row ``i`` is no longer determined.

    Candidates are the published rows sharing a line with ``i`` (its fellow cells, the
    cells of the lines it totals, the totals of its lines), smallest first (ties: table
    order), then every other published row (when ``i`` is fixed through a chain of hidden
    cells); the first whose hiding leaves ``i`` undetermined is chosen, else the smallest
    neighbour.
    """
    cand_set: set[int] = set()
    for ln in lines:
        members = set(ln.cells)
        if ln.total not in (None, UNPUBLISHED):
            members.add(int(ln.total))
        if i in members:
            cand_set |= members
    near = np.array(sorted(c for c in cand_set if not mask[c]), dtype=int)
    far = np.array(sorted(set(np.flatnonzero(~mask).tolist()) - cand_set), dtype=int)
    near = near[np.lexsort((near, size[near]))] if near.size else near
    far = far[np.lexsort((far, size[far]))] if far.size else far
    for c in (*near, *far):  # neighbours first: a chain of hidden cells may reach further
        if analysis.frees(i, int(c)):
            return int(c)
    if near.size:
        return int(near[0])
    return int(far[0]) if far.size else None


def protect(
    groups: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    *,
    exact: bool = True,
    size_column: str = "n",
) -> pd.Series:
    """Extend a primary suppression mask so that no hidden count can be recovered.

    Parameters
    ----------
    groups : DataFrame
        Group rows with ``attribute``, ``group`` and a size column (to choose complements).
    mask : Series or array of bool
        Primary suppression, aligned with ``groups``.
    exact : bool
        Also run the exact linear-algebra check (step 2 of the module docstring).
    size_column : str
        Column whose smallest value is given up first (``n``).

    Returns
    -------
    Series of bool
        The final mask (a superset of ``mask``), with the index of ``groups``.
    """
    index = groups.index
    m = np.asarray(mask, dtype=bool).copy()
    if m.size != len(groups):
        raise ValueError("mask and groups must have the same length")
    if not m.any():
        return pd.Series(m, index=index)
    size = pd.to_numeric(groups[size_column], errors="coerce").fillna(np.inf).to_numpy(float)
    lines = margin_lines(groups.reset_index(drop=True))
    _one_cell_rule(lines, m, size)
    if exact and lines:
        with _one_thread():
            _exact_pass(lines, m, size)
    return pd.Series(m, index=index)


def _exact_pass(lines: Sequence[Line], m: np.ndarray, size: np.ndarray) -> None:
    """Step 2 of the module docstring, in place on ``m``."""
    a_full = _matrix(lines, m.size)
    for _ in range(len(m) + 1):
        if int(m.sum()) > MAX_EXACT_UNKNOWNS:
            warnings.warn(
                f"{int(m.sum())} hidden cells: the exact recoverability check of secondary "
                f"suppression is skipped above {MAX_EXACT_UNKNOWNS}; the one-cell rule still "
                "applies.",
                RuntimeWarning,
                stacklevel=3,
            )
            return
        analysis = _Analysis(a_full, m)
        det = analysis.determined
        if not det.any():
            return
        victim = None
        for i in np.flatnonzero(det):
            victim = _complement(int(i), lines, m, size, analysis)
            if victim is not None:
                break
        if victim is None:
            return  # everything around is hidden already
        m[victim] = True
        _one_cell_rule(lines, m, size)
