"""Selection policies: which files get controlled.

Agencies send controls to the highest scores. A :class:`Budget` controls a fixed share (or
number) of files, a :class:`Threshold` every file whose score reaches a cut-off. Both produce a
:class:`Selection` that states what was realised (how many files, the score at the cut-off,
how ties there were broken).

Ranking and ties
----------------
Files are ranked by decreasing score. Files with equal scores are ordered by a seeded random
permutation when ``ties="random"`` (the default): at the cut-off, which of the tied files are
controlled is a fair lottery, reproducible with ``random_state``. With ``ties="all"`` every file
tied with the last selected one is selected too, so the realised budget can exceed the asked
one (the :class:`Selection` says by how much).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

import numpy as np

from scoreaudit.errors import PolicyError
from scoreaudit.selection.blocks import ScoreBlocks, score_blocks

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

    def summary(self) -> dict:
        d = asdict(self)
        d.pop("selected")
        return d


@dataclass(frozen=True)
class Ranking:
    """Files in decreasing score order, ties ordered by the policy's rule.

    ``order[i]`` is the row of the i-th highest score; ``sorted_scores`` the scores in that
    order; ``cum_weight`` the running total of weights (row counts when unweighted).
    """

    order: np.ndarray
    sorted_scores: np.ndarray
    cum_weight: np.ndarray
    ties: str
    weighted: bool = False
    #: Tie blocks when the scores have few distinct values (see :mod:`scoreaudit.selection.blocks`).
    blocks: ScoreBlocks | None = None

    @property
    def total_weight(self) -> float:
        return float(self.cum_weight[-1])

    def count_for_share(self, share: np.ndarray | float) -> np.ndarray:
        """Number of top-ranked files making up ``share`` of the population.

        The number of files whose cumulative weight is nearest to ``share`` of the total
        weight, halves rounded up: unweighted, ``round(share * n)`` (``0.29 * 50`` gives 15,
        although it is 14.4999... in floating point: a relative tolerance of 1e-9 absorbs
        binary rounding). Unit weights give the same count as no weights. With
        ``ties="all"``, extended to every file tied with the last one.
        """
        share = np.asarray(share, dtype=float)
        n = self.order.size
        total = self.total_weight
        target = share * total
        eps = 1e-9 * max(total, 1.0)
        if not self.weighted:
            k = np.floor(target + 0.5 + eps).astype(np.int64)
        else:
            cum = self.cum_weight
            j = np.searchsorted(cum, target - eps, side="left")  # cum[j] >= target
            j = np.minimum(j, n - 1)
            above = cum[j] - target
            below = target - np.where(j > 0, cum[np.maximum(j - 1, 0)], 0.0)
            k = np.where(above <= below + eps, j + 1, j).astype(np.int64)
            k = np.where(share <= 0, 0, k)
        k = np.clip(k, 0, n)
        return self.extend_ties(k)

    def extend_ties(self, k: np.ndarray) -> np.ndarray:
        """With ``ties="all"``: grow each count to include every file tied with the last."""
        k = np.asarray(k, dtype=np.int64)
        if self.ties != "all":
            return k
        s = self.sorted_scores
        last = s[np.maximum(k - 1, 0)]
        # sorted_scores is decreasing: count of scores >= last
        ext = np.searchsorted(-s, -last, side="right")
        return np.where(k > 0, ext, 0).astype(np.int64)


def _rank(scores: np.ndarray, weights: np.ndarray | None, ties: str, random_state) -> Ranking:
    """Stable sort by decreasing score, ties in the seeded permutation's order ("random").

    With few distinct scores (scorecards) the sort key is each row's tie-block code (one or
    two bytes), which numpy sorts stably by radix in O(n): the SAME order as the stable
    comparison sort of ``-scores``, since both keys order rows alike and keep equal keys in
    their current order.
    """
    n = scores.size
    blocks = score_blocks(scores)
    key = -scores if blocks is None else blocks.code
    if ties == "random":
        perm = np.random.default_rng(random_state).permutation(n)
        order = perm[np.argsort(key[perm], kind="stable")]
    else:
        order = np.argsort(key, kind="stable")
    if weights is None:  # the running count, exactly np.cumsum(np.ones(n))
        cum = np.arange(1, n + 1, dtype=np.float64)
    else:
        cum = np.cumsum(weights[order])
    return Ranking(
        order=order,
        sorted_scores=scores[order],
        cum_weight=cum,
        ties=ties,
        weighted=weights is not None,
        blocks=blocks,
    )


def _check_ties(ties: str) -> None:
    if ties not in ("random", "all"):
        raise PolicyError(f"ties must be 'random' or 'all', not {ties!r}.")


def _selection_from_count(ranking: Ranking, k: int, description: str) -> Selection:
    n = ranking.order.size
    selected = np.zeros(n, dtype=bool)
    selected[ranking.order[:k]] = True
    s = ranking.sorted_scores
    cutoff = float(s[k - 1]) if k > 0 else float("inf")
    if k > 0:
        tied = int(np.count_nonzero(s == cutoff))
        tied_sel = int(np.count_nonzero(s[:k] == cutoff))
    else:
        tied = tied_sel = 0
    share = float(ranking.cum_weight[k - 1] / ranking.total_weight) if k > 0 else 0.0
    return Selection(selected, int(k), share, cutoff, tied, tied_sel, description)


@dataclass(frozen=True)
class Budget:
    """Control the top ``share`` (or top ``count``) of files by score.

    Parameters
    ----------
    share : float, optional
        Share of files controlled, in (0, 1]; e.g. 0.05 for 5%. With row weights, the share
        of the total weight.
    count : int, optional
        Number of files controlled (give ``share`` or ``count``, not both).
    ties : {"random", "all"}
        How files tied at the cut-off are treated: a seeded lottery (exactly the budget is
        selected) or all of them (the budget can be exceeded).
    random_state : int
        Seed of the tie lottery.

    Examples
    --------
    >>> import numpy as np
    >>> sel = Budget(count=2).select(np.array([0.1, 0.9, 0.5, 0.7]))
    >>> sel.selected.tolist(), sel.cutoff
    ([False, True, False, True], 0.7)
    """

    share: float | None = None
    count: int | None = None
    ties: str = "random"
    random_state: int | None = 0

    def __post_init__(self) -> None:
        if (self.share is None) == (self.count is None):
            raise PolicyError("Give a budget as share=... (e.g. 0.05) or count=..., not both.")
        if self.share is not None:
            if isinstance(self.share, (bool, str)) or not isinstance(self.share, numbers.Real):
                raise PolicyError(
                    f"Budget share must be a number in (0, 1], not {self.share!r}; "
                    "write 0.05 for 5%."
                )
            if not (math.isfinite(self.share) and 0 < self.share <= 1):
                raise PolicyError(
                    f"Budget share must be in (0, 1] (e.g. 0.05 for 5%), not {self.share!r}."
                )
        if self.count is not None:
            if (
                isinstance(self.count, (bool, str))
                or not isinstance(self.count, numbers.Real)
                or not float(self.count).is_integer()
                or self.count < 1
            ):
                raise PolicyError(
                    f"Budget count must be a positive whole number, not {self.count!r}."
                )
        _check_ties(self.ties)

    def rank(self, scores: np.ndarray, weights: np.ndarray | None = None) -> Ranking:
        """Rank files by decreasing score with this policy's tie rule."""
        return _rank(np.asarray(scores, dtype=float), weights, self.ties, self.random_state)

    def select(
        self, scores: np.ndarray, weights: np.ndarray | None = None, ranking: Ranking | None = None
    ) -> Selection:
        """Select the files this budget controls."""
        ranking = ranking if ranking is not None else self.rank(scores, weights)
        n = ranking.order.size
        if self.count is not None:
            if self.count > n:
                raise PolicyError(f"Budget count {self.count} exceeds the population size {n}.")
            k = int(ranking.extend_ties(np.array([self.count]))[0])
        else:
            k = int(ranking.count_for_share(np.array([self.share]))[0])
            if k == 0:
                raise PolicyError(
                    f"A budget of {self.share:.4%} selects no file in a population of {n}; "
                    "raise the budget."
                )
        return _selection_from_count(ranking, k, self.describe())

    def describe(self) -> str:
        what = f"top {self.share:.4g} share" if self.share is not None else f"top {self.count}"
        return f"Budget: {what} of scores; ties: {self.ties} (random_state={self.random_state})"

    def to_dict(self) -> dict:
        return {
            "kind": "budget",
            "share": self.share,
            "count": self.count,
            "ties": self.ties,
            "random_state": self.random_state,
        }


