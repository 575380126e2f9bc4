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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import Sums, build_cells, build_views
from scoreaudit.core.references import reference_config, resolve_references
from scoreaudit.core.vocab import REST
from scoreaudit.data.inputs import to_pandas
from scoreaudit.data.population import Population
from scoreaudit.engines.aggregate import (
    AggregateResult,
    check_options,
    comparison_frame,
    finish_disparities,
    woolf_ratio_interval,
)
from scoreaudit.errors import DataError
from scoreaudit.stats import metrics as M

__all__ = ["ControlAuditResult", "ControlLog", "audit_controls"]

#: Reference label of the representation comparison (share among random controls).
RANDOM_REFERENCE = "(random controls)"
#: Reference label of the equal-burden comparison (share among files with errors).
POSITIVES_REFERENCE = "(files with errors)"
#: Agency rule: a share that moves by this many percentage points is flagged.
AGENCY_POINTS = 0.30
#: Fewer random controls than this in a group (or in its reference), or for the FNR fewer
#: errors found among them: population-level intervals are not bootstrapped (module docstring).
MIN_RANDOM_BOOTSTRAP = 10

_METHODS = ("random", "score")


def _norm(value: Any) -> str:
    """A value as the text used to compare selection methods and outcomes."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


class ControlLog:
    """A validated log of controls: one row per control (or per group of identical controls).

    Parameters
    ----------
    frame : pandas.DataFrame
        The log. Other columns are ignored.
    protected : list of str
        Protected attribute columns (validated exactly as for :class:`~scoreaudit.Population`).
    selected_by : str, default "selection_method"
        Column saying how each file was picked.
    random_value : str, default "random"
        The value of ``selected_by`` marking random controls. Without ``method_map``, every
        other value is merged into "picked by the score".
    outcome : str, default "result"
        Column holding what the control found.
    positive : str, default "errors found"
        The value of ``outcome`` meaning an irregularity was found.
    negative : str, optional
        The value meaning none was found. If omitted, the outcome column must have at most one
        value besides ``positive`` and it is taken as the negative one.
    population_size : int, optional
        Number of files in the population the controls were drawn from (e.g. all C2SG
        households of the year). Needed for population-level rates (FPR, FNR, confusion
        matrix); must be at least the number of controls.
    weight : str, optional
        Frequency weights: a column of positive whole numbers, the number of identical
        controls a row stands for (for logs already aggregated by group, method and result).
        These are not sampling weights: random controls drawn with unequal probabilities are
        outside the estimator's assumptions.
    method_map : dict, optional
        Raw ``selected_by`` values to ``"random"``, ``"score"`` or ``"exclude"`` (e.g. controls
        triggered by a tip-off, which are neither). With a map, every value present must be in
        it (or equal ``random_value``); an unknown value is an error.
    bands : dict, optional
        Cut points for numeric protected attributes, as for :class:`~scoreaudit.Population`.
    missing : {"error", "category"}
        Missing protected values: error (default) or an explicit ``"(missing)"`` group.

    Attributes
    ----------
    is_random : ndarray of bool
        Per kept row, picked at random (else by the score).
    is_positive : ndarray of bool
        Per kept row, the control found an irregularity.
    counts : ndarray of int64
        Per kept row, the number of controls it stands for (1 without ``weight``).
    attributes : dict
        Validated protected attributes (integer codes and labels).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "gender": ["woman", "man", "woman", "man", "woman", "man"],
    ...     "selection_method": ["random", "random", "high risk", "high risk", "follow-up",
    ...                          "random"],
    ...     "result": ["no error", "errors found", "errors found", "no error", "no error",
    ...                "no error"]})
    >>> log = ControlLog(frame, protected=["gender"])
    >>> log.summary()["random_controls"], log.summary()["score_controls"]
    (3, 3)
    >>> sorted(log.summary()["methods"].items())
    [('follow-up', 'score'), ('high risk', 'score'), ('random', 'random')]
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        protected: Sequence[str],
        *,
        selected_by: str = "selection_method",
        random_value: Any = "random",
        outcome: str = "result",
        positive: Any = "errors found",
        negative: Any = None,
        population_size: int | None = None,
        weight: str | None = None,
        method_map: Mapping[Any, str] | None = None,
        bands: Mapping[str, Sequence[float]] | None = None,
        missing: str = "error",
    ) -> None:
        frame = to_pandas(frame, "The control log")
        if len(frame) == 0:
            raise DataError("The control log is empty: it has no rows.")
        if isinstance(protected, str):
            protected = [protected]
        for role, col in (("selected_by", selected_by), ("outcome", outcome)):
            if col not in frame.columns:
                raise DataError(
                    f"Column {col!r} ({role}) not found in the control log. Available columns: "
                    f"{', '.join(map(str, frame.columns[:30]))}."
                )
            if col in protected:
                raise DataError(f"Column {col!r} is both {role} and a protected attribute.")
        if weight is not None and weight not in frame.columns:
            raise DataError(f"Weight column {weight!r} not found in the control log.")

        # -- selection method ----------------------------------------------------------------
        raw_method = frame[selected_by]
        if raw_method.isna().any():
            pos = _first_bad(raw_method.isna().to_numpy())
            raise DataError(
                f"Column {selected_by!r} (selected_by) has {int(raw_method.isna().sum())} "
                f"missing value(s), first at row position {pos}: every control must say how "
                "the file was picked."
            )
        method_text = raw_method.map(_norm).to_numpy(dtype=object)
        present = sorted(set(method_text))
        random_text = _norm(random_value)
        if method_map is not None:
            mapping = {_norm(k): str(v).strip().lower() for k, v in dict(method_map).items()}
            bad_targets = {k: v for k, v in mapping.items() if v not in (*_METHODS, "exclude")}
            if bad_targets:
                raise DataError(
                    f"method_map must map selection values to 'random', 'score' or 'exclude'; "
                    f"got {bad_targets}."
                )
            mapping.setdefault(random_text, "random")
            unknown = [v for v in present if v not in mapping]
            if unknown:
                raise DataError(
                    f"Column {selected_by!r} has value(s) {', '.join(map(repr, unknown))} that "
                    f"method_map does not cover (mapped: {', '.join(map(repr, sorted(mapping)))}"
                    "). Add them to the map as 'random', 'score' or 'exclude'."
                )
        else:
            mapping = {v: ("random" if v == random_text else "score") for v in present}
        role = np.array([mapping[v] for v in method_text], dtype=object)
        self.method_roles = {v: mapping[v] for v in present}
        keep = role != "exclude"
        n_excluded = int((~keep).sum())
        if not keep.any():
            raise DataError(
                f"Every row of the control log is excluded by method_map ({self.method_roles})."
            )
        is_random = role[keep] == "random"
        if not is_random.any():
            close = [v for v in present if v.casefold() == random_text.casefold()]
            hint = (
                f" Did you mean random_value={close[0]!r}?"
                if close
                else f" Values of {selected_by!r}: {', '.join(map(repr, present[:20]))}."
            )
            raise DataError(
                f"The control log has no random controls (no row with {selected_by!r} == "
                f"{random_text!r}): without a random baseline, population shares and error "
                f"rates cannot be estimated.{hint}"
            )
        if is_random.all():
            raise DataError(
                f"The control log has no control picked by the score: every row has "
                f"{selected_by!r} == {random_text!r}. Nothing to audit."
            )

        data = frame.loc[keep].reset_index(drop=True) if n_excluded else frame

        # -- outcome -------------------------------------------------------------------------
        raw_out = data[outcome]
        if raw_out.isna().any():
            pos = _first_bad(raw_out.isna().to_numpy())
            raise DataError(
                f"Column {outcome!r} (outcome) has {int(raw_out.isna().sum())} missing value(s), "
                f"first at row position {pos}: drop controls without a result, or record them."
            )
        out_text = raw_out.map(_norm).to_numpy(dtype=object)
        pos_text = _norm(positive)
        neg_given = None if negative is None else _norm(negative)
        others = sorted(set(out_text) - {pos_text})
        if pos_text not in set(out_text) and (
            neg_given is None or any(v != neg_given for v in others)
        ):
            close = [
                v
                for v in others
                if v.casefold() == pos_text.casefold()
                or v.casefold().startswith(pos_text.casefold()[:5])
            ]
            hint = f" Did you mean positive={close[0]!r}?" if close else ""
            raise DataError(
                f"No control in column {outcome!r} has the positive value {pos_text!r} "
                f"(values: {', '.join(map(repr, others[:20]))}).{hint} Check positive=..."
            )
        if neg_given is None:
            if len(others) > 1:
                raise DataError(
                    f"Column {outcome!r} (outcome) has values {', '.join(map(repr, others))} "
                    f"besides positive={pos_text!r}; give negative=... (the value meaning no "
                    "error was found) and recode or drop the others."
                )
            neg_text = others[0] if others else None
        else:
            neg_text = neg_given
            outside = [v for v in others if v != neg_text]
            if outside:
                raise DataError(
                    f"Column {outcome!r} (outcome) has value(s) {', '.join(map(repr, outside))} "
                    f"outside positive={pos_text!r} and negative={neg_text!r}."
                )
        is_positive = out_text == pos_text

        # -- weights (frequency) -------------------------------------------------------------
        if weight is None:
            counts = np.ones(len(data), dtype=np.int64)
        else:
            w = pd.to_numeric(data[weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            bad = ~np.isfinite(w) | (w <= 0) | (w != np.round(w))
            if bad.any():
                pos = _first_bad(bad)
                raise DataError(
                    f"Weight column {weight!r} must hold positive whole numbers (the number of "
                    f"controls a row stands for); {int(bad.sum())} value(s) are not, first "
                    f"{data[weight].iloc[pos]!r} at row position {pos}."
                )
            counts = w.astype(np.int64)

        # -- protected attributes: the core's validation --------------------------------------
        pop = Population(data, protected, bands=bands, missing=missing)
        self.attributes = pop.attributes
        self.protected = list(pop.protected)
        self.bands = pop.bands
        self.frame = data
        self.is_random = is_random
        self.is_positive = is_positive
        self.counts = counts
        self.selected_by, self.outcome, self.weight = selected_by, outcome, weight
        self.random_value, self.positive_value, self.negative_value = (
            random_text,
            pos_text,
            neg_text,
        )
        self.n_excluded = (
            int(np.asarray(frame[weight])[~keep].sum())
            if (weight is not None and n_excluded)
            else n_excluded
        )

        n_random = int(counts[is_random].sum())
        n_score = int(counts[~is_random].sum())
        if population_size is not None:
            if isinstance(population_size, bool) or not float(population_size).is_integer():
                raise DataError(
                    f"population_size must be a whole number of files, not {population_size!r}."
                )
            population_size = int(population_size)
            if population_size < n_random + n_score:
                raise DataError(
                    f"population_size={population_size} is smaller than the number of controls "
                    f"in the log ({n_random + n_score}); give the number of files the controls "
                    "were drawn from."
                )
        self.population_size = population_size
        self.n_random, self.n_score = n_random, n_score

    def __len__(self) -> int:
        return int(self.counts.sum())

    def summary(self) -> dict[str, Any]:
        """Plain description of the log: controls by method and result, groups, options.

        Examples
        --------
        >>> import pandas as pd
        >>> f = pd.DataFrame({"g": ["a", "b", "a", "b"], "m": ["random", "random", "score",
        ...                   "score"], "r": ["yes", "no", "yes", "yes"]})
        >>> ControlLog(f, ["g"], selected_by="m", outcome="r", positive="yes").summary()[
        ...     "score_errors_found"]
        2
        """
        c, rnd, pos = self.counts, self.is_random, self.is_positive
        return {
            "controls": int(c.sum()),
            "random_controls": int(c[rnd].sum()),
            "score_controls": int(c[~rnd].sum()),
            "random_errors_found": int(c[rnd & pos].sum()),
            "score_errors_found": int(c[~rnd & pos].sum()),
            "excluded_controls": self.n_excluded,
            "population_size": self.population_size,
            "selected_by": self.selected_by,
            "methods": dict(self.method_roles),
            "outcome": self.outcome,
            "positive": self.positive_value,
            "negative": self.negative_value,
            "weight": self.weight,
            "protected": {a.name: list(a.levels) for a in self.attributes.values()},
            "bands": self.bands,
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"ControlLog({s['controls']} controls: {s['random_controls']} random, "
            f"{s['score_controls']} by the score; protected: {', '.join(self.protected)})"
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

    def _headline(self) -> str:
        d = self.data_summary
        return (
            f"{d['controls']:,} controls ({d['random_controls']:,} random, "
            f"{d['score_controls']:,} by the score); {len(self.groups)} groups"
        )


# -- bootstrap ------------------------------------------------------------------------------
def _bootstrap(cell_counts: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Stratified multinomial bootstrap of cell counts.

    ``cell_counts`` has shape ``(4, C)``: random negatives, random positives, score negatives,
    score positives per finest cell. Returns ``(n_boot, 4, C)`` resampled counts: the random
    stratum (rows 0-1) and the score stratum (rows 2-3) keep their totals.
    """
    C = cell_counts.shape[1]
    out = np.empty((n_boot, 4, C))
    for rows in (slice(0, 2), slice(2, 4)):  # random stratum, score stratum
        stratum = cell_counts[rows].ravel()
        total = int(round(stratum.sum()))
        draws = rng.multinomial(total, stratum / total, size=n_boot)
        out[:, rows, :] = draws.reshape(n_boot, 2, C)
    return out


def _population_metrics(r, y, s, t, n_random, n_score, y_total, N):
    """Population-level estimates from counts (arrays broadcast; see the module docstring)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: dict[str, np.ndarray] = {}
        if N is not None:
            est_files = N * r / n_random
            est_pos = N * y / n_random
            fp = s - t
            fn = est_pos - t
            tn = est_files - est_pos - fp
            out.update(
                est_files=est_files, est_positives=est_pos, tp=t + 0 * r, fp=fp, tn=tn, fn=fn
            )
            # rates and shares are clipped to [0, 1] (the cells are kept as estimated)
            for name, cell in (("tp", t), ("fp", fp), ("tn", tn), ("fn", fn)):
                out[f"{name}_share"] = np.clip(
                    np.where(est_files > 0, cell / est_files, np.nan), 0, 1
                )
            out["selection_rate"] = np.clip(np.where(est_files > 0, s / est_files, np.nan), 0, 1)
            neg = est_files - est_pos
            out["fpr"] = np.clip(np.where(neg > 0, fp / neg, np.nan), 0, 1)
            out["fnr"] = np.clip(np.where(est_pos > 0, fn / est_pos, np.nan), 0, 1)
    return out


def _quantiles(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile limits per column (axis 0), NaN replicates left out.

    Infinite replicates count as infinite: a limit that falls on, or is interpolated towards,
    an infinite order statistic is infinite (numpy's linear interpolation between two
    infinities would give NaN).
    """
    a = (1 - confidence) / 2
    samples = np.asarray(samples, dtype=float)
    big = np.finfo(float).max
    with np.errstate(invalid="ignore"), _quiet():
        finite = np.clip(samples, -big, big)  # NaN stays NaN
        lo = np.nanquantile(finite, a, axis=0)
        hi = np.nanquantile(finite, 1 - a, axis=0)
        cols = np.isinf(samples).any(axis=0)
        if np.any(cols):
            sub = samples[:, cols]
            for q, out in ((a, lo), (1 - a, hi)):
                below = np.nanquantile(sub, q, axis=0, method="lower")
                above = np.nanquantile(sub, q, axis=0, method="higher")
                val = out[cols]
                val = np.where(
                    np.isposinf(below) | (np.isposinf(above) & (val > below)), np.inf, val
                )
                val = np.where(
                    np.isneginf(above) | (np.isneginf(below) & (val < above)), -np.inf, val
                )
                out[cols] = val
    return lo, hi


def _boot_interval(samples: np.ndarray, point: np.ndarray, confidence: float):
    """Percentile interval of bootstrap replicates, widened to contain the point estimate.

    Returns ``(low, high, degenerate, widened)``: ``degenerate`` where fewer than half of the
    replicates are defined or all defined replicates are equal (the bootstrap did not vary
    the quantity: its interval says nothing), ``widened`` where the percentile interval
    missed the point estimate (clipped or very skewed replicates) and was stretched to it.
    """
    samples = np.asarray(samples, dtype=float)
    point = np.broadcast_to(np.asarray(point, dtype=float), samples.shape[1:])
    lo, hi = _quantiles(samples, confidence)
    defined = (~np.isnan(samples)).sum(axis=0)
    with np.errstate(invalid="ignore"), _quiet():
        spread = np.nanmax(samples, axis=0) != np.nanmin(samples, axis=0)
    degenerate = (defined < max(2, samples.shape[0] / 2)) | ~spread
    ok = ~np.isnan(point) & ~np.isnan(lo) & ~np.isnan(hi)
    widened = ok & ((point < lo) | (point > hi))
    lo = np.where(widened, np.minimum(lo, point), lo)
    hi = np.where(widened, np.maximum(hi, point), hi)
    return lo, hi, degenerate, widened


def _analytic_rates(
    r, y, s, t, n_random: float, n_score: float, N: int, confidence: float
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Analytic intervals of a group's selection rate, FPR and FNR (bootstrap fallback).

    Each is a ratio of a share among the score-picked controls to a share among the random
    controls, scaled by ``n_S / N``: selection rate ``(s / n_S) / (r / n_R) * n_S / N``, FPR
    ``((s - t) / n_S) / ((r - y) / n_R) * n_S / N``, and the FNR is one minus the TPR
    ``(t / n_S) / (y / n_R) * n_S / N``. The Katz interval of that ratio
    (:func:`~scoreaudit.stats.metrics.katz_ratio_interval`, with its Haldane-Anscombe correction
    for empty cells) carries the uncertainty of both the picks and the group's estimated size
    (its random controls), then is clipped to [0, 1]. Undefined (NaN) where the random count
    in the denominator is 0.
    """
    scale = n_score / N
    out = {}
    for name, x, base in (("selection_rate", s, r), ("fpr", s - t, r - y), ("tpr", t, y)):
        _, lo, hi = M.katz_ratio_interval(
            x, np.full_like(x, n_score), base, np.full_like(base, n_random), confidence
        )
        lo, hi = np.clip(lo * scale, 0, 1), np.clip(hi * scale, 0, 1)
        undefined = ~(base > 0)
        out[name] = (np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi))
    lo, hi = out.pop("tpr")
    out["fnr"] = (1 - hi, 1 - lo)
    return out


def _mover_difference(p1, l1, u1, p0, l0, u0):
    """Difference ``p1 - p0`` with the MOVER interval of two independent intervals.

    ``d - sqrt((p1 - l1)^2 + (u0 - p0)^2)`` to ``d + sqrt((u1 - p1)^2 + (p0 - l0)^2)``
    (Zou & Donner 2008; Newcombe's interval is the case of two Wilson intervals).
    """
    d = p1 - p0
    low = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return np.maximum(low, -1.0), np.minimum(high, 1.0)


def _join(*parts: str) -> str:
    return "; ".join(dict.fromkeys(p for p in parts if p))


class _quiet:
    """Silence numpy's all-NaN slice warnings (an undefined statistic stays NaN)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


# -- the audit ------------------------------------------------------------------------------
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
    if not isinstance(log, ControlLog):
        raise DataError(
            f"audit_controls() needs a scoreaudit.ControlLog, not {type(log).__name__}: wrap "
            "your frame with sa.ControlLog(frame, protected=[...])."
        )
    check_options(confidence, correction, min_cell)
    if isinstance(n_boot, bool) or int(n_boot) < 10:
        raise DataError(f"n_boot must be a whole number >= 10, not {n_boot!r}.")
    n_boot = int(n_boot)

    cells = build_cells(list(log.attributes.values()))
    views = build_views(cells, intersections)
    C = cells.n_cells
    c, rnd, pos = log.counts.astype(float), log.is_random, log.is_positive
    cell = cells.cell.astype(np.int64)
    cell_counts = np.stack(
        [
            np.bincount(cell, weights=c * (rnd & ~pos), minlength=C),
            np.bincount(cell, weights=c * (rnd & pos), minlength=C),
            np.bincount(cell, weights=c * (~rnd & ~pos), minlength=C),
            np.bincount(cell, weights=c * (~rnd & pos), minlength=C),
        ]
    )
    n_random, n_score = float(log.n_random), float(log.n_score)
    y_total = float(cell_counts[1].sum())
    N = log.population_size

    random_by_view = {}
    for v in views:
        rv = np.bincount(
            v.group_of_cell, weights=cell_counts[0] + cell_counts[1], minlength=v.n_groups
        )
        random_by_view[v.name] = Sums(rv, rv, rv)
    refs, warnings = resolve_references(views, random_by_view, reference)

    rng = np.random.default_rng(random_state)
    boot = _bootstrap(cell_counts, n_boot, rng)  # (B, 4, C)

    group_frames, disp_frames = [], []
    warned_absent: list[str] = []
    warned_negative: list[str] = []
    for v, ref in zip(views, refs, strict=True):
        agg = v.sum_cells(cell_counts)  # (4, G)
        r, y = agg[0] + agg[1], agg[1]
        s, t = agg[2] + agg[3], agg[3]
        bagg = v.sum_cells(boot)  # (B, 4, G)
        br, by = bagg[:, 0] + bagg[:, 1], bagg[:, 1]
        bs, bt = bagg[:, 2] + bagg[:, 3], bagg[:, 3]
        point = _population_metrics(r, y, s, t, n_random, n_score, y_total, N)
        bpoint = _population_metrics(br, by, bs, bt, n_random, n_score, y_total, N)

        labels = list(v.labels)
        G = v.n_groups
        notes = np.array(["" for _ in labels], dtype=object)
        absent = r == 0
        if absent.any():
            notes[absent] = (
                "absent from the random controls: population share and error rate not estimable"
            )
            warned_absent.extend(f"{v.name} = {labels[i]}" for i in np.flatnonzero(absent))
        if N is not None:
            negative = (~absent) & ((point["fn"] < -1e-9) | (point["tn"] < -1e-9))
            if negative.any():
                notes[negative] = (
                    "estimated FN or TN < 0 (few random controls); rates clipped to [0, 1]"
                )
                warned_negative.extend(f"{v.name} = {labels[i]}" for i in np.flatnonzero(negative))

        # -- groups table ------------------------------------------------------------------
        cols: dict[str, Any] = {
            "attribute": v.name,
            "group": labels,
            "n": (r + s).astype(np.int64),
            "random_controls": r.astype(np.int64),
            "score_controls": s.astype(np.int64),
            "selected": s.astype(np.int64),
        }
        lo, hi = M.wilson_interval(r, n_random, confidence)
        cols.update(share=r / n_random, share_low=lo, share_high=hi)
        lo, hi = M.wilson_interval(s, n_score, confidence)
        cols.update(selected_share=s / n_score, selected_share_low=lo, selected_share_high=hi)
        rr, rlo, rhi = M.katz_ratio_interval(s, n_score, r, n_random, confidence)
        dd, dlo, dhi = M.newcombe_difference_interval(s, n_score, r, n_random, confidence)
        cols.update(
            representation_ratio=rr,
            representation_ratio_low=rlo,
            representation_ratio_high=rhi,
            representation_difference=dd,
            representation_difference_low=dlo,
            representation_difference_high=dhi,
        )
        cols["random_errors"] = y.astype(np.int64)
        lo, hi = M.wilson_interval(y, r, confidence)
        cols.update(base_error_rate=M._div(y, r), base_error_rate_low=lo, base_error_rate_high=hi)
        cols["score_errors"] = t.astype(np.int64)
        lo, hi = M.wilson_interval(t, s, confidence)
        cols.update(precision=M._div(t, s), precision_low=lo, precision_high=hi)
        # equal burden: share among score-picked controls against share among the random
        # controls that found errors (two independent samples: Wilson, Newcombe)
        lo, hi = M.wilson_interval(y, y_total, confidence)
        cols.update(
            positive_share=M._div(y, np.full(G, y_total)),
            positive_share_low=lo,
            positive_share_high=hi,
        )
        dd, dlo, dhi = M.newcombe_difference_interval(s, n_score, y, y_total, confidence)
        cols.update(burden_gap=dd, burden_gap_low=dlo, burden_gap_high=dhi)
        boot_cols: list[str] = []
        if N is not None:
            nan_if_absent = {
                k: np.where(absent, np.nan, point[k])
                for k in ("est_files", "est_positives", "tn", "fn")
            }
            cols.update(
                est_files=nan_if_absent["est_files"],
                est_positives=nan_if_absent["est_positives"],
                tp=point["tp"],
                fp=point["fp"],
                tn=nan_if_absent["tn"],
                fn=nan_if_absent["fn"],
            )
            boot_cols += [
                "tp_share",
                "fp_share",
                "tn_share",
                "fn_share",
                "selection_rate",
                "fpr",
                "fnr",
            ]
        # notes of the groups table only (the comparisons get ``notes``)
        table_notes = [[n] for n in notes]
        fallback: dict[str, np.ndarray] = {}
        if N is not None:
            analytic = _analytic_rates(r, y, s, t, n_random, n_score, N, confidence)
            by_reason: list[dict[str, tuple[list[str], list[str]]]] = [{} for _ in range(G)]
            for name in boot_cols:
                lo, hi, degenerate, widened = _boot_interval(bpoint[name], point[name], confidence)
                reason = _fallback_reason(name, r, y, degenerate)
                fall = (reason != "") & np.isfinite(point[name])
                fallback[name] = fall
                if name in analytic:
                    alo, ahi = analytic[name]
                    lo, hi = np.where(fall, alo, lo), np.where(fall, ahi, hi)
                else:
                    lo, hi = np.where(fall, np.nan, lo), np.where(fall, np.nan, hi)
                for i in np.flatnonzero(fall):
                    got, none = by_reason[i].setdefault(reason[i], ([], []))
                    (got if np.isfinite(lo[i]) else none).append(_LABELS[name])
                for i in np.flatnonzero(widened & ~fall):
                    table_notes[i].append(
                        f"{_LABELS[name]}: bootstrap interval widened to contain the estimate"
                    )
                cols.update({name: point[name], f"{name}_low": lo, f"{name}_high": hi})
            for i in range(G):
                for why, (got, none) in by_reason[i].items():
                    parts = []
                    if got:
                        parts.append(f"analytic (Katz) interval for {', '.join(got)}")
                    if none:
                        parts.append(f"no interval for {', '.join(none)}")
                    table_notes[i].append(f"{why}, so no bootstrap: {'; '.join(parts)}")
            for i in np.flatnonzero(~absent & (y == 0)):
                table_notes[i].append(
                    "no error found among the random controls: the FNR is not estimable"
                )
            for i in np.flatnonzero(~absent & (y == r)):
                table_notes[i].append("every random control found errors: the FPR is not estimable")
        for i in np.flatnonzero(s == 0):
            table_notes[i].append("no file picked by the score: precision undefined")
        cols["small_cell"] = (r < min_cell) | (s < min_cell)
        cols["note"] = np.array([_join(*parts) for parts in table_notes], dtype=object)
        group_frames.append(pd.DataFrame(cols))

        # -- comparisons -------------------------------------------------------------------
        rep = comparison_frame(
            attribute=v.name,
            groups=labels,
            references=[RANDOM_REFERENCE] * G,
            metric="representation",
            x1=s,
            n1=np.full(G, n_score),
            x0=r,
            n0=np.full(G, n_random),
            confidence=confidence,
            min_cell=min_cell,
            small=(r < min_cell) | (s < min_cell),
            notes=notes,
        )
        rep["n"], rep["reference_n"] = s, r
        ratio = rep["ratio"].to_numpy(float)
        diff = rep["difference"].to_numpy(float)
        rule = (ratio <= 0.5) | (ratio >= 2) | (np.abs(diff) >= AGENCY_POINTS - 1e-12)
        rep["agency_rule"] = pd.array(
            np.where(np.isnan(ratio) & np.isnan(diff), None, rule), dtype="boolean"
        )
        rep["note"] = [
            _rule_note(n, q, d) for n, q, d in zip(rep["note"], ratio, diff, strict=True)
        ]
        disp_frames.append(rep)

        # burden: share among score-picked against share among files with errors
        bur = comparison_frame(
            attribute=v.name,
            groups=labels,
            references=[POSITIVES_REFERENCE] * G,
            metric="burden",
            x1=s,
            n1=np.full(G, n_score),
            x0=y,
            n0=np.full(G, y_total),
            confidence=confidence,
            min_cell=min_cell,
            small=(s < min_cell) | (y < min_cell),
            notes=notes,
        )
        bur["n"], bur["reference_n"] = s, y
        disp_frames.append(bur)

        # group against the reference group (or the rest)
        if ref is None:
            idx = np.arange(G)
            ref_labels = [REST] * G
            R = agg.sum(axis=1, keepdims=True) - agg
            r0, y0, s0, t0 = R[0] + R[1], R[1], R[2] + R[3], R[3]
            bR = bagg.sum(axis=2, keepdims=True) - bagg
            b_ref = _population_metrics(
                bR[:, 0] + bR[:, 1],
                bR[:, 1],
                bR[:, 2] + bR[:, 3],
                bR[:, 3],
                n_random,
                n_score,
                y_total,
                N,
            )
            p_ref = _population_metrics(r0, y0, s0, t0, n_random, n_score, y_total, N)
        else:
            idx = np.array([g for g in range(G) if g != ref], dtype=np.int64)
            ref_labels = [labels[ref]] * idx.size
            r0, y0, s0, t0 = (np.full(idx.size, a[ref]) for a in (r, y, s, t))
            b_ref = {k: np.repeat(val[:, [ref]], idx.size, axis=1) for k, val in bpoint.items()}
            p_ref = {k: np.full(idx.size, val[ref]) for k, val in point.items()}
        g_labels = [labels[i] for i in idx]
        r1, y1, s1, t1 = r[idx], y[idx], s[idx], t[idx]
        gnotes = notes[idx]
        ref_absent = r0 == 0
        gnotes = np.where(
            (gnotes == "") & ref_absent, "reference absent from the random controls", gnotes
        )

        sel = _selection_rate_frame(
            v.name,
            g_labels,
            ref_labels,
            s1,
            r1,
            s0,
            r0,
            confidence,
            min_cell,
            gnotes,
            n_random,
            n_score,
        )
        if N is not None:
            analytic_ref = _analytic_rates(r0, y0, s0, t0, n_random, n_score, N, confidence)

            # per comparison and metric: why the bootstrap is not used ("" where it is),
            # and the analytic intervals of the group and of the reference
            sides = {}
            for metric in ("selection_rate", "fpr", "fnr"):
                deg1 = _boot_interval(bpoint[metric][:, idx], point[metric][idx], confidence)[2]
                deg0 = _boot_interval(b_ref[metric], p_ref[metric], confidence)[2]
                why1 = _fallback_reason(metric, r1, y1, deg1)
                why0 = _fallback_reason(metric, r0, y0, deg0)
                why = np.where(
                    why1 != "",
                    why1 + " in the group",
                    np.where(why0 != "", why0 + " in the reference", ""),
                )
                # an undefined rate (no random control, no error found) is noted already
                why = np.where(
                    np.isfinite(point[metric][idx]) & np.isfinite(p_ref[metric]), why, ""
                )
                lo1, hi1 = (a[idx] for a in analytic[metric])
                sides[metric] = (why.astype(object), (lo1, hi1), analytic_ref[metric])

            b1 = bpoint["selection_rate"][:, idx]
            b0 = b_ref["selection_rate"]
            m1, m0 = point["selection_rate"][idx], p_ref["selection_rate"]
            d_hat = m1 - m0
            lo, hi, deg, _ = _boot_interval(b1 - b0, d_hat, confidence)
            why, (lo1, hi1), (lo0, hi0) = sides["selection_rate"]
            why = np.where((why == "") & deg & (r1 > 0) & (r0 > 0), "no bootstrap variation", why)
            fall = why != ""
            alo, ahi = _mover_difference(m1, lo1, hi1, m0, lo0, hi0)
            sel["rate"], sel["reference_rate"] = m1, m0
            sel["difference"] = d_hat
            sel["difference_low"] = np.where(fall, alo, lo)
            sel["difference_high"] = np.where(fall, ahi, hi)
            sel["interval"] = np.where(fall, "woolf/mover", "woolf/bootstrap")
            sel["note"] = [
                _join(n, f"{w}, so no bootstrap: analytic (MOVER) difference interval" if w else "")
                for n, w in zip(sel["note"], why, strict=True)
            ]
        disp_frames.append(sel)

        disp_frames.append(
            comparison_frame(
                attribute=v.name,
                groups=g_labels,
                references=ref_labels,
                metric="base_error_rate",
                x1=y1,
                n1=r1,
                x0=y0,
                n0=r0,
                confidence=confidence,
                min_cell=min_cell,
                small=(r1 < min_cell) | (r0 < min_cell),
                notes=gnotes,
            )
        )
        disp_frames.append(
            comparison_frame(
                attribute=v.name,
                groups=g_labels,
                references=ref_labels,
                metric="precision",
                x1=t1,
                n1=s1,
                x0=t0,
                n0=s0,
                confidence=confidence,
                min_cell=min_cell,
                small=(s1 < min_cell) | (s0 < min_cell),
                notes=gnotes,
            )
        )
        if N is not None:
            for metric, extra in (("fpr", None), ("fnr", (y1, y0))):
                small = (r1 < min_cell) | (r0 < min_cell) | (s1 < min_cell) | (s0 < min_cell)
                # the bootstrap cannot create what was never observed: no test when a rate
                # rests on an empty random cell (no random control, or no error found)
                testable = (r1 > 0) & (r0 > 0)
                if extra is not None:
                    small = small | (extra[0] < min_cell) | (extra[1] < min_cell)
                    testable = testable & (extra[0] > 0) & (extra[1] > 0)
                else:  # the FPR needs random controls without errors
                    testable = testable & (r1 > y1) & (r0 > y0)
                m1, m0 = point[metric][idx], p_ref[metric]
                bm1, bm0 = bpoint[metric][:, idx], b_ref[metric]
                with np.errstate(divide="ignore", invalid="ignore"):
                    b_ratio = bm1 / bm0
                why, (lo1, hi1), (lo0, hi0) = sides[metric]
                dlo, dhi = _mover_difference(m1, lo1, hi1, m0, lo0, hi0)
                # analytic test of equal rates: an odds ratio of counts from the two strata
                # (FPR: score-picked files without errors against random controls without;
                # FNR, through the TPR: score-picked files with errors against random
                # controls with errors), as for the selection rate
                if metric == "fpr":
                    x1, o1, x0, o0 = s1 - t1, r1 - y1, s0 - t0, r0 - y0
                    _, rlo, rhi = woolf_ratio_interval(x1, o1, x0, o0, confidence)
                else:
                    x1, o1, x0, o0 = t1, y1, t0, y0
                    rlo = rhi = np.full(idx.size, np.nan)
                if idx.size:
                    p, test = M.two_proportion_p_value(x1, x1 + o1, x0, x0 + o0)
                else:
                    p, test = np.array([]), np.array([], dtype=str)
                disp_frames.append(
                    _boot_frame(
                        v.name,
                        g_labels,
                        ref_labels,
                        metric,
                        n=r1 + s1,
                        ref_n=r0 + s0,
                        rate=m1,
                        ref_rate=m0,
                        ratio=_safe_ratio(m1, m0),
                        diff=m1 - m0,
                        b_ratio=b_ratio,
                        b_diff=bm1 - bm0,
                        confidence=confidence,
                        small=small,
                        notes=gnotes,
                        testable=testable,
                        fallback={
                            "why": why,
                            "ratio_low": rlo,
                            "ratio_high": rhi,
                            "difference_low": dlo,
                            "difference_high": dhi,
                            "p_value": p,
                            "test": test,
                        },
                    )
                )

    groups = pd.concat(group_frames, ignore_index=True)
    n_groups = {v.name: v.n_groups for v in views}  # one Holm family rule (stats.metrics)
    for f in disp_frames:
        f["_test_key"] = M.comparison_family(
            f["attribute"], f["group"], f["attribute"].map(n_groups), f["metric"]
        )
    disparities = finish_disparities(disp_frames, correction, confidence)

    summary = log.summary()
    if warned_absent:
        warnings.append(
            f"{len(warned_absent)} group(s) have no random control, so their population share "
            f"and true error rate cannot be estimated (their rates are left empty): "
            f"{'; '.join(warned_absent[:10])}{' ...' if len(warned_absent) > 10 else ''}."
        )
    if warned_negative:
        warnings.append(
            "The estimated number of missed errors (FN) or of true negatives (TN) is negative "
            "for "
            + "; ".join(warned_negative[:10])
            + (" ..." if len(warned_negative) > 10 else "")
            + ": the score found more errors (or picked more files without errors) than the "
            "random controls imply the group has. The cells are kept as estimated and the "
            "rates (FPR, FNR, shares) clipped to [0, 1]; read them with caution, or collect "
            "more random controls."
        )
    if summary["random_errors_found"] == 0:
        warnings.append(
            "No random control found an error: true error rates, the share among "
            "files with errors and the FNR cannot be estimated."
        )
    if N is None:
        warnings.append(
            "No population_size given: the population-level confusion matrix, "
            "selection rates, FPR and FNR are not estimated."
        )
    if summary["random_controls"] < 2 * min_cell:
        warnings.append(
            f"Only {summary['random_controls']} random controls: every estimate of "
            "population shares and error rates rests on a small cell."
        )
    config = {
        **reference_config(reference, views, refs),
        "intersections": intersections,
        "confidence": confidence,
        "correction": correction,
        "min_cell": int(min_cell),
        "n_boot": n_boot,
        "random_state": random_state,
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


#: Names of the bootstrapped quantities in notes.
_LABELS = {
    "tp_share": "TP share",
    "fp_share": "FP share",
    "tn_share": "TN share",
    "fn_share": "FN share",
    "selection_rate": "selection rate",
    "fpr": "FPR",
    "fnr": "FNR",
}


def _fallback_reason(name: str, r: np.ndarray, y: np.ndarray, degenerate: np.ndarray) -> np.ndarray:
    """Why a group's bootstrap interval of ``name`` is not used ("" where it is)."""
    reason = np.where(
        r < MIN_RANDOM_BOOTSTRAP, f"fewer than {MIN_RANDOM_BOOTSTRAP} random controls", ""
    ).astype(object)
    if name == "fnr":
        reason = np.where(
            (reason == "") & (y < MIN_RANDOM_BOOTSTRAP),
            f"fewer than {MIN_RANDOM_BOOTSTRAP} errors found among the random controls",
            reason,
        )
    return np.where((reason == "") & np.asarray(degenerate, bool), "no bootstrap variation", reason)


def _safe_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.where(a > 0, np.inf, np.nan))


def _rule_note(note: str, ratio: float, diff: float) -> str:
    parts = []
    if np.isfinite(ratio) and ratio <= 0.5:
        parts.append("share halves or less")
    if ratio >= 2:
        parts.append("share doubles or more")
    if np.isfinite(diff) and abs(diff) >= AGENCY_POINTS - 1e-12:
        parts.append(f"share moves by {abs(diff) * 100:.0f} points")
    return "; ".join([p for p in [note, *parts] if p])


def _boot_frame(
    attribute: str,
    groups: list[str],
    references: list[str],
    metric: str,
    *,
    n,
    ref_n,
    rate,
    ref_rate,
    ratio,
    diff,
    b_ratio,
    b_diff,
    confidence: float,
    small,
    notes,
    testable,
    fallback: dict | None = None,
) -> pd.DataFrame:
    """Comparison rows with percentile-bootstrap intervals and a bootstrap-SE Wald test.

    Percentile intervals are widened to contain the point estimate when they miss it. Rows
    where ``fallback["why"]`` is not empty (too few random controls, or no bootstrap
    variation, in the group or the reference) take the analytic intervals and test given in
    ``fallback`` instead, with a note; a NaN analytic bound gets a note too.
    """
    from scipy import stats

    ratio = np.asarray(ratio, float)
    diff = np.asarray(diff, float)
    rlo, rhi, rdeg, _ = _boot_interval(b_ratio, ratio, confidence)
    dlo, dhi, ddeg, _ = _boot_interval(b_diff, diff, confidence)
    with _quiet():
        sd = np.nanstd(np.where(np.isfinite(b_diff), b_diff, np.nan), axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, diff / np.where(sd > 0, sd, 1), np.nan)
    testable = np.asarray(testable, bool)
    p = np.where(np.isfinite(z) & testable, 2 * stats.norm.sf(np.abs(z)), np.nan)
    test = np.where(np.isfinite(p), "bootstrap-wald", "").astype(object)
    interval = np.full(ratio.shape, "bootstrap", dtype=object)
    notes = np.asarray(notes, dtype=object).copy()
    extra = np.full(ratio.shape, "", dtype=object)
    if fallback is not None:
        why = np.asarray(fallback["why"], dtype=object)
        # comparisons whose replicates did not vary are not bootstrapped either
        why = np.where((why == "") & ddeg, "no bootstrap variation", why)
        fall = (why != "") & np.isfinite(diff) & testable
        rlo = np.where(fall, fallback["ratio_low"], rlo)
        rhi = np.where(fall, fallback["ratio_high"], rhi)
        dlo = np.where(fall, fallback["difference_low"], dlo)
        dhi = np.where(fall, fallback["difference_high"], dhi)
        fp = np.where(testable, fallback["p_value"], np.nan)
        p = np.where(fall, fp, p)
        test = np.where(fall, np.where(np.isfinite(fp), fallback["test"], ""), test)
        kind = "woolf/mover" if metric == "fpr" else "mover"
        interval = np.where(fall, kind, interval)
        for i in np.flatnonzero(fall):
            text = f"{why[i]}, so no bootstrap: analytic intervals"
            if np.isnan(rlo[i]) and np.isfinite(ratio[i]):
                text += f" (none for the {metric.upper()} ratio)"
            extra[i] = text
        # the analytic ratio interval is for the unclipped rates: keep the estimate inside
        ok = np.isfinite(ratio) & ~np.isnan(rlo) & ~np.isnan(rhi)
        rlo = np.where(ok, np.minimum(rlo, ratio), rlo)
        rhi = np.where(ok, np.maximum(rhi, ratio), rhi)
        ok = np.isfinite(diff) & ~np.isnan(dlo) & ~np.isnan(dhi)
        dlo = np.where(ok, np.minimum(dlo, diff), dlo)
        dhi = np.where(ok, np.maximum(dhi, diff), dhi)
    else:
        fall = np.zeros(ratio.shape, bool)
    boot_inf = ~fall & np.isfinite(ratio) & np.isposinf(rhi)
    extra = np.where(
        boot_inf & (extra == ""),
        f"upper ratio limit infinite: the reference "
        f"{metric.upper()} is 0 in some bootstrap replicates",
        extra,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        low_over_high = np.minimum(ratio, 1 / ratio)
    missing = (
        "no random control without errors"
        if metric == "fpr"
        else "no random control, or no error found among them,"
    )
    notes = np.where(
        (notes == "") & ~testable,
        f"{missing} in the group or the reference: {metric.upper()} not estimable, no test",
        notes,
    )
    notes = np.where(
        (notes == "") & ~np.isfinite(p) & np.isfinite(diff),
        "no bootstrap variation: no test",
        notes,
    )
    notes = np.array([_join(a, b) for a, b in zip(notes, extra, strict=True)], dtype=object)
    return pd.DataFrame(
        {
            "attribute": attribute,
            "group": groups,
            "reference": references,
            "metric": metric,
            "n": np.asarray(n, float),
            "reference_n": np.asarray(ref_n, float),
            "rate": np.asarray(rate, float),
            "reference_rate": np.asarray(ref_rate, float),
            "ratio": ratio,
            "ratio_low": rlo,
            "ratio_high": rhi,
            "difference": diff,
            "difference_low": dlo,
            "difference_high": dhi,
            "interval": interval,
            "test": test,
            "p_value": p,
            "below_four_fifths": np.nan_to_num(low_over_high, nan=1.0) < 0.8,
            "agency_rule": pd.array([pd.NA] * len(groups), dtype="boolean"),
            "small_cell": np.asarray(small, bool),
            "note": notes,
        }
    )


def _selection_rate_frame(
    attribute: str,
    groups: list[str],
    references: list[str],
    s1,
    r1,
    s0,
    r0,
    confidence: float,
    min_cell: int,
    notes,
    n_random: float,
    n_score: float,
) -> pd.DataFrame:
    """Relative selection rate ``(s1 / r1) / (s0 / r0)`` (Woolf) and its exact/score test.

    With random controls proportional to group sizes, ``s_g / r_g`` is proportional to the
    group's selection rate, so this ratio is the selection-rate ratio of the four-fifths rule.
    Equal selection rates mean the share of score-picked controls among a group's controls is
    the same in both groups: the test compares ``s1 / (s1 + r1)`` with ``s0 / (s0 + r0)``.
    """
    ratio, lo, hi = woolf_ratio_interval(s1, r1, s0, r0, confidence)
    frame = comparison_frame(
        attribute=attribute,
        groups=groups,
        references=references,
        metric="selection_rate",
        x1=s1,
        n1=s1 + r1,
        x0=s0,
        n0=s0 + r0,
        confidence=confidence,
        min_cell=min_cell,
        small=(s1 < min_cell) | (r1 < min_cell) | (s0 < min_cell) | (r0 < min_cell),
        notes=notes,
    )
    # without a population size: selection rates relative to the overall selection rate,
    # (s / n_S) / (r / n_R); their ratio between groups is the same Woolf ratio
    frame["rate"] = M._div(s1, r1) * n_random / n_score
    frame["reference_rate"] = M._div(s0, r0) * n_random / n_score
    frame["ratio"], frame["ratio_low"], frame["ratio_high"] = ratio, lo, hi
    frame["difference"] = np.nan
    frame["difference_low"] = np.nan
    frame["difference_high"] = np.nan
    frame["interval"] = "woolf"
    with np.errstate(divide="ignore", invalid="ignore"):
        low_over_high = np.minimum(ratio, 1 / ratio)
    frame["below_four_fifths"] = np.nan_to_num(low_over_high, nan=1.0) < 0.8
    return frame
