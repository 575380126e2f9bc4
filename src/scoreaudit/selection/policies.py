"""Selection policies: which files get controlled.

Agencies send controls to the highest scores. A :class:`Budget` controls a fixed share (or
number) of files, a :class:`Threshold` every file whose score reaches a cut-off. Both produce a
:class:`Selection` that states what was realised (how many files, the score at the cut-off,
how ties there were broken).

Ranking and ties
----------------
Files are ranked by decreasing score. When the last selected file shares its score with
others (a *tie block* at the cut-off), ``ties`` decides (see :mod:`scoreaudit.selection.ties`):
``"proportional"`` (the default) selects in every group (finest protected cell x outcome
label) of the tie block its largest-remainder share of the tied files, with no draw and no
dependence on the row order; ``"random"`` draws them with a seeded multivariate hypergeometric
lottery over the same groups, also independent of the row order; ``"all"`` selects every tied
file, so the realised budget can exceed the asked one (the :class:`Selection` says by how
much). With row weights, each tied group counts with the fraction
``f = (share x total weight - weight above) / weight tied`` of its weight and files (the
expected value of a fair lottery). The row mask :attr:`Selection.selected` realises the
published counts with the first allocated tied rows of each group in row order.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

import numpy as np

from scoreaudit.core.order import as_positions, grouped_positions, sort_with_keys
from scoreaudit.errors import Num, PolicyError
from scoreaudit.selection.blocks import ScoreBlocks, block_cell_counts, score_blocks
from scoreaudit.selection.ties import (
    TIES,
    allocate,
    budget_counts,
    cut_at,
    tied_fraction,
)

__all__ = ["Budget", "Ranking", "Selection", "Threshold"]


@dataclass(frozen=True)
class Selection:
    """The outcome of a policy on a set of scores."""

    selected: np.ndarray
    n_selected: int
    share: float
    cutoff: float
    tied_at_cutoff: int
    tied_selected: int
    description: str
    #: With row weights and a tie block at the cut-off: fraction of every tied group's weight
    #: (and files) counted as selected; None otherwise (the row mask is then exact).
    tied_fraction: float | None = None

    def summary(self) -> dict:
        d = asdict(self)
        d.pop("selected")
        if d["tied_fraction"] is None:
            d.pop("tied_fraction")
        return d


def _count_down(s: np.ndarray, x: np.ndarray, or_equal: bool) -> np.ndarray:
    """Entries of the DECREASING array ``s`` greater than (or equal to) each ``x``.

    Exactly ``np.searchsorted(-s, -x, side="left")`` (``"right"`` with ``or_equal``), by a
    bisection over the queries: no negated copy of ``s``.

    Examples
    --------
    >>> _count_down(np.array([3.0, 2.0, 2.0, 1.0]), np.array([2.0, 0.5, 3.0]), False).tolist()
    [1, 4, 0]
    """
    x = np.asarray(x, dtype=np.float64)
    lo = np.zeros(x.shape, dtype=np.int64)
    hi = np.full(x.shape, s.shape[0], dtype=np.int64)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        v = s[np.minimum(mid, s.shape[0] - 1)]
        go_right = (v >= x) if or_equal else (v > x)
        lo = np.where(active & go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)


class Ranking:
    """Files in decreasing score order, tied files in row order.

    ``order[i]`` is the row of the i-th highest score; ``sorted_scores`` the scores in that
    order; ``cum_weight`` the running total of weights (row counts when unweighted). The
    published numbers never depend on the order of tied rows (see :mod:`scoreaudit.selection.ties`).

    Unweighted scores with few distinct values (``blocks``, scorecards) are ranked by counting:
    the cut-offs come from the rows per score level, and ``order`` / ``sorted_scores`` (a sort
    of every row) are only computed if something asks for them. Unweighted, ``cum_weight``
    (``1, 2, ..., n``) is also built on demand only.
    """

    def __init__(
        self,
        order: np.ndarray | None = None,
        sorted_scores: np.ndarray | None = None,
        cum_weight: np.ndarray | None = None,
        ties: str = "proportional",
        weighted: bool = False,
        blocks: ScoreBlocks | None = None,
        *,
        scores: np.ndarray | None = None,
    ) -> None:
        self._order, self._sorted, self._cum = order, sorted_scores, cum_weight
        self._scores = scores
        self.ties, self.weighted, self.blocks = ties, weighted, blocks
        if order is not None:
            self.n = int(order.shape[0])
        elif blocks is not None:
            self.n = int(blocks.code.shape[0])
        else:
            raise ValueError("a Ranking needs its order or its score blocks")
        self._level_cum: np.ndarray | None = None
        self._level_counts: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._ranked: tuple[np.ndarray, np.ndarray] | None = None

    def ranked(self, groups: np.ndarray) -> np.ndarray:
        """``groups[order]``: the group of every ranked position (read-only).

        Kept for the last ``groups`` asked: the score sums, the budget curve and the
        threshold-free measures of an audit read the finest cells in ranked order, one
        random gather of every row instead of three.
        """
        if self._ranked is not None and self._ranked[0] is groups:
            return self._ranked[1]
        out = groups[self.order]
        out.flags.writeable = False
        self._ranked = (groups, out)
        return out

    def ranked_prefix(self, groups: np.ndarray, top: int) -> np.ndarray:
        """``groups[order[:top]]``, read from :meth:`ranked` when it holds ``groups``."""
        if self._ranked is not None and self._ranked[0] is groups:
            return self._ranked[1][:top]
        return groups[self.order[:top]]

    @property
    def order(self) -> np.ndarray:
        """Row of each ranked position (a stable sort, computed on first use)."""
        if self._order is None:
            assert self.blocks is not None
            self._order = grouped_positions(self.blocks.code, self.blocks.n_blocks)
        return self._order

    @property
    def sorted_scores(self) -> np.ndarray:
        """Scores by decreasing value (computed on first use)."""
        if self._sorted is None:
            assert self._scores is not None
            self._sorted = self._scores[self.order]
        return self._sorted

    @property
    def cum_weight(self) -> np.ndarray:
        """Running total of the weights in rank order (``1, 2, ..., n`` unweighted)."""
        if self._cum is None:  # unweighted: exactly np.cumsum(np.ones(n))
            self._cum = np.arange(1, self.n + 1, dtype=np.float64)
        return self._cum

    def level_cum(self) -> np.ndarray | None:
        """With score blocks and no weights: files above each level, ``(D + 1,)`` (0 first,
        ``n`` last; levels by decreasing score); None otherwise."""
        if self.blocks is None or self.weighted:
            return None
        if self._level_cum is None:
            d = self.blocks.n_blocks
            tables = [t for _, t in self._level_counts.values()]
            per_level = (
                tables[0].sum(axis=1) if tables else np.bincount(self.blocks.code, minlength=d)
            )
            cum = np.zeros(d + 1, dtype=np.int64)
            np.cumsum(per_level, out=cum[1:])
            self._level_cum = cum
        return self._level_cum

    def level_counts(self, groups: np.ndarray, n_groups: int) -> np.ndarray:
        """Rows per (score level, group), ``(D, n_groups)`` int64, levels by decreasing score
        (score blocks only; read-only).

        Counted once per ``groups`` array and kept: the cut-off (:meth:`level_cum`), the
        budget curve and the audit's tables all read the same table instead of counting
        the rows again.
        """
        assert self.blocks is not None
        hit = self._level_counts.get((id(groups), n_groups))
        if hit is not None and hit[0] is groups:
            return hit[1]
        table = block_cell_counts(self.blocks, groups, n_groups)
        table.flags.writeable = False
        self._level_counts[(id(groups), n_groups)] = (groups, table)  # groups kept: id stays valid
        return table

    def weight_upto(self, k: int) -> float:
        """Total weight of the top ``k`` files (``k >= 1``)."""
        if self._cum is None and not self.weighted:
            return float(np.float64(k))
        return float(self.cum_weight[k - 1])

    def score_at(self, pos: int) -> float:
        """The score at ranked position ``pos`` (the same float as ``sorted_scores[pos]``)."""
        lc = self.level_cum()
        if lc is None or self._scores is None:
            return float(self.sorted_scores[pos])
        assert self.blocks is not None
        level = int(np.searchsorted(lc[1:], pos, side="right"))
        value = float(self.blocks.values[level])
        if value == 0.0:  # -0.0 and 0.0 share a level: the row's own zero, as the sort gives
            rows = self.blocks.rows_at(level)
            value = float(self._scores[rows[pos - int(lc[level])]])
        return value

    def count_at_least(self, threshold: float) -> int:
        """Number of files scoring at least ``threshold``."""
        lc = self.level_cum()
        if lc is None:  # sorted_scores is decreasing: all scores >= threshold come first
            return int(_count_down(self.sorted_scores, np.array([float(threshold)]), True)[0])
        assert self.blocks is not None
        return int(lc[np.searchsorted(-self.blocks.values, -float(threshold), side="right")])

    @property
    def total_weight(self) -> float:
        if self._cum is None and not self.weighted:
            return float(np.float64(self.n))
        return float(self.cum_weight[-1])

    def count_for_share(self, share: np.ndarray | float) -> np.ndarray:
        """Number of top-ranked files making up ``share`` of the population.

        Unweighted: ``round_half_up(share x n)`` computed exactly
        (:func:`scoreaudit.selection.ties.budget_count`; ``0.29 x 50`` gives 15). Weighted:
        the files above the cut-off plus the rounded expected number of tied files selected
        (:meth:`weighted_cuts`). With ``ties="all"``, extended to every file tied with the last.
        """
        scalar = np.ndim(share) == 0
        share = np.atleast_1d(np.asarray(share, dtype=float))
        n = self.n
        if not self.weighted:
            k = budget_counts(share, n)
        else:
            above, tied, f = self.weighted_cuts(share)
            k = above + np.floor(f * tied + 0.5).astype(np.int64)
        k = self.extend_ties(np.clip(k, 0, n))
        return k[0] if scalar else k

    def cuts(self, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Files strictly above the cut-off of each count ``k``, and files tied at it.

        Both 0 where ``k`` is 0.
        """
        k = np.asarray(k, dtype=np.int64)
        if self.n == 0:
            return np.zeros_like(k), np.zeros_like(k)
        lc = self.level_cum()
        if lc is not None:  # from the rows per score level: no sort of the rows
            level, above = cut_at(lc, k)
            tied = lc[np.maximum(level, 0) + 1] - above
            return np.where(k > 0, above, 0), np.where(k > 0, tied, 0)
        s = self.sorted_scores
        last = s[np.maximum(k - 1, 0)]
        above = _count_down(s, last, False)
        end = _count_down(s, last, True)
        return np.where(k > 0, above, 0), np.where(k > 0, end - above, 0)

    def weighted_cuts(self, share: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted budgets: files above the cut-off, files tied at it, tied fraction ``f``.

        The cut-off is the score level where the running weight first reaches
        ``share x total weight``; ``f`` is :func:`scoreaudit.selection.ties.tied_fraction`
        (1 with ``ties="all"``).
        """
        share = np.atleast_1d(np.asarray(share, dtype=float))
        cum = self.cum_weight
        n = cum.size
        total = self.total_weight
        j = np.minimum(np.searchsorted(cum, share * total, side="left"), n - 1)
        above, tied = self.cuts(j + 1)
        w_above = np.where(above > 0, cum[np.maximum(above - 1, 0)], 0.0)
        w_tied = cum[above + tied - 1] - w_above
        f = np.array(
            [
                1.0 if self.ties == "all" else tied_fraction(sh, total, wa, wt)
                for sh, wa, wt in zip(share, w_above, w_tied, strict=True)
            ]
        )
        zero = share <= 0
        return (
            np.where(zero, 0, above).astype(np.int64),
            np.where(zero, 0, tied).astype(np.int64),
            np.where(zero, 0.0, f),
        )

    def extend_ties(self, k: np.ndarray) -> np.ndarray:
        """With ``ties="all"``: grow each count to include every file tied with the last."""
        k = np.asarray(k, dtype=np.int64)
        if self.ties != "all":
            return k
        above, tied = self.cuts(k)
        return np.where(k > 0, above + tied, 0).astype(np.int64)


def _rank(scores: np.ndarray, weights: np.ndarray | None, ties: str) -> Ranking:
    """Stable sort by decreasing score: tied rows stay in row order (never shuffled).

    With few distinct scores (scorecards) the sort key is each row's tie-block code (one or
    two bytes), rows grouped by it in row order (:func:`grouped_positions`): the SAME order
    as the stable comparison sort of ``-scores``.
    """
    blocks = score_blocks(scores)
    if blocks is not None and weights is None:  # counted per level; rows sorted on demand
        return Ranking(ties=ties, blocks=blocks, scores=scores)
    if blocks is None:  # the sort's own keys, negated back: bit for bit scores[order]
        order, sorted_scores = sort_with_keys(-scores)
        np.negative(sorted_scores, out=sorted_scores)
        order = as_positions(order)
    else:
        order = grouped_positions(blocks.code, blocks.n_blocks)
        sorted_scores = scores[order]
    cum = None if weights is None else np.cumsum(weights[order])
    return Ranking(
        order=order,
        sorted_scores=sorted_scores,
        cum_weight=cum,
        ties=ties,
        weighted=weights is not None,
        blocks=blocks,
    )


def _check_ties(ties: str) -> None:
    if ties not in TIES:
        raise PolicyError.from_key("err_ties_unknown", value=ties)


def tied_mask(
    scores: np.ndarray,
    cutoff: float,
    r: int,
    groups: np.ndarray | None,
    method: str,
    random_state,
) -> np.ndarray:
    """Rows of the tie block at ``cutoff`` selected: ``r`` of them shared among ``groups``
    by the tie rule ``method``, each group's share taken as its first rows in row order.

    Examples
    --------
    >>> s = np.array([0.9, 0.5, 0.5, 0.5, 0.5, 0.1])
    >>> tied_mask(s, 0.5, 2, np.array([0, 0, 1, 0, 1, 0]), "proportional", None).tolist()
    [False, True, True, False, False, False]
    """
    return _tied_selected(
        np.flatnonzero(scores == cutoff), scores.size, r, groups, method, random_state
    )


def _tied_selected(
    tied_rows: np.ndarray,
    n: int,
    r: int,
    groups: np.ndarray | None,
    method: str,
    random_state,
) -> np.ndarray:
    """:func:`tied_mask` from the positions of the tied rows."""
    out = np.zeros(n, dtype=bool)
    if r <= 0:
        return out
    if r >= tied_rows.size:
        out[tied_rows] = True
        return out
    g = np.zeros(tied_rows.size, dtype=np.int64) if groups is None else groups[tied_rows]
    inv, counts = _dense_codes(g)
    alloc = allocate(counts, int(r), method=method, random_state=random_state)
    by_group = np.argsort(inv, kind="stable")  # tied rows grouped, row order within groups
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(tied_rows.size) - starts[inv[by_group]]
    out[tied_rows[by_group[pos < alloc[inv[by_group]]]]] = True
    return out


def _dense_codes(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(g, return_inverse=True)``'s inverse, in the smallest integer type (a
    stable sort of up to 16-bit codes is a radix sort), and the rows per distinct value.

    Examples
    --------
    >>> inv, counts = _dense_codes(np.array([7, 2, 7, 9]))
    >>> inv.tolist(), counts.tolist()
    ([1, 0, 1, 2], [1, 2, 1])
    """
    small = g.dtype.kind in "iu" and g.size > 0  # other groups (floats, text): np.unique
    if small and 0 <= g.min() and g.max() < 4 * g.size + 1024:  # small codes: no sort
        counts = np.bincount(g)
        present = counts > 0
        remap = np.cumsum(present) - 1
        counts = counts[present]
        inv = remap.astype(np.int16 if counts.size < 2**15 else np.int64)[g]
        return inv, counts
    _, inv = np.unique(g, return_inverse=True)
    return inv, np.bincount(inv)


