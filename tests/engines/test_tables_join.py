"""Columns joined to the disparities by (attribute, group): side by side or by a merge."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoreaudit.engines.tables import _join_groups


def _tables(order):
    disp = pd.DataFrame(
        {"attribute": ["a", "a", "b"], "group": ["x", "y", "x"], "ratio": [1.0, 2.0, 3.0]}
    )
    extra = pd.DataFrame(
        {"attribute": ["a", "a", "b"], "group": ["x", "y", "x"], "low": [0.1, 0.2, 0.3]}
    ).iloc[order]
    return disp, extra.reset_index(drop=True)


def test_same_order_and_other_orders_give_the_merge():
    for order in ([0, 1, 2], [2, 0, 1], [1, 0, 2]):
        disp, extra = _tables(order)
        got = _join_groups(disp, extra)
        want = disp.merge(extra, on=["attribute", "group"], how="left", validate="1:1")
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got["low"].tolist() == [0.1, 0.2, 0.3]  # known answer: by key, not position


def test_extra_rows_and_missing_rows_are_left_to_the_merge():
    disp, extra = _tables([0, 1, 2])
    more = pd.concat([extra, extra.iloc[[0]].assign(group="z")], ignore_index=True)
    assert _join_groups(disp, more)["low"].tolist() == [0.1, 0.2, 0.3]
    fewer = extra.iloc[[0, 2]].reset_index(drop=True)
    got = _join_groups(disp, fewer)["low"].to_numpy()
    assert got[0] == 0.1 and np.isnan(got[1]) and got[2] == 0.3
