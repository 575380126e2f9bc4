"""The block-by-block computation of one large group (``_sums_by_blocks``) gives, bit for bit,
what the whole-array computation gives (``_sums``), at every block boundary; and, at the size
where an audit takes it, scipy's Mann-Whitney and two-sample KS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scoreaudit.stats import _auc_ks
from scoreaudit.stats.distribution import rank_scores, threshold_free


def _both(monkeypatch, scores, codes, n_groups, block) -> tuple[pd.DataFrame, pd.DataFrame]:
    """threshold_free by blocks of ``block`` runs, and with no group ever split in blocks."""
    ranking = rank_scores(scores)
    monkeypatch.setattr(_auc_ks, "BLOCK_RUNS", block)
    blocked = threshold_free(ranking, codes, n_groups, reference=0)
    monkeypatch.setattr(_auc_ks, "BLOCK_RUNS", 2**62)
    whole = threshold_free(ranking, codes, n_groups, reference=0)
    return blocked, whole


def _calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = _auc_ks._sums_by_blocks

    def counted(ctx, runs):
        calls.append(int(runs.offsets[-1]))
        return original(ctx, runs)

    monkeypatch.setattr(_auc_ks, "_sums_by_blocks", counted)
    return calls


@settings(derandomize=True, max_examples=150, database=None, deadline=None)
@given(
    st.integers(2, 300),
    st.integers(2, 5),
    st.sampled_from([1, 2, 3, 7, 8, 64]),
    st.floats(0.05, 0.95),
    st.integers(0, 2**32 - 1),
)
def test_blocks_equal_whole_arrays(n, n_groups, block, share_ref, seed) -> None:
    with pytest.MonkeyPatch.context() as mp:
        rng = np.random.default_rng(seed)
        scores = rng.random(n)  # distinct: no ties, the only case computed by blocks
        codes = np.where(rng.random(n) < share_ref, 0, rng.integers(1, n_groups, n))
        mp.setattr(_auc_ks, "CHUNK_RUNS", 1)  # every group a chunk of its own
        calls = _calls(mp)
        blocked, whole = _both(mp, scores, codes, n_groups, block)
        # one call per compared group with more runs than a block (none with the whole),
        # when the reference has rows
        sizes = np.bincount(codes, minlength=n_groups)
        want = [int(s) for s in sizes[1:] if s > block] if sizes[0] else []
        assert sorted(calls) == sorted(want)
        assert blocked.equals(whole)


def test_block_boundaries(monkeypatch) -> None:
    # a group of exactly one, two and three blocks, and one row more: the last gap, the last
    # block's shorter arrays
    monkeypatch.setattr(_auc_ks, "CHUNK_RUNS", 1)
    rng = np.random.default_rng(5)
    for m in (16, 17, 32, 33, 48, 49):
        scores = rng.random(m + 40)
        codes = np.r_[np.ones(m, dtype=int), np.zeros(40, dtype=int)]
        rng.shuffle(codes)
        blocked, whole = _both(monkeypatch, scores, codes, 2, 16)
        assert blocked.equals(whole)


def test_audit_size_against_scipy(monkeypatch) -> None:
    # 150,000 rows: the compared group (about 100,000) is computed by blocks by default
    rng = np.random.default_rng(11)
    n = 150_000
    codes = (rng.random(n) < 0.66).astype(int)
    scores = rng.random(n) + 0.02 * codes
    calls = _calls(monkeypatch)
    got = threshold_free(rank_scores(scores), codes, 2, reference=0)
    assert calls == [int(codes.sum())]
    g, r = scores[codes == 1], scores[codes == 0]
    mw = stats.mannwhitneyu(g, r, method="asymptotic")
    assert got.loc[1, "auc"] == pytest.approx(mw.statistic / (g.size * r.size), rel=1e-12)
    assert got.loc[1, "auc_p_value"] == pytest.approx(mw.pvalue, rel=1e-9)
    assert got.loc[1, "ks"] == pytest.approx(stats.ks_2samp(g, r).statistic, abs=1e-15)
    monkeypatch.setattr(_auc_ks, "BLOCK_RUNS", 2**62)
    assert threshold_free(rank_scores(scores), codes, 2, reference=0).equals(got)


@pytest.mark.parametrize("case", ["rest", "ties", "weights"])
def test_other_large_groups_keep_whole_arrays(monkeypatch, case) -> None:
    # a group larger than a block, alone in its chunk, but compared with the rest, or with tied
    # scores, or weighted: the whole-array computation (the blocks assume unit masses and a
    # reference without ties); the same numbers as with blocks disabled
    rng = np.random.default_rng(3)
    n = 3 * _auc_ks.BLOCK_RUNS
    codes = (rng.random(n) < 0.7).astype(int)
    scores = np.round(rng.random(n), 3) if case == "ties" else rng.random(n)
    weights = rng.gamma(2.0, 1.0, n) if case == "weights" else None
    reference = None if case == "rest" else 0
    calls = _calls(monkeypatch)
    got = threshold_free(rank_scores(scores), codes, 2, reference, weights=weights)
    assert calls == []
    monkeypatch.setattr(_auc_ks, "BLOCK_RUNS", 2**62)
    assert threshold_free(rank_scores(scores), codes, 2, reference, weights=weights).equals(got)
    assert 0.45 < got.loc[1, "auc"] < 0.55  # (same distribution: about one half)
