"""Rates, disparities, confidence intervals, tests and multiple-testing corrections.

Pure, vectorised functions over per-group counts (numpy arrays, broadcasting). They know
nothing about data frames or models: :mod:`scoreaudit.engines.memory` feeds them the sufficient
statistics of each group.

Statistical choices (and why)
-----------------------------
* **Rates** (selection rate, precision, error rates): Wilson score interval. It stays inside
  [0, 1], behaves well for rates near 0 or 1 and for small groups, and is the interval
  recommended over the Wald interval by Brown, Cai & DasGupta (2001).
* **Ratios** of two rates (group / reference): Katz log interval,
  ``exp(log(r) +/- z * sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0))``. When a count is zero, or a group
  is entirely selected, the log or its variance degenerates, so 0.5 is added to each of the
  four cells of the 2x2 table (counts ``x + 0.5``, sizes ``n + 1``, the Haldane-Anscombe
  correction) for the interval; the point estimate stays the raw ratio, and the interval is
  widened to contain it: its lower limit is 0 when the group has no selected file, its upper
  limit infinite when the reference has none.
* **Differences** of two rates: Newcombe's hybrid score interval (method 10 of Newcombe 1998),
  built from the two Wilson intervals; it has good coverage for small groups and rare events.
* **Tests** of equal rates, two-sided: Fisher's exact test when any expected cell count of the
  2x2 table is below 5 (Cochran's rule), the score test otherwise (the pooled two-proportion z
  test, identical to Pearson's chi-square without continuity correction).
* **Multiple comparisons**: Holm's step-down correction (controls the family-wise error rate
  without assuming independence) by default; Benjamini-Hochberg (false discovery rate) as an
  option. The family is every comparison reported in one audit.
* **Weights**: weighted rates with Kish's effective sample size ``(sum w)^2 / sum w^2`` used as
  the sample size in every interval and test (the pseudo-counts are ``rate * n_eff``). Exact
  tests are not used with weights.

Intervals are marginal (not adjusted for multiplicity); p-values are reported raw and adjusted.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import stats

from scoreaudit.errors import ScoreAuditError

__all__ = [
    "adjust_family",
    "adjust_p_values",
    "comparison_family",
    "confidence_z",
    "katz_ratio_interval",
    "newcombe_difference_interval",
    "two_proportion_p_value",
    "wilson_bounds",
    "wilson_interval",
]


def confidence_z(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level, e.g. 1.959964 for 0.95.

    Examples
    --------
    >>> round(confidence_z(0.95), 6)
    1.959964
    """
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, (int, float))
        or not (0 < confidence < 1)
    ):
        raise ScoreAuditError.from_key("err_confidence", value=confidence)
    return _normal_isf((1 - confidence) / 2)


@functools.lru_cache(maxsize=32)
def _normal_isf(tail: float) -> float:
    # an audit asks for the same one or two levels hundreds of times; scipy's quantile
    # costs about 80 microseconds a call
    return float(stats.norm.isf(tail))


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # pragma: no mutate
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


# Weighted pseudo-counts come from sums taken in an engine's own order, so a wholly selected
# group may arrive as ``x = n * (1 - 1e-16)``. Counts this close to 0 or ``n`` are the boundary:
# otherwise the boundary corrections below would switch on or off with the summation order.
_BOUNDARY_TOLERANCE = 1e-9


