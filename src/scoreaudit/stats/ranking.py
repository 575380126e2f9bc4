"""Ranking the scores once (ties averaged) for the threshold-free measures, and shared checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoreaudit.core.order import sort_with_keys
from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.stats import metrics as M


@dataclass(frozen=True, eq=False)
class Ranking:
    """One ascending sort of all scores with its tie-block structure.

    Attributes
    ----------
    order : numpy.ndarray
        ``(n,)`` int: the original row of each sorted position (``np.argsort(kind="stable")``).
    sorted_scores : numpy.ndarray
        ``(n,)`` float64: ``scores[order]``, ascending.
    block : numpy.ndarray
        ``(n,)`` int: tie-block id of each sorted position (0, 1, ... in ascending score).
    starts, ends : numpy.ndarray
        ``(n_blocks,)`` int: first sorted position of each block and one past its last.
    no_ties : bool
        Every score is distinct: each sorted position is its own block (``block[i] ==
        starts[i] == i``, ``ends[i] == i + 1``). ``block``, ``starts`` and ``ends`` are then
        left EMPTY (three arrays of n integers saved), as :func:`ranking_from_descending`
        gives them; :func:`rank_scores` always fills them.
    """

    order: np.ndarray
    sorted_scores: np.ndarray
    block: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    no_ties: bool = False

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.order.shape[0])

    @property
    def n_blocks(self) -> int:
        """Number of distinct score values (tie blocks)."""
        return self.n if self.no_ties else int(self.starts.shape[0])

    def row_block(self) -> np.ndarray:
        """Tie-block id of each ORIGINAL row (O(n) scatter; computed on demand)."""
        out = np.empty(self.n, dtype=self.block.dtype)
        out[self.order] = np.arange(self.n, dtype=out.dtype) if self.no_ties else self.block
        return out


def _tie_blocks(sorted_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tie block of each sorted position, and the first / past-last position of each block."""
    n = sorted_scores.shape[0]
    new = np.empty(n, dtype=bool)
    if n:
        new[0] = True
        np.not_equal(sorted_scores[1:], sorted_scores[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    idx_dtype = np.int32 if n < np.iinfo(np.int32).max else np.int64
    block = new.astype(idx_dtype)  # (cumsum straight from bool is several times slower)
    np.cumsum(block, out=block)
    block -= 1
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    if n:
        ends[-1] = n
    return block, starts, ends


def rank_scores(scores: np.ndarray) -> Ranking:
    """Sort all scores once and describe their tie blocks.

    Parameters
    ----------
    scores : numpy.ndarray
        One finite score per row.

    Returns
    -------
    Ranking
        Reused by :func:`threshold_free` for every attribute of the audit.

    Raises
    ------
    DataError
        If the scores are not a one-dimensional array of finite numbers.

    Examples
    --------
    >>> import numpy as np
    >>> r = rank_scores(np.array([0.3, 0.1, 0.3, 0.2]))
    >>> r.order.tolist(), r.block.tolist()
    ([1, 3, 0, 2], [0, 1, 2, 2])
    >>> r.starts.tolist(), r.ends.tolist()
    ([0, 1, 2], [1, 2, 4])
    """
    s = np.asarray(scores)
    if s.ndim != 1:
        raise DataError.from_key("err_scores_1d", shape=s.shape)
    if not (np.issubdtype(s.dtype, np.number) or s.dtype == np.bool_):
        raise DataError.from_key("err_scores_numeric", dtype=s.dtype)
    s = s.astype(np.float64, copy=False)
    if not np.isfinite(s).all():
        pos = int(np.flatnonzero(~np.isfinite(s))[0])
        raise DataError.from_key("err_scores_finite", pos=pos, value=float(s[pos]))
    order, sorted_scores = sort_with_keys(s)
    block, starts, ends = _tie_blocks(sorted_scores)
    return Ranking(order=order, sorted_scores=sorted_scores, block=block, starts=starts, ends=ends)


# ----------------------------------------------------------------------------------------------
# helpers


def _z(confidence: float) -> float:
    return M.confidence_z(confidence)


def _wilson(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval of a proportion ``p`` on (effective) size ``n``; NaN where ``n`` is 0
    or ``p`` is NaN (:func:`scoreaudit.stats.metrics.wilson_bounds`)."""
    p = np.asarray(p, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    return M.wilson_bounds(np.where(n > 0, p * n, np.nan), n, z)


def _check_codes(codes: np.ndarray, n: int, n_groups: int) -> np.ndarray:
    c = np.asarray(codes)
    if c.shape != (n,):
        raise DataError.from_key("err_codes_shape", n=n, shape=c.shape)
    if not np.issubdtype(c.dtype, np.integer):
        raise DataError.from_key("err_codes_integer", dtype=c.dtype)
    if not isinstance(n_groups, (int, np.integer)) or n_groups < 1:
        raise ScoreAuditError.from_key("err_stats_positive_int", name="n_groups", value=n_groups)
    if n and (c.min() < 0 or c.max() >= n_groups):
        bad = int(np.flatnonzero((c < 0) | (c >= n_groups))[0])
        raise DataError.from_key("err_codes_range", code=c[bad], pos=bad, last=n_groups - 1)
    return c


def _check_weights(weights: np.ndarray | None, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise DataError.from_key("err_weights_shape", n=n, shape=w.shape)
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError.from_key("err_weights_value", pos=pos, value=float(w[pos]))
    return w


def _sorted_codes(codes: np.ndarray, order: np.ndarray, n_groups: int) -> np.ndarray:
    # Small unsigned codes make numpy's stable argsort a radix sort (O(n)).
    # Casting BEFORE the random gather keeps the gathered array small (cache-friendly).
    dtype = np.uint8 if n_groups <= 256 else np.uint16 if n_groups <= 65536 else np.int64
    return codes.astype(dtype, copy=False)[order]


def ranking_from_descending(
    order: np.ndarray,
    sorted_scores: np.ndarray,
    exact_order: bool = True,
    ascending_code: np.ndarray | None = None,
) -> Ranking:
    """The ascending :class:`Ranking` from a ranking by DECREASING score (no second sort).

    ``order[::-1]`` lists the rows by increasing score with the same tie blocks as
    :func:`rank_scores`; only the order of rows INSIDE a tie block may differ. No statistic of
    :func:`threshold_free` depends on it without weights. With ``exact_order`` the rows of
    every tie block are put back in increasing row order (a sort of the tied rows only), so
    that the result equals ``rank_scores(scores)`` exactly, and weighted sums are added in the
    same order (bit-identical results). ``ascending_code`` (the tie block of every row, as
    :meth:`scoreaudit.selection.blocks.ScoreBlocks.ascending_code`) makes that a radix sort of all rows.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([0.3, 0.1, 0.3, 0.2])
    >>> desc = np.argsort(-s, kind="stable")
    >>> r = ranking_from_descending(desc, s[desc])
    >>> r.order.tolist() == rank_scores(s).order.tolist()
    True
    """
    if exact_order and ascending_code is not None:  # one-byte keys: O(n) radix sort
        order = np.argsort(ascending_code, kind="stable")
        exact_order = False
    elif exact_order:
        order = np.ascontiguousarray(order[::-1])
    else:  # read backwards in place: no copy of the rows (the order of ties is free)
        order = order[::-1]
    s = sorted_scores[::-1]
    n = s.shape[0]
    if n > 1 and not np.any(s[1:] == s[:-1]):  # distinct scores: one block per position
        empty = np.zeros(0, dtype=np.int64)
        return Ranking(order, s, empty[:0].astype(np.int32), empty, empty, no_ties=True)
    block, starts, ends = _tie_blocks(s)
    if exact_order and starts.shape[0] < n:
        tied = np.repeat((ends - starts) > 1, ends - starts)
        pos = np.flatnonzero(tied)
        rows = order[pos]
        order[pos] = rows[np.lexsort((rows, block[pos]))]
    return Ranking(order=order, sorted_scores=s, block=block, starts=starts, ends=ends)
