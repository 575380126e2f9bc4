"""The core audit against floors computing the same group counts (issue 19).

Every task runs in its own subprocess on the same Parquet file; wall time is the median of
``--repeat`` runs, memory the peak resident set size above the size with the input frame
loaded (psutil, sampled every 5 ms). Ratios are computed within the same run.

Tasks (6,000,000 synthetic C2SG files by default, 3 protected attributes, 60 finest cells):

* ``audit_card``: ``sa.Population`` + ``sa.audit`` of the shipped scorecard
  ``c2sg-no-protected`` (scoring included), 5% budget, reference gender=man, every default
  (Wilson/Katz/Newcombe intervals, Holm p-values, power, AUC/KS, 100-budget curve, lottery
  range of the ratios);
* ``audit_card_col``: the same audit from the precomputed scores of that scorecard;
* ``numpy_card``: floor from the same scores: distinct scores hashed (``pandas.factorize``),
  one ``bincount`` of rows per (score, cell), the cut-off and its proportional tie allocation
  at 5% and at the 100 budgets of the curve, group counts of the 7 views;
* ``numpy_card_scored``: ``numpy_card`` after computing the scorecard's scores row by row
  from its spec (the full audit scores them too);
* ``duckdb_card``: the same, the (score, cell) counts by a DuckDB ``GROUP BY``;
* ``audit_cont``: ``sa.audit`` of a continuous score (no ties) from its column;
* ``numpy_cont``: vectorised numpy floor for the continuous score: one ``argsort``, group
  counts at 5% and at the 100 budgets, AUC (rank sums) and KS of every group against the
  rest of its view (positions of the group's members in the sorted order).

Run: PYTHONPATH=src python benchmarks/bench_core.py [--rows 6000000] [--repeat 3] [--tasks a,b]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import PeakRSS

import scoreaudit as sa

ATTRS = ["gender", "age_band", "family_status"]
MODEL = "c2sg-no-protected"
BUDGET = 0.05
GRID = np.round(np.arange(1, 101) / 100, 10)
SEED = 0


def build(rows: int, path: Path) -> None:
    frame = sa.synthetic.c2sg_population(rows, random_state=SEED)
    model = sa.examples.model(MODEL)
    frame = frame[list(dict.fromkeys([*ATTRS, *model.features]))]
    rng = np.random.default_rng(SEED)
    frame = frame.assign(score=model.score(frame), score_c=rng.random(rows))
    frame.to_parquet(path)


# ----------------------------------------------------------------------------------------------
# floors


def _cells(frame: pd.DataFrame) -> tuple[np.ndarray, list[np.ndarray], int]:
    """Finest cell code per row; per view (attributes and intersections) group of each cell."""
    sizes = [len(frame[a].cat.categories) for a in ATTRS]
    code = np.zeros(len(frame), dtype=np.int64)
    for a, s in zip(ATTRS, sizes, strict=True):
        code = code * s + frame[a].cat.codes.to_numpy()
    n_cells = int(np.prod(sizes))
    levels = np.array(np.unravel_index(np.arange(n_cells), sizes)).T
    views = []
    for subset in ([0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]):
        g = np.zeros(n_cells, dtype=np.int64)
        for j in subset:
            g = g * sizes[j] + levels[:, j]
        views.append(g)
    return code, views, n_cells


def _k(share: float, n: int) -> int:
    return int(np.floor(share * n + 0.5))


def _alloc(tied: np.ndarray, r: int) -> np.ndarray:
    m = tied.sum()
    base = tied * r // m
    rem = tied * r % m
    extra = np.zeros_like(base)
    extra[np.argsort(-rem, kind="stable")[: r - base.sum()]] = 1
    return base + extra


def _from_table(table: np.ndarray, views: list[np.ndarray]) -> dict:
    """Selected per cell at 5% and at the curve's budgets from rows per (score desc, cell)."""
    per_level = table.sum(axis=1)
    cum = np.concatenate([[0], np.cumsum(per_level)])
    cum_cells = np.vstack([np.zeros(table.shape[1]), np.cumsum(table, axis=0)])
    n = int(cum[-1])
    out = []
    for share in [BUDGET, *GRID]:
        k = _k(share, n)
        lev = int(np.searchsorted(cum[1:], k))
        sel = cum_cells[lev] + _alloc(table[lev], k - int(cum[lev]))
        out.append(sel)
    sel = np.array(out)
    base = table.sum(axis=0)
    groups = [np.bincount(v, weights=sel[0], minlength=v.max() + 1) for v in views]
    return {"selected_cells": sel[0].tolist(), "base": base.tolist(), "n_groups": len(groups)}


