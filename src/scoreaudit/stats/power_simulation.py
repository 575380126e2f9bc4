"""Power by simulation of the audit's own tests, and Fisher's exact test vectorised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from scoreaudit.stats._power_checks import (
    MIN_EXPECTED,
    Correction,
    _bad,
    _check_open_unit,
    _check_positive,
    _check_ratio,
    _describe_bad,
    _scalar,
    per_comparison_alpha,
)

_FISHER_RTOL = 1 + 1e-7  # scipy's tolerance for "as or less likely" tables


# --------------------------------------------------------------------------------------------
# simulation


@dataclass(frozen=True)
class SimulatedPower:
    """Result of :func:`simulate_power` (arrays broadcast to the inputs' shape).

    Attributes
    ----------
    power : numpy.ndarray
        Share of simulated audits that flag the disparity in its true direction (for
        ``ratio == 1``: that reject at all, i.e. the actual size of the test).
    standard_error : numpy.ndarray
        Monte Carlo standard error ``sqrt(power (1 - power) / n_sim)``.
    fisher_share : numpy.ndarray
        Share of simulated tables on which Fisher's exact test was used.
    alpha : float
        Per-comparison level used.
    n_sim : int
        Number of simulated audits per input.
    """

    power: np.ndarray
    standard_error: np.ndarray
    fisher_share: np.ndarray
    alpha: float
    n_sim: int


def fisher_exact_p_values(x1, n1, x0, n0) -> np.ndarray:
    """Two-sided Fisher exact p-values of many 2x2 tables (vectorised by table margins).

    Table ``[[x1, n1 - x1], [x0, n0 - x0]]``; the p-value sums the hypergeometric
    probabilities of all tables with the same margins that are no more likely than the
    observed one (relative tolerance 1e-7, as scipy's ``fisher_exact``). Tables sharing margins
    share one computation, so a simulation of thousands of small tables costs a few dozen
    probability vectors.

    Examples
    --------
    >>> fisher_exact_p_values([3, 1], [10, 10], [1, 1], [12, 12]).round(4)
    array([0.2932, 1.    ])
    """
    x1, n1, x0, n0 = (
        np.ravel(np.asarray(v, dtype=np.int64)) for v in np.broadcast_arrays(x1, n1, x0, n0)
    )
    out = np.ones(x1.shape)
    if x1.size == 0:
        return out
    t = x1 + x0
    keys = np.stack([n1, n0, t], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = np.ravel(inverse)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
    for j, (a, b, s) in enumerate(uniq):  # one pass per distinct margin, not per table
        rows = order[bounds[j] : bounds[j + 1]]
        lo, hi = max(0, s - b), min(a, s)
        if hi <= lo:  # a single possible table
            continue
        k = np.arange(lo, hi + 1)
        pmf = np.exp(stats.hypergeom.logpmf(k, a + b, s, a))
        sorted_pmf = np.sort(pmf)
        cum = np.cumsum(sorted_pmf)
        pos = np.searchsorted(sorted_pmf, pmf * _FISHER_RTOL, side="right") - 1
        out[rows] = np.minimum(cum[pos][x1[rows] - lo], 1.0)
    return out


def _audit_test_p_values(x1, n1, x0, n0, exact_small: bool) -> tuple[np.ndarray, np.ndarray]:
    """p-values of the audit's test (score test, Fisher where an expected count is < 5)."""
    x1, n1, x0, n0 = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x1, n1, x0, n0))
    total, sel = n1 + n0, x1 + x0
    pooled = sel / total
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = np.where(se > 0, (x1 / n1 - x0 / n0) / np.where(se > 0, se, 1.0), 0.0)
    p = 2 * special.ndtr(-np.abs(zstat))
    use_exact = np.zeros(p.shape, dtype=bool)
    if exact_small:
        small = np.minimum(n1, n0)
        expected = np.minimum(small * pooled, small * (1 - pooled))
        use_exact = expected < MIN_EXPECTED
        if use_exact.any():
            p[use_exact] = fisher_exact_p_values(
                x1[use_exact], n1[use_exact], x0[use_exact], n0[use_exact]
            )
    return p, use_exact