def _split_at(
    scores: np.ndarray, blocks: ScoreBlocks | None, cutoff: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rows above ``cutoff`` (a mask) and the positions of the rows at it.

    With score blocks the one-byte level codes are compared instead of the scores (the
    cut-off is one of the block values: the same rows, an eighth of the memory read).
    """
    level = None if blocks is None else blocks.level_of(cutoff)
    if blocks is None or level is None:
        return scores > cutoff, np.flatnonzero(scores == cutoff)
    return blocks.code < blocks.code.dtype.type(level), blocks.rows_at(level)


def _selection(
    scores: np.ndarray,
    ranking: Ranking,
    k: int,
    description: str,
    groups: np.ndarray | None,
    random_state,
    share: float | None = None,
) -> Selection:
    """The selection of ``k`` files (``share`` of the weight with weights) under the tie rule."""
    n = ranking.n
    if k <= 0:
        return Selection(np.zeros(n, dtype=bool), 0, 0.0, float("inf"), 0, 0, description)
    f = None
    if share is not None and ranking.weighted:
        a_arr, m_arr, f_arr = ranking.weighted_cuts(np.array([share]))
        above, tied, f = int(a_arr[0]), int(m_arr[0]), float(f_arr[0])
        r = int(np.floor(f * tied + 0.5))
        f = None if tied == 0 else f
    else:
        a_arr, m_arr = ranking.cuts(np.array([k]))
        above, tied = int(a_arr[0]), int(m_arr[0])
        r = tied if ranking.ties == "all" else k - above
    cutoff = ranking.score_at(above) if tied else ranking.score_at(max(above - 1, 0))
    method = "proportional" if ranking.ties == "all" else ranking.ties
    selected, tied_rows = _split_at(scores, ranking.blocks, cutoff)
    selected |= _tied_selected(tied_rows, n, r, groups, method, random_state)
    n_sel = above + r
    total = ranking.total_weight
    if f is not None:
        w_above = float(ranking.cum_weight[above - 1]) if above else 0.0
        w_tied = float(ranking.cum_weight[above + tied - 1]) - w_above
        realised = (w_above + f * w_tied) / total
    else:
        realised = ranking.weight_upto(n_sel) / total if n_sel else 0.0
    return Selection(selected, n_sel, realised, cutoff, tied, r, description, f)


class _ScorePolicy:
    """What :class:`Budget` and :class:`Threshold` share: files ranked by decreasing score with
    the policy's tie rule, then cut by :meth:`_cut` (the policy's own rule)."""

    ties: str

    def rank(self, scores: np.ndarray, weights: np.ndarray | None = None) -> Ranking:
        """Rank files by decreasing score with this policy's tie rule."""
        return _rank(np.asarray(scores, dtype=float), weights, self.ties)

    def select(
        self,
        scores: np.ndarray,
        weights: np.ndarray | None = None,
        ranking: Ranking | None = None,
        groups: np.ndarray | None = None,
    ) -> Selection:
        """Select the files this policy controls.

        ``groups`` (int per row) are the groups among which tied files are allocated, in
        group order (the audit passes finest cell x label codes); all tied files form one
        group when omitted. A :class:`Threshold` selects every file at or above it and leaves
        ``groups`` unused.
        """
        scores = np.asarray(scores, dtype=float)
        ranking = ranking if ranking is not None else self.rank(scores, weights)
        return self._cut(scores, ranking, groups)

    def _cut(
        self, scores: np.ndarray, ranking: Ranking, groups: np.ndarray | None
    ) -> Selection:  # pragma: no cover - each policy defines it
        raise NotImplementedError


