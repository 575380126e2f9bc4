"""The fast paths for large populations give exactly the numbers of the plain algorithms.

* ranking by tie-block codes (radix sort) = the stable comparison sort of the scores;
* threshold-free measures from the policy's ranking / from (score, cell) counts = a second
  sort of the scores with :func:`scoreaudit.stats.distribution.rank_scores`;
* a scorecard's scores through its joint cells = the term-by-term sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.selection.blocks import block_cell_counts, score_blocks
from scoreaudit.selection.policies import Budget
from scoreaudit.stats import distribution as D


def _old_rank(scores, weights, ties, seed):
    # rows by decreasing score, tied rows in row order whatever the tie rule (never shuffled)
    n = scores.size
    order = np.argsort(-scores, kind="stable")
    w = np.ones(n) if weights is None else weights[order]
    return order, scores[order], np.cumsum(w)


def _frame(n: int, seed: int, distinct: int | None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.random(n)
    if distinct is not None:
        score = np.round(score * (distinct - 1)) / (distinct - 1)
    return pd.DataFrame(
        {
            "gender": rng.choice(["man", "woman"], n, p=[0.6, 0.4]),
            "age": rng.choice(["<25", "25-64", "65+"], n, p=[0.2, 0.7, 0.1]),
            "family": rng.choice(["alone", "couple", "single_parent", "other"], n),
            "score": score,
            "w": rng.uniform(0.5, 3.0, n),
        }
    )


@pytest.mark.parametrize("distinct", [3, 40, 300, None])
@pytest.mark.parametrize("ties", ["random", "all"])
@pytest.mark.parametrize("weighted", [False, True])
def test_rank_equals_comparison_sort(distinct, ties, weighted):
    f = _frame(5_000, 1, distinct)
    s = f["score"].to_numpy().copy()
    s[:3] = [0.0, -0.0, 0.0]  # signed zeros are one tie block
    w = f["w"].to_numpy() if weighted else None
    r = Budget(share=0.1, ties=ties, random_state=5).rank(s, w)
    order, sorted_scores, cum = _old_rank(s, w, ties, 5)
    assert np.array_equal(r.order, order)
    assert np.array_equal(r.sorted_scores, sorted_scores)
    assert np.array_equal(r.cum_weight, cum)
    assert (r.blocks is None) == (distinct is None)


def test_score_blocks_and_counts():
    s = np.array([0.5, 0.25, 0.5, 1.0, 0.25, 0.25])
    b = score_blocks(s)
    assert b is not None and b.values.tolist() == [1.0, 0.5, 0.25]
    assert b.code.tolist() == [1, 2, 1, 0, 2, 2]
    assert b.ascending_code().tolist() == [1, 0, 1, 2, 0, 0]
    counts = block_cell_counts(b, np.array([0, 0, 1, 1, 1, 0]), 2)
    assert counts.tolist() == [[0, 1], [1, 1], [2, 1]]
    assert score_blocks(np.arange(100_000) / 7.0) is None
    assert score_blocks(np.repeat(np.arange(300.0), 3), max_blocks=100) is None


@pytest.mark.parametrize("distinct", [7, 500, None])
def test_ranking_from_descending_equals_rank_scores(distinct):
    s = _frame(4_000, 2, distinct)["score"].to_numpy()
    for ties in ("random", "all"):
        r = Budget(share=0.1, ties=ties, random_state=1).rank(s)
        ref = D.rank_scores(s)
        got = D.ranking_from_descending(r.order, r.sorted_scores, exact_order=True)
        for name in ("order", "sorted_scores", "block", "starts", "ends"):
            assert np.array_equal(_blocks_of(got, name), getattr(ref, name)), name
        if r.blocks is not None:
            got = D.ranking_from_descending(
                r.order, r.sorted_scores, ascending_code=r.blocks.ascending_code()
            )
            assert np.array_equal(got.order, ref.order)
        loose = D.ranking_from_descending(r.order, r.sorted_scores, exact_order=False)
        for name in ("sorted_scores", "block", "starts", "ends"):
            assert np.array_equal(_blocks_of(loose, name), getattr(ref, name)), name
        assert got.n_blocks == loose.n_blocks == ref.n_blocks
        assert got.no_ties == loose.no_ties == (distinct is None)


def _blocks_of(r: D.Ranking, name: str) -> np.ndarray:
    """A ranking's array; without ties (left empty) the implied one: block i = [i, i + 1)."""
    if r.no_ties and name in ("block", "starts", "ends"):
        return np.arange(r.n) + (name == "ends")
    return getattr(r, name)


