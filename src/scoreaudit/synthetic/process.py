"""The control process after the score: a synthetic funnel with known true stage ratios.

From the score to the end of an appeal, every file of a synthetic C2SG population goes
through the chain (each stage a subset of the previous one):

``population`` -> ``high_risk`` (score band ``medium`` or ``high``; band ``low`` is never
picked) -> ``picked`` (an agent's pick among high-risk files) -> ``controlled`` ->
``anomaly`` (the control finds an anomaly) -> ``suspended`` (the C2S cover is suspended) ->
``appealed`` -> ``reinstated`` (the appeal succeeds).

Each stage is a Bernoulli draw given the previous one, with probabilities that depend on the
holder's gender only (and the score band for the pick), so the true rate of every step for
every gender is known exactly (:func:`true_stage_ratios`). ASSUMPTION: these probabilities are
illustrative, not CNAM figures (none is public).

Scenarios
---------
``"neutral"``: women and men have the same probabilities at every step (every true ratio is
1). ``"planted"`` (reference: men): women are more often in the high score bands (the score),
picked 1.3 times as often *within the same band* (the agent), found at fault as often,
suspended 1.5 times as often once an anomaly is found, appeal less often (0.75) and win
their appeal more often (1.43): the disparity is added at the score, the pick and the
suspension, not at the control.

Examples
--------
>>> from scoreaudit.synthetic.process import process_counts, process_files, true_stage_ratios
>>> files = process_files(10_000, scenario="planted", random_state=0)
>>> t = process_counts(files)
>>> list(t.columns)
['gender', 'score_band', 'stage', 'n']
>>> r = true_stage_ratios("planted").set_index("step").loc["agent pick"]
>>> round(float(r["true_ratio"]), 4), float(r["true_within_ratio"])
(1.4857, 1.3)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import DataError

__all__ = [
    "BANDS",
    "STAGES",
    "STEPS",
    "process_counts",
    "process_files",
    "process_log",
    "round_table",
    "simulate_counts",
    "true_stage_ratios",
]

STAGES = (
    "population",
    "high_risk",
    "picked",
    "controlled",
    "anomaly",
    "suspended",
    "appealed",
    "reinstated",
)
#: The steps of the funnel: (name, stage, base stage).
STEPS = (
    ("score: high-risk band", "high_risk", "population"),
    ("agent pick", "picked", "high_risk"),
    ("control", "controlled", "picked"),
    ("anomaly found", "anomaly", "controlled"),
    ("suspension", "suspended", "anomaly"),
    ("appeal", "appealed", "suspended"),
    ("appeal upheld", "reinstated", "appealed"),
)
BANDS = ("low", "medium", "high")
GROUPS = ("woman", "man")

#: Probabilities per gender (ASSUMPTION, illustrative), side by side: (men, women in the
#: "planted" scenario). Men are the same in both scenarios; "neutral" gives women the men's.
_BY_GENDER: dict[str, tuple[Any, Any]] = {
    "band": ((0.80, 0.15, 0.05), (0.70, 0.20, 0.10)),
    "pick": (1.0, 1.3),
    "controlled": (0.90, 0.90),
    "anomaly": (0.25, 0.25),
    "suspended": (0.30, 0.45),
    "appealed": (0.40, 0.30),
    "reinstated": (0.35, 0.50),
}
_MEN = {key: men for key, (men, _) in _BY_GENDER.items()}
_WOMEN_PLANTED = {key: women for key, (_, women) in _BY_GENDER.items()}
#: Probability that an agent picks a high-risk file, by band (times the gender's "pick").
PICK_BY_BAND = (0.0, 0.10, 0.40)


def _params(scenario: str) -> dict[str, dict[str, Any]]:
    if scenario not in ("planted", "neutral"):
        raise DataError.from_key("err_synth_process_scenario", scenario=scenario)
    return {"woman": _WOMEN_PLANTED if scenario == "planted" else _MEN, "man": _MEN}


def _step_probabilities(p: dict[str, Any]) -> dict[str, float]:
    """True rate of each step for one gender, unstratified (mixing over bands)."""
    band = np.asarray(p["band"])
    high_risk = band[1:].sum()
    pick = float((band * np.asarray(PICK_BY_BAND)).sum() * p["pick"] / high_risk)
    return {
        "high_risk": float(high_risk),
        "picked": pick,
        "controlled": p["controlled"],
        "anomaly": p["anomaly"],
        "suspended": p["suspended"],
        "appealed": p["appealed"],
        "reinstated": p["reinstated"],
    }


def true_stage_ratios(scenario: str = "planted") -> pd.DataFrame:
    """True rate of each step for women and men, their ratio, and the within-band ratio.

    Returns
    -------
    DataFrame
        One row per step: ``step``, ``stage``, ``base``, ``group`` ("woman"),
        ``reference`` ("man"), ``true_rate``, ``true_reference_rate``, ``true_ratio``
        (unstratified, what the audit without strata estimates) and ``true_within_ratio``
        (the common ratio within each score band, what the Mantel-Haenszel ratio estimates;
        NaN for the score step, which is decided by the band itself).

    Examples
    --------
    >>> r = true_stage_ratios("neutral")
    >>> r["true_ratio"].tolist() == [1.0] * 7
    True
    """
    p = _params(scenario)
    w, m = _step_probabilities(p["woman"]), _step_probabilities(p["man"])
    rows = []
    for name, stage, base in STEPS:
        within = (
            np.nan
            if stage == "high_risk"
            else (
                p["woman"]["pick"] / p["man"]["pick"] if stage == "picked" else w[stage] / m[stage]
            )
        )
        rows.append(
            {
                "step": name,
                "stage": stage,
                "base": base,
                "group": "woman",
                "reference": "man",
                "true_rate": w[stage],
                "true_reference_rate": m[stage],
                "true_ratio": w[stage] / m[stage],
                "true_within_ratio": within,
            }
        )
    return pd.DataFrame(rows)


def process_files(
    n: int | None = 100_000,
    *,
    scenario: str = "planted",
    random_state: int | None = 0,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Run every file of a synthetic population through the control process.

    Parameters
    ----------
    n : int
        Households generated by :func:`~scoreaudit.synthetic.c2sg_population` (ignored when
        ``population`` is given).
    scenario : {"planted", "neutral"}
    random_state : int
        Seed of the population and of the process.
    population : DataFrame, optional
        A population with ``household_id``, ``gender``, ``age_band`` and ``family_status``.

    Returns
    -------
    DataFrame
        One row per file: ``household_id``, ``gender``, ``age_band``, ``family_status``,
        ``score_band`` (category low/medium/high) and one 0/1 column per stage of
        :data:`STAGES` (``population`` is 1 for all).

    Examples
    --------
    >>> f = process_files(2_000, scenario="neutral", random_state=1)
    >>> bool((f["picked"] <= f["high_risk"]).all() and (f["reinstated"] <= f["appealed"]).all())
    True
    """
    if population is None:
        from scoreaudit.synthetic.c2sg import c2sg_population

        population = c2sg_population(n, random_state=random_state, include_truth=False)
    missing = [
        c
        for c in ("household_id", "gender", "age_band", "family_status")
        if c not in population.columns
    ]
    if missing:
        raise DataError.from_key("err_synth_process_columns", columns=missing)
    p = _params(scenario)
    rng = np.random.default_rng([0 if random_state is None else int(random_state), 17])
    woman = (population["gender"].astype(str) == "woman").to_numpy()
    size = len(population)
    u = rng.random((8, size))
    band_w, band_m = (np.cumsum(p[g]["band"]) for g in GROUPS)
    cum = np.where(woman[:, None], band_w[None], band_m[None])
    band = (u[0][:, None] >= cum[:, :-1]).sum(axis=1)
    out = population[["household_id", "gender", "age_band", "family_status"]].copy()
    out = out.reset_index(drop=True)
    out["score_band"] = pd.Categorical.from_codes(band, categories=list(BANDS), ordered=True)
    stage = np.ones(size, dtype=bool)
    out["population"] = stage.astype(np.int8)
    stage = band >= 1
    out["high_risk"] = stage.astype(np.int8)
    pick = np.asarray(PICK_BY_BAND)[band] * np.where(woman, p["woman"]["pick"], p["man"]["pick"])
    stage = stage & (u[1] < pick)
    out["picked"] = stage.astype(np.int8)
    for i, name in enumerate(STAGES[3:], start=2):
        prob = np.where(woman, p["woman"][name], p["man"][name])
        stage = stage & (u[i] < prob)
        out[name] = stage.astype(np.int8)
    return out


