"""Files tied at the cut-off: how many of each group are selected (order-free rules).

A budget of ``k`` files often ends inside a block of files sharing the cut-off score: ``A``
files score above it, ``m`` files score exactly the cut-off, and ``r = k - A`` of those ``m``
are selected. Which ones must not depend on the order of the rows (a database returns rows in
any order), so the ``r`` selections are shared among the *groups* of tied files (the finest
(cell, label) combinations present at the cut-off, in their canonical order):

* ``"proportional"`` (default): exact integer largest-remainder allocation. Group ``g`` with
  ``m_g`` tied files gets ``(m_g r) // m`` files, and the ``r - sum`` left over go one each to
  the groups with the largest remainders ``(m_g r) % m``, equal remainders to the earlier
  group. Integers summing to ``r``; no random draw.
* ``"random"``: a seeded lottery over the tied files, drawn per group (multivariate
  hypergeometric with ``numpy.random.Generator(random_state)``): independent of row order.

Examples
--------
>>> allocate(np.array([3, 3, 4]), 5).tolist()
[2, 1, 2]
>>> int(allocate(np.array([3, 3, 4]), 5, method="random", random_state=0).sum())
5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoreaudit.errors import PolicyError

__all__ = ["allocate", "allocate_many"]


def _check(tied: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tied = np.asarray(tied, dtype=np.int64)
    r = np.asarray(r, dtype=np.int64)
    if tied.ndim != 1 or (tied < 0).any():
        raise PolicyError("tied counts must be a 1-D array of non-negative integers.")
    m = int(tied.sum())
    if (r < 0).any() or (r > m).any():
        raise PolicyError(f"cannot select {r.tolist()} of {m} tied files.")
    return tied, r


def allocate_many(tied: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Largest-remainder allocation of every ``r[b]`` among the groups: ``(len(r), groups)``.

    Parameters
    ----------
    tied : numpy.ndarray
        Tied files per group, in group order (int64).
    r : numpy.ndarray
        Files to select among them, one count per budget.

    Returns
    -------
    numpy.ndarray
        int64 counts per (budget, group); each row sums to its ``r``.

    Examples
    --------
    >>> allocate_many(np.array([1, 1, 2]), np.array([0, 1, 2, 3, 4])).tolist()
    [[0, 0, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [1, 1, 2]]
    """
    tied, r = _check(tied, np.atleast_1d(r))
    m = int(tied.sum())
    out = np.zeros((r.size, tied.size), dtype=np.int64)
    if m == 0 or tied.size == 0:
        return out
    prod = tied[None, :] * r[:, None]  # exact: int64 (m_g r < 2^63 for any real population)
    base, rem = np.divmod(prod, m)
    left = r - base.sum(axis=1)
    # largest remainders first, equal remainders in group order (a stable sort of -rem)
    order = np.argsort(-rem, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(tied.size)[None, :].repeat(r.size, 0), axis=1)
    out[:] = base + (rank < left[:, None])
    return out


def allocate(
    tied: np.ndarray, r: int, *, method: str = "proportional", random_state: Any = None
) -> np.ndarray:
    """How many of the ``r`` selected tied files come from each group.

    Parameters
    ----------
    tied : numpy.ndarray
        Tied files per group, in group order (int64).
    r : int
        Files to select among the tied ones (``0 <= r <= tied.sum()``).
    method : {"proportional", "random"}
        Largest-remainder allocation, or a seeded multivariate hypergeometric draw.
    random_state : int or None
        Seed of the draw (``"random"`` only).

    Returns
    -------
    numpy.ndarray
        int64 counts per group summing to ``r``.

    Examples
    --------
    >>> allocate(np.array([5, 0, 5]), 3).tolist()
    [2, 0, 1]
    """
    tied, rr = _check(tied, np.array([r]))
    if method == "proportional":
        return allocate_many(tied, rr)[0]
    if method == "random":
        if int(rr[0]) == 0 or tied.size == 0:
            return np.zeros(tied.size, dtype=np.int64)
        rng = np.random.default_rng(random_state)
        return rng.multivariate_hypergeometric(tied, int(rr[0])).astype(np.int64)
    raise PolicyError(f"ties must be 'proportional' or 'random' here, not {method!r}.")
