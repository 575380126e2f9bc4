"""In-memory vs DuckDB vs Spark local vs a hand-written DuckDB SQL floor (not a test).

Every run is a fresh subprocess (time from the start of the work, peak RSS of the process,
imports included), so the ratios compare like with like in the same run::

    python benchmarks/bench_engine.py --rows 6000000 20000000 [--with-50m] [--no-spark]
    python benchmarks/bench_engine.py --rows 20000000 --scores scorecard --no-spark --repeat 5

With ``--repeat N`` the floor and the engines run in turn N times (rounds): each run's ratio
is to the floor of its own round, and the median ratio is printed. Every run reports its wall
time, its CPU time (all threads of the process: less sensitive to other jobs on a shared
machine than the wall time) and its peak RSS.

The data are the bundled synthetic population (``data/synthetic/c2sg_100k.parquet``)
repeated to the wanted number of rows, plus a continuous score column ``cont`` (uniform,
as many distinct values as rows), written once per size to ``benchmarks/_data``.

Runs
----
* ``memory``: ``pd.read_parquet`` of the needed columns + ``sa.audit`` (6 M rows only, and
  20 M with ``--memory-20m``);
* ``duckdb``: ``sa.audit(sa.Population(path, ..., engine="duckdb"), ...)``;
* ``spark``: the same with ``engine="spark"`` (local[2]; 6 M rows only unless ``--spark-all``);
* ``floor``: hand-written DuckDB SQL computing the same per-(score, cell, label) counts
  (scorecard: the score as CASE arithmetic; continuous score: one exact cut-off by
  ``ORDER BY ... LIMIT``, then counts per cell above it), fetched to Python. It publishes
  nothing: it is the least work any engine-side audit must do.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "_data"
PROTECTED = ["gender", "age_band", "family_status"]
COLUMNS = [
    "gender",
    "age",
    "age_band",
    "family_status",
    "n_minors",
    "income_to_ceiling",
    "recent_household_change",
    "irregular",
]

FLOOR_SCORECARD = """
SELECT gender, age_band, family_status, irregular,
  1 / (1 + exp(-(
    -3.2
    + CASE WHEN gender = 'woman' THEN ln(1.3) ELSE 0 END
    + CASE WHEN age > 25 THEN ln(1.25) ELSE 0 END
    + CASE WHEN n_minors >= 1 THEN ln(1.4) ELSE 0 END
    + CASE WHEN gender = 'woman' AND n_minors >= 1 THEN ln(1.2) ELSE 0 END
    + CASE WHEN income_to_ceiling >= 0.9 THEN ln(1.6)
           WHEN income_to_ceiling >= 0.7 THEN ln(1.3) ELSE 0 END
    + CASE WHEN family_status = 'single_parent' THEN ln(1.25) ELSE 0 END
    + CASE WHEN recent_household_change = 1 THEN ln(1.3) ELSE 0 END))) AS score,
  count(*) AS n
FROM read_parquet('{path}')
GROUP BY ALL
"""

FLOOR_CONTINUOUS = """
WITH cut AS (
  SELECT cont AS v FROM read_parquet('{path}') ORDER BY cont DESC LIMIT 1 OFFSET {k} - 1
)
SELECT gender, age_band, family_status,
  count(*) FILTER (WHERE cont > (SELECT v FROM cut)) AS above,
  count(*) FILTER (WHERE cont = (SELECT v FROM cut)) AS at,
  count(*) AS n
FROM read_parquet('{path}')
GROUP BY ALL
"""


def make_data(rows: int) -> Path:
    """The synthetic population repeated to ``rows`` rows, with a continuous score."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / ".gitignore").write_text("*\n")  # generated data, never committed
    path = DATA / f"c2sg_{rows}.parquet"
    if path.exists():
        return path
    base = pq.read_table(ROOT / "data" / "synthetic" / "c2sg_100k.parquet", columns=COLUMNS)
    rng = np.random.default_rng(rows)
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, base.schema.append(pa.field("cont", pa.float64()))) as w:
        done = 0
        while done < rows:
            part = base.slice(0, min(base.num_rows, rows - done))
            part = part.append_column("cont", pa.array(rng.random(part.num_rows)))
            w.write_table(part, row_group_size=1_000_000)
            done += part.num_rows
    tmp.rename(path)
    return path


CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
kind, path, score = sys.argv[1], sys.argv[2], sys.argv[3]
PROTECTED = ["gender", "age_band", "family_status"]
t0, c0 = time.perf_counter(), time.process_time()
if kind == "floor":
    import duckdb
    q = sys.argv[4]
    got = duckdb.sql(q).fetchall()
    out = {"rows_back": len(got)}
