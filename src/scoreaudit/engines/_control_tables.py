"""Estimates and comparison tables of a control audit: bootstrap, analytic fallbacks, notes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoreaudit.core.warning import join_notes, note
from scoreaudit.engines.aggregate import comparison_frame, woolf_ratio_interval
from scoreaudit.results import interval_columns
from scoreaudit.stats import metrics as M

#: Reference label of the representation comparison (share among random controls).
RANDOM_REFERENCE = "(random controls)"


#: Reference label of the equal-burden comparison (share among files with errors).
POSITIVES_REFERENCE = "(files with errors)"


#: Agency rule: a share that moves by this many percentage points is flagged.
AGENCY_POINTS = 0.30


#: Fewer random controls than this in a group (or in its reference), or for the FNR fewer
#: errors found among them: population-level intervals are not bootstrapped (module docstring).
MIN_RANDOM_BOOTSTRAP = 10


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


def _fallback_reason(
    name: str, r: np.ndarray, y: np.ndarray, degenerate: np.ndarray, resampled: bool = True
) -> np.ndarray:
    """Why a group's bootstrap interval of ``name`` is not used ("" where it is)."""
    if not resampled:
        return np.full(np.shape(r), note("not_resampled"), dtype=object)
    reason = np.where(r < MIN_RANDOM_BOOTSTRAP, note("few_random", m=MIN_RANDOM_BOOTSTRAP), "")
    reason = reason.astype(object)
    if name == "fnr":
        reason = np.where(
            (reason == "") & (y < MIN_RANDOM_BOOTSTRAP),
            note("few_errors", m=MIN_RANDOM_BOOTSTRAP),
            reason,
        )
    return np.where((reason == "") & np.asarray(degenerate, bool), note("no_variation"), reason)


def _safe_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.where(a > 0, np.inf, np.nan))


def _rule_note(text: str, ratio: float, diff: float) -> str:
    parts = []
    if np.isfinite(ratio) and ratio <= 0.5:
        parts.append(note("share_halves"))
    if ratio >= 2:
        parts.append(note("share_doubles"))
    if np.isfinite(diff) and abs(diff) >= AGENCY_POINTS - 1e-12:
        parts.append(note("share_moves", points=f"{abs(diff) * 100:.0f}"))
    return join_notes(text, *parts)


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
        why = np.where((why == "") & ddeg, note("no_variation"), why)
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
            no_ratio = np.isnan(rlo[i]) and np.isfinite(ratio[i])
            intervals = (
                note("analytic_intervals_no_ratio", metric=metric.upper())
                if no_ratio
                else note("analytic_intervals")
            )
            extra[i] = note("no_bootstrap", why=why[i], intervals=intervals)
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
    extra = np.where(boot_inf & (extra == ""), note("ratio_infinite", metric=metric.upper()), extra)
    with np.errstate(divide="ignore", invalid="ignore"):
        low_over_high = np.minimum(ratio, 1 / ratio)
    missing = (
        note("fpr_no_test", metric="FPR")
        if metric == "fpr"
        else note("fnr_no_test", metric=metric.upper())
    )
    notes = np.where((notes == "") & ~testable, missing, notes)
    notes = np.where(
        (notes == "") & ~np.isfinite(p) & np.isfinite(diff), note("no_variation_no_test"), notes
    )
    notes = np.array([join_notes(a, b) for a, b in zip(notes, extra, strict=True)], dtype=object)
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
            **interval_columns((ratio, rlo, rhi), (diff, dlo, dhi)),
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
