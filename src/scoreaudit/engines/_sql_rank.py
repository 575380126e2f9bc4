"""AUC (Mann-Whitney, DeLong) and KS of continuous scores, exact, in bounded memory.

The engine groups the rows by (score, protected keys) and streams that table ORDERED BY
score in Arrow record batches; this module walks it once, keeping per group only running
sums, never the rows. Every statistic of
:func:`scoreaudit.stats.distribution.threshold_free` is a sum over the tie blocks (distinct
scores) of polynomials in the group's and the reference's masses below, at and up to each
block (see ``_compare_chunk_unchecked`` in stats/_auc_ks.py), so it is accumulated exactly
in one ordered pass:

* AUC: ``sum gm (r_below + r_end) / (2 R G)`` (Mann-Whitney U from ranks);
* DeLong: ``sum gm t^2`` for the group's placements, and for the reference's placements
  ``sum_s r_in(s) (c - u_g(s))^2`` expanded in powers of ``c = 1 - auc``; the sums over
  reference blocks without group members are gathered per group between its own blocks
  (the group's cumulative mass is constant there);
* KS: running maximum of ``|F_g - F_ref|`` before and at each of the group's blocks;
* the tie term of the Mann-Whitney variance: ``sum (gm + r_in)^3``.

The expanded variance sums differ from the in-memory two-pass sums by rounding only (about
1e-15 relative). Memory: one record batch plus a few floats per group. Exact KS p-values
(small groups, ``n_g n_ref <= 10^6``) need the two samples: their scores are fetched from the
engine (at most 10^6 values by definition).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from scoreaudit.core.progress import advance
from scoreaudit.stats import distribution as D

__all__ = ["add_threshold_free"]

_BATCH = 1_000_000


class _ViewSums:
    """Running sums of one view (groups vs its reference or the rest)."""

    def __init__(self, v: Any, ref: int | None, G: np.ndarray, R: np.ndarray) -> None:
        self.v, self.ref = v, ref
        n = v.n_groups
        self.G, self.R = G, R  # group and comparison masses
        z = np.zeros
        self.A1, self.Q1, self.Sgb, self.Sgb2 = z(n), z(n), z(n), z(n)
        self.C1, self.C2, self.C3, self.cube_fix = z(n), z(n), z(n), z(n)
        self.ks = z(n)
        self.carry_g = z(n)  # group mass below the batch
        self.pend_ge = z(n)  # cumulative group mass at its last block so far
        self.pend_rend = z(n)  # comparison mass up to that block
        self.carry_ref = 0.0  # reference mass below the batch (reference mode)
        self.cube_ref = 0.0  # sum over blocks of reference mass^3

    def add(self, li: np.ndarray, cell: np.ndarray, mass: np.ndarray, lv_T, lv_TB) -> None:
        v, Gv = self.v, self.v.n_groups
        grp = v.group_of_cell[cell]
        Lb = lv_T.size
        # li is sorted (rows arrive by score): a stable sort by group gives (group, level) order
        order = np.argsort(grp, kind="stable")
        g_s, li_s, m_s = grp[order], li[order], mass[order]
        new = np.ones(g_s.size, dtype=bool)
        new[1:] = (g_s[1:] != g_s[:-1]) | (li_s[1:] != li_s[:-1])
        starts = np.flatnonzero(new)
        gm, p_g, p_li = np.add.reduceat(m_s, starts), g_s[starts], li_s[starts]
        if self.ref is not None:
            is_ref = p_g == self.ref
            rin_l = np.bincount(p_li[is_ref], weights=gm[is_ref], minlength=Lb)
            rb_l = self.carry_ref + np.cumsum(rin_l) - rin_l
            self.cube_ref += float(np.sum(rin_l**3))
            self.carry_ref += float(rin_l.sum())
            keep = ~is_ref
            p_li, p_g, gm = p_li[keep], p_g[keep], gm[keep]
        if p_g.size == 0:
            return
        first = np.ones(p_g.size, dtype=bool)
        first[1:] = p_g[1:] != p_g[:-1]
        seg_start = np.flatnonzero(first)
        cs = np.cumsum(gm)
        base = np.repeat(cs[seg_start] - gm[seg_start], np.diff(np.append(seg_start, p_g.size)))
        GE = self.carry_g[p_g] + (cs - base)
        GB = GE - gm
        if self.ref is not None:
            rin = rin_l[p_li]
            r_below = rb_l[p_li]
            r_end = r_below + rin
        else:
            T, TB = lv_T[p_li], lv_TB[p_li]
            rin = T - gm
            r_below = TB - GB
            r_end = TB + T - GE
        X = r_below + r_end

        def per_group(values: np.ndarray) -> np.ndarray:  # p_g is sorted: one sum per segment
            return np.bincount(p_g, weights=values, minlength=Gv)

        self.A1 += per_group(gm * X)
        self.Q1 += per_group(gm * X * X)
        self.C1 += per_group(rin * gm)
        self.C2 += per_group(rin * GB * gm)
        self.C3 += per_group(rin * gm * gm)
        self.cube_fix += per_group((gm + rin) ** 3 - rin**3)
        G, R = self.G[p_g], self.R[p_g]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.maximum(np.abs(GB / G - r_below / R), np.abs(GE / G - r_end / R))
        seg_g = p_g[seg_start]
        self.ks[seg_g] = np.maximum(
            self.ks[seg_g], np.maximum.reduceat(np.nan_to_num(d), seg_start)
        )
        # comparison mass between consecutive blocks of a group: weights of GE, GE^2
        prev_rend = np.empty_like(r_end)
        prev_ge = np.empty_like(GE)
        prev_rend[1:], prev_ge[1:] = r_end[:-1], GE[:-1]
        prev_rend[seg_start] = self.pend_rend[p_g[seg_start]]
        prev_ge[seg_start] = self.pend_ge[p_g[seg_start]]
        gap = r_end - prev_rend - rin  # comparison mass strictly between the two blocks...
        span = gap + rin  # ... and up to the current one (gb there is the previous GE)
        np.add.at(self.Sgb, p_g, prev_ge * span)
        np.add.at(self.Sgb2, p_g, prev_ge * prev_ge * span)
        last = np.append(seg_start[1:] - 1, p_g.size - 1)
        self.pend_ge[p_g[last]] = GE[last]
        self.pend_rend[p_g[last]] = r_end[last]
        self.carry_g[p_g[last]] = GE[last]

    def finish(self) -> None:
        tail = self.R - self.pend_rend  # comparison mass above the group's last block
        self.Sgb += self.pend_ge * tail
        self.Sgb2 += self.pend_ge * self.pend_ge * tail


def _stats(
    s: _ViewSums,
    g: int,
    g_sumsq: float,
    r_sumsq: float,
    cube_all: float,
    z: float,
    alpha: float,
) -> list[float]:
    """The columns of ``threshold_free`` for group ``g`` (as ``stats._auc_ks.compare_runs``)."""
    G, R = float(s.G[g]), float(s.R[g])
    n_g, n_r = G * G / g_sumsq, R * R / r_sumsq
    auc = s.A1[g] / (2.0 * R) / G
    sum_t2 = s.Q1[g] / (4.0 * R * R)
    s10 = (sum_t2 / G - auc * auc) * n_g / (n_g - 1) if n_g > 1 else np.nan
    c = 1.0 - auc
    P1 = 2.0 * s.Sgb[g] + s.C1[g]
    P2 = 4.0 * s.Sgb2[g] + 4.0 * s.C2[g] + s.C3[g]
    ss01 = c * c * R - c * P1 / G + P2 / (4.0 * G * G)
    s01 = ss01 / R * n_r / (n_r - 1) if n_r > 1 else np.nan
    var = s10 / n_g + s01 / n_r
    if np.isfinite(var) and var > 0 and 0.0 < auc < 1.0:
        se_logit = math.sqrt(var) / (auc * (1.0 - auc))
        lg = math.log(auc / (1.0 - auc))
        lo, hi = float(special.expit(lg - z * se_logit)), float(special.expit(lg + z * se_logit))
    else:
        lw, hg = D._wilson(np.array(auc), np.array(min(n_g, n_r)), z)
        lo, hi = float(lw), float(hg)
    n_all = n_g + n_r
    scale = n_all / (G + R)
    joint_cube = (s.cube_ref + s.cube_fix[g]) if s.ref is not None else cube_all
    tie_term = scale**3 * joint_cube - n_all
    mn = n_g * n_r
    var_u = mn / 12.0 * ((n_all + 1.0) - tie_term / (n_all * (n_all - 1.0)))
    num = mn * abs(auc - 0.5) - 0.5
    zu = num / math.sqrt(var_u) if var_u > 0 else (-np.inf if num <= 0 else np.inf)
    auc_p = min(1.0, 2.0 * float(special.ndtr(-zu)))
    ks = min(max(float(s.ks[g]), 0.0), 1.0)
    eps = math.sqrt(math.log(4.0 / alpha) / 2.0) * (1.0 / math.sqrt(n_g) + 1.0 / math.sqrt(n_r))
    se = math.sqrt(var) if np.isfinite(var) else np.nan
    return [auc, lo, hi, auc_p, ks, max(0.0, ks - eps), min(1.0, ks + eps), np.nan, se]


def add_threshold_free(
    eng: Any, lv: Any, disparities: pd.DataFrame, refs: list, population: Any, prep: Any
) -> tuple[pd.DataFrame, bool, str | None]:
    """AUC / KS columns for continuous scores, from one ordered pass over the engine."""
    t = prep.table
    keys = [c for c in t.columns if c.startswith("k")]
    weighted = "wt" in t.columns
    base = t.select("lv", *keys, *(["wt"] if weighted else []))
    aggs = {"n": base.count()}
    if weighted:
        aggs["w"] = base.wt.sum()
    grouped = base.group_by(["lv", *keys]).aggregate(**aggs)
    cell_n = lv.n.sum(axis=(0, 2))
    cell_w = lv.w.sum(axis=(0, 2)) if weighted else cell_n
    cell_w2 = lv.w2.sum(axis=(0, 2)) if weighted else cell_n
    total = float(cell_w.sum())
    sums = []
    for v, ref in zip(eng.views, refs, strict=True):
        G = v.sum_cells(cell_w)
        R = np.full(v.n_groups, G[ref]) if ref is not None else total - G
        sums.append(_ViewSums(v, ref, G, R))
        sums[-1].cells = lv.cells
    carry_tb = 0.0
    cube_all = 0.0
    held = None
    from scoreaudit.engines._sql_keys import _cells_of_keys

    rows_total, rows_done = int(cell_n.sum()), 0
    for batch in _ordered_batches(prep, grouped, keys, lv):
        frame = batch.to_pandas()
        rows_done += int(frame["n"].sum())
        advance("rank", rows_done, rows_total)
        if held is not None:
            frame = pd.concat([held, frame], ignore_index=True)
        s = frame["lv"].to_numpy(np.float64)
        if s.size == 0:
            continue
        cut = np.searchsorted(s, s[-1], side="left")  # the last score may go on
        held = frame.iloc[cut:]
        carry_tb, cube_all = _walk(frame.iloc[:cut], population, sums, weighted, carry_tb,
                                   cube_all, _cells_of_keys)  # fmt: skip
    if held is not None and len(held):
        carry_tb, cube_all = _walk(held, population, sums, weighted, carry_tb, cube_all,
                                   _cells_of_keys)  # fmt: skip
    z = D._z(eng.confidence)
    alpha = 1.0 - float(eng.confidence)
    frames = []
    for sv in sums:
        sv.finish()
        v = sv.v
        g_sumsq = v.sum_cells(cell_w2)
        rows = v.sum_cells(cell_n)
        out = np.full((v.n_groups, len(D.THRESHOLD_FREE_COLUMNS)), np.nan)
        r_sumsq = (
            np.full(v.n_groups, g_sumsq[sv.ref]) if sv.ref is not None else g_sumsq.sum() - g_sumsq
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            n_g, n_r = sv.G**2 / g_sumsq, sv.R**2 / r_sumsq
        for g in range(v.n_groups):
            if g == sv.ref or rows[g] == 0 or sv.R[g] <= 0:
                continue
            out[g] = _stats(sv, g, float(g_sumsq[g]), float(r_sumsq[g]), cube_all, z, alpha)
        _ks_p_values(out, sv, rows, weighted, prep, population, n_g, n_r)
        tf = pd.DataFrame(out, columns=D.THRESHOLD_FREE_COLUMNS)
        tf.insert(0, "group", list(v.labels))
        tf.insert(0, "attribute", v.name)
        frames.append(tf)
    tf_all = pd.concat(frames, ignore_index=True)
    out = disparities.merge(tf_all, on=["attribute", "group"], how="left", validate="1:1")
    return out, True, None


def _ordered_batches(prep: Any, grouped: Any, keys: list, lv: Any) -> Any:
    """The (score, keys) table in increasing score order, a bounded piece at a time.

    DuckDB streams one ordered query. Other engines (Spark...) return whole results, so the
    table is fetched slice by slice between consecutive exact cut-offs of the budget curve
    (about 1% of the rows each), every slice ordered by score.
    """
    if prep.source.dialect == "duckdb":
        yield from prep.source.batches(grouped.order_by(["lv", *keys]), _BATCH)
        return
    cut = np.sort(lv.values[lv.exact])  # increasing exact cut-offs
    edges = [None, *cut.tolist(), None]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        cond = None
        if lo is not None:
            cond = grouped.lv > lo
        if hi is not None:
            cond = (grouped.lv <= hi) if cond is None else cond & (grouped.lv <= hi)
        part = grouped if cond is None else grouped.filter(cond)
        table = prep.source.execute(part.order_by(["lv", *keys]))
        yield from table.to_batches(_BATCH)


def _walk(frame, population, sums, weighted, carry_tb, cube_all, cells_of_keys):
    if len(frame) == 0:
        return carry_tb, cube_all
    s = frame["lv"].to_numpy(np.float64)
    cell = cells_of_keys(population, frame, sums[0].cells)
    mass = frame["w" if weighted else "n"].to_numpy(np.float64)
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] != s[:-1]
    li = np.cumsum(new) - 1
    T = np.bincount(li, weights=mass)
    TB = carry_tb + np.cumsum(T) - T
    for sv in sums:
        sv.add(li, cell, mass, T, TB)
    return carry_tb + float(T.sum()), cube_all + float(np.sum(T**3))


def _ks_p_values(out, sv, rows, weighted, prep, population, n_g, n_r) -> None:
    """KS p-values: exact (scipy, the two samples fetched) or asymptotic, as in memory."""
    ks_stat = np.full(sv.v.n_groups, np.nan)
    ks_en = np.full(sv.v.n_groups, np.nan)
    for g in range(sv.v.n_groups):
        if not np.isfinite(out[g, 0]):
            continue
        n_r_rows = rows[sv.ref] if sv.ref is not None else rows.sum() - rows[g]
        if not weighted and rows[g] * n_r_rows <= D.KS_EXACT_MAX_PAIRS:
            x, y = _samples(prep, population, sv, g)
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out[g, 7] = float(stats.ks_2samp(x, y, method="exact").pvalue)
        else:
            ks_stat[g] = out[g, 4]
            ks_en[g] = n_g[g] * n_r[g] / (n_g[g] + n_r[g])
    D._ks_asymptotic(out, ks_stat, ks_en)


def _samples(prep, population, sv, g) -> tuple[np.ndarray, np.ndarray]:
    """Scores of group ``g`` and of its comparison rows (at most 10^6 pairs: small)."""
    import ibis

    from scoreaudit.engines._sql_keys import _cells_of_keys, cell_filter

    t = prep.table
    keys = [c for c in t.columns if c.startswith("k")]
    goc = sv.v.group_of_cell
    cells = np.flatnonzero((goc == g) | ((goc == sv.ref) if sv.ref is not None else True))
    sub = t.filter(cell_filter(population, t, sv.cells, cells) if cells.size < goc.size
                   else ibis.literal(True))  # fmt: skip
    sub = sub.select("lv", *keys)
    frame = prep.source.execute(sub.group_by(["lv", *keys]).aggregate(n=sub.count())).to_pandas()
    grp = goc[_cells_of_keys(population, frame, sv.cells)]
    s = frame["lv"].to_numpy(np.float64)
    n = frame["n"].to_numpy(np.int64)
    x = np.repeat(s[grp == g], n[grp == g])
    other = (grp == sv.ref) if sv.ref is not None else (grp != g)
    return x, np.repeat(s[other], n[other])
