"""Selection in the engine audit: counts per (budget, cell, label) at each cut-off, ties shared by
:mod:`scoreaudit.selection.ties` exactly as in memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scoreaudit.core.cells import Cells
from scoreaudit.errors import Num, PolicyError
from scoreaudit.selection.ties import allocate, allocate_many, budget_count

__all__ = ["Chosen", "Levels", "choose", "choose_threshold"]


@dataclass
class Levels:
    """The sufficient statistics: sums per (level, cell, label class), levels DECREASING.

    ``exact[i]`` is False for a bucket of rows strictly between two cut-offs (continuous
    scores), True for one exact score.
    """

    values: np.ndarray  # (L,)
    exact: np.ndarray  # (L,) bool
    n: np.ndarray  # (L, C, K)
    w: np.ndarray
    w2: np.ndarray
    score_sum: np.ndarray  # (C,) sum of score x weight
    cells: Cells
    weighted: bool
    labelled: bool
    continuous: bool = False


# ----------------------------------------------------------------------------------------------
# selection: counts per (budget, cell, label), ties by scoreaudit.selection.ties


@dataclass
class Chosen:
    """Selected sums per (budget, cell, label class) and what each budget realised."""

    n: np.ndarray  # (B, C, K)
    w: np.ndarray
    w2: np.ndarray
    k: np.ndarray  # (B,) files selected (fractional with weighted budgets)
    cutoff: np.ndarray  # (B,)
    tied: np.ndarray  # (B,) files at the cut-off
    tied_selected: np.ndarray  # (B,)
    above: np.ndarray  # (B,) files strictly above the cut-off level


def choose(
    lv: Levels,
    counts: np.ndarray | None,
    targets: np.ndarray | None,
    ties: str,
    random_state: Any,
) -> Chosen:
    """Select the top ``counts[b]`` files (or weight ``targets[b]``) with the tie rule.

    Exactly one of ``counts`` / ``targets`` is given. Levels above the cut-off level are
    selected whole; at the cut-off level the tied files are shared among the (cell, label)
    groups by :func:`scoreaudit.selection.ties.allocate` (weights: the same fraction of
    every tied group).
    """
    L, C, K = lv.n.shape
    total = lv.n.sum(axis=(1, 2))
    cum = np.cumsum(total)
    cum_n = np.cumsum(lv.n, axis=0)
    cum_w = np.cumsum(lv.w, axis=0) if lv.weighted else cum_n
    cum_w2 = np.cumsum(lv.w2, axis=0) if lv.weighted else cum_n
    by_weight = targets is not None
    want = np.asarray(targets if by_weight else counts, dtype=float)
    B = want.size
    out_n = np.zeros((B, C * K))
    out_w = np.zeros((B, C * K))
    out_w2 = np.zeros((B, C * K))
    k_out = np.zeros(B)
    cutoff = np.full(B, np.inf)
    tied = np.zeros(B, dtype=np.int64)
    tied_sel = np.zeros(B)
    above_k = np.zeros(B, dtype=np.int64)
    wtot = lv.w.sum(axis=(1, 2))
    cumw_tot = np.cumsum(wtot)
    pos = np.flatnonzero(want > 0)
    if pos.size:
        ref = cumw_tot if by_weight else cum
        lvl = np.minimum(np.searchsorted(ref, want[pos], side="left"), L - 1)
        for L_ in np.unique(lvl):
            bs = pos[lvl == L_]
            m = lv.n[L_].ravel()
            m_int = np.rint(m).astype(np.int64)
            above_n = (cum_n[L_] - lv.n[L_]).ravel()
            above_w = (cum_w[L_] - lv.w[L_]).ravel()
            above_w2 = (cum_w2[L_] - lv.w2[L_]).ravel()
            if by_weight:
                wa = cumw_tot[L_] - wtot[L_]
                f = np.clip((want[bs] - wa) / wtot[L_], 0.0, 1.0)
                if ties == "all":
                    f = np.where(f > 0, 1.0, 0.0)
                frac = np.repeat(f[:, None], C * K, axis=1)
                alloc = frac * m[None, :]
            else:
                a = cum[L_] - total[L_]
                r = (want[bs] - a).astype(np.int64)
                if ties == "all":
                    alloc = np.repeat(m_int[None, :], bs.size, axis=0)
                elif ties == "random":
                    alloc = np.stack(
                        [
                            allocate(m_int, int(x), method="random", random_state=random_state)
                            for x in r
                        ]
                    )
                else:
                    alloc = allocate_many(m_int, r)
                alloc = alloc.astype(float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    frac = np.where(m[None, :] > 0, alloc / np.where(m > 0, m, 1)[None, :], 0.0)
            out_n[bs] = above_n[None, :] + alloc
            out_w[bs] = above_w[None, :] + (
                frac * lv.w[L_].ravel()[None, :] if lv.weighted else alloc
            )
            out_w2[bs] = above_w2[None, :] + (
                frac * lv.w2[L_].ravel()[None, :] if lv.weighted else alloc
            )
            k_out[bs] = out_n[bs].sum(axis=1)
            if by_weight:  # files selected: the expected count rounded, as in memory
                k_out[bs] = np.floor(k_out[bs] + 0.5)
            cutoff[bs] = lv.values[L_]
            above_k[bs] = int(round(cum[L_] - total[L_]))
            tied[bs] = int(m_int.sum())
            tied_sel[bs] = alloc.sum(axis=1)
    shape = (B, C, K)
    return Chosen(
        out_n.reshape(shape),
        out_w.reshape(shape),
        out_w2.reshape(shape),
        k_out,
        cutoff,
        tied,
        tied_sel,
        above_k,
    )


def choose_threshold(lv: Levels, threshold: float) -> Chosen:
    """Every file scoring at least ``threshold``."""
    L, C, K = lv.n.shape
    top = int(np.searchsorted(-lv.values, -float(threshold), side="right"))  # levels >= t
    if top == 0:
        raise PolicyError.from_key(
            "err_threshold_none_reached",
            threshold=Num(float(threshold)),
            top=Num(float(lv.values[0]), ".6g"),
        )
    s = slice(0, top)
    last = top - 1
    return Chosen(
        lv.n[s].sum(axis=0)[None],
        lv.w[s].sum(axis=0)[None],
        lv.w2[s].sum(axis=0)[None],
        np.array([lv.n[s].sum()]),
        np.array([lv.values[last]]),
        np.array([int(round(lv.n[last].sum()))]),
        np.array([lv.n[last].sum()]),
        np.array([int(round(lv.n[:last].sum()))]),
    )


def _wanted(lv_n: int, total_w: float, weighted: bool, shares: np.ndarray, count: int | None):
    """(counts, targets) of the budgets: files unweighted, weight with weights."""
    if count is not None:
        return np.array([count], dtype=float), None
    if weighted:
        return None, np.asarray(shares, dtype=float) * total_w
    return np.array([budget_count(s, lv_n) for s in shares], dtype=float), None