def _check_counts(name: str, value) -> np.ndarray:
    arr = _check_positive(name, value)
    if (arr != np.round(arr)).any():
        bad = arr != np.round(arr)
        raise _describe_bad(name, arr, bad, "err_power_rule_whole_files")
    return arr.astype(np.int64)


def simulate_power(
    n_group,
    n_reference,
    reference_rate,
    ratio,
    *,
    alpha: float = 0.05,
    comparisons: int = 1,
    correction: Correction = "holm",
    n_sim: int = 2000,
    random_state: int | np.random.Generator | None = 0,
    exact_small: bool = True,
) -> SimulatedPower:
    """Power of the audit's actual test by simulation (for small cells, no closed form).

    For every input (arrays broadcast together) draws ``n_sim`` audits: ``x1 ~ Binomial(n_group,
    ratio * reference_rate)`` and ``x0 ~ Binomial(n_reference, reference_rate)`` (one
    vectorised ``rng.binomial`` call, no rows resampled), tests each table as the audit does --
    Fisher's exact test when an expected cell count is below 5 (if ``exact_small``), the score
    test otherwise -- at the per-comparison level, and counts the audits that flag the
    disparity in its true direction.

    A control-log audit is simulated by passing the score-picked and random record counts as
    ``n_group`` and ``n_reference``, the group's population share as ``reference_rate`` and
    the share ratio ``q1 / q0`` as ``ratio`` (see the module docstring).

    Parameters
    ----------
    n_group, n_reference : array_like of int
        Group and reference sizes (whole numbers).
    reference_rate, ratio : array_like
        Reference selection rate and planted ratio (``ratio * reference_rate <= 1``; a ratio
        of 1 estimates the actual type I error rate).
    alpha, comparisons, correction
        As in :func:`minimum_detectable`.
    n_sim : int
        Simulated audits per input.
    random_state : int, numpy.random.Generator or None
        Seed or generator.
    exact_small : bool
        Use Fisher's exact test for small cells, as the audit does (False: always the score
        test, to check the normal approximation).

    Returns
    -------
    SimulatedPower

    Examples
    --------
    >>> sim = simulate_power(763, 6871, 0.05, 1.5, n_sim=4000)  # sample_size(0.05, 1.5, 0.1)
    >>> round(float(sim.power), 2)
    0.8
    >>> small = simulate_power(30, 300, 0.05, 4.0, n_sim=2000)
    >>> bool(small.fisher_share > 0.5)
    True
    """
    a = per_comparison_alpha(alpha, comparisons, correction)
    n1 = _check_counts("n_group", n_group)
    n0 = _check_counts("n_reference", n_reference)
    p0 = _check_open_unit("reference_rate", reference_rate)
    ratio = _check_ratio(ratio, p0, allow_one=True)
    if isinstance(n_sim, bool) or not isinstance(n_sim, (int, np.integer)) or n_sim < 1:
        raise _bad("n_sim", "err_power_positive_int", value=n_sim)
    rng = np.random.default_rng(random_state)
    n1, n0, p0, ratio = np.broadcast_arrays(n1, n0, p0, ratio)
    p1 = np.minimum(ratio * p0, 1.0)
    shape = (int(n_sim),) + p0.shape
    x1 = rng.binomial(np.broadcast_to(n1, shape), np.broadcast_to(p1, shape))
    x0 = rng.binomial(np.broadcast_to(n0, shape), np.broadcast_to(p0, shape))
    pvals, exact = _audit_test_p_values(x1, n1, x0, n0, exact_small)
    diff = x1 / n1 - x0 / n0
    sign = np.sign(ratio - 1)
    right_way = np.where(sign == 0, True, np.sign(diff) == sign)
    detected = (pvals <= a) & right_way
    pw = detected.mean(axis=0)
    return SimulatedPower(
        power=_scalar(pw),
        standard_error=_scalar(np.sqrt(pw * (1 - pw) / n_sim)),
        fisher_share=_scalar(exact.mean(axis=0)),
        alpha=a,
        n_sim=int(n_sim),
    )
