"""Per-group sufficient statistics, computed once at the finest intersection.

Every protected attribute and every intersection of attributes is a coarsening of the finest
cell (the combination of all protected attributes). So the audit counts rows once per cell
with :func:`numpy.bincount` and obtains every group's statistics by adding cells: one pass
over the rows whatever the number of attributes, intersections or budgets.

The budget curve uses the same idea: after ONE ranking of the scores, the rows of each cell
are located in rank order, and the number of selected rows of every cell at every budget is a
``searchsorted`` of the budget counts in those positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from scoreaudit.core.vocab import SEP

if TYPE_CHECKING:  # types only: cells are built from any attribute-like and ranking-like object
    from scoreaudit.data.population import Attribute
    from scoreaudit.selection.policies import Ranking

#: Separator between attribute names (and between group labels) of an intersection.


@dataclass(frozen=True)
class Cells:
    """Finest cells: the combinations of protected attributes present in the data."""

    cell: np.ndarray  # per row, cell index 0..n_cells-1
    levels: np.ndarray  # (n_cells, n_attributes) level code of each attribute in each cell
    attributes: tuple[Attribute, ...]

    @property
    def n_cells(self) -> int:
        return self.levels.shape[0]


@dataclass(frozen=True)
class View:
    """One attribute or one intersection of attributes: its groups as unions of cells."""

    name: str
    members: tuple[str, ...]
    group_of_cell: np.ndarray  # (n_cells,) group index of each cell
    labels: tuple[str, ...]
    member_levels: tuple[tuple[str, ...], ...]  # per group, the level of each member attribute

    @property
    def n_groups(self) -> int:
        return len(self.labels)

    def row_codes(self, cells: Cells) -> np.ndarray:
        """Group index of every row."""
        return self.group_of_cell[cells.cell]

    def sum_cells(self, per_cell: np.ndarray) -> np.ndarray:
        """Sum the last axis (one column per cell) into one column per group, in cell order.

        E.g. selected counts per (budget, cell) -> per (budget, group).
        """
        per_cell = np.asarray(per_cell)
        out = np.zeros((*per_cell.shape[:-1], self.n_groups), dtype=per_cell.dtype)
        np.add.at(out.T, self.group_of_cell, per_cell.T)
        return out


def build_cells(attributes: list[Attribute]) -> Cells:
    """Combine the attributes' codes into one cell index per row (present cells only)."""
    sizes = np.array([a.n_levels for a in attributes], dtype=np.int64)
    total = int(np.prod(sizes.astype(float)))
    # in-place arithmetic on the smallest integer type that holds every combination
    code = np.zeros(attributes[0].codes.size, dtype=np.int32 if total < 2**31 else np.int64)
    for a in attributes:
        code *= a.n_levels
        code += a.codes
    if total <= 50_000_000:
        present = np.bincount(code, minlength=total) > 0
        remap = np.cumsum(present) - 1
        remap = remap.astype(np.int16 if present.sum() < 2**15 else np.int32)
        cell = remap[code]
        uniq = np.flatnonzero(present)
    else:  # pragma: no cover - astronomically many combinations
        uniq, cell = np.unique(code, return_inverse=True)
    levels = np.zeros((uniq.size, len(attributes)), dtype=np.int64)
    rest = uniq.copy()
    for j in range(len(attributes) - 1, -1, -1):
        levels[:, j] = rest % sizes[j]
        rest //= sizes[j]
    dtype = np.int16 if uniq.size < 2**15 else np.int32
    return Cells(cell=cell.astype(dtype), levels=levels, attributes=tuple(attributes))


def build_views(cells: Cells, intersections: bool | int = True) -> list[View]:
    """Single attributes, then every intersection of 2, 3, ... attributes (if asked).

    ``intersections`` may be an int: the largest number of attributes intersected.
    """
    attrs = cells.attributes
    k = len(attrs)
    max_order = 1 if not intersections else (k if intersections is True else int(intersections))
    views = []
    for order in range(1, min(max_order, k) + 1):
        for subset in combinations(range(k), order):
            code = np.zeros(cells.n_cells, dtype=np.int64)
            for j in subset:
                code = code * attrs[j].n_levels + cells.levels[:, j]
            uniq, group_of_cell = np.unique(code, return_inverse=True)
            member_levels = []
            for u in uniq:
                labels = []
                rest = int(u)
                for j in reversed(subset):
                    labels.append(attrs[j].levels[rest % attrs[j].n_levels])
                    rest //= attrs[j].n_levels
                member_levels.append(tuple(reversed(labels)))
            names = tuple(attrs[j].name for j in subset)
            views.append(
                View(
                    name=SEP.join(names),
                    members=names,
                    group_of_cell=group_of_cell.astype(np.int64),
                    labels=tuple(SEP.join(m) for m in member_levels),
                    member_levels=tuple(member_levels),
                )
            )
    return views


