"""Rebuilding whole confusion counts from a published table: columns, constraints, the solver."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import DataError

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

#: The two counts each rate rests on: its base split in two, its part one of them
#: (``precision = tp / selected``, ``selected = tp + fp``: tp and fp). What a published rate
#: can reveal, so what the publication gate hides with them.
RATE_COUNTS = {
    rate: next((a, b) for total, a, b in _LINEAR if total == base and part in (a, b))
    for rate, (part, base) in RATE_RELATIONS.items()
}


#: Rates reported (groups) and compared (disparities): (name, event, base).
METRICS = (
    ("selection_rate", "selected", "n"),
    ("precision", "tp", "selected"),
    ("fdr", "fp", "selected"),
    ("fpr", "fp", "negatives"),
    ("fnr", "fn", "positives"),
)


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


def _column(table: pd.DataFrame, column: str, role: str) -> pd.Series:
    """The column ``column`` (holding ``role``), or an error listing the table's columns."""
    if column not in table.columns:
        raise DataError.lacking_columns(
            "err_counts_column_missing", table.columns, column=column, role=role
        )
    return table[column]


def _count_column(table: pd.DataFrame, column: str, role: str) -> np.ndarray:
    raw = _column(table, column, role)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError.from_key(
            "err_counts_not_numeric", column=column, role=role, value=_show(raw.iloc[pos]), pos=pos
        )
    neg = values < 0
    if neg.any():
        pos = int(np.flatnonzero(neg)[0])
        raise DataError.from_key(
            "err_counts_negative", column=column, role=role, value=_show(raw.iloc[pos]), pos=pos
        )
    frac = values != np.round(values)
    if frac.any():
        pos = int(np.flatnonzero(frac)[0])
        raise DataError.from_key(
            "err_counts_fraction", column=column, role=role, value=_show(raw.iloc[pos]), pos=pos
        )
    return values


def _rate_column(table: pd.DataFrame, column: str, role: str, percent: bool) -> np.ndarray:
    raw = _column(table, column, role)
    empty = raw.isna().to_numpy()
    if not pd.api.types.is_numeric_dtype(raw):
        raw = raw.astype(str).str.strip().str.rstrip("%").str.replace(",", ".", regex=False)
        empty = empty | raw.isin(["", "-", "–", "nan", "NaN", "NA", "n/a"]).to_numpy()
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    bad = ~np.isfinite(values) & ~empty
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError.from_key(
            "err_counts_rate_not_numeric",
            column=column,
            role=role,
            value=_show(table[column].iloc[pos]),
            pos=pos,
        )
    values[empty] = np.nan
    top = 100.0 if percent else 1.0
    out = (values < 0) | (values > top)
    if out.any():
        pos = int(np.flatnonzero(out)[0])
        raise DataError.from_key(
            "err_counts_rate_percent" if percent else "err_counts_rate_fraction",
            column=column,
            role=role,
            value=_show(table[column].iloc[pos]),
            pos=pos,
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
