"""Stage-by-stage (funnel) audit of a control process, from logs or published count tables.

A control process is a chain of sets of files: the population, the files the score puts in a
high-risk band, the files an agent picks, those controlled, those found at fault, those whose
cover is suspended, those who appeal... Each *step* is a rate ``count(stage) / count(base)``
(e.g. suspended / found at fault). :func:`audit_funnel` measures every step for every group,
compares each group with a reference group, and says where in the chain a disparity enters.

Pipeline: **validate** (columns, counts, steps, nesting) -> **count** (one array of counts per
group x stratum x stage, each with the interval of true counts it stands for) -> **estimate**
(rates, ratios, tests, Mantel-Haenszel) -> **tables** (:class:`FunnelResult`).

Statistics
----------
* Rates: Wilson interval. Ratios to the reference group: Katz log interval (0.5 added to the
  cells of a degenerate table, as in :func:`scoreaudit.stats.metrics.katz_ratio_interval`).
* p-values: Fisher's exact test when an expected count is below 5, else the score test
  (:func:`scoreaudit.stats.metrics.two_proportion_p_value`); Holm's correction over the whole family:
  **one test per non-reference group per step, per stratum when a stratum is given** (the
  unstratified and Mantel-Haenszel rows of :attr:`FunnelResult.combined` are descriptive and
  not in the family).
* Strata (``stratum=``, e.g. a score band): the Mantel-Haenszel risk ratio across strata,
  ``sum(a_k n0_k / N_k) / sum(c_k n1_k / N_k)`` (a, c: files reaching the stage in the group
  and the reference; n1, n0: their bases; N = n1 + n0), with the Greenland-Robins (1985)
  variance of its log, ``sum((n1 n0 (a + c) - a c N) / N^2) / (sum(a n0 / N) sum(c n1 / N))``;
  homogeneity of the per-stratum ratios by Cochran's Q on their logs (inverse-variance
  weights, Katz variances, strata where both groups have files at the base and one reaches the
  stage), chi-square with (strata - 1) degrees of freedom.

Rounded counts (``rounding=b``)
-------------------------------
A published count ``c`` stands for any whole number in ``[c - b/2, c + b/2)`` (at least 0),
further narrowed by nesting (a stage holds at most the files of its base). Every interval is
the **union of the intervals over the tables in those ranges**: for a rate, the 4 corners
(lowest/highest numerator and denominator, the numerator capped at the denominator), enough
because Wilson limits are monotone in each count; for a ratio, the corners of the group's and
the reference's ranges plus the tables next to the degenerate edges (a count, or the files
of the base not reaching the stage, below 4), because the Katz limits are monotone in each
count except there. So the intervals cover every table of true counts consistent with the
rounding (checked by brute force in ``tests/engines/test_funnel.py``; coverage simulated there too).
The p-value is the largest over those tables (score test; Fisher's test at the corners with
small expected counts), and 1 when the possible rates of the two groups overlap
(conservative). Intervals are therefore wider than without rounding. A step whose published
numerator or denominator is below the rounding base (for the group or its reference) is
**unusable**: its rate and ratio are NaN with a note, never 0 or 1. The Mantel-Haenszel
interval under rounding bounds the intervals of every consistent table from the ranges of
the counts (:mod:`scoreaudit.engines._funnel_mh`).

Hidden cells
------------
A count may be hidden (blank, NaN, ``x``, ``[c]``, ``c``, ``s``, ...: :data:`HIDDEN_MARKERS`).
Its range starts as ``[0, inf)`` and is narrowed by the margins: total rows (a group or
stratum labelled ``Total``/``Ensemble``/``All``..., or ``total=``) give ``hidden = total -
sum of the known cells`` (exactly when one cell of the line is hidden, as bounds otherwise),
and the nesting of stages bounds it by its base. A measure resting on a hidden count is
reported with bounds only (the point estimate is NaN) when the count is bounded, and omitted
(NaN, with a note) otherwise.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"origin": ["a", "a", "b", "b"], "stage": ["all", "picked"] * 2,
...                   "n": [1000, 100, 1000, 50]})
>>> res = audit_funnel(t, group="origin", stage="stage", count="n",
...                    steps=[("picked", "picked", "all")], reference={"origin": "b"})
>>> row = res.steps.set_index("group").loc["a"]
>>> float(row["rate"]), float(row["ratio"]), round(float(row["ratio_low"]), 3)
(0.1, 2.0, 1.441)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import SEP
from scoreaudit.core.warning import active_notes, note_code, records_notes, warning
from scoreaudit.engines._funnel_input import (
    ALL_STRATA,
    HIDDEN_MARKERS,
    TOTAL_LABELS,
    _bound,
    _check_nesting,
    _check_rounding,
    _check_steps,
    _Cube,
    _cube_from_counts,
    _cube_from_log,
    _parse_counts,
    _Spec,
    _validate_frame,
    _where,
    funnel_long,
)
from scoreaudit.engines._funnel_stats import (
    STEP_KEYS,
    _combined,
    _finish_steps,
    _representation,
    _step_frame,
    cochran_q,
    mantel_haenszel_rr,
)
from scoreaudit.engines._options import check_options
from scoreaudit.errors import DataError, quoted
from scoreaudit.results import (
    HTML_COMPARISON_COLUMNS,
    ResultBase,
    html_table,
    html_warnings,
    notes_field,
    result_dict,
)

__all__ = [
    "ALL_STRATA",
    "HIDDEN_MARKERS",
    "STEP_KEYS",
    "TOTAL_LABELS",
    "FunnelResult",
    "audit_funnel",
    "cochran_q",
    "funnel_long",
    "mantel_haenszel_rr",
]


# ------------------------------------------------------------------------------------------
# Result
# ------------------------------------------------------------------------------------------


@dataclass
class FunnelResult(ResultBase):
    """Result of :func:`audit_funnel`.

    Attributes
    ----------
    steps : DataFrame
        One row per step x group (x stratum): ``numerator``, ``denominator`` (and their
        ``_low``/``_high`` ranges under rounding or hidden cells), ``rate`` with
        ``rate_low``/``rate_high`` (Wilson), ``reference_rate``, ``ratio`` with
        ``ratio_low``/``ratio_high`` (Katz), ``test``, ``p_value``, ``p_adjusted`` (Holm over
        every non-reference row), ``significant``, ``small_cell``, ``usable``, ``note``. The
        reference group's own rows carry its rate and no ratio.
    combined : DataFrame or None
        With a stratum: per step and group, the unstratified ratio, the Mantel-Haenszel ratio
        across strata with its interval, and Cochran's Q homogeneity test.
    representation : DataFrame
        Share of each group among the files at each stage, with a Wilson interval, against
        its share at the start stage (``representation = share / start_share``).
    config, data_summary : dict
    warnings : list of str
    """

    kind = "funnel"
    #: Columns that name a row: the publication gate never blanks them.
    label_columns: ClassVar[tuple[str, ...]] = (*STEP_KEYS, "strata", "small_cell", "suppressed")

    steps: pd.DataFrame
    combined: pd.DataFrame | None
    representation: pd.DataFrame
    config: dict
    data_summary: dict
    warnings: list[str] = field(default_factory=list)
    #: The row notes of the tables by English text, with their codes (not in results.json).
    notes: dict = notes_field()

    def ratio(self, step: str | None = None) -> pd.Series:
        """Ratios to the reference, indexed by (step, stratum, group)."""
        d = self.steps if step is None else self.steps[self.steps["step"] == step]
        return d.set_index(["step", "stratum", "group"])["ratio"]

    def to_dict(self) -> dict:
        """JSON-safe, deterministic description."""
        tables = {
            "steps": self.steps,
            "combined": self.combined,
            "representation": self.representation,
        }
        return result_dict(self.kind, self.config, self.data_summary, tables, self.warnings)

    def report(self, lang: str = "en", min_cell: int | None = None) -> Any:
        """The HTML report (published: small cells suppressed), displayed inline in Jupyter."""
        return self._report(lang, min_cell=min_cell)

    def to_html(
        self, path: str | os.PathLike, lang: str = "en", min_cell: int | None = None
    ) -> str:
        """Write the HTML report to ``path``; returns the path."""
        self.report(lang, min_cell).save(path)
        return str(path)

    def __repr__(self) -> str:
        d = self.steps
        return (
            f"FunnelResult({d['step'].nunique()} steps, {len(self.data_summary['groups'])} "
            f"groups, {len(self.data_summary['strata'])} strata; "
            f"{int(d['significant'].sum())} significant comparisons; "
            f"{len(self.warnings)} warnings)"
        )

    def _repr_html_(self) -> str:
        cols = ["step", "stratum", "group", "reference", "rate", *HTML_COMPARISON_COLUMNS]
        table = html_table(self.steps[[*cols, "note"]])
        return (
            f"<div><strong>scoreaudit funnel result</strong>{table}"
            f"{html_warnings(self.warnings)}</div>"
        )


# ------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------


def _resolve_reference(cube: _Cube, spec: _Spec, reference: Any) -> int:
    if reference is None:
        start = cube.stages.index(spec.steps[0][2])
        return int(np.argmax(np.nan_to_num(cube.val[..., start].sum(axis=1), nan=-1)))
    if isinstance(reference, Mapping):
        missing = [c for c in spec.groups if c not in reference]
        if missing:
            raise DataError.from_key(
                "err_funnel_reference_missing", missing=missing, first=missing[0]
            )
        label = SEP.join(str(reference[c]).strip() for c in spec.groups)
    else:
        label = str(reference).strip()
    if label not in cube.groups:
        raise DataError.from_key(
            "err_funnel_reference_unknown",
            label=label,
            groups=quoted(cube.groups),
        )
    return cube.groups.index(label)


def _prepare(
    table: Any, spec: _Spec, hidden_markers: Any, total: Any
) -> tuple[pd.DataFrame, _Cube, list[str]]:
    from scoreaudit.engines._funnel_read import read_funnel_table

    frame = read_funnel_table(table)
    _validate_frame(frame, spec)
    present = set(frame[spec.stage].astype(str).str.strip())
    stages = list(dict.fromkeys(s for step in spec.steps for s in (step[2], step[1])))
    for name, st, base in spec.steps:
        for s in (st, base):
            if s not in present:
                raise DataError.from_key(
                    "err_funnel_step_stage",
                    name=name,
                    stage=s,
                    column=spec.stage,
                    stages=quoted(sorted(present)),
                )
    warnings: list[str] = []
    if spec.count is None:
        return frame, _cube_from_log(frame, spec, stages), warnings
    markers = HIDDEN_MARKERS | {str(m).strip().lower() for m in (hidden_markers or ())}
    values, hidden = _parse_counts(frame, spec, frozenset(markers))
    if spec.rounding:
        off = np.isfinite(values) & (values % spec.rounding != 0)
        if off.any():
            pos = int(np.flatnonzero(off)[0])
            warnings.append(
                warning(
                    "funnel_not_multiples",
                    n=int(off.sum()),
                    base=spec.rounding,
                    where=_where(frame, pos, spec),
                )
            )
    cube = _cube_from_counts(frame, spec, values, hidden, total, stages)
    if spec.rounding:
        cube.off_multiple = int(off.sum())
    return frame, cube, warnings


@records_notes
def audit_funnel(
    table: Any,
    group: str | Sequence[str],
    stage: str = "stage",
    count: str | None = "n",
    steps: Sequence[tuple[str, str, str]] = (),
    *,
    stratum: str | None = None,
    reference: Mapping[str, Any] | str | None = None,
    rounding: int | None = None,
    confidence: float = 0.95,
    correction: str = "holm",
    min_cell: int = 11,
    total: str | None = "auto",
    hidden: Sequence[str] = (),
) -> FunnelResult:
    """Audit a control process stage by stage: where in the chain does a disparity enter?

    Parameters
    ----------
    table : DataFrame or path (CSV, Parquet, xlsx)
        Long format: one row per (group..., [stratum], stage) with a count; or, with
        ``count=None``, a row-level log with one row per file and stage it reached (a file
        suspended after a control appears on its "population", "controlled", ... rows).
    group : str or list of str
        Column(s) holding the group; several columns are crossed (intersections).
    stage : str
        Column naming the set of files a count is about.
    count : str or None
        Column with the number of files; None for a row-level log. Hidden cells (blank, NaN,
        ``x``, ``[c]``, ``c``, ``s``, ... plus ``hidden``) are accepted.
    steps : list of (name, stage, base stage)
        Each step's rate is ``count(stage) / count(base)``; the start population is the base
        of the first step.
    stratum : str, optional
        Column (e.g. score band): steps are computed within each stratum and combined across
        strata (Mantel-Haenszel).
    reference : dict, str or None
        Reference group: ``{column: value}`` for every group column, or the label (values
        joined by " × "); default: the largest group at the start stage.
    rounding : int, optional
        The counts were published rounded to multiples of ``rounding`` (see the module
        docstring).
    confidence, correction, min_cell
        As in :func:`scoreaudit.engines.memory`.
    total : str, "auto" or None
        Label of total rows (in the group or stratum column), used as margins to bound hidden
        cells; "auto" recognises Total, Ensemble, All, Tous...; None: no total rows.
    hidden : list of str
        Extra hidden-cell markers.

    Returns
    -------
    FunnelResult

    Raises
    ------
    DataError
        A missing column, an unknown stage in ``steps``, a negative or non-integer count, a
        group missing from a stage, a stage larger than its base (beyond rounding), two rows
        for one cell, an unknown reference; the message names the row, stage and group.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"origin": ["a"] * 3 + ["b"] * 3,
    ...                   "stage": ["all", "controlled", "suspended"] * 2,
    ...                   "n": [1000, 200, 40, 1000, 100, 10]})
    >>> res = audit_funnel(t, "origin", "stage", "n",
    ...                    steps=[("control", "controlled", "all"),
    ...                           ("suspension", "suspended", "controlled")],
    ...                    reference={"origin": "b"})
    >>> res.steps.query("group == 'a'")[["step", "rate", "ratio"]].values.tolist()
    [['control', 0.2, 2.0], ['suspension', 0.2, 2.0]]
    """
    check_options(confidence, correction, min_cell)
    groups = [group] if isinstance(group, str) else list(group)
    if not groups:
        raise DataError.from_key("err_funnel_no_group")
    spec = _Spec(groups, stage, count, stratum, _check_steps(steps), _check_rounding(rounding))
    if spec.rounding and count is None:
        raise DataError.from_key("err_funnel_rounding_log")
    frame, cube, warnings = _prepare(table, spec, hidden, total)
    n_off = int(cube.off_multiple)
    _check_nesting(cube, frame, spec)
    _bound(cube, spec.steps)
    _check_nesting(cube, frame, spec)
    ref = _resolve_reference(cube, spec, reference)
    frames = [_step_frame(cube, spec, ref, n, s, b, confidence, min_cell) for n, s, b in spec.steps]
    steps_table = _finish_steps(frames, correction, confidence).drop(columns="is_reference")
    if not stratum:
        steps_table["stratum"] = ALL_STRATA
    combined = _combined(cube, spec, ref, confidence, min_cell) if stratum else None
    representation = _representation(cube, spec, confidence)
    more, counts = _warn(steps_table, cube)
    summary = {
        "rows": len(frame),
        "row_level_log": count is None,
        "groups": cube.groups,
        "strata": cube.strata if stratum else [],
        "stages": cube.stages,
        **counts,
        "not_multiples": n_off,
        "start_files": float(np.nansum(cube.val[..., cube.stages.index(spec.steps[0][2])])),
    }
    config = {
        "group": groups,
        "stage": stage,
        "count": count,
        "stratum": stratum,
        "steps": [list(s) for s in spec.steps],
        "reference": cube.groups[ref],
        "rounding": spec.rounding,
        "confidence": confidence,
        "correction": correction,
        "min_cell": int(min_cell),
        "total": total,
    }
    warnings += more
    return FunnelResult(steps_table, combined, representation, config, summary, warnings)


def _warn(steps_table: pd.DataFrame, cube: _Cube) -> tuple[list[str], dict[str, int]]:
    book = active_notes()
    codes = [note_code(n, book) for n in steps_table["note"]]
    counts = {
        "unusable_rows": codes.count("note_fn_unusable"),
        "omitted_rows": codes.count("note_fn_omitted"),
        "hidden_cells": int(cube.hidden.sum()),
    }
    out: list[str] = []
    if counts["unusable_rows"]:
        out.append(warning("funnel_unusable", n=counts["unusable_rows"]))
    if counts["omitted_rows"]:
        out.append(warning("funnel_omitted", n=counts["omitted_rows"]))
    if counts["hidden_cells"]:
        out.append(warning("funnel_hidden", n=counts["hidden_cells"]))
    return out, counts
