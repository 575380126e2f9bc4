"""Published funnels resist an integer-programming attacker.

The attacker knows every count and rate the funnel gate publishes (each step's numerator,
denominator and rate per group and stratum, the reference's, the representation table's
count and share per stage and group, the number of files at the start) and that the input
holds non-negative whole counts, each stage within the one before. It bounds every hidden
small count; no bound may be narrower than the protection range. (It does not use the
stratified ratios of the ``combined`` table, which are not linear in the counts.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.gate.attack import System, narrow
from scoreaudit.gate.funnel import publish_funnel

STAGES = ("population", "picked", "controlled")
STEPS = [("pick", "picked", "population"), ("control", "controlled", "picked")]
MIN_CELL = 11


def _table(seed: int, strata: int = 2) -> pd.DataFrame:
    """Three groups, ``strata`` score bands (0: a table without strata), three stages."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in ("w", "m", "x"):
        for s in ("lo", "hi", "top")[: max(strata, 1)]:
            pop = int(rng.integers(40, 400))
            picked = int(rng.integers(0, min(pop, 25) if rng.random() < 0.4 else pop // 2))
            controlled = int(rng.integers(0, picked + 1))
            rows += [(g, s, "population", pop), (g, s, "picked", picked)]
            rows += [(g, s, "controlled", controlled)]
    table = pd.DataFrame(rows, columns=["gender", "band", "stage", "n"])
    return table if strata else table.drop(columns="band")


def _attack(table: pd.DataFrame, published) -> list:
    if "band" not in table.columns:  # a funnel without strata: its steps' only stratum
        table = table.assign(band=str(published.steps["stratum"].iloc[0]))
    s = System(time_limit=None)
    truth = table.set_index(["gender", "band", "stage"])["n"]
    x = {key: s.var("|".join(key)) for key in truth.index}
    tol = 1e-6 * (1 + float(truth.sum()))

    def linear(expr: dict[int, float], value: float) -> None:
        s.le(expr, value + tol)
        s.le({k: -c for k, c in expr.items()}, -value + tol)

    for (g, b), _ in truth.groupby(level=[0, 1]):
        for later, earlier in zip(STAGES[1:], STAGES[:-1], strict=True):
            s.le({x[(g, b, later)]: 1, x[(g, b, earlier)]: -1}, 0)  # each stage within the last
    start = float(published.data_summary["start_files"])
    linear({x[k]: 1 for k in x if k[2] == STAGES[0]}, start)

    def cells(group: str, stratum: str, stage: str) -> dict[int, float]:
        bands = truth.index.get_level_values(1).unique() if stratum in ("", "all") else [stratum]
        # (an unstratified funnel's stratum is its table's only band)
        return {x[(group, b, stage)]: 1 for b in bands}

    for rec in published.steps.to_dict("records"):
        for who, prefix in ((rec["group"], ""), (rec["reference"], "reference_")):
            num = cells(str(who), str(rec["stratum"]), str(rec["stage"]))
            den = cells(str(who), str(rec["stratum"]), str(rec["base"]))
            if pd.notna(rec.get(prefix + "numerator")):
                linear(num, float(rec[prefix + "numerator"]))
            if pd.notna(rec.get(prefix + "denominator")):
                linear(den, float(rec[prefix + "denominator"]))
            rate = rec.get(prefix + "rate")
            if pd.notna(rate):
                expr = dict(num)
                for k, c in den.items():
                    expr[k] = expr.get(k, 0.0) - float(rate) * c
                linear(expr, 0.0)
    for rec in published.representation.to_dict("records"):
        count = cells(str(rec["group"]), "", str(rec["stage"]))
        if pd.notna(rec.get("count")):
            linear(count, float(rec["count"]))
        if pd.notna(rec.get("share")):
            everyone = {x[k]: 1 for k in x if k[2] == rec["stage"]}
            expr = dict(count)
            for k, c in everyone.items():
                expr[k] = expr.get(k, 0.0) - float(rec["share"]) * c
            linear(expr, 0.0)
    targets, hidden = [], []
    for rec in published.steps.to_dict("records"):
        for col, stage in (("numerator", rec["stage"]), ("denominator", rec["base"])):
            key = (str(rec["group"]), str(rec["stratum"]), str(stage))
            if pd.isna(rec[col]) and key in x and 0 < int(truth[key]) < MIN_CELL:
                targets.append({x[key]: 1})
                hidden.append((*key, int(truth[key])))
    if not targets:
        return []
    bounds = s.intervals(targets)
    return [
        (*h, *b)
        for h, b, bad in zip(hidden, bounds.tolist(), narrow(bounds, MIN_CELL), strict=True)
        if bad
    ]


def _published(seed: int, strata: int = 2, **kw):
    table = _table(seed, strata)
    by = {"stratum": "band"} if strata else {}
    result = sa.audit_funnel(table, "gender", "stage", "n", STEPS, reference={"gender": "m"}, **by)
    return table, publish_funnel(result, MIN_CELL, **kw)[0]


@pytest.mark.parametrize("seed", range(6))
def test_published_funnels_resist_the_attacker(seed):
    table, published = _published(seed)
    assert published.steps["suppressed"].any(), "small counts to protect"
    assert _attack(table, published) == []


# funnels without strata (found by a search over 300 seeds; 10 leaked before the gate's final
# masks were checked by its own attacker): the representation table's count and share give a
# stage's total back, and the published counts of the stage before then narrow a hidden count
# (seed 27: the men's 10 picked to [9, 10]; seed 74: their 6 controlled to [0, 10])
@pytest.mark.parametrize("seed", [27, 33, 74, 237])
def test_published_funnels_without_strata_resist_the_attacker(seed):
    table, published = _published(seed, strata=0)
    assert published.steps["suppressed"].any(), "small counts to protect"
    assert _attack(table, published) == []


def test_the_attacker_narrows_counts_protected_for_a_smaller_threshold():
    """The attacker can fail: counts hidden with a protection range of 3 are narrower than
    11."""
    found = []
    for seed in range(6):
        table = _table(seed)
        result = sa.audit_funnel(
            table, "gender", "stage", "n", STEPS, stratum="band", reference={"gender": "m"}
        )
        found += _attack(table, publish_funnel(result, 3)[0])
    assert found
