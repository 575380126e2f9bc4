"""Funnel audit, last steps: estimate (rates, ratios, tests, Mantel-Haenszel) and tables.

Vectorised over groups x strata on the cube of :mod:`scoreaudit.engines._funnel_input`.
Private: import from ``engines.funnel``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from scoreaudit.core.vocab import SEP
from scoreaudit.core.warning import note
from scoreaudit.engines._funnel_input import ALL_STRATA, _Cube, _Spec
from scoreaudit.stats import metrics as M

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
    text = np.full(shape, "", dtype=object)
    text = np.where(bounded, note("fn_bounded"), text)
    text = np.where(omitted, note("fn_omitted"), text)
    if rounding:
        text = np.where(unusable & ~omitted, note("fn_unusable", rounding=rounding), text)
    return unusable, omitted, text


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
    unusable, omitted, notes = _notes(g, r, spec.rounding)
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
    out["note"] = notes
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

#: The columns that name a row of the step table (the rest are its numbers and flags).
STEP_KEYS = ("step", "stage", "base", "stratum", "attribute", "group", "reference")
STEP_COLUMNS = [
    *STEP_KEYS,
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
    out.loc[ref_rows, "note"] = str(note("fn_reference"))
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
    text = np.where(unbounded, note("fn_mh_omitted"), "")
    ratio = np.where(unbounded, np.nan, point[0])
    return ratio, np.where(unbounded, np.nan, low), np.where(unbounded, np.nan, high), text


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
