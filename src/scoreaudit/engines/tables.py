"""Tables from sufficient statistics: per-cell sums -> groups, disparities, curve, power.

Shared by the in-memory audit (:mod:`scoreaudit.engines.memory`) and the engine audit
(:mod:`scoreaudit.engines.sql`), so both publish the same numbers from the same code.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import (
    Cells,
    Sums,
    View,
    rate_counts,
    weighted_rate,
)
from scoreaudit.core.references import Pairs
from scoreaudit.core.vocab import REST
from scoreaudit.core.warning import note, warning
from scoreaudit.data.population import Population
from scoreaudit.errors import ModelError, Num
from scoreaudit.results import AuditResult, interval_columns
from scoreaudit.selection.curve import budget_curve_counts, level_edge_counts
from scoreaudit.selection.policies import Ranking, Selection
from scoreaudit.selection.ties import lottery_ratio_range
from scoreaudit.stats import metrics as M

__all__ = ["tie_groups_of"]


def model_info(model: Any) -> dict[str, Any]:
    """The result's ``model_info``: the model's name, then what its ``to_dict()`` says.

    Examples
    --------
    >>> class M:
    ...     name = "card"
    ...     def to_dict(self):
    ...         return {"kind": "scorecard"}
    >>> model_info(M()), model_info(object())
    ({'name': 'card', 'kind': 'scorecard'}, {'name': 'object', 'kind': 'object'})
    """
    info = model.to_dict() if hasattr(model, "to_dict") else {"kind": type(model).__name__}
    if not isinstance(info, dict):
        info = {"kind": type(model).__name__}
    return {"name": str(getattr(model, "name", type(model).__name__)), **info}


def audit_result(
    population: Population,
    model: Any,
    policy: Any,
    *,
    warnings: list,
    min_cell: int,
    score_range: tuple[float, float] | None,
    **tables: Any,
) -> AuditResult:
    """An :class:`AuditResult` of ``model`` on ``population`` under ``policy``: the
    population's summary and the model's description added to the engine's ``tables``
    (groups, disparities, curve, selected, calibration, selection, config, scores).

    The warnings every engine ends with are added to ``warnings`` here, so that the engines
    cannot word or decide them differently: scores outside [0, 1] (``score_range``, their
    lowest and highest value, given when they are) once a calibration table has read them
    as probabilities, and a population smaller than two smallest publishable cells.
    """
    warnings = list(warnings)
    if score_range is not None and tables.get("calibration") is not None:
        lo, hi = score_range
        warnings.append(warning("scores_outside_unit", lo=float(lo), hi=float(hi)))
    if len(population) < 2 * min_cell:
        warnings.append(warning("small_population", n=len(population)))
    return AuditResult(
        population_summary=population.summary(),
        model_info=model_info(model),
        population=population,
        model=model,
        policy=policy,
        warnings=warnings,
        **tables,
    )


def with_kept_budgets(table: pd.DataFrame, curve: pd.DataFrame, count: int) -> pd.DataFrame:
    """``table`` (a curve at tie-block edges) with ``curve``'s rows selecting the audit's
    ``count`` of files when it lacks them (such a budget keeps the curve's own counts even
    inside a tie block), rows by attribute, then files selected, as the curve gives them."""
    if (table["n_selected"].to_numpy(float) == count).any():
        return table
    extra = curve[curve["n_selected"].to_numpy(float) == count]
    if extra.empty:
        return table
    out = pd.concat([table, extra], ignore_index=True)
    attr = pd.Categorical(out["attribute"], categories=pd.unique(curve["attribute"]))
    order = np.lexsort((out["n_selected"].to_numpy(float), attr.codes))
    return out.iloc[order].reset_index(drop=True)


def tie_groups_of(cells: Cells, labels: np.ndarray | None) -> tuple[int, np.ndarray]:
    """Groups among which tied files are allocated: finest cell x label (0, 1, missing).

    Returns ``(n_labels, code)`` with ``code = cell * n_labels + label`` per row (``n_labels``
    is 1 without labels): the group order of :mod:`scoreaudit.selection.ties`.
    """
    if labels is None:  # the cells themselves (a small integer type: no copy of the rows)
        return 1, cells.cell
    cell = cells.cell.astype(np.int64)
    lab = np.where(np.isfinite(labels), labels, 2).astype(np.int64)
    return 3, cell * 3 + lab


def declares_probabilities(model: Any) -> bool:
    """True for models whose scores are probabilities by construction or declaration.

    A logistic scorecard, an estimator scored with ``predict_proba`` and a
    ``ScoreColumn(..., probability=True)``.
    """
    return (
        getattr(model, "probability", False) is True
        or getattr(model, "link", None) == "logistic"
        or getattr(model, "method", None) == "predict_proba"
    )


def _check_probabilities(
    model: Any, name: str, scores: np.ndarray, distinct: np.ndarray | None = None
) -> tuple[float, float] | None:
    """Raise when a probability model gives a score outside [0, 1]; when another model
    does, the lowest and highest score (None when every score is inside).

    ``distinct`` (the distinct scores, when known) is looked at instead of every row; the
    rows are read only to name the first one outside.
    """
    probe = scores if distinct is None else distinct
    if probe.size == 0:
        return None
    lo, hi = float(probe.min()) + 0.0, float(probe.max()) + 0.0  # (+ 0.0: no "-0" shown)
    if lo >= 0 and hi <= 1:
        return None
    outside = (scores < 0) | (scores > 1)
    if declares_probabilities(model):
        pos = int(np.flatnonzero(outside)[0])
        raise ModelError.from_key(
            "err_model_probabilities",
            name=name,
            n=int(outside.sum()),
            value=Num(float(scores[pos]), ".6g"),
            pos=pos,
        )
    return lo, hi


def _join_groups(disparities: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """``extra``'s columns added to the disparities by (attribute, group): a left merge, or
    the columns side by side when both tables list the comparisons in the same order (the
    audit builds them so; the merge then gives the same table, slower)."""
    keys = ["attribute", "group"]
    if (
        isinstance(disparities.index, pd.RangeIndex)
        and disparities.index.start == 0
        and disparities.index.step == 1
        and len(extra) == len(disparities)
        and all(np.array_equal(disparities[k].to_numpy(), extra[k].to_numpy()) for k in keys)
    ):
        added = extra.drop(columns=keys).set_axis(disparities.index)
        return pd.concat([disparities, added], axis=1)
    return disparities.merge(extra, on=keys, how="left", validate="1:1")


class _Engine:
    """Sufficient statistics of one audit, and the tables derived from them."""

    def __init__(
        self,
        population: Population,
        cells: Cells,
        views: list[View],
        scores: np.ndarray,
        selected: np.ndarray,
        weights: np.ndarray | None,
        confidence: float,
        min_cell: int,
        selection: Selection | None = None,
        ranking: Ranking | None = None,
    ) -> None:
        self.cells, self.views = cells, views
        self.scores, self.selected, self.weights = scores, selected, weights
        self.confidence, self.min_cell = confidence, int(min_cell)
        self.labels = population.labels
        cell, C = cells.cell, cells.n_cells
        self.block_counts = None
        if ranking is not None and ranking.blocks is not None and weights is None:
            # rows per (distinct score, cell): the base counts, the score sums, and the
            # AUC/KS without rows (the ranking's table when the cells are its tie groups)
            self.block_counts = ranking.level_counts(cell, C)
            n = self.block_counts.sum(axis=0).astype(float)
            self.base = Sums(n, n, n)
        else:
            self.base = Sums.of(cell, C, None, weights)
        f = None if selection is None else selection.tied_fraction
        if f is None:
            sel_of = lambda m: Sums.of(cell, C, selected if m is None else selected & m, weights)  # noqa: E731
        else:  # weighted tie block: every tied file counts with the fraction f
            above = scores > selection.cutoff
            tied = scores == selection.cutoff

            def sel_of(m):
                a, t = (above, tied) if m is None else (above & m, tied & m)
                return Sums.of(cell, C, a, weights) + Sums.of(cell, C, t, weights).scale(f)

        from_levels = self._selected_from_levels(selection, ranking)
        self.sel = sel_of(None) if from_levels is None else from_levels
        if self.block_counts is not None:
            assert ranking is not None and ranking.blocks is not None
            self.block_values = ranking.blocks.values
            self.score_sum = (self.block_counts * ranking.blocks.values[:, None]).sum(axis=0)
        elif ranking is not None:  # summed in score order: the same floats in any row order
            o = ranking.order
            w = ranking.sorted_scores if weights is None else ranking.sorted_scores * weights[o]
            self.score_sum = np.bincount(ranking.ranked(cell), weights=w, minlength=C)
        else:
            w = scores if weights is None else scores * weights
            self.score_sum = np.bincount(cell, weights=w, minlength=C)
        if self.labels is not None:
            lab = np.isfinite(self.labels)
            pos = lab & (self.labels == 1)
            neg = lab & (self.labels == 0)
            self.lab = Sums.of(cell, C, lab, weights)
            self.pos = Sums.of(cell, C, pos, weights)
            self.neg = Sums.of(cell, C, neg, weights)
            self.sel_lab = sel_of(lab)
            self.sel_pos = sel_of(pos)
            self.sel_neg = sel_of(neg)
        self._by_view()

    def _selected_from_levels(
        self, selection: Selection | None, ranking: Ranking | None
    ) -> Sums | None:
        """Selected files per cell from the rows per (score level, cell): every level above
        the cut-off, and the tied rows the policy selected (the same counts as the selected
        rows' cells, without reading every row's cell). None when that does not apply."""
        if self.block_counts is None or selection is None:
            return None
        if selection.selected is not self.selected:
            return None
        assert ranking is not None and ranking.blocks is not None
        level = ranking.blocks.level_of(selection.cutoff)
        if level is None:
            return None
        tied = ranking.blocks.rows_at(level)
        tied = tied[self.selected[tied]]
        n = self.block_counts[:level].sum(axis=0)
        n = (n + np.bincount(self.cells.cell[tied], minlength=self.cells.n_cells)).astype(float)
        return Sums(n, n, n)

    def _by_view(self) -> None:
        views = self.views
        self.base_by_view = {
            v.name: self.base.aggregate(v.group_of_cell, v.n_groups) for v in views
        }
        self.selected_by_view = {
            v.name: self.sel.aggregate(v.group_of_cell, v.n_groups).n for v in views
        }

    @classmethod
    def from_sums(
        cls,
        cells: Cells,
        views: list[View],
        base: Sums,
        sel: Sums,
        score_sum: np.ndarray,
        confidence: float,
        min_cell: int,
    ) -> _Engine:
        """An engine from per-cell counts alone (no rows: the out-of-core audit)."""
        self = cls.__new__(cls)
        self.cells, self.views = cells, views
        self.scores = self.selected = self.weights = self.labels = None
        self.confidence, self.min_cell = confidence, int(min_cell)
        self.base, self.sel, self.score_sum = base, sel, score_sum
        self._by_view()
        return self

    def _agg(self, sums: Sums, v: View) -> Sums:
        return sums.aggregate(v.group_of_cell, v.n_groups)

    def _rate_cols(self, prefix: str, event: Sums, base: Sums) -> dict[str, np.ndarray]:
        rate, n_eff, x = rate_counts(event, base)
        low, high = M.wilson_interval(x, n_eff, self.confidence)
        return {prefix: rate, f"{prefix}_low": low, f"{prefix}_high": high}

    # -- groups -------------------------------------------------------------------------
    def groups_table(self) -> pd.DataFrame:
        frames = []
        weighted = self.weights is not None
        total_w = self.base.w.sum()
        for v in self.views:
            base, sel = self._agg(self.base, v), self._agg(self.sel, v)
            cols: dict[str, Any] = {
                "attribute": v.name,
                "group": list(v.labels),
                "n": base.n.astype(np.int64),
                "share": base.w / total_w,
                "selected": np.rint(sel.n).astype(np.int64),
            }
            if weighted:
                cols.update(weight=base.w, n_effective=base.n_eff, selected_weight=sel.w)
            cols.update(self._rate_cols("selection_rate", sel, base))
            cols["mean_score"] = (
                np.bincount(v.group_of_cell, weights=self.score_sum, minlength=v.n_groups) / base.w
            )
            if self.labels is not None:
                lab, pos, neg = (
                    self._agg(self.lab, v),
                    self._agg(self.pos, v),
                    self._agg(self.neg, v),
                )
                sel_lab, sel_pos = self._agg(self.sel_lab, v), self._agg(self.sel_pos, v)
                sel_neg = self._agg(self.sel_neg, v)
                cols["controlled_with_label"] = lab.n.astype(np.int64)
                cols["positives"] = pos.n.astype(np.int64)
                cols.update(self._rate_cols("positive_rate", pos, lab))
                cols["selected_with_label"] = np.rint(sel_lab.n).astype(np.int64)
                cols.update(self._rate_cols("precision", sel_pos, sel_lab))
                cols.update(self._rate_cols("tpr", sel_pos, pos))
                cols.update(self._rate_cols("fpr", sel_neg, neg))
                tpr = cols["tpr"]
                cols["fnr"] = 1 - tpr
                cols["fnr_low"] = 1 - cols["tpr_high"]
                cols["fnr_high"] = 1 - cols["tpr_low"]
            cols["small_cell"] = (base.n < self.min_cell) | (sel.n < self.min_cell)
            frames.append(pd.DataFrame(cols))
        return pd.concat(frames, ignore_index=True)

    # -- disparities --------------------------------------------------------------------
    def _pairs(
        self, v: View, ref: int | None
    ) -> tuple[np.ndarray, Sums, Sums, Sums, Sums, list[str]]:
        base, sel = self._agg(self.base, v), self._agg(self.sel, v)
        pairs = Pairs(v.labels, ref)
        idx, labels = pairs.groups, pairs.reference_labels
        if ref is None:
            tb, ts = base.total(), sel.total()
            return idx, base, sel, tb - base, ts - sel, labels
        r = np.full(idx.size, ref)
        return idx, base.take(idx), sel.take(idx), base.take(r), sel.take(r), labels

    def disparities_table(self, refs: list, correction: str) -> pd.DataFrame:
        frames = []
        for v, ref in zip(self.views, refs, strict=True):
            idx, b1, s1, b0, s0, ref_labels = self._pairs(v, ref)
            p1, n1, x1 = rate_counts(s1, b1)
            p0, n0, x0 = rate_counts(s0, b0)
            ratio_ci = M.katz_ratio_interval(x1, n1, x0, n0, self.confidence)
            diff_ci = M.newcombe_difference_interval(x1, n1, x0, n0, self.confidence)
            ratio = ratio_ci[0]
            p, test = M.two_proportion_p_value(x1, n1, x0, n0, exact=self.weights is None)
            with np.errstate(divide="ignore", invalid="ignore"):
                low_over_high = np.minimum(ratio, 1 / ratio)
            notes = np.where(
                p0 == 0,
                np.where(p1 == 0, note("none_selected"), note("reference_none_selected")),
                "",
            )
            small = (
                (b1.n < self.min_cell)
                | (s1.n < self.min_cell)
                | (b0.n < self.min_cell)
                | (s0.n < self.min_cell)
            )
            frames.append(
                pd.DataFrame(
                    {
                        "attribute": v.name,
                        "group": [v.labels[i] for i in idx],
                        "reference": ref_labels,
                        "n": b1.n.astype(np.int64),
                        "reference_n": b0.n.astype(np.int64),
                        "selection_rate": p1,
                        "reference_rate": p0,
                        **interval_columns(ratio_ci, diff_ci),
                        "test": test,
                        "p_value": p,
                        "below_four_fifths": np.nan_to_num(low_over_high, nan=1.0) < 0.8,
                        "small_cell": small,
                        "note": notes,
                        "_n_eff": n1,
                        "_ref_n_eff": n0,
                        # one test per non-reference group; a binary attribute is one test
                        "_test_key": M.comparison_family(
                            np.full(idx.size, v.name, dtype=object),
                            [v.labels[i] for i in idx],
                            np.full(idx.size, v.n_groups),
                        ),
                    }
                )
            )
        out = pd.concat(frames, ignore_index=True)
        keys = out["_test_key"].to_numpy()
        _, first = np.unique(keys.astype(str), return_index=True)
        adjusted = M.adjust_family(out["p_value"].to_numpy(), keys, correction)
        out.insert(out.columns.get_loc("p_value") + 1, "p_adjusted", adjusted)
        alpha = 1 - self.confidence
        out.insert(out.columns.get_loc("p_adjusted") + 1, "significant", out["p_adjusted"] < alpha)
        m = int(np.isfinite(out["p_value"].to_numpy()[first]).sum())
        out = _add_power(out, alpha, correction, m)
        return out.drop(columns=["_n_eff", "_ref_n_eff", "_test_key"])

    # -- range of the ratios under a lottery of the tie block ---------------------------------
    def add_lottery_range(
        self,
        disparities: pd.DataFrame,
        refs: list,
        selection: Any,
        counts: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> pd.DataFrame:
        """``ratio_lottery_low`` / ``_high``: 2.5% and 97.5% quantiles of every ratio when the
        files tied at the cut-off are drawn by a fair lottery instead of allocated
        proportionally (:func:`scoreaudit.selection.ties.lottery_ratio_range`).

        NaN when no lottery decides anything (no tie block split by the cut-off, a threshold,
        ``ties="all"``) and with row weights. ``counts`` gives the files above and at the cut-off
        per finest cell when the rows are not in memory (the engine audit).
        """
        m, r = int(selection.tied_at_cutoff), int(selection.tied_selected)
        C = self.cells.n_cells
        split = self.weights is None and 0 < r < m
        split = split and (counts is not None or self.scores is not None)
        if split and counts is not None:
            above_c, tied_c = counts
        elif split and self.block_counts is not None:  # rows per (score level, cell)
            above_c = self.block_counts[self.block_values > selection.cutoff].sum(axis=0)
            tied_c = self.block_counts[self.block_values == selection.cutoff].sum(axis=0)
        elif split:
            above_c = np.bincount(self.cells.cell[self.scores > selection.cutoff], minlength=C)
            tied_c = np.bincount(self.cells.cell[self.scores == selection.cutoff], minlength=C)
        frames = []
        for v, ref in zip(self.views, refs, strict=True):
            idx = np.arange(v.n_groups) if ref is None else np.delete(np.arange(v.n_groups), ref)
            low = high = np.full(idx.size, np.nan)
            if split:
                a, t = v.sum_cells(above_c), v.sum_cells(tied_c)
                n = self._agg(self.base, v).n.astype(np.int64)
                if ref is None:
                    a_r, t_r, n_r = a.sum() - a, t.sum() - t, n.sum() - n
                else:
                    a_r, t_r, n_r = (np.full(idx.size, x[ref]) for x in (a, t, n))
                    a, t, n = a[idx], t[idx], n[idx]
                low, high = lottery_ratio_range(
                    a, t, n, a_r, t_r, n_r, m, r, rest=ref is None,
                    q=((1 - self.confidence) / 2, (1 + self.confidence) / 2),
                )  # fmt: skip
            frames.append(
                pd.DataFrame(
                    {
                        "attribute": v.name,
                        "group": [v.labels[i] for i in idx],
                        "ratio_lottery_low": low,
                        "ratio_lottery_high": high,
                    }
                )
            )
        out = _join_groups(disparities, pd.concat(frames, ignore_index=True))
        cols = [c for c in out.columns if c not in ("ratio_lottery_low", "ratio_lottery_high")]
        at = cols.index("ratio_high") + 1
        return out[cols[:at] + ["ratio_lottery_low", "ratio_lottery_high"] + cols[at:]]

    # -- bootstrap ---------------------------------------------------------------------------
    def add_bootstrap(
        self, disparities: pd.DataFrame, refs: list, samples: int, seed: int | None
    ) -> pd.DataFrame:
        """Percentile intervals of every ratio from Jeffreys-smoothed draws of the cells' rates.

        Each finest cell's selection rate is drawn from ``Beta(x + 1/2, n - x + 1/2)`` (its
        Jeffreys posterior: ``x`` selected of ``n``), and every group, reference and "rest"
        sums ``n_cell x rate`` over its cells from the same draw. Unlike a plain parametric
        bootstrap ``Binomial(n, x / n)``, a cell with 0 or all files selected still varies, so
        its interval never collapses to a point (see benchmarks/coverage_bootstrap.py).
        """
        rng = np.random.default_rng(seed)
        n_cell = self.base.n
        x_cell = self.sel.n
        draws = rng.beta(
            (x_cell + 0.5)[None, :], (n_cell - x_cell + 0.5)[None, :], size=(samples, n_cell.size)
        )
        draws *= n_cell[None, :]  # expected selected files per cell, (B, cells)
        alpha = 1 - self.confidence
        frames = []
        for v, ref in zip(self.views, refs, strict=True):
            x = v.sum_cells(draws)  # (B, G) selected files per group (smoothed)
            n = self.base.aggregate(v.group_of_cell, v.n_groups).n
            pairs = Pairs(v.labels, ref)
            idx = pairs.groups
            x0, n0 = pairs.reference_side(x, axis=1), pairs.reference_side(n)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = (x[:, idx] / n[idx]) / (x0 / n0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # 0 / 0 samples: NaN
                low = np.nanquantile(ratio, alpha / 2, axis=0, method="lower")
                high = np.nanquantile(ratio, 1 - alpha / 2, axis=0, method="higher")
            frames.append(
                pd.DataFrame(
                    {
                        "attribute": v.name,
                        "group": [v.labels[i] for i in idx],
                        "ratio_boot_low": low,
                        "ratio_boot_high": high,
                    }
                )
            )
        boot = pd.concat(frames, ignore_index=True)
        out = _join_groups(disparities, boot)
        cols = list(out.columns)
        at = cols.index("ratio_high") + 1
        cols = (
            cols[:at]
            + ["ratio_boot_low", "ratio_boot_high"]
            + [c for c in cols[at:] if c not in ("ratio_boot_low", "ratio_boot_high")]
        )
        return out[cols]

    # -- threshold-free measures ----------------------------------------------------------
    def add_threshold_free(
        self, disparities: pd.DataFrame, refs: list, ranking: Ranking
    ) -> pd.DataFrame:
        from scoreaudit.stats import distribution as D

        # No second sort: the policy's ranking read backwards has the same tie blocks. With
        # few distinct scores and no weights, counts per (score, cell) are all that is needed.
        blocks = ranking.blocks
        if blocks is not None and self.weights is None:
            # the ranking's table of rows per (score level, cell), counted once
            counts = ranking.level_counts(self.cells.cell, self.cells.n_cells)[::-1]
            return self.add_threshold_free_counts(disparities, refs, blocks.values[::-1], counts)
        dist_rank = D.ranking_from_descending(
            ranking.order,
            ranking.sorted_scores,
            exact_order=self.weights is not None,
            ascending_code=None if blocks is None else blocks.ascending_code(),
        )
        # the finest cells in ranked order once (one random gather of the rows), then each
        # attribute's groups from them (a lookup in a small table, in memory order)
        if self.weights is None:  # dist_rank.order is the ranking's order read backwards
            ranked_cells = ranking.ranked(self.cells.cell)[::-1]
        else:
            ranked_cells = self.cells.cell[dist_rank.order]
        frames = []
        for v, ref in zip(self.views, refs, strict=True):
            tf = D.threshold_free(
                dist_rank,
                v.codes_of(ranked_cells),
                v.n_groups,
                ref,
                weights=self.weights,
                confidence=self.confidence,
                in_order=True,
            )
            frames.append(_label_tf(tf, v, ref))
        tf_all = pd.concat(frames, ignore_index=True)
        return _join_groups(disparities, tf_all)

    def add_threshold_free_counts(
        self, disparities: pd.DataFrame, refs: list, values: np.ndarray, counts: np.ndarray
    ) -> pd.DataFrame:
        """Threshold-free measures from rows per (distinct score, cell), unweighted.

        ``values`` are the distinct scores in increasing order, ``counts`` their
        ``(D, n_cells)`` row counts.
        """
        from scoreaudit.stats import distribution as D

        frames = []
        for v, ref in zip(self.views, refs, strict=True):
            g_counts = v.sum_cells(counts.astype(np.int64))
            tf = D.threshold_free_counts(values, g_counts, ref, confidence=self.confidence)
            frames.append(_label_tf(tf, v, ref))
        tf_all = pd.concat(frames, ignore_index=True)
        return _join_groups(disparities, tf_all)

    # -- budget curve ------------------------------------------------------------------
    def curve_table(self, refs: list, ranking: Ranking, grid: np.ndarray) -> pd.DataFrame:
        """The budget curve; tied files at each budget treated as the policy treats them."""
        counts, sel_n, sel_w, realised = budget_curve_counts(
            ranking,
            self.tie_groups,
            self.cells.n_cells,
            self.n_labels,
            grid,
            self.weights,
            self.random_state,
        )
        return self.curve_table_from_counts(refs, grid, counts, sel_n, sel_w, realised)

    def curve_at_levels(
        self, refs: list, ranking: Ranking, grid: np.ndarray, curve: pd.DataFrame, count: int
    ) -> pd.DataFrame:
        """The curve with each budget that cuts a tie block moved to the block's nearer edge
        (:func:`scoreaudit.selection.curve.level_edge_counts`); ``curve`` itself when none
        does. A budget selecting the audit's ``count`` stays: the groups table publishes it."""
        edges = level_edge_counts(
            ranking, self.cells.cell, self.cells.n_cells, grid, count, self.weights
        )
        if edges is None:
            return curve
        rows, k, moved, sel_n, sel_w = edges
        table = self.edge_table(refs, grid[rows], k, moved, sel_n, sel_w, ranking.total_weight)
        return with_kept_budgets(table, curve, count)

    def edge_table(
        self,
        refs: list,
        grid: np.ndarray,
        k: np.ndarray,
        moved: np.ndarray,
        sel_n: np.ndarray,
        sel_w: np.ndarray,
        total_w: float,
    ) -> pd.DataFrame:
        """Curve rows at tie-block edges: a moved row's budget is the share it realises
        (of the files, or of the weight: ``total_w``)."""
        chosen = k if self.weights is None else sel_w.sum(axis=1)
        realised = chosen / total_w if total_w > 0 else np.zeros(k.size)
        budget = np.where(moved, realised, grid)
        return self.curve_table_from_counts(refs, budget, k, sel_n, sel_w, realised)

    def curve_table_from_counts(
        self,
        refs: list,
        grid: np.ndarray,
        counts: np.ndarray,
        sel_n: np.ndarray,
        sel_w: np.ndarray,
        realised: np.ndarray,
    ) -> pd.DataFrame:
        """The curve table from the selected rows (and weight) per (budget, cell)."""
        frames = []
        B = grid.size
        for v, ref in zip(self.views, refs, strict=True):
            g_n = v.sum_cells(sel_n)  # (B, G)
            g_w = g_n if self.weights is None else v.sum_cells(sel_w)
            base = self._agg(self.base, v)
            G = v.n_groups
            # effective sizes per group (weights): Kish n_eff of the whole group
            n_eff = np.broadcast_to(base.n_eff if self.weights is not None else base.n, (B, G))
            # exactly 0 or 1 when the counts say so: the same on every summation order
            rate = weighted_rate(g_w, base.w[None, :], g_n, base.n[None, :])
            x = rate * n_eff
            low, high = M.wilson_interval(x, n_eff, self.confidence)
            if ref is None:
                rest_w = base.w.sum() - base.w
                ref_rate = weighted_rate(
                    g_w.sum(axis=1, keepdims=True) - g_w,
                    rest_w[None, :],
                    g_n.sum(axis=1, keepdims=True) - g_n,
                    (base.n.sum() - base.n)[None, :],
                )
                rest_n = (
                    base.n.sum() - base.n
                    if self.weights is None
                    else (base.w.sum() - base.w) ** 2 / (base.w2.sum() - base.w2)
                )
                ref_n = np.broadcast_to(rest_n, (B, G))
                ref_labels = [REST] * G
            else:
                ref_rate = np.broadcast_to(rate[:, [ref]], (B, G))
                ref_n = np.broadcast_to(n_eff[:, [ref]], (B, G))
                ref_labels = [v.labels[ref]] * G
            ratio, rlo, rhi = M.katz_ratio_interval(
                x, n_eff, ref_rate * ref_n, ref_n, self.confidence
            )
            if ref is not None:  # the reference against itself: ratio 1, no interval
                rlo[:, ref] = np.nan
                rhi[:, ref] = np.nan
            frames.append(
                pd.DataFrame(
                    {
                        "budget": np.repeat(grid, G),
                        "realised_share": np.repeat(realised, G),
                        "n_selected": np.repeat(counts, G),
                        "attribute": v.name,
                        "group": np.tile(np.array(v.labels, dtype=object), B),
                        "reference": np.tile(np.array(ref_labels, dtype=object), B),
                        "selected": np.rint(g_n.ravel()).astype(np.int64),
                        "selection_rate": rate.ravel(),
                        "selection_rate_low": low.ravel(),
                        "selection_rate_high": high.ravel(),
                        "ratio": ratio.ravel(),
                        "ratio_low": rlo.ravel(),
                        "ratio_high": rhi.ravel(),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    # -- calibration ---------------------------------------------------------------------
    def calibration_table(self, bins: int) -> pd.DataFrame:
        from scoreaudit.stats import distribution as D

        frames = []
        for v in self.views:
            if len(v.members) > 1:
                continue
            cal = D.calibration_by_group(
                self.scores,
                v.row_codes(self.cells),
                v.n_groups,
                self.labels,
                weights=self.weights,
                bins=bins,
            )
            cal = cal.copy()
            cal["group"] = [v.labels[int(g)] for g in cal["group"]]
            cal.insert(0, "attribute", v.name)
            frames.append(cal)
        return pd.concat(frames, ignore_index=True)


def _label_tf(tf: pd.DataFrame, v: View, ref: int | None) -> pd.DataFrame:
    """Threshold-free table of a view with its attribute and group labels, without the
    reference group's own row (it has no comparison)."""
    tf = tf.reset_index(drop=True)
    tf.insert(0, "group", list(v.labels))
    tf.insert(0, "attribute", v.name)
    return tf if ref is None else tf.drop(index=ref)


def _add_power(table: pd.DataFrame, alpha: float, correction: str, m: int) -> pd.DataFrame:
    """Minimum detectable disparities beside every comparison (80% power, ``m`` tests).

    ``min_detectable_ratio`` (> 1) and ``min_detectable_difference`` (> 0): the smallest
    increase of the group's rate over the reference's that the audit's test would detect;
    ``min_detectable_ratio_decrease`` (< 1): the largest ratio below 1 it would detect
    (quote its inverse when the comparison is read the other way round).
    """
    from scoreaudit.stats import power

    n1 = table["_n_eff"].to_numpy(float)
    n0 = table["_ref_n_eff"].to_numpy(float)
    p0 = table["reference_rate"].to_numpy(float)
    # undefined when the reference rate is 0 or 1 (no ratio can be tested against it)
    ok = (n1 > 0) & (n0 > 0) & (p0 > 0) & (p0 < 1)
    ratio = np.full(len(table), np.nan)
    diff = np.full(len(table), np.nan)
    decrease = np.full(len(table), np.nan)
    if ok.any():
        kw: dict[str, Any] = {"alpha": alpha, "power": 0.8, "comparisons": max(m, 1)}
        res = power.minimum_detectable(n1[ok], n0[ok], p0[ok], correction=correction, **kw)
        ratio[ok] = np.asarray(res.ratio, dtype=float)
        diff[ok] = np.asarray(res.difference, dtype=float)
        res = power.minimum_detectable(
            n1[ok], n0[ok], p0[ok], correction=correction, direction="decrease", **kw
        )
        decrease[ok] = np.asarray(res.ratio, dtype=float)
    table = table.copy()
    table["min_detectable_ratio"] = ratio
    table["min_detectable_difference"] = diff
    table["min_detectable_ratio_decrease"] = decrease
    return table
