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
positives``, ``fnr = fn / positives``, ``fpr = fp / negatives``, ``tnr = tn / negatives``,
rounding each product (``rate * base``) to the nearest whole count, until tp, fp, tn and fn
are known. Then every published rate is recomputed from the whole counts and rounded to the
published precision (``decimals``: given, or read off the column as its largest number of
decimals): if it differs from the published value, the table does not round-trip and the
result says so (a warning in ``result.warnings`` and a Python ``UserWarning``), naming the
group, the column and both values. When several whole counts round to the same published
rate (a 1-decimal percentage of 10,000 files leaves 10 candidates) the nearest is used and
a warning gives the largest such ambiguity per column: intervals are conditional on it.
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import metrics as M
from .aggregate import AggregateResult, check_options, comparison_frame, finish_disparities
from .errors import DataError
from .population import Population
from .stats import SEP, Sums, build_cells, build_views

__all__ = ["CountsAuditResult", "audit_counts"]

#: Count quantities and rate relations ``part = rate * base``.
COUNT_NAMES = ("n", "selected", "positives", "tp", "fp", "tn", "fn")
RATE_RELATIONS = {
    "selection_rate": ("selected", "n"),
    "precision": ("tp", "selected"),
    "fdr": ("fp", "selected"),
    "prevalence": ("positives", "n"),
    "tpr": ("tp", "positives"),
    "fnr": ("fn", "positives"),
    "fpr": ("fp", "negatives"),
    "tnr": ("tn", "negatives"),
}
_LINEAR = (  # total = a + b
    ("n", "selected", "not_selected"),
    ("n", "positives", "negatives"),
    ("selected", "tp", "fp"),
    ("not_selected", "tn", "fn"),
    ("positives", "tp", "fn"),
    ("negatives", "fp", "tn"),
)
#: Rates reported (groups) and compared (disparities): (name, event, base).
METRICS = (
    ("selection_rate", "selected", "n"),
    ("precision", "tp", "selected"),
    ("fdr", "fp", "selected"),
    ("fpr", "fp", "negatives"),
    ("fnr", "fn", "positives"),
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

    def _headline(self) -> str:
        d = self.data_summary
        return f"{d['files']:,} files in {d['rows']} table rows; {len(self.groups)} groups"


def _decimals_of(values: np.ndarray) -> int:
    """Largest number of decimals written in a float column (shortest repr)."""
    best = 0
    for v in values[np.isfinite(values)]:
        text = np.format_float_positional(float(v), trim="-")
        if "." in text:
            best = max(best, len(text.split(".")[1]))
    return best


def _show(value: Any) -> str:
    """A cell value for an error message (numpy scalars as plain Python values)."""
    if hasattr(value, "item"):
        value = value.item()
    return repr(value)


def _count_column(table: pd.DataFrame, column: str, role: str) -> np.ndarray:
    if column not in table.columns:
        raise DataError(f"Column {column!r} ({role}) not found in the table. Available columns: "
                        f"{', '.join(map(str, table.columns[:30]))}.")
    raw = table[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"Count column {column!r} ({role}) has a missing or non-numeric value "
                        f"{_show(raw.iloc[pos])} at row position {pos}.")
    neg = values < 0
    if neg.any():
        pos = int(np.flatnonzero(neg)[0])
        raise DataError(f"Count column {column!r} ({role}) has a negative count {_show(raw.iloc[pos])} "
                        f"at row position {pos}.")
    frac = values != np.round(values)
    if frac.any():
        pos = int(np.flatnonzero(frac)[0])
        raise DataError(
            f"Count column {column!r} ({role}) has a non-integer count {_show(raw.iloc[pos])} at row "
            f"position {pos}; counts of files must be whole numbers (if the column holds rates, "
            f"pass it as a rate, e.g. {role}=... -> selection_rate=...).")
    return values


def _rate_column(table: pd.DataFrame, column: str, role: str, percent: bool) -> np.ndarray:
    if column not in table.columns:
        raise DataError(f"Column {column!r} ({role}) not found in the table. Available columns: "
                        f"{', '.join(map(str, table.columns[:30]))}.")
    raw = table[column]
    empty = raw.isna().to_numpy()
    if not pd.api.types.is_numeric_dtype(raw):
        raw = raw.astype(str).str.strip().str.rstrip("%").str.replace(",", ".", regex=False)
        empty = empty | raw.isin(["", "-", "–", "nan", "NaN", "NA", "n/a"]).to_numpy()
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    bad = ~np.isfinite(values) & ~empty
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"Rate column {column!r} ({role}) has a non-numeric value "
                        f"{_show(table[column].iloc[pos])} at row position {pos}.")
    values[empty] = np.nan
    top = 100.0 if percent else 1.0
    out = (values < 0) | (values > top)
    if out.any():
        pos = int(np.flatnonzero(out)[0])
        unit = "a percentage (0-100)" if percent else "a fraction (0-1); pass percent=True for "\
            "percentages"
        raise DataError(f"Rate column {column!r} ({role}) must hold {unit}; value "
                        f"{_show(table[column].iloc[pos])} at row position {pos} is not.")
    return values


