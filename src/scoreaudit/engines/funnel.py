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
rounding (checked by brute force in ``tests/test_funnel.py``; coverage simulated there too).
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

import html
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scoreaudit.engines.aggregate import check_options
from scoreaudit.errors import DataError
from scoreaudit.stats import metrics as M

__all__ = ["ALL_STRATA", "HIDDEN_MARKERS", "FunnelResult", "audit_funnel", "funnel_long"]

#: Values of a count cell meaning "hidden by the publisher" (case-insensitive, after strip).
HIDDEN_MARKERS = frozenset(
    {"", "x", "[x]", "c", "[c]", "s", "[s]", "..", "nan", "na", "n/a", "*", "secret", "nd", "n.d."}
)
#: Labels recognised as total rows with ``total="auto"`` (case-insensitive).
TOTAL_LABELS = frozenset({"total", "totals", "ensemble", "all", "tous", "toutes", "overall"})
#: Stratum label of unstratified rows.
ALL_STRATA = "(all strata)"
SEP = " × "


# ------------------------------------------------------------------------------------------
# Wide -> long
# ------------------------------------------------------------------------------------------


def funnel_long(
    table: Any,
    stage: str,
    *,
    group: str = "group",
    count: str = "n",
    groups: Sequence[str] | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Turn a wide published table (rows: stages, columns: groups) into the long format.

    Statistical offices publish one row per stage (or category) and one column per group.
    :func:`audit_funnel` reads one row per (group, [stratum], stage) with a count.

    Parameters
    ----------
    table : DataFrame or path (CSV, Parquet, xlsx)
        The wide table.
    stage : str
        Column naming the stage of each row.
    group : str, default "group"
        Name of the group column of the result.
    count : str, default "n"
        Name of the count column of the result. Cells are kept as published (hidden markers
        such as ``"x"`` included); :func:`audit_funnel` parses them.
    groups : list of str, optional
        The group columns to melt (default: every column but ``stage`` and ``keep``). A
        ``Total`` column is kept as a group: :func:`audit_funnel` uses it as a margin.
    keep : list of str
        Other columns identifying a row, kept as they are (e.g. a stratum column).

    Returns
    -------
    DataFrame
        Columns ``[*keep, stage, group, count]``, rows in stage order, then group order.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"stage": ["all", "picked"], "a": [1000, 100], "b": [1000, "x"]})
    >>> funnel_long(wide, "stage", group="origin").values.tolist()
    [['all', 'a', 1000], ['all', 'b', 1000], ['picked', 'a', 100], ['picked', 'b', 'x']]
    """
    from scoreaudit.engines._funnel_read import read_funnel_table

    frame = read_funnel_table(table, "The wide table")
    keep = list(keep)
    missing = [c for c in [stage, *keep] if c not in frame.columns]
    if missing:
        raise DataError(
            f"Column(s) {', '.join(map(repr, missing))} not found in the wide "
            f"table; columns: {', '.join(map(str, frame.columns[:30]))}."
        )
    cols = (
        list(groups)
        if groups is not None
        else [c for c in frame.columns if c != stage and c not in keep]
    )
    absent = [c for c in cols if c not in frame.columns]
    if absent or not cols:
        raise DataError(f"Group column(s) {absent or '(none)'} not in the wide table.")
    if group in (stage, *keep) or count in (stage, group, *keep):
        raise DataError(f"group={group!r} and count={count!r} must be new column names.")
    long = frame[[*keep, stage, *cols]].melt(
        id_vars=[*keep, stage], value_vars=cols, var_name=group, value_name=count
    )
    long["_row"] = np.tile(np.arange(len(frame)), len(cols))
    long["_col"] = np.repeat(np.arange(len(cols)), len(frame))
    long = long.sort_values(["_row", "_col"], kind="stable").drop(columns=["_row", "_col"])
    return long.reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------


@dataclass
class _Spec:
    groups: list[str]
    stage: str
    count: str | None
    stratum: str | None
    steps: list[tuple[str, str, str]]
    rounding: int | None


def _check_steps(steps: Any) -> list[tuple[str, str, str]]:
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence) or not steps:
        raise DataError(
            "steps must be a non-empty list of (name, stage, base stage) tuples, "
            "e.g. [('picked', 'picked', 'population')]."
        )
    out = []
    for i, s in enumerate(steps):
        if isinstance(s, (str, bytes)) or not isinstance(s, Sequence) or len(s) != 3:
            raise DataError(f"steps[{i}] = {s!r} must be a (name, stage, base stage) tuple.")
        name, st, base = (str(x) for x in s)
        if st == base:
            raise DataError(f"Step {name!r}: its stage and base stage are both {st!r}.")
        out.append((name, st, base))
    names = [s[0] for s in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(f"Step name(s) {dup} are given twice; name each step once.")
    return out


def _check_rounding(rounding: Any) -> int | None:
    if rounding is None:
        return None
    if (
        isinstance(rounding, bool)
        or not isinstance(rounding, (int, float, np.integer))
        or rounding != int(rounding)
        or int(rounding) < 1
    ):
        raise DataError(
            f"rounding must be a whole number of files of at least 1 (e.g. 10), not {rounding!r}."
        )
    return None if int(rounding) == 1 else int(rounding)


def _validate_frame(frame: pd.DataFrame, spec: _Spec) -> None:
    if len(frame) == 0:
        raise DataError("The funnel table is empty: it has no rows.")
    needed = [*spec.groups, spec.stage]
    needed += [c for c in (spec.count, spec.stratum) if c is not None]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            f"Column(s) {', '.join(map(repr, missing))} not found in the funnel "
            f"table. Available columns: {', '.join(map(str, frame.columns[:30]))}."
        )
    if len(set(needed)) < len(needed):
        raise DataError(f"A column is given for two roles among {needed}.")
    for c in needed[:-1] if spec.count else needed:
        if frame[c].isna().any():
            pos = int(np.flatnonzero(frame[c].isna().to_numpy())[0])
            raise DataError(
                f"Column {c!r} is empty at row position {pos}; every row needs its "
                "group, stage and stratum."
            )


def _where(frame: pd.DataFrame, pos: int, spec: _Spec) -> str:
    """``row position 3 (stage 'picked', group 'a')`` for error messages."""
    from scoreaudit.data.io import describe_row

    grp = SEP.join(str(frame[c].iloc[pos]) for c in spec.groups)
    text = f"{describe_row(frame, pos)} (stage {str(frame[spec.stage].iloc[pos])!r}, group {grp!r}"
    if spec.stratum:
        text += f", stratum {str(frame[spec.stratum].iloc[pos])!r}"
    return text + ")"


def _parse_counts(
    frame: pd.DataFrame, spec: _Spec, hidden: frozenset[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Counts as floats (NaN where hidden) and the hidden mask; bad values raise DataError."""
    raw = frame[spec.count]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
        is_hidden = np.isnan(values)
    else:
        text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
        is_hidden = text.str.lower().isin(hidden).to_numpy() | raw.isna().to_numpy()
        cleaned = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
        values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) & ~is_hidden
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"Count {raw.iloc[pos]!r} at {_where(frame, pos, spec)} is not a number of "
                f"files nor a hidden-cell marker (blank, x, [c], c, s)."
            )
        values = np.where(is_hidden, np.nan, values)
    for test, what in (
        (values < 0, "negative"),
        (np.isinf(values), "infinite"),
        ((values != np.round(values)) & np.isfinite(values), "non-integer"),
    ):
        if test.any():
            pos = int(np.flatnonzero(test)[0])
            raise DataError(
                f"The count {raw.iloc[pos]!r} at {_where(frame, pos, spec)} is "
                f"{what}; counts of files must be whole numbers of at least 0."
            )
    return values, is_hidden


