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

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from scoreaudit.core.vocab import SEP

if TYPE_CHECKING:  # types only: cells are built from any attribute-like and ranking-like object
    from scoreaudit.data.population import Attribute
    from scoreaudit.selection.policies import Ranking


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
        """Group index of every row (the smallest unsigned integer type holding every group)."""
        return self.codes_of(cells.cell)

    def codes_of(self, cell: np.ndarray) -> np.ndarray:
        """Group index of each finest-cell code of ``cell`` (rows in any order), in the
        smallest unsigned integer type holding every group (a one-byte key sorts by radix)."""
        n = self.n_groups
        dtype = np.uint8 if n <= 256 else np.uint16 if n <= 65536 else np.int64
        return self.group_of_cell.astype(dtype)[cell]

    def sum_cells(self, per_cell: np.ndarray) -> np.ndarray:
        """Sum the last axis (one column per cell) into one column per group, in cell order.

        E.g. selected counts per (budget, cell) -> per (budget, group).
        """
        per_cell = np.asarray(per_cell)
        out = np.zeros((*per_cell.shape[:-1], self.n_groups), dtype=per_cell.dtype)
        np.add.at(out.T, self.group_of_cell, per_cell.T)
        return out


def present_codes(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Which of the codes ``0..n_codes - 1`` occur in ``codes`` (negative codes ignored).

    Every code found in a strided sample of the rows occurs in them all: when the sample
    already holds every code (large data, no rare group), the rows are not read in full.
    Otherwise, with few codes, one vectorised comparison per code: several times faster
    than a bincount, which first copies millions of small codes into 8-byte integers
    (beyond 16 codes the comparisons cost more, the rows leaving the cache).

    Examples
    --------
    >>> present_codes(np.array([0, 2, -1], dtype=np.int8), 4).tolist()
    [True, False, True, False]
    >>> present_codes(np.arange(40) % 20, 30)[18:22].tolist()
    [True, True, False, False]
    >>> rare = np.zeros(1_000_000, dtype=np.int8); rare[12_345] = 3   # not in the sample
    >>> present_codes(rare, 4).tolist()
    [True, False, False, True]
    """
    if codes.size > _SAMPLE_FROM:
        found = _present(codes[:: codes.size // _SAMPLE_ROWS], n_codes)
        if found.all():
            return found
    return _present(codes, n_codes)


#: Sizes above which :func:`present_codes` looks at a sample of about ``_SAMPLE_ROWS`` first.
_SAMPLE_FROM, _SAMPLE_ROWS = 1 << 18, 1 << 15


def _present(codes: np.ndarray, n_codes: int) -> np.ndarray:
    if n_codes <= 16:
        return np.array([bool(np.equal(codes, k).any()) for k in range(n_codes)], dtype=bool)
    kept = codes if codes.size == 0 or codes.min() >= 0 else codes[codes >= 0]
    return np.bincount(kept, minlength=n_codes) > 0


def build_cells(attributes: list[Attribute]) -> Cells:
    """Combine the attributes' codes into one cell index per row (present cells only)."""
    sizes = np.array([a.n_levels for a in attributes], dtype=np.int64)
    total = int(np.prod(sizes.astype(float)))
    # in-place arithmetic on the smallest integer type that holds every combination
    code: npt.NDArray[np.signedinteger] = np.zeros(
        attributes[0].codes.size,
        dtype=np.int16 if total < 2**15 else np.int32 if total < 2**31 else np.int64,
    )
    for a in attributes:
        code *= a.n_levels
        code += a.codes
    if total > 50_000_000:  # pragma: no cover - astronomically many combinations
        uniq, cell = np.unique(code, return_inverse=True)
    else:
        present = present_codes(code, total)
        uniq = np.flatnonzero(present)
        if uniq.size == total:  # every combination present: the codes are the cells
            cell = code
        else:
            remap = np.cumsum(present) - 1
            cell = remap.astype(np.int16 if uniq.size < 2**15 else np.int32)[code]
    levels = decode_codes(uniq, sizes)
    dtype = np.int16 if uniq.size < 2**15 else np.int32
    return Cells(cell=cell.astype(dtype, copy=False), levels=levels, attributes=tuple(attributes))


def decode_codes(codes: npt.ArrayLike, sizes: Sequence[int] | np.ndarray) -> np.ndarray:
    """The level code of each attribute in combined codes ``(c0 * s1 + c1) * s2 + c2 ...``.

    The inverse of combining the level codes ``c0, c1, ...`` of attributes with ``sizes``
    levels into one code per cell: an ``(n_codes, len(sizes))`` int64 array.

    Examples
    --------
    >>> decode_codes(np.array([0, 5, 11]), [2, 3, 2]).tolist()
    [[0, 0, 0], [0, 2, 1], [1, 2, 1]]
    """
    codes = np.asarray(codes, dtype=np.int64)
    if len(sizes) == 0:
        return np.zeros((codes.size, 0), dtype=np.int64)
    parts = np.unravel_index(codes, tuple(int(n) for n in sizes))
    return np.stack(parts, axis=1).astype(np.int64, copy=False)


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
            parts = decode_codes(uniq, [attrs[j].n_levels for j in subset]).tolist()
            member_levels = [
                tuple(attrs[j].levels[c] for j, c in zip(subset, row, strict=True)) for row in parts
            ]
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


def weighted_rate(
    event_w: np.ndarray, base_w: np.ndarray, event_n: np.ndarray, base_n: np.ndarray
) -> np.ndarray:
    """Rate ``event_w / base_w``, exactly 0 or 1 when the file counts say so.

    The weights of the same files summed in another order (row order in memory, the
    engine's own order in a GROUP BY, a prefix of the ranking for the budget curve) differ in
    the last bits, so a group whose every file is selected could get a rate of
    ``0.9999999999999999`` on one path and ``1.0`` on another; the interval formulas treat a
    rate of 1 (or 0) as a boundary case, so such a bit decides the interval in the 4th digit.
    The counts are exact: a group with ``event_n == base_n`` (every file counted, weights
    or not) has rate exactly 1, one with ``event_n == 0`` rate exactly 0. NaN where
    ``base_w`` is 0.

    Examples
    --------
    >>> w = np.array([0.1, 0.2, 0.3])
    >>> float(w[::-1].cumsum()[-1] / w.sum())  # same files, two summation orders
    0.9999999999999998
    >>> weighted_rate(w[::-1].cumsum()[-1:], w.sum(keepdims=True), np.array([3.0]), 3.0).tolist()
    [1.0]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(base_w > 0, event_w / np.where(base_w > 0, base_w, 1), np.nan)
    whole = np.asarray(event_n) >= np.asarray(base_n)
    none = np.asarray(event_n) <= 0
    return np.where(base_w > 0, np.where(whole, 1.0, np.where(none, 0.0, rate)), np.nan)


def rate_counts(event: Sums, base: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate ``event / base`` (weighted), its effective size and pseudo-count.

    Returns ``(rate, n_eff, x)`` with ``x = rate * n_eff``; unweighted, ``n_eff`` is the
    base count and ``x`` the event count, exactly. The rate is exactly 0 or 1 when the
    counts say so (:func:`weighted_rate`).
    """
    rate = weighted_rate(event.w, base.w, event.n, base.n)
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
