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
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import SEP, Sums, build_cells, build_views
from scoreaudit.core.references import reference_config, resolve_references
from scoreaudit.core.vocab import REST
from scoreaudit.data.inputs import to_pandas
from scoreaudit.data.population import Population
from scoreaudit.engines.aggregate import (
    AggregateResult,
    check_options,
    comparison_frame,
    finish_disparities,
)
from scoreaudit.errors import DataError
from scoreaudit.stats import metrics as M

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
        raise DataError(
            f"Column {column!r} ({role}) not found in the table. Available columns: "
            f"{', '.join(map(str, table.columns[:30]))}."
        )
    raw = table[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"Count column {column!r} ({role}) has a missing or non-numeric value "
            f"{_show(raw.iloc[pos])} at row position {pos}."
        )
    neg = values < 0
    if neg.any():
        pos = int(np.flatnonzero(neg)[0])
        raise DataError(
            f"Count column {column!r} ({role}) has a negative count {_show(raw.iloc[pos])} "
            f"at row position {pos}."
        )
    frac = values != np.round(values)
    if frac.any():
        pos = int(np.flatnonzero(frac)[0])
        raise DataError(
            f"Count column {column!r} ({role}) has a non-integer count {_show(raw.iloc[pos])} at row "
            f"position {pos}; counts of files must be whole numbers (if the column holds rates, "
            f"pass it as a rate, e.g. {role}=... -> selection_rate=...)."
        )
    return values


def _rate_column(table: pd.DataFrame, column: str, role: str, percent: bool) -> np.ndarray:
    if column not in table.columns:
        raise DataError(
            f"Column {column!r} ({role}) not found in the table. Available columns: "
            f"{', '.join(map(str, table.columns[:30]))}."
        )
    raw = table[column]
    empty = raw.isna().to_numpy()
    if not pd.api.types.is_numeric_dtype(raw):
        raw = raw.astype(str).str.strip().str.rstrip("%").str.replace(",", ".", regex=False)
        empty = empty | raw.isin(["", "-", "–", "nan", "NaN", "NA", "n/a"]).to_numpy()
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    bad = ~np.isfinite(values) & ~empty
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"Rate column {column!r} ({role}) has a non-numeric value "
            f"{_show(table[column].iloc[pos])} at row position {pos}."
        )
    values[empty] = np.nan
    top = 100.0 if percent else 1.0
    out = (values < 0) | (values > top)
    if out.any():
        pos = int(np.flatnonzero(out)[0])
        unit = (
            "a percentage (0-100)"
            if percent
            else "a fraction (0-1); pass percent=True for percentages"
        )
        raise DataError(
            f"Rate column {column!r} ({role}) must hold {unit}; value "
            f"{_show(table[column].iloc[pos])} at row position {pos} is not."
        )
    return values