@dataclass(frozen=True)
class Sums:
    """Row count, sum of weights and sum of squared weights (per cell or per group).

    Unweighted data have ``w == w2 == n``. ``n_eff`` is Kish's effective sample size.
    """

    n: np.ndarray
    w: np.ndarray
    w2: np.ndarray
    weighted: bool = False

    @classmethod
    def of(
        cls,
        cell: np.ndarray,
        n_cells: int,
        mask: np.ndarray | None = None,
        weights: np.ndarray | None = None,
    ) -> Sums:
        c = cell if mask is None else cell[mask]
        n = np.bincount(c, minlength=n_cells).astype(float)
        if weights is None:
            return cls(n, n, n)
        w = weights if mask is None else weights[mask]
        return cls(
            n,
            np.bincount(c, weights=w, minlength=n_cells),
            np.bincount(c, weights=w * w, minlength=n_cells),
            True,
        )

    def _map(self, f) -> Sums:
        if not self.weighted:
            n = f(self.n)
            return Sums(n, n, n)
        return Sums(f(self.n), f(self.w), f(self.w2), True)

    def aggregate(self, group_of_cell: np.ndarray, n_groups: int) -> Sums:
        return self._map(lambda v: np.bincount(group_of_cell, weights=v, minlength=n_groups))

    def total(self) -> Sums:
        return self._map(lambda v: np.array([v.sum()]))

    def __sub__(self, other: Sums) -> Sums:
        if not self.weighted:
            n = self.n - other.n
            return Sums(n, n, n)
        return Sums(self.n - other.n, self.w - other.w, self.w2 - other.w2, True)

    def __add__(self, other: Sums) -> Sums:
        if not (self.weighted or other.weighted):
            n = self.n + other.n
            return Sums(n, n, n)
        return Sums(self.n + other.n, self.w + other.w, self.w2 + other.w2, True)

    def scale(self, f: float) -> Sums:
        """Every sum times ``f`` (tied files counted with the fraction ``f``)."""
        return self._map(lambda v: v * f)

    def take(self, idx) -> Sums:
        return self._map(lambda v: v[idx])

    @property
    def n_eff(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.w2 > 0, self.w * self.w / np.where(self.w2 > 0, self.w2, 1), 0.0)


