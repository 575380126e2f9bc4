r"""Statistical power: the smallest disparity an audit could see, and how much data it needs.

"No significant disparity" is not "no disparity": with small groups even a large disparity
goes unnoticed. This module answers two questions with the same test the audit uses.

1. **Minimum detectable disparity** (:func:`minimum_detectable`, :func:`detectable`): given a
   group's size, its reference's size and the reference's selection rate, the smallest
   selection-rate *ratio* (group / reference) -- and the matching difference -- that the
   audit's test would flag with probability ``power`` (80% by default).
2. **Sample size** (:func:`sample_size`): how many files (or control records) an audit needs
   to detect a given ratio.

The test and its power
----------------------
A comparison has ``x1`` selected among ``n1`` members of the group (true rate ``p1``) and
``x0`` among ``n0`` members of the reference (true rate ``p0``). The audit tests ``p1 = p0``
with the two-sided **score test** (pooled two-proportion z test, i.e. Pearson's chi-square
without continuity correction)::

    Z = (x1/n1 - x0/n0) / sqrt(pbar (1 - pbar) (1/n1 + 1/n0)),   pbar = (x1 + x0) / (n1 + n0)

and rejects when ``|Z| >= z``, ``z = Phi^-1(1 - a/2)`` at the per-comparison level ``a``.
Under the alternative the pooled rate tends to ``pbar = (n1 p1 + n0 p0) / (n1 + n0)`` and the
difference ``d = p1 - p0`` is approximately normal with standard deviation::

    s_alt  = sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0)           (unpooled: the truth)
    s_null = sqrt(pbar (1 - pbar) (1/n1 + 1/n0))                   (pooled: the test's scale)

so the probability that the audit flags the disparity **in its true direction** is::

    power = Phi((|d| - z * s_null) / s_alt)                        (formula P)

This is statsmodels' ``power_proportions_2indep`` (which uses the same pooled null and
unpooled alternative variances) for a one-sided alternative at level ``a/2``. The textbook
two-sided power adds the probability of flagging a disparity in the *wrong* direction,
``Phi((-|d| - z s_null) / s_alt)``. An audit that "detects" a disparity in the wrong
direction has not detected it, so that term is left out (``two_tailed=True`` in
:func:`analytic_power` includes it); at 80% power it is below 0.0005 unless cells are small
(see below), where the normal approximation itself fails.

*Minimum detectable ratio.* For ``direction="increase"`` the smallest ``p1 > p0`` at which
formula P reaches ``power`` is found by a vectorised root search (a geometric grid brackets
the first crossing, then bisection to machine precision); the ratio is ``p1 / p0`` and the
difference ``p1 - p0``. ``direction="decrease"`` gives the largest ``p1 < p0``. When even
``p1 = 1`` (or ``p1 = 0``) does not reach the power, nothing is detectable and the result is
NaN with reason ``"undetectable"``.

*Sample size.* With a total of ``N`` files of which a share ``g`` belongs to the group
(``n1 = g N``, ``n0 = (1 - g) N``), formula P solved for ``N`` is closed-form (Fleiss'
formula without continuity correction; statsmodels' ``samplesize_proportions_2indep_onetail``
returns ``n1 = g N``)::

    N = (z * sqrt(pbar (1 - pbar) / (g (1 - g))) + z_pow * sqrt(p1 q1 / g + p0 q0 / (1 - g)))^2
        / (p1 - p0)^2,        pbar = g p1 + (1 - g) p0,  q = 1 - p,  z_pow = Phi^-1(power)

*Arcsine variant* (``method="arcsine"``). Planning tools often use Cohen's effect size
``h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p0))`` with power ``Phi(|h| sqrt(n1 n0 / (n1 + n0)) - z)``.
This is exactly statsmodels' ``NormalIndPower`` with ``proportion_effectsize`` (one-sided at
level ``a/2``); it is offered for comparison only, since it is not the audit's test.

Multiple comparisons
--------------------
The audit adjusts p-values over all its ``m`` comparisons. The per-comparison level used
here (:func:`per_comparison_alpha`) is

* ``"holm"`` and ``"bonferroni"``: ``alpha / m``. For Bonferroni this is exact. Holm compares
  the smallest p-value with ``alpha / m`` and later ones with ``alpha / (m - 1)``, ...,
  ``alpha``; which threshold a comparison meets depends on the other comparisons, so the
  first, strictest step is used: a conservative (never optimistic) answer.
* ``"bh"`` (Benjamini-Hochberg): also ``alpha / m``, the threshold when this comparison is the
  only real disparity among the ``m``. When ``k`` comparisons are real disparities, BH
  rejects at up to ``k alpha / m``, so the figure is conservative; the optimistic bound is the
  value with ``correction="none"``.
* ``"none"``: ``alpha``.

Small cells and weights
-----------------------
When an expected cell count of the 2x2 table is below 5 the audit uses Fisher's exact test,
whose power formula P only approximates; results flag these cases in ``small_cells``, and
:func:`simulate_power` computes the power of the actual test by simulation. For weighted
data pass Kish's effective sample sizes as ``n_group`` and ``n_reference`` (non-integer sizes
are accepted by the analytic functions).

Control-log audits
------------------
A control log lists controlled files, a share ``r`` (``random_share``) picked at random and
the rest picked by the score. The audit compares a group's share among score-picked controls
(``q1``) with its share among random controls (``q0``, which estimates the group's population
share ``g``), with the same two-proportion test on ``n1 = (1 - r) M`` and ``n0 = r M``
records. If the score selects the group at ``rho`` times the rate of the rest of the
population, Bayes' rule gives::

    q0 = g,     q1 = g rho / (g rho + 1 - g),   i.e.  rho = [q1 / (1 - q1)] / [q0 / (1 - q0)]

(``rho`` is the odds ratio of group membership between score-picked and random controls), and
the number of control records ``M`` follows from the sample-size formula with ``p1 = q1``,
``p0 = q0`` and ``g`` replaced by the share ``1 - r`` of score-picked records.

Examples
--------
>>> from scoreaudit import power
>>> int(power.sample_size(reference_rate=0.05, ratio=1.5, group_share=0.1))
7634
>>> res = power.detectable(7634, group_share=0.1, reference_rate=0.05)
>>> round(float(res.ratio), 3)
1.5
>>> power.explain_detectable(1.43)
'With these group sizes, a ratio below 1.4 could not have been detected (80% power, 5% level).'
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from scoreaudit.core.warning import warning
from scoreaudit.errors import DataError
from scoreaudit.stats._power_checks import (
    MIN_EXPECTED,
    Correction,
    Direction,
    Method,
    _as_float_nan,
    _check_choice,
    _check_open_unit,
    _check_positive,
    _check_probability,
    _check_ratio,
    _scalar,
    per_comparison_alpha,
)
from scoreaudit.stats.power_simulation import SimulatedPower, simulate_power
from scoreaudit.stats.power_simulation import _audit_test_p_values as _audit_test_p_values
from scoreaudit.stats.power_simulation import fisher_exact_p_values as fisher_exact_p_values
from scoreaudit.stats.power_text import explain_detectable

__all__ = [
    "MinimumDetectable",
    "SimulatedPower",
    "SmallCellsWarning",
    "analytic_power",
    "detectable",
    "explain_detectable",
    "minimum_detectable",
    "per_comparison_alpha",
    "sample_size",
    "simulate_power",
    "small_cell_risk",
]


_GRID = np.concatenate([[0.0], np.geomspace(1e-12, 1.0, 290)])  # factor ~1.1 between points


_BISECTIONS = 60


REASONS = {
    "": "detectable",
    "undetectable": "even the most extreme rate (1 for an increase, 0 for a decrease) would be "
    "detected with less than the requested power",
    "invalid": "invalid input (size not positive or reference rate not strictly between 0 and "
    "1); only with errors='nan'",
}


"""Meaning of the ``reason`` codes of :class:`MinimumDetectable`."""


class SmallCellsWarning(UserWarning):
    """A planned audit is so small that the audit's exact test, not formula P, applies."""


