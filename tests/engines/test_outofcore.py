"""sa.audit_file: a deprecated alias of sa.audit on a Parquet file kept in DuckDB."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["woman", "man"], n, p=[0.45, 0.55])
    s = np.round(rng.normal(size=n) + 0.3 * (g == "woman"), 2)
    return pd.DataFrame(
        {
            "gender": pd.Categorical(g, categories=["woman", "man", "unused"]),
            "age": rng.integers(18, 90, n),
            "family": rng.choice(["couple", "alone", "single_parent"], n),
            "score": s,
        }
    )


def test_alias_warns_and_equals_in_memory(tmp_path):
    f = _frame(5_000, 0)
    path = tmp_path / "f.parquet"
    f.to_parquet(path)
    policy = sa.Budget(share=0.1, ties="all")
    kw = {"protected": ["gender", "age"], "bands": {"age": [30, 60]}}
    with pytest.warns(DeprecationWarning, match="sa.audit_file is deprecated"):
        got = sa.audit_file(path, "score", policy, batch_size=1000, **kw)
    mem = sa.audit(sa.Population(f, **kw), "score", policy)
    for name in ("groups", "disparities", "curve"):
        pd.testing.assert_frame_equal(
            getattr(got, name), getattr(mem, name), rtol=1e-12, atol=1e-12, check_dtype=False
        )
    assert got.selection.n_selected == mem.selection.n_selected
    assert got.config["engine"]["name"] == "duckdb"


def test_errors(tmp_path):
    f = _frame(1_000, 0)
    path = tmp_path / "f.parquet"
    f.assign(family=f["family"].where(f.index != 500)).to_parquet(path)
    with pytest.warns(DeprecationWarning), pytest.raises(sa.DataError, match="missing"):
        sa.audit_file(path, "score", protected=["family"])
    f.to_parquet(path)
    with pytest.warns(DeprecationWarning), pytest.raises(sa.DataError, match="'nope' not found"):
        sa.audit_file(path, "score", protected=["nope"])
    with pytest.warns(DeprecationWarning), pytest.raises(sa.DataError, match="bands"):
        sa.audit_file(path, "score", protected=["age"])
    with pytest.warns(DeprecationWarning), pytest.raises(sa.PolicyError, match="exceeds"):
        sa.audit_file(path, "score", sa.Budget(count=5_000), protected=["gender"])
