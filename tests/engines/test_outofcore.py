"""sa.audit_file: batches of a Parquet file give exactly the numbers of the in-memory audit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import scoreaudit as sa


def _same(a: sa.AuditResult, b: sa.AuditResult) -> None:
    pd.testing.assert_frame_equal(a.groups, b.groups, check_exact=True)
    pd.testing.assert_frame_equal(
        a.disparities, b.disparities[list(a.disparities.columns)], check_exact=True
    )
    pd.testing.assert_frame_equal(a.curve, b.curve, check_exact=True)
    for key in ("n_selected", "share", "cutoff", "tied_at_cutoff", "tied_selected"):
        assert getattr(a.selection, key) == getattr(b.selection, key), key
    assert a.config["references_used"] == b.config["references_used"]


def _frame(n: int, seed: int, scores: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["woman", "man"], n, p=[0.45, 0.55])
    s = rng.normal(size=n) + 0.3 * (g == "woman")
    if scores == "few":
        s = np.round(s * 4) / 4  # about 30 distinct scores: big tie blocks
    elif scores == "ties":
        s = np.round(s, 3)  # thousands of distinct scores, small tie blocks
    elif scores == "continuous":
        s[: n // 50] = 0.5  # continuous, with one tie block
    return pd.DataFrame(
        {
            "gender": pd.Categorical(g, categories=["woman", "man", "unused"]),
            "age": rng.integers(18, 90, n),
            "family": rng.choice(["couple", "alone", "single_parent"], n),
            "score": s,
        }
    )


@pytest.mark.parametrize("scores", ["few", "ties", "continuous"])
@pytest.mark.parametrize(
    "policy",
    [
        sa.Budget(share=0.1),
        sa.Budget(share=0.1, ties="all"),
        sa.Budget(count=777, random_state=5),
        sa.Threshold(1.0),
    ],
)
def test_equal_to_in_memory(tmp_path, scores, policy, monkeypatch):
    from scoreaudit.engines import outofcore

    if scores != "few":  # more distinct scores than the table takes: radix selection
        monkeypatch.setattr(outofcore, "MAX_BLOCKS", 40)
    monkeypatch.setattr(outofcore, "_PERM_CHUNK", 997)  # the lottery walk in many chunks
    f = _frame(20_000, 1, scores)
    path = tmp_path / "f.parquet"
    f.to_parquet(path, row_group_size=3_000)
    kw = {"bands": {"age": [25, 35, 50, 65]}}
    budgets = [0.0, 0.01, 0.05, 0.1, 0.33, 0.5, 1.0]
    mem = sa.audit(
        sa.Population(f, protected=["gender", "age", "family"], **kw),
        "score",
        policy,
        budgets=budgets,
    )
    got = sa.audit_file(
        path,
        "score",
        policy,
        protected=["gender", "age", "family"],
        budgets=budgets,
        batch_size=2_345,
        **kw,
    )
    _same(got, mem)
    if scores != "few":
        assert "auc" not in got.disparities and not got.config["threshold_free"]
        assert any("threshold-free" in w for w in got.warnings)
    else:
        assert "auc" in got.disparities
    assert got.selected.size == 0


@pytest.mark.parametrize("reference", ["rest", {"family_status": "alone", "gender": "man"}])
def test_references_and_scorecard(tmp_path, reference):
    f = sa.synthetic.c2sg_population(30_000, random_state=2)
    path = tmp_path / "c2sg.parquet"
    f.to_parquet(path)
    model = sa.examples.model("c2sg-reconstruction")
    protected = ["gender", "age_band", "family_status"]
    mem = sa.audit(
        sa.Population(f, protected=protected), model, sa.Budget(share=0.05), reference=reference
    )
    got = sa.audit_file(
        path,
        model,
        sa.Budget(share=0.05),
        protected=protected,
        reference=reference,
        batch_size=4_000,
    )
    _same(got, mem)
    assert got.config["out_of_core"]["distinct_scores"] == np.unique(mem.scores).size


def test_priorities_reproduce_the_permutation():
    from scoreaudit.engines.outofcore import _priorities

    for n, seed in [(1, 0), (17, 3), (100_003, 42)]:
        perm = np.random.default_rng(seed).permutation(n)
        prio = _priorities(n, seed)
        assert np.array_equal(perm[prio], np.arange(n))


def test_order_preserving_keys():
    from scoreaudit.engines.outofcore import _from_key, _keys

    x = np.array([-np.inf, -1e300, -2.5, -1e-300, -0.0, 0.0, 1e-300, 0.5, 3.0, np.inf])
    k = _keys(x)
    assert np.all(np.diff(k.astype(object)) >= 0) and k[4] == k[5]
    np.testing.assert_array_equal(_from_key(k), x + 0.0)


def test_errors(tmp_path):
    f = _frame(1_000, 0, "few")
    path = tmp_path / "f.parquet"
    f.assign(family=f["family"].where(f.index != 500)).to_parquet(path)
    with pytest.raises(sa.DataError, match="missing"):
        sa.audit_file(path, "score", protected=["family"])
    f.to_parquet(path)
    with pytest.raises(sa.DataError, match="not found"):
        sa.audit_file(path, "score", protected=["nope"])
    with pytest.raises(sa.DataError, match="bands"):
        sa.audit_file(path, "score", protected=["age"])
    with pytest.raises(sa.PolicyError, match="exceeds"):
        sa.audit_file(path, "score", sa.Budget(count=5_000), protected=["gender"])


ROWS = 6_000_000
LIMIT_MB = 850  # address space of the subprocess; Python with its imports takes ~490 of it


def test_file_larger_than_the_memory_limit(tmp_path):
    """Under RLIMIT_AS the file's data is twice the memory left, yet audit_file runs on it.

    The subprocess runs single-threaded with the system allocator (threads and mimalloc
    reserve address space that RLIMIT_AS counts though it is never used). Reading such a file
    whole under the limit makes pyarrow hang rather than fail, so the test checks sizes
    instead: the uncompressed column data of the file exceeds twice the address space left
    after the imports.
    """
    rng = np.random.default_rng(7)
    gender = rng.integers(0, 2, ROWS).astype(np.int8)
    age = rng.integers(0, 6, ROWS).astype(np.int8)
    score = np.round(rng.normal(size=ROWS) + 0.2 * gender, 1)  # ~80 distinct: lottery at ties
    table = pa.table(
        {
            "gender": pa.DictionaryArray.from_arrays(gender, ["man", "woman"]),
            "age_band": pa.DictionaryArray.from_arrays(
                age, ["<25", "25-34", "35-44", "45-54", "55-64", "65+"]
            ),
            "score": score,
            **{f"x{i}": rng.random(ROWS, dtype=np.float32) for i in range(36)},
        }
    )
    path = tmp_path / "big.parquet"
    pq.write_table(table, path, row_group_size=500_000, compression="none")
    del table
    meta = pq.ParquetFile(path).metadata
    data_mb = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)) / 2**20
    expected = tmp_path / "expected.json"
    mem = sa.audit(
        sa.Population(
            pd.read_parquet(path, columns=["gender", "age_band", "score"]),
            protected=["gender", "age_band"],
        ),
        "score",
        sa.Budget(share=0.05),
        threshold_free=False,
    )
    expected.write_text(mem.to_json())
    del mem

    script = textwrap.dedent(f"""
        import json, resource
        limit = {LIMIT_MB} * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        import pyarrow as pa
        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
        import scoreaudit as sa
        status = open("/proc/self/status").read()
        print("BASELINE_MB", int(status.split("VmPeak:")[1].split()[0]) / 1024)
        res = sa.audit_file({str(path)!r}, "score", sa.Budget(share=0.05),
                            protected=["gender", "age_band"], threshold_free=False,
                            batch_size=200_000)
        want = json.loads(open({str(expected)!r}).read())
        got = json.loads(res.to_json())
        for key in ("groups", "disparities", "curve", "selection"):
            assert got[key] == want[key], key
        print("OUT OF CORE: equal")
    """)
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "ARROW_DEFAULT_MEMORY_POOL": "system",
    }
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "OUT OF CORE: equal" in proc.stdout
    baseline = float(proc.stdout.split("BASELINE_MB")[1].split()[0])
    assert data_mb > 2 * (LIMIT_MB - baseline), (data_mb, baseline)