# --------------------------------------------------------------------------------------------
# analytic power


def _score_power(n1, n0, p1, p0, z, two_tailed: bool = False):
    """Formula P (see module docstring); arrays broadcast."""
    d = np.abs(p1 - p0)
    w1 = n1 / (n1 + n0)
    pbar = w1 * p1 + (1 - w1) * p0
    s_null = np.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n0))
    s_alt = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = special.ndtr((d - z * s_null) / s_alt)
        if two_tailed:
            out = out + special.ndtr((-d - z * s_null) / s_alt)
    return out


def _arcsine_power(n1, n0, p1, p0, z, two_tailed: bool = False):
    h = np.abs(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p0)))
    root_n = np.sqrt(n1 * n0 / (n1 + n0))
    out = special.ndtr(h * root_n - z)
    if two_tailed:
        out = out + special.ndtr(-h * root_n - z)
    return out


def analytic_power(
    n_group,
    n_reference,
    reference_rate,
    ratio,
    *,
    alpha: float = 0.05,
    comparisons: int = 1,
    correction: Correction = "holm",
    method: Method = "score",
    two_tailed: bool = False,
):
    """Normal-approximation power of the audit's test for a planted ratio (vectorised).

    Parameters
    ----------
    n_group, n_reference : array_like
        Sizes of the group and of its reference (Kish effective sizes for weighted data).
    reference_rate : array_like
        Selection rate of the reference, strictly between 0 and 1.
    ratio : array_like
        True ratio of the group's selection rate to the reference's.
    alpha, comparisons, correction
        Family-wise level and multiple-testing correction of the audit; the comparison is
        tested at :func:`per_comparison_alpha`.
    method : {"score", "arcsine"}
        ``"score"``: formula P of the module docstring (the audit's test). ``"arcsine"``:
        Cohen's h approximation (statsmodels' ``NormalIndPower``).
    two_tailed : bool
        Also count rejections in the wrong direction (the textbook two-sided power, as in
        statsmodels' ``power_proportions_2indep(..., alternative="two-sided")``).

    Returns
    -------
    numpy.ndarray or numpy scalar
        Probability that the audit flags the disparity (in its true direction).

    Examples
    --------
    >>> round(float(analytic_power(2000, 18000, 0.05, 1.3)), 3)
    0.798
    """
    a = per_comparison_alpha(alpha, comparisons, correction)
    method = _check_choice("method", method, ("score", "arcsine"))
    n1 = _check_positive("n_group", n_group)
    n0 = _check_positive("n_reference", n_reference)
    p0 = _check_open_unit("reference_rate", reference_rate)
    ratio = _check_ratio(ratio, p0, allow_one=True)
    z = special.ndtri(1 - a / 2)
    fn = _score_power if method == "score" else _arcsine_power
    return _scalar(np.asarray(fn(n1, n0, ratio * p0, p0, z, two_tailed)))


