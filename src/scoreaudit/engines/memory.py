"""The audit engine: population + model + policy -> group statistics -> disparities.

Data flow (one direction): the model scores the population's frame; the policy ranks the
scores once and selects the files controlled; the rows are counted once per finest cell of
the protected attributes; every attribute and intersection is a sum of cells; the metrics
turn counts into rates, disparities, intervals and tests; the result holds tidy tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scoreaudit.core.cells import (
    build_cells,
    build_views,
)
from scoreaudit.core.references import resolve_references
from scoreaudit.core.vocab import REST
from scoreaudit.core.warning import records_notes
from scoreaudit.data.inputs import refuse_nested_columns
from scoreaudit.data.population import Population
from scoreaudit.engines._options import AuditOptions
from scoreaudit.engines.tables import (
    _check_probabilities,
    _Engine,
    audit_result,
    tie_groups_of,
)
from scoreaudit.errors import DataError, Part, PolicyError
from scoreaudit.models.adapt import as_scoring_model
from scoreaudit.models.base import check_features, validate_scores
from scoreaudit.results import AuditResult
from scoreaudit.selection.policies import Budget, Threshold

__all__ = ["REST", "audit"]


@records_notes
def audit(
    population: Population,
    model: Any,
    policy: Budget | Threshold | None = None,
    *,
    reference: Mapping[str, Any] | str | None = None,
    intersections: bool | int = True,
    confidence: float = 0.95,
    correction: str = "holm",
    min_cell: int = 11,
    budgets: Sequence[float] | None = None,
    threshold_free: bool = True,
    calibration_bins: int = 10,
    bootstrap: int = 0,
    bootstrap_seed: int | None = 0,
) -> AuditResult:
    """Audit a scoring model on a population: who is selected for control, by group.

    Parameters
    ----------
    population : Population
        The files, with validated protected attributes (and optional labels and weights).
    model : ScoringModel or str
        Anything with ``features`` and ``score(frame)``; a string is a score column name.
    policy : Budget or Threshold
        Which files are controlled. Default: the top 5% of scores (``Budget(share=0.05)``).
    reference : dict, "rest" or None
        Reference group per attribute, e.g. ``{"gender": "man"}``. Attributes not listed use
        their largest group. For an intersection, give it by name
        (``{"gender × family_status": "man × alone"}``) or it defaults to the combination of
        its members' given references when that cell exists, else to its largest cell.
        ``"rest"`` compares every group with all other files instead.
    intersections : bool or int
        Also audit combinations of attributes (``True``: all; an int: up to that many).
    confidence : float
        Level of the confidence intervals; tests use ``alpha = 1 - confidence``.
    correction : {"holm", "bh", "bonferroni", "none"}
        Multiple-testing adjustment over all comparisons of the audit.
    min_cell : int
        Groups with fewer files, or fewer selected files, are flagged ``small_cell``
        (11 is the usual publication threshold of French health data).
    budgets : sequence of float, optional
        Shares of files for the budget curve (default 0.01, 0.02, ..., 1.00).
    threshold_free : bool
        Compute AUC and Kolmogorov-Smirnov distances of score distributions per group.
    calibration_bins : int
        Score quantile bins for calibration by group (only with labels).
    bootstrap : int
        Number of bootstrap samples for percentile intervals of the ratios (0: none, the
        default; 1,000 is usual). Adds ``ratio_boot_low`` and ``ratio_boot_high`` to the
        disparities. The selection rate of every finest cell is redrawn from its Jeffreys
        posterior ``Beta(selected + 1/2, n - selected + 1/2)`` (a smoothed parametric
        bootstrap, vectorised over cells, never over rows: milliseconds for any population
        size), and every group, reference and "rest" is summed from the same draw; cells
        with 0 or all files selected keep a non-degenerate interval. Like the Wilson and Katz
        intervals it treats files as selected independently, so with a fixed budget it is
        slightly conservative. Unweighted populations only.
    bootstrap_seed : int or None
        Seed of the bootstrap draws.

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"gender": rng.choice(["woman", "man"], 1000),
    ...                       "score": rng.random(1000)})
    >>> pop = sa.Population(frame, protected=["gender"])
    >>> res = sa.audit(pop, sa.ScoreColumn("score"), sa.Budget(share=0.1),
    ...                reference={"gender": "man"})
    >>> int(res.selected.sum())
    100
    >>> res.disparities[["group", "reference"]].values.tolist()
    [['woman', 'man']]
    """
    if not isinstance(population, Population):
        raise DataError.from_key("err_audit_not_population", type=type(population).__name__)
    model = as_scoring_model(model)
    policy = Budget(share=0.05) if policy is None else policy
    if not isinstance(policy, (Budget, Threshold)):
        raise PolicyError.from_key("err_policy_type", type=type(policy).__name__)
    options = AuditOptions.validated(
        population, reference=reference, intersections=intersections, confidence=confidence,
        correction=correction, min_cell=min_cell, budgets=budgets,
        threshold_free=threshold_free, calibration_bins=calibration_bins,
        bootstrap=bootstrap, bootstrap_seed=bootstrap_seed,
    )  # fmt: skip
    if population.source is not None:  # the rows stay in their engine: GROUP BY there
        from scoreaudit.engines.sql import audit_engine

        return audit_engine(population, model, policy, options)
    frame = population.frame
    check_features(model, frame)
    features = list(getattr(model, "features", []) or [])
    refuse_nested_columns(frame, features, Part("err_role_model_input"))
    name = getattr(model, "name", type(model).__name__)
    scores = validate_scores(model.score(frame), len(frame), Part("err_model_named", name=name))
    weights = population.weights

    attrs = list(population.attributes.values())
    cells = build_cells(attrs)
    views = build_views(cells, intersections)
    n_labels, tie_groups = tie_groups_of(cells, population.labels)
    ranking = policy.rank(scores, weights)
    distinct = None if ranking.blocks is None else ranking.blocks.values
    score_range = _check_probabilities(model, name, scores, distinct)
    if ranking.blocks is not None and weights is None:  # rows per (score level, tie group),
        ranking.level_counts(tie_groups, cells.n_cells * n_labels)  # counted once for all
    selection = policy.select(scores, weights, ranking, groups=tie_groups)
    selected = selection.selected

    engine = _Engine(
        population,
        cells,
        views,
        scores,
        selected,
        weights,
        confidence,
        min_cell,
        selection,
        ranking,
    )
    engine.tie_groups, engine.n_labels = tie_groups, n_labels
    engine.random_state = policy.random_state
    refs, warnings = resolve_references(
        views, engine.base_by_view, reference, engine.selected_by_view
    )

    groups = engine.groups_table()
    disparities = engine.disparities_table(refs, correction)
    disparities = engine.add_lottery_range(disparities, refs, selection)
    if bootstrap:
        disparities = engine.add_bootstrap(disparities, refs, int(bootstrap), bootstrap_seed)
    if threshold_free:
        disparities = engine.add_threshold_free(disparities, refs, ranking)
    curve = engine.curve_table(refs, ranking, options.grid)
    levels = engine.curve_at_levels(refs, ranking, options.grid, curve, selection.n_selected)
    calibration = (
        engine.calibration_table(calibration_bins) if population.labels is not None else None
    )

    return audit_result(
        population,
        model,
        policy,
        groups=groups,
        disparities=disparities,
        curve=curve,
        curve_at_levels=levels,
        selected=selected,
        calibration=calibration,
        selection=selection,
        config=options.config(policy, views, refs),
        warnings=warnings,
        min_cell=min_cell,
        score_range=score_range,
        scores=scores,
    )
