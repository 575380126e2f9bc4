"""Applying the audit's policy again to new scores (explanations' fast selection)."""

from __future__ import annotations

import numpy as np

import scoreaudit as sa
from scoreaudit.selection.reselect import Reselection


def test_fast_selection_reproduces_the_policy_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 30, 5_000).astype(float)  # heavy ties
    for policy in (
        sa.Budget(share=0.07),
        sa.Budget(share=0.07, ties="all"),
        sa.Budget(count=333, random_state=4),
        sa.Threshold(25.0),
    ):
        sel = Reselection(policy, None, scores.size, scores, policy.select(scores).selected)
        assert sel.mode != "policy"
        for k in range(3):
            other = rng.permutation(scores) + k
            np.testing.assert_array_equal(sel.select(other), policy.select(other).selected)
    w = rng.random(scores.size) + 0.5  # weights: the policy's own selection is used
    assert (
        Reselection(
            sa.Budget(share=0.07),
            w,
            scores.size,
            scores,
            sa.Budget(share=0.07).select(scores, w).selected,
        ).mode
        == "policy"
    )
