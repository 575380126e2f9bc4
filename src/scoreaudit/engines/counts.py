"""Audits from published confusion matrices per group (aggregate tables).

Often an agency discloses only aggregate tables: per group (gender, age band, ...), how many
files the model flagged and how many of them were found irregular, sometimes as counts
(true and false positives and negatives), often as a group size and rates in percent. The
Amsterdam "Slimme Check" model was audited from such tables (Lighthouse Reports, 2025; see
``FACTS.md``). :func:`audit_counts` reads either form, rebuilds whole counts, and returns the
core audit's tables for five rates: selection rate, precision, false-discovery rate,
false-positive rate and false-negative rate.

Rebuilding counts from percentages
----------------------------------
Counts are derived from the columns given, using the identities ``n = selected +
not selected = positives + negatives``, ``selected = tp + fp``, ``positives = tp + fn``,
``negatives = fp + tn`` and the rates ``selection_rate = selected / n``, ``precision =
tp / selected``, ``fdr = fp / selected``, ``prevalence = positives / n``, ``tpr = tp /
positives``, ``fnr = fn / positives``, ``fpr = fp / negatives``, ``tnr = tn / negatives``.
A published rate does not give one whole count but a *window*: every integer whose rate
rounds to the published value at the published precision (``decimals``: given, or read off
the column as its largest number of decimals). 5.2% of 2,958 files is 152.3 to 155.3 files:
153, 154 or 155. Rounding each count to its nearest value separately can pick a combination
that no longer reproduces another rate (154 flagged files, nearest to 5.2%, leave no whole tp
with a precision of 49.7%: 76/154 = 49.35%, 77/154 = 50.0%), although 76/153 and 77/155 do.

So each table row is solved *jointly*: following the identities, every count derived from a
rate branches over its whole window (a count derived from a count by a rate, e.g. ``base =
part / rate``, over the window of bases likewise), candidates that break an identity, a
non-negative count or any published rate are dropped as soon as they can be checked, and the
**joint solutions** are the whole-count tables (tp, fp, tn, fn with the given counts) that
reproduce EVERY published rate at its precision (an empty rate: its base is 0).

*Rule for choosing among joint solutions*: the table nearest the point estimates the
published rates give, in least squares: it minimises ``sum over published rates of (part -
rate * base) ** 2`` (e.g. ``(selected - 5.2% * n)^2 + (tp - 49.7% * selected)^2``), each
rate applied to the candidate's own base; ties go to the smallest tp, then fp, then tn. In
the example, 153 flagged and 76 irregular (0.67 against 1.40 for 155 and 77).

*Warnings* (in ``result.warnings`` and as Python ``UserWarning``):

* ``does not round-trip``: only when a row has NO joint solution. Its counts are then the
  nearest-rounded ones (each rate times its base, rounded, in the order above) and the
  warning names the group, the column and both values: the published table contradicts
  itself (or its rates were not rounded from whole counts).
* several joint solutions: for each such row (the first five, then a count), how many, the
  range of each count and of each reported rate over them; and one warning with the range of
  each ratio (group rate / reference rate) over all joint solutions of the rows involved
  (rows vary independently; the extreme rate of a sum of rows is found exactly by
  Dinkelbach's method). The reported counts, rates, ratios and intervals use the chosen table
  and are conditional on it.

``result.data_summary["joint_solutions"]`` gives the number of joint solutions per row (None
when the search was not exhaustive).

*Bounds*: a row's search holds at most :data:`MAX_JOINT_CANDIDATES` candidate tables at once
(huge groups published to one decimal: 5.2% of a million files is a window of 1,001 counts,
and windows multiply; a count derived as ``part / rate`` is also capped at ``n``). Beyond it
the search is narrowed: each window is cut to the 11 integers nearest ``rate * base`` plus 11
spread evenly over the window (ends included), then 5 + 5, then 3 + 3. The warnings then say
"at least" so many tables (and the ranges are those of the tables found), and a row without a
solution in the narrowed search gets a ``does not round-trip`` warning that says the search
was narrowed (a table outside it may exist); a row too large even then is not searched, and
its warning says so. The cost is about 0.1 s per row of 100,000 candidates.
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import SEP, Sums, build_cells, build_views
from scoreaudit.core.references import Pairs, reference_config, resolve_references
from scoreaudit.core.warning import records_notes, warning
from scoreaudit.data.inputs import to_pandas
from scoreaudit.data.population import Population
from scoreaudit.engines._counts_notes import (
    _ambiguity_warnings,
    _no_solution_note,
    _ratio_range_warning,
)
from scoreaudit.engines._counts_notes import _extreme_rate as _extreme_rate
from scoreaudit.engines._counts_solve import (
    _IX,
    _LINEAR,
    _NARROWED,
    COUNT_NAMES,
    METRICS,
    RATE_COUNTS,
    RATE_RELATIONS,
    _choose,
    _count_column,
    _decimals_of,
    _rate_column,
    _reconstruct,
    _slack,
    _solve_row,
)
from scoreaudit.engines._counts_solve import MAX_JOINT_CANDIDATES as MAX_JOINT_CANDIDATES
from scoreaudit.engines._options import check_options
from scoreaudit.engines.aggregate import (
    AggregateResult,
    comparison_frame,
    finish_disparities,
)
from scoreaudit.errors import DataError
from scoreaudit.gate.aggregate import CountRules
from scoreaudit.stats import metrics as M

__all__ = ["CountsAuditResult", "audit_counts"]


#: What the published numbers of a table of confusion matrices rest on (the publication
#: gate's rules): its count columns, two of them differences; each rate's two counts.
COUNT_TABLE_RULES = CountRules(
    counts={
        **{c: c for c in ("n", "tp", "fp", "tn", "fn", "selected")},
        "not_selected": ("n", "selected"),
        "positives": "positives",
        "negatives": ("n", "positives"),
    },
    metric_counts=RATE_COUNTS,
    column_counts=(
        ("tp", ("tp",)),
        ("fp", ("fp",)),
        ("tn", ("tn",)),
        ("fn", ("fn",)),
        ("selected", ("selected", "not_selected")),
        ("positives", ("positives", "negatives")),
        *RATE_COUNTS.items(),  # a rate's columns (value, interval) rest on its two counts
        # a row's flag and note say whether its counts reach min_cell (or are zero)
        ("small_cell", "*"),
        ("note", "*"),
    ),
    # a confusion matrix's four cells add up to the row's size
    coupled=(("n", "tp", "fp", "tn", "fn", "selected", "not_selected", "positives", "negatives"),),
    # what the gate's attacker reads: each count as a sum of the four cells, and the files
    atoms={
        "n": ("tp", "fp", "tn", "fn"),
        "selected": ("tp", "fp"),
        "not_selected": ("tn", "fn"),
        "positives": ("tp", "fn"),
        "negatives": ("fp", "tn"),
    },
    summary_counts={"files": ("n",)},
)


class CountsAuditResult(AggregateResult):
    """Result of :func:`audit_counts` (``kind == "counts"``).

    ``groups`` holds per (attribute, group) the whole counts (``n``, ``tp``, ``fp``, ``tn``,
    ``fn``, ``selected``, ``positives``), ``share`` of all files, and ``selection_rate``,
    ``precision``, ``fdr``, ``fpr``, ``fnr``, ``tpr``, ``prevalence`` with Wilson intervals;
    ``disparities`` one row per group and metric (``selection_rate``, ``precision``, ``fdr``,
    ``fpr``, ``fnr``) against the reference group. Precision and FDR are complements, so
    their comparisons share one test (counted once in the multiple-testing family).
    """

    kind = "counts"
    count_rules = COUNT_TABLE_RULES

    def _headline(self) -> str:
        d = self.data_summary
        return f"{d['files']:,} files in {d['rows']} table rows; {len(self.groups)} groups"


@records_notes
def audit_counts(
    table: pd.DataFrame,
    group: str | Sequence[str],
    *,
    tp: str | None = None,
    fp: str | None = None,
    tn: str | None = None,
    fn: str | None = None,
    n: str | None = None,
    selected: str | None = None,
    positives: str | None = None,
    selection_rate: str | None = None,
    precision: str | None = None,
    fdr: str | None = None,
    prevalence: str | None = None,
    tpr: str | None = None,
    fnr: str | None = None,
    fpr: str | None = None,
    tnr: str | None = None,
    percent: bool = True,
    decimals: int | Mapping[str, int] | None = None,
    reference: Mapping[str, Any] | str | None = None,
    confidence: float = 0.95,
    correction: str = "holm",
    intersections: bool | int = True,
    min_cell: int = 11,
    bands: Mapping[str, Sequence[float]] | None = None,
    missing: str = "error",
) -> CountsAuditResult:
    """Audit a model from confusion matrices per group (counts, or a size plus rates).

    Every column parameter names a column of ``table``. Give the four cells (``tp``, ``fp``,
    ``tn``, ``fn``), or a group size ``n`` (or other counts) plus enough rates to determine
    them, e.g. ``n``, ``selection_rate``, ``precision``, ``prevalence`` and ``fpr``; see the
    module docstring for how counts are rebuilt and checked.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per group (or per combination of groups, for several ``group`` columns).
    group : str or list of str
        Column(s) naming the group of each row. With several columns, each row is one
        intersection cell; single attributes are sums of rows.
    tp, fp, tn, fn : str, optional
        Count columns: flagged and irregular, flagged and regular, not flagged and regular,
        not flagged and irregular.
    n, selected, positives : str, optional
        Count columns: files in the group, files flagged, files irregular.
    selection_rate, precision, fdr, prevalence, tpr, fnr, fpr, tnr : str, optional
        Rate columns: flagged / n, tp / flagged, fp / flagged, irregular / n, tp / irregular,
        fn / irregular, fp / regular, tn / regular.
    percent : bool, default True
        Rates are percentages (0-100, a trailing "%" is accepted) rather than fractions. An
        empty rate (blank, "-", NaN) means undefined, e.g. the precision of a group with no
        file flagged.
    decimals : int or dict, optional
        Published precision of the rates (decimals, in the unit of the column), for all rate
        columns or per column name. Default: read off each column.
    reference : dict, "rest" or None
        Reference group per attribute, as in :func:`scoreaudit.engines.memory` (default: the largest).
    confidence, correction, intersections, min_cell
        As in :func:`scoreaudit.engines.memory`.
    bands, missing
        As in :class:`scoreaudit.Population`, for the group columns.

    Returns
    -------
    CountsAuditResult

    Raises
    ------
    DataError
        A missing column, a negative, non-integer or missing count, a rate out of range,
        counts that contradict each other, columns that do not determine the four cells, or
        two rows for the same group.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"gender": ["woman", "man"], "tp": [30, 10], "fp": [70, 40],
    ...                   "tn": [850, 900], "fn": [50, 50]})
    >>> res = audit_counts(t, "gender", tp="tp", fp="fp", tn="tn", fn="fn",
    ...                    reference={"gender": "man"})
    >>> g = res.groups.set_index("group")
    >>> float(g.loc["woman", "selection_rate"]), float(g.loc["man", "selection_rate"])
    (0.1, 0.05)
    >>> d = res.disparities.set_index("metric")
    >>> float(d.loc["selection_rate", "ratio"]), round(float(d.loc["fpr", "ratio"]), 4)
    (2.0, 1.788)

    From a group size and rates in percent:

    >>> p = pd.DataFrame({"gender": ["woman", "man"], "n": [1000, 1000],
    ...                   "sel": [10.0, 5.0], "prec": [30.0, 20.0], "prev": [8.0, 6.0]})
    >>> res = audit_counts(p, "gender", n="n", selection_rate="sel", precision="prec",
    ...                    prevalence="prev", decimals=1)
    >>> res.groups[["group", "tp", "fp", "tn", "fn"]].values.tolist()
    [['man', 10, 40, 900, 50], ['woman', 30, 70, 850, 50]]
    """
    table = to_pandas(table, "The counts table")
    if len(table) == 0:
        raise DataError.from_key("err_counts_empty")
    check_options(confidence, correction, min_cell)
    groups_cols = [group] if isinstance(group, str) else list(group)
    if not groups_cols:
        raise DataError.from_key("err_counts_no_group")
    # role -> column, in the order of COUNT_NAMES and RATE_RELATIONS (results.json keeps it)
    counts_given = _given(COUNT_NAMES, (n, selected, positives, tp, fp, tn, fn))
    rates_given = _given(
        RATE_RELATIONS, (selection_rate, precision, fdr, prevalence, tpr, fnr, fpr, tnr)
    )
    _check_roles(groups_cols, counts_given, rates_given)

    known = {k: _count_column(table, c, k) for k, c in counts_given.items()}
    scale = 100.0 if percent else 1.0
    rates = {k: _rate_column(table, c, k, percent) for k, c in rates_given.items()}
    dec = _rate_decimals(rates_given, rates, decimals)

    pop = Population(table, groups_cols, bands=bands, missing=missing)
    cells = build_cells(list(pop.attributes.values()))
    _check_one_row_per_group(cells, table, groups_cols)

    val, given = _reconstruct(known, rates, scale, len(table))
    _check_determined(val, counts_given, rates_given)
    warnings: list[str] = []
    labels_of_row = [
        SEP.join(str(table[c].iloc[i]) for c in groups_cols) for i in range(len(table))
    ]
    # joint search: every whole-count table of each row reproducing every published rate;
    # rows with one keep the one nearest the point estimates, the others the nearest-rounded
    # counts of _reconstruct (which the round-trip check below then reports)
    half_unit = {k: 0.5 * 10.0 ** (-dec[k]) for k in rates}
    solutions, narrowed = _joint_search(known, rates, scale, half_unit, val)
    warnings += _consistency_warnings(val, given, labels_of_row)

    # round trip of every published rate at its published precision (rows without a joint
    # solution keep the nearest-rounded counts, which then fail somewhere)
    reconstructed = bool(rates_given)
    warnings += _round_trip_warnings(val, rates, rates_given, scale, dec, narrowed, labels_of_row)
    warnings.extend(_ambiguity_warnings(solutions, narrowed, labels_of_row))
    for w in warnings:
        _warnings.warn(w, UserWarning, stacklevel=2)

    # -- statistics per attribute and intersection -------------------------------------------
    views = build_views(cells, intersections)
    C = cells.n_cells
    cell = cells.cell.astype(np.int64)
    per_cell = {
        k: np.bincount(cell, weights=val[k], minlength=C) for k in ("n", "tp", "fp", "tn", "fn")
    }

    base_by_view = {}
    for v in views:
        nv = np.bincount(v.group_of_cell, weights=per_cell["n"], minlength=v.n_groups)
        base_by_view[v.name] = Sums(nv, nv, nv)
    refs, ref_warnings = resolve_references(views, base_by_view, reference)
    if rates:
        span = _ratio_range_warning(views, refs, cells, solutions, val, narrowed)
        if span:
            warnings.append(span)
            _warnings.warn(span, UserWarning, stacklevel=2)
    warnings.extend(ref_warnings)

    total_n = float(per_cell["n"].sum())
    group_frames, disp_frames = [], []
    for v, ref in zip(views, refs, strict=True):
        group_frame, frames = _view_frames(v, ref, per_cell, total_n, confidence, min_cell)
        group_frames.append(group_frame)
        disp_frames += frames

    groups = pd.concat(group_frames, ignore_index=True)
    disparities = finish_disparities(disp_frames, correction, confidence)
    summary = {
        "rows": len(table),
        "files": int(total_n),
        "group_columns": groups_cols,
        "count_columns": counts_given,
        "rate_columns": rates_given,
        "percent": percent,
        "decimals": {rates_given[k]: d for k, d in dec.items()},
        "reconstructed_from_rates": reconstructed,
        "joint_solutions": [
            None if S is None or i in narrowed else len(S) for i, S in enumerate(solutions)
        ]
        if rates
        else None,
        "protected": {a.name: list(a.levels) for a in pop.attributes.values()},
    }
    config = {
        **reference_config(reference, views, refs),
        "intersections": intersections,
        "confidence": confidence,
        "correction": correction,
        "min_cell": int(min_cell),
    }
    return CountsAuditResult(
        groups=groups,
        disparities=disparities,
        config=config,
        data_summary=summary,
        warnings=warnings,
    )


def _given(roles: Iterable[str], columns: tuple[str | None, ...]) -> dict[str, str]:
    """The roles that name a column (role -> column), in the order of ``roles``."""
    return {role: c for role, c in zip(roles, columns, strict=True) if c is not None}


def _check_roles(groups_cols: list[str], counts_given: dict, rates_given: dict) -> None:
    """At least one count column, and no column in two roles."""
    if not counts_given:
        raise DataError.from_key("err_counts_no_counts")
    used = [*groups_cols, *counts_given.values(), *rates_given.values()]
    dup = sorted({c for c in used if used.count(c) > 1})
    if dup:
        raise DataError.from_key("err_counts_two_roles", columns=", ".join(map(repr, dup)))


def _rate_decimals(rates_given: dict, rates: dict, decimals: Any) -> dict[str, int]:
    """Decimals each rate column is published to (given, or read from its values)."""
    dec: dict[str, int] = {}
    for k, c in rates_given.items():
        if isinstance(decimals, Mapping):
            dec[k] = int(decimals[c]) if c in decimals else _decimals_of(rates[k])
        elif decimals is not None:
            dec[k] = int(decimals)
        else:
            dec[k] = _decimals_of(rates[k])
    return dec


def _check_one_row_per_group(cells: Any, table: pd.DataFrame, groups_cols: list[str]) -> None:
    if cells.n_cells < len(table):
        code = cells.cell.astype(np.int64)
        first = np.flatnonzero(np.bincount(code) > 1)[0]
        rows = np.flatnonzero(code == first)[:2].tolist()
        label = SEP.join(a.levels[cells.levels[first, j]] for j, a in enumerate(cells.attributes))
        raise DataError.from_key(
            "err_counts_same_group",
            a=rows[0],
            b=rows[1],
            label=label,
            columns=", ".join(groups_cols),
        )


def _check_determined(val: dict, counts_given: dict, rates_given: dict) -> None:
    """The columns given determine the four cells of every row."""
    missing_cells = [k for k in ("tp", "fp", "tn", "fn") if np.isnan(val[k]).any()]
    if missing_cells:
        pos = int(np.flatnonzero(np.isnan(val[missing_cells[0]]))[0])
        raise DataError.from_key(
            "err_counts_undetermined",
            cells=", ".join(missing_cells),
            pos=pos,
            counts=sorted(counts_given),
            rates=sorted(rates_given),
        )


def _joint_search(
    known: dict, rates: dict, scale: float, half_unit: dict, val: dict
) -> tuple[list[np.ndarray | None], dict[int, int | None]]:
    """Whole-count solutions of each row; ``val`` takes the one nearest the point estimates."""
    n_rows = len(next(iter(val.values())))
    solutions: list[np.ndarray | None] = [None] * n_rows
    narrowed: dict[int, int | None] = {}  # row -> half-width of a narrowed search, None: none
    for i in range(n_rows) if rates else ():
        known_i = {k: float(v[i]) for k, v in known.items()}
        rates_i = {k: (float(r[i]), half_unit[k]) for k, r in rates.items()}
        sol = _solve_row(known_i, rates_i, scale, None)
        if sol is None:
            for radius in _NARROWED:
                sol = _solve_row(known_i, rates_i, scale, radius)
                if sol is not None:
                    narrowed[i] = radius
                    break
            else:
                narrowed[i] = None
        solutions[i] = sol
        if sol is not None and len(sol):
            best = sol[_choose(sol, rates_i, scale)]
            for k, j in _IX.items():
                val[k][i] = best[j]
    return solutions, narrowed


def _consistency_warnings(val: dict, given: dict, labels_of_row: list[str]) -> list[str]:
    """No negative count; totals add up (an error when all three were given)."""
    warnings: list[str] = []
    for name, arr in val.items():
        neg = arr < 0
        if neg.any():
            pos = int(np.flatnonzero(neg)[0])
            raise DataError.from_key(
                "err_counts_negative_implied",
                name=name,
                value=arr[pos],
                group=labels_of_row[pos],
                pos=pos,
            )
    for total, a, b in _LINEAR:
        bad = val[total] != val[a] + val[b]
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            if given[total][pos] and given[a][pos] and given[b][pos]:
                raise DataError.from_key(
                    "err_counts_contradict",
                    group=labels_of_row[pos],
                    pos=pos,
                    total=total,
                    value=val[total][pos],
                    a=a,
                    b=b,
                    sum=val[a][pos] + val[b][pos],
                )
            warnings.append(
                warning(
                    "counts_not_additive",
                    group=labels_of_row[pos],
                    row=pos,
                    total=total,
                    value=f"{val[total][pos]:g}",
                    a=a,
                    b=b,
                    sum=f"{val[a][pos] + val[b][pos]:g}",
                )
            )
    return warnings


def _round_trip_warnings(
    val: dict,
    rates: dict,
    rates_given: dict,
    scale: float,
    dec: dict[str, int],
    narrowed: dict[int, int | None],
    labels_of_row: list[str],
) -> list[str]:
    """Every published rate at its published precision, from the whole counts."""
    half_unit = {k: 0.5 * 10.0 ** (-dec[k]) for k in rates}
    warnings: list[str] = []
    for rate, (part, base) in RATE_RELATIONS.items():
        if rate not in rates:
            continue
        col = rates_given[rate]
        with np.errstate(divide="ignore", invalid="ignore"):
            implied = np.where(val[base] > 0, val[part] / val[base] * scale, np.nan)
        pub = rates[rate]
        ok = np.isnan(implied) | (np.abs(implied - pub) <= _slack(half_unit[rate]))
        empty_but_defined = np.isnan(pub) & ~np.isnan(implied)
        defined_but_empty = ~np.isnan(pub) & np.isnan(implied)  # published, but base 0
        ok = ok & ~empty_but_defined & ~defined_but_empty
        for i in np.flatnonzero(~ok)[:5]:
            warnings.append(
                warning(
                    "counts_rate_mismatch",
                    column=col,
                    rate=rate,
                    group=labels_of_row[i],
                    published=(
                        warning("counts_value_empty") if np.isnan(pub[i]) else f"{pub[i]:g}"
                    ),
                    part=part,
                    part_value=f"{val[part][i]:g}",
                    base=base,
                    base_value=f"{val[base][i]:g}",
                    implied=f"{implied[i]:.{dec[rate] + 2}f}",
                    decimals=dec[rate],
                    note=_no_solution_note(narrowed.get(i, -1)),
                )
            )
        if (~ok).sum() > 5:
            warnings.append(warning("counts_more_mismatch", column=col, n=int((~ok).sum()) - 5))
    return warnings


def _view_frames(
    v: Any, ref: int | None, per_cell: dict, total_n: float, confidence: float, min_cell: int
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Groups table and comparisons of one attribute or intersection."""
    disp_frames = []
    agg = {
        k: np.bincount(v.group_of_cell, weights=a, minlength=v.n_groups)
        for k, a in per_cell.items()
    }
    agg["selected"] = agg["tp"] + agg["fp"]
    agg["positives"] = agg["tp"] + agg["fn"]
    agg["negatives"] = agg["fp"] + agg["tn"]
    labels = list(v.labels)
    cols: dict[str, Any] = {"attribute": v.name, "group": labels}
    for k in ("n", "tp", "fp", "tn", "fn", "selected", "positives"):
        cols[k] = agg[k].astype(np.int64)
    cols["share"] = agg["n"] / total_n
    for name, event, base in (
        *METRICS,
        ("tpr", "tp", "positives"),
        ("prevalence", "positives", "n"),
    ):
        lo, hi = M.wilson_interval(agg[event], agg[base], confidence)
        cols.update({name: M._div(agg[event], agg[base]), f"{name}_low": lo, f"{name}_high": hi})
    cols["small_cell"] = (agg["n"] < min_cell) | (agg["selected"] < min_cell)

    pairs = Pairs(labels, ref)
    idx, g_labels, ref_labels = pairs.groups, pairs.group_labels, pairs.reference_labels
    ref_agg = {k: pairs.reference_side(a) for k, a in agg.items()}
    for name, event, base in METRICS:
        x1, n1 = agg[event][idx], agg[base][idx]
        x0, n0 = ref_agg[event], ref_agg[base]
        frame = comparison_frame(
            attribute=v.name,
            groups=g_labels,
            references=ref_labels,
            metric=name,
            x1=x1,
            n1=n1,
            x0=x0,
            n0=n0,
            confidence=confidence,
            min_cell=min_cell,
            small=(n1 < min_cell)
            | (n0 < min_cell)
            | (agg["n"][idx] < min_cell)
            | (ref_agg["n"] < min_cell),
        )
        key = "precision" if name == "fdr" else name
        frame["_test_key"] = [f"{v.name}\x00{g}\x00{key}" for g in g_labels]
        disp_frames.append(frame)
    return pd.DataFrame(cols), disp_frames