# --------------------------------------------------------------------------------------------
# minimum detectable disparity


@dataclass(frozen=True)
class MinimumDetectable:
    """Minimum detectable disparity of each comparison (arrays broadcast to one shape).

    Attributes
    ----------
    ratio : numpy.ndarray
        Smallest ratio ``p1 / p0`` (largest, for ``direction="decrease"``) detected with the
        requested power; NaN where nothing is detectable (see ``reason``).
    difference : numpy.ndarray
        The matching difference ``p1 - p0`` (negative for a decrease).
    group_rate : numpy.ndarray
        The matching group rate ``p1``.
    reason : numpy.ndarray
        ``""`` where detectable, else a code explained in :data:`REASONS`
        (``"undetectable"``, ``"invalid"``).
    small_cells : numpy.ndarray
        True where, at the detectable rate, an expected cell count is often (10% of audits or
        more) below 5 (:func:`small_cell_risk`): the audit would then use Fisher's exact test,
        so the figure is optimistic (check with :func:`simulate_power`).
    alpha : float
        Per-comparison level used (after the correction).
    power : float
        Requested power.
    direction : str
        ``"increase"`` or ``"decrease"``.
    method : str
        ``"score"`` or ``"arcsine"``.
    """

    ratio: np.ndarray
    difference: np.ndarray
    group_rate: np.ndarray
    reason: np.ndarray
    small_cells: np.ndarray
    alpha: float
    power: float
    direction: str
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per comparison (arrays flattened in C order).

        Examples
        --------
        >>> minimum_detectable([500, 5000], 20000, 0.1).to_frame().columns.tolist()
        ['min_detectable_ratio', 'min_detectable_difference', 'group_rate', 'reason', 'small_cells']
        """
        return pd.DataFrame(
            {
                "min_detectable_ratio": np.ravel(self.ratio),
                "min_detectable_difference": np.ravel(self.difference),
                "group_rate": np.ravel(self.group_rate),
                "reason": np.ravel(self.reason),
                "small_cells": np.ravel(self.small_cells),
            }
        )


def _first_crossing(power_of_t, target: float, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Smallest t in [0, 1] with power_of_t(t) >= target, vectorised over ``shape``.

    ``power_of_t`` maps an array broadcastable against ``shape`` to powers. A geometric grid
    brackets the first crossing, bisection then narrows it to machine precision. Returns
    ``(t, found)``; ``t`` is NaN where no t reaches the target.
    """
    grid = _GRID.reshape((-1,) + (1,) * len(shape))
    ok = power_of_t(grid) >= target  # (G, *shape)
    found = ok.any(axis=0)
    idx = np.argmax(ok, axis=0)
    hi = _GRID[idx]
    lo = _GRID[np.maximum(idx - 1, 0)]
    lo = np.where(idx == 0, hi, lo)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        up = power_of_t(mid) >= target
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
    return np.where(found, hi, np.nan), found


