"""Budgets over weighted files with a tie block at the cut-off: known answers by hand.

Five files ranked 0.9 > 0.5 = 0.5 = 0.5 > 0.1 with weights 1, (2, 3, 5), 9 (total 20): the
running weight in rank order is 1, 3, 6, 11, 20.
"""

from __future__ import annotations

import numpy as np
import pytest

from scoreaudit.selection.policies import Budget

SCORES = np.array([0.5, 0.9, 0.5, 0.1, 0.5])
WEIGHTS = np.array([2.0, 1.0, 3.0, 9.0, 5.0])


def test_selection_of_30_percent_of_the_weight():
    # 6 of 20: the 0.9 file (weight 1) and half of the tie block's weight 10 (f = 5 / 10);
    # files counted: 1 + round(0.5 x 3) = 3, the two first tied rows in row order
    sel = Budget(share=0.3).select(SCORES, WEIGHTS)
    assert sel.cutoff == 0.5
    assert (sel.tied_at_cutoff, sel.tied_selected, sel.n_selected) == (3, 2, 3)
    assert sel.tied_fraction == pytest.approx(0.5, abs=1e-15)
    assert sel.share == pytest.approx((1 + 0.5 * 10) / 20, abs=1e-15)
    assert sel.selected.tolist() == [True, True, True, False, False]


@pytest.mark.parametrize(
    ("share", "above", "tied", "f", "count"),
    [
        (0.05, 0, 1, 1.0, 1),  # 1 of 20: the 0.9 file, alone at its level
        (0.3, 1, 3, 0.5, 3),  # 1 + 0.5 x 3 = 2.5 files, rounded half up
        (0.6, 4, 1, 1 / 9, 4),  # 12 of 20: the 0.1 level (weight 9) holds the cut
        (0.0, 0, 0, 0.0, 0),
    ],
)
def test_weighted_cuts_and_counts(share, above, tied, f, count):
    ranking = Budget(share=0.3).rank(SCORES, WEIGHTS)
    a, t, fr = ranking.weighted_cuts(np.array([share]))
    assert (int(a[0]), int(t[0])) == (above, tied)
    assert float(fr[0]) == pytest.approx(f, abs=1e-15)
    assert int(ranking.count_for_share(share)) == count


def test_selection_cut_in_the_first_level_and_ties_all():
    # 5% of 20 = 1: the cut falls in the first level (nothing above it): share 1 / 20
    sel = Budget(share=0.05).select(SCORES, WEIGHTS)
    assert (sel.n_selected, sel.tied_at_cutoff, sel.tied_selected) == (1, 1, 1)
    assert sel.share == pytest.approx(0.05, abs=1e-15)
    # 2.5%: half of that level's weight (f = 0.5), one file counted, realised share 0.5 / 20
    sel = Budget(share=0.025).select(SCORES, WEIGHTS)
    assert (sel.n_selected, sel.tied_selected, sel.tied_fraction) == (1, 1, 0.5)
    assert sel.share == pytest.approx(0.025, abs=1e-15)
    # ties="all": every tied file counts in full (f = 1), whatever the share inside the block
    ranking = Budget(share=0.3, ties="all").rank(SCORES, WEIGHTS)
    a, t, f = ranking.weighted_cuts(np.array([0.3]))
    assert (int(a[0]), int(t[0]), float(f[0])) == (1, 3, 1.0)
    assert int(ranking.count_for_share(0.3)) == 4
