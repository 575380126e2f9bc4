"""Compared groups and their ratios for any selection; the selection itself, fast when exact."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoreaudit.core.cells import Cells, Sums, View, rate_counts
from scoreaudit.core.references import Pairs
from scoreaudit.stats import metrics as M

# =============================================================================================
# Comparisons: per-cell selected counts -> ratios of every compared group
# =============================================================================================


class _Comparisons:
    """The compared groups of some views, and their ratios for any selection."""

    def __init__(
        self,
        cells: Cells,
        views: list[View],
        refs: list[int | None],
        weights: np.ndarray | None,
        confidence: float,
    ) -> None:
        self.cells, self.views, self.refs = cells, views, refs
        self.weights, self.confidence = weights, confidence
        self.C = cells.n_cells
        self.base = Sums.of(cells.cell, self.C, None, weights)
        attr, grp, ref, self._spec = [], [], [], []
        for v, r in zip(views, refs, strict=True):
            pairs = Pairs(v.labels, r)
            idx = pairs.groups
            self._spec.append((v, r, idx))
            attr += [v.name] * idx.size
            grp += pairs.group_labels
            ref += pairs.reference_labels
        self.keys = pd.DataFrame({"attribute": attr, "group": grp, "reference": ref})

    def cell_sums(self, selected: np.ndarray) -> Sums:
        return Sums.of(self.cells.cell, self.C, selected, self.weights)

    def _pairs(self, sel: Sums) -> tuple[np.ndarray, ...]:
        x1s, n1s, x0s, n0s, p1s, p0s = [], [], [], [], [], []
        for v, r, idx in self._spec:
            base = self.base.aggregate(v.group_of_cell, v.n_groups)
            s = sel.aggregate(v.group_of_cell, v.n_groups)
            if r is None:
                b1, s1 = base, s
                b0, s0 = base.total() - base, s.total() - s
            else:
                b1, s1 = base.take(idx), s.take(idx)
                rr = np.full(idx.size, r)
                b0, s0 = base.take(rr), s.take(rr)
            p1, n1, x1 = rate_counts(s1, b1)
            p0, n0, x0 = rate_counts(s0, b0)
            x1s.append(x1), n1s.append(n1), x0s.append(x0), n0s.append(n0)
            p1s.append(p1), p0s.append(p0)
        return tuple(
            np.concatenate(a) if a else np.zeros(0) for a in (x1s, n1s, x0s, n0s, p1s, p0s)
        )

    def ratios(self, sel: Sums) -> dict[str, np.ndarray]:
        x1, n1, x0, n0, p1, p0 = self._pairs(sel)
        ratio, low, high = M.katz_ratio_interval(x1, n1, x0, n0, self.confidence)
        return {
            "rate": p1,
            "reference_rate": p0,
            "ratio": ratio,
            "ratio_low": low,
            "ratio_high": high,
            "difference": p1 - p0,
        }

    def group_means(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weighted means of one per-row array: (group mean, reference mean) per comparison."""
        w = self.weights
        cell_sum = np.bincount(
            self.cells.cell, weights=values if w is None else values * w, minlength=self.C
        )
        g_means, r_means = [], []
        for v, r, idx in self._spec:
            gs = np.bincount(v.group_of_cell, weights=cell_sum, minlength=v.n_groups)
            gw = self.base.aggregate(v.group_of_cell, v.n_groups).w
            if r is None:
                g_means.append(gs / gw)
                r_means.append((gs.sum() - gs) / (gw.sum() - gw))
            else:
                g_means.append(gs[idx] / gw[idx])
                r_means.append(np.full(idx.size, gs[r] / gw[r]))
        if not g_means:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(g_means), np.concatenate(r_means)


def _mean_sums(items: list[Sums]) -> Sums:
    if len(items) == 1:
        return items[0]
    k = len(items)
    n = sum(s.n for s in items) / k
    if not items[0].weighted:
        return Sums(n, n, n)
    return Sums(n, sum(s.w for s in items) / k, sum(s.w2 for s in items) / k, True)