def minimum_detectable(
    n_group,
    n_reference,
    reference_rate,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    comparisons: int = 1,
    correction: Correction = "holm",
    direction: Direction = "increase",
    method: Method = "score",
    errors: Literal["raise", "nan"] = "raise",
) -> MinimumDetectable:
    """Smallest disparity the audit's test would detect with the given power (vectorised).

    Parameters
    ----------
    n_group, n_reference : array_like
        Sizes of the group and of its reference (the rest of the population or another
        group); Kish effective sizes for weighted data. Broadcast together with
        ``reference_rate``.
    reference_rate : array_like
        The reference's selection rate ``p0``, strictly between 0 and 1.
    alpha : float
        Family-wise significance level of the audit (``1 - confidence``).
    power : float
        Requested probability of detecting the disparity.
    comparisons : int
        Number of comparisons in the audit (the multiple-testing family).
    correction : {"holm", "bonferroni", "bh", "fdr_bh", "none"}
        The audit's correction; the comparison is tested at ``alpha / comparisons`` except for
        ``"none"`` (see :func:`per_comparison_alpha`).
    direction : {"increase", "decrease"}
        ``"increase"``: the group selected more than the reference (ratio > 1, the smallest
        detectable ratio). ``"decrease"``: selected less (ratio < 1, the largest detectable).
    method : {"score", "arcsine"}
        Power formula: the audit's score test (default) or Cohen's h (for comparison).
    errors : {"raise", "nan"}
        Non-positive sizes or reference rates outside (0, 1) raise :class:`DataError`
        (``"raise"``) or give NaN with reason ``"invalid"`` (``"nan"``, handy when filling a
        table of comparisons some of which are degenerate).

    Returns
    -------
    MinimumDetectable
        ``ratio``, ``difference``, ``group_rate``, ``reason`` and ``small_cells`` arrays.
        NaN with reason ``"undetectable"`` where even a group rate of 1 (0 for a decrease)
        would be detected with less than ``power``: the groups are too small for any
        disparity to be seen at this level.

    Examples
    --------
    >>> res = minimum_detectable([200, 2000, 20000], 100000, 0.05)
    >>> res.ratio.round(2)
    array([1.96, 1.29, 1.1 ])
    >>> res.difference.round(4)
    array([0.048 , 0.0143, 0.0048])
    >>> float(minimum_detectable(2000, 100000, 0.05, direction="decrease").ratio.round(2))
    0.74
    >>> minimum_detectable(3, 5, 0.2).reason
    'undetectable'
    """
    a = per_comparison_alpha(alpha, comparisons, correction)
    power = _check_probability("power", power)
    direction = _check_choice("direction", direction, ("increase", "decrease"))
    method = _check_choice("method", method, ("score", "arcsine"))
    errors = _check_choice("errors", errors, ("raise", "nan"))
    if errors == "raise":
        n1 = _check_positive("n_group", n_group)
        n0 = _check_positive("n_reference", n_reference)
        p0 = _check_open_unit("reference_rate", reference_rate)
    else:
        n1, n0, p0 = (
            _as_float_nan(name, v)
            for name, v in (
                ("n_group", n_group),
                ("n_reference", n_reference),
                ("reference_rate", reference_rate),
            )
        )
    n1, n0, p0 = np.broadcast_arrays(n1, n0, p0)
    invalid = ~((n1 > 0) & np.isfinite(n1) & (n0 > 0) & np.isfinite(n0) & (p0 > 0) & (p0 < 1))
    if invalid.any():  # placeholders keep the arithmetic quiet; overwritten below
        n1, n0, p0 = (np.where(invalid, fill, v) for v, fill in ((n1, 1.0), (n0, 1.0), (p0, 0.5)))
    z = special.ndtri(1 - a / 2)
    sign = 1.0 if direction == "increase" else -1.0
    span = 1 - p0 if direction == "increase" else p0  # p1 = p0 + sign * span * t, t in [0, 1]

    if method == "score":
        t, found = _first_crossing(
            lambda t: _score_power(n1, n0, p0 + sign * span * t, p0, z), power, p0.shape
        )
        p1 = p0 + sign * span * t
    else:  # closed form: |h| = (z + z_power) / sqrt(n1 n0 / (n1 + n0))
        h = (z + special.ndtri(power)) / np.sqrt(n1 * n0 / (n1 + n0))
        phi = np.arcsin(np.sqrt(p0)) + sign * h / 2
        found = (phi >= 0) & (phi <= np.pi / 2)
        p1 = np.where(found, np.sin(np.clip(phi, 0, np.pi / 2)) ** 2, np.nan)
    p1 = np.where(invalid, np.nan, p1)
    found = found & ~invalid
    reason = np.where(invalid, "invalid", np.where(found, "", "undetectable")).astype(object)
    with np.errstate(invalid="ignore"):
        small = found & small_cell_risk(n1, n0, np.where(found, p1, p0), p0)
    return MinimumDetectable(
        ratio=_scalar(p1 / p0),
        difference=_scalar(p1 - p0),
        group_rate=_scalar(p1),
        reason=_scalar(reason),
        small_cells=_scalar(small),
        alpha=a,
        power=power,
        direction=direction,
        method=method,
    )


