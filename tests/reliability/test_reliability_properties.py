"""Invariances of the audit not covered by tests/engines/test_properties.py (hypothesis).

tests/engines/test_properties.py checks bounds, row order, relabelling of a single attribute and
increasing transformations of the scores. Here:

* relabelling the groups of an attribute relabels its **intersection** rows and changes no
  number;
* constant weights (any constant) give the unweighted audit, intervals included, and
  multiplying all weights by a constant changes nothing;
* integer weights ``k`` give the point estimates of the data with every row repeated ``k``
  times;
* duplicating every row leaves rates, ratios and differences unchanged and narrows (never
  widens) their intervals;
* adding a protected attribute leaves the single-attribute rows of the others unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoreaudit as sa

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEP = " × "
RATE = ["selection_rate", "selection_rate_low", "selection_rate_high"]
DISP = ["ratio", "ratio_low", "ratio_high", "difference", "difference_low", "difference_high"]


@st.composite
def frames(draw: Any) -> tuple[pd.DataFrame, float]:
    n = draw(st.integers(40, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    f = pd.DataFrame(
        {
            "a": rng.choice(["p", "q", "r"], n),
            "b": rng.choice(["s", "t"], n),
            "score": rng.normal(size=n),
        }
    )
    f.loc[:2, "a"] = ["p", "q", "r"]
    f.loc[:1, "b"] = ["s", "t"]
    threshold = float(np.quantile(f["score"], draw(st.floats(0.5, 0.95))))
    return f, threshold


def run(f: pd.DataFrame, policy: Any, protected: tuple[str, ...] = ("a", "b"), **kw: Any) -> Any:
    weight = kw.pop("weight", None)
    pop = sa.Population(f, protected=list(protected), weight=weight)
    kw.setdefault("reference", {"a": "p", "b": "s"})
    return sa.audit(
        pop, "score", policy, min_cell=0, threshold_free=False, budgets=[0.2, 0.6], **kw
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["attribute", "group"]).reset_index(drop=True)


@SETTINGS
@given(frames())
def test_relabelling_an_attribute_relabels_its_intersections(
    args: tuple[pd.DataFrame, float],
) -> None:
    f, t = args
    mapping = {"p": "zz", "q": "aa", "r": "mm"}
    base = run(f, sa.Threshold(t))
    moved = run(f.assign(a=f["a"].map(mapping)), sa.Threshold(t), reference={"a": "zz", "b": "s"})

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        parts = out["group"].astype(str).str.split(SEP, regex=False)
        attrs = out["attribute"].astype(str).str.split(SEP, regex=False)
        out["group"] = [
            SEP.join(mapping.get(x, x) if a == "a" else x for a, x in zip(at, gp, strict=True))
            for at, gp in zip(attrs, parts, strict=True)
        ]
        return out

    cols = ["attribute", "group", "n", "selected", *RATE]
    pd.testing.assert_frame_equal(_sorted(relabel(base.groups)[cols]), _sorted(moved.groups[cols]))
    d0 = _sorted(relabel(base.disparities)[["attribute", "group", *DISP]])
    d1 = _sorted(moved.disparities[["attribute", "group", *DISP]])
    inter = d0["attribute"].str.contains(SEP, regex=False)
    assert inter.any()
    # intersection references default to the combination of the members' references
    pd.testing.assert_frame_equal(d0, d1, check_exact=False, rtol=1e-10)


@SETTINGS
@given(frames(), st.floats(0.01, 1000))
def test_constant_weights_equal_the_unweighted_audit(
    args: tuple[pd.DataFrame, float], c: float
) -> None:
    f, t = args
    base = run(f, sa.Threshold(t))
    weighted = run(f.assign(w=c), sa.Threshold(t), weight="w")
    assert np.array_equal(base.selected, weighted.selected)
    pd.testing.assert_frame_equal(
        base.groups[RATE], weighted.groups[RATE], check_exact=False, rtol=1e-9
    )
    pd.testing.assert_frame_equal(
        base.disparities[DISP], weighted.disparities[DISP], check_exact=False, rtol=1e-9
    )
    # multiplying non-constant weights by a constant changes nothing either
    rng = np.random.default_rng(len(f))
    w = rng.uniform(0.5, 3, len(f))
    one = run(f.assign(w=w), sa.Budget(share=0.3), weight="w")
    scaled = run(f.assign(w=w * c), sa.Budget(share=0.3), weight="w")
    assert np.array_equal(one.selected, scaled.selected)
    pd.testing.assert_frame_equal(
        one.groups[RATE], scaled.groups[RATE], check_exact=False, rtol=1e-9
    )
    pd.testing.assert_frame_equal(
        one.disparities[DISP], scaled.disparities[DISP], check_exact=False, rtol=1e-9
    )


@SETTINGS
@given(frames(), st.integers(2, 4))
def test_integer_weights_equal_repeated_rows(args: tuple[pd.DataFrame, float], k: int) -> None:
    f, t = args
    weighted = run(f.assign(w=float(k)), sa.Threshold(t), weight="w")
    repeated = run(pd.concat([f] * k, ignore_index=True), sa.Threshold(t))
    np.testing.assert_allclose(
        weighted.groups["selection_rate"], repeated.groups["selection_rate"], rtol=1e-12
    )
    np.testing.assert_allclose(
        weighted.disparities[["ratio", "difference"]],
        repeated.disparities[["ratio", "difference"]],
        rtol=1e-12,
    )


@SETTINGS
@given(frames())
def test_duplicating_rows_keeps_estimates_and_narrows_intervals(
    args: tuple[pd.DataFrame, float],
) -> None:
    f, t = args
    base = run(f, sa.Threshold(t))
    double = run(pd.concat([f, f], ignore_index=True), sa.Threshold(t))
    g0, g1 = base.groups, double.groups
    assert (g1["n"] == 2 * g0["n"]).all() and (g1["selected"] == 2 * g0["selected"]).all()
    np.testing.assert_allclose(g1["selection_rate"], g0["selection_rate"], rtol=1e-12)
    assert (g1["selection_rate_low"] >= g0["selection_rate_low"] - 1e-12).all()
    assert (g1["selection_rate_high"] <= g0["selection_rate_high"] + 1e-12).all()
    d0, d1 = base.disparities, double.disparities
    np.testing.assert_allclose(d1[["ratio", "difference"]], d0[["ratio", "difference"]], rtol=1e-12)
    finite = np.isfinite(d0["ratio_low"]) & np.isfinite(d0["ratio_high"]) & (d0["ratio"] > 0)
    assert (d1.loc[finite, "ratio_low"] >= d0.loc[finite, "ratio_low"] * (1 - 1e-12)).all()
    assert (d1.loc[finite, "ratio_high"] <= d0.loc[finite, "ratio_high"] * (1 + 1e-12)).all()
    assert (d1["difference_low"] >= d0["difference_low"] - 1e-12).all()
    assert (d1["difference_high"] <= d0["difference_high"] + 1e-12).all()
    # the same with a budget: twice the files, twice the count, same rates
    k = int(base.selection.n_selected)
    b0 = run(f, sa.Budget(count=k))
    b1 = run(pd.concat([f, f], ignore_index=True), sa.Budget(count=2 * k))
    np.testing.assert_allclose(b1.groups["selection_rate"], b0.groups["selection_rate"], rtol=1e-12)


@SETTINGS
@given(frames())
def test_adding_an_attribute_leaves_the_others_rows_unchanged(
    args: tuple[pd.DataFrame, float],
) -> None:
    f, t = args
    f = f.assign(c=np.where(np.arange(len(f)) % 3 == 0, "u", "v"))
    one = run(f, sa.Threshold(t), protected=("a",), reference={"a": "p"}, intersections=False)
    more = run(
        f, sa.Threshold(t), protected=("a", "b", "c"), reference={"a": "p"}, intersections=False
    )
    cols = ["attribute", "group", "n", "selected", *RATE]
    pd.testing.assert_frame_equal(
        one.groups[cols], more.groups[more.groups["attribute"] == "a"][cols].reset_index(drop=True)
    )
    da = more.disparities[more.disparities["attribute"] == "a"].reset_index(drop=True)
    np.testing.assert_allclose(one.disparities[DISP], da[DISP], rtol=1e-12)