def _reference_threshold_free(
    res: sa.AuditResult, pop: sa.Population, weights: np.ndarray | None
) -> pd.DataFrame:
    """The threshold-free columns as computed before: a second sort, per-row statistics."""
    from scoreaudit.core.cells import build_cells, build_views

    ranking = D.rank_scores(res.scores)
    cells = build_cells(list(pop.attributes.values()))
    refs = res.config["references_used"]
    frames = []
    for v in build_views(cells, True):
        ref = None if refs[v.name] == "(rest)" else v.labels.index(refs[v.name])
        tf = D.threshold_free(ranking, v.row_codes(cells), v.n_groups, ref, weights=weights)
        tf = tf.reset_index(drop=True)
        tf.insert(0, "group", list(v.labels))
        tf.insert(0, "attribute", v.name)
        frames.append(tf)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("distinct", [5, 60, None])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reference", [None, "rest"])
def test_threshold_free_identical_to_second_sort(distinct, weighted, reference):
    f = _frame(6_000, 3, distinct)
    f.loc[:40, "score"] = f["score"].max() + 1  # a small group can be all at the top
    pop = sa.Population(f, protected=["gender", "age", "family"], weight="w" if weighted else None)
    res = sa.audit(pop, "score", sa.Budget(share=0.05), reference=reference)
    want = _reference_threshold_free(res, pop, pop.weights)
    cols = list(D.THRESHOLD_FREE_COLUMNS)
    got = res.disparities[["attribute", "group", *cols]]
    merged = got.merge(want, on=["attribute", "group"], suffixes=("", "_want"), validate="1:1")
    for c in cols:
        a, b = merged[c].to_numpy(), merged[f"{c}_want"].to_numpy()
        assert np.array_equal(a, b, equal_nan=True), c


def test_threshold_free_counts_exact_ks_samples():
    # small groups take the exact KS p-value, from samples rebuilt from the counts
    rng = np.random.default_rng(4)
    s = rng.integers(0, 6, 300).astype(float)
    codes = rng.integers(0, 3, 300)
    b = score_blocks(s)
    counts = block_cell_counts(b, codes, 3)[::-1]
    for ref in (0, None):
        a = D.threshold_free_counts(b.values[::-1], counts, ref)
        want = D.threshold_free(D.rank_scores(s), codes, 3, ref)
        pd.testing.assert_frame_equal(a, want, check_exact=True)


