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

from scoreaudit.explain._common import NEUTRALISE_METHODS
from scoreaudit.explain._neutralise import _bootstrap as _bootstrap
from scoreaudit.explain._neutralise import _permutation as _permutation
from scoreaudit.explain.counterfactual import counterfactual
from scoreaudit.explain.explanation import Explanation
from scoreaudit.explain.neutralisation import explain
from scoreaudit.explain.personas import score_personas
from scoreaudit.explain.proxies import _auc_cross_fitted as _auc_cross_fitted
from scoreaudit.explain.proxies import _cramers_v as _cramers_v
from scoreaudit.explain.proxies import proxy_table as proxy_table

__all__ = ["NEUTRALISE_METHODS", "Explanation", "counterfactual", "explain", "score_personas"]