def small_cell_risk(n_group, n_reference, group_rate, reference_rate) -> np.ndarray:
    """Whether the audit would use Fisher's exact test in 10% or more of audits (vectorised).

    The audit uses Fisher's exact test when the smallest expected cell count of the 2x2 table,
    ``min(n1, n0) * min(t, N - t) / N`` with ``t`` selected files among ``N = n1 + n0``, is
    below 5. ``t`` has mean ``N pbar`` and variance ``n1 p1 (1 - p1) + n0 p0 (1 - p0)``; the
    risk is flagged when the mean expected count minus 1.28 standard deviations (its 10%
    quantile, normal approximation) is below 5. Formula P is then optimistic: Fisher's test
    is more conservative than the score test.

    Examples
    --------
    >>> small_cell_risk([40, 4000], [4000, 40000], 0.15, 0.05).tolist()
    [True, False]
    """
    n1, n0, p1, p0 = (
        np.asarray(v, dtype=float) for v in (n_group, n_reference, group_rate, reference_rate)
    )
    total = n1 + n0
    pbar = (n1 * p1 + n0 * p0) / total
    scale = np.minimum(n1, n0) / total
    mean = scale * total * np.minimum(pbar, 1 - pbar)
    sd = scale * np.sqrt(n1 * p1 * (1 - p1) + n0 * p0 * (1 - p0))
    return mean - 1.2816 * sd < MIN_EXPECTED


# --------------------------------------------------------------------------------------------
# planning: sample size and its inverse