def _snap(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``x`` with values within a relative 1e-9 of 0 or of ``n`` set to exactly 0 or ``n``."""
    tol = _BOUNDARY_TOLERANCE * np.abs(n)
    return np.where(np.abs(x) <= tol, 0.0, np.where(np.abs(n - x) <= tol, n, x))


def _counts_and_rates(x1, n1, x0, n0) -> tuple[np.ndarray, ...]:
    """The two groups' counts as float arrays (``x`` snapped onto ``[0, n]``) and their rates."""
    x1, n1, x0, n0 = (np.asarray(v, dtype=float) for v in (x1, n1, x0, n0))
    x1, x0 = _snap(x1, n1), _snap(x0, n0)
    return x1, n1, x0, n0, _div(x1, n1), _div(x0, n0)


def wilson_interval(x, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``x / n`` (vectorised).

    ``x`` may be a pseudo-count (``rate * n_eff``) for weighted data. Where ``n == 0`` the
    interval is NaN.

    Examples
    --------
    >>> low, high = wilson_interval(5, 20)
    >>> round(float(low), 4), round(float(high), 4)
    (0.1119, 0.4687)
    """
    return wilson_bounds(x, n, confidence_z(confidence))


def wilson_bounds(x, n, z: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`wilson_interval` for a given normal quantile ``z`` (NaN where ``n == 0``)."""
    n = np.asarray(n, dtype=float)
    x = _snap(np.asarray(x, dtype=float), n)
    p = _div(x, n)
    with np.errstate(divide="ignore", invalid="ignore"):  # pragma: no mutate
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    # exact limits at the boundaries (avoid 1e-17 rounding noise)
    low = np.where(x <= 0, 0.0, low)
    high = np.where(x >= n, 1.0, high)
    bad = ~(n > 0)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def katz_ratio_interval(x1, n1, x0, n0, confidence: float = 0.95):
    """Ratio of rates ``(x1/n1) / (x0/n0)`` with Katz's log interval (vectorised).

    Returns ``(ratio, low, high)``. When a count is zero or equals its size, 0.5 is added to
    each cell of the 2x2 table for the interval only (``x + 0.5``, ``n + 1``); the lower limit
    is then 0 if ``x1 == 0`` and the upper limit infinite if ``x0 == 0``, so that the interval
    always contains the point estimate. The ratio is ``inf`` when only the reference rate is
    zero and NaN when both are zero.

    Examples
    --------
    >>> r, lo, hi = katz_ratio_interval(30, 100, 20, 200)
    >>> round(float(r), 3), round(float(lo), 3), round(float(hi), 3)
    (3.0, 1.797, 5.008)
    """
    x1, n1, x0, n0, p1, p0 = _counts_and_rates(x1, n1, x0, n0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # pragma: no mutate
        ratio = np.where(p0 > 0, p1 / np.where(p0 > 0, p0, 1), np.where(p1 > 0, np.inf, np.nan))
        degenerate = (x1 <= 0) | (x0 <= 0) | (x1 >= n1) | (x0 >= n0)
        add = np.where(degenerate, 0.5, 0.0)
        a1, m1, a0, m0 = x1 + add, n1 + 2 * add, x0 + add, n0 + 2 * add
        log_r = np.log((a1 / m1) / (a0 / m0))
        se = np.sqrt(1 / a1 - 1 / m1 + 1 / a0 - 1 / m0)
        z = confidence_z(confidence)
        low = np.where(x1 <= 0, 0.0, np.exp(log_r - z * se))
        high = np.where(x0 <= 0, np.inf, np.exp(log_r + z * se))
    bad = ~((n1 > 0) & (n0 > 0))
    return (np.where(bad, np.nan, ratio), np.where(bad, np.nan, low), np.where(bad, np.nan, high))


def newcombe_difference_interval(x1, n1, x0, n0, confidence: float = 0.95):
    """Difference of rates ``x1/n1 - x0/n0`` with Newcombe's hybrid score interval.

    Returns ``(difference, low, high)``.

    Examples
    --------
    >>> d, lo, hi = newcombe_difference_interval(30, 100, 20, 200)
    >>> round(float(d), 3), round(float(lo), 4), round(float(hi), 4)
    (0.2, 0.1051, 0.3018)
    """
    x1, n1, x0, n0, p1, p0 = _counts_and_rates(x1, n1, x0, n0)
    l1, u1 = wilson_interval(x1, n1, confidence)
    l0, u0 = wilson_interval(x0, n0, confidence)
    d = p1 - p0
    low = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return d, np.maximum(low, -1.0), np.minimum(high, 1.0)  # pragma: no mutate


def _score_test(x1, n1, x0, n0) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):  # pragma: no mutate
        p1, p0 = x1 / n1, x0 / n0
        pooled = (x1 + x0) / (n1 + n0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        zstat = np.where(se > 0, (p1 - p0) / np.where(se > 0, se, 1.0), 0.0)
    return 2 * stats.norm.sf(np.abs(zstat))


def two_proportion_p_value(x1, n1, x0, n0, *, exact: bool | np.ndarray = True):
    """Two-sided p-value for equal rates in two independent groups, and the test used.

    Fisher's exact test where ``exact`` allows it and any expected cell count is below 5,
    the score (pooled z) test otherwise. Returns ``(p_value, test)`` where ``test`` holds
    ``"fisher"`` or ``"score"`` per comparison. Counts may be non-integer pseudo-counts only
    with ``exact=False``.

    Examples
    --------
    >>> p, test = two_proportion_p_value([3], [10], [1], [12])
    >>> round(float(p[0]), 4), str(test[0])
    (0.2932, 'fisher')
    """
    x1, n1, x0, n0 = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x1, n1, x0, n0))
    x1, n1, x0, n0 = np.broadcast_arrays(x1, n1, x0, n0)
    total = n1 + n0
    sel = x1 + x0
    with np.errstate(divide="ignore", invalid="ignore"):  # pragma: no mutate
        expected = np.minimum.reduce(
            [
                n1 * sel / total,
                n1 * (total - sel) / total,
                n0 * sel / total,
                n0 * (total - sel) / total,
            ]
        )
    valid = (n1 > 0) & (n0 > 0)
    use_exact = np.asarray(exact, dtype=bool) & (expected < 5) & valid
    p = np.where(valid, _score_test(x1, n1, x0, n0), np.nan)
    for i in np.flatnonzero(use_exact):  # few small cells only, never rows
        a, b = int(round(x1[i])), int(round(n1[i] - x1[i]))
        c, d = int(round(x0[i])), int(round(n0[i] - x0[i]))
        p[i] = stats.fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue
    p = np.clip(p, 0.0, 1.0)
    test = np.where(use_exact, "fisher", np.where(valid, "score", ""))
    return p, test


def adjust_p_values(p, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons (NaN entries are ignored and stay NaN).

    ``method``: ``"holm"`` (Holm-Bonferroni step-down, family-wise error rate), ``"bh"``
    (Benjamini-Hochberg, false discovery rate), ``"bonferroni"`` or ``"none"``.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)  # pragma: no mutate
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    q = p[ok]
    m = q.size
    if method == "none" or m == 0:
        out[ok] = q
        return out
    order = np.argsort(q, kind="stable")  # pragma: no mutate
    ranked = q[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "bonferroni":
        adj = m * ranked
    elif method in ("bh", "fdr_bh"):
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    else:
        raise ScoreAuditError.from_key("err_unknown_correction", method=method)
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


#: Separator inside family keys (numpy strings drop trailing NUL characters, so not "\x00").
_KEY_SEP = "\x1f"


def comparison_family(attribute, group, n_groups, metric=None) -> np.ndarray:
    """Key of each comparison in the multiple-testing family (one rule for every audit kind).

    One test per non-reference group, per attribute or intersection (and per metric): rows
    with the same key are one test and count once in the Holm (or BH, Bonferroni) family. A
    binary attribute is exactly ONE test per metric, whatever the reference: "women against
    men", "men against women" and each group against "the rest" are the same 2 x 2 table seen
    from either side.

    Parameters
    ----------
    attribute, group : array-like of str
        Attribute (or intersection) and group of each comparison row.
    n_groups : array-like of int
        Number of groups of the row's attribute present in the audit.
    metric : array-like of str, optional
        Metric of each row (control-log audits compare several metrics).

    Examples
    --------
    >>> comparison_family(["sex", "sex", "age", "age"], ["w", "m", "a", "b"], [2, 2, 3, 3]).tolist()
    ['sex', 'sex', 'age\\x1fa', 'age\\x1fb']
    """
    attribute = np.asarray(attribute, dtype=object).astype(str)  # pragma: no mutate
    group = np.asarray(group, dtype=object).astype(str)  # pragma: no mutate
    n_groups = np.asarray(n_groups)
    base = attribute
    if metric is not None:
        metric = np.asarray(metric, dtype=object).astype(str)  # pragma: no mutate
        base = np.char.add(np.char.add(metric, _KEY_SEP), attribute)
    per_group = np.char.add(np.char.add(base, _KEY_SEP), group)
    return np.where(n_groups == 2, base, per_group).astype(object)


def adjust_family(p, keys, method: str = "holm") -> np.ndarray:
    """:func:`adjust_p_values` over the family of distinct ``keys`` (one p-value per key).

    Rows sharing a key are one test: the p-value of its first row is adjusted once and
    given to all its rows.

    Examples
    --------
    >>> adjust_family([0.01, 0.01, 0.04], ["sex", "sex", "age"]).tolist()
    [0.02, 0.02, 0.04]
    """
    p = np.asarray(p, dtype=float)  # pragma: no mutate
    keys = np.asarray(keys, dtype=object).astype(str)  # pragma: no mutate
    if p.size == 0:
        return p.copy()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return adjust_p_values(p[first], method)[inverse]