@dataclass(frozen=True)
class Budget(_ScorePolicy):
    """Control the top ``share`` (or top ``count``) of files by score.

    Parameters
    ----------
    share : float, optional
        Share of files controlled, in (0, 1]; e.g. 0.05 for 5%. With row weights, the share
        of the total weight.
    count : int, optional
        Number of files controlled (give ``share`` or ``count``, not both).
    ties : {"proportional", "random", "all"}
        How files tied at the cut-off are treated: a largest-remainder allocation among the
        groups of the tie block (the default, no draw), a seeded lottery over the same groups
        (both select exactly the budget, whatever the row order), or all of them (the budget
        can be exceeded). See :mod:`scoreaudit.selection.ties`.
    random_state : int
        Seed of the tie lottery (``ties="random"`` only).

    Examples
    --------
    >>> import numpy as np
    >>> sel = Budget(count=2).select(np.array([0.1, 0.9, 0.5, 0.7]))
    >>> sel.selected.tolist(), sel.cutoff
    ([False, True, False, True], 0.7)
    """

    share: float | None = None
    count: int | None = None
    ties: str = "proportional"
    random_state: int | None = 0

    def __post_init__(self) -> None:
        if (self.share is None) == (self.count is None):
            raise PolicyError.from_key("err_budget_share_or_count")
        if self.share is not None:
            if isinstance(self.share, (bool, str)) or not isinstance(self.share, numbers.Real):
                raise PolicyError.from_key("err_budget_share_type", value=self.share)
            if not (math.isfinite(self.share) and 0 < self.share <= 1):
                raise PolicyError.from_key("err_budget_share_range", value=self.share)
        if self.count is not None:
            if (
                isinstance(self.count, (bool, str))
                or not isinstance(self.count, numbers.Real)
                or not float(self.count).is_integer()
                or self.count < 1
            ):
                raise PolicyError.from_key("err_budget_count", value=self.count)
        _check_ties(self.ties)

    def _cut(self, scores: np.ndarray, ranking: Ranking, groups: np.ndarray | None) -> Selection:
        """The top ``count`` files, or the top ``share`` of them."""
        n = ranking.n
        if self.count is not None:
            if self.count > n:
                raise PolicyError.from_key("err_budget_count_large", count=self.count, n=n)
            k, share = int(self.count), None
        else:
            k, share = int(ranking.count_for_share(np.array([self.share]))[0]), self.share
            if k == 0:
                raise PolicyError.from_key(
                    "err_budget_selects_none", share=Num(self.share, ".4%"), n=n
                )
        return _selection(scores, ranking, k, self.describe(), groups, self.random_state, share)

    def describe(self) -> str:
        what = f"top {self.share:.4g} share" if self.share is not None else f"top {self.count}"
        seed = f" (random_state={self.random_state})" if self.ties == "random" else ""
        return f"Budget: {what} of scores; ties: {self.ties}{seed}"

    def to_dict(self) -> dict:
        return {
            "kind": "budget",
            "share": self.share,
            "count": self.count,
            "ties": self.ties,
            "random_state": self.random_state,
        }