def _required_total(p1, p0, w1, z, z_power, method: str = "score"):
    """Real-valued total size N such that formula P equals the power (n1 = w1 N, n0 = (1-w1) N)."""
    w0 = 1 - w1
    if method == "arcsine":
        h = 2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p0))
        return ((z + z_power) / h) ** 2 / (w1 * w0)
    pbar = w1 * p1 + w0 * p0
    root = z * np.sqrt(pbar * (1 - pbar) / (w1 * w0)) + z_power * np.sqrt(
        p1 * (1 - p1) / w1 + p0 * (1 - p0) / w0
    )
    return (root / (p1 - p0)) ** 2


def _control_log_shares(ratio, group_share):
    """Group's share among score-picked controls for a selection ratio (Bayes' rule)."""
    return group_share * ratio / (group_share * ratio + 1 - group_share)


def sample_size(
    reference_rate,
    ratio,
    group_share,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    comparisons: int = 1,
    correction: Correction = "holm",
    random_share=None,
    method: Method = "score",
):
    """Number of files (or control records) an audit needs to detect a given ratio.

    **Population audit** (``random_share=None``): the audit sees ``N`` files, a share
    ``group_share`` of which belongs to the group, the rest to its reference: ``n_group =
    group_share * N`` and ``n_reference = (1 - group_share) * N``. When the reference is the
    rest of the population, ``N`` is the population size and ``group_share`` the group's share
    of it; when the reference is another group, ``N`` counts the two groups only and
    ``group_share`` is the group's share of the two. The group's selection rate is ``ratio *
    reference_rate``. Returns the smallest integer ``N`` at which the audit's test detects the
    disparity (in its direction) with probability ``power`` (formula P of the module
    docstring, solved in closed form).

    **Control-log audit** (``random_share`` given): returns the number ``M`` of control
    records, of which a share ``random_share`` was picked at random and the rest by the score;
    ``group_share`` is the group's share of the population (hence of random controls) and
    ``ratio`` the group's selection rate relative to the rest of the population, i.e. the odds
    ratio of group membership between score-picked and random controls. The test compares the
    group's share among score-picked controls, ``q1 = g ratio / (g ratio + 1 - g)``, with its
    share among random controls, ``q0 = g``; ``reference_rate`` is not needed (pass ``None``) and
    only used to check that ``ratio * reference_rate <= 1``.

    Parameters
    ----------
    reference_rate : array_like or None
        Selection rate of the reference, strictly between 0 and 1.
    ratio : array_like
        Ratio of the group's selection rate to the reference's to detect (not 1; below 1 for
        a group selected less).
    group_share : array_like
        Share of the group, strictly between 0 and 1 (see above).
    alpha, power, comparisons, correction
        As in :func:`minimum_detectable`.
    random_share : float, optional
        Share of random controls in a control log, strictly between 0 and 1.
    method : {"score", "arcsine"}
        Power formula (see :func:`minimum_detectable`).

    Returns
    -------
    int or numpy.ndarray of int
        Total number of files (population audit) or of control records (control-log audit).

    Warns
    -----
    SmallCellsWarning
        When an expected cell count at this size is below 5: the audit then uses Fisher's
        exact test, whose power the normal approximation overstates (simulated power of
        66-77% instead of 80% in ``benchmarks/power_simulation.py``); check the figure with
        :func:`simulate_power` and plan more files.

    Examples
    --------
    >>> int(sample_size(0.05, 1.5, 0.1))
    7634
    >>> int(sample_size(0.05, 1.5, 0.1, comparisons=20))
    14160
    >>> sample_size(0.05, [1.25, 1.5, 2.0], 0.1).tolist()
    [28582, 7634, 2137]
    >>> int(sample_size(None, 1.5, 0.1, random_share=0.2))
    2942
    """
    a = per_comparison_alpha(alpha, comparisons, correction)
    power = _check_probability("power", power)
    method = _check_choice("method", method, ("score", "arcsine"))
    g = _check_open_unit("group_share", group_share)
    if reference_rate is None:
        if random_share is None:
            raise DataError.from_key("err_power_reference_rate_missing")
        p0 = None
    else:
        p0 = _check_open_unit("reference_rate", reference_rate)
    ratio = _check_ratio(ratio, p0, allow_one=False)
    z, z_power = special.ndtri(1 - a / 2), special.ndtri(power)
    if random_share is None:
        p1, p0_, w1 = ratio * p0, p0, g
    else:
        r = _check_open_unit("random_share", random_share)
        p1, p0_, w1 = _control_log_shares(ratio, g), g, 1 - r
    total = _required_total(p1, p0_, w1, z, z_power, method)
    # guard against 7634.000000000002 -> 7635: round to 9 significant digits first
    total = np.ceil(np.asarray(_round_sig(total, 9)))
    total = np.maximum(total, 2).astype(np.int64)
    small = np.asarray(small_cell_risk(w1 * total, (1 - w1) * total, p1, p0_))
    if small.any():
        first = np.broadcast_to(total, small.shape)[small].flat[0]
        text = warning("power_small_cells", small=int(small.sum()), size=small.size, first=first)
        warnings.warn(text, SmallCellsWarning, stacklevel=2)
    return _scalar(total)


