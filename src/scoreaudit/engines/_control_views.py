"""The tables of one view (attribute or intersection) of a control audit.

:func:`scoreaudit.engines.controls.audit_controls` validates and counts; for each view,
:func:`view_tables` estimates and builds the groups table and the comparisons, in this order:
representation, burden, selection rate, base error rate, precision, then FPR and FNR when the
population size is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import View
from scoreaudit.core.references import Pairs
from scoreaudit.core.warning import join_notes, list_notes, note, warning
from scoreaudit.engines._control_tables import (
    AGENCY_POINTS,
    POSITIVES_REFERENCE,
    RANDOM_REFERENCE,
    _analytic_rates,
    _boot_frame,
    _boot_interval,
    _fallback_reason,
    _mover_difference,
    _population_metrics,
    _rule_note,
    _safe_ratio,
    _selection_rate_frame,
)
from scoreaudit.engines.aggregate import comparison_frame, woolf_ratio_interval
from scoreaudit.stats import metrics as M

#: Population-level quantities with bootstrap intervals in the groups table.
_BOOT_COLUMNS = ["tp_share", "fp_share", "tn_share", "fn_share", "selection_rate", "fpr", "fnr"]


@dataclass(frozen=True)
class Totals:
    """What every view of a control audit shares: counts per cell, replicates, options."""

    cell_counts: np.ndarray  # (4, C): random without / with errors, score without / with
    boot: np.ndarray  # (B, 4, C)
    n_random: float
    n_score: float
    y_total: float
    N: int | None
    confidence: float
    min_cell: int
    #: False: every interval is analytic (the publication hides counts the resampling draws
    #: on; see ``audit_controls`` and ``gate.aggregate.publish_aggregate``). ``boot`` is then
    #: unused.
    resampled: bool = True

    def metrics(self, r: Any, y: Any, s: Any, t: Any) -> dict[str, np.ndarray]:
        return _population_metrics(r, y, s, t, self.n_random, self.n_score, self.y_total, self.N)

    def analytic(self, r: Any, y: Any, s: Any, t: Any) -> dict:
        assert self.N is not None
        return _analytic_rates(r, y, s, t, self.n_random, self.n_score, self.N, self.confidence)


@dataclass(frozen=True)
class _Counts:
    """The four counts of each group of one view, their replicates and estimates."""

    agg: np.ndarray  # (4, G)
    bagg: np.ndarray  # (B, 4, G)
    r: np.ndarray  # random controls
    y: np.ndarray  # random controls with errors
    s: np.ndarray  # score-picked controls
    t: np.ndarray  # score-picked controls with errors
    point: dict[str, np.ndarray]
    bpoint: dict[str, np.ndarray]


@dataclass(frozen=True)
class _Side:
    """Each compared group (subscript 1) against its reference group or the rest (0)."""

    idx: np.ndarray
    g_labels: list[str]
    ref_labels: list[str]
    r1: np.ndarray
    y1: np.ndarray
    s1: np.ndarray
    t1: np.ndarray
    r0: np.ndarray
    y0: np.ndarray
    s0: np.ndarray
    t0: np.ndarray
    p_ref: dict[str, np.ndarray]
    b_ref: dict[str, np.ndarray]
    gnotes: np.ndarray


def view_tables(
    v: View, ref: int | None, k: Totals
) -> tuple[pd.DataFrame, list[pd.DataFrame], list[list[str]], list[list[str]]]:
    """Groups table, comparison frames, and the ``[attribute, group]`` pairs absent from the
    random controls or with negative estimates."""
    c = _counts(v, k)
    notes, absent, negative = _group_notes(v, c, k)
    analytic = k.analytic(c.r, c.y, c.s, c.t) if k.N is not None else {}
    groups = _groups_table(v, c, k, notes, analytic)
    frames = _share_comparisons(v, c, k, notes)
    side = _reference_side(v, ref, c, k, notes)
    sides = _fallback_sides(c, k, side, analytic) if k.N is not None else {}
    frames.append(_selection_comparison(v, c, k, side, sides))
    frames += _error_comparisons(v, c, k, side, sides)
    return groups, frames, absent, negative


def _counts(v: View, k: Totals) -> _Counts:
    agg = v.sum_cells(k.cell_counts)  # (4, G)
    r, y = agg[0] + agg[1], agg[1]
    s, t = agg[2] + agg[3], agg[3]
    bagg = v.sum_cells(k.boot)  # (B, 4, G)
    br, by = bagg[:, 0] + bagg[:, 1], bagg[:, 1]
    bs, bt = bagg[:, 2] + bagg[:, 3], bagg[:, 3]
    return _Counts(agg, bagg, r, y, s, t, k.metrics(r, y, s, t), k.metrics(br, by, bs, bt))


def _group_notes(v: View, c: _Counts, k: Totals) -> tuple[np.ndarray, list[str], list[str]]:
    labels = list(v.labels)
    notes = np.array(["" for _ in labels], dtype=object)
    warned_absent: list[list[str]] = []  # [attribute, group] pairs
    warned_negative: list[list[str]] = []
    absent = c.r == 0
    if absent.any():
        notes[absent] = note("absent_random")
        warned_absent = [[v.name, str(labels[i])] for i in np.flatnonzero(absent)]
    if k.N is not None:
        negative = (~absent) & ((c.point["fn"] < -1e-9) | (c.point["tn"] < -1e-9))
        if negative.any():
            notes[negative] = note("negative_counts")
            warned_negative = [[v.name, str(labels[i])] for i in np.flatnonzero(negative)]
    return notes, warned_absent, warned_negative


def _observed_columns(v: View, c: _Counts, k: Totals) -> dict[str, Any]:
    """Shares and rates read directly from the log (Wilson, Katz, Newcombe intervals)."""
    r, y, s, t = c.r, c.y, c.s, c.t
    n_random, n_score, y_total, confidence = k.n_random, k.n_score, k.y_total, k.confidence
    cols: dict[str, Any] = {
        "attribute": v.name,
        "group": list(v.labels),
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
        positive_share=M._div(y, np.full(v.n_groups, y_total)),
        positive_share_low=lo,
        positive_share_high=hi,
    )
    dd, dlo, dhi = M.newcombe_difference_interval(s, n_score, y, y_total, confidence)
    cols.update(burden_gap=dd, burden_gap_low=dlo, burden_gap_high=dhi)
    return cols


def _groups_table(
    v: View, c: _Counts, k: Totals, notes: np.ndarray, analytic: dict
) -> pd.DataFrame:
    cols = _observed_columns(v, c, k)
    # notes of the groups table only (the comparisons get ``notes``)
    table_notes = [[n] for n in notes]
    if k.N is not None:
        _estimated_columns(cols, table_notes, c, k, analytic)
    for i in np.flatnonzero(c.s == 0):
        table_notes[i].append(note("no_pick_precision"))
    cols["small_cell"] = (c.r < k.min_cell) | (c.s < k.min_cell)
    cols["note"] = np.array([join_notes(*parts) for parts in table_notes], dtype=object)
    return pd.DataFrame(cols)


def _estimated_columns(
    cols: dict[str, Any], table_notes: list[list[str]], c: _Counts, k: Totals, analytic: dict
) -> None:
    """Population-level estimates (population size known), bootstrap or analytic intervals."""
    r, y, point, bpoint = c.r, c.y, c.point, c.bpoint
    absent = r == 0
    nan_if_absent = {
        key: np.where(absent, np.nan, point[key])
        for key in ("est_files", "est_positives", "tn", "fn")
    }
    cols.update(
        est_files=nan_if_absent["est_files"],
        est_positives=nan_if_absent["est_positives"],
        tp=point["tp"],
        fp=point["fp"],
        tn=nan_if_absent["tn"],
        fn=nan_if_absent["fn"],
    )
    by_reason: list[dict[str, tuple[list[str], list[str]]]] = [{} for _ in range(r.size)]
    for name in _BOOT_COLUMNS:
        lo, hi, degenerate, widened = _boot_interval(bpoint[name], point[name], k.confidence)
        reason = _fallback_reason(name, r, y, degenerate, k.resampled)
        fall = (reason != "") & np.isfinite(point[name])
        if name in analytic:
            alo, ahi = analytic[name]
            lo, hi = np.where(fall, alo, lo), np.where(fall, ahi, hi)
        else:
            lo, hi = np.where(fall, np.nan, lo), np.where(fall, np.nan, hi)
        for i in np.flatnonzero(fall):
            got, none = by_reason[i].setdefault(reason[i], ([], []))
            (got if np.isfinite(lo[i]) else none).append(note("q_" + name))
        for i in np.flatnonzero(widened & ~fall):
            table_notes[i].append(note("boot_widened", quantity=note("q_" + name)))
        cols.update({name: point[name], f"{name}_low": lo, f"{name}_high": hi})
    _fallback_notes(table_notes, by_reason)
    for i in np.flatnonzero(~absent & (y == 0)):
        table_notes[i].append(note("fnr_not_estimable"))
    for i in np.flatnonzero(~absent & (y == r)):
        table_notes[i].append(note("fpr_not_estimable"))


def _fallback_notes(
    table_notes: list[list[str]], by_reason: list[dict[str, tuple[list[str], list[str]]]]
) -> None:
    for i, reasons in enumerate(by_reason):
        for why, (got, none) in reasons.items():
            parts = []
            if got:
                parts.append(note("katz_for", quantities=list_notes(*got)))
            if none:
                parts.append(note("no_interval_for", quantities=list_notes(*none)))
            table_notes[i].append(note("no_bootstrap", why=why, intervals=join_notes(*parts)))


def _share_comparisons(v: View, c: _Counts, k: Totals, notes: np.ndarray) -> list[pd.DataFrame]:
    """Representation (score-picked against random controls) and burden (against errors)."""
    r, y, s = c.r, c.y, c.s
    rep = _picked_against(v, c, k, "representation", RANDOM_REFERENCE, r, k.n_random, notes)
    rep["n"], rep["reference_n"] = s, r
    ratio = rep["ratio"].to_numpy(float)
    diff = rep["difference"].to_numpy(float)
    rule = (ratio <= 0.5) | (ratio >= 2) | (np.abs(diff) >= AGENCY_POINTS - 1e-12)
    rep["agency_rule"] = pd.array(
        np.where(np.isnan(ratio) & np.isnan(diff), None, rule), dtype="boolean"
    )
    rep["note"] = [_rule_note(n, q, d) for n, q, d in zip(rep["note"], ratio, diff, strict=True)]

    # burden: share among score-picked against share among files with errors
    bur = _picked_against(v, c, k, "burden", POSITIVES_REFERENCE, y, k.y_total, notes)
    bur["n"], bur["reference_n"] = s, y
    return [rep, bur]


def _picked_against(
    v: View,
    c: _Counts,
    k: Totals,
    metric: str,
    reference: str,
    x0: np.ndarray,
    n0: float,
    notes: np.ndarray,
) -> pd.DataFrame:
    """Each group's share among score-picked controls against its share ``x0 / n0``."""
    G, s = v.n_groups, c.s
    small = (x0 < k.min_cell) | (s < k.min_cell)
    return comparison_frame(
        attribute=v.name,
        groups=list(v.labels),
        references=[reference] * G,
        metric=metric,
        x1=s,
        n1=np.full(G, k.n_score),
        x0=x0,
        n0=np.full(G, n0),
        confidence=k.confidence,
        min_cell=k.min_cell,
        small=small,
        notes=notes,
    )


