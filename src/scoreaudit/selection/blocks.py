"""Scores with few distinct values: tie blocks found by hashing, ranked by counting.

A scorecard gives every file one of a few dozen (at most a few thousand) distinct scores: one
per combination of its terms' cells. Ranking 6 million such scores with a comparison sort
(``numpy.argsort`` on float64, O(n log n)) is then wasteful: the distinct values are found by
hashing (:func:`pandas.factorize`, O(n)), sorted (O(D log D) for D distinct values), and every
row gets the small integer rank of its value (its *tie block*). A stable sort of those
one- or two-byte codes is a radix sort in numpy (O(n)), and gives EXACTLY the order of a
stable comparison sort of the scores, because both sort by the same key with the same rule
for equal keys (earlier position first).

Everything that only depends on how many rows of each cell hold each distinct score (the
counts of :func:`block_cell_counts`) - selection counts at a cut-off, the AUC and the KS
distance without weights - can then be computed from a ``(D, cells)`` table instead of from
the rows.

Examples
--------
>>> import numpy as np
>>> b = score_blocks(np.array([0.2, 0.9, 0.2, 0.5]))
>>> b.values.tolist(), b.code.tolist()
([0.9, 0.5, 0.2], [2, 0, 2, 1])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["MAX_BLOCKS", "ScoreBlocks", "block_cell_counts", "score_blocks"]

#: Largest number of distinct scores handled by counting (codes fit in two bytes, so numpy's
#: stable sort of them is a radix sort).
MAX_BLOCKS = 65_535

#: Sample size used to decide quickly that scores are continuous (many distinct values).
_SAMPLE = 4_096


@dataclass(frozen=True, eq=False)
class ScoreBlocks:
    """Distinct scores and the rank of every row's score among them.

    Attributes
    ----------
    code : numpy.ndarray
        ``(n,)`` uint8 or uint16: index into ``values`` of each row's score; 0 is the highest
        score (so sorting rows by ``code`` ranks them by decreasing score).
    values : numpy.ndarray
        ``(D,)`` float64: the distinct scores, in decreasing order.
    """

    code: np.ndarray
    values: np.ndarray

    @property
    def n_blocks(self) -> int:
        """Number of distinct scores."""
        return int(self.values.shape[0])

    def level_of(self, value: float) -> int | None:
        """The level (index into ``values``) holding ``value``, or None if no score equals it.

        Examples
        --------
        >>> b = ScoreBlocks(code=np.array([1, 0, 1], dtype=np.uint8), values=np.array([0.9, 0.2]))
        >>> b.level_of(0.2), b.level_of(0.5)
        (1, None)
        """
        hit = np.flatnonzero(self.values == value)
        return int(hit[0]) if hit.size == 1 else None

    def rows_at(self, level: int) -> np.ndarray:
        """Positions of the rows whose score is at ``level`` (compared on the level codes)."""
        return np.flatnonzero(self.code == self.code.dtype.type(level))

    def ascending_code(self) -> np.ndarray:
        """Code of each row's score in INCREASING order (0 = lowest), same dtype."""
        out = np.full_like(self.code, self.n_blocks - 1)
        out -= self.code
        return out


def _code_dtype(d: int) -> type[np.unsignedinteger]:
    return np.uint8 if d <= 256 else np.uint16


def score_blocks(scores: np.ndarray, max_blocks: int = MAX_BLOCKS) -> ScoreBlocks | None:
    """Tie blocks of ``scores`` when there are at most ``max_blocks`` distinct values, else None.

    ``-0.0`` and ``0.0`` are one value (they compare equal). A sample of the scores is looked
    at first so that continuous scores cost almost nothing here.

    Examples
    --------
    >>> score_blocks(np.random.default_rng(0).random(100_000)) is None
    True
    >>> score_blocks(np.array([1.0, -0.0, 0.0])).values.tolist()
    [1.0, 0.0]
    >>> b = score_blocks(np.array([-0.0, 1.0, 0.0, -0.0]))
    >>> b.values.tolist(), np.signbit(b.values).tolist(), b.code.tolist()
    ([1.0, 0.0], [False, False], [1, 0, 1, 1])
    """
    s = np.asarray(scores, dtype=np.float64)
    n = s.shape[0]
    if n == 0:
        return None
    step = max(1, n // _SAMPLE)
    if np.unique(s[::step]).shape[0] > min(max_blocks, _SAMPLE // 2):
        return None
    # pandas hashes -0.0 and 0.0 as one value (they compare equal) and keeps the first seen:
    # + 0.0 on the few distinct values, not on every row, makes it 0.0
    codes, uniques = pd.factorize(s, sort=False)
    d = int(uniques.shape[0])
    if d > max_blocks:
        return None
    uniques = np.asarray(uniques, dtype=np.float64) + 0.0
    desc = np.argsort(-uniques, kind="stable")
    rank = np.empty(d, dtype=_code_dtype(d))
    rank[desc] = np.arange(d)
    return ScoreBlocks(code=rank[codes], values=uniques[desc])


def block_cell_counts(
    blocks: ScoreBlocks, cell: np.ndarray, n_cells: int, mask: np.ndarray | None = None
) -> np.ndarray:
    """Rows per (distinct score, cell): an int64 array of shape ``(D, n_cells)``.

    Rows are those where ``mask`` is true (all rows by default). Row ``i`` of the result is
    the ``i``-th HIGHEST score (``blocks.values[i]``).

    Examples
    --------
    >>> b = score_blocks(np.array([0.2, 0.9, 0.2, 0.5]))
    >>> block_cell_counts(b, np.array([0, 1, 1, 0]), 2).tolist()
    [[0, 1], [1, 0], [1, 1]]
    """
    d = blocks.n_blocks
    key: npt.NDArray[np.signedinteger] = blocks.code.astype(
        np.int32 if d * n_cells < 2**31 else np.int64
    )
    key *= n_cells
    key += cell
    if mask is not None:
        key = key[mask]
    return np.bincount(key, minlength=d * n_cells).reshape(d, n_cells)
