"""Notes and warnings of a counts audit: ambiguous rebuilds, no solution, ratio ranges."""

from __future__ import annotations

from typing import Any

import numpy as np

from scoreaudit.core.vocab import REST
from scoreaudit.core.warning import AuditWarning, warning
from scoreaudit.engines._counts_solve import _IX, _VARS, MAX_JOINT_CANDIDATES, METRICS

_SHOWN_COUNTS = ("n", "selected", "positives", "tp", "fp", "tn", "fn")


def _narrowing(radius: int) -> AuditWarning:
    return warning("counts_narrowing", k=2 * radius + 1)


def _no_solution_note(radius: int | None) -> AuditWarning:
    """How far the joint search went for a row that has no solution (-1: all of it)."""
    if radius == -1:
        return warning("counts_no_table")
    if radius is None:
        return warning("counts_not_searched", candidates=MAX_JOINT_CANDIDATES)
    return warning("counts_none_found", narrowing=_narrowing(radius))


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
        how = (
            warning("counts_at_least", narrowing=_narrowing(narrowed[i]))
            if i in narrowed
            else warning("counts_exactly")
        )
        out.append(
            warning(
                "counts_ambiguous",
                group=labels[i],
                how=how,
                tables=len(S),
                counts=", ".join(counts),
                rates=", ".join(rates) or warning("counts_same_rates"),
            )
        )
    if len(amb) > 5:
        most = max(len(solutions[i]) for i in amb[5:])
        out.append(warning("counts_more_ambiguous", n=len(amb) - 5, most=most))
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
                label = v.labels[ref] if ref is not None else REST
                parts.append(f"{v.name} {v.labels[g]} / {label}: {name} {span} (used {at:.3f})")
    if not parts:
        return None
    more = warning("counts_more_ratios", n=skipped) if skipped else ""
    part = warning("counts_narrow_note") if narrowed else ""
    return warning("counts_ratio_ranges", narrow=part, ranges="; ".join(parts), more=more)
