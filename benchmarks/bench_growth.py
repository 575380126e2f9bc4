"""Cost per row of the audit of a continuous score, 1 M to 20 M rows, against floors and peers.

With ``--scores tied`` the score has 50 distinct values (a scorecard's shape, ``score``
column) instead, and the floor is ``bench_core.numpy_card`` (peers: continuous only).

Each (task, rows) runs in its own subprocess, which builds its data with numpy (seeded, so
every task sees the same rows): 3 protected attributes (2 x 6 x 5 levels, 60 finest cells,
drawn uniformly), a continuous score (``rng.random``: as many distinct values as rows).
Time is the median wall and CPU (``time.process_time``) time of ``--repeat`` runs, memory the peak resident set size above
the size with the input frame built (psutil, 5 ms sampling; :class:`bench_scale.PeakRSS`).

Tasks:

* ``audit``: ``sa.Population`` + ``sa.audit(ScoreColumn)``, 5% budget, reference gender=man,
  every default (intervals, Holm p-values, power, AUC/DeLong/KS of 118 comparisons,
  100-budget curve);
* ``numpy``: the vectorised numpy floor of ``bench_core.py`` (``numpy_cont``): one argsort,
  group counts at 5% and at 100 budgets, AUC (rank sums) and KS of every group of the 7
  views against the rest - not the project's code;
* ``polars`` (peer, with ``--peers``): the same group counts at 5% and AUC by rank sums per
  group of each view (``rank``, ``group_by``), no KS, no intervals;
* ``duckdb`` (peer, with ``--peers``): the same in SQL (``rank() OVER``, ``GROUP BY``);
* ``fairlearn`` (peer, with ``--peers``): ``MetricFrame(selection_rate)`` by the three
  attributes given the selected flag (a group table only).

Run: PYTHONPATH=src python benchmarks/bench_growth.py [--rows 1000000 2000000 ...]
     [--repeat 3] [--peers] [--tasks audit,numpy] [--warm-gib 16]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import numpy_card, numpy_cont
from bench_scale import PeakRSS

ATTRS = ["gender", "age_band", "family_status"]
LEVELS = {
    "gender": ["man", "woman"],
    "age_band": ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
    "family_status": ["alone", "couple", "couple_children", "single_parent", "other"],
}


def frame(rows: int, scores: str = "continuous") -> pd.DataFrame:
    rng = np.random.default_rng(0)
    cols = {
        a: pd.Categorical.from_codes(rng.integers(0, len(lv), rows), lv) for a, lv in LEVELS.items()
    }
    if scores == "tied":  # 50 distinct scores, as a scorecard's
        return pd.DataFrame({**cols, "score": rng.integers(0, 50, rows) / 50.0})
    return pd.DataFrame({**cols, "score_c": rng.random(rows)})


def _k(rows: int) -> int:
    return int(np.floor(0.05 * rows + 0.5))


def audit(f: pd.DataFrame) -> dict:
    import scoreaudit as sa

    pop = sa.Population(f, protected=ATTRS)
    column = "score" if "score" in f else "score_c"
    res = sa.audit(pop, sa.ScoreColumn(column), sa.Budget(share=0.05), reference={"gender": "man"})
    fin = res.groups[res.groups["attribute"] == " × ".join(ATTRS)]
    return {"selected": sorted(fin["selected"].tolist())}


def numpy_floor(f: pd.DataFrame) -> dict:
    out = numpy_card(f) if "score" in f else numpy_cont(f)
    return {
        "selected": sorted(
            int(x) for x, b in zip(out["selected_cells"], out["base"], strict=True) if b
        )
    }


def polars_peer(f: pd.DataFrame) -> dict:
    import polars as pl

    df = pl.from_pandas(f).with_columns(
        pl.col("score_c").rank("ordinal", descending=True).alias("r"),
        pl.col("score_c").rank("average").alias("asc"),
    )
    df = df.with_columns((pl.col("r") <= _k(f.shape[0])).alias("sel"))
    n = df.height
    for keys in ([a] for a in ATTRS):
        g = df.group_by(keys).agg(pl.len().alias("n"), pl.col("asc").sum().alias("rs"))
        g.with_columns(
            (
                (pl.col("rs") - pl.col("n") * (pl.col("n") + 1) / 2)
                / (pl.col("n") * (n - pl.col("n")))
            ).alias("auc")
        )
    fin = df.group_by(ATTRS).agg(pl.col("sel").sum().alias("s"))
    return {"selected": sorted(fin["s"].to_list())}


def duckdb_peer(f: pd.DataFrame) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("f", f)
    k = _k(f.shape[0])
    con.execute(
        "CREATE TEMP TABLE r AS SELECT *, row_number() OVER (ORDER BY score_c DESC) AS rd, "
        "rank() OVER (ORDER BY score_c) AS ra FROM f"
    )
    n = f.shape[0]
    for a in ATTRS:
        con.execute(
            f"SELECT {a}, (sum(ra) - count(*) * (count(*) + 1) / 2) / (count(*) * ({n} - count(*))) "
            f"FROM r GROUP BY {a}"
        ).fetchall()
    res = con.execute(
        f"SELECT sum(CASE WHEN rd <= {k} THEN 1 ELSE 0 END) FROM r GROUP BY ALL_KEYS".replace(
            "ALL_KEYS", ", ".join(ATTRS)
        )
    ).fetchall()
    return {"selected": sorted(int(x[0]) for x in res)}


def fairlearn_peer(f: pd.DataFrame) -> dict:
    from fairlearn.metrics import MetricFrame, selection_rate

    order = np.argsort(-f["score_c"].to_numpy(), kind="stable")
    sel = np.zeros(f.shape[0], dtype=int)
    sel[order[: _k(f.shape[0])]] = 1
    mf = MetricFrame(
        metrics={"rate": selection_rate, "count": lambda y, p: int(np.sum(p))},
        y_true=sel,
        y_pred=sel,
        sensitive_features=f[ATTRS],
    )
    return {"selected": sorted(int(x) for x in mf.by_group["count"].dropna())}


TASKS = {
    "audit": audit,
    "numpy": numpy_floor,
    "polars": polars_peer,
    "duckdb": duckdb_peer,
    "fairlearn": fairlearn_peer,
}


def worker(task: str, rows: int, repeat: int, scores: str) -> None:
    f = frame(rows, scores)
    TASKS[task](f.iloc[:2000].reset_index(drop=True))  # warm imports
    times, cpu, mem, out = [], [], 0.0, None
    for _ in range(repeat):
        with PeakRSS() as m:
            t0, c0 = time.perf_counter(), time.process_time()
            out = TASKS[task](f)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        mem = max(mem, m.above_mb)
    res = {"time": statistics.median(times), "cpu": statistics.median(cpu), "mib": mem}
    print("RESULT " + json.dumps({**res, "out": out}))


def _warm(gib: float) -> None:
    """Touch ``gib`` GiB twice and free it: the runs that follow find memory the host backs."""
    for _ in range(2):
        start = time.perf_counter()
        block = np.ones(int(gib * 2**30) // 8)
        print(f"touched {gib:g} GiB in {time.perf_counter() - start:.1f} s", flush=True)
        del block


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--rows", type=int, nargs="+", default=[1_000_000, 2_000_000, 5_000_000, 10_000_000]
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", action="store_true")
    ap.add_argument("--scores", choices=["continuous", "tied"], default="continuous")
    ap.add_argument("--tasks", help="comma-separated tasks to run (default: all)")
    ap.add_argument(
        "--warm-gib",
        type=float,
        default=0.0,
        help="touch this much memory first (on a virtual machine whose host backs memory "
        "lazily, memory not touched for a while costs several times more on first touch)",
    )
    ap.add_argument("--worker")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.rows[0], args.repeat, args.scores)
        return
    if args.warm_gib:
        _warm(args.warm_gib)
    peers = args.peers and args.scores == "continuous"
    tasks = ["audit", "numpy"] + (["polars", "duckdb", "fairlearn"] if peers else [])
    if args.tasks:
        tasks = [t for t in tasks if t in args.tasks.split(",")]
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| rows | task | wall | CPU | CPU per M rows | peak above input | per M rows | same |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for rows in args.rows:
        ref = None
        for task in tasks:
            cmd = [sys.executable, __file__, "--worker", task, "--rows", str(rows)]
            cmd += ["--scores", args.scores]
            proc = subprocess.run(
                [*cmd, "--repeat", str(args.repeat)], capture_output=True, text=True
            )
            line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if not line:
                print(f"| {rows:,} | {task} | failed: {proc.stderr[-300:]!r} |", flush=True)
                continue
            r = json.loads(line[-1][7:])
            ref = ref or r["out"]["selected"]
            m = rows / 1e6
            print(
                f"| {rows:,} | {task} | {r['time']:.2f} s | {r['cpu']:.2f} s | "
                f"{r['cpu'] / m:.3f} s | {r['mib']:,.0f} MiB | {r['mib'] / m:.0f} MiB | "
                f"{r['out']['selected'] == ref} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