def _reference_side(v: View, ref: int | None, c: _Counts, k: Totals, notes: np.ndarray) -> _Side:
    """Counts and estimates of each group and of its reference (a group, or the rest)."""
    pairs = Pairs(v.labels, ref)
    idx, side = pairs.groups, pairs.reference_side
    if ref is None:  # the rest's counts, and its estimates computed from them
        R = side(c.agg, axis=1)
        r0, y0, s0, t0 = R[0] + R[1], R[1], R[2] + R[3], R[3]
        bR = side(c.bagg, axis=2)
        b_ref = k.metrics(bR[:, 0] + bR[:, 1], bR[:, 1], bR[:, 2] + bR[:, 3], bR[:, 3])
        p_ref = k.metrics(r0, y0, s0, t0)
    else:  # the reference group's own counts and estimates
        r0, y0, s0, t0 = (side(a) for a in (c.r, c.y, c.s, c.t))
        b_ref = {key: side(val, axis=1) for key, val in c.bpoint.items()}
        p_ref = {key: side(val) for key, val in c.point.items()}
    gnotes = notes[idx]
    gnotes = np.where((gnotes == "") & (r0 == 0), note("reference_absent_random"), gnotes)
    return _Side(
        idx=idx,
        g_labels=pairs.group_labels,
        ref_labels=pairs.reference_labels,
        r1=c.r[idx],
        y1=c.y[idx],
        s1=c.s[idx],
        t1=c.t[idx],
        r0=r0,
        y0=y0,
        s0=s0,
        t0=t0,
        p_ref=p_ref,
        b_ref=b_ref,
        gnotes=gnotes,
    )


