"""Issue 16, checked end to end: the tie rule gives the same tables on every engine (DuckDB and
Spark in local mode, weighted or not), and a scikit-learn model is scored on record batches
streamed from the engine (several batches) with the in-memory numbers."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.data import sources as data_sources

KW = {"protected": ["gender", "family", "age"], "bands": {"age": [25, 40, 65]}}
TABLES = ("groups", "disparities", "curve", "curve_at_levels")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(1616)
    n = 3_000
    g = rng.choice(["woman", "man"], n, p=[0.45, 0.55])
    return pd.DataFrame(
        {
            "gender": g,
            "family": rng.choice(["alone", "couple", "single_parent"], n),
            "age": rng.integers(18, 90, n).astype("int64"),
            "ties": rng.integers(0, 9, n) / 9 + 0.05 * (g == "woman"),  # 18 levels, heavy ties
            "income": rng.random(n),
            "label": rng.choice([0.0, 1.0, np.nan], n, p=[0.3, 0.2, 0.5]),
            "weight": rng.gamma(2.0, 1.0, n) + 0.1,
        }
    )


def _same(a: sa.AuditResult, b: sa.AuditResult, tables=TABLES) -> None:
    for name in tables:
        x, y = getattr(a, name), getattr(b, name)
        pd.testing.assert_frame_equal(
            x.reset_index(drop=True),
            y[list(x.columns)].reset_index(drop=True),
            rtol=1e-12,
            atol=1e-12,
            check_dtype=False,
            obj=name,
        )
    assert a.selection.n_selected == b.selection.n_selected
    assert a.selection.cutoff == b.selection.cutoff
    assert a.selection.tied_at_cutoff == b.selection.tied_at_cutoff


# ---- scikit-learn model on record batches ----------------------------------------------------


def test_sklearn_model_scored_in_streamed_batches(frame, tmp_path, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    X = frame[["income", "age"]]
    est = LogisticRegression().fit(X, (frame["income"] + frame["age"] / 90 > 1).astype(int))
    sizes: list[int] = []
    original = data_sources.LazySource.batches

    def small_batches(self, expr, size=1_000_000):
        for batch in original(self, expr, size=700):
            sizes.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(data_sources.LazySource, "batches", small_batches)
    frame.iloc[:1000].to_parquet(tmp_path / "p0.parquet")
    frame.iloc[1000:].to_parquet(tmp_path / "p1.parquet")
    policy = sa.Budget(share=0.1)
    got = sa.audit(sa.Population(str(tmp_path / "*.parquet"), label="label", **KW), est, policy)
    want = sa.audit(sa.Population(frame, label="label", **KW), est, policy)
    assert len(sizes) >= 5 and sum(sizes) == len(frame) and max(sizes) <= 700
    assert got.config["engine"]["name"] == "duckdb"
    _same(got, want)


# ---- Spark, local mode ------------------------------------------------------------------------


def _spark_reason() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'scoreaudit[spark]')"
    if shutil.which("java") is None:
        return "Java is not installed (the Spark engine needs Java 17)"
    return None


@pytest.fixture(scope="module")
def spark():
    reason = _spark_reason()
    if reason:
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("scoreaudit-tests-parity")
        .config("spark.sql.shuffle.partitions", "3")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.spark
@pytest.mark.parametrize("weight", [None, "weight"])
def test_spark_proportional_ties_equal_duckdb_and_memory(frame, spark, tmp_path, weight):
    """The tie rule at the audit's budget and at every budget of the curve, on three paths."""
    sdf = spark.createDataFrame(frame).repartition(3)  # rows summed in another order
    frame.iloc[::-1].to_parquet(tmp_path / "reversed.parquet")  # and in another row order
    kw = {**KW, "label": "label", "weight": weight}
    policy = sa.Budget(share=0.1, ties="proportional")
    want = sa.audit(sa.Population(frame, **kw), "ties", policy)
    assert want.selection.tied_at_cutoff > 0  # the rule is exercised at the audit's budget
    on_spark = sa.audit(sa.Population(sdf, **kw), "ties", policy)
    on_duckdb = sa.audit(
        sa.Population(str(tmp_path / "reversed.parquet"), engine="duckdb", **kw), "ties", policy
    )
    assert on_spark.config["engine"]["name"] == "spark"
    assert on_duckdb.config["engine"]["name"] == "duckdb"
    _same(on_spark, want)
    _same(on_duckdb, want)


@pytest.mark.spark
def test_spark_sklearn_model_in_batches(frame, spark):
    from sklearn.linear_model import LogisticRegression

    X = frame[["income", "age"]]
    est = LogisticRegression().fit(X, (frame["income"] > 0.7).astype(int))
    policy = sa.Budget(share=0.07)
    got = sa.audit(sa.Population(spark.createDataFrame(frame), **KW), est, policy)
    want = sa.audit(sa.Population(frame, **KW), est, policy)
    assert got.config["engine"]["name"] == "spark"
    _same(got, want)


# ---- the warnings every engine ends with ------------------------------------------------------


@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_closing_warnings_are_the_same_on_both_engines(scale) -> None:
    """Scores in percent (lowest 3, highest 97, known by construction) read as probabilities
    by a calibration table, and a population of 20 files (fewer than two smallest cells of
    11): both warnings, with the same values, in memory and on DuckDB; scores in [0, 1] give
    only the second."""
    import duckdb

    scores = np.linspace(0.03, 0.97, 20) * scale
    frame = pd.DataFrame(
        {"gender": ["woman", "man"] * 10, "score": scores, "label": [0.0, 1.0, 1.0, 0.0] * 5}
    )
    kw = {"protected": ["gender"], "label": "label"}
    mem = sa.audit(sa.Population(frame, **kw), "score", sa.Budget(share=0.25))
    lazy = sa.Population(duckdb.sql("SELECT * FROM frame"), **kw)
    sql = sa.audit(lazy, "score", sa.Budget(share=0.25))
    codes = [(w.code, w.params) for w in mem.warnings]
    assert codes == [(w.code, w.params) for w in sql.warnings]
    expected = [("warn_small_population", {"n": 20})]
    if scale > 1:
        lo, hi = codes[0][1]["lo"], codes[0][1]["hi"]
        assert codes[0][0] == "warn_scores_outside_unit"
        assert (lo, hi) == pytest.approx((3.0, 97.0), rel=1e-12)
        expected.insert(0, codes[0])
    assert codes[-len(expected) :] == expected
    assert [c for c, _ in codes].count("warn_scores_outside_unit") == (scale > 1)