def numpy_card(frame: pd.DataFrame) -> dict:
    cell, views, n_cells = _cells(frame)
    codes, uniq = pd.factorize(frame["score"].to_numpy())
    desc = np.argsort(-uniq)
    rank = np.empty_like(desc)
    rank[desc] = np.arange(desc.size)
    table = np.bincount(rank[codes] * n_cells + cell, minlength=uniq.size * n_cells)
    return _from_table(table.reshape(uniq.size, n_cells), views)


def _scorecard_numpy(frame: pd.DataFrame) -> np.ndarray:
    """The scorecard's scores computed row by row from its published spec (bins and levels,
    log odds ratios added in the spec's order, then the logistic link): no joint table."""
    spec = sa.examples.model(MODEL).to_dict()
    eta = np.full(len(frame), float(spec["intercept"]))
    for term in spec["terms"]:
        x = frame[term["variable"]]
        if term["kind"] == "bins":  # closed on the left: bin = number of edges <= x
            logs = np.log(np.asarray(term["odds_ratios"], dtype=float))
            values = x.to_numpy(float)
            eta += logs[sum((values >= e).astype(np.intp) for e in term["edges"])]
        else:
            levels = list(term["odds_ratios"])
            if isinstance(x.dtype, pd.CategoricalDtype):
                per_category = pd.Index(levels).get_indexer(x.cat.categories.astype(str))
                codes = per_category[x.cat.codes.to_numpy()]
            else:  # integer column, levels written as text in the spec
                codes = pd.Index(np.asarray(levels).astype(x.dtype)).get_indexer(x.to_numpy())
            eta += np.log(np.asarray([term["odds_ratios"][k] for k in levels], dtype=float))[codes]
    return 1.0 / (1.0 + np.exp(-eta))


def numpy_card_scored(frame: pd.DataFrame) -> dict:
    """``numpy_card`` with the scores computed from the model's inputs, as the full audit."""
    return numpy_card(frame.assign(score=_scorecard_numpy(frame)))


def duckdb_card(frame: pd.DataFrame) -> dict:
    import duckdb

    _, views, n_cells = _cells(frame.iloc[:0])
    sizes = [len(frame[a].cat.categories) for a in ATTRS]
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    q = (
        "SELECT score, (CAST(gender AS VARCHAR)), (CAST(age_band AS VARCHAR)), "
        "(CAST(family_status AS VARCHAR)), count(*) FROM frame GROUP BY ALL"
    )
    res = con.execute(q).fetchnumpy()
    keys = list(res)
    cell = np.zeros(len(res[keys[0]]), dtype=np.int64)
    for a, s, key in zip(ATTRS, sizes, keys[1:4], strict=True):
        cats = pd.Index([str(c) for c in frame[a].cat.categories])
        cell = cell * s + cats.get_indexer(np.asarray(res[key], dtype=object))
    uniq, lev = np.unique(-np.asarray(res[keys[0]], dtype=float), return_inverse=True)
    table = np.zeros((uniq.size, n_cells), dtype=np.int64)
    np.add.at(table, (lev, cell), np.asarray(res[keys[4]], dtype=np.int64))
    return _from_table(table, views)


def numpy_cont(frame: pd.DataFrame) -> dict:
    cell, views, n_cells = _cells(frame)
    s = frame["score_c"].to_numpy()
    n = s.size
    order = np.argsort(-s, kind="stable")
    ranked = cell[order]
    ks = [_k(b, n) for b in [BUDGET, *GRID]]
    uk = np.unique(ks)
    bounds = np.concatenate([[0], uk])
    sel = np.cumsum(
        [
            np.bincount(ranked[a:b], minlength=n_cells)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ],
        axis=0,
    )
    auc, ksd = [], []
    pos = np.arange(n, 0, -1, dtype=np.float64)  # ascending rank of each sorted position
    for v in views:
        code = v[ranked].astype(np.uint8)
        by = np.argsort(code, kind="stable")  # sorted positions grouped by group
        sizes = np.bincount(code, minlength=v.max() + 1)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        rank_sum = np.bincount(code, weights=pos, minlength=sizes.size)
        u = rank_sum - sizes * (sizes + 1) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            auc.append(u / (sizes * (n - sizes)))
        for g in range(sizes.size):  # KS: group positions against the rest
            if sizes[g] == 0:
                continue
            p = by[starts[g] : starts[g + 1]][::-1]  # descending positions = ascending scores
            j = np.arange(1, p.size + 1)
            below_rest = (n - 1 - p) - (j - 1)  # rest rows with a lower score
            f_g, f_r = j / p.size, (below_rest + 0.0) / (n - p.size)
            ksd.append(float(np.max(np.abs(np.r_[f_g - f_r, (j - 1) / p.size - f_r]))))
    base = np.bincount(cell, minlength=n_cells)
    return {
        "selected_cells": sel[np.searchsorted(uk, ks[0])].tolist(),
        "base": base.tolist(),
        "n_auc": len(ksd),
    }


