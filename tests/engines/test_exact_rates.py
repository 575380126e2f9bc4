"""A group whose every file is selected has a selection rate of exactly 1, whatever the order in
which its weights are summed (in memory: row order for the group, rank order for the curve; in
the engine: its GROUP BY order). Hand-computed known answer; the engine path agrees."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.core.cells import weighted_rate

# women: weights 0.1, 0.2, 0.3 at the three highest scores, in INCREASING score order, so the
# row-order sum (0.1 + 0.2 + 0.3 = 0.6000000000000001) and the rank-order sum (0.3 + 0.2 + 0.1
# = 0.6) differ in the last bit; men: four files of weight 0.5 tied at a lower score
FRAME = pd.DataFrame(
    {
        "gender": ["woman"] * 3 + ["man"] * 4,
        "s": [0.7, 0.8, 0.9, 0.2, 0.2, 0.2, 0.2],
        "weight": [0.1, 0.2, 0.3, 0.5, 0.5, 0.5, 0.5],
    }
)


def _katz_low_degenerate(x1, n1, x0, n0, z):
    """Katz's lower limit with 0.5 added to each cell of the 2x2 table (x1 == n1 here)."""
    a1, m1, a0, m0 = x1 + 0.5, n1 + 1, x0 + 0.5, n0 + 1
    log_r = math.log((a1 / m1) / (a0 / m0))
    return math.exp(log_r - z * math.sqrt(1 / a1 - 1 / m1 + 1 / a0 - 1 / m0))


def test_weighted_rate_exact_at_the_bounds():
    w = np.array([0.1, 0.2, 0.3])
    assert w[::-1].sum() / w.sum() != 1.0  # the premise: two orders, two floats
    got = weighted_rate(np.array([w[::-1].sum(), 0.0, 0.25]), np.full(3, w.sum()), [3, 0, 2], 3)
    assert got[0] == 1.0 and got[1] == 0.0 and got[2] == 0.25 / w.sum()
    assert np.isnan(weighted_rate(np.array([0.0]), np.array([0.0]), [0], [0]))[0]


def test_fully_selected_group_on_the_weighted_curve():
    pop = sa.Population(FRAME, protected=["gender"], weight="weight")
    res = sa.audit(pop, "s", sa.Budget(share=0.3, ties="proportional"), reference={"gender": "man"})
    row = res.curve[(res.curve.budget == 0.3) & (res.curve.group == "woman")].iloc[0]
    # total weight 2.6, target 0.3 x 2.6 = 0.78: the women's 0.6 whole, then f = 0.18 / 2.0
    # of the men tied at 0.2
    assert row.selection_rate == 1.0
    n1 = 0.6**2 / (0.01 + 0.04 + 0.09)  # Kish: (sum w)^2 / sum w^2
    n0, p0 = 4.0, 0.09
    z = 1.959963984540054
    assert row.ratio == pytest.approx(1 / 0.09, rel=1e-12)
    assert row.ratio_low == pytest.approx(_katz_low_degenerate(n1, n1, p0 * n0, n0, z), rel=1e-12)


def test_fully_selected_group_engine_equals_memory(tmp_path):
    FRAME.iloc[:2].to_parquet(tmp_path / "a.parquet")
    FRAME.iloc[2:].to_parquet(tmp_path / "b.parquet")
    kw = {"protected": ["gender"], "weight": "weight"}
    policy = sa.Budget(share=0.3, ties="proportional")
    got = sa.audit(sa.Population(str(tmp_path / "*.parquet"), **kw), "s", policy)
    want = sa.audit(sa.Population(FRAME, **kw), "s", policy)
    for name in ("groups", "disparities", "curve"):
        x, y = getattr(got, name), getattr(want, name)
        pd.testing.assert_frame_equal(
            x.reset_index(drop=True),
            y[list(x.columns)].reset_index(drop=True),
            rtol=1e-12,
            atol=1e-12,
            check_dtype=False,
            obj=name,
        )
