"""Generator of synthetic C2SG beneficiary households (one row per household file).

The generative story, step by step (each step has its own random stream, spawned from the
seed, so changing one parameter leaves the draws of unrelated steps unchanged):

1. ``family_status`` from its shares (28% couples with children and 25% single parents are
   public figures; the rest is assumed).
2. The holder's ``gender`` given the household type (85% of single parents are women).
3. Children: the number born to the holder, the youngest's age and the gaps between
   births; children aged 25 or more have left the household. ``n_children``, ``n_minors``,
   ``oldest_child_age``, ``youngest_child_age`` and ``child_19_plus`` follow.
4. The holder's ``age``: with children, the oldest child's age plus the holder's age at that
   birth (fathers older); without children, a band drawn from a per-type table, then a
   uniform age in the band. ``age_band`` follows.
5. ``household_size`` (holder + partner + children + other adults) and the C2SG
   ``income_ceiling`` for that size.
6. ``activity_status`` given the age band (single mothers more often inactive),
   ``receives_rsa`` given activity (rare under 25 without children).
7. ``income_to_ceiling`` ~ Beta given activity and RSA; ``income`` = that share of the
   household's ceiling (so income grows with household size); ``income_unstable``.
8. Housing: ``monthly_rent`` (net of housing benefit) and ``rent_to_income``.
9. ``separated_recently`` and ``recent_household_change``.
10. Ground truth: ``irregular_probability`` from the true anomaly model, ``irregular`` drawn
    from it.
11. Scenarios "planted"/"neutral": a ``score`` column with a known per-group distribution.

All constants are in :mod:`scoreaudit.synthetic.constants`, with their sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from scoreaudit.errors import DataError
from scoreaudit.synthetic import constants as C
from scoreaudit.synthetic._params import C2SGParameters

_N_STREAMS = 16
_STATUS_CODE = {s: i for i, s in enumerate(C.FAMILY_STATUSES)}
_ACTIVITY_CODE = {s: i for i, s in enumerate(C.ACTIVITY_STATUSES)}


def _categorical(
    codes: np.ndarray, categories: tuple[str, ...], ordered: bool = False
) -> pd.Categorical:
    return pd.Categorical.from_codes(
        codes.astype(np.int8, copy=False), categories=list(categories), ordered=ordered
    )


def _draw_codes(u: np.ndarray, probs: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """Inverse-CDF draw of category codes from uniforms ``u``.

    ``probs`` is one probability vector (K,) or a table (G, K) indexed by ``group``.
    Vectorised without an (n, K) temporary: one comparison per category.
    """
    probs = np.asarray(probs, dtype=np.float64)
    cum = np.cumsum(probs, axis=-1)
    cum[..., -1] = np.inf  # guard against rounding: the last category takes the rest
    codes = np.zeros(u.shape[0], dtype=np.int8)
    for k in range(probs.shape[-1] - 1):
        bound = cum[k] if probs.ndim == 1 else cum[:, k][group]
        codes += u >= bound
    return codes


def ceiling_for_size(household_size: np.ndarray | int) -> np.ndarray:
    """C2SG annual income ceiling (EUR, metropolitan France, from 1 April 2023).

    Parameters
    ----------
    household_size : int or array of int
        Number of people in the household (>= 1).

    Returns
    -------
    numpy.ndarray
        9,719 EUR for one person, 14,578 for two, 17,494 for three, 20,409 for four and
        3,887 more for each further person (published amounts).

    Examples
    --------
    >>> ceiling_for_size([1, 2, 3, 4, 5])
    array([ 9719., 14578., 17494., 20409., 24296.])
    """
    size = np.asarray(household_size, dtype=np.int64)
    if np.any(size < 1):
        raise DataError.from_key("err_synth_household_size")
    table = np.asarray(C.CEILING_BY_SIZE)
    capped = np.minimum(size, 4)
    return table[capped - 1] + C.CEILING_PER_EXTRA_PERSON * np.maximum(size - 4, 0)


def _seed_streams(
    random_state: int | np.random.Generator | np.random.SeedSequence | None,
) -> list[np.random.Generator]:
    if isinstance(random_state, np.random.Generator):
        return random_state.spawn(_N_STREAMS)
    if isinstance(random_state, bool) or not (
        random_state is None or isinstance(random_state, int | np.integer | np.random.SeedSequence)
    ):
        raise DataError.from_key("err_synth_seed_type", seed=random_state)
    if isinstance(random_state, int | np.integer) and random_state < 0:
        raise DataError.from_key("err_synth_seed_negative", seed=random_state)
    seq = (
        random_state
        if isinstance(random_state, np.random.SeedSequence)
        else np.random.SeedSequence(random_state)
    )
    return [np.random.default_rng(s) for s in seq.spawn(_N_STREAMS)]


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise DataError.from_key("err_synth_n_type", n=n)
    if n <= 0:
        raise DataError.from_key("err_synth_n_positive", n=n)
    return int(n)


def c2sg_population(
    n: int = 100_000, random_state: int | np.random.Generator | None = 0, **parameters: Any
) -> pd.DataFrame:
    """Generate a synthetic population of C2SG household files.

    Parameters
    ----------
    n : int, default 100_000
        Number of households (> 0). The national C2SG order of magnitude is 6,000,000 people
        (about 2.4 million households at 2.5 people each); 6,000,000 households take about
        7 s of CPU time (``benchmarks/bench_synthetic.py``).
    random_state : int, numpy Generator or None, default 0
        Seed. The same int seed and parameters give the same frame (and byte-identical
        Parquet files).
    **parameters
        Overrides of the defaults in :class:`~scoreaudit.synthetic.C2SGParameters` (each
        default names its public source or is marked ASSUMPTION in
        :mod:`scoreaudit.synthetic.constants`). The main ones:

        ``family_status_shares`` (dict status -> share, sums to 1),
        ``woman_share_by_status`` (dict status -> P(holder is a woman)),
        ``anomaly_base_rate`` (share of irregular files, default 0.03),
        ``anomaly_coefficients`` (dict of log-odds, keys are columns or "column=value"; add
        ``"gender=woman"`` to make the truth depend on gender),
        ``anomaly_model`` (a function frame -> probabilities, replacing the logistic model),
        ``include_truth`` (bool, default True: add ``irregular`` and
        ``irregular_probability``),
        ``scenario`` ("baseline", "neutral" or "planted": the last two add a ``score`` column
        whose per-group distribution is known, see :func:`true_selection_ratio`),
        ``planted_effects`` (dict attribute -> {group: score shift}, default
        ``{"gender": {"woman": 0.4}}``), ``planted_signal`` (in [0, 1], default 0.6: how
        strongly the planted score tracks the ground truth; the score's per-group
        distribution stays exactly Normal(shift, 1) whatever its value).

    Returns
    -------
    pandas.DataFrame
        One row per household, columns: ``household_id`` (int64, 1..n), ``gender``,
        ``age``, ``age_band``, ``family_status``, ``household_size``, ``n_children``,
        ``n_minors``, ``oldest_child_age``, ``youngest_child_age``, ``child_19_plus``,
        ``activity_status``, ``receives_rsa``, ``income``, ``income_ceiling``,
        ``income_to_ceiling``, ``income_unstable``, ``monthly_rent``, ``rent_to_income``,
        ``recent_household_change``, ``separated_recently``, then (ground truth)
        ``irregular_probability``, ``irregular`` and (planted/neutral scenarios) ``score``.
        Categories are pandas Categoricals with a fixed order; 0/1 flags are int8.

    Raises
    ------
    DataError
        ``n <= 0``, a bad seed, an unknown parameter or scenario, shares that do not sum to
        1, a probability outside [0, 1]: the message names the parameter.

    Examples
    --------
    >>> import scoreaudit as sa
    >>> pop = sa.synthetic.c2sg_population(1_000, random_state=0)
    >>> pop.shape[0], pop["household_id"].is_unique
    (1000, True)
    >>> bool(pop["income_to_ceiling"].between(0, 1).all())
    True
    >>> planted = sa.synthetic.c2sg_population(1_000, random_state=0, scenario="planted")
    >>> "score" in planted.columns
    True
    """
    n = _check_n(n)
    p = C2SGParameters.from_overrides(**parameters)
    rng = _seed_streams(random_state)

    # 1. household type --------------------------------------------------------------------
    status_probs = np.array([p.family_status_shares[s] for s in C.FAMILY_STATUSES])
    status = _draw_codes(rng[0].random(n), status_probs)

    # 2. gender of the holder (code 0 = woman, 1 = man) -------------------------------------
    woman_p = np.array([p.woman_share_by_status[s] for s in C.FAMILY_STATUSES])
    woman = rng[1].random(n) < woman_p[status]
    gender = (~woman).astype(np.int8)

    # 3. children ----------------------------------------------------------------------------
    cwc, sp, oth = (_STATUS_CODE[s] for s in ("couple_with_children", "single_parent", "other"))
    u = rng[2].random((3, n))
    has_children = (
        (status == cwc) | (status == sp) | ((status == oth) & (u[0] < p.other_with_children_prob))
    )
    born_table = np.array(
        [p.children_born_shares[s] for s in ("couple_with_children", "single_parent", "other")]
    )
    born_group = np.where(status == cwc, 0, np.where(status == sp, 1, 2))
    born = _draw_codes(u[1], born_table, born_group).astype(np.int64) + 1
    a, b = p.youngest_child_beta
    kid_rows = np.flatnonzero(has_children)
    youngest = np.zeros(n)  # only meaningful where has_children
    youngest[kid_rows] = C.YOUNGEST_CHILD_MAX * rng[3].beta(a, b, size=kid_rows.size)
    gap_lo, gap_hi = p.birth_gap_range
    gap = gap_lo + (gap_hi - gap_lo) * u[2]
    # children k = 0..born-1 aged youngest + k * gap; those aged >= 25 have left.

    def _count_below(age_limit: float) -> np.ndarray:
        return np.clip(np.ceil((age_limit - youngest) / gap), 0, None).astype(np.int64)

    n_children = np.where(has_children, np.minimum(born, _count_below(C.CHILD_LEAVES_AT)), 0)
    oldest = youngest + (np.maximum(n_children, 1) - 1) * gap
    n_minors = np.minimum(n_children, _count_below(18.0))
    child_19_plus = (has_children & (oldest >= 19.0)).astype(np.int8)
    oldest_child_age = np.where(has_children, np.floor(oldest), np.nan)
    youngest_child_age = np.where(has_children, np.floor(youngest), np.nan)

    # 4. age of the holder ---------------------------------------------------------------------
    mu, sd = p.age_at_birth
    lo, hi = C.AGE_AT_BIRTH_RANGE
    at_birth = np.zeros(n)
    at_birth[kid_rows] = np.clip(rng[4].normal(mu, sd, size=kid_rows.size), lo, hi)
    at_birth += np.where(woman, 0.0, p.father_age_gap)
    age_with_children = np.floor(oldest + np.maximum(at_birth, 18.0 - oldest))
    band_table = np.array(
        [p.no_child_age_band_shares[s] for s in ("alone", "couple_no_child", "other")]
    )
    nc_group = np.where(status == _STATUS_CODE["couple_no_child"], 1, np.where(status == oth, 2, 0))
    ua = rng[5].random((2, n))
    band_nc = _draw_codes(ua[0], band_table, nc_group)
    edges = np.array([*C.AGE_BAND_EDGES, C.OLDEST_AGE + 1], dtype=np.float64)
    age_nc = np.floor(edges[band_nc] + ua[1] * (edges[band_nc + 1] - edges[band_nc]))
    age = np.clip(np.where(has_children, age_with_children, age_nc), 18, 99).astype(np.int64)
    age_band = (np.searchsorted(np.asarray(C.AGE_BAND_EDGES), age, side="right") - 1).astype(
        np.int8
    )

    # 5. household size and ceiling --------------------------------------------------------------
    other_adults = 1 + (rng[6].random(n) >= p.other_adults_shares[0]).astype(np.int64)
    adults = np.select(
        [status == _STATUS_CODE["alone"], status == sp, status == oth],
        [1, 1, 1 + other_adults],
        default=2,
    )
    household_size = adults + n_children
    ceiling = ceiling_for_size(household_size)

    # 6. activity and RSA ------------------------------------------------------------------------
    act_table = np.array([p.activity_shares_by_age_band[b] for b in C.AGE_BANDS])
    inactive = _ACTIVITY_CODE["inactive"]
    odds = p.single_mother_inactive_odds
    tilted = act_table.copy()
    q = act_table[:, inactive]
    q_new = odds * q / (1 - q + odds * q)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(q < 1, (1 - q_new) / (1 - q), 1.0)
    tilted *= scale[:, None]
    tilted[:, inactive] = q_new
    single_mother = (status == sp) & woman
    act_group = age_band.astype(np.int64) + len(C.AGE_BANDS) * single_mother
    ur = rng[7].random((2, n))
    activity = _draw_codes(ur[0], np.vstack([act_table, tilted]), act_group)
    rsa_p = np.array([p.rsa_prob_by_activity[s] for s in C.ACTIVITY_STATUSES])[activity]
    rsa_p = np.where((age < 25) & ~has_children, rsa_p * p.rsa_under_25_factor, rsa_p)
    receives_rsa = (ur[1] < rsa_p).astype(np.int8)

    # 7. income ----------------------------------------------------------------------------------
    # one Beta per (activity, RSA) cell, drawn cell by cell in a fixed order (scalar
    # parameters are faster than per-row parameter arrays)
    ratio = np.empty(n)
    cell = activity.astype(np.int64) * 2 + receives_rsa
    for act in C.ACTIVITY_STATUSES:
        for r in (0, 1):
            m, k = p.income_ratio_beta[(act, r)]
            rows = np.flatnonzero(cell == _ACTIVITY_CODE[act] * 2 + r)
            ratio[rows] = rng[8].beta(m * k, (1 - m) * k, size=rows.size)
    income = np.round(ratio * ceiling, 2)
    income_to_ceiling = income / ceiling
    unstable_p = np.array([p.income_unstable_prob[s] for s in C.ACTIVITY_STATUSES])[activity]
    income_unstable = (rng[9].random(n) < unstable_p).astype(np.int8)

    # 8. housing -----------------------------------------------------------------------------------
    uh = rng[10].random(n)
    rent_median = p.rent_median_one_person * (1 + p.rent_per_extra_person * (household_size - 1))
    rent = rent_median * np.exp(p.rent_log_sd * rng[10].standard_normal(n))
    monthly_rent = np.where(uh < p.no_rent_prob, 0.0, np.round(rent, 2))
    rent_to_income = 12 * monthly_rent / np.maximum(income, C.INCOME_FLOOR)

    # 9. household changes -------------------------------------------------------------------------
    uc = rng[11].random((2, n))
    sep_p = np.array([p.separated_recently_prob[s] for s in C.FAMILY_STATUSES])[status]
    separated_recently = uc[0] < sep_p
    recent_birth = has_children & (youngest < 1.0)
    recent_change = separated_recently | recent_birth | (uc[1] < p.other_household_change_prob)

    frame = pd.DataFrame(
        {
            "household_id": np.arange(1, n + 1, dtype=np.int64),
            "gender": _categorical(gender, C.GENDERS),
            "age": age,
            "age_band": _categorical(age_band, C.AGE_BANDS, ordered=True),
            "family_status": _categorical(status, C.FAMILY_STATUSES),
            "household_size": household_size.astype(np.int64),
            "n_children": n_children.astype(np.int64),
            "n_minors": n_minors.astype(np.int64),
            "oldest_child_age": oldest_child_age,
            "youngest_child_age": youngest_child_age,
            "child_19_plus": child_19_plus,
            "activity_status": _categorical(activity, C.ACTIVITY_STATUSES),
            "receives_rsa": receives_rsa,
            "income": income,
            "income_ceiling": ceiling,
            "income_to_ceiling": income_to_ceiling,
            "income_unstable": income_unstable,
            "monthly_rent": monthly_rent,
            "rent_to_income": rent_to_income,
            "recent_household_change": recent_change.astype(np.int8),
            "separated_recently": separated_recently.astype(np.int8),
        },
        copy=False,
    )  # no consolidation copy: each column keeps its own array

    # 10. ground truth -------------------------------------------------------------------------------
    # u_truth is uniform and independent of every covariate; irregular = [u_truth < prob].
    u_truth = rng[12].random(n)
    if p.include_truth:
        prob = anomaly_probability(frame, p)
        frame["irregular_probability"] = prob
        frame["irregular"] = (u_truth < prob).astype(np.int8)

    # 11. planted score ------------------------------------------------------------------------------
    # Z = rho * ndtri(1 - u_truth) + sqrt(1 - rho^2) * E is exactly N(0, 1) and independent
    # of every covariate (u_truth and E are), yet high Z goes with low u_truth, i.e. with
    # irregular files: the score is informative about the truth, and its per-group
    # distribution is exactly Normal(shift(group), 1).
    if p.scenario != "baseline":
        shift = np.zeros(n)
        for attr, effects in p.effective_planted_effects().items():
            codes = frame[attr].cat.codes.to_numpy()
            table = np.array([float(effects.get(c, 0.0)) for c in frame[attr].cat.categories])
            shift += table[codes]
        rho = p.planted_signal
        signal = -ndtri(u_truth + 2.0**-54)  # u in (0, 1): finite normal quantile
        noise = rng[13].standard_normal(n)
        frame["score"] = rho * signal + np.sqrt(1.0 - rho * rho) * noise + shift
    return frame


def _design_column(frame: pd.DataFrame, key: str) -> np.ndarray:
    """Values of a numeric column, or the 0/1 indicator for a ``"column=value"`` key."""
    if "=" in key:
        col, value = key.split("=", 1)
        if col not in frame.columns:
            raise DataError.lacking_columns(
                "err_synth_coef_key_column_missing", frame.columns, column=col, key=key
            )
        series = frame[col]
        if isinstance(series.dtype, pd.CategoricalDtype) and value not in series.cat.categories:
            raise DataError.from_key(
                "err_synth_coef_category",
                key=key,
                value=value,
                column=col,
                categories=", ".join(map(str, series.cat.categories)),
            )
        if isinstance(series.dtype, pd.CategoricalDtype):
            code = series.cat.categories.get_loc(value)
            return (series.cat.codes.to_numpy() == code).astype(np.float64)
        return (series.astype(str) == value).to_numpy(dtype=np.float64)
    if key not in frame.columns:
        raise DataError.lacking_columns("err_synth_coef_column_missing", frame.columns, key=key)
    series = frame[key]
    if not pd.api.types.is_numeric_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype):
        raise DataError.from_key("err_synth_coef_not_numeric", key=key)
    return np.nan_to_num(series.to_numpy(dtype=np.float64), nan=0.0)


def _expit(x: np.ndarray) -> np.ndarray:
    """Logistic function with numpy's vectorised exp (much faster than scipy's expit here)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _solve_intercept(eta: np.ndarray, target: float) -> float:
    """Intercept c with mean(expit(c + eta)) == target.

    The mean is increasing and convex-then-concave in c: a bracketing Newton iteration
    (Newton steps, bisection when a step leaves the bracket) converges in a few passes
    over the data. The starting point is solved on a systematic subsample.
    """

    def solve(values: np.ndarray, c: float, lo: float, hi: float, tol: float) -> float:
        for _ in range(100):
            p = _expit(c + values)
            f = p.mean() - target
            if abs(f) < tol:
                return c
            if f < 0:
                lo = c
            else:
                hi = c
            slope = (p * (1.0 - p)).mean()
            step = c - f / slope if slope > 0 else np.inf
            c = step if lo < step < hi else 0.5 * (lo + hi)
        return c

    start = float(np.log(target / (1 - target)) - np.median(eta))
    sub = eta[:: max(1, eta.size // 200_000)]
    c0 = solve(sub, start, -60.0, 60.0, 1e-6)
    return solve(eta, c0, -60.0, 60.0, 1e-13)


def anomaly_probability(
    frame: pd.DataFrame, parameters: C2SGParameters | Mapping | None = None
) -> np.ndarray:
    """Probability that each file is irregular under the true anomaly model.

    Logistic: ``logit P(irregular) = c + sum(coef[k] * x_k)`` with the coefficients of
    ``anomaly_coefficients`` (keys are numeric columns or ``"column=value"`` indicators) and
    ``c`` solved so that the mean probability over ``frame`` equals ``anomaly_base_rate``.
    When ``anomaly_model`` is set, it is called on ``frame`` instead and must return one
    probability in [0, 1] per row.

    Parameters
    ----------
    frame : pandas.DataFrame
        A population as made by :func:`c2sg_population`.
    parameters : C2SGParameters or mapping, optional
        Parameters (defaults if omitted); a mapping is read as overrides.

    Returns
    -------
    numpy.ndarray
        Float probabilities, one per row.

    Examples
    --------
    >>> from scoreaudit.synthetic import c2sg_population, anomaly_probability
    >>> pop = c2sg_population(2_000, random_state=1, include_truth=False)
    >>> round(float(anomaly_probability(pop).mean()), 4)
    0.03
    """
    if parameters is None:
        p = C2SGParameters()
    elif isinstance(parameters, C2SGParameters):
        p = parameters
    else:
        p = C2SGParameters.from_overrides(**dict(parameters))
    if p.anomaly_model is not None:
        prob = np.asarray(p.anomaly_model(frame), dtype=np.float64)
        if prob.shape != (len(frame),) or not np.all((prob >= 0) & (prob <= 1)):
            raise DataError.from_key(
                "err_synth_anomaly_model_output", rows=len(frame), shape=prob.shape
            )
        return prob
    eta = np.zeros(len(frame))
    for key, coef in p.anomaly_coefficients.items():
        if coef:
            eta += float(coef) * _design_column(frame, key)
    return _expit(_solve_intercept(eta, p.anomaly_base_rate) + eta)


def person_level_summary(frame: pd.DataFrame) -> dict[str, float]:
    """Person-level age figures implied by a household population, to compare with docs/public-facts.md.

    Public C2SG figures are about people, not files (mean age 28, about 41% under 20 at the
    end of 2023; about 70% under 40 for CMU-C in 2003). This expands each household into
    people with these approximations: a partner or another adult has the holder's age;
    the children's ages are evenly spaced between the youngest's and the oldest's (each
    taken at the middle of its year of age).

    Parameters
    ----------
    frame : pandas.DataFrame
        A population from :func:`c2sg_population`.

    Returns
    -------
    dict
        ``people`` (total), ``people_per_household``, ``mean_age``, ``share_under_20``,
        ``share_under_40``, ``woman_share_of_holders``.

    Examples
    --------
    >>> from scoreaudit.synthetic import c2sg_population, person_level_summary
    >>> s = person_level_summary(c2sg_population(20_000, random_state=0))
    >>> 25 < s["mean_age"] < 32
    True
    """
    size = frame["household_size"].to_numpy(np.float64)
    m = frame["n_children"].to_numpy(np.float64)
    adults = size - m
    holder_age = frame["age"].to_numpy(np.float64) + 0.5
    y = np.nan_to_num(frame["youngest_child_age"].to_numpy(np.float64)) + 0.5
    o = np.nan_to_num(frame["oldest_child_age"].to_numpy(np.float64)) + 0.5
    step = np.where(m > 1, (o - y) / np.maximum(m - 1, 1), 0.0)

    def children_below(limit: float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(step > 0, np.ceil((limit - y) / step), np.where(y < limit, m, 0))
        return np.where(m > 0, np.clip(k, 0, m), 0)

    people = size.sum()
    age_sum = (adults * holder_age).sum() + (m * (y + o) / 2).sum()
    under20 = (adults * (holder_age < 20)).sum() + children_below(20).sum()
    under40 = (adults * (holder_age < 40)).sum() + children_below(40).sum()
    return {
        "people": float(people),
        "people_per_household": float(people / len(frame)),
        "mean_age": float(age_sum / people),
        "share_under_20": float(under20 / people),
        "share_under_40": float(under40 / people),
        "woman_share_of_holders": float((frame["gender"] == "woman").mean()),
    }
