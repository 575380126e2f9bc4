"""Funnel audit, first steps: validate the input (columns, counts, steps) and count it.

Builds the cube of counts (groups x strata x stages, each with the interval of true counts
it stands for: rounding, hidden cells, margins, nesting) used by
:func:`scoreaudit.engines.funnel.audit_funnel`. Private: import from ``engines.funnel``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import SEP
from scoreaudit.errors import DataError, Part

#: Values of a count cell meaning "hidden by the publisher" (case-insensitive, after strip).
HIDDEN_MARKERS = frozenset(
    {"", "x", "[x]", "c", "[c]", "s", "[s]", "..", "nan", "na", "n/a", "*", "secret", "nd", "n.d."}
)
#: Labels recognised as total rows with ``total="auto"`` (case-insensitive).
TOTAL_LABELS = frozenset({"total", "totals", "ensemble", "all", "tous", "toutes", "overall"})
#: Stratum label of unstratified rows.
ALL_STRATA = "(all strata)"


def _num(x: float) -> str:
    return "hidden" if not np.isfinite(x) else f"{x:g}"


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
    DataError.require_columns("err_funnel_wide_columns", frame.columns, [stage, *keep])
    cols = (
        list(groups)
        if groups is not None
        else [c for c in frame.columns if c != stage and c not in keep]
    )
    absent = [c for c in cols if c not in frame.columns]
    if absent or not cols:
        raise DataError.from_key("err_funnel_wide_groups", absent=absent or "(none)")
    if group in (stage, *keep) or count in (stage, group, *keep):
        raise DataError.from_key("err_funnel_wide_names", group=group, count=count)
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
        raise DataError.from_key("err_funnel_steps")
    out = []
    for i, s in enumerate(steps):
        if isinstance(s, (str, bytes)) or not isinstance(s, Sequence) or len(s) != 3:
            raise DataError.from_key("err_funnel_step", i=i, step=s)
        name, st, base = (str(x) for x in s)
        if st == base:
            raise DataError.from_key("err_step_same_stage", name=name, stage=st)
        out.append((name, st, base))
    names = [s[0] for s in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError.from_key("err_step_names_twice", names=dup)
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
        raise DataError.from_key("err_rounding", value=rounding)
    return None if int(rounding) == 1 else int(rounding)


def _validate_frame(frame: pd.DataFrame, spec: _Spec) -> None:
    if len(frame) == 0:
        raise DataError.from_key("err_funnel_empty")
    needed = [*spec.groups, spec.stage]
    needed += [c for c in (spec.count, spec.stratum) if c is not None]
    DataError.require_columns("err_funnel_columns", frame.columns, needed)
    if len(set(needed)) < len(needed):
        raise DataError.from_key("err_funnel_two_roles", needed=needed)
    for c in needed[:-1] if spec.count else needed:
        if frame[c].isna().any():
            pos = int(np.flatnonzero(frame[c].isna().to_numpy())[0])
            raise DataError.from_key("err_funnel_empty_cell", column=c, pos=pos)


def _where(frame: pd.DataFrame, pos: int, spec: _Spec) -> Part:
    """``row position 3 (stage 'picked', group 'a')`` for error messages, in their language."""
    from scoreaudit.data.io import row_part

    grp = SEP.join(str(frame[c].iloc[pos]) for c in spec.groups)
    return Part(
        "funnel_where",
        row=row_part(frame, pos),
        stage=str(frame[spec.stage].iloc[pos]),
        group=grp,
        stratum=_stratum(str(frame[spec.stratum].iloc[pos]) if spec.stratum else None),
    )


def _stratum(name: str | None) -> Part | str:
    return "" if name is None else Part("funnel_in_stratum", stratum=name)


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
            raise DataError.from_key(
                "err_funnel_count_text", value=raw.iloc[pos], where=_where(frame, pos, spec)
            )
        values = np.where(is_hidden, np.nan, values)
    for test, what in (
        (values < 0, Part("err_what_negative")),
        (np.isinf(values), Part("err_what_infinite")),
        ((values != np.round(values)) & np.isfinite(values), Part("err_what_non_integer")),
    ):
        if test.any():
            pos = int(np.flatnonzero(test)[0])
            raise DataError.from_key(
                "err_funnel_count_bad",
                value=raw.iloc[pos],
                where=_where(frame, pos, spec),
                what=what,
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
        raise DataError.from_key(
            "err_funnel_same_cell",
            a=int(dup[0]),
            b=int(dup[1]),
            where=_where(frame, int(dup[0]), spec),
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
    where = Part("funnel_has_rows", where=_where(frame, int(have.min()), spec)) if have.size else ""
    raise DataError.from_key(
        "err_funnel_group_missing",
        group=groups[g],
        stage=stages[t],
        stratum=_stratum(str(strata[s]) if spec.stratum else None),
        where=where,
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
        rows: Part | str = ""
        if frame is not None and cube.row[g, s, t] >= 0 and spec.count is not None:
            rows = Part("funnel_rows", a=int(cube.row[g, s, t]), b=int(cube.row[g, s, b]))
        slack = Part("funnel_rounding", rounding=spec.rounding) if spec.rounding else ""
        raise DataError.from_key(
            "err_funnel_not_subset",
            name=name,
            stage=st,
            base=base,
            group=cube.groups[g],
            stratum=_stratum(str(cube.strata[s]) if spec.stratum else None),
            rows=rows,
            n=_num(cube.val[g, s, t]),
            n_base=_num(cube.val[g, s, b]),
            slack=slack,
        )