def _fallback_sides(c: _Counts, k: Totals, side: _Side, analytic: dict) -> dict[str, tuple]:
    """Per comparison and metric: why the bootstrap is not used ("" where it is), and the
    analytic intervals of the group and of the reference."""
    idx, point, bpoint = side.idx, c.point, c.bpoint
    analytic_ref = k.analytic(side.r0, side.y0, side.s0, side.t0)
    sides = {}
    for metric in ("selection_rate", "fpr", "fnr"):
        deg1 = _boot_interval(bpoint[metric][:, idx], point[metric][idx], k.confidence)[2]
        deg0 = _boot_interval(side.b_ref[metric], side.p_ref[metric], k.confidence)[2]
        why1 = _fallback_reason(metric, side.r1, side.y1, deg1)
        why0 = _fallback_reason(metric, side.r0, side.y0, deg0)
        why = np.array(
            [
                note("in_group", why=a) if a else note("in_reference", why=b) if b else ""
                for a, b in zip(why1, why0, strict=True)
            ],
            dtype=object,
        )
        if not k.resampled:
            why = np.full(why.shape, note("not_resampled"), dtype=object)
        # an undefined rate (no random control, no error found) is noted already
        why = np.where(np.isfinite(point[metric][idx]) & np.isfinite(side.p_ref[metric]), why, "")
        lo1, hi1 = (a[idx] for a in analytic[metric])
        sides[metric] = (why.astype(object), (lo1, hi1), analytic_ref[metric])
    return sides


