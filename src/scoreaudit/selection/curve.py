"""The selection at every budget of the curve, from the ranking and the tie groups (each budget's
tied files shared as the policy shares them, :mod:`scoreaudit.selection.ties`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scoreaudit.selection.ties import allocate, allocate_many

if TYPE_CHECKING:
    from scoreaudit.selection.policies import Ranking

__all__ = ["budget_curve_counts", "edge_rows", "level_edge_counts", "nearest_edges"]


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
        table = np.zeros((d + 1, n_groups))
        table[1:] = ranking.level_counts(groups, n_groups)
        level_cum = np.cumsum(table.sum(axis=1))
        at = np.searchsorted(level_cum, positions)  # positions are level boundaries
        np.cumsum(table, axis=0, out=table)
        wtab = None
        if weights is not None:
            key = blocks.code.astype(np.int64) * n_groups + groups
            wtab = np.zeros((d + 1, n_groups))
            wtab[1:] = np.bincount(key, weights=weights, minlength=d * n_groups).reshape(
                d, n_groups
            )
            np.cumsum(wtab, axis=0, out=wtab)
            wtab = wtab[at]
        return table[at], wtab
    top = int(positions[-1]) if P else 0
    ranked = ranking.ranked_prefix(groups, top)
    ranked_w = None if weights is None else weights[ranking.order[:top]]
    bounds = np.concatenate([[0], positions])
    out = np.zeros((P, n_groups))
    wout = None if ranked_w is None else np.zeros((P, n_groups))
    for i in range(P):  # one bincount per stretch between consecutive positions
        lo, hi = bounds[i], bounds[i + 1]
        out[i] = np.bincount(ranked[lo:hi], minlength=n_groups)
        if wout is not None and ranked_w is not None:
            wout[i] = np.bincount(ranked[lo:hi], weights=ranked_w[lo:hi], minlength=n_groups)
    np.cumsum(out, axis=0, out=out)
    if wout is not None:
        np.cumsum(wout, axis=0, out=wout)
    return out, wout


def _budget_cuts(
    ranking: Ranking, shares: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Files selected at each budget, files above its cut-off, files tied at it, and the
    tied fraction each weighted budget takes (None unweighted)."""
    shares = np.asarray(shares, dtype=float)
    if ranking.weighted:
        above, tied, f = ranking.weighted_cuts(shares)
        return above + np.floor(f * tied + 0.5).astype(np.int64), above, tied, f
    k = ranking.count_for_share(shares)
    above, tied = ranking.cuts(k)
    return k, above, tied, None


def nearest_edges(
    k: np.ndarray, above: np.ndarray, ends: np.ndarray, keep: int | None = None
) -> np.ndarray:
    """Each count moved to the nearer edge of the tie block it cuts (a count equal to
    ``keep``, the audit's own, is left as is).

    A count ``k`` cuts its tie block when ``above < k < ends`` (files strictly above the
    cut-off level, and through it): which tied files are selected then depends on how the
    policy shares them out, not on the model. At an edge every level is selected whole, so
    each group's count is a sum of its files per score level, with no sharing. Half-way
    goes to the lower edge.

    Examples
    --------
    >>> k, above, ends = np.array([3, 5, 9, 9]), np.array([2, 5, 6, 6]), np.array([6, 5, 10, 10])
    >>> nearest_edges(k, above, ends).tolist()
    [2, 5, 10, 10]
    >>> nearest_edges(k, above, ends, keep=9).tolist()
    [2, 5, 9, 9]
    """
    k, above, ends = (np.asarray(x, dtype=np.int64) for x in (k, above, ends))
    cut = (k > above) & (k < ends) & (k != (-1 if keep is None else keep))
    edge = np.where(k - above <= ends - k, above, ends)
    return np.where(cut, edge, k)


def edge_rows(
    k: np.ndarray, above: np.ndarray, ends: np.ndarray, keep: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Which budgets of a curve to count again at tie-block edges (:func:`nearest_edges`).

    Returns None when no budget but ``keep``'s cuts a tie block; otherwise ``(rows, at,
    moved)``: the index of each budget to count (budgets landing on the same count given
    once, a count of 0 left out, and a kept budget that cuts its block left out too: its
    counts are the curve's own), the count at which to count it, and whether it moved.

    Examples
    --------
    >>> k, above, ends = np.array([2, 3, 4, 6]), np.array([1, 1, 4, 4]), np.array([4, 4, 6, 6])
    >>> rows, at, moved = edge_rows(k, above, ends)
    >>> rows.tolist(), at.tolist(), moved.tolist()   # 2 and 4 both land on 4 files
    ([0, 1, 3], [1, 4, 6], [True, True, False])
    """
    k = np.asarray(k, dtype=np.int64)
    kept = k == (-1 if keep is None else keep)
    edges = nearest_edges(k, above, ends, keep)
    if np.array_equal(edges, k):
        return None
    by_edge = np.lexsort((~kept, edges))  # a kept budget first among those on one count
    first = np.concatenate([[True], np.diff(edges[by_edge]) != 0])
    rows = np.sort(by_edge[first])
    kept_cut = kept & (k > np.asarray(above)) & (k < np.asarray(ends))
    rows = rows[(edges[rows] > 0) & ~kept_cut[rows]]
    return rows, edges[rows], edges[rows] != k[rows]


def level_edge_counts(
    ranking: Ranking,
    groups: np.ndarray,
    n_cells: int,
    shares: np.ndarray,
    keep: int | None = None,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The curve's budgets moved to tie-block edges, with their counts (:func:`edge_rows`).

    ``groups`` is the finest cell of each row (``n_cells`` of them); a budget selecting
    ``keep`` files (the audit's own count, which the groups table publishes) stays.

    Returns None when no budget but ``keep``'s cuts a tie block; otherwise ``(rows, k,
    moved, sel_n, sel_w)``: :func:`edge_rows`, and the ``(B, n_cells)`` files and weight
    selected at each count.

    Examples
    --------
    >>> from scoreaudit.selection.policies import Budget
    >>> s = np.array([3.0, 2.0, 2.0, 2.0, 1.0])
    >>> r = Budget(share=0.5).rank(s)
    >>> rows, k, moved, n, w = level_edge_counts(
    ...     r, np.array([0, 0, 1, 1, 0]), 2, np.array([0.4, 0.6])
    ... )
    >>> k.tolist()   # 2 and 3 files cut the block of 2.0: moved to 1 above it, 4 through it
    [1, 4]
    >>> rows.tolist(), n.tolist()
    ([0, 1], [[1.0, 0.0], [2.0, 2.0]])
    """
    k, above, tied, _ = _budget_cuts(ranking, shares)
    found = edge_rows(k, above, above + tied, keep)
    if found is None:
        return None
    rows, at, moved = found
    pn, pw = _prefix_counts(ranking, groups, n_cells, at, weights)
    return rows, at, moved, pn, pn if pw is None else pw


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
    n_groups = n_cells * n_labels
    k, above, tied, f = _budget_cuts(ranking, shares)
    ends = above + tied
    pos = np.unique(np.concatenate([[0], above, ends]))
    pn, pw = _prefix_counts(ranking, groups, n_groups, pos, weights)
    a_n, t_n = pn[np.searchsorted(pos, above)], pn[np.searchsorted(pos, ends)]
    t_n = t_n - a_n
    if f is not None:  # weighted: every tied group counts with the fraction f
        assert pw is not None  # prefix weights exist whenever the ranking is weighted
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
        realised = k / max(ranking.n, 1)
    return k, sel_n, sel_w, np.where(k > 0, realised, 0.0) if f is None else realised