@pytest.mark.parametrize("name", sa.examples.list_models())
def test_scorecard_joint_cells_bit_identical(name, monkeypatch):
    from scoreaudit.models import scorecard as S

    frame = sa.synthetic.c2sg_population(20_000, random_state=3)
    if name.startswith("cnaf"):
        pytest.importorskip("scoreaudit.synthetic")
    card = sa.examples.model(name)
    missing = [c for c in card.features if c not in frame.columns]
    if missing:
        pytest.skip(f"synthetic C2SG data lacks {missing}")
    fast, fast_eta = card.score(frame), card.linear_predictor(frame)
    monkeypatch.setattr(S, "MAX_JOINT_CELLS", 0)
    slow, slow_eta = card.score(frame), card.linear_predictor(frame)
    assert np.array_equal(fast, slow) and np.array_equal(fast_eta, slow_eta)
    # categorical columns as text give the same scores as pandas categoricals
    text = frame.astype(
        {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    )
    assert np.array_equal(card.score(text), slow)


def test_scorecard_joint_cells_bins_and_unused_categories():
    card = sa.Scorecard.from_dict(
        {
            "name": "m",
            "intercept": -1.0,
            "terms": [
                {
                    "kind": "bins",
                    "variable": "x",
                    "edges": [0, 1.5, 3],
                    "closed": "right",
                    "coefficients": [0.1, 0.2, 0.3, 0.4],
                },
                {
                    "kind": "bins",
                    "variable": "x",
                    "name": "x2",
                    "edges": [0, 1.5, 3],
                    "coefficients": [0.0, 0.5, 0.25, 0.125],
                },
                {
                    "kind": "categorical",
                    "variable": "g",
                    "reference": "a",
                    "coefficients": {"a": 0.0, "b": 0.7},
                },
            ],
        }
    )
    x = np.array([-np.inf, -1, 0, 0.5, 1.5, 2, 3, 4, np.inf])
    g = pd.Categorical(["a", "b"] * 4 + ["a"], categories=["a", "b", "zzz"])  # zzz unused
    frame = pd.DataFrame({"x": x, "g": g})
    left = np.searchsorted([0, 1.5, 3], x, side="right")
    right = np.searchsorted([0, 1.5, 3], x, side="left")
    eta = -1.0 + np.array([0.1, 0.2, 0.3, 0.4])[right] + np.array([0.0, 0.5, 0.25, 0.125])[left]
    eta = eta + np.where(np.asarray(g) == "b", 0.7, 0.0)
    np.testing.assert_array_equal(card.linear_predictor(frame), eta)
    with pytest.raises(sa.ModelError, match="zzz"):
        card.score(frame.assign(g=pd.Categorical(["zzz"] * 9, categories=["a", "zzz"])))


@pytest.mark.parametrize("ties", ["random", "all"])
def test_curve_counts_by_stretches_equal_searchsorted(ties):
    from scoreaudit.core.cells import curve_counts

    rng = np.random.default_rng(9)
    n, c = 3_000, 7
    s = np.round(rng.random(n), 2)
    cell = rng.integers(0, c, n).astype(np.int16)
    r = Budget(share=0.1, ties=ties).rank(s)
    counts = r.count_for_share(np.array([0.0, 0.013, 0.5, 0.5, 0.2, 1.0]))
    got, _ = curve_counts(r, cell, c, counts)
    ranked = cell[r.order]
    want = np.array([np.bincount(ranked[:k], minlength=c) for k in counts], dtype=float)
    np.testing.assert_array_equal(got, want)
    # the weighted path with unit weights gives the same counts
    got_w, w = curve_counts(r, cell, c, counts, np.ones(n))
    np.testing.assert_array_equal(got_w, want)
    np.testing.assert_array_equal(w, want)


def test_bootstrap_matches_analytic_intervals_on_large_n():
    rng = np.random.default_rng(11)
    n = 400_000
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    score = rng.normal(size=n) + np.select([g == "b", g == "c"], [0.2, 0.4], 0.0)
    pop = sa.Population(pd.DataFrame({"g": g, "score": score}), protected=["g"])
    for reference in (None, "rest"):
        res = sa.audit(
            pop,
            "score",
            sa.Budget(share=0.1),
            bootstrap=1000,
            reference=reference,
            threshold_free=False,
        )
        d = res.disparities
        cols = list(d.columns)
        assert cols.index("ratio_boot_low") == cols.index("ratio_high") + 1
        # percentile and Katz (log-normal) intervals agree to a few percent at this size
        np.testing.assert_allclose(d["ratio_boot_low"], d["ratio_low"], rtol=0.03)
        np.testing.assert_allclose(d["ratio_boot_high"], d["ratio_high"], rtol=0.03)
        assert (d["ratio_boot_low"] < d["ratio"]).all() and (
            d["ratio"] < d["ratio_boot_high"]
        ).all()
        assert res.config["bootstrap"] == 1000
    again = sa.audit(pop, "score", sa.Budget(share=0.1), bootstrap=1000, threshold_free=False)
    pd.testing.assert_frame_equal(
        again.disparities,
        sa.audit(
            pop, "score", sa.Budget(share=0.1), bootstrap=1000, threshold_free=False
        ).disparities,
    )
    plain = sa.audit(pop, "score", sa.Budget(share=0.1), threshold_free=False)
    assert "ratio_boot_low" not in plain.disparities


def test_bootstrap_refuses_weights_and_bad_counts():
    f = _frame(500, 0, None)
    pop = sa.Population(f, protected=["gender"], weight="w")
    with pytest.raises(sa.DataError, match="unweighted"):
        sa.audit(pop, "score", bootstrap=10)
    with pytest.raises(sa.DataError, match="bootstrap"):
        sa.audit(sa.Population(f, protected=["gender"]), "score", bootstrap=-1)