def _reconstruct(
    known: dict[str, np.ndarray], rates: dict[str, np.ndarray], scale: float, n_rows: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Solve for tp, fp, tn, fn row by row (vectorised).

    Returns the values and, per quantity and row, whether it is exact (a given count, or
    derived from given counts by sums and differences only, never through a rate).
    """
    val = {
        k: np.full(n_rows, np.nan)
        for k in ("n", "selected", "not_selected", "positives", "negatives", "tp", "fp", "tn", "fn")
    }
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


_VARS = ("n", "selected", "not_selected", "positives", "negatives", "tp", "fp", "tn", "fn")
_IX = {v: i for i, v in enumerate(_VARS)}
_CELLS = [_IX[k] for k in ("tp", "fp", "tn", "fn")]
#: Most candidate tables one row's joint search may hold at once; beyond it the search is
#: narrowed (see the module docstring).
MAX_JOINT_CANDIDATES = 250_000
#: Half-widths of the narrowed searches, tried in turn when the full one is too large.
_NARROWED = (5, 2, 1)


def _slack(half: float) -> float:
    """Tolerance of the round-trip check, in the rate's unit (as the warning uses)."""
    return half * (1 + 1e-9) + 1e-12


def _feasible(C: np.ndarray, rates: dict[str, tuple[float, float]], scale: float) -> np.ndarray:
    """Rows of candidate tables ``C`` (NaN = not yet known) that break no constraint yet."""
    ok = ~(C < 0).any(axis=1)
    for total, a, b in _LINEAR:
        t, x, y = C[:, _IX[total]], C[:, _IX[a]], C[:, _IX[b]]
        ok &= ~(t != x + y) | np.isnan(t) | np.isnan(x) | np.isnan(y)
    for rate, (pub, half) in rates.items():
        part, base = (C[:, _IX[k]] for k in RATE_RELATIONS[rate])
        both = ~np.isnan(part) & ~np.isnan(base)
        ok &= ~(both & (part > base))
        pos = both & (base > 0)
        if np.isnan(pub):  # an empty (undefined) rate: its base must be 0
            ok &= ~(base > 0)
        else:  # a published rate, even 0.0, is defined: its base is not 0
            ok &= ~(base == 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                implied = part / np.where(pos, base, 1.0) * scale
            ok &= ~pos | (np.abs(implied - pub) <= _slack(half))
    return ok


def _propagate(C: np.ndarray) -> None:
    """Fill, in place, every quantity a sum or difference of two known ones gives."""
    for _ in range(6):
        changed = False
        for total, a, b in _LINEAR:
            for unknown, x, y, sign in ((total, a, b, 1), (a, total, b, -1), (b, total, a, -1)):
                u, xv, yv = C[:, _IX[unknown]], C[:, _IX[x]], C[:, _IX[y]]
                m = np.isnan(u) & ~np.isnan(xv) & ~np.isnan(yv)
                if m.any():
                    C[m, _IX[unknown]] = xv[m] + sign * yv[m]
                    changed = True
        if not changed:
            return


def _expand(
    C: np.ndarray,
    m: np.ndarray,
    col: int,
    lo: np.ndarray,
    hi: np.ndarray,
    cap: int,
    centre: np.ndarray | None = None,
    radius: int | None = None,
) -> np.ndarray | None:
    """Replace each candidate of ``m`` by one per integer of ``[lo, hi]`` in column ``col``.

    With ``radius``: only the ``2 * radius + 1`` integers nearest ``centre`` and ``2 * radius +
    1`` integers spread evenly over ``[lo, hi]`` (ends included), without repeats.
    """
    keep = C[~m]
    if radius is None:
        width = np.maximum(hi - lo + 1, 0).astype(np.int64)
        if keep.shape[0] + int(width.sum()) > cap:
            return None
        new = np.repeat(C[m], width, axis=0)
        start = np.cumsum(width) - width
        new[:, col] = np.repeat(lo, width) + (np.arange(new.shape[0]) - np.repeat(start, width))
    else:
        k = 2 * radius + 1
        near = centre[:, None] + np.arange(-radius, radius + 1)[None, :]
        spread = np.round(lo[:, None] + (hi - lo)[:, None] * np.linspace(0, 1, k)[None, :])
        values = np.sort(np.hstack([near, spread]), axis=1)
        use = (values >= lo[:, None]) & (values <= hi[:, None])
        use[:, 1:] &= values[:, 1:] != values[:, :-1]
        count = use.sum(axis=1)
        if keep.shape[0] + int(count.sum()) > cap:
            return None
        new = np.repeat(C[m], count, axis=0)
        new[:, col] = values[use]
    return np.asfortranarray(np.vstack([keep, new]))


def _solve_row(
    known: dict[str, float],
    rates: dict[str, tuple[float, float]],
    scale: float,
    radius: int | None,
    cap: int = MAX_JOINT_CANDIDATES,
) -> np.ndarray | None:
    """Every whole-count table of one row that reproduces each published rate.

    ``rates`` maps a rate to (published value, half a published unit). Branches, as
    :func:`_reconstruct` derives, on every integer whose rate rounds to the published value
    (with ``radius``: a narrowed search, see :func:`_expand`); prunes with every constraint
    that can be checked. Returns the (k, 9) solutions (k may be 0), or None
    when more than ``cap`` candidates would be needed or the rates do not bound a count.
    """
    C = np.full((1, len(_VARS)), np.nan)
    for k, v in known.items():
        C[0, _IX[k]] = v
    while True:
        _propagate(C)
        C = C[_feasible(C, rates, scale)]
        if C.shape[0] == 0 or not np.isnan(C[:, _CELLS]).any():
            return C
        for rate, (part, base) in RATE_RELATIONS.items():
            if rate not in rates:
                continue
            pub, half = rates[rate]
            ip, ib = _IX[part], _IX[base]
            m = np.isnan(C[:, ip]) & (C[:, ib] == 0)  # empty rate: 0 / 0
            if m.any():
                C[m, ip] = 0.0
                break
            if np.isnan(pub):
                continue
            q, h = pub / scale, _slack(half) / scale
            m = np.isnan(C[:, ip]) & ~np.isnan(C[:, ib])
            if m.any():
                b = C[m, ib]
                lo = np.maximum(np.ceil(b * (q - h) - 1e-7), 0)
                hi = np.minimum(np.floor(b * (q + h) + 1e-7), b)
                C = _expand(C, m, ip, lo, hi, cap, np.floor(q * b + 0.5), radius)
                if C is None:
                    return None
                break
            m = np.isnan(C[:, ib]) & ~np.isnan(C[:, ip])
            if m.any():
                if q - h <= 0:  # the rate does not bound the base from above
                    continue
                p = C[m, ip]
                lo = np.maximum(np.ceil(p / (q + h) - 1e-7), p)
                hi = np.floor(p / (q - h) + 1e-7)
                if base != "n":  # no count exceeds the group size
                    hi = np.fmin(hi, C[m, _IX["n"]])
                C = _expand(C, m, ib, lo, hi, cap, np.floor(p / q + 0.5), radius)
                if C is None:
                    return None
                break
        else:
            return None  # nothing left to branch on: the rates do not determine the cells


def _distance(C: np.ndarray, rates: dict[str, tuple[float, float]], scale: float) -> np.ndarray:
    """Sum over published rates of ``(part - rate * base) ** 2``: distance to the point
    estimates the published rates give on each candidate's own bases."""
    d = np.zeros(C.shape[0])
    for rate, (pub, _) in rates.items():
        if np.isnan(pub):
            continue
        part, base = (C[:, _IX[k]] for k in RATE_RELATIONS[rate])
        d += (part - pub / scale * base) ** 2
    return d


def _choose(C: np.ndarray, rates: dict[str, tuple[float, float]], scale: float) -> int:
    """Index of the chosen solution: nearest the point estimates, then smallest tp, fp, tn."""
    d = np.round(_distance(C, rates, scale), 9)
    return int(np.lexsort((C[:, _IX["tn"]], C[:, _IX["fp"]], C[:, _IX["tp"]], d))[0])


_SHOWN_COUNTS = ("n", "selected", "positives", "tp", "fp", "tn", "fn")


def _narrowing(radius: int) -> str:
    k = 2 * radius + 1
    return (
        f"narrowed to the {k} counts nearest each rate * base and {k} spread over its "
        "window, as the full search was too large"
    )


def _no_solution_note(radius: int | None) -> str:
    """How far the joint search went for a row that has no solution (-1: all of it)."""
    if radius == -1:
        return "no whole-count table reproduces every published rate of this group."
    if radius is None:
        return (
            "the published rates leave too many whole-count tables to search (more than "
            f"{MAX_JOINT_CANDIDATES:,} candidates even when narrowed), so this group was "
            "not searched for a table reproducing every rate: the mismatch may be "
            "rounding only."
        )
    return (
        f"a search for whole-count tables reproducing every published rate of this group "
        f"({_narrowing(radius)}) found none; one outside the search may exist, so the "
        "mismatch may be rounding only."
    )


def _row_rates(S: np.ndarray) -> dict[str, np.ndarray]:
    """The reported rates (METRICS) of every candidate table (NaN for an empty base)."""
    out = {}
    for name, event, base in METRICS:
        b = S[:, _IX[base]]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[name] = np.where(b > 0, S[:, _IX[event]] / np.where(b > 0, b, 1), np.nan)
    return out


def _span(a: np.ndarray, digits: int) -> str | None:
    """``"min-max"`` of the finite values (more digits if they print alike), None if equal."""
    a = a[np.isfinite(a)]
    if a.size == 0 or a.min() == a.max():
        return None
    while f"{a.min():.{digits}f}" == f"{a.max():.{digits}f}" and digits < 8:
        digits += 1
    return f"{a.min():.{digits}f}-{a.max():.{digits}f}"


def _ambiguity_warnings(
    solutions: list[np.ndarray | None], narrowed: dict[int, int | None], labels: list[str]
) -> list[str]:
    """Per ambiguous row: how many tables, the range of each count and rate (first five)."""
    out = []
    amb = [i for i, S in enumerate(solutions) if S is not None and len(S) > 1]
    for i in amb[:5]:
        S = solutions[i]
        counts = [f"{k} {s}" for k in _SHOWN_COUNTS if (s := _span(S[:, _IX[k]], 0)) is not None]
        rates = [
            f"{name} {s}%"
            for name, r in _row_rates(S).items()
            if (s := _span(100 * r, 2)) is not None
        ]
        how = f"in a search {_narrowing(narrowed[i])}, at least" if i in narrowed else "exactly"
        out.append(
            f"Group {labels[i]!r}: {how} {len(S):,} whole-count tables reproduce every published "
            f"rate at its precision ({', '.join(counts)}; {', '.join(rates) or 'same rates'}); "
            "the one nearest the published rates was used and intervals are conditional on it."
        )
    if len(amb) > 5:
        most = max(len(solutions[i]) for i in amb[5:])
        out.append(
            f"{len(amb) - 5} more group(s) have several whole-count tables reproducing "
            f"every published rate (up to {most:,})."
        )
    return out


def _pairs(S: np.ndarray) -> dict[str, np.ndarray]:
    """Per reported rate, the distinct (event, base) pairs of a row's candidate tables."""
    out = {}
    for name, event, base in METRICS:
        x, b = S[:, _IX[event]].astype(np.int64), S[:, _IX[base]].astype(np.int64)
        width = int(x.max()) + 1
        code = np.unique(b * width + x)  # one int64 key per pair: fast to make distinct
        out[name] = np.column_stack([code % width, code // width]).astype(float)
    return out


def _extreme_rate(pairs: list[np.ndarray], lowest: bool) -> np.float64:
    """Smallest (or largest) ``sum(event) / sum(base)`` when each row picks one of its pairs.

    Dinkelbach's method: the optimum ``r`` solves ``sum_i min_j (x_ij - r * b_ij) = 0``,
    separable by row; iterating ``r <- X / B`` of the rows' best pairs reaches it exactly in
    a few steps (vectorised over the rows' pairs). NaN when every base is 0.
    """
    allp = np.vstack(pairs)
    row = np.repeat(np.arange(len(pairs)), [len(p) for p in pairs])
    x, b = allp[:, 0], allp[:, 1]
    # start from each row's largest base
    order = np.lexsort((-b, row))
    pick = order[np.r_[True, row[order][1:] != row[order][:-1]]]
    r = np.nan
    for _ in range(100):
        bsum = b[pick].sum()
        if bsum <= 0:
            return np.float64(np.nan)
        new = x[pick].sum() / bsum
        if new == r:
            break
        r = new
        f = x - r * b
        order = np.lexsort((f if lowest else -f, row))
        pick = order[np.r_[True, row[order][1:] != row[order][:-1]]]
    return np.float64(r)


def _ratio_range_warning(
    views: list,
    refs: list,
    cells: Any,
    solutions: list[np.ndarray | None],
    val: dict[str, np.ndarray],
    narrowed: dict[int, int | None],
) -> str | None:
    """Range of each ratio (group rate / reference rate) over the consistent tables.

    Each table row's candidate tables vary independently of the other rows', and a group and
    its reference (a group, or the rest) share no row, so the ratio ranges from
    ``min(group rate) / max(reference rate)`` to ``max / min``; each extreme rate of a sum of
    rows is found exactly by :func:`_extreme_rate`.
    """
    chosen = np.column_stack([val[k] for k in _VARS])
    pairs = [
        _pairs(S if S is not None and len(S) else chosen[[i]]) for i, S in enumerate(solutions)
    ]
    varies = np.array([S is not None and len(S) > 1 for S in solutions])
    row_cell = cells.cell.astype(np.int64)
    parts: list[str] = []
    skipped = 0
    for v, ref in zip(views, refs, strict=True):
        group_of_row = v.group_of_cell[row_cell]
        for g in range(v.n_groups):
            if g == ref:
                continue
            mine = group_of_row == g
            other = (group_of_row == ref) if ref is not None else ~mine
            if not (varies[mine].any() or varies[other].any()):
                continue
            if len(parts) >= 15:  # about the first 15 ranges are shown (single attributes first)
                skipped += 1
                continue
            for name, event, base in METRICS:
                p1 = [pairs[i][name] for i in np.flatnonzero(mine)]
                p0 = [pairs[i][name] for i in np.flatnonzero(other)]
                with np.errstate(divide="ignore", invalid="ignore"):
                    lo = _extreme_rate(p1, True) / _extreme_rate(p0, False)
                    hi = _extreme_rate(p1, False) / _extreme_rate(p0, True)
                    x1, b1 = chosen[mine, _IX[event]].sum(), chosen[mine, _IX[base]].sum()
                    x0, b0 = chosen[other, _IX[event]].sum(), chosen[other, _IX[base]].sum()
                    at = (x1 / b1) / (x0 / b0)
                span = _span(np.array([lo, hi]), 3)
                if span is None or not np.isfinite(lo):
                    continue
                label = v.labels[ref] if ref is not None else "rest"
                parts.append(f"{v.name} {v.labels[g]} / {label}: {name} {span} (used {at:.3f})")
    if not parts:
        return None
    more = f"; the ratios of {skipped} more comparison(s) vary too" if skipped else ""
    part = " (for groups searched narrowly, over the tables found)" if narrowed else ""
    return (
        "Over all whole-count tables that reproduce every published rate" + part + ", the "
        "ratios (group / reference) range as follows; the reported ratios and their "
        f"intervals use one table: {'; '.join(parts)}{more}."
    )


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
        raise DataError("The counts table is empty: it has no rows.")
    check_options(confidence, correction, min_cell)
    groups_cols = [group] if isinstance(group, str) else list(group)
    if not groups_cols:
        raise DataError("Give at least one group column (group=...).")
    counts_given = {
        k: c
        for k, c in (
            ("n", n),
            ("selected", selected),
            ("positives", positives),
            ("tp", tp),
            ("fp", fp),
            ("tn", tn),
            ("fn", fn),
        )
        if c is not None
    }
    rates_given = {
        k: c
        for k, c in (
            ("selection_rate", selection_rate),
            ("precision", precision),
            ("fdr", fdr),
            ("prevalence", prevalence),
            ("tpr", tpr),
            ("fnr", fnr),
            ("fpr", fpr),
            ("tnr", tnr),
        )
        if c is not None
    }
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
        label = SEP.join(a.levels[cells.levels[first, j]] for j, a in enumerate(cells.attributes))
        raise DataError(
            f"Rows {rows[0]} and {rows[1]} of the table are both the group {label!r} "
            f"({', '.join(groups_cols)}): keep one row per group (e.g. filter one model version "
            "or data set, drop total rows) or add the distinguishing column to group=."
        )

    val, given = _reconstruct(known, rates, scale, len(table))
    missing_cells = [k for k in ("tp", "fp", "tn", "fn") if np.isnan(val[k]).any()]
    if missing_cells:
        pos = int(np.flatnonzero(np.isnan(val[missing_cells[0]]))[0])
        raise DataError(
            f"The columns given do not determine {', '.join(missing_cells)} (first at row "
            f"position {pos}); given counts: {sorted(counts_given)}, rates: "
            f"{sorted(rates_given)}. Give, e.g., tp/fp/tn/fn, or n with selection_rate, "
            "precision and prevalence (or fpr)."
        )
    warnings: list[str] = []
    labels_of_row = [
        SEP.join(str(table[c].iloc[i]) for c in groups_cols) for i in range(len(table))
    ]
    # joint search: every whole-count table of each row reproducing every published rate;
    # rows with one keep the one nearest the point estimates, the others the nearest-rounded
    # counts of _reconstruct (which the round-trip check below then reports)
    half_unit = {k: 0.5 * 10.0 ** (-dec[k]) for k in rates}
    solutions: list[np.ndarray | None] = [None] * len(table)
    narrowed: dict[int, int | None] = {}  # row -> half-width of a narrowed search, None: none
    for i in range(len(table)) if rates else ():
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
    for name, arr in val.items():
        neg = arr < 0
        if neg.any():
            pos = int(np.flatnonzero(neg)[0])
            raise DataError(
                f"The table's numbers contradict each other: they imply a negative count of "
                f"{name} ({arr[pos]:g}) for group {labels_of_row[pos]!r} (row position {pos})."
            )
    for total, a, b in _LINEAR:
        bad = val[total] != val[a] + val[b]
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            msg = (
                f"For group {labels_of_row[pos]!r} (row position {pos}), {total} = "
                f"{val[total][pos]:g} but {a} + {b} = {val[a][pos] + val[b][pos]:g}."
            )
            if given[total][pos] and given[a][pos] and given[b][pos]:
                raise DataError(f"The table's counts contradict each other. {msg}")
            warnings.append(f"The table does not round-trip: {msg}")

    # round trip of every published rate at its published precision (rows without a joint
    # solution keep the nearest-rounded counts, which then fail somewhere)
    reconstructed = bool(rates_given)
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
                f"Column {col!r} ({rate}) does not round-trip for group {labels_of_row[i]!r}: "
                f"published {'(empty)' if np.isnan(pub[i]) else f'{pub[i]:g}'}, but the whole "
                f"counts {part} = {val[part][i]:g} and {base} = {val[base][i]:g} give "
                f"{implied[i]:.{dec[rate] + 2}f} (published to {dec[rate]} decimal(s)); "
                + _no_solution_note(narrowed.get(i, -1))
            )
        if (~ok).sum() > 5:
            warnings.append(
                f"Column {col!r}: {int((~ok).sum()) - 5} more group(s) do not round-trip."
            )
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
            cols.update(
                {name: M._div(agg[event], agg[base]), f"{name}_low": lo, f"{name}_high": hi}
            )
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