def process_counts(
    files: pd.DataFrame, group: str | list[str] = "gender", stratum: str | None = "score_band"
) -> pd.DataFrame:
    """The long count table of :func:`process_files`: one row per group, stratum and stage.

    Examples
    --------
    >>> t = process_counts(process_files(1_000, random_state=0), stratum=None)
    >>> int(t.query("stage == 'population'")["n"].sum())
    1000
    """
    keys = ([group] if isinstance(group, str) else list(group)) + ([stratum] if stratum else [])
    sums = files.groupby(keys, observed=False, sort=True)[list(STAGES)].sum()
    long = sums.stack().rename("n").reset_index()
    long = long.rename(columns={long.columns[len(keys)]: "stage"})
    order = {s: i for i, s in enumerate(STAGES)}
    long["_o"] = long["stage"].map(order)
    long = long.sort_values(
        [*keys[:-1], "_o", keys[-1]] if stratum else [*keys, "_o"], kind="stable"
    ).drop(columns="_o")
    long = long[[*keys, "stage", "n"]].reset_index(drop=True)
    for k in keys:
        long[k] = long[k].astype(str)
    long["n"] = long["n"].astype(np.int64)
    return long


def process_log(
    files: pd.DataFrame, columns: tuple[str, ...] = ("gender", "score_band")
) -> pd.DataFrame:
    """Row-level log: one row per file and stage it reached (``household_id``, columns,
    ``stage``), the input of ``audit_funnel(..., count=None)``.

    Examples
    --------
    >>> f = process_files(500, random_state=0)
    >>> len(process_log(f)) == int(f[list(STAGES)].to_numpy().sum())
    True
    """
    flags = files[list(STAGES)].to_numpy(bool)
    rows, stage = np.nonzero(flags)
    log = files.iloc[rows][["household_id", *columns]].reset_index(drop=True)
    log["stage"] = np.asarray(STAGES, dtype=object)[stage]
    return log


