"""The ranking of scores with few distinct values is counted per level, never sorted (issue 19).

Differential tests: every cut-off quantity of the counted ranking equals the one read from a
straightforward stable sort of the rows (``np.argsort(-scores, kind="stable")``), on random
scores with heavy ties, ``-0.0`` / ``0.0`` and single levels; the selection and the budget
curve equal those of a ranking given its sorted rows explicitly.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoreaudit.selection.curve import budget_curve_counts
from scoreaudit.selection.policies import Budget, Ranking, Threshold, _count_down, _rank

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)

LEVELS = np.array([-1.5, -0.0, 0.0, 0.25, 0.5, 0.75, 2.0, 3.5])


@st.composite
def tied_scores(draw):
    n = draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**31 - 1))
    k = draw(st.integers(1, LEVELS.size))
    rng = np.random.default_rng(seed)
    scores = rng.choice(LEVELS[:k] if draw(st.booleans()) else LEVELS[-k:], size=n)
    groups = rng.integers(0, draw(st.integers(1, 6)), size=n)
    return scores, groups


def _sorted_ranking(scores: np.ndarray, ties: str) -> Ranking:
    """The former eager ranking: every row sorted, running count materialised."""
    order = np.argsort(-scores, kind="stable")
    n = scores.size
    return Ranking(
        order=order,
        sorted_scores=scores[order],
        cum_weight=np.arange(1, n + 1, dtype=np.float64),
        ties=ties,
    )


@SETTINGS
@given(tied_scores(), st.sampled_from(["proportional", "random", "all"]))
def test_counted_ranking_equals_the_sorted_rows(data, ties):
    scores, _ = data
    fast = _rank(scores, None, ties)
    slow = _sorted_ranking(scores, ties)
    assert fast.blocks is not None and fast._order is None  # counted, not sorted
    n = scores.size
    k = np.arange(0, n + 1)
    for a, b in zip(fast.cuts(k), slow.cuts(k), strict=True):
        assert a.tolist() == b.tolist()
    assert fast.extend_ties(k).tolist() == slow.extend_ties(k).tolist()
    shares = np.round(np.arange(1, 101) / 100, 10)
    assert fast.count_for_share(shares).tolist() == slow.count_for_share(shares).tolist()
    for pos in range(n):  # the same float, the sign of a zero included
        a, b = fast.score_at(pos), float(slow.sorted_scores[pos])
        assert a == b and np.signbit(a) == np.signbit(b)
    for thr in [*LEVELS, -9.0, 9.0, 0.1]:
        assert fast.count_at_least(thr) == slow.count_at_least(thr)
    assert fast.total_weight == slow.total_weight
    assert fast._order is None  # nothing above needed the rows sorted
    assert fast.order.tolist() == slow.order.tolist()
    assert fast.sorted_scores.tolist() == slow.sorted_scores.tolist()


@SETTINGS
@given(tied_scores(), st.floats(0.01, 1.0), st.sampled_from(["proportional", "random", "all"]))
def test_counted_selection_and_curve_equal_the_sorted_ones(data, share, ties):
    scores, groups = data
    n_groups = int(groups.max()) + 1
    assume(np.floor(share * scores.size + 0.5) >= 1)  # a budget selecting no file is refused
    policy = Budget(share=share, ties=ties, random_state=3)
    fast, slow = _rank(scores, None, ties), _sorted_ranking(scores, ties)
    a = policy.select(scores, ranking=fast, groups=groups)
    b = policy.select(scores, ranking=slow, groups=groups)
    assert a.summary() == b.summary()
    assert np.signbit(a.cutoff) == np.signbit(b.cutoff)
    assert a.selected.tolist() == b.selected.tolist()
    grid = np.round(np.arange(1, 101) / 100, 10)
    slow_blocks = _sorted_ranking(scores, ties)
    object.__setattr__(slow_blocks, "blocks", fast.blocks)  # the per-level prefix counts
    for r in (fast, slow):
        got = budget_curve_counts(r, groups, n_groups, 1, grid, None, 3)
        ref = budget_curve_counts(slow_blocks, groups, n_groups, 1, grid, None, 3)
        for x, y in zip(got, ref, strict=True):
            assert np.array_equal(x, y)
    thr = float(np.median(scores))
    t_fast = Threshold(thr).select(scores, ranking=fast)
    t_slow = Threshold(thr).select(scores, ranking=slow)
    assert t_fast.summary() == t_slow.summary()


@SETTINGS
@given(
    st.lists(st.sampled_from([3.0, 2.0, 1.0, 0.0, -0.0, -1.0]), min_size=1, max_size=50),
    st.lists(st.sampled_from([3.5, 3.0, 2.0, 0.5, 0.0, -0.0, -2.0]), min_size=1, max_size=10),
)
def test_count_down_is_searchsorted_of_the_negation(values, queries):
    s = np.sort(np.array(values))[::-1].copy()
    x = np.array(queries)
    for eq, side in ((False, "left"), (True, "right")):
        assert _count_down(s, x, eq).tolist() == np.searchsorted(-s, -x, side=side).tolist()


def test_level_counts_known_answer_and_shared():
    # levels by decreasing score: 3.0 (rows 0, 4), 2.0 (rows 1, 2, 5), 1.0 (row 3)
    scores = np.array([3.0, 2.0, 2.0, 1.0, 3.0, 2.0])
    groups = np.array([0, 1, 0, 1, 1, 1])
    r = Budget(share=0.5).rank(scores)
    table = r.level_counts(groups, 3)
    assert table.tolist() == [[1, 1, 0], [1, 2, 0], [0, 1, 0]]
    assert r.level_counts(groups, 3) is table  # counted once, shared by its readers
    assert r.level_counts(groups.copy(), 3).tolist() == table.tolist()  # another array: counted
    assert not table.flags.writeable
    assert r.level_cum().tolist() == [0, 2, 5, 6]  # read from the table


@SETTINGS
@given(tied_scores())
def test_cut_and_curve_from_the_shared_table_equal_the_sorted_ranking(data):
    # the audit counts rows per (level, tie group) before the cut: the cut-offs and the curve
    # read from that table equal those of the straightforward sorted ranking
    scores, groups = data
    n_groups = int(groups.max()) + 1
    counted = _rank(scores, None, "proportional")
    assume(counted.blocks is not None)
    counted.level_counts(groups, n_groups)
    plain = _sorted_ranking(scores, "proportional")
    k = np.arange(scores.size + 1)
    for a, b in zip(counted.cuts(k), plain.cuts(k), strict=True):
        np.testing.assert_array_equal(a, b)
    shares = np.array([0.01, 0.1, 0.33, 0.5, 1.0])
    got = budget_curve_counts(counted, groups, n_groups, 1, shares)
    want = budget_curve_counts(plain, groups, n_groups, 1, shares)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_ranked_groups_known_answer_and_kept_for_the_same_array():
    scores = np.array([0.3, 0.9, 0.1, 0.5, 0.7])
    ranking = Budget(share=0.4).rank(scores)  # order: rows 1, 4, 3, 0, 2
    cells = np.array([10, 11, 12, 13, 14])
    ranked = ranking.ranked(cells)
    assert ranked.tolist() == [11, 14, 13, 10, 12]
    assert ranking.ranked(cells) is ranked and not ranked.flags.writeable
    assert ranking.ranked_prefix(cells, 2).tolist() == [11, 14]
    other = cells + 100  # another array: gathered again, never the kept one
    assert ranking.ranked_prefix(other, 3).tolist() == [111, 114, 113]
    assert ranking.ranked(other).tolist() == [111, 114, 113, 110, 112]
    assert ranking.ranked_prefix(cells, 1).tolist() == [11]