@dataclass(frozen=True)
class Threshold:
    """Control every file whose score is at least ``threshold``.

    ``ties`` and ``random_state`` only order tied files on the budget curve.

    Examples
    --------
    >>> import numpy as np
    >>> Threshold(0.5).select(np.array([0.1, 0.9, 0.5, 0.7])).n_selected
    3
    """

    threshold: float
    ties: str = "random"
    random_state: int | None = 0

    def __post_init__(self) -> None:
        if isinstance(self.threshold, (bool, str)) or not math.isfinite(float(self.threshold)):
            raise PolicyError(f"Threshold must be a finite number, not {self.threshold!r}.")
        _check_ties(self.ties)

    def rank(self, scores: np.ndarray, weights: np.ndarray | None = None) -> Ranking:
        return _rank(np.asarray(scores, dtype=float), weights, self.ties, self.random_state)

    def select(
        self, scores: np.ndarray, weights: np.ndarray | None = None, ranking: Ranking | None = None
    ) -> Selection:
        ranking = ranking if ranking is not None else self.rank(scores, weights)
        # sorted_scores is decreasing: all scores >= threshold come first
        k = int(np.searchsorted(-ranking.sorted_scores, -float(self.threshold), side="right"))
        if k == 0:
            raise PolicyError(
                f"No score reaches the threshold {self.threshold}; the highest score is "
                f"{ranking.sorted_scores[0]:.6g}."
            )
        return _selection_from_count(ranking, k, self.describe())

    def describe(self) -> str:
        return f"Threshold: score >= {self.threshold:.6g}"

    def to_dict(self) -> dict:
        return {
            "kind": "threshold",
            "threshold": float(self.threshold),
            "ties": self.ties,
            "random_state": self.random_state,
        }
