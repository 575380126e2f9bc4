"""Same numbers in memory, in DuckDB and in Spark (local) on 1,000,000 rows (issue 16).

The test suite compares the engines on a few thousand rows; this script does it at the size
the issue names: the 1 M-row synthetic file of ``bench_engine.py`` (the bundled population
repeated, with a continuous score ``cont``), the shipped scorecard with a 5% budget and
proportional ties, and the continuous score with a 5% budget. Every published table
(groups, disparities, curve, calibration) must agree to 1e-12, and the selection too.

Run: PYTHONPATH=src python benchmarks/check_engines_1m.py [--rows 1000000] [--no-spark]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import make_data

import scoreaudit as sa

PROTECTED = ["gender", "age_band", "family_status"]
TABLES = ("groups", "disparities", "curve", "calibration")


def _differences(a: sa.AuditResult, b: sa.AuditResult) -> list[str]:
    out = []
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            if (x is None) != (y is None):
                out.append(f"{name}: present in one engine only")
            continue
        try:
            pd.testing.assert_frame_equal(
                x.reset_index(drop=True),
                y[list(x.columns)].reset_index(drop=True),
                rtol=1e-12,
                atol=1e-12,
                check_dtype=False,
            )
        except AssertionError as exc:
            out.append(f"{name}: {str(exc).splitlines()[0]}")
    if a.selection.n_selected != b.selection.n_selected:
        out.append(f"selected {a.selection.n_selected} != {b.selection.n_selected}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-spark", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    path = make_data(args.rows)
    frame = pd.read_parquet(path)
    engines = ["duckdb"] + ([] if args.no_spark else ["spark"])
    if "spark" in engines:
        from pyspark.sql import SparkSession

        SparkSession.builder.master("local[2]").config("spark.driver.memory", "2g").config(
            "spark.ui.enabled", "false"
        ).getOrCreate()
    cases = [
        ("scorecard", sa.examples.model("c2sg-reconstruction"), "irregular"),
        ("continuous", "cont", None),
    ]
    failed = False
    for name, model, label in cases:
        policy = sa.Budget(share=0.05, ties="proportional")
        t0 = time.perf_counter()
        want = sa.audit(sa.Population(frame, protected=PROTECTED, label=label), model, policy)
        print(f"{args.rows:,} rows, {name}: memory {time.perf_counter() - t0:.1f} s")
        for engine in engines:
            t0 = time.perf_counter()
            pop = sa.Population(str(path), engine=engine, protected=PROTECTED, label=label)
            got = sa.audit(pop, model, policy)
            diff = _differences(got, want)
            failed |= bool(diff)
            verdict = "same tables (1e-12)" if not diff else "; ".join(diff)
            print(f"  {engine}: {time.perf_counter() - t0:.1f} s, {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
