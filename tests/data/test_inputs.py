"""Population accepts polars, pyarrow and CSV / Parquet paths, keeping names and categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import scoreaudit as sa
from scoreaudit.data.inputs import to_pandas


def _frame(n: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "genre": pd.Categorical(
                rng.choice(["homme", "femme"], n), categories=["homme", "femme", "autre"]
            ),  # 'autre' unused
            "âge band": rng.choice(["<25", "25-64", "65+"], n),
            "score": rng.random(n),
        }
    )


def _audit(data) -> sa.AuditResult:
    pop = sa.Population(data, protected=["genre", "âge band"])
    return sa.audit(pop, "score", sa.Budget(share=0.1), threshold_free=False)


def _same(a: sa.AuditResult, b: sa.AuditResult) -> None:
    pd.testing.assert_frame_equal(a.groups, b.groups)
    pd.testing.assert_frame_equal(a.disparities, b.disparities)
    pd.testing.assert_frame_equal(a.curve, b.curve)


def test_pyarrow_table_and_record_batch():
    f = _frame()
    want = _audit(f)
    table = pa.Table.from_pandas(f, preserve_index=False)
    assert pa.types.is_dictionary(table.schema.field("genre").type)
    _same(_audit(table), want)
    _same(_audit(table.to_batches()[0]), want)
    pop = sa.Population(table, protected=["genre"])
    assert pop.attributes["genre"].levels == ("homme", "femme")  # category order kept


def test_paths_csv_and_parquet(tmp_path):
    f = _frame()
    want = _audit(f)
    pq.write_table(pa.Table.from_pandas(f, preserve_index=False), tmp_path / "p.parquet")
    _same(_audit(tmp_path / "p.parquet"), want)
    _same(_audit(str(tmp_path / "p.parquet")), want)
    f.to_csv(tmp_path / "p.csv", index=False)
    got = _audit(tmp_path / "p.csv")  # text: categories sorted, not declared
    np.testing.assert_array_equal(got.selected, want.selected)
    g = got.groups.set_index(["attribute", "group"])["selection_rate"]
    w = want.groups.set_index(["attribute", "group"])["selection_rate"]
    pd.testing.assert_series_equal(g.sort_index(), w.sort_index())


def test_polars_dataframe_lazyframe_and_categories():
    pl = pytest.importorskip("polars")
    f = _frame()
    want = _audit(f)
    df = pl.from_pandas(f)  # a polars Categorical: no declared order, sorted like text
    want_sorted = _audit(f.assign(genre=f["genre"].astype(str)))
    _same(_audit(df), want_sorted)
    _same(_audit(df.lazy()), want_sorted)
    np.testing.assert_array_equal(_audit(df).selected, want.selected)
    enum = df.with_columns(pl.col("âge band").cast(pl.Enum(["65+", "25-64", "<25"])))
    pop = sa.Population(enum, protected=["âge band"])
    assert pop.attributes["âge band"].levels == ("65+", "25-64", "<25")
    assert list(to_pandas(enum).columns) == list(f.columns)


def test_other_objects_refused():
    with pytest.raises(sa.DataError, match="polars or pyarrow"):
        sa.Population([[1, 2]], protected=["a"])