def _labels(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    parts = [frame[c].astype(str).str.strip().to_numpy(dtype=object) for c in columns]
    out = parts[0]
    for p in parts[1:]:
        out = out + SEP + p
    return out


def _is_total(values: np.ndarray, total: Any) -> np.ndarray:
    if total is None:
        return np.zeros(len(values), dtype=bool)
    labels = TOTAL_LABELS if total == "auto" else {str(total).strip().lower()}
    return (
        pd.Series(values, dtype=object).astype(str).str.strip().str.lower().isin(labels).to_numpy()
    )


# ------------------------------------------------------------------------------------------
# Counting: arrays of shape (groups, strata, stages)
# ------------------------------------------------------------------------------------------


@dataclass
class _Cube:
    groups: list[str]
    strata: list[str]
    stages: list[str]
    val: np.ndarray  # point value (NaN: hidden and not recovered)
    lo: np.ndarray  # lowest possible true count
    hi: np.ndarray  # highest possible true count (inf: unbounded)
    row: np.ndarray  # source row position (-1: none, e.g. a log)
    hidden: np.ndarray  # published as hidden
    off_multiple: int = 0  # published counts that are not multiples of the rounding base
    g_tot: dict[str, np.ndarray] = field(default_factory=dict)  # (S, T) group totals
    s_tot: dict[str, np.ndarray] = field(default_factory=dict)  # (G, T) stratum totals


def _order(values: pd.Series | np.ndarray) -> list[str]:
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.astype(str))
        return [str(c) for c in values.cat.categories if str(c) in present]
    return list(dict.fromkeys(str(v) for v in values))


