"""Explaining a disparity: which inputs carry it, and what a counterfactual file would get.

Finding that a group is controlled more often is half of an audit; this module gives the other
half, beside the audit flow, on the audit's own (population, model, policy):

* :func:`explain` (also ``result.explain()``) returns an :class:`Explanation` with four tidy
  tables:

  ``decomposition``
      Additive models only (a model with ``contributions(frame)``, e.g. a
      :class:`~scoreaudit.models.Scorecard`): the gap in *mean linear predictor* between each
      group and its reference, split into one part per term. The parts sum to the gap of the
      mean linear predictor (exactly, to rounding: 1e-9). Beside each part, the share of the
      *selection-rate* gap at the budget that disappears when that term is neutralised.
  ``neutralisation``
      Any model: for each input (or named set of inputs) and each compared group, the
      selection-rate ratio at the audit's policy before and after *neutralising* the input,
      with Katz intervals, the change, and a rank (1 = the input whose neutralisation brings
      the ratio closest to 1).
  ``proxies``
      For each model input and protected attribute: how well the input alone predicts the
      attribute (AUC) and an association measure (Cramér's V or normalised mutual
      information), ranked.
  ``protected_neutralised``
      How much of each disparity remains when the protected attribute itself is neutralised.
      For a model that does not read the attribute (CNAM: "aucune variable relative au sexe"),
      all of it remains: the disparity travels through other inputs.

* :func:`counterfactual`: paired (Rotterdam-style) testing: copy every file, set the protected
  attribute (and the inputs it implies) to each value, re-score, compare with the original.
* :func:`score_personas`: archetypal files scored and placed on the population's distribution.

Neutralising an input
---------------------
The input's column is replaced, then the population is re-scored and re-selected with the same
policy (same budget, same tie rule and seed), and group selection rates are recomputed:

``"permute"`` (default)
    The column's values are shuffled across rows (within each stratum of ``stratum`` when
    given): the input keeps its population distribution (within the stratum) but loses its
    link with everything else, the protected attributes included. Columns of a named input set
    are shuffled with the same permutation, so the set keeps its joint distribution.
``"marginal"``
    Every row draws a value independently from the column's distribution (with the row weights,
    within the stratum when given), i.e. a bootstrap draw.
``"fixed"``
    Every row gets the same value: ``fixed[column]`` when given, else the most frequent value
    for categorical / few-valued columns (at most 20 distinct values) and the median otherwise.

``"permute"`` and ``"marginal"`` are random: ``random_state`` seeds them and ``n_repeats``
averages the selected counts over that many draws (the spread of the ratio over draws is
reported as ``ratio_after_sd``). The same draw is used for every input (common random numbers),
so inputs are compared on equal terms. The intervals after neutralisation are Katz intervals
on the (averaged) counts, conditional on the draw: they describe the sampling uncertainty of
the population, not the randomness of the neutralisation.

Performance: the audit's group codes are reused (per-cell counts with :func:`numpy.bincount`,
then summed to every attribute and intersection with :func:`scoreaudit.core.cells.build_views`); no
full audit is run per input. For a :class:`~scoreaudit.models.Scorecard`, the contributions of
every term are computed once; neutralising an input replaces only the contributions of the
terms that read it (a permuted copy of the column when the term reads only neutralised inputs,
a re-evaluation of that term alone for an interaction with another input). The link is
monotone, so the selection at a budget depends only on the linear predictor; the link is still
applied (it is cheap) so that the ties between scores are exactly those of ``model.score``.
Without weights, a budget's selection is found in O(n) (a partition at the cut-off, then the
policy's own tie lottery among the files tied at the cut-off) instead of a full sort; it is
checked against the audit's selection and falls back to the policy's sort if they differ.

Proxy measures
--------------
``auc``: for each level of the attribute, the AUC of the input for telling members of that
level from all other files (one-vs-rest). Ordered inputs (numeric, ordered categorical) are
read in their natural order and the AUC is made direction-free (``max(AUC, 1 - AUC)``). An
unordered categorical input has no natural order, and ordering its levels by their share of
members *in the same rows* overfits: 1,500 random labels on 4,000 files independent of gender
would score an AUC of about 0.85. Its AUC is therefore **cross-fitted**: the rows are split
into two halves once (a fixed seed, :data:`PROXY_SPLIT_SEED`, so the table is deterministic),
the levels are ordered by their share of members in one half (a level absent from that half
gets the half's overall share, i.e. a tie), the AUC of that ordering is measured on the other
half (ties count 1/2), then the halves swap and the two AUCs are averaged. The direction is
learned on the other half, so it is not folded: an input unrelated to the attribute scores
about 0.5, slightly below or above by chance. ``auc_method`` says which (``"ordered"`` or
``"cross-fitted"``). The table reports the **maximum over levels** (``auc``, with the level in
``auc_group``) and the mean over levels (``auc_mean``). For a binary attribute both levels
give the same AUC. 0.5 = the input says nothing about the attribute.

``association``: the **bias-corrected Cramér's V** (Bergsma 2013) for categorical inputs
(non-numeric, boolean, or at most 20 distinct values): ``chi2 / n`` less its expectation under
independence, ``(r-1)(c-1)/(n-1)``, with corrected table dimensions, so that an input with
many levels is not credited with the chance association that raw V gives it (raw V of the
1,500 random labels above is about 0.6; corrected, about 0); for other numeric inputs, the
**normalised mutual information** ``I(input; attribute) / H(attribute)`` (the uncertainty
coefficient, in [0, 1]) with the input cut into 20 quantile bins. ``association_measure``
says which. The ranking uses ``auc``, which
is comparable across input types. Proxy measures are unweighted.

``levels`` is the number of distinct values seen; ``many_levels`` flags a categorical input
with more levels than the square root of the number of rows, or fewer than
:data:`MIN_ROWS_PER_LEVEL` (10) rows per level on average (``note`` says so, and so do the
explanation's notes): both measures are corrected for it, but they are imprecise, and such an
input (a postcode, a street) is better grouped into fewer levels before it is read as a proxy.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import scoreaudit as sa
>>> from scoreaudit.models import Scorecard
>>> rng = np.random.default_rng(0)
>>> n = 4000
>>> gender = rng.choice(["man", "woman"], n)
>>> frame = pd.DataFrame({"gender": gender,
...                       "kids": (gender == "woman") * rng.integers(0, 3, n),
...                       "noise": rng.normal(size=n)})
>>> card = Scorecard.from_dict({"name": "m", "terms": [
...     {"kind": "linear", "variable": "kids", "coefficient": 1.0},
...     {"kind": "linear", "variable": "noise", "coefficient": 0.3}]})
>>> res = sa.audit(sa.Population(frame, protected=["gender"]), card, sa.Budget(share=0.1),
...                reference={"gender": "man"})
>>> ex = explain(res)
>>> ex.neutralisation[["input", "rank"]].values.tolist()
[['kids', 1], ['noise', 2]]
>>> round(float(ex.decomposition["gap"].sum()), 6) == round(float(
...     ex.decomposition["total_gap"].iloc[0]), 6)
True
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import expit

from scoreaudit.core.cells import Cells, Sums, View, build_cells, build_views, rate_counts
from scoreaudit.core.vocab import REST, normalise_key
from scoreaudit.data.population import Population
from scoreaudit.engines.memory import tie_groups_of
from scoreaudit.errors import DataError, ModelError, PolicyError
from scoreaudit.models.base import check_features, validate_scores
from scoreaudit.models.scorecard import InteractionTerm, Scorecard
from scoreaudit.selection.policies import Budget, Selection, Threshold, _tied_mask
from scoreaudit.selection.ties import budget_count
from scoreaudit.stats import metrics as M

__all__ = ["NEUTRALISE_METHODS", "Explanation", "counterfactual", "explain", "score_personas"]

#: The ways an input can be neutralised.
NEUTRALISE_METHODS = ("permute", "marginal", "fixed")

#: Label of the comparison group in ``reference="rest"`` audits (as in :mod:`scoreaudit.engines.memory`).

#: A numeric column with at most this many distinct values is treated as categorical.
MAX_CATEGORICAL_LEVELS = 20

#: Number of quantile bins for the mutual information of a continuous input.
MI_BINS = 20

#: Seed of the fixed split of the rows into two halves for the cross-fitted AUC of
#: unordered inputs (the proxy table is deterministic).
PROXY_SPLIT_SEED = 20_130_701

#: An unordered input is flagged ``many_levels`` with more than sqrt(n) levels or fewer than
#: this many rows per level on average.
MIN_ROWS_PER_LEVEL = 10


# =============================================================================================
# The result object
# =============================================================================================


@dataclass
class Explanation:
    """Why a model's selection differs between groups: tidy tables.

    Attributes
    ----------
    decomposition : DataFrame
        Additive models only (empty otherwise). One row per (attribute, group, reference,
        term): ``mean_group`` and ``mean_reference`` (mean contribution of the term, link
        scale), ``gap`` (their difference), ``total_gap`` (the gap in mean linear predictor;
        the ``gap`` of a comparison's terms sum to it), ``share`` (``gap / total_gap``),
        ``ratio_without_term`` (selection-rate ratio at the budget when the term is
        neutralised) and ``rate_gap_share`` (share of the selection-rate difference that
        disappears when the term is neutralised; these shares need not sum to 1, since
        selection at a budget is not additive).
    neutralisation : DataFrame
        One row per (input, attribute, group): ``ratio_before`` / ``ratio_after`` with Katz
        intervals, ``ratio_change``, ``log_ratio_change``, selection and reference rates before
        and after, ``difference_before`` / ``difference_after``, ``rate_gap_share``,
        ``ratio_after_sd`` (over ``n_repeats`` draws), ``after_covers_1`` and ``rank``
        (1 = the input whose neutralisation brings the ratio closest to 1).
    proxies : DataFrame
        One row per (input, attribute): ``auc`` (max over levels, one-vs-rest; cross-fitted
        for unordered inputs), ``auc_group``, ``auc_mean``, ``auc_method``, ``association``
        and ``association_measure`` (``"cramers_v"``, bias-corrected, or
        ``"normalised_mi"``), ``input_kind``, ``levels``, ``many_levels``, ``note``,
        ``is_attribute`` and ``rank`` within the attribute (by ``auc``).
    protected_neutralised : DataFrame
        One row per compared group of each single protected attribute: the columns that encode
        the attribute, whether the model reads them, ratio before and after neutralising them,
        and ``remaining`` = ``log(ratio_after) / log(ratio_before)``, the share of the
        (log) disparity that remains (1 when the model does not read the attribute).
    config : dict
        How the explanation was computed (method, stratum, repeats, seed, policy, references).
    notes : list of str
        Plain statements of the method, for reports.
    timings : dict
        Seconds spent per part (not part of :meth:`to_dict`, which is deterministic).
    """

    decomposition: pd.DataFrame
    neutralisation: pd.DataFrame
    proxies: pd.DataFrame
    protected_neutralised: pd.DataFrame
    config: dict
    notes: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        """JSON-ready, deterministic description (tables as lists of records).

        Examples
        --------
        >>> ex = Explanation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
        ...                  {"neutralise": "permute"})
        >>> sorted(ex.to_dict())[:3]
        ['config', 'decomposition', 'neutralisation']
        """
        from scoreaudit.results import _clean, table_records

        return _clean(
            {
                "config": self.config,
                "notes": list(self.notes),
                "decomposition": table_records(self.decomposition),
                "neutralisation": table_records(self.neutralisation),
                "proxies": table_records(self.proxies),
                "protected_neutralised": table_records(self.protected_neutralised),
            }
        )

    def top(self, n: int = 3) -> pd.DataFrame:
        """The ``n`` inputs whose neutralisation moves each ratio most towards 1.

        Examples
        --------
        >>> Explanation(pd.DataFrame(), pd.DataFrame(columns=["rank"]), pd.DataFrame(),
        ...             pd.DataFrame(), {}).top().shape[0]
        0
        """
        t = self.neutralisation
        return t[t["rank"] <= n].reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"Explanation({self.config.get('model', '?')!r}, neutralise="
            f"{self.config.get('neutralise')!r}: {len(self.decomposition)} decomposition rows, "
            f"{len(self.neutralisation)} neutralisation rows, {len(self.proxies)} proxy rows)"
        )


# =============================================================================================
# Shared helpers
# =============================================================================================


def _model_name(model: Any) -> str:
    return str(getattr(model, "name", type(model).__name__))


def _check_model(model: Any) -> None:
    if not hasattr(model, "score"):
        raise ModelError(
            f"{type(model).__name__} is not a scoring model: it needs a score(frame) method "
            "and a features list (see scoreaudit.ScoringModel)."
        )


def _check_population(population: Any, where: str) -> Population:
    if not isinstance(population, Population):
        raise DataError(
            f"{where} needs a scoreaudit.Population, not {type(population).__name__}: wrap your "
            "frame with sa.Population(frame, protected=[...])."
        )
    return population


def _check_policy(policy: Any) -> Budget | Threshold:
    policy = Budget(share=0.05) if policy is None else policy
    if not isinstance(policy, (Budget, Threshold)):
        raise PolicyError(f"policy must be a Budget or a Threshold, not {type(policy).__name__}.")
    return policy


def _is_categorical(col: pd.Series) -> bool:
    """Categorical for the purposes of this module: non-numeric, boolean or few values."""
    if isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(col):
        return True
    if not pd.api.types.is_numeric_dtype(col):
        return True
    return col.nunique(dropna=True) <= MAX_CATEGORICAL_LEVELS


def _constant_like(col: pd.Series, value: Any, where: str) -> pd.Series:
    """A column of ``len(col)`` copies of ``value`` with the dtype of ``col``."""
    n = len(col)
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        matches = [i for i, c in enumerate(cats) if c == value or str(c) == str(value)]
        if not matches:
            raise DataError(
                f"{where}: value {value!r} is not a category of column {col.name!r} "
                f"(categories: {', '.join(map(repr, list(cats)[:20]))})."
            )
        codes = np.full(n, matches[0], dtype=np.int32)
        return pd.Series(
            pd.Categorical.from_codes(codes, dtype=col.dtype), index=col.index, name=col.name
        )
    out = pd.Series(
        np.full(n, value, dtype=object if isinstance(value, str) else None),
        index=col.index,
        name=col.name,
    )
    try:
        if not (isinstance(value, str) and pd.api.types.is_numeric_dtype(col)):
            out = out.astype(col.dtype)
    except (TypeError, ValueError):
        pass
    return out


def _selection_probability(scores: np.ndarray, selection: Selection) -> np.ndarray:
    """Probability that a file with this score is selected, judged against a cut-off.

    1 above the cut-off score, 0 below, and at the cut-off the share of tied files that the
    policy selected (the tie lottery's probability; 1 for a threshold or ``ties="all"``).
    """
    cut = selection.cutoff
    tie_share = (
        selection.tied_selected / selection.tied_at_cutoff if selection.tied_at_cutoff else 1.0
    )
    return np.where(scores > cut, 1.0, np.where(scores == cut, tie_share, 0.0))


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
            if r is None:
                idx = np.arange(v.n_groups)
            else:
                idx = np.array([g for g in range(v.n_groups) if g != r], dtype=np.int64)
            self._spec.append((v, r, idx))
            attr += [v.name] * idx.size
            grp += [v.labels[i] for i in idx]
            ref += [REST if r is None else v.labels[r]] * idx.size
        self.keys = pd.DataFrame({"attribute": attr, "group": grp, "reference": ref})
        self.row_view = (
            np.concatenate([np.full(s[2].size, i) for i, s in enumerate(self._spec)])
            if self._spec
            else np.zeros(0, dtype=np.int64)
        )

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


# =============================================================================================
# Selection: the policy's own, or an exact O(n) equivalent for budgets without weights
# =============================================================================================


class _Selector:
    """Select files as ``policy.select`` would, fast when possible."""

    def __init__(
        self,
        policy: Budget | Threshold,
        weights: np.ndarray | None,
        n: int,
        reference_scores: np.ndarray,
        reference_selected: np.ndarray,
        groups: np.ndarray | None = None,
    ) -> None:
        self.policy, self.weights, self.n = policy, weights, n
        self.groups = groups  # tie groups (finest cell x label), as in the audit
        self.mode = "policy"
        if weights is None:
            if isinstance(policy, Threshold):
                self.mode = "threshold"
            elif policy.ties == "all":
                self.mode = "all"
                self.k = self._budget_count()
            else:  # tied files allocated among the tie groups (selection.ties)
                self.mode = "groups"
                self.k = self._budget_count()
        if self.mode != "policy" and not np.array_equal(
            self.select(reference_scores), reference_selected
        ):
            self.mode = "policy"  # the fast path does not reproduce the policy: use it

    def _budget_count(self) -> int:
        p = self.policy
        assert isinstance(p, Budget)
        if p.count is not None:
            return int(min(p.count, self.n))
        return int(np.clip(budget_count(p.share, self.n), 0, self.n))

    def select(self, scores: np.ndarray) -> np.ndarray:
        n = self.n
        if self.mode == "threshold":
            return scores >= float(self.policy.threshold)  # type: ignore[union-attr]
        if self.mode in ("groups", "all"):
            k = self.k
            if k <= 0:
                return np.zeros(n, dtype=bool)
            cut = np.partition(scores, n - k)[n - k]
            if self.mode == "all":
                return scores >= cut
            selected = scores > cut
            r = k - int(np.count_nonzero(selected))
            p = self.policy
            selected |= _tied_mask(scores, cut, r, self.groups, p.ties, p.random_state)
            return selected
        try:
            return self.policy.select(scores, self.weights, groups=self.groups).selected
        except PolicyError:  # e.g. no score reaches a threshold any more
            return np.zeros(n, dtype=bool)


# =============================================================================================
# Scoring after neutralisation
# =============================================================================================


def _term_variables(card: Scorecard) -> list[tuple[str, ...]]:
    out = []
    for t in card.spec.terms:
        if isinstance(t, InteractionTerm):
            out.append(tuple(dict.fromkeys(f.variable for f in t.factors)))
        else:
            out.append((t.variable,))
    return out


class _Scorer:
    """Re-score the population with some columns replaced."""

    def __init__(self, model: Any, frame: pd.DataFrame, base_scores: np.ndarray) -> None:
        self.model, self.frame, self.n = model, frame, len(frame)
        self.base_scores = base_scores
        self.additive = False
        if isinstance(model, Scorecard):
            contrib = model.contributions(frame)
            self.labels = model.term_labels
            self.cols = [contrib[lab].to_numpy(dtype=np.float64) for lab in self.labels]
            self.vars = _term_variables(model)
            self.intercept = float(model.intercept)
            self.link = model.link
            self.additive = np.array_equal(self.link_fn(self.eta({})), base_scores)

    # -- scorecard path --------------------------------------------------------------------
    def eta(self, replaced: Mapping[int, np.ndarray]) -> np.ndarray:
        eta = np.full(self.n, self.intercept, dtype=np.float64)
        for i, c in enumerate(self.cols):  # same order of additions as Scorecard.score
            eta += replaced.get(i, c)
        return eta

    def link_fn(self, eta: np.ndarray) -> np.ndarray:
        return expit(eta) if self.link == "logistic" else eta

    def _recompute(self, terms: list[int], new: Mapping[str, pd.Series]) -> dict[int, np.ndarray]:
        card: Scorecard = self.model
        spec = card.spec.model_copy(
            update={"terms": [card.spec.terms[i] for i in terms], "intercept": 0.0}
        )
        sub = Scorecard(spec)
        data = {c: (new[c] if c in new else self.frame[c]).array for c in sub.features}
        contrib = sub.contributions(pd.DataFrame(data, index=self.frame.index))
        return {i: contrib[self.labels[i]].to_numpy(dtype=np.float64) for i in terms}

    # -- any model ---------------------------------------------------------------------------
    def scores(
        self, columns: Sequence[str], new: Mapping[str, pd.Series], index: np.ndarray | None
    ) -> np.ndarray:
        """Scores with ``columns`` replaced by ``new`` (``index``: the row map used, if any)."""
        if self.additive:
            touched = [i for i, vs in enumerate(self.vars) if set(vs) & set(columns)]
            if not touched:
                return self.base_scores
            replaced: dict[int, np.ndarray] = {}
            recompute = []
            for i in touched:
                if index is not None and set(self.vars[i]) <= set(columns):
                    replaced[i] = self.cols[i][index]  # row-wise: a permuted contribution
                else:
                    recompute.append(i)
            if recompute:
                replaced.update(self._recompute(recompute, new))
            return self.link_fn(self.eta(replaced))
        frame = self.frame.assign(**{c: new[c] for c in columns})
        return validate_scores(
            self.model.score(frame), self.n, f"Model {_model_name(self.model)!r}"
        )

    def scores_without_term(self, term: int, replacement: np.ndarray) -> np.ndarray:
        return self.link_fn(self.eta({term: replacement}))


# =============================================================================================
# Neutralising draws
# =============================================================================================


class _Neutraliser:
    """Row maps (permute / marginal) or fixed values, shared by every input."""

    def __init__(
        self,
        frame: pd.DataFrame,
        method: str,
        stratum: Any,
        fixed: Mapping | None,
        n_repeats: int,
        random_state: Any,
        weights: np.ndarray | None,
    ) -> None:
        self.frame, self.method, self.fixed = frame, method, dict(fixed or {})
        n = len(frame)
        strata = None
        self.stratum = None
        if stratum is not None:
            cols = [stratum] if isinstance(stratum, str) else list(stratum)
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                raise DataError(
                    f"stratum column(s) {', '.join(map(repr, missing))} not found in the data. "
                    f"Available columns: {', '.join(map(str, frame.columns[:30]))}."
                )
            self.stratum = cols
            strata = frame.groupby(cols, observed=True, sort=True, dropna=False).ngroup()
            strata = strata.to_numpy(dtype=np.int64)
        rng = np.random.default_rng(random_state)
        self.indices: list[np.ndarray] = []
        if method == "fixed":
            return
        for _ in range(n_repeats):
            if method == "permute":
                self.indices.append(_permutation(n, strata, rng))
            else:
                self.indices.append(_bootstrap(n, strata, weights, rng))

    def replace(
        self, columns: Sequence[str], repeat: int
    ) -> tuple[dict[str, pd.Series], np.ndarray | None]:
        if self.method == "fixed":
            new = {}
            for c in columns:
                col = self.frame[c]
                value = self.fixed[c] if c in self.fixed else _default_fixed(col)
                new[c] = _constant_like(col, value, f"fixed[{c!r}]")
            return new, None
        idx = self.indices[repeat]
        return {c: self.frame[c].take(idx).set_axis(self.frame.index) for c in columns}, idx


def _permutation(n: int, strata: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Row map: row i takes the value of row idx[i]; a permutation within each stratum."""
    if strata is None:
        return rng.permutation(n)
    shuffled = np.lexsort((rng.random(n), strata))  # rows by stratum, random within
    grouped = np.argsort(strata, kind="stable")  # rows by stratum, in order
    idx = np.empty(n, dtype=np.int64)
    idx[grouped] = shuffled
    return idx


def _bootstrap(
    n: int, strata: np.ndarray | None, weights: np.ndarray | None, rng: np.random.Generator
) -> np.ndarray:
    """Row map of i.i.d. draws (with the row weights), within each stratum."""
    s = np.zeros(n, dtype=np.int64) if strata is None else strata
    grouped = np.argsort(s, kind="stable")
    w = np.ones(n) if weights is None else weights
    cw = np.cumsum(w[grouped])
    sizes = np.bincount(s)
    ends = np.cumsum(sizes)
    hi = cw[ends - 1]
    lo = np.concatenate([[0.0], hi[:-1]])
    target = lo[s] + rng.random(n) * (hi[s] - lo[s])
    pos = np.searchsorted(cw, target, side="right")
    pos = np.clip(pos, (ends - sizes)[s], ends[s] - 1)  # guard against rounding at the edges
    return grouped[pos]


def _default_fixed(col: pd.Series) -> Any:
    if _is_categorical(col):
        counts = col.value_counts(dropna=True, sort=True)
        return counts.index[0]
    return float(col.median())


# =============================================================================================
# explain()
# =============================================================================================


def _input_sets(inputs: Any, model: Any, frame: pd.DataFrame) -> dict[str, list[str]]:
    if inputs is None:
        features = list(getattr(model, "features", []) or [])
        if not features:
            raise ModelError(
                f"Model {_model_name(model)!r} lists no features: give the inputs to neutralise "
                "with inputs=[...]."
            )
        sets = {f: [f] for f in features}
    elif isinstance(inputs, str):
        sets = {inputs: [inputs]}
    elif isinstance(inputs, Mapping):
        sets = {}
        for k, v in inputs.items():
            cols = [v] if isinstance(v, str) else list(v)
            if not cols:
                raise DataError(f"Input set {k!r} is empty: list at least one column.")
            sets[str(k)] = cols
    else:
        sets = {}
        for item in inputs:
            if isinstance(item, str):
                sets[item] = [item]
            else:
                cols = list(item)
                sets[" + ".join(map(str, cols))] = cols
    if not sets:
        raise DataError("No input to neutralise: inputs is empty.")
    features = set(getattr(model, "features", []) or [])
    for name, cols in sets.items():
        for c in cols:
            if c not in frame.columns:
                raise DataError(
                    f"Unknown input {c!r}{'' if name == c else f' (in input set {name!r})'}: it "
                    f"is not a column of the population. The model reads: "
                    f"{', '.join(sorted(map(str, features))) or '(no listed features)'}."
                )
    return sets


def _select_views(views: list[View], attributes: Any) -> list[View]:
    by_name = {v.name: v for v in views}
    if attributes is None:
        return [v for v in views if len(v.members) == 1]
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    out = []
    for a in names:
        key = normalise_key(a)
        if key not in by_name:
            raise DataError(
                f"attributes names {key!r}, which the audit did not compare. Audited: "
                f"{', '.join(sorted(by_name))}."
            )
        out.append(by_name[key])
    return out


def explain(
    result: Any,
    *,
    inputs: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    attributes: Sequence[str] | str | None = None,
    neutralise: str = "permute",
    stratum: str | Sequence[str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    n_repeats: int = 1,
    random_state: int | None = 0,
    protected_columns: Mapping[str, Sequence[str]] | None = None,
) -> Explanation:
    """Explain an audit's disparities: decomposition, neutralisation, proxies.

    Parameters
    ----------
    result : AuditResult
        An audit result (it keeps the population, model, policy and scores).
    inputs : list of str, or dict name -> list of str, optional
        Inputs to neutralise one at a time (default: every feature of the model). A dict
        neutralises named sets jointly, e.g. ``{"household": ["n_minors", "family_status"]}``.
        Any column of the population may be given, read by the model or not.
    attributes : str or list of str, optional
        Attributes or intersections (``"gender × family_status"``) whose groups are compared
        (default: every single protected attribute of the audit). References are the audit's.
    neutralise : {"permute", "marginal", "fixed"}
        How an input is neutralised (see the module docstring).
    stratum : str or list of str, optional
        Permute / draw within the strata of these columns (e.g. ``"household_size"``).
    fixed : dict column -> value, optional
        Values used by ``neutralise="fixed"`` (default: the mode, or the median of a column
        with more than 20 distinct numeric values).
    n_repeats : int
        Random draws averaged for ``"permute"`` and ``"marginal"``.
    random_state : int
        Seed of the draws.
    protected_columns : dict attribute -> list of str, optional
        The model inputs that encode each protected attribute, for ``protected_neutralised``
        (default: the attribute's own column). E.g. ``{"age_band": ["age"]}`` when the model
        reads the age from which the audited band is cut.

    Returns
    -------
    Explanation

    Raises
    ------
    DataError
        An unknown input, attribute or stratum column; a bad method or repeat count.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> rng = np.random.default_rng(1)
    >>> g = rng.choice(["man", "woman"], 2000)
    >>> frame = pd.DataFrame({"gender": g, "x": (g == "woman") + rng.normal(size=2000)})
    >>> card = sa.models.Scorecard.from_dict({"name": "m", "terms": [
    ...     {"kind": "linear", "variable": "x", "coefficient": 1.0}]})
    >>> res = sa.audit(sa.Population(frame, protected=["gender"]), card, sa.Budget(share=0.1),
    ...                reference={"gender": "man"})
    >>> t = explain(res).neutralisation
    >>> bool(t["ratio_before"].iloc[0] > 2), bool(t["after_covers_1"].iloc[0])
    (True, True)
    """
    t_start = time.perf_counter()
    for name in ("population", "model", "policy", "scores"):
        if getattr(result, name, None) is None:
            raise DataError(
                f"explain() needs an audit result that keeps its {name}; run sa.audit(...) and "
                "pass its result."
            )
    if neutralise not in NEUTRALISE_METHODS:
        raise DataError(
            f"neutralise must be one of {', '.join(map(repr, NEUTRALISE_METHODS))}, not "
            f"{neutralise!r}."
        )
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise DataError(f"n_repeats must be a whole number >= 1, not {n_repeats!r}.")
    population: Population = result.population
    model, policy = result.model, result.policy
    frame = population.frame
    weights = population.weights
    base_scores = np.asarray(result.scores, dtype=np.float64)
    sets = _input_sets(inputs, model, frame)
    if fixed is not None:
        if neutralise != "fixed":
            raise DataError("fixed=... is only used with neutralise='fixed'.")
        all_cols = {c for cols in sets.values() for c in cols} | set(population.protected)
        unknown = [c for c in fixed if c not in all_cols]
        if unknown:
            raise DataError(
                f"fixed gives value(s) for {', '.join(map(repr, unknown))}, which are not "
                "neutralised inputs."
            )
    if protected_columns is not None:
        for a, cols in protected_columns.items():
            if a not in population.attributes:
                raise DataError(
                    f"protected_columns names {a!r}, which is not a protected "
                    f"attribute ({', '.join(population.protected)})."
                )
            for c in [cols] if isinstance(cols, str) else cols:
                if c not in frame.columns:
                    raise DataError(
                        f"protected_columns[{a!r}] names {c!r}, which is not a "
                        "column of the population."
                    )

    confidence = float(result.config.get("confidence", 0.95))
    cells = build_cells(list(population.attributes.values()))
    views = _select_views(build_views(cells, result.config.get("intersections", True)), attributes)
    refs_used = result.config.get("references_used", {})
    refs = []
    for v in views:
        label = refs_used.get(v.name)
        if label is None:
            raise DataError(f"The audit result has no reference for {v.name!r}.")
        refs.append(None if label == REST else v.labels.index(label))
    comp = _Comparisons(cells, views, refs, weights, confidence)

    n = len(frame)
    _, tie_groups = tie_groups_of(cells, population.labels)
    selector = _Selector(policy, weights, n, base_scores, np.asarray(result.selected), tie_groups)
    scorer = _Scorer(model, frame, base_scores)
    neut = _Neutraliser(frame, neutralise, stratum, fixed, int(n_repeats), random_state, weights)
    repeats = 1 if neutralise == "fixed" else int(n_repeats)
    timings: dict[str, float] = {"setup": time.perf_counter() - t_start}

    before_sel = comp.cell_sums(np.asarray(result.selected))
    before = comp.ratios(before_sel)

    def after_stats(score_fn: Callable[[int], np.ndarray]) -> tuple[dict, np.ndarray]:
        sums, ratios = [], []
        for r in range(repeats):
            s = score_fn(r)
            cs = before_sel if s is base_scores else comp.cell_sums(selector.select(s))
            sums.append(cs)
            if repeats > 1:
                ratios.append(comp.ratios(cs)["ratio"])
        after = comp.ratios(_mean_sums(sums))
        with np.errstate(invalid="ignore"):  # NaN where a draw gives an infinite ratio
            sd = (
                np.std(np.vstack(ratios), axis=0, ddof=1)
                if repeats > 1
                else np.full(len(comp.keys), np.nan)
            )
        return after, sd

    def neutralised(cols: list[str]) -> tuple[dict, np.ndarray]:
        def score_fn(r: int) -> np.ndarray:
            new, idx = neut.replace(cols, r)
            return scorer.scores(cols, new, idx)

        return after_stats(score_fn)

    # -- neutralisation ---------------------------------------------------------------------
    t0 = time.perf_counter()
    frames = []
    for name, cols in sets.items():
        after, sd = neutralised(cols)
        frames.append(_neutral_rows(comp, name, cols, before, after, sd))
    neutralisation = _rank(pd.concat(frames, ignore_index=True))
    timings["neutralisation"] = time.perf_counter() - t0

    # -- decomposition ------------------------------------------------------------------------
    t0 = time.perf_counter()
    decomposition = _decomposition(
        model, frame, comp, scorer, neut, neutralise, repeats, before, after_stats, weights
    )
    timings["decomposition"] = time.perf_counter() - t0

    # -- protected attribute neutralised ------------------------------------------------------
    t0 = time.perf_counter()
    features = set(getattr(model, "features", []) or [])
    prot_frames = []
    for v in views:
        if len(v.members) != 1:
            continue
        a = v.name
        if protected_columns is not None and a in protected_columns:
            pc = protected_columns[a]
            cols = [pc] if isinstance(pc, str) else list(pc)
        else:
            cols = [a] if a in frame.columns else []
        reads = bool(set(cols) & features)
        mask = (comp.keys["attribute"] == a).to_numpy()
        if reads:
            after, _ = neutralised(cols)
        else:  # the model does not read it: neutralising it changes nothing
            after = before
        prot_frames.append(
            pd.DataFrame(
                {
                    "attribute": a,
                    "group": comp.keys["group"][mask].to_numpy(),
                    "reference": comp.keys["reference"][mask].to_numpy(),
                    "columns": ", ".join(cols) if cols else "",
                    "model_reads_attribute": reads,
                    "ratio_before": before["ratio"][mask],
                    "ratio_before_low": before["ratio_low"][mask],
                    "ratio_before_high": before["ratio_high"][mask],
                    "ratio_after": after["ratio"][mask],
                    "ratio_after_low": after["ratio_low"][mask],
                    "ratio_after_high": after["ratio_high"][mask],
                    "remaining": _remaining(before["ratio"][mask], after["ratio"][mask]),
                }
            )
        )
    protected = (
        pd.concat(prot_frames, ignore_index=True)
        if prot_frames
        else pd.DataFrame(
            columns=[
                "attribute",
                "group",
                "reference",
                "columns",
                "model_reads_attribute",
                "ratio_before",
                "ratio_after",
                "remaining",
            ]
        )
    )
    timings["protected_neutralised"] = time.perf_counter() - t0

    # -- proxies ------------------------------------------------------------------------------
    t0 = time.perf_counter()
    proxy_inputs = list(dict.fromkeys(c for cols in sets.values() for c in cols))
    proxy_attrs = [v.members[0] for v in views if len(v.members) == 1] or list(population.protected)
    proxies = proxy_table(frame, proxy_inputs, {a: population.attributes[a] for a in proxy_attrs})
    timings["proxies"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start

    notes = _notes(neutralise, stratum, repeats, scorer.additive, selector.mode, policy)
    if len(proxies) and proxies["many_levels"].any():
        many = list(dict.fromkeys(proxies.loc[proxies["many_levels"], "input"]))
        notes.append(
            f"Input(s) with many levels for the number of files ({', '.join(many)}): their "
            "proxy AUC is cross-fitted and their Cramér's V bias-corrected, so chance "
            "association does not rank them high, but both measures are imprecise; group the "
            "levels (e.g. postcodes into districts) for a sharper reading."
        )
    config = {
        "model": _model_name(model),
        "neutralise": neutralise,
        "stratum": neut.stratum,
        "n_repeats": repeats,
        "random_state": random_state,
        "fixed": {
            str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in (fixed or {}).items()
        },
        "inputs": {k: list(v) for k, v in sets.items()},
        "attributes": [v.name for v in views],
        "references_used": {v.name: refs_used.get(v.name) for v in views},
        "policy": policy.to_dict(),
        "confidence": confidence,
        "additive_fast_path": bool(scorer.additive),
        "selection": "exact O(n) budget selection"
        if selector.mode != "policy"
        else "policy.select",
    }
    return Explanation(
        decomposition=decomposition,
        neutralisation=neutralisation,
        proxies=proxies,
        protected_neutralised=protected,
        config=config,
        notes=notes,
        timings=timings,
    )


def _remaining(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        lb = np.log(before)
        out = np.where(np.abs(lb) > 0, np.log(after) / np.where(np.abs(lb) > 0, lb, 1.0), np.nan)
    return np.where(np.isfinite(out), out, np.nan)


def _neutral_rows(
    comp: _Comparisons, name: str, cols: list[str], before: dict, after: dict, sd: np.ndarray
) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        log_change = np.log(after["ratio"]) - np.log(before["ratio"])
        ratio_change = after["ratio"] - before["ratio"]
        gap_share = np.where(
            before["difference"] != 0,
            1
            - after["difference"] / np.where(before["difference"] != 0, before["difference"], 1.0),
            np.nan,
        )
    t = comp.keys.copy()
    t.insert(0, "columns", ", ".join(cols))
    t.insert(0, "input", name)
    t["ratio_before"] = before["ratio"]
    t["ratio_before_low"] = before["ratio_low"]
    t["ratio_before_high"] = before["ratio_high"]
    t["ratio_after"] = after["ratio"]
    t["ratio_after_low"] = after["ratio_low"]
    t["ratio_after_high"] = after["ratio_high"]
    t["ratio_change"] = ratio_change
    t["log_ratio_change"] = log_change
    t["selection_rate_before"] = before["rate"]
    t["selection_rate_after"] = after["rate"]
    t["reference_rate_before"] = before["reference_rate"]
    t["reference_rate_after"] = after["reference_rate"]
    t["difference_before"] = before["difference"]
    t["difference_after"] = after["difference"]
    t["rate_gap_share"] = gap_share
    t["ratio_after_sd"] = sd
    t["after_covers_1"] = (after["ratio_low"] <= 1) & (after["ratio_high"] >= 1)
    return t


def _rank(t: pd.DataFrame) -> pd.DataFrame:
    """Rank inputs per comparison: 1 = brings the ratio closest to 1 (largest fall of |log r|)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        toward = np.abs(np.log(t["ratio_before"].to_numpy(float))) - np.abs(
            np.log(t["ratio_after"].to_numpy(float))
        )
    t = t.copy()
    t["_toward"] = np.nan_to_num(toward, nan=-np.inf)
    t["rank"] = (
        t.groupby(["attribute", "group"], sort=False)["_toward"]
        .rank(method="first", ascending=False)
        .astype(np.int64)
    )
    order = {a: i for i, a in enumerate(dict.fromkeys(t["attribute"]))}
    t["_a"] = t["attribute"].map(order)
    t = t.sort_values(["_a", "group", "rank"], kind="stable")
    return t.drop(columns=["_toward", "_a"]).reset_index(drop=True)


def _decomposition(
    model: Any,
    frame: pd.DataFrame,
    comp: _Comparisons,
    scorer: _Scorer,
    neut: _Neutraliser,
    method: str,
    repeats: int,
    before: dict,
    after_stats: Callable,
    weights: np.ndarray | None,
) -> pd.DataFrame:
    columns = [
        "attribute",
        "group",
        "reference",
        "term",
        "mean_group",
        "mean_reference",
        "gap",
        "total_gap",
        "share",
        "ratio_before",
        "ratio_without_term",
        "rate_gap_share",
    ]
    if not hasattr(model, "contributions"):
        return pd.DataFrame(columns=columns)
    if scorer.additive:
        labels, cols = scorer.labels, scorer.cols
        eta = scorer.eta({})
    else:
        contrib = model.contributions(frame)
        labels = [c for c in contrib.columns if c != "intercept"]
        cols = [contrib[c].to_numpy(dtype=np.float64) for c in labels]
        eta = contrib.to_numpy(dtype=np.float64).sum(axis=1)
    g_eta, r_eta = comp.group_means(eta)
    total = g_eta - r_eta
    frames = []
    for i, lab in enumerate(labels):
        g, r = comp.group_means(cols[i])
        row = comp.keys.copy()
        row["term"] = lab
        row["mean_group"] = g
        row["mean_reference"] = r
        row["gap"] = g - r
        row["total_gap"] = total
        with np.errstate(divide="ignore", invalid="ignore"):
            row["share"] = np.where(total != 0, (g - r) / np.where(total != 0, total, 1), np.nan)
        row["ratio_before"] = before["ratio"]
        if scorer.additive:
            if method == "fixed":
                w = np.ones(len(frame)) if weights is None else weights
                const = np.full(len(frame), float(np.sum(cols[i] * w) / np.sum(w)))

                def score_fn(r_: int, i=i, const=const) -> np.ndarray:
                    return scorer.scores_without_term(i, const)
            else:

                def score_fn(r_: int, i=i) -> np.ndarray:
                    return scorer.scores_without_term(i, cols[i][neut.indices[r_]])

            after, _ = after_stats(score_fn)
            row["ratio_without_term"] = after["ratio"]
            with np.errstate(divide="ignore", invalid="ignore"):
                d0 = before["difference"]
                row["rate_gap_share"] = np.where(
                    d0 != 0, 1 - after["difference"] / np.where(d0 != 0, d0, 1.0), np.nan
                )
        else:
            row["ratio_without_term"] = np.nan
            row["rate_gap_share"] = np.nan
        frames.append(row)
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    order = {a: k for k, a in enumerate(dict.fromkeys(out["attribute"]))}
    out["_a"] = out["attribute"].map(order)
    out["_t"] = out["term"].map({lab: k for k, lab in enumerate(labels)})
    out = out.sort_values(["_a", "group", "_t"], kind="stable").drop(columns=["_a", "_t"])
    return out.reset_index(drop=True)


def _notes(
    method: str, stratum: Any, repeats: int, additive: bool, selection_mode: str, policy: Any
) -> list[str]:
    how = {
        "permute": "its values were shuffled across files"
        + (f" within strata of {stratum}" if stratum is not None else ""),
        "marginal": "every file drew a value at random from its population distribution"
        + (f" within strata of {stratum}" if stratum is not None else ""),
        "fixed": "every file was given the same value (the mode, or the median of a "
        "continuous input, unless given)",
    }[method]
    notes = [
        f"Neutralising an input: {how}; the files were re-scored and re-selected with the "
        f"same policy ({policy.describe()}).",
        "Intervals after neutralisation are Katz intervals on the selected counts, "
        "conditional on the neutralising draw"
        + (f" (counts averaged over {repeats} draws)." if repeats > 1 else "."),
    ]
    if additive:
        notes.append(
            "The model is additive on the link scale and its link is monotone, so the "
            "selection at a budget depends only on the linear predictor: neutralising an input "
            "replaces only the contributions of the terms that read it."
        )
    return notes


# =============================================================================================
# Proxy strength
# =============================================================================================


def _input_codes(col: pd.Series) -> tuple[np.ndarray, int, bool, str]:
    """(codes, number of codes, ordered?, kind) of an input column for proxy measures.

    Codes are -1 for missing values; for ordered inputs, codes follow the values' order.
    Hash-based (:func:`pandas.factorize`), then only the distinct values are sorted.
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy().astype(np.int64)
        kind = "ordinal" if col.cat.ordered else "categorical"
        return codes, len(col.cat.categories), bool(col.cat.ordered), kind
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        codes, uniq = pd.factorize(col, use_na_sentinel=True)
        return np.asarray(codes, dtype=np.int64), len(uniq), False, "categorical"
    if pd.api.types.is_integer_dtype(col):  # hash, then sort the few distinct values only
        raw, uniq = pd.factorize(col, use_na_sentinel=True)
        remap = np.empty(len(uniq) + 1, dtype=np.int64)
        remap[np.argsort(np.asarray(uniq))] = np.arange(len(uniq))
        remap[-1] = -1
        codes = remap[np.asarray(raw, dtype=np.int64)]
        kind = "numeric (few values)" if len(uniq) <= MAX_CATEGORICAL_LEVELS else "numeric"
        return codes, len(uniq), True, kind
    x = col.to_numpy(dtype=np.float64, na_value=np.nan)
    order = np.argsort(x)  # one sort; NaN last
    xs = x[order]
    n_ok = int(np.count_nonzero(~np.isnan(xs)))
    new_value = np.empty(n_ok, dtype=bool)
    new_value[:1] = True
    new_value[1:] = xs[1:n_ok] != xs[: n_ok - 1]
    codes = np.full(x.size, -1, dtype=np.int64)
    codes[order[:n_ok]] = np.cumsum(new_value) - 1
    uniq = range(int(new_value.sum()))
    kind = "numeric (few values)" if len(uniq) <= MAX_CATEGORICAL_LEVELS else "numeric"
    return codes, len(uniq), True, kind


def _midranks(codes: np.ndarray, k: int) -> np.ndarray:
    """1-based mid-rank of every row from its ordered value code."""
    counts = np.bincount(codes, minlength=k).astype(float)
    return (np.cumsum(counts) - (counts - 1) / 2)[codes]


def _auc_ordered(ranks: np.ndarray, groups: np.ndarray, L: int) -> np.ndarray:
    """Direction-free one-vs-rest AUC of an ordered input, for every level (rank sums).

    Mann-Whitney with mid-ranks: ``P(X_member > X_other) + 0.5 P(=)``; O(n).
    """
    n1 = np.bincount(groups, minlength=L).astype(float)
    rank_sum = np.bincount(groups, weights=ranks, minlength=L)
    n0 = ranks.size - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)
    return np.where((n1 > 0) & (n0 > 0), np.maximum(auc, 1 - auc), np.nan)


def _auc_scored(score: np.ndarray, table: np.ndarray) -> np.ndarray:
    """One-vs-rest AUC of input levels scored by ``score`` (levels x attribute levels).

    ``score[:, g]`` orders the input levels for attribute level ``g``; levels with equal scores
    are ties (counted 1/2). Not made direction-free: the direction is part of the score.
    """
    total = table.sum(axis=1)
    L = table.shape[1]
    out = np.full(L, np.nan)
    for g in range(L):  # a loop over attribute levels, never over rows
        pos = table[:, g]
        neg = total - pos
        P, N = pos.sum(), neg.sum()
        if P == 0 or N == 0:
            continue
        _, tie = np.unique(score[:, g], return_inverse=True)  # sorted distinct scores
        pos = np.bincount(tie, weights=pos)
        neg = np.bincount(tie, weights=neg)
        below = np.cumsum(neg) - neg
        out[g] = float(np.sum(pos * (below + 0.5 * neg)) / (P * N))
    return out


def _member_share(table: np.ndarray) -> np.ndarray:
    """Share of each attribute level among the rows of each input level (levels x L).

    An input level without rows gets the overall share (it tells nothing).
    """
    total = table.sum(axis=1, keepdims=True)
    overall = table.sum(axis=0) / max(float(table.sum()), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = table / np.where(total > 0, total, 1.0)
    return np.where(total > 0, share, overall[None, :])


def _auc_cross_fitted(table_a: np.ndarray, table_b: np.ndarray) -> np.ndarray:
    """Cross-fitted one-vs-rest AUC of an unordered input for each attribute level.

    ``table_a`` and ``table_b`` are the (input levels x attribute levels) counts of two
    disjoint halves of the rows. The levels are ordered by their share of members in one half
    (a level absent from it gets that half's overall share) and the AUC of that ordering is
    measured on the other half; then the halves swap and the two AUCs are averaged (a half
    where the AUC is undefined is left out). Not folded to ``max(AUC, 1 - AUC)``: the
    direction is learned on the other half, so an input unrelated to the attribute scores
    about 0.5 (slightly below or above by chance) whatever its number of levels.
    """
    one = _auc_scored(_member_share(table_b), table_a)
    two = _auc_scored(_member_share(table_a), table_b)
    both = np.vstack([one, two])
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(both)
        return np.where(
            ok.any(axis=0),
            np.where(ok, both, 0.0).sum(axis=0) / np.maximum(ok.sum(axis=0), 1),
            np.nan,
        )


def _cramers_v(table: np.ndarray) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013, J. Korean Stat. Soc. 42:323-328).

    ``phi2 = chi2 / n`` is shrunk by its expectation under independence, ``(r-1)(c-1)/(n-1)``
    (floored at 0), and the table's dimensions are corrected likewise: ``r~ = r -
    (r-1)^2/(n-1)``, ``c~ = c - (c-1)^2/(n-1)``, ``V~ = sqrt(phi2~ / min(r~-1, c~-1))``. Raw V
    of an input with many levels is large even when the input is independent of the attribute
    (about ``sqrt((r-1)/n)`` for a binary attribute); the corrected V is about 0.
    """
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    r, c = table.shape
    if n <= 1 or min(r, c) < 2:
        return 0.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    phi2 = max(0.0, chi2 / n - (r - 1) * (c - 1) / (n - 1))
    r_c = r - (r - 1) ** 2 / (n - 1)
    c_c = c - (c - 1) ** 2 / (n - 1)
    den = min(r_c - 1, c_c - 1)
    return math.sqrt(min(1.0, phi2 / den)) if den > 0 else 0.0


def _normalised_mi(table: np.ndarray) -> float:
    n = table.sum()
    if n == 0:
        return 0.0
    p = table / n
    px, pa = p.sum(axis=1), p.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / np.outer(px, pa)), 0.0)
        ha = -np.sum(np.where(pa > 0, pa * np.log(pa), 0.0))
    return float(np.sum(terms) / ha) if ha > 0 else 0.0


def proxy_table(
    frame: pd.DataFrame, inputs: Sequence[str], attributes: Mapping[str, Any]
) -> pd.DataFrame:
    """Proxy strength of each input for each protected attribute (see the module docstring).

    Parameters
    ----------
    frame : DataFrame
    inputs : list of str
        Columns of ``frame``.
    attributes : dict name -> Attribute
        Validated protected attributes (``population.attributes``).

    Returns
    -------
    DataFrame
        One row per (input, attribute), ranked by ``auc`` within each attribute.

    Examples
    --------
    >>> import scoreaudit as sa
    >>> frame = pd.DataFrame({"g": ["a", "b"] * 50, "x": [0.0, 1.0] * 50, "y": range(100)})
    >>> pop = sa.Population(frame, protected=["g"])
    >>> proxy_table(frame, ["x", "y"], pop.attributes)[["input", "auc"]].values.tolist()
    [['x', 1.0], ['y', 0.51]]
    """
    rows = []
    # one fixed split of the rows into two halves, shared by every input (cross-fitting)
    n_rows = len(frame)
    half = np.zeros(n_rows, dtype=np.int64)
    half[np.random.default_rng(PROXY_SPLIT_SEED).permutation(n_rows)[: n_rows // 2]] = 1
    for c in inputs:
        codes, k, ordered, kind = _input_codes(frame[c])
        ok = codes >= 0
        codes_ok = codes[ok]
        half_ok = half[ok]
        n_ok = int(codes_ok.size)
        k_seen = int(np.count_nonzero(np.bincount(codes_ok, minlength=k))) if n_ok else 0
        continuous = kind == "numeric"
        many = (
            (not continuous)
            and k_seen > 1
            and (k_seen > math.sqrt(n_ok) or n_ok < MIN_ROWS_PER_LEVEL * k_seen)
        )
        ranks = _midranks(codes_ok, k) if ordered else None
        if continuous:  # quantile bins of the ranks, for the mutual information
            cut = np.unique(np.quantile(codes_ok, np.linspace(0, 1, MI_BINS + 1)[1:-1]))
            bins = np.searchsorted(cut, codes_ok, side="right")
            nb = cut.size + 1
        for a_name, attr in attributes.items():
            L = attr.n_levels
            g = attr.codes[ok].astype(np.int64)
            if continuous:
                btable = np.bincount(bins * L + g, minlength=nb * L).reshape(nb, L)
                assoc, measure = _normalised_mi(btable.astype(float)), "normalised_mi"
            else:
                table = np.bincount(codes_ok * L + g, minlength=k * L).reshape(k, L)
                assoc, measure = _cramers_v(table.astype(float)), "cramers_v"
            if ranks is not None:
                aucs, method = _auc_ordered(ranks, g, L), "ordered"
            else:
                halves = (
                    np.bincount((half_ok * k + codes_ok) * L + g, minlength=2 * k * L)
                    .reshape(2, k, L)
                    .astype(float)
                )
                aucs, method = _auc_cross_fitted(halves[0], halves[1]), "cross-fitted"
            best = int(np.nanargmax(aucs)) if np.isfinite(aucs).any() else 0
            rows.append(
                {
                    "input": c,
                    "attribute": a_name,
                    "input_kind": kind,
                    "auc": float(aucs[best]),
                    "auc_group": attr.levels[best],
                    "auc_mean": float(np.nanmean(aucs)) if np.isfinite(aucs).any() else np.nan,
                    "auc_method": method,
                    "association": assoc,
                    "association_measure": measure,
                    "levels": k_seen,
                    "many_levels": bool(many),
                    "note": (
                        f"{k_seen:,} levels for {n_ok:,} rows ({n_ok / k_seen:.1f} rows per "
                        "level): few rows per level; the measures are corrected for "
                        "overfitting but imprecise"
                        if many
                        else ""
                    ),
                    "is_attribute": c == a_name,
                }
            )
    cols = [
        "input",
        "attribute",
        "input_kind",
        "auc",
        "auc_group",
        "auc_mean",
        "auc_method",
        "association",
        "association_measure",
        "levels",
        "many_levels",
        "note",
        "is_attribute",
        "rank",
    ]
    if not rows:
        return pd.DataFrame(columns=cols)
    t = pd.DataFrame(rows)
    t["rank"] = t.groupby("attribute", sort=False)["auc"].rank(method="first", ascending=False)
    t["rank"] = t["rank"].astype(np.int64)
    order = {a: i for i, a in enumerate(attributes)}
    t["_a"] = t["attribute"].map(order)
    t = t.sort_values(["_a", "rank"], kind="stable").drop(columns="_a").reset_index(drop=True)
    return t[cols]


# =============================================================================================
# Counterfactual paired testing
# =============================================================================================


def _attribute_values(population: Population, attribute: str, values: Any) -> list[Any]:
    col = population.frame[attribute]
    if values is not None:
        vals = list(values) if not isinstance(values, (str, bytes)) else [values]
        if not vals:
            raise DataError("values is empty: give at least one value to set.")
        return vals
    if attribute in population.bands:
        raise DataError(
            f"{attribute!r} is banded for the audit; give the values to set explicitly, e.g. "
            f"values=[30, 45] (each copy gets that exact value)."
        )
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(pd.unique(col.dropna()))
        return [c for c in col.cat.categories if c in present]
    if _is_categorical(col):
        uniq = pd.unique(col.dropna())
        try:
            return sorted(uniq.tolist())
        except TypeError:
            return list(uniq)
    raise DataError(
        f"{attribute!r} has many numeric values; give the values to set with values=[...]."
    )


def _group_mean(a: np.ndarray, codes: np.ndarray, G: int, w: np.ndarray | None) -> np.ndarray:
    ww = np.ones(a.size) if w is None else w
    return np.bincount(codes, weights=a * ww, minlength=G) / np.bincount(
        codes, weights=ww, minlength=G
    )


def _paired_summary(
    d: np.ndarray, codes: np.ndarray, G: int, w: np.ndarray | None, confidence: float
) -> tuple[np.ndarray, ...]:
    """Per group: mean of paired differences, and its interval (t quantile, Kish n_eff)."""
    ww = np.ones(d.size) if w is None else w
    sw = np.bincount(codes, weights=ww, minlength=G)
    sw2 = np.bincount(codes, weights=ww * ww, minlength=G)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(codes, weights=d * ww, minlength=G) / sw
        dev = d - mean[codes]
        var = np.bincount(codes, weights=ww * dev * dev, minlength=G) / sw
        n_eff = sw * sw / sw2
        var = var * n_eff / (n_eff - 1)  # unbiased (Bessel) on the effective size
        se = np.sqrt(var / n_eff)
        q = sps.t.ppf(0.5 + confidence / 2, np.maximum(n_eff - 1, 1))
    se = np.where(var == 0, 0.0, se)  # exactly zero change -> a zero-width interval
    return mean, mean - q * se, mean + q * se, n_eff


def counterfactual(
    population: Population,
    model: Any,
    policy: Budget | Threshold | None = None,
    *,
    attribute: str,
    implies: Mapping[Any, Mapping[str, Any]] | None = None,
    values: Sequence[Any] | None = None,
    sample: int | float | None = None,
    random_state: int | None = 0,
    confidence: float = 0.95,
    return_pairs: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Paired counterfactual testing: the same files with only the attribute changed.

    Every file (or a random sample) is copied once per value of ``attribute``; in each copy the
    attribute is set to that value, together with the inputs it implies, and the copy is
    re-scored. The copy's selection is judged against the cut-off of the ORIGINAL population
    (the policy applied to the original scores): a copy is selected if its score is above the
    cut-off score, with the original tie lottery's probability if it equals it. Comparing each
    copy with its own original (a paired difference) removes every other difference between
    files.

    Parameters
    ----------
    population : Population
    model : ScoringModel
    policy : Budget or Threshold
        Default ``Budget(share=0.05)``.
    attribute : str
        The column to change (usually a protected attribute, e.g. ``"gender"``).
    implies : dict value -> {column: value or callable(frame) -> Series}, optional
        Inputs that follow from the attribute's value, e.g. ``{"alone": {"n_minors": 0}}`` for
        ``attribute="family_status"``. A callable receives the original files (the sample)
        and returns the new column.
    values : list, optional
        Values to set (default: every value of the column; required for a banded attribute).
    sample : int or float, optional
        Number (int) or share (float in (0, 1]) of files to copy, drawn without replacement.
    random_state : int
        Seed of the sample.
    confidence : float
        Level of the paired intervals: mean of paired differences
        ``± t(n_eff - 1) × sd / sqrt(n_eff)`` (Kish ``n_eff`` with weights).
    return_pairs : bool
        Also return the paired scores of every copy (for :func:`plot_paired_shift`).

    Returns
    -------
    DataFrame, or (DataFrame, DataFrame) with ``return_pairs``
        One row per (original group, value set): ``n``, mean original and counterfactual
        score, ``score_change`` with its interval, ``selection_original`` and
        ``selection_counterfactual`` (mean probability of being selected),
        ``selection_change`` with its interval, ``share_changed`` (files whose score moved).
        The pairs table has one row per copy: ``row`` (position in the population), ``group``,
        ``value``, ``score_original``, ``score_counterfactual``, ``score_change``,
        ``selected_original``, ``selected_counterfactual`` (probabilities).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"gender": rng.choice(["man", "woman"], 500),
    ...                       "x": rng.normal(size=500)})
    >>> card = sa.models.Scorecard.from_dict({"name": "m", "terms": [
    ...     {"kind": "linear", "variable": "x", "coefficient": 1.0}]})
    >>> t = counterfactual(sa.Population(frame, protected=["gender"]), card,
    ...                    sa.Budget(share=0.1), attribute="gender")
    >>> float(t["score_change"].abs().max()), float(t["selection_change"].abs().max())
    (0.0, 0.0)
    """
    population = _check_population(population, "counterfactual()")
    _check_model(model)
    policy = _check_policy(policy)
    M.confidence_z(confidence)
    frame = population.frame
    if attribute not in frame.columns:
        raise DataError(
            f"attribute {attribute!r} is not a column of the population. Protected attributes: "
            f"{', '.join(population.protected)}."
        )
    check_features(model, frame)
    name = _model_name(model)
    scores = validate_scores(model.score(frame), len(frame), f"Model {name!r}")
    weights = population.weights
    selection = policy.select(scores, weights)
    vals = _attribute_values(population, attribute, values)
    implies = dict(implies or {})
    lookup = {str(v): v for v in vals}
    for key in implies:
        if str(key) not in lookup:
            raise DataError(
                f"implies gives inputs for {key!r}, which is not among the values set "
                f"({', '.join(map(repr, vals))})."
            )

    n = len(frame)
    rng = np.random.default_rng(random_state)
    if sample is None:
        rows = np.arange(n)
    else:
        if isinstance(sample, bool) or not isinstance(
            sample, (int, float, np.integer, np.floating)
        ):
            raise DataError(f"sample must be a number of files or a share, not {sample!r}.")
        if isinstance(sample, (float, np.floating)):
            if not 0 < sample <= 1:
                raise DataError(f"A sample share must be in (0, 1], not {sample!r}.")
            k = max(1, int(round(sample * n)))
        else:
            if sample < 1:
                raise DataError(f"A sample size must be >= 1, not {sample!r}.")
            k = min(int(sample), n)
        rows = np.sort(rng.choice(n, size=k, replace=False))
    sub = frame.iloc[rows]
    w = None if weights is None else weights[rows]
    if attribute in population.attributes:
        attr = population.attributes[attribute]
        codes, labels = attr.codes[rows].astype(np.int64), list(attr.levels)
    else:
        c, uniq = pd.factorize(sub[attribute], sort=True)
        codes, labels = np.asarray(c, dtype=np.int64), [str(u) for u in uniq]
    G = len(labels)
    # scores of the very rows that are copied, with the same call shape as the copies
    s0 = validate_scores(model.score(sub), len(sub), f"Model {name!r}")
    p0 = _selection_probability(s0, selection)

    out, pairs = [], []
    for v in vals:
        new = {attribute: _constant_like(sub[attribute], v, f"attribute {attribute!r}")}
        spec = implies.get(v, implies.get(str(v), {})) if implies else {}
        for col, how in spec.items():
            if col not in frame.columns:
                raise DataError(
                    f"implies[{v!r}] sets {col!r}, which is not a column of the population."
                )
            if callable(how):
                value = how(sub)
                value = (
                    pd.Series(value, index=sub.index)
                    if not isinstance(value, pd.Series)
                    else value.set_axis(sub.index)
                )
                if len(value) != len(sub):
                    raise DataError(
                        f"implies[{v!r}][{col!r}] returned {len(value)} values for "
                        f"{len(sub)} files."
                    )
                new[col] = value
            else:
                new[col] = _constant_like(sub[col], how, f"implies[{v!r}][{col!r}]")
        s1 = validate_scores(model.score(sub.assign(**new)), len(sub), f"Model {name!r}")
        p1 = _selection_probability(s1, selection)
        d = s1 - s0
        ds = p1 - p0
        m, lo, hi, n_eff = _paired_summary(d, codes, G, w, confidence)
        sm, slo, shi, _ = _paired_summary(ds, codes, G, w, confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(
                pd.DataFrame(
                    {
                        "attribute": attribute,
                        "group": labels,
                        "value": str(v),
                        "n": np.bincount(codes, minlength=G).astype(np.int64),
                        "score_original": _group_mean(s0, codes, G, w),
                        "score_counterfactual": _group_mean(s1, codes, G, w),
                        "score_change": m,
                        "score_change_low": lo,
                        "score_change_high": hi,
                        "selection_original": _group_mean(p0, codes, G, w),
                        "selection_counterfactual": _group_mean(p1, codes, G, w),
                        "selection_change": sm,
                        "selection_change_low": slo,
                        "selection_change_high": shi,
                        "share_changed": _group_mean((d != 0).astype(float), codes, G, w),
                    }
                )
            )
        if return_pairs:
            pairs.append(
                pd.DataFrame(
                    {
                        "row": rows,
                        "group": np.asarray(labels, dtype=object)[codes],
                        "value": str(v),
                        "score_original": s0,
                        "score_counterfactual": s1,
                        "score_change": d,
                        "selected_original": p0,
                        "selected_counterfactual": p1,
                    }
                )
            )
    table = pd.concat(out, ignore_index=True)
    table = table[table["n"] > 0].reset_index(drop=True)
    table.attrs["cutoff"] = selection.cutoff
    table.attrs["policy"] = policy.describe()
    if return_pairs:
        return table, pd.concat(pairs, ignore_index=True)
    return table


# =============================================================================================
# Personas
# =============================================================================================


def _load_personas(personas: Any) -> list[dict]:
    if isinstance(personas, (str, os.PathLike)):
        path = Path(personas)
        if not path.is_file():
            raise DataError(f"Persona file {str(path)!r} not found.")
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DataError(f"Persona file {str(path)!r} is not valid YAML: {exc}") from None
        if isinstance(data, Mapping) and "personas" in data:
            data = data["personas"]
        personas = data
    if isinstance(personas, Mapping):
        personas = [personas]
    if not isinstance(personas, (list, tuple)) or not personas:
        raise DataError(
            "personas must be a non-empty list of mappings (or a YAML file holding "
            "one, optionally under a 'personas' key)."
        )
    out = []
    for i, p in enumerate(personas):
        if not isinstance(p, Mapping):
            raise DataError(
                f"Persona #{i + 1} is a {type(p).__name__}, not a mapping of field -> value."
            )
        if "name" not in p or p["name"] in (None, ""):
            raise DataError(f"Persona #{i + 1} has no 'name': give every persona a name.")
        out.append(dict(p))
    names = [str(p["name"]) for p in out]
    dups = sorted({x for x in names if names.count(x) > 1})
    if dups:
        raise DataError(f"Persona names must be unique; repeated: {', '.join(map(repr, dups))}.")
    return out


def _persona_frame(rows: list[dict], population: Population, features: list[str]) -> pd.DataFrame:
    """Persona values as a frame with the population's dtypes (categories kept)."""
    frame = population.frame
    data: dict[str, Any] = {}
    cols = list(dict.fromkeys(c for r in rows for c in r if c != "name"))
    for c in cols:
        vals = [r.get(c) for r in rows]
        if c in frame.columns and isinstance(frame[c].dtype, pd.CategoricalDtype):
            cats = frame[c].cat.categories
            by_text = {str(x): x for x in cats}
            mapped = []
            for r, x in zip(rows, vals, strict=True):
                if x is None or str(x) not in by_text:
                    if c in features:
                        raise DataError(
                            f"Persona {r['name']!r}: value {x!r} of {c!r} is not one of the "
                            f"population's values ({', '.join(map(repr, list(cats)[:20]))})."
                        )
                    mapped.append(None)
                else:
                    mapped.append(by_text[str(x)])
            data[c] = pd.Categorical(mapped, dtype=frame[c].dtype)
        elif (
            c in frame.columns
            and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])
        ):
            try:
                data[c] = pd.to_numeric(pd.Series(vals, dtype=object), errors="raise")
            except (TypeError, ValueError):
                bad = next(
                    r
                    for r, x in zip(rows, vals, strict=True)
                    if not isinstance(x, (int, float)) or isinstance(x, bool)
                )
                raise DataError(
                    f"Persona {bad['name']!r}: {c!r} must be a number (the population's column "
                    f"is numeric), not {bad.get(c)!r}."
                ) from None
            if pd.api.types.is_integer_dtype(frame[c]) and np.all(
                np.mod(data[c].to_numpy(float), 1) == 0
            ):
                data[c] = data[c].astype(frame[c].dtype)
        else:
            data[c] = pd.Series(vals, dtype=object)
    return pd.DataFrame(data)


def score_personas(
    personas: Sequence[Mapping[str, Any]] | str | os.PathLike,
    population: Population,
    model: Any,
    policy: Budget | Threshold | None = None,
) -> pd.DataFrame:
    """Score archetypal files and place them on the population's score distribution.

    Parameters
    ----------
    personas : list of dict, or path to a YAML file
        Each persona has a ``name`` and a value for every input of the model (other fields,
        e.g. ``description``, are kept out of the scoring). A YAML file holds a list of such
        mappings, or a mapping with a ``personas`` key.
    population : Population
        The population whose scores and cut-off the personas are compared with.
    model : ScoringModel
    policy : Budget or Threshold
        Default ``Budget(share=0.05)``.

    Returns
    -------
    DataFrame
        One row per persona as given (``variant == "as given"``), then one per other value of
        each protected attribute the persona states (``attribute``, ``value``): ``score``,
        ``score_change`` (from the persona as given), ``percentile`` (share of the population
        scoring lower, plus half of the ties, in %), ``selection_probability`` (1 above the
        population's cut-off score, 0 below, the tie lottery's probability at it) and
        ``selected`` (``"yes"``, ``"no"``, or ``"tie (p=...)"``).

    Raises
    ------
    DataError
        A persona without a name, without a value for a model input (the message names both),
        or with a value the population does not have.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> frame = pd.DataFrame({"gender": ["man", "woman"] * 50, "x": np.arange(100.0)})
    >>> card = sa.models.Scorecard.from_dict({"name": "m", "terms": [
    ...     {"kind": "linear", "variable": "x", "coefficient": 0.1}]})
    >>> t = score_personas([{"name": "high", "gender": "woman", "x": 99.0}],
    ...                    sa.Population(frame, protected=["gender"]), card, sa.Budget(share=0.1))
    >>> t[["persona", "variant", "selected"]].values.tolist()
    [['high', 'as given', 'yes'], ['high', 'gender = man', 'yes']]
    """
    population = _check_population(population, "score_personas()")
    _check_model(model)
    policy = _check_policy(policy)
    rows = _load_personas(personas)
    features = list(getattr(model, "features", []) or [])
    for p in rows:
        missing = [f for f in features if f not in p or p[f] is None]
        if missing:
            raise DataError(
                f"Persona {p['name']!r} lacks {', '.join(map(repr, missing))}, required by model "
                f"{_model_name(model)!r} (its inputs: {', '.join(features)})."
            )
    frame = population.frame
    check_features(model, frame)
    name = _model_name(model)
    pop_scores = validate_scores(model.score(frame), len(frame), f"Model {name!r}")
    weights = population.weights
    selection = policy.select(pop_scores, weights)

    # the personas as given, then each other value of each protected attribute they state
    variants: list[dict] = []
    meta: list[tuple[str, str, str | None, str | None]] = []
    for p in rows:
        variants.append(p)
        meta.append((str(p["name"]), "as given", None, None))
        for a in population.protected:
            if a not in p or a in population.bands:
                continue
            col = frame[a]
            if isinstance(col.dtype, pd.CategoricalDtype):
                present = set(pd.unique(col.dropna()))
                others = [c for c in col.cat.categories if c in present]
            else:
                others = list(pd.unique(col.dropna()))
            for o in others:
                if str(o) == str(p[a]):
                    continue
                variants.append({**p, a: o})
                meta.append((str(p["name"]), f"{a} = {o}", a, str(o)))
    pf = _persona_frame(variants, population, features)
    s = validate_scores(model.score(pf), len(pf), f"Model {name!r}")

    # percentile: weighted share of population scores below, plus half of the ties
    order = np.argsort(pop_scores, kind="stable")
    sorted_s = pop_scores[order]
    cw = np.concatenate(
        [[0.0], np.cumsum(np.ones(len(order)) if weights is None else weights[order])]
    )
    lo = cw[np.searchsorted(sorted_s, s, side="left")]
    hi = cw[np.searchsorted(sorted_s, s, side="right")]
    percentile = 100 * (lo + 0.5 * (hi - lo)) / cw[-1]
    prob = _selection_probability(s, selection)
    selected = np.where(prob >= 1, "yes", np.where(prob <= 0, "no", "tie"))
    selected = [
        f"tie (p={p:.2f})" if t == "tie" else t for t, p in zip(selected, prob, strict=True)
    ]
    t = pd.DataFrame(meta, columns=["persona", "variant", "attribute", "value"])
    t["score"] = s
    base = t.groupby("persona", sort=False)["score"].transform("first")
    t["score_change"] = t["score"] - base
    t["percentile"] = percentile
    t["selection_probability"] = prob
    t["selected"] = selected
    t.attrs["cutoff"] = selection.cutoff
    t.attrs["policy"] = policy.describe()
    return t