def _selection_comparison(
    v: View, c: _Counts, k: Totals, side: _Side, sides: dict[str, tuple]
) -> pd.DataFrame:
    """Relative selection rate (Woolf), with a bootstrap difference when N is known."""
    sel = _selection_rate_frame(
        v.name,
        side.g_labels,
        side.ref_labels,
        side.s1,
        side.r1,
        side.s0,
        side.r0,
        k.confidence,
        k.min_cell,
        side.gnotes,
        k.n_random,
        k.n_score,
    )
    if k.N is None:
        return sel
    idx = side.idx
    b1 = c.bpoint["selection_rate"][:, idx]
    b0 = side.b_ref["selection_rate"]
    m1, m0 = c.point["selection_rate"][idx], side.p_ref["selection_rate"]
    d_hat = m1 - m0
    lo, hi, deg, _ = _boot_interval(b1 - b0, d_hat, k.confidence)
    why, (lo1, hi1), (lo0, hi0) = sides["selection_rate"]
    why = np.where((why == "") & deg & (side.r1 > 0) & (side.r0 > 0), "no bootstrap variation", why)
    fall = why != ""
    alo, ahi = _mover_difference(m1, lo1, hi1, m0, lo0, hi0)
    sel["rate"], sel["reference_rate"] = m1, m0
    sel["difference"] = d_hat
    sel["difference_low"] = np.where(fall, alo, lo)
    sel["difference_high"] = np.where(fall, ahi, hi)
    sel["interval"] = np.where(fall, "woolf/mover", "woolf/bootstrap")
    sel["note"] = [
        join_notes(n, note("no_bootstrap", why=w, intervals=note("mover_interval")) if w else "")
        for n, w in zip(sel["note"], why, strict=True)
    ]
    return sel