def _ranges(values: np.ndarray, rounding: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest whole true count of each published value (hidden: 0 and inf)."""
    if rounding is None:
        lo, hi = values.copy(), values.copy()
    else:
        half = rounding / 2
        lo = np.maximum(np.ceil(values - half), 0.0)
        hi = np.ceil(values + half) - 1
    lo = np.where(np.isnan(values), 0.0, lo)
    hi = np.where(np.isnan(values), np.inf, hi)
    return lo, hi


def _cube_from_counts(
    frame: pd.DataFrame,
    spec: _Spec,
    values: np.ndarray,
    hidden: np.ndarray,
    total: Any,
    stages: list[str],
) -> _Cube:
    g_lab = _labels(frame, spec.groups)
    s_lab = (
        frame[spec.stratum].astype(str).str.strip().to_numpy(dtype=object)
        if spec.stratum
        else np.full(len(frame), ALL_STRATA, dtype=object)
    )
    t_lab = frame[spec.stage].astype(str).str.strip().to_numpy(dtype=object)
    g_total = np.logical_and.reduce([_is_total(frame[c].to_numpy(), total) for c in spec.groups])
    partial = (
        np.logical_or.reduce([_is_total(frame[c].to_numpy(), total) for c in spec.groups])
        & ~g_total
    )
    s_total = _is_total(s_lab, total) if spec.stratum else np.zeros(len(frame), dtype=bool)
    used = np.isin(t_lab, stages) & ~partial
    cells = used & ~g_total & ~s_total
    groups = _order(
        pd.Series(g_lab[cells])
        if not isinstance(frame[spec.groups[0]].dtype, pd.CategoricalDtype) or len(spec.groups) > 1
        else frame[spec.groups[0]][cells]
    )
    strata = _order(frame[spec.stratum][cells]) if spec.stratum else [ALL_STRATA]
    gi = pd.Index(groups).get_indexer(g_lab)
    si = pd.Index(strata).get_indexer(s_lab)
    ti = pd.Index(stages).get_indexer(t_lab)
    shape = (len(groups), len(strata), len(stages))
    row = np.full(shape, -1, dtype=np.int64)
    idx = np.flatnonzero(cells)
    flat = np.ravel_multi_index((gi[idx], si[idx], ti[idx]), shape)
    uniq, first, counts = np.unique(flat, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = idx[flat == uniq[counts > 1][0]][:2]
        raise DataError(
            f"Rows {int(dup[0])} and {int(dup[1])} are the same cell: "
            f"{_where(frame, int(dup[0]), spec)}; keep one row per group, stratum "
            "and stage (drop repeated or sub-total rows)."
        )
    row.reshape(-1)[flat] = idx
    val = np.full(shape, np.nan)
    val.reshape(-1)[flat] = values[idx]
    hid = np.zeros(shape, dtype=bool)
    hid.reshape(-1)[flat] = hidden[idx]
    _check_complete(frame, spec, row, groups, strata, stages)
    lo, hi = _ranges(val, spec.rounding)
    cube = _Cube(groups, strata, stages, val, lo, hi, row, hid)
    cube.g_tot = _totals(
        values, used & g_total & ~s_total, si, ti, (len(strata), len(stages)), spec.rounding
    )
    cube.s_tot = _totals(
        values, used & s_total & ~g_total, gi, ti, (len(groups), len(stages)), spec.rounding
    )
    return cube


def _totals(
    values: np.ndarray,
    mask: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    shape: tuple[int, int],
    rounding: int | None,
) -> dict[str, np.ndarray]:
    """Margin rows as (val, lo, hi) arrays; missing margins are NaN / 0 / inf."""
    val = np.full(shape, np.nan)
    ok = mask & (a >= 0) & (b >= 0)
    val[a[ok], b[ok]] = values[ok]
    lo, hi = _ranges(val, rounding)
    return {"val": val, "lo": lo, "hi": hi}


def _check_complete(
    frame: pd.DataFrame,
    spec: _Spec,
    row: np.ndarray,
    groups: list[str],
    strata: list[str],
    stages: list[str],
) -> None:
    missing = np.argwhere(row < 0)
    if not missing.size:
        return
    g, s, t = (int(v) for v in missing[0])
    have = row[g][row[g] >= 0]
    where = f" (it has rows, e.g. {_where(frame, int(have.min()), spec)})" if have.size else ""
    strat = f" in stratum {strata[s]!r}" if spec.stratum else ""
    raise DataError(
        f"Group {groups[g]!r} is missing from stage {stages[t]!r}{strat}: no row "
        f"gives its count{where}. Add the row (a hidden count may be left blank or "
        "marked x)."
    )


def _cube_from_log(frame: pd.DataFrame, spec: _Spec, stages: list[str]) -> _Cube:
    g_lab = _labels(frame, spec.groups)
    t_lab = frame[spec.stage].astype(str).str.strip().to_numpy(dtype=object)
    s_lab = (
        frame[spec.stratum].astype(str).str.strip().to_numpy(dtype=object)
        if spec.stratum
        else np.full(len(frame), ALL_STRATA, dtype=object)
    )
    groups = _order(frame[spec.groups[0]]) if len(spec.groups) == 1 else _order(g_lab)
    strata = _order(frame[spec.stratum]) if spec.stratum else [ALL_STRATA]
    gi = pd.Index(groups).get_indexer(g_lab)
    si = pd.Index(strata).get_indexer(s_lab)
    ti = pd.Index(stages).get_indexer(t_lab)
    keep = ti >= 0
    shape = (len(groups), len(strata), len(stages))
    flat = np.ravel_multi_index((gi[keep], si[keep], ti[keep]), shape)
    val = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(float)
    row = np.full(shape, -1, dtype=np.int64)
    first = pd.Series(np.flatnonzero(keep)).groupby(flat).min()
    row.reshape(-1)[first.index.to_numpy()] = first.to_numpy()
    return _Cube(
        groups, strata, stages, val, val.copy(), val.copy(), row, np.zeros(shape, dtype=bool)
    )


# ------------------------------------------------------------------------------------------
# Bounds: margins and nesting
# ------------------------------------------------------------------------------------------


def _line_bounds(
    lo: np.ndarray, hi: np.ndarray, t_lo: np.ndarray, t_hi: np.ndarray, axis: int
) -> tuple[np.ndarray, np.ndarray]:
    """Narrow cells summing to a total along ``axis``: total minus the other cells' bounds."""
    t_lo = np.expand_dims(t_lo, axis)
    t_hi = np.expand_dims(t_hi, axis)
    inf = np.isinf(hi)
    fin = np.where(inf, 0.0, hi)
    others_inf = inf.sum(axis=axis, keepdims=True) - inf
    others_hi = np.where(others_inf > 0, np.inf, fin.sum(axis=axis, keepdims=True) - fin)
    others_lo = lo.sum(axis=axis, keepdims=True) - lo
    with np.errstate(invalid="ignore"):
        new_hi = np.minimum(hi, t_hi - others_lo)
        new_lo = np.maximum(lo, t_lo - others_hi)
    return np.where(np.isnan(new_lo), lo, new_lo), np.where(np.isnan(new_hi), hi, new_hi)


def _bound(cube: _Cube, steps: list[tuple[str, str, str]]) -> None:
    """Narrow every count's range by the margins and the nesting, to a fixed point."""
    t_of = {s: i for i, s in enumerate(cube.stages)}
    pairs = [(t_of[st], t_of[b]) for _, st, b in steps]
    lo, hi = cube.lo.copy(), cube.hi.copy()
    for _ in range(50):
        before = (lo.copy(), hi.copy())
        if cube.g_tot:
            lo, hi = _line_bounds(lo, hi, cube.g_tot["lo"], cube.g_tot["hi"], axis=0)
        if cube.s_tot:
            lo, hi = _line_bounds(lo, hi, cube.s_tot["lo"], cube.s_tot["hi"], axis=1)
        for t, b in pairs:  # stage within base: count(stage) <= count(base)
            hi[..., t] = np.minimum(hi[..., t], hi[..., b])
            lo[..., b] = np.maximum(lo[..., b], lo[..., t])
        if np.array_equal(before[0], lo) and np.array_equal(before[1], hi):
            break
    cube.lo, cube.hi = lo, hi
    _recover(cube)
    # a published (rounded) value outside the range the margins allow is moved into it
    cube.val = np.where(np.isnan(cube.val), np.nan, np.clip(cube.val, lo, hi))


def _recover(cube: _Cube) -> None:
    """Point value of a hidden cell that is the only hidden one of a line with a published
    total: total minus the published cells (published values, rounded or not)."""
    for tot, axis in ((cube.g_tot, 0), (cube.s_tot, 1)):
        if not tot:
            continue
        total = np.expand_dims(tot["val"], axis)
        hid = np.isnan(cube.val)
        single = hid & (hid.sum(axis=axis, keepdims=True) == 1)
        known = np.nansum(cube.val, axis=axis, keepdims=True)
        guess = np.broadcast_to(total - known, cube.val.shape)
        ok = single & np.isfinite(guess) & (guess >= 0)
        cube.val = np.where(ok, np.clip(guess, cube.lo, cube.hi), cube.val)


def _check_nesting(cube: _Cube, frame: pd.DataFrame | None, spec: _Spec) -> None:
    t_of = {s: i for i, s in enumerate(cube.stages)}
    for name, st, base in spec.steps:
        t, b = t_of[st], t_of[base]
        bad = cube.lo[..., t] > cube.hi[..., b]
        if not bad.any():
            continue
        g, s = (int(v) for v in np.argwhere(bad)[0])
        strat = f", stratum {cube.strata[s]!r}" if spec.stratum else ""
        rows = ""
        if frame is not None and cube.row[g, s, t] >= 0 and spec.count is not None:
            rows = f" (rows {int(cube.row[g, s, t])} and {int(cube.row[g, s, b])})"
        slack = f", beyond what rounding to {spec.rounding} allows" if spec.rounding else ""
        raise DataError(
            f"Step {name!r}: stage {st!r} has more files than its base stage {base!r} for "
            f"group {cube.groups[g]!r}{strat}{rows}: {_num(cube.val[g, s, t])} > "
            f"{_num(cube.val[g, s, b])}{slack}. A stage must be a subset of its base."
        )


def _num(x: float) -> str:
    return "hidden" if not np.isfinite(x) else f"{x:g}"


# ------------------------------------------------------------------------------------------
# Estimation (vectorised over groups x strata)
# ------------------------------------------------------------------------------------------


def _corner_rate(x_lo, x_hi, n_lo, n_hi, z):
    """Wilson limits united over the tables in the ranges (x <= n)."""
    n_top = np.maximum(n_lo, x_lo)
    low, _ = M.wilson_bounds(x_lo, n_hi, z)
    _, high = M.wilson_bounds(np.minimum(x_hi, n_top), n_top, z)
    return low, high


def _katz(x1, n1, x0, n0, confidence):
    return M.katz_ratio_interval(x1, n1, x0, n0, confidence)


def _pairs(x_lo, x_hi, n_lo, n_hi) -> tuple[np.ndarray, np.ndarray]:
    """Candidate tables (x, n) within the ranges (x <= n), along a last axis of 45.

    The Katz limits are monotone in each count except next to the degenerate edges (x or
    n - x below about 2, and the switch to the 0.5 correction at x = 0 or x = n), so the
    corners plus the 4 points next to each edge hold the extremes over the whole range.
    """
    k = np.arange(4.0)
    n_c = np.minimum(
        np.concatenate([n_lo[..., None] + k, n_hi[..., None]], axis=-1), n_hi[..., None]
    )
    n_c = np.maximum(n_c, x_lo[..., None])
    x_c = np.concatenate([x_lo[..., None] + k, x_hi[..., None]], axis=-1)
    xs = np.concatenate(
        [np.broadcast_to(x_c[..., None, :], n_c.shape + (5,)), n_c[..., :, None] - k], axis=-1
    )
    ns = np.broadcast_to(n_c[..., :, None], xs.shape)
    xs = np.minimum(np.maximum(xs, x_lo[..., None, None]), np.minimum(x_hi[..., None, None], ns))
    shape = xs.shape[:-2] + (xs.shape[-2] * xs.shape[-1],)
    return xs.reshape(shape), np.ascontiguousarray(ns).reshape(shape)


def _candidate_tables(c) -> tuple[np.ndarray, ...]:
    x1, n1 = _pairs(c["x1_lo"], c["x1_hi"], c["n1_lo"], c["n1_hi"])
    x0, n0 = _pairs(c["x0_lo"], c["x0_hi"], c["n0_lo"], c["n0_hi"])
    out = np.broadcast_arrays(
        x1[..., :, None], n1[..., :, None], x0[..., None, :], n0[..., None, :]
    )
    shape = out[0].shape[:-2] + (-1,)
    return tuple(a.reshape(shape) for a in out)


def _corner_ratio(c, confidence):
    """Katz limits united over the candidate tables of the ranges (see :func:`_pairs`)."""
    x1, n1, x0, n0 = _candidate_tables(c)
    _, lo, hi = _katz(x1, n1, x0, n0, confidence)
    return np.fmin.reduce(lo, axis=-1), np.fmax.reduce(hi, axis=-1)


def _corner_p(c) -> np.ndarray:
    """Largest p-value over the candidate tables (score test; Fisher's test at the 16
    corners where an expected count is below 5); 1 where the possible rates overlap."""
    with np.errstate(divide="ignore", invalid="ignore"):
        top1 = np.maximum(c["n1_lo"], c["x1_lo"])
        top0 = np.maximum(c["n0_lo"], c["x0_lo"])
        r1 = (c["x1_lo"] / c["n1_hi"], np.minimum(c["x1_hi"], top1) / top1)
        r0 = (c["x0_lo"] / c["n0_hi"], np.minimum(c["x0_hi"], top0) / top0)
    overlap = (r1[0] <= r0[1]) & (r0[0] <= r1[1])
    x1, n1, x0, n0 = _candidate_tables(c)
    shape = x1.shape
    p = M.two_proportion_p_value(x1.ravel(), n1.ravel(), x0.ravel(), n0.ravel(), exact=False)
    p = np.fmax.reduce(p[0].reshape(shape), axis=-1)
    fisher = ~overlap.ravel()  # where the answer is not 1 already
    for a, b, d, e in itertools.product(("lo", "hi"), repeat=4):
        m1, m0 = c["n1_" + b], c["n0_" + e]
        y1, y0 = np.minimum(c["x1_" + a], m1), np.minimum(c["x0_" + d], m0)
        q = M.two_proportion_p_value(y1.ravel(), m1.ravel(), y0.ravel(), m0.ravel(), exact=fisher)[
            0
        ]
        p = np.fmax(p, q.reshape(np.shape(y1)))
    return np.where(overlap, 1.0, p)


def _side(cube: _Cube, t: int, b: int) -> dict[str, np.ndarray]:
    return {
        "x": cube.val[..., t],
        "n": cube.val[..., b],
        "x_lo": cube.lo[..., t],
        "x_hi": cube.hi[..., t],
        "n_lo": cube.lo[..., b],
        "n_hi": cube.hi[..., b],
    }


def _notes(g: dict, r: dict, rounding: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: unusable (below the rounding base), omitted (unbounded hidden), note text."""
    shape = g["x"].shape
    unusable = np.zeros(shape, dtype=bool)
    if rounding:
        for side in (g, r):
            with np.errstate(invalid="ignore"):
                unusable |= (side["x"] < rounding) | (side["n"] < rounding)
    omitted = (
        ~np.isfinite(g["x_hi"])
        | ~np.isfinite(g["n_hi"])
        | ~np.isfinite(r["x_hi"])
        | ~np.isfinite(r["n_hi"])
    )
    bounded = ~omitted & (np.isnan(g["x"]) | np.isnan(g["n"]) | np.isnan(r["x"]) | np.isnan(r["n"]))
    note = np.full(shape, "", dtype=object)
    note = np.where(bounded, "hidden count bounded from the margins: bounds only", note)
    note = np.where(omitted, "hidden count not recoverable from the margins: omitted", note)
    note = np.where(
        unusable & ~omitted, f"counts below the rounding base ({rounding}): unusable", note
    )
    return unusable, omitted, note


def _estimate_block(g: dict, r: dict, spec: _Spec, confidence: float) -> dict[str, np.ndarray]:
    """Rates, ratios and p-values of group cells ``g`` against reference cells ``r``."""
    z = M.confidence_z(confidence)
    exact = spec.rounding is None
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(g["n"] > 0, g["x"] / g["n"], np.nan)
        ref_rate = np.where(r["n"] > 0, r["x"] / r["n"], np.nan)
    rate_low, rate_high = _corner_rate(g["x_lo"], g["x_hi"], g["n_lo"], g["n_hi"], z)
    ratio, _, _ = _katz(g["x"], g["n"], r["x"], r["n"], confidence)
    c = {
        "x1_lo": g["x_lo"],
        "x1_hi": g["x_hi"],
        "n1_lo": g["n_lo"],
        "n1_hi": g["n_hi"],
        "x0_lo": r["x_lo"],
        "x0_hi": r["x_hi"],
        "n0_lo": r["n_lo"],
        "n0_hi": r["n_hi"],
    }
    finite = {k: np.where(np.isfinite(v), v, 0.0) for k, v in c.items()}
    point_exact = (
        exact
        & np.isfinite(g["x"])
        & np.isfinite(r["x"])
        & (g["x_lo"] == g["x_hi"])
        & (g["n_lo"] == g["n_hi"])
        & (r["x_lo"] == r["x_hi"])
        & (r["n_lo"] == r["n_hi"])
    )
    p_exact, test = M.two_proportion_p_value(
        np.nan_to_num(g["x"]).ravel(),
        np.nan_to_num(g["n"]).ravel(),
        np.nan_to_num(r["x"]).ravel(),
        np.nan_to_num(r["n"]).ravel(),
    )
    pe = point_exact.ravel()
    if pe.all():  # exact counts: the core audit's intervals and tests
        _, ratio_low, ratio_high = _katz(g["x"], g["n"], r["x"], r["n"], confidence)
        p_bound = p_exact
    else:
        ratio_low, ratio_high = _corner_ratio(finite, confidence)
        p_bound = _corner_p(finite).ravel()
    p = np.where(pe, p_exact, p_bound).reshape(g["x"].shape)
    test = np.where(pe, test, "bounded").reshape(g["x"].shape)
    p = np.where((g["n_hi"] > 0) & (r["n_hi"] > 0), p, np.nan)
    unusable, omitted, note = _notes(g, r, spec.rounding)
    g_bad = omitted | unusable
    out = {
        "rate": rate,
        "rate_low": rate_low,
        "rate_high": rate_high,
        "reference_rate": ref_rate,
        "ratio": ratio,
        "ratio_low": ratio_low,
        "ratio_high": ratio_high,
        "p_value": p,
        "test": test,
    }
    for k in ("rate", "rate_low", "rate_high", "reference_rate"):
        own_bad = (
            (~np.isfinite(g["x_hi"]) | ~np.isfinite(g["n_hi"]))
            if k != "reference_rate"
            else (~np.isfinite(r["x_hi"]) | ~np.isfinite(r["n_hi"]))
        )
        if spec.rounding:
            side = r if k == "reference_rate" else g
            with np.errstate(invalid="ignore"):
                own_bad = own_bad | (side["x"] < spec.rounding) | (side["n"] < spec.rounding)
        out[k] = np.where(own_bad, np.nan, out[k])
    for k in ("ratio", "ratio_low", "ratio_high", "p_value"):
        out[k] = np.where(g_bad, np.nan, out[k])
    out["test"] = np.where(g_bad, "", out["test"])
    out["usable"] = ~g_bad
    out["note"] = note
    return out


# ------------------------------------------------------------------------------------------
# Mantel-Haenszel and homogeneity
# ------------------------------------------------------------------------------------------


def mantel_haenszel_rr(a, n1, c, n0, confidence: float = 0.95, axis: int = -1):
    """Mantel-Haenszel risk ratio across strata with the Greenland-Robins interval.

    ``a`` / ``n1``: files reaching the stage / at the base in the group, per stratum along
    ``axis``; ``c`` / ``n0``: the same for the reference. Strata with no file in either group
    are ignored. Returns ``(ratio, low, high)``.

    Examples
    --------
    >>> r, lo, hi = mantel_haenszel_rr([10, 20], [100, 100], [5, 10], [100, 100])
    >>> round(float(r), 3), round(float(lo), 3), round(float(hi), 3)
    (2.0, 1.115, 3.588)
    """
    a, n1, c, n0 = (np.asarray(v, dtype=float) for v in (a, n1, c, n0))
    big_n = n1 + n0
    ok = (n1 > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w_n = np.where(ok, a * n0 / big_n, 0.0)
        w_d = np.where(ok, c * n1 / big_n, 0.0)
        num, den = w_n.sum(axis=axis), w_d.sum(axis=axis)
        v = np.where(ok, (n1 * n0 * (a + c) - a * c * big_n) / big_n**2, 0.0).sum(axis=axis)
        rr = np.where(den > 0, num / den, np.where(num > 0, np.inf, np.nan))
        se = np.sqrt(v / (num * den))
    zq = M.confidence_z(confidence)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        low = np.where(num > 0, np.exp(np.log(rr) - zq * se), 0.0)
        high = np.where(den > 0, np.exp(np.log(rr) + zq * se), np.inf)
    bad = ~(ok.any(axis=axis)) | ((num <= 0) & (den <= 0))
    return (np.where(bad, np.nan, rr), np.where(bad, np.nan, low), np.where(bad, np.nan, high))


def cochran_q(a, n1, c, n0, axis: int = -1):
    """Cochran's Q homogeneity test of per-stratum log risk ratios (Katz variances).

    Returns ``(Q, degrees of freedom, p-value)``; strata where either group has no file at
    the base, or neither reaches the stage, are left out; 0.5 is added to the cells of a
    stratum with a zero cell. Fewer than two strata: NaN.

    Examples
    --------
    >>> q, df, p = cochran_q([10, 20], [100, 100], [10, 10], [100, 100])
    >>> int(df), round(float(q), 3), round(float(p), 3)
    (1, 1.55, 0.213)
    """
    a, n1, c, n0 = (np.asarray(v, dtype=float) for v in (a, n1, c, n0))
    ok = (n1 > 0) & (n0 > 0) & ((a + c) > 0)
    zero = (a <= 0) | (c <= 0) | (a >= n1) | (c >= n0)
    add = np.where(zero, 0.5, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a2, m1, c2, m0 = a + add, n1 + 2 * add, c + add, n0 + 2 * add
        y = np.log((a2 / m1) / (c2 / m0))
        w = np.where(ok, 1 / (1 / a2 - 1 / m1 + 1 / c2 - 1 / m0), 0.0)
        y = np.where(ok, y, 0.0)
        mean = (w * y).sum(axis=axis, keepdims=True) / w.sum(axis=axis, keepdims=True)
        q = (w * (y - mean) ** 2).sum(axis=axis)
    df = ok.sum(axis=axis) - 1
    p = np.where(df >= 1, stats.chi2.sf(q, np.maximum(df, 1)), np.nan)
    return np.where(df >= 1, q, np.nan), df, p


# ------------------------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------------------------

STEP_COLUMNS = [
    "step",
    "stage",
    "base",
    "stratum",
    "attribute",
    "group",
    "reference",
    "numerator",
    "denominator",
    "numerator_low",
    "numerator_high",
    "denominator_low",
    "denominator_high",
    "rate",
    "rate_low",
    "rate_high",
    "reference_numerator",
    "reference_denominator",
    "reference_rate",
    "ratio",
    "ratio_low",
    "ratio_high",
    "test",
    "p_value",
    "p_adjusted",
    "significant",
    "small_cell",
    "usable",
    "note",
]


def _step_frame(
    cube: _Cube,
    spec: _Spec,
    ref: int,
    name: str,
    st: str,
    base: str,
    confidence: float,
    min_cell: int,
) -> pd.DataFrame:
    t, b = cube.stages.index(st), cube.stages.index(base)
    g = _side(cube, t, b)
    r = {k: np.broadcast_to(v[ref : ref + 1], v.shape) for k, v in g.items()}
    est = _estimate_block(g, r, spec, confidence)
    G, S = g["x"].shape
    is_ref = np.broadcast_to((np.arange(G) == ref)[:, None], (G, S))
    for k in ("ratio", "ratio_low", "ratio_high", "p_value"):
        est[k] = np.where(is_ref, np.nan, est[k])
    est["test"] = np.where(is_ref, "", est["test"])
    with np.errstate(invalid="ignore"):
        small = np.zeros((G, S), dtype=bool)
        for side in (g, r):
            for v in (side["x"], side["n"]):
                small |= np.nan_to_num(v, nan=0.0) < min_cell
    cols = {
        "step": name,
        "stage": st,
        "base": base,
        "stratum": np.repeat([cube.strata], G, axis=0).ravel(),
        "attribute": SEP.join(spec.groups),
        "group": np.repeat(cube.groups, S),
        "reference": cube.groups[ref],
        "numerator": g["x"].ravel(),
        "denominator": g["n"].ravel(),
        "numerator_low": g["x_lo"].ravel(),
        "numerator_high": g["x_hi"].ravel(),
        "denominator_low": g["n_lo"].ravel(),
        "denominator_high": g["n_hi"].ravel(),
        "reference_numerator": r["x"].ravel(),
        "reference_denominator": r["n"].ravel(),
        "small_cell": small.ravel(),
        "is_reference": is_ref.ravel(),
    }
    cols.update({k: np.asarray(v).ravel() for k, v in est.items()})
    return pd.DataFrame(cols)


def _finish_steps(frames: list[pd.DataFrame], correction: str, confidence: float) -> pd.DataFrame:
    out = pd.concat(frames, ignore_index=True)
    out["p_adjusted"] = M.adjust_p_values(out["p_value"].to_numpy(float), correction)
    out["significant"] = (out["p_adjusted"] < 1 - confidence).to_numpy(bool)
    for c in ("numerator_high", "denominator_high"):
        out[c] = out[c].replace(np.inf, np.nan)
    extra = [c for c in out.columns if c not in STEP_COLUMNS]
    return out[STEP_COLUMNS + extra]


def _crude(cube: _Cube) -> _Cube:
    """The cube summed over strata (unstratified), with stratum totals where published."""
    val = cube.val.sum(axis=1, keepdims=True)
    lo = cube.lo.sum(axis=1, keepdims=True)
    hi = cube.hi.sum(axis=1, keepdims=True)
    if cube.s_tot:
        st = {k: v[:, None, :] for k, v in cube.s_tot.items()}
        val = np.where(np.isnan(val), st["val"], val)
        lo, hi = np.maximum(lo, st["lo"]), np.minimum(hi, st["hi"])
    return _Cube(
        cube.groups, [ALL_STRATA], cube.stages, val, lo, hi, np.full(val.shape, -1), np.isnan(val)
    )


def _combined(cube: _Cube, spec: _Spec, ref: int, confidence: float, min_cell: int) -> pd.DataFrame:
    """Per step and group: unstratified ratio, Mantel-Haenszel ratio, homogeneity test."""
    crude_spec = _Spec(spec.groups, spec.stage, spec.count, None, spec.steps, spec.rounding)
    crude = _crude(cube)
    frames = []
    for name, st, base in spec.steps:
        t, b = cube.stages.index(st), cube.stages.index(base)
        cr = _step_frame(crude, crude_spec, ref, name, st, base, confidence, min_cell)
        mh = _mh_block(cube, t, b, ref, confidence)
        q, df, qp = cochran_q(
            cube.val[..., t],
            cube.val[..., b],
            cube.val[ref, :, t][None],
            cube.val[ref, :, b][None],
            axis=1,
        )
        frames.append(
            pd.DataFrame(
                {
                    "step": name,
                    "stage": st,
                    "base": base,
                    "attribute": SEP.join(spec.groups),
                    "group": cube.groups,
                    "reference": cube.groups[ref],
                    "strata": len(cube.strata),
                    "unstratified_ratio": cr["ratio"],
                    "unstratified_low": cr["ratio_low"],
                    "unstratified_high": cr["ratio_high"],
                    "unstratified_p_value": cr["p_value"],
                    "mh_ratio": mh[0],
                    "mh_low": mh[1],
                    "mh_high": mh[2],
                    "homogeneity_q": q,
                    "homogeneity_df": df,
                    "homogeneity_p": qp,
                    "small_cell": cr["small_cell"],
                    "note": np.where(mh[3] != "", mh[3], cr["note"]),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    ref_rows = out["group"] == cube.groups[ref]
    num_cols = [c for c in out.columns if c.startswith(("mh_", "homogeneity_", "unstratified_"))]
    out.loc[ref_rows, num_cols] = np.nan
    out.loc[ref_rows, "note"] = "reference group"
    return out


def _mh_block(cube: _Cube, t: int, b: int, ref: int, confidence: float):
    """MH ratio per group (point from values; under rounding or hidden cells the interval
    holds the interval of every consistent table, :mod:`scoreaudit.engines._funnel_mh`)."""

    def mh(xa, na, xr, nr):
        return mantel_haenszel_rr(xa, na, xr[None], nr[None], confidence, axis=1)

    v, lo, hi = cube.val, cube.lo, cube.hi
    point = mh(v[..., t], v[..., b], v[ref, :, t], v[ref, :, b])
    lows, highs = [point[1]], [point[2]]
    if not np.array_equal(lo, hi, equal_nan=True) or np.isnan(v).any():
        from scoreaudit.engines._funnel_mh import mh_interval_bounds

        hi0 = np.where(np.isfinite(hi), hi, 0.0)  # unbounded cells: omitted below
        lows_b, highs_b = mh_interval_bounds(
            (lo[..., t], hi0[..., t]),
            (lo[..., b], hi0[..., b]),
            (lo[ref, :, t][None], hi0[ref, :, t][None]),
            (lo[ref, :, b][None], hi0[ref, :, b][None]),
            confidence,
            axis=1,
        )
        lows += [lows_b]
        highs += [highs_b]
    low = np.fmin.reduce(np.stack(lows), axis=0)
    high = np.fmax.reduce(np.stack(highs), axis=0)
    unbounded = (
        ~np.isfinite(hi[..., [t, b]]).all(axis=(1, 2)) | ~np.isfinite(hi[ref][:, [t, b]]).all()
    )
    note = np.where(unbounded, "hidden count not recoverable from the margins: MH omitted", "")
    ratio = np.where(unbounded, np.nan, point[0])
    return ratio, np.where(unbounded, np.nan, low), np.where(unbounded, np.nan, high), note


def _representation(cube: _Cube, spec: _Spec, confidence: float) -> pd.DataFrame:
    """Share of each group at each stage against its share of the start stage."""
    crude = _crude(cube)
    val, lo, hi = crude.val[:, 0, :], crude.lo[:, 0, :], crude.hi[:, 0, :]
    start = cube.stages.index(spec.steps[0][2])
    total = val.sum(axis=0)
    z = M.confidence_z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = val / total
        start_share = share[:, start : start + 1]
        rep = share / start_share
    with np.errstate(invalid="ignore"):
        others_lo, others_hi = lo.sum(axis=0) - lo, hi.sum(axis=0) - hi
    share_low, share_high = _corner_rate(lo, hi, lo + others_lo, hi + others_hi, z)
    order = [s for s in dict.fromkeys([spec.steps[0][2]] + [x for _, x, b in spec.steps])]
    idx = [cube.stages.index(s) for s in order]
    G = len(cube.groups)
    return pd.DataFrame(
        {
            "stage": np.tile(order, G),
            "attribute": SEP.join(spec.groups),
            "group": np.repeat(cube.groups, len(idx)),
            "count": val[:, idx].ravel(),
            "share": share[:, idx].ravel(),
            "share_low": share_low[:, idx].ravel(),
            "share_high": share_high[:, idx].ravel(),
            "start_share": np.repeat(start_share[:, 0], len(idx)),
            "representation": rep[:, idx].ravel(),
        }
    )


# ------------------------------------------------------------------------------------------
# Result
# ------------------------------------------------------------------------------------------


@dataclass
class FunnelResult:
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

    steps: pd.DataFrame
    combined: pd.DataFrame | None
    representation: pd.DataFrame
    config: dict
    data_summary: dict
    warnings: list[str] = field(default_factory=list)

    def ratio(self, step: str | None = None) -> pd.Series:
        """Ratios to the reference, indexed by (step, stratum, group)."""
        d = self.steps if step is None else self.steps[self.steps["step"] == step]
        return d.set_index(["step", "stratum", "group"])["ratio"]

    def to_dict(self) -> dict:
        """JSON-safe, deterministic description."""
        from scoreaudit.results import SCHEMA_VERSION, _clean, table_records

        return _clean(
            {
                "schema_version": SCHEMA_VERSION,
                "kind": self.kind,
                "config": self.config,
                "data": self.data_summary,
                "steps": table_records(self.steps),
                "combined": table_records(self.combined),
                "representation": table_records(self.representation),
                "warnings": list(self.warnings),
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def report(self, lang: str = "en", min_cell: int | None = None):
        """The HTML report (published: small cells suppressed), displayed inline in Jupyter."""
        from scoreaudit.report import ReportDisplay
        from scoreaudit.report.funnel_report import render_funnel_html

        return ReportDisplay(render_funnel_html(self, lang, min_cell=min_cell))

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
        cols = [
            "step",
            "stratum",
            "group",
            "reference",
            "rate",
            "reference_rate",
            "ratio",
            "ratio_low",
            "ratio_high",
            "p_adjusted",
            "small_cell",
            "note",
        ]
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        table = self.steps[cols].to_html(
            index=False, float_format=lambda x: f"{x:.3g}", escape=True
        )
        return (
            f"<div><strong>scoreaudit funnel result</strong>{table}"
            f"{'<ul>' + warn + '</ul>' if warn else ''}</div>"
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
            raise DataError(
                f"reference must give a group for every group column; missing: "
                f"{missing} (e.g. reference={{{missing[0]!r}: ...}})."
            )
        label = SEP.join(str(reference[c]).strip() for c in spec.groups)
    else:
        label = str(reference).strip()
    if label not in cube.groups:
        raise DataError(
            f"Reference group {label!r} is not in the table; groups: "
            f"{', '.join(map(repr, cube.groups[:20]))}."
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
                raise DataError(
                    f"Step {name!r} names stage {s!r}, which is not in column "
                    f"{spec.stage!r}; stages in the table: "
                    f"{', '.join(map(repr, sorted(present)[:20]))}."
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
                f"{int(off.sum())} count(s) are not multiples of the rounding base "
                f"{spec.rounding} (first at "
                f"{_where(frame, pos, spec)}); they are read as rounded too."
            )
    cube = _cube_from_counts(frame, spec, values, hidden, total, stages)
    if spec.rounding:
        cube.off_multiple = int(off.sum())
    return frame, cube, warnings


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
        raise DataError("Give at least one group column (group=...).")
    spec = _Spec(groups, stage, count, stratum, _check_steps(steps), _check_rounding(rounding))
    if spec.rounding and count is None:
        raise DataError(
            "rounding applies to published counts, not to a row-level log (count=None)."
        )
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
    notes = steps_table["note"].astype(str)
    counts = {
        "unusable_rows": int(notes.str.contains("rounding base").sum()),
        "omitted_rows": int(notes.str.contains("not recoverable").sum()),
        "hidden_cells": int(cube.hidden.sum()),
    }
    out = []
    if counts["unusable_rows"]:
        out.append(
            f"{counts['unusable_rows']} step row(s) rest on counts below the rounding "
            "base and are unusable (NaN): their rates would read as 0 or 1."
        )
    if counts["omitted_rows"]:
        out.append(
            f"{counts['omitted_rows']} step row(s) rest on hidden counts that the "
            "margins do not bound: omitted."
        )
    if counts["hidden_cells"]:
        out.append(
            f"{counts['hidden_cells']} count(s) were hidden in the table; measures "
            "resting on them are bounded from the margins where possible."
        )
    return out, counts