def rate_counts(event: Sums, base: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate ``event / base`` (weighted), its effective size and pseudo-count.

    Returns ``(rate, n_eff, x)`` with ``x = rate * n_eff``; unweighted, ``n_eff`` is the
    base count and ``x`` the event count, exactly.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(base.w > 0, event.w / np.where(base.w > 0, base.w, 1), np.nan)
    if not base.weighted:
        return rate, base.n, event.n
    n_eff = base.n_eff
    return rate, n_eff, np.where(base.w > 0, rate * n_eff, 0.0)


def curve_counts(
    ranking: Ranking,
    cell: np.ndarray,
    n_cells: int,
    counts: np.ndarray,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Selected rows (and weight) of every cell when the top ``counts[b]`` rows are selected.

    Returns two arrays of shape ``(len(counts), n_cells)``: row counts and weights.
    """
    n = cell.size
    counts = np.asarray(counts, dtype=np.int64)
    if weights is None:
        # one bincount per stretch between consecutive budget counts, then running totals:
        # O(n + budgets x cells), whatever the number of budgets
        k = np.unique(counts)
        ranked_cell = cell[ranking.order[: k[-1]]]
        bounds = np.concatenate([[0], k])
        sel = np.zeros((k.size, n_cells), dtype=np.int64)
        for i in range(k.size):
            sel[i] = np.bincount(ranked_cell[bounds[i] : bounds[i + 1]], minlength=n_cells)
        np.cumsum(sel, axis=0, out=sel)
        sel_n = sel[np.searchsorted(k, counts)].astype(float)
        return sel_n, sel_n
    ranked_cell = cell[ranking.order]
    by_cell = np.argsort(ranked_cell, kind="stable")  # positions grouped by cell, increasing
    starts = np.concatenate([[0], np.cumsum(np.bincount(ranked_cell, minlength=n_cells))])
    key = ranked_cell[by_cell].astype(np.int64) * (n + 1) + by_cell
    query = np.arange(n_cells, dtype=np.int64)[None, :] * (n + 1) + counts[:, None]
    idx = np.searchsorted(key, query, side="left")
    sel_n = (idx - starts[:-1][None, :]).astype(float)
    cw = np.concatenate([[0.0], np.cumsum(weights[ranking.order][by_cell])])
    sel_w = cw[idx] - cw[starts[:-1]][None, :]
    return sel_n, sel_w


def _prefix_counts(
    ranking: Ranking,
    groups: np.ndarray,
    n_groups: int,
    positions: np.ndarray,
    weights: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows (and weight) of every group among the top ``positions[i]`` ranked rows.

    ``positions`` must be sorted, unique and at tie-block boundaries (cut-offs always are).
    With tie blocks (scorecards) a ``(levels, groups)`` bincount answers every position
    without ordering the rows.
    """
    P = positions.size
    blocks = ranking.blocks
    if blocks is not None:
        d = blocks.n_blocks
        key = blocks.code.astype(np.int64) * n_groups + groups
        table = np.zeros((d + 1, n_groups))
        table[1:] = np.bincount(key, minlength=d * n_groups).reshape(d, n_groups)
        level_cum = np.cumsum(table.sum(axis=1))
        at = np.searchsorted(level_cum, positions)  # positions are level boundaries
        np.cumsum(table, axis=0, out=table)
        wtab = None
        if weights is not None:
            wtab = np.zeros((d + 1, n_groups))
            wtab[1:] = np.bincount(key, weights=weights, minlength=d * n_groups).reshape(
                d, n_groups
            )
            np.cumsum(wtab, axis=0, out=wtab)
            wtab = wtab[at]
        return table[at], wtab
    top = int(positions[-1]) if P else 0
    rows = ranking.order[:top]
    ranked = groups[rows]
    ranked_w = None if weights is None else weights[rows]
    bounds = np.concatenate([[0], positions])
    out = np.zeros((P, n_groups))
    wout = None if weights is None else np.zeros((P, n_groups))
    for i in range(P):  # one bincount per stretch between consecutive positions
        lo, hi = bounds[i], bounds[i + 1]
        out[i] = np.bincount(ranked[lo:hi], minlength=n_groups)
        if wout is not None:
            wout[i] = np.bincount(ranked[lo:hi], weights=ranked_w[lo:hi], minlength=n_groups)
    np.cumsum(out, axis=0, out=out)
    if wout is not None:
        np.cumsum(wout, axis=0, out=wout)
    return out, wout


def budget_curve_counts(
    ranking: Ranking,
    groups: np.ndarray,
    n_cells: int,
    n_labels: int,
    shares: np.ndarray,
    weights: np.ndarray | None = None,
    random_state=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Selected rows and weight of every cell at every budget, ties as the policy treats them.

    ``groups`` is ``cell * n_labels + label`` per row: the groups among which files tied at a
    cut-off are allocated (:mod:`scoreaudit.selection.ties`), exactly as
    :meth:`scoreaudit.selection.policies.Budget.select` does at the same budget.

    Returns ``(k, sel_n, sel_w, realised)``: the files selected per budget (with weights: the
    files above the cut-off plus the rounded expected tied ones), ``(B, n_cells)`` rows and
    weights selected, and the realised share of the weight.

    Examples
    --------
    >>> from scoreaudit.selection.policies import Budget
    >>> s = np.array([3.0, 2.0, 2.0, 2.0, 1.0])
    >>> r = Budget(share=0.5).rank(s)
    >>> k, n, w, real = budget_curve_counts(r, np.array([0, 0, 1, 1, 0]), 2, 1, np.array([0.4]))
    >>> k.tolist(), n.tolist()  # 1 above; 1 of the 3 tied, to cell 1 (2 tied of 3)
    ([2], [[1.0, 1.0]])
    """
    from scoreaudit.selection.ties import allocate, allocate_many

    n_groups = n_cells * n_labels
    shares = np.asarray(shares, dtype=float)
    if ranking.weighted:
        above, tied, f = ranking.weighted_cuts(shares)
        k = above + np.floor(f * tied + 0.5).astype(np.int64)
    else:
        k = ranking.count_for_share(shares)
        above, tied = ranking.cuts(k)
        f = None
    ends = above + tied
    pos = np.unique(np.concatenate([[0], above, ends]))
    pn, pw = _prefix_counts(ranking, groups, n_groups, pos, weights)
    a_n, t_n = pn[np.searchsorted(pos, above)], pn[np.searchsorted(pos, ends)]
    t_n = t_n - a_n
    if f is not None:  # weighted: every tied group counts with the fraction f
        a_w = pw[np.searchsorted(pos, above)]
        t_w = pw[np.searchsorted(pos, ends)] - a_w
        sel_n = a_n + f[:, None] * t_n
        sel_w = a_w + f[:, None] * t_w
    else:
        r = k - above
        tied_int = np.rint(t_n).astype(np.int64)
        if ranking.ties == "random":
            alloc = np.zeros_like(tied_int)
            for b in np.flatnonzero((r > 0) & (r < tied)):  # one seeded draw per budget
                present = np.flatnonzero(tied_int[b])
                alloc[b, present] = allocate(
                    tied_int[b, present], int(r[b]), method="random", random_state=random_state
                )
            alloc = np.where((r >= tied)[:, None], tied_int, alloc)
        else:  # "all" has r == tied: the allocation is the whole tie block
            alloc = allocate_many(tied_int, r)
        sel_n = a_n + alloc
        sel_w = sel_n
    sel_n = sel_n.reshape(-1, n_cells, n_labels).sum(axis=2)
    sel_w = sel_n if weights is None else sel_w.reshape(-1, n_cells, n_labels).sum(axis=2)
    total = ranking.total_weight
    realised = sel_w.sum(axis=1) / total if total > 0 else np.zeros(k.size)
    if weights is None:
        realised = k / max(ranking.order.size, 1)
    return k, sel_n, sel_w, np.where(k > 0, realised, 0.0) if f is None else realised
