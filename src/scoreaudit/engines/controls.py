"""Audits from a log of controls: files picked by the score, files picked at random.

Agencies that never disclose their model can still answer a freedom-of-information request
with the log of a year of controls: for each control, who was controlled (the protected
attributes), how the file was picked (by the score, or at random) and what the control found.
This is how the Swedish temporary parental benefit model was audited (Lighthouse Reports and
Svenska Dagbladet, 2024; see ``docs/public-facts.md``). :class:`ControlLog` validates such a log and
:func:`audit_controls` turns it into the tidy tables of the core audit.

The estimator and its assumptions
---------------------------------
Write, for one group ``g``: ``r_g`` random controls of which ``y_g`` found errors, ``s_g``
score-picked controls of which ``t_g`` found errors; ``n_R = sum r``, ``n_S = sum s``,
``Y = sum y``; ``N`` the population size (``population_size``).

Assumptions:

1. **The random controls are a simple random sample of the whole population** (drawn with
   equal probability among all ``N`` files, *including* files the score would pick), so
   ``r_g / n_R`` estimates the group's population share and ``y_g / r_g`` its true error rate
   without bias. If the agency drew its random controls only among the files the score did
   not pick, the random shares estimate the unpicked files instead; with a small score budget
   (``n_S / N`` of a few percent) the difference is small, but the number of missed errors is
   then overestimated by about ``n_S * (precision - base rate)``.
2. **Selection by the score happens before the outcome is known**, and every control finds
   the errors there are (or misses them at the same rate in both strata): a control's result
   is the file's true status, not something the selection changed.
3. **The score-picked files are the top of the model's ranking, and the log holds all of
   them**: every file the score picked in the period was controlled and is in the log. So the
   number of score-picked files in the population is the number of score-picked rows of the
   log, ``n_S`` (the model's "positive predictions"), and the selection share is
   ``n_S / N``. A file picked at random is counted as not picked by the score.

Estimates (design 1, expansion by the random sample):

* population files of ``g``: ``N_g = N * r_g / n_R``; files with errors: ``P_g = N * y_g / n_R``;
* true positives ``TP_g = t_g`` and false positives ``FP_g = s_g - t_g`` (observed: the
  score-picked files are all in the log); false negatives ``FN_g = P_g - t_g``; true
  negatives ``TN_g = N_g - P_g - FP_g``;
* false-positive rate ``FP_g / (N_g - P_g)``, false-negative rate ``FN_g / P_g``, selection
  rate ``s_g / N_g``;
* "equal burden" gap: the group's share among score-picked controls minus its share among
  the population's files with errors, ``s_g / n_S - y_g / Y`` (``N`` cancels, so it is
  reported even without ``population_size``), compared like the representation: the
  score-picked controls against the random controls that found errors, two independent
  samples (Wilson, Katz, Newcombe, exact or score test). "True positives" in the equal-burden
  criterion means the files that really have errors, not the score's hits.

Estimated FN or TN cells can come out negative when a group's random controls are few (the
estimate then says more errors were found by the score than the random sample implies exist):
the cells are kept as estimated, the rates and shares derived from them (FPR, FNR, confusion
shares, selection rate) are clipped to [0, 1], the row gets a note and the result a warning.
Bootstrap replicates are clipped the same way.

Intervals: Wilson for every share and rate observed directly (shares among random and
score-picked controls, base error rate, precision), Katz for ratios, Newcombe for
differences, Woolf for the relative selection rate (an odds ratio of the 2x2 table of
selection method by group), all from :mod:`scoreaudit.stats.metrics`; percentile bootstrap for the
population-level quantities (FPR, FNR, confusion shares, selection rates).
The bootstrap resamples the log *stratified by selection method* (``n_R`` and ``n_S`` fixed):
each replicate draws the counts of every (finest cell x outcome) category of a stratum from a
multinomial with the observed proportions, ``rng.multinomial(n_stratum, p, size=n_boot)``,
then sums cells into groups with a matrix product. Resampling the score stratum treats the
year's picks as one draw of the model's behaviour (a superpopulation view); holding them
fixed would give narrower, finite-population intervals. Bootstrap comparisons are tested with
a Wald statistic, the estimated difference over its bootstrap standard error; no test is
made when a group (or its reference) has no random control, or (FNR) no error found among
them, or (FPR) no random control without errors, since the bootstrap cannot vary what was
never observed. Percentile intervals that miss the point estimate (clipped or very skewed
replicates) are widened to contain it, with a note; a limit that falls among infinite
replicates (a reference rate of 0 in some replicates) is infinite, with a note.

When the bootstrap is not informative (:data:`MIN_RANDOM_BOOTSTRAP` = 10):

* a group with fewer than 10 random controls (its estimated size rests on them), or whose
  replicates are degenerate (fewer than half defined, or all equal: e.g. no score-picked
  control, so every replicate's selection rate is 0), gets no percentile interval. Its
  selection rate, FPR and FNR get an analytic one instead: each is a ratio of a share among
  score-picked controls to a share among random controls times ``n_S / N`` (selection rate
  ``(s / n_S) / (r / n_R)``, FPR ``((s - t) / n_S) / ((r - y) / n_R)``, FNR one minus
  ``(t / n_S) / (y / n_R)``), whose Katz interval (Haldane-Anscombe corrected for empty
  cells) carries the uncertainty of the picks and of the group's estimated size, clipped to
  [0, 1]. The confusion shares get NaN bounds. The FNR also falls back when fewer than 10
  errors were found among the group's random controls. The row's ``note`` says which.
* a comparison where the group or its reference falls back (or whose replicates are
  degenerate) gets analytic intervals and test: differences by MOVER (Zou & Donner 2008) from
  the two analytic intervals; the FPR ratio by Woolf on ``[[s1 - t1, r1 - y1], [s0 - t0,
  r0 - y0]]`` and the FNR through the TPR's ``[[t1, y1], [t0, y0]]``, tested like the
  selection rate (Fisher's exact test for small expected counts, else the score test); no
  analytic interval is given for the FNR ratio (NaN bounds, with a note).

Every NaN bound comes with a note saying why.

A published result has no bootstrap bound when the publication hides any count: the
replicates of every group come from one draw over all cells with a recorded seed, so a
published bound depends on hidden counts through the draw (re-running it for each candidate
value of the hidden counts found them). The publication gate then takes the same audit with
every group and comparison on the analytic intervals above (``config["intervals"]`` says
so, and each row's note); the analyst's result keeps the bootstrap.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import Cells, Sums, build_cells, build_views
from scoreaudit.core.references import reference_config, resolve_references
from scoreaudit.core.warning import records_notes, warning
from scoreaudit.engines._control_tables import MIN_RANDOM_BOOTSTRAP as MIN_RANDOM_BOOTSTRAP
from scoreaudit.engines._control_tables import (
    POSITIVES_REFERENCE,
    RANDOM_REFERENCE,
    _bootstrap,
)
from scoreaudit.engines._control_tables import _quantiles as _quantiles
from scoreaudit.engines._control_views import Totals, control_warnings, view_tables
from scoreaudit.engines._options import check_options
from scoreaudit.engines.aggregate import (
    AggregateResult,
    finish_disparities,
)
from scoreaudit.engines.control_log import ControlLog
from scoreaudit.errors import DataError
from scoreaudit.gate.aggregate import CountRules
from scoreaudit.stats import metrics as M

__all__ = ["PSEUDO_REFERENCES", "ControlAuditResult", "ControlLog", "audit_controls"]

#: The two references of a controls audit that are totals, not groups, and the catalogue key
#: of their words ("random controls", "files with errors").
PSEUDO_REFERENCES = {RANDOM_REFERENCE: "pseudo_random", POSITIVES_REFERENCE: "pseudo_errors"}


#: What the published numbers of a controls audit rest on (the publication gate's rules):
#: the observed counts, those behind each comparison and each column of the groups table.
CONTROL_COUNT_RULES = CountRules(
    counts={
        "random": "random_controls",
        "score": "score_controls",
        "random_errors": "random_errors",
        "random_ok": ("random_controls", "random_errors"),
        "score_errors": "score_errors",
        "score_ok": ("score_controls", "score_errors"),
    },
    metric_counts={
        "representation": ("random", "score"),
        "selection_rate": ("random", "score"),
        "burden": ("score", "random_errors"),
        # a comparison publishes its rate and its number of controls (``n``)
        "base_error_rate": ("random_errors", "random_ok", "random"),
        "precision": ("score_errors", "score_ok", "score"),
        "fpr": ("random", "score", "random_errors", "random_ok", "score_errors", "score_ok"),
        "fnr": ("random", "score", "random_errors", "random_ok", "score_errors", "score_ok"),
    },
    column_counts=(
        # the numbers of controls, and the shares and ratios that give them back
        ("n", ("random", "score")),
        ("random_controls", ("random",)),
        ("share", ("random",)),
        ("score_controls", ("score",)),
        ("selected", ("score",)),
        ("representation", ("random", "score")),
        ("random_errors", ("random_errors", "random_ok")),
        ("score_errors", ("score_errors", "score_ok")),
        # a rate and its published count of errors give back the number of controls
        ("base_error_rate", ("random_errors", "random_ok", "random")),
        ("precision", ("score_errors", "score_ok", "score")),
        ("positive_share", ("random_errors",)),
        ("burden_gap", ("score", "random_errors")),
        ("est_positives", "*"),
        ("tp", "*"),
        ("fp", "*"),
        ("tn", "*"),
        ("fn", "*"),
        ("selection_rate", "*"),
        ("fpr", "*"),
        ("fnr", "*"),
        ("est_files", ("random",)),
        # a row's flag and note say whether its counts reach min_cell (or are zero)
        ("small_cell", "*"),
        ("note", "*"),
    ),
    # a log's controls split into errors and no errors
    coupled=(("random_errors", "random_ok"), ("score_errors", "score_ok")),
    parts=(("random", ("random_errors", "random_ok")), ("score", ("score_errors", "score_ok"))),
    pseudo_references=tuple(PSEUDO_REFERENCES),
    summary_totals={
        "random_controls": (),
        "score_controls": (),
        "random_errors_found": (),
        "score_errors_found": (),
        "controls": ("random_controls", "score_controls"),
    },
    # what the gate's attacker reads: the numbers of controls as sums of their two parts,
    # and the log's totals
    atoms={
        "random": ("random_ok", "random_errors"),
        "score": ("score_ok", "score_errors"),
    },
    summary_counts={
        "controls": ("random", "score"),
        "random_controls": ("random",),
        "score_controls": ("score",),
        "random_errors_found": ("random_errors",),
        "score_errors_found": ("score_errors",),
    },
    summary_warnings={
        "warn_controls_few_random": (
            "random_controls",
            lambda min_cell: warning("controls_few_random_hidden", min_cell=min_cell),
        )
    },
    zero_warnings={"warn_controls_absent": lambda: warning("controls_absent_hidden")},
)


class ControlAuditResult(AggregateResult):
    """Result of :func:`audit_controls` (``kind == "controls"``).

    ``groups`` holds, per (attribute, group): controls (``random_controls``,
    ``score_controls``, the latter also as ``selected``: files the score picked), ``share`` (among random controls: the population share) and
    ``selected_share`` (among score-picked controls) with Wilson intervals,
    ``representation_ratio`` / ``representation_difference`` with Katz / Newcombe intervals,
    ``base_error_rate`` (random controls) and ``precision`` (score-picked) with Wilson
    intervals, ``positive_share`` (Wilson) and ``burden_gap`` (Newcombe), and with a
    population size the estimated confusion matrix (``est_files``, ``est_positives``, ``tp``,
    ``fp``, ``tn``, ``fn``, their shares ``tp_share`` ... with bootstrap intervals),
    ``selection_rate``, ``fpr``, ``fnr`` (bootstrap intervals). ``disparities`` has one row per
    group and metric: ``representation`` (against the random controls), ``burden`` (against
    the files with errors), ``selection_rate``, ``base_error_rate``, ``precision``, ``fpr``,
    ``fnr`` (against the reference group).
    """

    kind = "controls"
    count_rules = CONTROL_COUNT_RULES

    def _headline(self) -> str:
        d = self.data_summary

        def count(key: str) -> str:  # a published result hides a small total (None)
            return "[c]" if d.get(key) is None else f"{d[key]:,}"

        return (
            f"{count('controls')} controls ({count('random_controls')} random, "
            f"{count('score_controls')} by the score); {len(self.groups)} groups"
        )


# -- the audit ------------------------------------------------------------------------------
@records_notes
def audit_controls(
    log: ControlLog,
    reference: Mapping[str, Any] | str | None = None,
    *,
    confidence: float = 0.95,
    correction: str = "holm",
    intersections: bool | int = True,
    min_cell: int = 11,
    n_boot: int = 1000,
    random_state: int | None = 0,
) -> ControlAuditResult:
    """Audit a scoring model from its control log (random and score-picked controls).

    The estimator, its assumptions and the intervals are described in the module docstring
    of :mod:`scoreaudit.engines.controls`. In short: random controls estimate each group's population
    share and true error rate; score-picked controls give the model's picks and precision;
    with ``population_size``, both give the population-level confusion matrix per group.

    Parameters
    ----------
    log : ControlLog
        The validated log.
    reference : dict, "rest" or None
        Reference group per attribute for the group-to-group comparisons (selection rate,
        base error rate, precision, FPR, FNR), e.g. ``{"gender": "man"}``; by default the
        group with the most random controls (the largest in the population); ``"rest"``
        compares every group with all other controls. Same rules as
        :func:`scoreaudit.engines.memory`. The representation and burden comparisons have their own
        reference (the random controls, the files with errors).
    confidence : float, default 0.95
        Level of all intervals; tests use ``alpha = 1 - confidence``.
    correction : {"holm", "bh", "bonferroni", "none"}
        Multiple-testing adjustment over every comparison of the audit (all metrics).
    intersections : bool or int
        Also audit combinations of attributes (``True``: all; an int: up to that many).
    min_cell : int, default 11
        Comparisons resting on fewer controls are flagged ``small_cell``.
    n_boot : int, default 1000
        Bootstrap replicates for the population-level quantities.
    random_state : int, default 0
        Seed of the bootstrap.

    Returns
    -------
    ControlAuditResult

    Notes
    -----
    Representation flags, per group, compare its share among score-picked controls
    (``s_g / n_S``) with its share among random controls (``r_g / n_R``, the population
    share): ``below_four_fifths`` when the ratio of the two shares is below 0.8 or above 1.25
    (the ratio is the group's selection rate over the overall selection rate, so this is the
    four-fifths rule against the whole population); ``agency_rule`` when the share halves
    (ratio <= 0.5), doubles (ratio >= 2) or moves by 30 points, meaning an absolute change of
    at least 30 *percentage points* (e.g. from 40% of the random controls to 70% or more of
    the score-picked ones), not 30% of the share. Flags use point estimates.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = ([("woman", "random", "errors found")] * 5 + [("woman", "random", "no error")] * 45
    ...         + [("man", "random", "errors found")] * 5 + [("man", "random", "no error")] * 45
    ...         + [("woman", "score", "errors found")] * 20 + [("woman", "score", "no error")] * 40
    ...         + [("man", "score", "errors found")] * 10 + [("man", "score", "no error")] * 30)
    >>> frame = pd.DataFrame(rows, columns=["gender", "selection_method", "result"])
    >>> log = ControlLog(frame, ["gender"], population_size=10_000)
    >>> res = audit_controls(log, reference={"gender": "man"}, n_boot=200)
    >>> g = res.groups.set_index("group")
    >>> float(g.loc["woman", "share"]), float(g.loc["woman", "selected_share"])
    (0.5, 0.6)
    >>> float(g.loc["woman", "fp"]), float(g.loc["woman", "fpr"].round(6))
    (40.0, 0.008889)
    """
    n_boot = _check_arguments(log, confidence, correction, min_cell, n_boot)
    options = {
        "confidence": confidence,
        "correction": correction,
        "intersections": intersections,
        "min_cell": min_cell,
        "n_boot": n_boot,
        "random_state": random_state,
    }
    result = _audit_controls(log, reference, resampled=True, **options)
    # The publication gate's way to intervals that depend only on published counts: with a
    # hidden count, the bootstrap replicates of published rows (one multinomial draw over all
    # cells, from a published seed) would give it back to whoever re-runs the draw.
    rerun = functools.partial(_audit_controls, log, reference, resampled=False, **options)
    object.__setattr__(result, "_without_resampling", rerun)
    return result


@records_notes
def _audit_controls(
    log: ControlLog,
    reference: Mapping[str, Any] | str | None,
    *,
    confidence: float,
    correction: str,
    intersections: bool | int,
    min_cell: int,
    n_boot: int,
    random_state: int | None,
    resampled: bool,
) -> ControlAuditResult:
    """:func:`audit_controls` (arguments checked); without ``resampled``, every interval is
    analytic and the bootstrap is not drawn."""
    cells = build_cells(list(log.attributes.values()))
    views = build_views(cells, intersections)
    cell_counts = _cell_counts(log, cells)
    random_by_view = {}
    for v in views:
        rv = np.bincount(
            v.group_of_cell, weights=cell_counts[0] + cell_counts[1], minlength=v.n_groups
        )
        random_by_view[v.name] = Sums(rv, rv, rv)
    refs, warnings = resolve_references(views, random_by_view, reference)

    rng = np.random.default_rng(random_state)
    totals = Totals(
        cell_counts=cell_counts,
        # (B, 4, C); not drawn without resampling (NaN replicates: no bootstrap bound)
        boot=_bootstrap(cell_counts, n_boot, rng)
        if resampled
        else np.full((2, *cell_counts.shape), np.nan),
        n_random=float(log.n_random),
        n_score=float(log.n_score),
        y_total=float(cell_counts[1].sum()),
        N=log.population_size,
        confidence=confidence,
        min_cell=min_cell,
        resampled=resampled,
    )
    group_frames, disp_frames = [], []
    warned_absent: list[list[str]] = []
    warned_negative: list[list[str]] = []
    for v, ref in zip(views, refs, strict=True):
        groups_v, frames, absent, negative = view_tables(v, ref, totals)
        group_frames.append(groups_v)
        disp_frames += frames
        warned_absent += absent
        warned_negative += negative

    groups = pd.concat(group_frames, ignore_index=True)
    n_groups = {v.name: v.n_groups for v in views}  # one Holm family rule (stats.metrics)
    for f in disp_frames:
        f["_test_key"] = M.comparison_family(
            f["attribute"], f["group"], f["attribute"].map(n_groups), f["metric"]
        )
    disparities = finish_disparities(disp_frames, correction, confidence)
    summary = log.summary()
    warnings += control_warnings(
        summary, warned_absent, warned_negative, log.population_size, min_cell
    )
    config = {
        **reference_config(reference, views, refs),
        "intersections": intersections,
        "confidence": confidence,
        "correction": correction,
        "min_cell": int(min_cell),
        "n_boot": n_boot,
        "random_state": random_state,
        "intervals": "bootstrap"
        if resampled
        else "analytic (the publication hides counts the bootstrap would draw on)",
        "estimator": "random controls expanded to population_size (simple random sample "
        "of the whole population); score-picked controls are all of the "
        "score's picks",
    }
    return ControlAuditResult(
        groups=groups,
        disparities=disparities,
        config=config,
        data_summary=summary,
        warnings=warnings,
    )


def _check_arguments(
    log: Any, confidence: float, correction: str, min_cell: int, n_boot: Any
) -> int:
    """Validate the options of :func:`audit_controls`; the number of bootstrap replicates."""
    if not isinstance(log, ControlLog):
        raise DataError.from_key("err_controls_not_log", type=type(log).__name__)
    check_options(confidence, correction, min_cell)
    if isinstance(n_boot, bool) or int(n_boot) < 10:
        raise DataError.from_key("err_n_boot", value=n_boot)
    return int(n_boot)


def _cell_counts(log: ControlLog, cells: Cells) -> np.ndarray:
    """(4, C) counts per cell: random without / with errors, score-picked without / with."""
    C = cells.n_cells
    c, rnd, pos = log.counts.astype(float), log.is_random, log.is_positive
    cell = cells.cell.astype(np.int64)
    return np.stack(
        [
            np.bincount(cell, weights=c * (rnd & ~pos), minlength=C),
            np.bincount(cell, weights=c * (rnd & pos), minlength=C),
            np.bincount(cell, weights=c * (~rnd & ~pos), minlength=C),
            np.bincount(cell, weights=c * (~rnd & pos), minlength=C),
        ]
    )