def _error_comparisons(
    v: View, c: _Counts, k: Totals, side: _Side, sides: dict[str, tuple]
) -> list[pd.DataFrame]:
    """Base error rate and precision; FPR and FNR when the population size is known."""
    frames = [
        _observed_comparison(v, k, side, "base_error_rate", (side.y1, side.r1, side.y0, side.r0)),
        _observed_comparison(v, k, side, "precision", (side.t1, side.s1, side.t0, side.s0)),
    ]
    if k.N is not None:
        frames.append(_rate_comparison(v, c, k, side, sides, "fpr"))
        frames.append(_rate_comparison(v, c, k, side, sides, "fnr"))
    return frames


def _observed_comparison(
    v: View, k: Totals, side: _Side, metric: str, counts: tuple[np.ndarray, ...]
) -> pd.DataFrame:
    x1, n1, x0, n0 = counts
    return comparison_frame(
        attribute=v.name,
        groups=side.g_labels,
        references=side.ref_labels,
        metric=metric,
        x1=x1,
        n1=n1,
        x0=x0,
        n0=n0,
        confidence=k.confidence,
        min_cell=k.min_cell,
        small=(n1 < k.min_cell) | (n0 < k.min_cell),
        notes=side.gnotes,
    )


def _rate_comparison(
    v: View, c: _Counts, k: Totals, side: _Side, sides: dict[str, tuple], metric: str
) -> pd.DataFrame:
    """FPR or FNR of each group against its reference: bootstrap, analytic fallback."""
    r1, y1, s1, t1 = side.r1, side.y1, side.s1, side.t1
    r0, y0, s0, t0 = side.r0, side.y0, side.s0, side.t0
    idx, min_cell = side.idx, k.min_cell
    small = (r1 < min_cell) | (r0 < min_cell) | (s1 < min_cell) | (s0 < min_cell)
    # the bootstrap cannot create what was never observed: no test when a rate
    # rests on an empty random cell (no random control, or no error found)
    testable = (r1 > 0) & (r0 > 0)
    if metric == "fnr":
        small = small | (y1 < min_cell) | (y0 < min_cell)
        testable = testable & (y1 > 0) & (y0 > 0)
    else:  # the FPR needs random controls without errors
        testable = testable & (r1 > y1) & (r0 > y0)
    m1, m0 = c.point[metric][idx], side.p_ref[metric]
    bm1, bm0 = c.bpoint[metric][:, idx], side.b_ref[metric]
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
        _, rlo, rhi = woolf_ratio_interval(x1, o1, x0, o0, k.confidence)
    else:
        x1, o1, x0, o0 = t1, y1, t0, y0
        rlo = rhi = np.full(idx.size, np.nan)
    if idx.size:
        p, test = M.two_proportion_p_value(x1, x1 + o1, x0, x0 + o0)
    else:
        p, test = np.array([]), np.array([], dtype=str)
    return _boot_frame(
        v.name,
        side.g_labels,
        side.ref_labels,
        metric,
        n=r1 + s1,
        ref_n=r0 + s0,
        rate=m1,
        ref_rate=m0,
        ratio=_safe_ratio(m1, m0),
        diff=m1 - m0,
        b_ratio=b_ratio,
        b_diff=bm1 - bm0,
        confidence=k.confidence,
        small=small,
        notes=side.gnotes,
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


def control_warnings(
    summary: dict,
    absent: list[list[str]],
    negative: list[list[str]],
    N: int | None,
    min_cell: int,
) -> list[str]:
    """Warnings of a control audit after the tables (absent groups, negative estimates...)."""
    warnings = []
    if absent:
        warnings.append(warning("controls_absent", n=len(absent), cells=absent))
    if negative:
        warnings.append(warning("controls_negative", cells=negative))
    if summary["random_errors_found"] == 0:
        warnings.append(warning("controls_no_random_error"))
    if N is None:
        warnings.append(warning("controls_no_population_size"))
    if summary["random_controls"] < 2 * min_cell:
        warnings.append(warning("controls_few_random", n=summary["random_controls"]))
    return warnings