# ----------------------------------------------------------------------------------------------
# audits


def _audit(frame: pd.DataFrame, model) -> dict:
    pop = sa.Population(frame, protected=ATTRS)
    res = sa.audit(pop, model, sa.Budget(share=BUDGET), reference={"gender": "man"})
    fin = res.groups[res.groups["attribute"] == " × ".join(ATTRS)]
    return {"selected_groups": fin["selected"].tolist(), "n_comparisons": len(res.disparities)}


TASKS = {
    "audit_card": lambda f: _audit(f, sa.examples.model(MODEL)),
    "audit_card_col": lambda f: _audit(f, sa.ScoreColumn("score")),
    "numpy_card": numpy_card,
    "numpy_card_scored": numpy_card_scored,
    "duckdb_card": duckdb_card,
    "audit_cont": lambda f: _audit(f, sa.ScoreColumn("score_c")),
    "numpy_cont": numpy_cont,
}


def worker(task: str, data: str, repeat: int) -> None:
    frame = pd.read_parquet(data)
    if task.endswith("cont"):
        frame = frame.drop(columns=["score"])
    TASKS[task](frame.iloc[:1000])  # warm imports
    times, cpu, mem, out = [], [], 0.0, None
    for _ in range(repeat):
        with PeakRSS() as m:
            t0, c0 = time.perf_counter(), time.process_time()
            out = TASKS[task](frame)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        mem = max(mem, m.above_mb)
    res = {"time": statistics.median(times), "cpu": statistics.median(cpu), "mib": mem}
    print("RESULT " + json.dumps({**res, "out": out}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=6_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tasks", default=",".join(TASKS), help="comma-separated tasks to run")
    ap.add_argument("--worker")
    ap.add_argument("--data")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "core.parquet"
        build(args.rows, data)
        res = {}
        for task in args.tasks.split(","):
            cmd = [sys.executable, __file__, "--worker", task, "--data", str(data)]
            proc = subprocess.run(
                [*cmd, "--repeat", str(args.repeat)], capture_output=True, text=True
            )
            line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if not line:
                print(task, "failed:", proc.stderr[-2000:])
                continue
            res[task] = json.loads(line[-1][7:])
            r = res[task]
            print(
                f"{task:15s} wall {r['time']:7.3f} s  cpu {r['cpu']:7.3f} s  {r['mib']:6.0f} MiB",
                flush=True,
            )
    if {"audit_card_col", "numpy_card"} <= res.keys():
        print("same counts (scorecard):", _same(res["audit_card_col"], res["numpy_card"]))
    if {"audit_card", "numpy_card_scored"} <= res.keys():
        same = _same(res["audit_card"], res["numpy_card_scored"])
        print("same counts (scorecard scored by the floor):", same)
    floors = [t for t in ("numpy_card", "duckdb_card") if t in res]
    for key in ("time", "cpu") if floors else ():
        floor_card = min(res[t][key] for t in floors)
        for t in ("audit_card", "audit_card_col"):
            if t in res:
                print(f"{t}: {res[t][key] / floor_card:.2f}x the faster scorecard floor ({key})")
        if {"audit_card", "numpy_card_scored"} <= res.keys():
            ratio = res["audit_card"][key] / res["numpy_card_scored"][key]
            print(f"audit_card: {ratio:.2f}x the floor that scores the inputs too ({key})")
    if {"audit_cont", "numpy_cont"} <= res.keys():
        r = res["audit_cont"]
        print(
            f"audit_cont: {r['time'] / res['numpy_cont']['time']:.2f}x the numpy floor (wall), "
            f"{r['cpu'] / res['numpy_cont']['cpu']:.2f}x (cpu), "
            f"{r['mib'] / (args.rows / 1e6):.0f} MiB per million rows above the input; "
            "same counts: " + str(_same(r, res["numpy_cont"]))
        )


def _same(audit: dict, floor: dict) -> bool:
    """Selected files of the finest groups equal (present groups; as multisets when the two
    list them in different orders)."""
    a = audit["out"]["selected_groups"]
    f = [
        int(x)
        for x, b in zip(floor["out"]["selected_cells"], floor["out"]["base"], strict=True)
        if b
    ]
    return a == f or sorted(a) == sorted(f)


if __name__ == "__main__":
    main()