else:
    import scoreaudit as sa
    model = sa.examples.model("c2sg-reconstruction") if score == "scorecard" else "cont"
    t0, c0 = time.perf_counter(), time.process_time()  # the library's import is not timed
    kw = {"protected": PROTECTED, "label": "irregular" if score == "scorecard" else None}
    if kind == "memory":
        import pandas as pd
        cols = ["gender", "age", "age_band", "family_status", "n_minors", "income_to_ceiling",
                "recent_household_change", "irregular", "cont"]
        pop = sa.Population(pd.read_parquet(path, columns=cols), **kw)
    else:
        if kind == "spark":
            from pyspark.sql import SparkSession
            SparkSession.builder.master("local[2]").config("spark.driver.memory", "2g") \
                .config("spark.ui.enabled", "false").getOrCreate()
        pop = sa.Population(path, engine=kind, **kw)
    res = sa.audit(pop, model, sa.Budget(share=0.05))
    out = {"selected": int(res.selection.n_selected), "levels": res.config.get("engine", {}).get("levels")}
out["seconds"] = time.perf_counter() - t0
out["cpu_seconds"] = time.process_time() - c0  # every thread of the process (DuckDB's too)
out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT", json.dumps(out))
"""


def run(kind: str, path: Path, score: str, rows: int) -> dict:
    args = [sys.executable, "-c", CHILD, kind, str(path), score]
    if kind == "floor":
        sql = FLOOR_SCORECARD if score == "scorecard" else FLOOR_CONTINUOUS
        args.append(sql.format(path=path, k=round(0.05 * rows)))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - start
    # DuckDB's own progress bar writes to stdout, possibly on the RESULT line: search for it
    line = re.findall(r"RESULT (\{.*?\})", proc.stdout)
    if proc.returncode or not line:
        err = proc.stderr.strip()[-800:] or (
            f"exit code {proc.returncode}, no result; stdout ends {proc.stdout[-300:]!r}"
        )
        return {"kind": kind, "score": score, "rows": rows, "error": err}
    out = json.loads(line[-1])
    out.update(kind=kind, score=score, rows=rows, wall_seconds=wall)
    return out


def _show(r: dict) -> str:
    if "seconds" not in r:
        return "ERROR " + r["error"].strip().splitlines()[-1]
    return (
        f"{r['seconds']:8.2f} s (CPU {r['cpu_seconds']:6.2f} s)  {r['peak_rss_mib']:7.0f} MiB"
        f"  x{r.get('vs_floor', 1.0):5.2f} floor (CPU x{r.get('cpu_vs_floor', 1.0):5.2f})"
    )


def _summary(results: list, rows: int, score: str, kinds: list) -> None:
    """Median over the rounds of each run's ratio to the floor of its own round."""
    import statistics

    for k in kinds:
        got = [r for r in results if (r["rows"], r["score"], r["kind"]) == (rows, score, k)]
        ratios = [r["vs_floor"] for r in got if "vs_floor" in r]
        if len(ratios) > 1:
            cpu = [r["cpu_vs_floor"] for r in got if "cpu_vs_floor" in r]
            print(
                f"{rows:>11,} {score:<10} {k:<7} median of {len(ratios)} rounds: "
                f"x{statistics.median(ratios):.2f} floor (range {min(ratios):.2f}-"
                f"{max(ratios):.2f}), CPU x{statistics.median(cpu):.2f}, peak "
                f"{max(r['peak_rss_mib'] for r in got):.0f} MiB",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[6_000_000, 20_000_000])
    ap.add_argument("--with-50m", action="store_true", help="also 50 M rows (engines only)")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--spark-all", action="store_true", help="Spark at every size")
    ap.add_argument("--memory-20m", action="store_true", help="in-memory at 20 M rows too")
    ap.add_argument("--scores", nargs="+", default=["scorecard", "continuous"])
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of (floor, engines), alternating")
    a = ap.parse_args()
    sizes = list(a.rows) + ([50_000_000] if a.with_50m else [])
    results = []
    for rows in sizes:
        path = make_data(rows)
        for score in a.scores:
            kinds = ["floor", "duckdb"]
            if rows <= 6_000_000 or (a.memory_20m and rows <= 20_000_000):
                kinds.append("memory")
            if not a.no_spark and (rows <= 6_000_000 or a.spark_all):
                kinds.append("spark")
            for rep in range(a.repeat):  # floor and audit alternate: ratios within a round
                floor = None
                for k in kinds:
                    r = run(k, path, score, rows)
                    r["round"] = rep
                    if k == "floor":
                        floor = r
                    elif floor and "seconds" in r and "seconds" in floor:
                        r["vs_floor"] = r["seconds"] / floor["seconds"]
                        r["cpu_vs_floor"] = r["cpu_seconds"] / floor["cpu_seconds"]
                    results.append(r)
                    print(f"{rows:>11,} {score:<10} {k:<7} {_show(r)}", flush=True)
            _summary(results, rows, score, kinds[1:])
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
