"""Planted-bias scenarios: scores whose per-group distribution, hence true ratio, is known.

In scenario ``"planted"`` (and ``"neutral"``) :func:`~scoreaudit.synthetic.c2sg_population`
adds a column ``score = Z + shift(gender) + shift(family_status)`` with ``Z ~ Normal(0, 1)``
independent of everything else and the shifts given by ``planted_effects`` (all 0 in
``"neutral"``). Gender and household type are drawn from known probabilities (the
``family_status_shares`` and ``woman_share_by_status`` parameters), so the score of a
random file is an exactly known mixture of normal distributions, cell by cell.

What "the true ratio" means
---------------------------
The audit of a sample of ``n`` files controls the top ``budget`` share of *that sample*. As
``n`` grows, the sample's score cutoff converges to the population quantile ``t`` solving
``sum_cells pi_c * P(Z + mu_c >= t) = budget`` and each group's selection rate to
``P(selected | group) = sum_{c in group} pi_c * sf(t - mu_c) / sum_{c in group} pi_c``.
The true ratio is the ratio of these population (super-population) rates for a group and
its reference, at the population cutoff ``t``. A finite sample's own ratio scatters around
it because of (i) the binomial noise of who is selected, (ii) the sampling of the group
shares and (iii) the sampling of the cutoff; an audit interval for the selection-rate ratio
should cover the true ratio at about its nominal rate. With a fixed ``threshold`` instead
of a budget, ``t`` is the threshold and (iii) disappears.

With ``planted_effects={"family_status": {"single_parent": 0.5}}`` the score never reads
gender, yet the true gender ratio is above 1 (85% of single parents are women): a proxy
disparity with a known size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from scoreaudit.errors import DataError, PolicyError
from scoreaudit.synthetic import constants as C
from scoreaudit.synthetic._params import C2SGParameters


def planted_cells(**parameters: Any) -> pd.DataFrame:
    """Population probability and score mean of every (gender, family_status) cell.

    Parameters
    ----------
    **parameters
        The same parameters as :func:`~scoreaudit.synthetic.c2sg_population` (only
        ``family_status_shares``, ``woman_share_by_status``, ``scenario`` and
        ``planted_effects`` matter). ``scenario`` defaults to "planted".

    Returns
    -------
    pandas.DataFrame
        Columns ``gender``, ``family_status``, ``probability`` (sums to 1) and ``mean``
        (the score is Normal(mean, 1) within the cell).

    Examples
    --------
    >>> cells = planted_cells()
    >>> round(float(cells["probability"].sum()), 12)
    1.0
    """
    parameters.setdefault("scenario", "planted")
    p = C2SGParameters.from_overrides(**parameters)
    effects = p.effective_planted_effects()
    g_eff = effects.get("gender", {})
    s_eff = effects.get("family_status", {})
    rows = []
    for s in C.FAMILY_STATUSES:
        w = p.woman_share_by_status[s]
        for g, pg in (("woman", w), ("man", 1 - w)):
            rows.append(
                {
                    "gender": g,
                    "family_status": s,
                    "probability": p.family_status_shares[s] * pg,
                    "mean": float(g_eff.get(g, 0.0)) + float(s_eff.get(s, 0.0)),
                }
            )
    return pd.DataFrame(rows)


def population_cutoff(budget: float = 0.05, **parameters: Any) -> float:
    """Score cutoff ``t`` above which exactly ``budget`` of the population lies.

    Solves ``sum_c pi_c * sf(t - mu_c) = budget`` to ~1e-13 (Brent's method).

    Examples
    --------
    >>> round(population_cutoff(0.05, scenario="neutral"), 6)  # the N(0, 1) 95% quantile
    1.644854
    """
    budget = _check_budget(budget)
    cells = planted_cells(**parameters)
    pi = cells["probability"].to_numpy()
    mu = cells["mean"].to_numpy()

    def excess(t: float) -> float:
        return float(np.dot(pi, norm.sf(t - mu))) - budget

    lo, hi = mu.min() - 40.0, mu.max() + 40.0
    return float(brentq(excess, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500))


def true_selection_rates(
    attribute: str = "gender",
    budget: float | None = 0.05,
    threshold: float | None = None,
    **parameters: Any,
) -> pd.Series:
    """Population selection rate of each group of ``attribute`` under a planted score.

    Parameters
    ----------
    attribute : {"gender", "family_status"}
        The grouping attribute (these two have an exactly known joint distribution).
    budget : float, default 0.05
        Share of files selected (top scores). Ignored when ``threshold`` is given.
    threshold : float, optional
        Select files with ``score >= threshold`` instead of a budget.
    **parameters
        Generator parameters (``scenario`` defaults to "planted").

    Returns
    -------
    pandas.Series
        Selection rate per group, indexed by group.

    Examples
    --------
    >>> rates = true_selection_rates("gender", budget=0.05, scenario="neutral")
    >>> [round(float(r), 6) for r in rates]
    [0.05, 0.05]
    """
    if attribute not in C.PLANTED_ATTRIBUTES:
        raise DataError.from_key(
            "err_synth_truth_attribute",
            attribute=attribute,
            valid=", ".join(map(repr, C.PLANTED_ATTRIBUTES)),
        )
    cells = planted_cells(**dict(parameters))
    if threshold is None:
        if budget is None:
            raise PolicyError.from_key("err_synth_truth_no_policy")
        t = population_cutoff(budget, **dict(parameters))
    else:
        t = float(threshold)
        if not np.isfinite(t):
            raise PolicyError.from_key("err_synth_truth_threshold", threshold=threshold)
    cells["selected"] = cells["probability"] * norm.sf(t - cells["mean"])
    groups = C.GENDERS if attribute == "gender" else C.FAMILY_STATUSES
    sums = cells.groupby(attribute)[["selected", "probability"]].sum().reindex(list(groups))
    rates = sums["selected"] / sums["probability"]
    rates.name = "selection_rate"
    return rates


def true_selection_ratio(
    group: str = "woman",
    reference: str = "man",
    attribute: str = "gender",
    budget: float | None = 0.05,
    threshold: float | None = None,
    **parameters: Any,
) -> float:
    """True population selection-rate ratio ``rate(group) / rate(reference)``.

    This is the ratio an audit of a large planted population must recover: the ratio of
    the population selection rates at the population cutoff for ``budget`` (or at the
    fixed ``threshold``). See the module docstring for the finite-sample meaning.

    Parameters
    ----------
    group, reference : str
        Groups of ``attribute`` (e.g. "woman" and "man").
    attribute : {"gender", "family_status"}
    budget : float, default 0.05
    threshold : float, optional
    **parameters
        Generator parameters; ``scenario`` defaults to "planted" (default effect: women's
        scores shifted by +0.4). ``scenario="neutral"`` gives exactly 1.

    Returns
    -------
    float

    Examples
    --------
    >>> round(true_selection_ratio(budget=0.05), 3)
    2.341
    >>> true_selection_ratio(budget=0.05, scenario="neutral")
    1.0
    """
    rates = true_selection_rates(attribute, budget=budget, threshold=threshold, **parameters)
    for name, value in (("group", group), ("reference", reference)):
        if value not in rates.index:
            raise DataError.from_key(
                "err_synth_truth_group",
                name=name,
                value=value,
                attribute=attribute,
                groups=", ".join(map(str, rates.index)),
            )
    return float(rates[group] / rates[reference])


def _check_budget(budget: float) -> float:
    try:
        b = float(budget)
    except (TypeError, ValueError):
        raise PolicyError.from_key("err_synth_truth_budget", budget=budget) from None
    if not 0 < b < 1:
        raise PolicyError.from_key("err_synth_truth_budget", budget=budget)
    return b