def _round_sig(x: np.ndarray, digits: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(x > 0, np.floor(np.log10(np.where(x > 0, x, 1.0))), 0.0)
    scale = 10.0 ** (digits - 1 - mag)
    return np.round(x * scale) / scale


def detectable(
    n,
    group_share,
    reference_rate=None,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    comparisons: int = 1,
    correction: Correction = "holm",
    direction: Direction = "increase",
    random_share=None,
    method: Method = "score",
) -> MinimumDetectable:
    """Smallest ratio an audit of ``n`` files (or control records) detects: inverse of
    :func:`sample_size`.

    Population audit: ``n_group = group_share * n``, ``n_reference = (1 - group_share) * n``
    and the result is :func:`minimum_detectable` for these sizes. Control-log audit
    (``random_share`` given): ``n`` control records, the group's share among random controls
    is ``group_share``; the result's ``ratio`` is the group's selection rate relative to the
    rest of the population (the odds ratio of group membership between score-picked and random
    controls, see :func:`sample_size`). ``difference`` and ``group_rate`` are then given only
    if ``reference_rate`` (the rest's selection rate) is, and are NaN otherwise.

    Examples
    --------
    >>> float(detectable(7634, 0.1, 0.05).ratio.round(3))
    1.5
    >>> detectable([5000, 50000], 0.1, 0.05).ratio.round(2)
    array([1.63, 1.19])
    >>> float(detectable(2942, 0.1, random_share=0.2).ratio.round(3))
    1.5
    """
    n = _check_positive("n", n)
    g = _check_open_unit("group_share", group_share)
    if random_share is None:
        if reference_rate is None:
            raise DataError.from_key("err_power_reference_rate_missing")
        return minimum_detectable(
            g * n,
            (1 - g) * n,
            reference_rate,
            alpha=alpha,
            power=power,
            comparisons=comparisons,
            correction=correction,
            direction=direction,
            method=method,
        )
    r = _check_open_unit("random_share", random_share)
    p0 = None if reference_rate is None else _check_open_unit("reference_rate", reference_rate)
    shares = minimum_detectable(
        (1 - r) * n,
        r * n,
        np.broadcast_to(g, np.broadcast_shapes(g.shape, r.shape, n.shape)),
        alpha=alpha,
        power=power,
        comparisons=comparisons,
        correction=correction,
        direction=direction,
        method=method,
    )
    q1 = np.asarray(shares.group_rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = q1 * (1 - g) / (g * (1 - q1))
    reason = np.asarray(shares.reason, dtype=object).copy()
    if p0 is None:
        rate = np.full(rho.shape, np.nan)
    else:
        rate = rho * p0
        too_big = np.isfinite(rate) & (rate > 1)
        reason = np.where(too_big, "undetectable", reason).astype(object)
        rho = np.where(too_big, np.nan, rho)
        rate = np.where(too_big, np.nan, rate)
    return MinimumDetectable(
        ratio=_scalar(np.asarray(rho)),
        difference=_scalar(np.asarray(rate - (np.nan if p0 is None else p0))),
        group_rate=_scalar(np.asarray(rate)),
        reason=_scalar(np.asarray(reason)),
        small_cells=shares.small_cells,
        alpha=shares.alpha,
        power=shares.power,
        direction=shares.direction,
        method=shares.method,
    )