def _reconstruct(known: dict[str, np.ndarray], rates: dict[str, np.ndarray], scale: float,
                 n_rows: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Solve for tp, fp, tn, fn row by row (vectorised).

    Returns the values and, per quantity and row, whether it is exact (a given count, or
    derived from given counts by sums and differences only, never through a rate).
    """
    val = {k: np.full(n_rows, np.nan) for k in
           ("n", "selected", "not_selected", "positives", "negatives", "tp", "fp", "tn", "fn")}
    given = {k: np.zeros(n_rows, bool) for k in val}
    for k, v in known.items():
        val[k] = v.copy()
        given[k][:] = True
    for _ in range(12):
        changed = False
        for total, a, b in _LINEAR:
            for unknown, x, y, sign in ((total, a, b, 1), (a, total, b, -1), (b, total, a, -1)):
                m = np.isnan(val[unknown]) & ~np.isnan(val[x]) & ~np.isnan(val[y])
                if m.any():
                    val[unknown][m] = val[x][m] + sign * val[y][m]
                    given[unknown][m] = given[x][m] & given[y][m]  # exact if both are
                    changed = True
        for rate, (part, base) in RATE_RELATIONS.items():
            if rate not in rates:
                continue
            q = rates[rate] / scale
            # an empty rate is undefined (0 / 0): the part is 0 when the base is 0
            m = np.isnan(val[part]) & (val[base] == 0)
            if m.any():
                val[part][m] = 0.0
                changed = True
            m = np.isnan(val[part]) & ~np.isnan(val[base]) & ~np.isnan(q)
            if m.any():
                val[part][m] = np.floor(q[m] * val[base][m] + 0.5)
                changed = True
            m = np.isnan(val[base]) & ~np.isnan(val[part]) & (q > 0) & ~np.isnan(q)
            if m.any():
                val[base][m] = np.floor(val[part][m] / q[m] + 0.5)
                changed = True
        if not changed:
            break
    return val, given


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
        Reference group per attribute, as in :func:`scoreaudit.audit` (default: the largest).
    confidence, correction, intersections, min_cell
        As in :func:`scoreaudit.audit`.
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
    if not isinstance(table, pd.DataFrame):
        if hasattr(table, "to_pandas"):
            table = table.to_pandas()
        else:
            raise DataError(f"The counts table must be a pandas DataFrame, not "
                            f"{type(table).__name__}.")
    if len(table) == 0:
        raise DataError("The counts table is empty: it has no rows.")
    check_options(confidence, correction, min_cell)
    groups_cols = [group] if isinstance(group, str) else list(group)
    if not groups_cols:
        raise DataError("Give at least one group column (group=...).")
    counts_given = {k: c for k, c in (("n", n), ("selected", selected), ("positives", positives),
                                      ("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn))
                    if c is not None}
    rates_given = {k: c for k, c in (("selection_rate", selection_rate),
                                     ("precision", precision), ("fdr", fdr),
                                     ("prevalence", prevalence), ("tpr", tpr), ("fnr", fnr),
                                     ("fpr", fpr), ("tnr", tnr)) if c is not None}
    if not counts_given:
        raise DataError("Give count columns: tp, fp, tn, fn, or a group size n (plus rates).")
    used = [*groups_cols, *counts_given.values(), *rates_given.values()]
    dup = sorted({c for c in used if used.count(c) > 1})
    if dup:
        raise DataError(f"Column(s) {', '.join(map(repr, dup))} are given for two roles.")

    known = {k: _count_column(table, c, k) for k, c in counts_given.items()}
    scale = 100.0 if percent else 1.0
    rates = {k: _rate_column(table, c, k, percent) for k, c in rates_given.items()}
    dec: dict[str, int] = {}
    for k, c in rates_given.items():
        if isinstance(decimals, Mapping):
            dec[k] = int(decimals[c]) if c in decimals else _decimals_of(rates[k])
        elif decimals is not None:
            dec[k] = int(decimals)
        else:
            dec[k] = _decimals_of(rates[k])

    pop = Population(table, groups_cols, bands=bands, missing=missing)
    cells = build_cells(list(pop.attributes.values()))
    if cells.n_cells < len(table):
        code = cells.cell.astype(np.int64)
        first = np.flatnonzero(np.bincount(code) > 1)[0]
        rows = np.flatnonzero(code == first)[:2].tolist()
        label = SEP.join(a.levels[cells.levels[first, j]]
                         for j, a in enumerate(cells.attributes))
        raise DataError(
            f"Rows {rows[0]} and {rows[1]} of the table are both the group {label!r} "
            f"({', '.join(groups_cols)}): keep one row per group (e.g. filter one model version "
            "or data set, drop total rows) or add the distinguishing column to group=.")

    val, given = _reconstruct(known, rates, scale, len(table))
    missing_cells = [k for k in ("tp", "fp", "tn", "fn") if np.isnan(val[k]).any()]
    if missing_cells:
        pos = int(np.flatnonzero(np.isnan(val[missing_cells[0]]))[0])
        raise DataError(
            f"The columns given do not determine {', '.join(missing_cells)} (first at row "
            f"position {pos}); given counts: {sorted(counts_given)}, rates: "
            f"{sorted(rates_given)}. Give, e.g., tp/fp/tn/fn, or n with selection_rate, "
            "precision and prevalence (or fpr).")
    warnings: list[str] = []
    labels_of_row = [SEP.join(str(table[c].iloc[i]) for c in groups_cols)
                     for i in range(len(table))]
    for name, arr in val.items():
        neg = arr < 0
        if neg.any():
            pos = int(np.flatnonzero(neg)[0])
            raise DataError(
                f"The table's numbers contradict each other: they imply a negative count of "
                f"{name} ({arr[pos]:g}) for group {labels_of_row[pos]!r} (row position {pos}).")
    for total, a, b in _LINEAR:
        bad = val[total] != val[a] + val[b]
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            msg = (f"For group {labels_of_row[pos]!r} (row position {pos}), {total} = "
                   f"{val[total][pos]:g} but {a} + {b} = {val[a][pos] + val[b][pos]:g}.")
            if given[total][pos] and given[a][pos] and given[b][pos]:
                raise DataError(f"The table's counts contradict each other. {msg}")
            warnings.append(f"The table does not round-trip: {msg}")

    # round trip of every published rate at its published precision
    reconstructed = bool(rates_given)
    ambiguity: dict[str, int] = {}
    for rate, (part, base) in RATE_RELATIONS.items():
        if rate not in rates:
            continue
        col = rates_given[rate]
        with np.errstate(divide="ignore", invalid="ignore"):
            implied = np.where(val[base] > 0, val[part] / val[base] * scale, np.nan)
        half = 0.5 * 10.0 ** (-dec[rate])
        pub = rates[rate]
        ok = np.isnan(implied) | (np.abs(implied - pub) <= half * (1 + 1e-9) + 1e-12)
        empty_but_defined = np.isnan(pub) & ~np.isnan(implied)
        ok = ok & ~empty_but_defined
        for i in np.flatnonzero(~ok)[:5]:
            warnings.append(
                f"Column {col!r} ({rate}) does not round-trip for group {labels_of_row[i]!r}: "
                f"published {'(empty)' if np.isnan(pub[i]) else f'{pub[i]:g}'}, but the whole counts {part} = {val[part][i]:g} and "
                f"{base} = {val[base][i]:g} give {implied[i]:.{dec[rate] + 2}f} "
                f"(published to {dec[rate]} decimal(s)).")
        if (~ok).sum() > 5:
            warnings.append(f"Column {col!r}: {int((~ok).sum()) - 5} more group(s) do not "
                            "round-trip.")
        if dec[rate] <= 6:
            lo = val[base] * (pub - half) / scale
            hi = val[base] * (pub + half) / scale
            width = np.floor(hi + 1e-9) - np.ceil(lo - 1e-9) + 1
            width = np.where(given[part] | ~np.isfinite(width) | np.isnan(pub), 1, width)
            if np.nanmax(width) > 1:
                ambiguity[col] = int(np.nanmax(width))
    for col, k in ambiguity.items():
        warnings.append(
            f"Column {col!r} at its published precision leaves up to {k} possible whole counts "
            "for a group; the nearest was used and intervals are conditional on it.")
    for w in warnings:
        _warnings.warn(w, UserWarning, stacklevel=2)

    # -- statistics per attribute and intersection -------------------------------------------
    views = build_views(cells, intersections)
    C = cells.n_cells
    cell = cells.cell.astype(np.int64)
    per_cell = {k: np.bincount(cell, weights=val[k], minlength=C) for k in
                ("n", "tp", "fp", "tn", "fn")}
    from .audit import REST, _resolve_references

    base_by_view = {}
    for v in views:
        nv = np.bincount(v.group_of_cell, weights=per_cell["n"], minlength=v.n_groups)
        base_by_view[v.name] = Sums(nv, nv, nv)
    refs, ref_warnings = _resolve_references(views, base_by_view, reference)
    warnings.extend(ref_warnings)

    total_n = float(per_cell["n"].sum())
    group_frames, disp_frames = [], []
    for v, ref in zip(views, refs, strict=True):
        agg = {k: np.bincount(v.group_of_cell, weights=a, minlength=v.n_groups)
               for k, a in per_cell.items()}
        agg["selected"] = agg["tp"] + agg["fp"]
        agg["positives"] = agg["tp"] + agg["fn"]
        agg["negatives"] = agg["fp"] + agg["tn"]
        labels = list(v.labels)
        cols: dict[str, Any] = {"attribute": v.name, "group": labels}
        for k in ("n", "tp", "fp", "tn", "fn", "selected", "positives"):
            cols[k] = agg[k].astype(np.int64)
        cols["share"] = agg["n"] / total_n
        for name, event, base in (*METRICS, ("tpr", "tp", "positives"),
                                  ("prevalence", "positives", "n")):
            lo, hi = M.wilson_interval(agg[event], agg[base], confidence)
            cols.update({name: M._div(agg[event], agg[base]), f"{name}_low": lo,
                         f"{name}_high": hi})
        cols["small_cell"] = (agg["n"] < min_cell) | (agg["selected"] < min_cell)
        group_frames.append(pd.DataFrame(cols))

        G = v.n_groups
        if ref is None:
            idx = np.arange(G)
            ref_labels = [REST] * G
            ref_agg = {k: a.sum() - a for k, a in agg.items()}
        else:
            idx = np.array([g for g in range(G) if g != ref], dtype=np.int64)
            ref_labels = [labels[ref]] * idx.size
            ref_agg = {k: np.full(idx.size, a[ref]) for k, a in agg.items()}
        g_labels = [labels[i] for i in idx]
        for name, event, base in METRICS:
            x1, n1 = agg[event][idx], agg[base][idx]
            x0, n0 = ref_agg[event], ref_agg[base]
            frame = comparison_frame(
                attribute=v.name, groups=g_labels, references=ref_labels, metric=name,
                x1=x1, n1=n1, x0=x0, n0=n0, confidence=confidence, min_cell=min_cell,
                small=(n1 < min_cell) | (n0 < min_cell) | (agg["n"][idx] < min_cell) |
                (ref_agg["n"] < min_cell))
            key = "precision" if name == "fdr" else name
            frame["_test_key"] = [f"{v.name}\x00{g}\x00{key}" for g in g_labels]
            disp_frames.append(frame)

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
        "protected": {a.name: list(a.levels) for a in pop.attributes.values()},
    }
    config = {
        "reference": reference if isinstance(reference, (str, type(None))) else {
            str(k if isinstance(k, str) else SEP.join(k)): str(
                val_ if not isinstance(val_, tuple) else SEP.join(val_))
            for k, val_ in reference.items()},
        "references_used": {v.name: (REST if r is None else v.labels[r])
                            for v, r in zip(views, refs, strict=True)},
        "intersections": intersections,
        "confidence": confidence,
        "correction": correction,
        "min_cell": int(min_cell),
    }
    return CountsAuditResult(groups=groups, disparities=disparities, config=config,
                             data_summary=summary, warnings=warnings)