@dataclass(frozen=True)
class Threshold(_ScorePolicy):
    """Control every file whose score is at least ``threshold``.

    ``ties`` and ``random_state`` only apply to tied files on the budget curve (every file at
    or above the threshold is selected).

    Examples
    --------
    >>> import numpy as np
    >>> Threshold(0.5).select(np.array([0.1, 0.9, 0.5, 0.7])).n_selected
    3
    """

    threshold: float
    ties: str = "proportional"
    random_state: int | None = 0

    def __post_init__(self) -> None:
        if isinstance(self.threshold, (bool, str)) or not math.isfinite(float(self.threshold)):
            raise PolicyError.from_key("err_threshold_not_finite", value=self.threshold)
        _check_ties(self.ties)

    def _cut(self, scores: np.ndarray, ranking: Ranking, groups: np.ndarray | None) -> Selection:
        """Every file scoring at least the threshold (``groups`` is unused)."""
        k = ranking.count_at_least(float(self.threshold))
        if k == 0:
            raise PolicyError.from_key(
                "err_threshold_none_reached",
                threshold=Num(float(self.threshold)),
                top=Num(float(ranking.score_at(0)), ".6g"),
            )
        return _selection(scores, ranking, k, self.describe(), None, None)

    def describe(self) -> str:
        return f"Threshold: score >= {self.threshold:.6g}"

    def to_dict(self) -> dict:
        return {
            "kind": "threshold",
            "threshold": float(self.threshold),
            "ties": self.ties,
            "random_state": self.random_state,
        }
