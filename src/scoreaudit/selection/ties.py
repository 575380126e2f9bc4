"""Files tied at the cut-off: how many of each group a budget selects, whatever the row order.

A budget of ``k`` files ranks the files by decreasing score. With scores of few distinct
values (scorecards) the ``k``-th file usually shares its score with many others: ``A`` files
score above that level ``L``, ``m`` files score exactly ``L`` (``A < k <= A + m``) and
``r = k - A`` of them must be chosen. The published numbers only depend on how many tied files
of each *group* are chosen, a group being a finest protected cell (and outcome label, when
there is one) present at level ``L``. This module decides those numbers:

``"proportional"`` (the default)
    Exact integer largest-remainder allocation of ``r`` among the groups in proportion to their
    tied files ``m_g``: ``base_g = (m_g r) // m``, and the ``r - sum(base_g)`` leftover units go
    one each to the groups with the largest remainders ``(m_g r) % m`` (equal remainders: the
    earlier group first). No draw, no dependence on the row order: each tied file is counted
    with probability ``r / m`` up to the integer rounding of its group.
``"random"``
    A seeded lottery that does not depend on the row order: one multivariate hypergeometric
    draw of ``r`` files among the groups (in group order),
    ``numpy.random.Generator(random_state).multivariate_hypergeometric(m_g, r)``.
``"all"``
    Every tied file is selected (the budget is exceeded; handled by the policies).

Budget counts are rounded exactly: ``k = round_half_up(share x n)`` computed in decimal from
``repr(share)`` (:func:`budget_count`), so ``0.29 x 50`` gives 15 and ``0.05 x 50,000,009``
gives 2,500,000 whatever ``n``.

Examples
--------
>>> allocate(np.array([5, 3, 2]), 5).tolist()
[3, 1, 1]
>>> budget_count(0.05, 50_000_009)
2500000
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
from scipy import special

from scoreaudit.errors import PolicyError

__all__ = [
    "TIES",
    "allocate",
    "allocate_many",
    "budget_count",
    "budget_counts",
    "cut_at",
    "lottery_ratio_range",
    "tied_fraction",
]

#: Tie treatments of a budget.
TIES = ("proportional", "random", "all")


def budget_count(share: float, n: int) -> int:
    """Files selected by a budget of ``share`` among ``n``: round half up of ``share x n``.

    Computed exactly in decimal from the shortest representation of ``share``
    (``repr(0.29) == "0.29"``), so no tolerance that grows with ``n`` is needed.

    Examples
    --------
    >>> budget_count(0.29, 50), budget_count(0.05, 50_000_009), budget_count(0.8999999999999999, 395)
    (15, 2500000, 355)
    """
    exact = Decimal(repr(float(share))) * int(n)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def budget_counts(shares: np.ndarray, n: int) -> np.ndarray:
    """:func:`budget_count` of every share (int64 array), clipped to ``0..n``.

    Examples
    --------
    >>> budget_counts(np.array([0.01, 0.5, 1.0]), 250).tolist()
    [3, 125, 250]
    """
    shares = np.asarray(shares, dtype=float).ravel()
    out = np.fromiter((budget_count(s, n) for s in shares), dtype=np.int64, count=shares.size)
    return np.clip(out, 0, int(n))


def _check_tied(tied: np.ndarray) -> np.ndarray:
    tied = np.asarray(tied, dtype=np.int64)
    if tied.size and tied.min() < 0:
        raise PolicyError.from_key("err_ties_negative")
    return tied


def allocate_many(tied: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Largest-remainder allocation of ``r[b]`` files among ``tied[b]`` for every budget ``b``.

    Parameters
    ----------
    tied : numpy.ndarray
        ``(B, G)`` (or ``(G,)``, shared by all budgets) int64 tied files per group, in group
        order.
    r : numpy.ndarray
        ``(B,)`` files to select among the tied ones, ``0 <= r[b] <= tied[b].sum()``.

    Returns
    -------
    numpy.ndarray
        ``(B, G)`` int64 counts, each row summing to ``r[b]``.

    Examples
    --------
    >>> allocate_many(np.array([[1, 1, 1], [4, 0, 4]]), np.array([2, 3])).tolist()
    [[1, 1, 0], [2, 0, 1]]
    """
    r = np.atleast_1d(np.asarray(r, dtype=np.int64))
    tied = _check_tied(tied)
    tied = np.broadcast_to(tied, (r.size, tied.shape[-1])) if tied.ndim == 1 else tied
    m = tied.sum(axis=1)
    if np.any((r < 0) | (r > m)):
        raise PolicyError.from_key("err_ties_out_of_range")
    safe = np.where(m > 0, m, 1)[:, None]
    prod = tied * r[:, None]
    base = prod // safe
    rem = prod % safe
    leftover = r - base.sum(axis=1)
    # rank of each group by decreasing remainder, earlier group first among equals
    order = np.argsort(-rem, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
    return base + (rank < leftover[:, None])


def allocate(
    tied: np.ndarray, r: int, *, method: str = "proportional", random_state=None
) -> np.ndarray:
    """Tied files selected in each group (int64 array summing to ``r``).

    Parameters
    ----------
    tied : numpy.ndarray
        Tied files per group, in group order (finest cell code, then label code).
    r : int
        Files to select among them.
    method : {"proportional", "random"}
        Largest-remainder allocation, or a seeded multivariate hypergeometric draw.
    random_state : int, optional
        Seed of the draw (``"random"`` only).

    Examples
    --------
    >>> allocate(np.array([2, 2, 2]), 4).tolist()
    [2, 1, 1]
    >>> int(allocate(np.array([3, 7]), 5, method="random", random_state=0).sum())
    5
    """
    tied = _check_tied(tied)
    if method == "proportional":
        return allocate_many(tied, np.array([r]))[0]
    if method == "random":
        if not 0 <= r <= int(tied.sum()):
            raise PolicyError.from_key("err_ties_too_many")
        rng = np.random.default_rng(random_state)
        return rng.multivariate_hypergeometric(tied, int(r)).astype(np.int64)
    raise PolicyError.from_key("err_ties_method", method=method)


def cut_at(level_cum: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Level of the cut-off and files above it, for budgets of ``k`` files.

    ``level_cum`` is ``(D + 1,)``: files in the ``D`` levels above each level (0 first, total
    last), levels by decreasing score. Returns ``(L, A)``: the first level whose cumulative
    count reaches ``k`` and the files strictly above it (``L = -1``, ``A = 0`` for ``k = 0``).

    Examples
    --------
    >>> [a.tolist() for a in cut_at(np.array([0, 2, 5, 6]), np.array([0, 2, 3, 6]))]
    [[-1, 0, 1, 2], [0, 0, 2, 5]]
    """
    k = np.asarray(k, dtype=np.int64)
    level = np.searchsorted(level_cum[1:], k, side="left")
    level = np.where(k > 0, level, -1)
    above = np.where(k > 0, level_cum[np.maximum(level, 0)], 0)
    return level, above


def tied_fraction(share: float, total: float, above: float, at_level: float) -> float:
    """Weighted budgets: fraction ``f`` of every tied group's weight counted as selected.

    ``f = (share x total - above) / at_level`` clipped to [0, 1], computed exactly in
    rational arithmetic from ``repr(share)`` and the float weights (the expected value of a
    fair lottery of the tied files).

    Examples
    --------
    >>> tied_fraction(0.5, 10.0, 4.0, 2.0)
    0.5
    """
    if at_level <= 0:
        return 0.0
    target = Fraction(Decimal(repr(float(share)))) * Fraction(float(total))
    f = (target - Fraction(float(above))) / Fraction(float(at_level))
    return float(min(max(f, Fraction(0)), Fraction(1)))


# ----------------------------------------------------------------------------------------------
# range of a ratio under the lottery


def _quantiles_1d(values: np.ndarray, pmf: np.ndarray, q: tuple[float, float]) -> np.ndarray:
    """Lower/upper quantiles of discrete distributions along the last axis (value-sorted)."""
    order = np.argsort(values, axis=-1, kind="stable")
    cdf = np.take_along_axis(pmf, order, axis=-1)
    np.cumsum(cdf, axis=-1, out=cdf)
    cdf /= np.where(cdf[..., -1:] > 0, cdf[..., -1:], 1.0)
    out = []
    for level in q:
        idx = (cdf < level - 1e-12).sum(axis=-1)
        idx = np.minimum(idx, values.shape[-1] - 1)
        at = np.take_along_axis(order, idx[..., None], axis=-1)  # the quantile's own entry
        out.append(np.take_along_axis(values, at, axis=-1)[..., 0])
    return np.stack(out)


#: Largest number of values of each hypergeometric draw evaluated (a coarser grid beyond).
_GRID = 200


@functools.lru_cache(maxsize=2)
def _log_factorials(m: int) -> np.ndarray:
    """``log k!`` for ``k = 0..m+1``, shared by the comparisons of every view of one audit."""
    table = special.gammaln(np.arange(m + 2, dtype=np.float64) + 1.0)
    table.flags.writeable = False
    return table


def _hypergeom_pmf(lf: np.ndarray, x, total, good, draws) -> np.ndarray:
    """Hypergeometric pmf from a table ``lf`` of log factorials (0 outside the support)."""
    # each term is gathered on its own broadcast shape (most depend on fewer axes than the
    # result): the same numbers added in the same order, fewer lookups
    x, total, good, draws = (np.asarray(v, np.int64) for v in (x, total, good, draws))
    bad = total - good
    ok = (x >= 0) & (x <= good) & (draws - x >= 0) & (draws - x <= bad)

    def f(v):  # outside the support the value is unused (masked): clip the index
        return lf.take(v, mode="clip")

    logp = (
        f(good) - f(x) - f(good - x)
        + f(bad) - f(draws - x) - f(bad - draws + x)
        - f(total) + f(draws) + f(total - draws)
    )  # fmt: skip
    if not (isinstance(logp, np.ndarray) and logp.shape == ok.shape):
        return np.where(ok, np.exp(np.where(ok, logp, 0.0)), 0.0)
    off = ~ok  # the same values, in the one array the sum created
    np.copyto(logp, 0.0, where=off)
    np.exp(logp, out=logp)
    np.copyto(logp, 0.0, where=off)
    return logp


def _grid(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Values ``lo..hi`` per row (a step > 1 when wider than ``_GRID``), validity and step."""
    width = int((hi - lo).max()) + 1 if lo.size else 1
    step = max(1, -(-width // _GRID))
    x = lo[..., None] + step * np.arange(-(-width // step))
    return x, x <= hi[..., None], step


def _bounds(total, good, draws, sds: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """Values of a hypergeometric draw within ``sds`` standard deviations of its mean, kept
    inside its support (the mass left out is negligible: tails lighter than the normal's)."""
    total, good, draws = (np.asarray(v, dtype=np.float64) for v in (total, good, draws))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, good / np.where(total > 0, total, 1), 0.0)
        fpc = np.where(total > 1, (total - draws) / np.where(total > 1, total - 1, 1), 0.0)
    sd = np.sqrt(np.maximum(draws * p * (1 - p) * fpc, 0.0))
    mean = draws * p
    low = np.maximum(np.floor(mean - sds * sd - 1), np.maximum(0, draws - (total - good)))
    high = np.minimum(np.ceil(mean + sds * sd + 1), np.minimum(good, draws))
    return low.astype(np.int64), np.maximum(high, low).astype(np.int64)


def lottery_ratio_range(
    a_g: np.ndarray,
    t_g: np.ndarray,
    n_g: np.ndarray,
    a_r: np.ndarray,
    t_r: np.ndarray,
    n_r: np.ndarray,
    m: int,
    r: int,
    *,
    rest: bool,
    q: tuple[float, float] = (0.025, 0.975),
) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles of selection-rate ratios under a fair lottery of the tied files.

    ``r`` of the ``m`` files tied at the cut-off are drawn at random. A group has ``a_g``
    files selected above the cut-off, ``t_g`` tied files and ``n_g`` files; its reference
    ``a_r``, ``t_r``, ``n_r``. The group's tied selections ``X_g`` follow the hypergeometric
    distribution ``H(m, t_g, r)``; the reference's, given ``X_g``, ``H(m - t_g, t_r, r - X_g)``
    (``rest=True``: the reference is every other file, ``X_r = r - X_g``). Returns the ``q``
    quantiles (lower inverse CDF) of ``((a_g + X_g) / n_g) / ((a_r + X_r) / n_r)``, vectorised
    over comparisons; values beyond 8 standard deviations of each draw are left out, and each
    draw is evaluated on at most 200 values (every ``s``-th value of a wider range, weighted
    alike: an approximation within ``s`` files). NaN when
    no lottery decides anything (``0 < r < m`` fails).

    Examples
    --------
    >>> lo, hi = lottery_ratio_range(np.array([10]), np.array([20]), np.array([100]),
    ...     np.array([10]), np.array([20]), np.array([100]), 40, 20, rest=False)
    >>> float(lo[0]) < 1.0 < float(hi[0])
    True
    """
    a_g, t_g, n_g, a_r, t_r, n_r = (
        np.asarray(v, dtype=np.int64) for v in (a_g, t_g, n_g, a_r, t_r, n_r)
    )
    k = a_g.size
    nan = np.full(k, np.nan)
    if not 0 < r < m or k == 0:
        return nan, nan.copy()
    r_arr = np.full(k, r, dtype=np.int64)
    xg, vg, _ = _grid(*_bounds(m, t_g, r_arr))
    lf = _log_factorials(m)
    pg = np.where(vg, _hypergeom_pmf(lf, xg, m, t_g[:, None], r), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_g = (a_g[:, None] + xg) / n_g[:, None]
        if rest:
            rate_r = (a_r[:, None] + (r - xg)) / n_r[:, None]
            return _ratio_quantiles(rate_g / rate_r, pg, q)
        rest_m = m - t_g[:, None]
        left = r - xg  # (K, Wg)
        lo, hi = _bounds(rest_m, t_r[:, None], left)
        lo, hi = np.where(vg, lo, hi.max()).min(axis=1), np.where(vg, hi, 0).max(axis=1)
        xr, vr, _ = _grid(lo, np.maximum(hi, lo))  # one step for every row, as for xg
        low, high = np.empty(k), np.empty(k)
        for s, wg, wr in _row_blocks(vg.sum(axis=1), vr.sum(axis=1)):
            # a block's rows on the first wg / wr values of their grids: the values left out
            # have no probability (each row's valid values are a prefix of its grid), so
            # they only sorted last with weight 0 (same quantiles as the whole grid)
            pr = _hypergeom_pmf(
                lf,
                xr[s, None, :wr],
                rest_m[s, :, None],
                t_r[s, None, None],
                left[s, :wg, None],
            )
            pmf = (pg[s, :wg, None] * (pr * vr[s, None, :wr])).reshape(pr.shape[0], -1)
            rate_r = (a_r[s, None, None] + xr[s, None, :wr]) / n_r[s, None, None]
            vals = (rate_g[s, :wg, None] / rate_r).reshape(pr.shape[0], -1)
            low[s], high[s] = _ratio_quantiles(vals, pmf, q)
    return low, high


#: Elements of one block of the joint lottery arrays (about 8 MiB of float64).
_BLOCK = 1 << 20


def _row_blocks(wg: np.ndarray, wr: np.ndarray) -> list[tuple[np.ndarray, int, int]]:
    """Comparison rows in blocks of similar grid widths: (rows, width of X_g, width of X_r).

    Rows are taken by increasing ``wg x wr`` (most comparisons have a group without tied
    files, one value of ``X_g``), each block as many as fit in :data:`_BLOCK` elements at
    the block's largest widths; every row's numbers are computed alone, so the blocks give
    the same values as one pass over the whole grids.
    """
    order = np.argsort(wg * wr, kind="stable")
    blocks, b = [], 0
    while b < order.size:
        rows = np.arange(1, order.size - b + 1)
        size = rows * np.maximum.accumulate(wg[order[b:]]) * np.maximum.accumulate(wr[order[b:]])
        n = max(1, int(np.searchsorted(size, _BLOCK, side="right")))
        s = order[b : b + n]
        blocks.append((s, max(1, int(wg[s].max())), max(1, int(wr[s].max()))))
        b += n
    return blocks


def _ratio_quantiles(
    vals: np.ndarray, pmf: np.ndarray, q: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """``q`` quantiles of ratios ``vals`` with weights ``pmf`` per row (NaN where undefined).

    ``vals`` and ``pmf`` are the caller's temporaries and are overwritten.
    """
    off = ~(pmf > 0)
    off |= np.isnan(vals)  # 0 / 0 (no ratio) and unused cells sort last, with weight 0
    np.copyto(vals, np.inf, where=off)
    np.copyto(pmf, 0.0, where=off)
    low, high = _quantiles_1d(vals, pmf, q)
    low = np.where(np.isfinite(low), low, np.nan)
    high = np.where(np.isfinite(high), high, np.nan)
    return low, high