def simulate_counts(
    n: int,
    scenario: str = "planted",
    random_state: int | np.random.Generator | None = 0,
    woman_share: float = 0.6,
) -> pd.DataFrame:
    """Draw the count table of the process directly (binomial chains; no file-level rows).

    Same distribution as :func:`process_counts` of :func:`process_files` for a population
    with the given share of women; fast enough for coverage simulations.

    Examples
    --------
    >>> t = simulate_counts(10_000, random_state=0)
    >>> int(t.query("stage == 'population'")["n"].sum())
    10000
    """
    p = _params(scenario)
    rng = np.random.default_rng(random_state)
    n_w = rng.binomial(n, woman_share)
    rows = []
    for g, size in (("woman", n_w), ("man", n - n_w)):
        bands = rng.multinomial(size, p[g]["band"])
        for b, count in zip(BANDS, bands, strict=True):
            chain = [count, count if b != "low" else 0]
            pick = PICK_BY_BAND[BANDS.index(b)] * p[g]["pick"]
            chain.append(rng.binomial(chain[-1], pick))
            for name in STAGES[3:]:
                chain.append(rng.binomial(chain[-1], p[g][name]))
            rows += [(g, b, s, int(c)) for s, c in zip(STAGES, chain, strict=True)]
    return pd.DataFrame(rows, columns=["gender", "score_band", "stage", "n"])


def round_table(
    table: pd.DataFrame,
    base: int = 10,
    hide_below: int | None = 11,
    count: str = "n",
    totals: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Publish a count table as a statistical office would: rounded, small cells hidden.

    Each count ``c`` becomes ``base * floor(c / base + 1/2)``; a count from 1 to
    ``hide_below - 1`` is replaced by ``"x"`` (before rounding). ``totals`` names columns for
    which a ``Total`` row (summed over that column, rounded, never hidden) is added, so that
    hidden cells can be bounded from the margins.

    Examples
    --------
    >>> t = pd.DataFrame({"g": ["a", "b"], "stage": ["s", "s"], "n": [1234, 7]})
    >>> round_table(t, totals=("g",))["n"].tolist()
    [1230, 'x', 1240]
    """
    out = table.copy()
    keys = [c for c in out.columns if c != count]
    extra = []
    for col in totals:
        others = [k for k in keys if k != col]
        tot = out.groupby(others, sort=False, observed=True)[count].sum().reset_index()
        tot[col] = "Total"
        extra.append(tot[keys + [count]])
    raw = pd.concat([out, *extra], ignore_index=True)
    c = raw[count].to_numpy(np.int64)
    rounded = (base * np.floor(c / base + 0.5)).astype(np.int64)
    is_total = np.zeros(len(raw), dtype=bool)
    is_total[len(out) :] = True
    hide = (c >= 1) & (c < (hide_below or 0)) & ~is_total
    raw[count] = pd.Series(rounded, dtype=object).where(~hide, "x").to_numpy()
    return raw
