"""Bounds of the Mantel-Haenszel interval over every table of true counts in given ranges.

Under rounding (or with hidden cells bounded from the margins) each count of each stratum is
only known to lie in a range. The Greenland-Robins interval of the Mantel-Haenszel risk ratio
is ``exp(log RR -/+ z se)`` with ``RR = Num / Den``, ``Num = sum a n0 / N``,
``Den = sum c n1 / N`` and ``se^2 = V / (Num Den)``, ``V = sum (n1 n0 (a + c) - a c N) / N^2``
(``a``, ``n1``: files reaching the stage and at the base in the group; ``c``, ``n0``: in the
reference; ``N = n1 + n0``). Every table in the ranges has

* ``Num >= sum a_lo n0_lo / (n1_hi + n0_lo)`` and ``Num <= sum a_hi n0_hi / (n1_lo + n0_hi)``
  (``a n0 / N`` grows with ``a`` and ``n0`` and falls with ``n1``), likewise for ``Den``;
* ``V <= sum max V_k``, where ``V_k`` is bilinear in ``(a, c)`` for fixed bases, so its
  maximum is at a corner of the ``(a, c)`` rectangle, taken over every pair of bases (ranges
  up to :data:`MAX_ENUMERATED` wide; wider ranges use ``V_k <= (a_hi + c_hi) max n1 n0 / N^2``).

So ``low >= RR_min exp(-z se_max)`` and ``high <= RR_max exp(z se_max)`` with
``se_max^2 = V_max / (Num_min Den_min)``: the returned interval contains the interval of
every consistent table (conservative; the constraints ``a <= n1``, ``c <= n0`` are dropped,
which only widens it). Checked by brute force in ``tests/engines/test_funnel_contract.py``.
"""

from __future__ import annotations

import numpy as np

from scoreaudit.stats import metrics as M

__all__ = ["MAX_ENUMERATED", "mh_interval_bounds"]

#: Widest range of a base count whose values are enumerated for the bound of ``V``.
MAX_ENUMERATED = 64


def _v_max(a_lo, a_hi, n1_lo, n1_hi, c_lo, c_hi, n0_lo, n0_hi) -> np.ndarray:
    """Upper bound of each stratum's variance term (same shape as the inputs)."""
    width = int(np.nanmax(np.concatenate([(n1_hi - n1_lo).ravel(), (n0_hi - n0_lo).ravel()])))
    if width > MAX_ENUMERATED:
        r_lo = np.where(n0_hi > 0, n1_lo / np.maximum(n0_hi, 1e-300), np.inf)
        r_hi = np.where(n0_lo > 0, n1_hi / np.maximum(n0_lo, 1e-300), np.inf)
        r = np.clip(1.0, r_lo, r_hi)
        f = np.where(np.isfinite(r), r / (1 + r) ** 2, 0.0)
        return (a_hi + c_hi) * f
    k = np.arange(width + 1.0)
    n1 = np.minimum(n1_lo[..., None, None] + k[:, None], n1_hi[..., None, None])
    n0 = np.minimum(n0_lo[..., None, None] + k[None, :], n0_hi[..., None, None])
    big_n = n1 + n0
    best = np.zeros(np.broadcast_shapes(n1.shape, n0.shape))
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in (a_lo, a_hi):
            for c in (c_lo, c_hi):
                a_, c_ = a[..., None, None], c[..., None, None]
                v = (n1 * n0 * (a_ + c_) - a_ * c_ * big_n) / big_n**2
                best = np.fmax(best, np.where(big_n > 0, v, 0.0))
    return best.max(axis=(-2, -1))


def mh_interval_bounds(
    a: tuple[np.ndarray, np.ndarray],
    n1: tuple[np.ndarray, np.ndarray],
    c: tuple[np.ndarray, np.ndarray],
    n0: tuple[np.ndarray, np.ndarray],
    confidence: float = 0.95,
    axis: int = -1,
) -> tuple[np.ndarray, np.ndarray]:
    """Lowest lower limit and highest upper limit of the Mantel-Haenszel interval over every
    table whose counts lie in the given ``(low, high)`` ranges (strata along ``axis``).

    Examples
    --------
    >>> import numpy as np
    >>> r = lambda v: (np.array(v, float) - 2, np.array(v, float) + 1)  # rounded to 4
    >>> lo, hi = mh_interval_bounds(r([12, 8]), r([40, 20]), r([8, 4]), r([60, 40]))
    >>> bool(lo < 0.93 and hi > 10.1)
    True
    """
    (a_lo, a_hi), (n1_lo, n1_hi), (c_lo, c_hi), (n0_lo, n0_hi) = (
        tuple(np.moveaxis(np.asarray(v, dtype=float), axis, -1) for v in pair)
        for pair in (a, n1, c, n0)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        num_lo = np.nan_to_num(a_lo * n0_lo / (n1_hi + n0_lo)).sum(-1)
        num_hi = np.nan_to_num(a_hi * n0_hi / (n1_lo + n0_hi)).sum(-1)
        den_lo = np.nan_to_num(c_lo * n1_lo / (n1_lo + n0_hi)).sum(-1)
        den_hi = np.nan_to_num(c_hi * n1_hi / (n1_hi + n0_lo)).sum(-1)
        v = _v_max(a_lo, a_hi, n1_lo, n1_hi, c_lo, c_hi, n0_lo, n0_hi).sum(-1)
        se = np.sqrt(v / (num_lo * den_lo))
        z = M.confidence_z(confidence)
        low = np.where(num_lo > 0, (num_lo / den_hi) * np.exp(-z * se), 0.0)
        high = np.where(den_lo > 0, (num_hi / den_lo) * np.exp(z * se), np.inf)
    return np.where(np.isnan(low), 0.0, low), np.where(np.isnan(high), np.inf, high)
