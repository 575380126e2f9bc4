"""Property-based checks of the audit engine (hypothesis)."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoreaudit as sa

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def audits(draw):
    n = draw(st.integers(20, 300))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(
        {
            "a": rng.choice(["p", "q", "r"], n),
            "b": rng.choice(["s", "t"], n),
            "score": rng.normal(size=n),  # distinct scores almost surely
        }
    )
    f.loc[0, "a"], f.loc[1, "a"], f.loc[2, "a"] = "p", "q", "r"
    f.loc[0, "b"], f.loc[1, "b"] = "s", "t"
    share = max(draw(st.floats(0.02, 1.0)), 1 / n)  # at least one file selected
    return f, share


def run(f, share, **kw):
    pop = sa.Population(f, protected=["a", "b"])
    kw.setdefault("threshold_free", False)
    return sa.audit(pop, "score", sa.Budget(share=share), min_cell=0, budgets=[0.1, 0.5, 1.0], **kw)


@SETTINGS
@given(audits())
def test_rates_in_unit_interval_and_intervals_contain_estimates(args):
    f, share = args
    res = run(f, share)
    g = res.groups
    assert ((g["selection_rate"] >= 0) & (g["selection_rate"] <= 1)).all()
    assert (g["selection_rate_low"] <= g["selection_rate"] + 1e-12).all()
    assert (g["selection_rate"] <= g["selection_rate_high"] + 1e-12).all()
    d = res.disparities
    finite = np.isfinite(d["ratio"]) & (d["ratio"] > 0)
    assert (d.loc[finite, "ratio_low"] <= d.loc[finite, "ratio"] * (1 + 1e-12)).all()
    assert (d.loc[finite, "ratio"] <= d.loc[finite, "ratio_high"] * (1 + 1e-12)).all()
    assert (d["difference_low"] <= d["difference"] + 1e-12).all()
    assert (d["difference"] <= d["difference_high"] + 1e-12).all()
    assert ((d["p_value"] >= 0) & (d["p_value"] <= 1)).all()
    assert (d["p_adjusted"] >= d["p_value"] - 1e-15).all()


@SETTINGS
@given(audits(), st.randoms(use_true_random=False))
def test_invariant_to_row_order_and_group_relabelling(args, rnd):
    f, share = args
    base = run(f, share, reference={"a": "p", "b": "s"})
    perm = np.array(rnd.sample(range(len(f)), len(f)))
    shuffled = run(f.iloc[perm].reset_index(drop=True), share, reference={"a": "p", "b": "s"})
    pd.testing.assert_frame_equal(base.groups, shuffled.groups)
    pd.testing.assert_frame_equal(
        base.disparities, shuffled.disparities, check_exact=False, rtol=1e-10
    )
    mapping = {"p": "zz-p", "q": "aa-q", "r": "mm-r"}
    renamed = run(f.assign(a=f["a"].map(mapping)), share, reference={"a": "zz-p", "b": "s"})
    d0 = base.disparities[base.disparities["attribute"] == "a"].copy()
    d1 = renamed.disparities[renamed.disparities["attribute"] == "a"].copy()
    d0["group"] = d0["group"].map(mapping)
    d0 = d0.sort_values("group").reset_index(drop=True)
    d1 = d1.sort_values("group").reset_index(drop=True)
    cols = ["n", "selection_rate", "ratio", "ratio_low", "ratio_high", "difference", "p_value"]
    pd.testing.assert_frame_equal(d0[cols], d1[cols], check_exact=False, rtol=1e-10)


@SETTINGS
@given(audits(), st.floats(-10, 10), st.sampled_from(["exp", "cube", "affine"]))
def test_increasing_transformations_leave_budget_audit_unchanged(args, shift, kind):
    f, share = args
    base = run(f, share, threshold_free=True)
    s = f["score"]
    new = {"exp": np.exp(s / 4) + shift, "cube": s**3 + shift, "affine": 2.5 * s + shift}[kind]
    moved = run(f.assign(score=new), share, threshold_free=True)
    assert np.array_equal(base.selected, moved.selected)
    cols = ["attribute", "group", "n", "selected", "selection_rate"]
    pd.testing.assert_frame_equal(base.groups[cols], moved.groups[cols])
    # every disparity, including the rank-based AUC and KS, is unchanged
    pd.testing.assert_frame_equal(base.disparities, moved.disparities)
