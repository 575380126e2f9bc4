"""scoreaudit at national scale, side by side with fairlearn, Aequitas and a numpy floor.

The data are built ONCE: a synthetic C2SG population (``sa.synthetic.c2sg_population``) of
``--rows`` households (default 6,000,000), 60 intersectional groups (gender x 6 age bands x 5
family statuses), scored with the shipped scorecard ``c2sg-reconstruction``; the files
selected at a 5% budget (seeded tie lottery) are those of scoreaudit. Every tool then runs in
its own subprocess on that same Parquet file (so that peak memory is its own) and writes its
numbers, which are checked against each other to 1e-12:

* **scoreaudit** - ``Population`` + ``audit`` of the raw features: scoring, selection at the
  budget, single and intersectional group tables with Wilson intervals, disparities with
  Katz / Newcombe intervals, tests and Holm-adjusted p-values, minimum detectable effects,
  AUC / KS per group, the budget curve at 1% steps; and again with ``bootstrap=1000``.
* **numpy floor** - given the scores: one ``np.bincount`` over group codes (the table), the
  ranking plus per-group cumulative counts for all budgets (the curve), 1,000 binomial
  bootstrap draws of group counts.
* **fairlearn** - ``MetricFrame(selection_rate)`` by the three attributes (the table); a
  budget sweep (one ``MetricFrame`` per budget, timed on ``--sweep-budgets`` budgets and
  extrapolated to 100); its bootstrap (``MetricFrame(n_boot=...)``, timed on a few samples at
  ``--boot-rows`` rows and extrapolated to 1,000).
* **Aequitas** - ``Group().get_crosstabs`` + ``Bias().get_disparity_predefined_groups`` on
  the three attributes plus the intersection column it needs built as text (included in the
  time). Aequitas 1.1 declares ``pandas<3``: with pandas 3 it is installed with
  ``pip install --no-deps aequitas``; its significance tests fail under pandas 3 and are off.
  Skipped (and said so) when it cannot be imported.

Peers are given the scores and the selected flag (they cannot score a scorecard), so their
times EXCLUDE scoring and selection; scoreaudit's include them.

Also: scoreaudit alone at 1M / 6M / 20M rows (linear growth; 20M rows are the 6M tiled) and
with 10 / 100 / 1,000 budgets on the curve (cost independent of the number of budgets).

Times are wall-clock medians of ``--repeat`` runs; memory is the peak resident set size
above the resident size before the run (the input frame already loaded), sampled every 5 ms
with psutil in a thread. The machine may be shared: the load average is printed.

Run::

    pip install -e ".[bench]"          # fairlearn, psutil
    pip install --no-deps aequitas     # optional (declares pandas<3)
    python benchmarks/bench_scale.py [--rows 6000000] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import scoreaudit as sa

ATTRS = ["gender", "age_band", "family_status"]
INTERSECTION = " × ".join(ATTRS)
MODEL = "c2sg-reconstruction"
BUDGET = 0.05
SEED = 0


# ----------------------------------------------------------------------------------------------
# measurement


class PeakRSS:
    """Peak resident set size above the size at entry, sampled in a thread (psutil)."""

    def __init__(self, interval: float = 0.005) -> None:
        import psutil

        self.proc = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def above_mb(self) -> float:
        return (self.peak - self.base) / 2**20


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float, list[float], object]:
    """Median wall time, largest peak memory above the start (MiB), all times, last output."""
    times, mem, out = [], 0.0, None
    for _ in range(repeat):
        with PeakRSS() as m:
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        mem = max(mem, m.above_mb)
    return statistics.median(times), mem, times, out


# ----------------------------------------------------------------------------------------------
# data


def build_data(rows: int, path: Path) -> None:
    """Generate, score and select once; write the Parquet file every tool reads."""
    frame = sa.synthetic.c2sg_population(rows, random_state=SEED)
    model = sa.examples.model(MODEL)
    keep = list(dict.fromkeys([*ATTRS, *model.features, "irregular"]))
    frame = frame[keep]
    scores = model.score(frame)
    sel = sa.Budget(share=BUDGET, random_state=SEED).select(scores)
    frame = frame.assign(score=scores, selected=sel.selected.astype(np.int8))
    frame.to_parquet(path)


def load(path: Path, rows: int | None = None) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    if rows is not None and rows != len(frame):
        idx = np.resize(np.arange(len(frame)), rows)  # tile the rows (20M from 6M)
        frame = frame.iloc[idx].reset_index(drop=True)
    return frame


def group_codes(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Intersection code 0..59 and label ("man × 25-34 × alone") of every row."""
    code = np.zeros(len(frame), dtype=np.int64)
    cats = []
    for a in ATTRS:
        col = frame[a]
        code = code * len(col.cat.categories) + col.cat.codes.to_numpy()
        cats.append([str(c) for c in col.cat.categories])
    labels = [" × ".join(p) for p in pd.MultiIndex.from_product(cats).to_flat_index()]
    return code, labels


def ranking_order(scores: np.ndarray) -> np.ndarray:
    """Rows by decreasing score, ties by the seeded lottery (as ``sa.Budget``)."""
    perm = np.random.default_rng(SEED).permutation(scores.size)
    return perm[np.argsort(-scores[perm], kind="stable")]


# ----------------------------------------------------------------------------------------------
# workers (one subprocess each)


def w_scoreaudit(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    model = sa.examples.model(MODEL)
    budgets = np.round(np.arange(1, args.budgets + 1) / args.budgets, 10)
    boot = args.bootstrap

    def run() -> sa.AuditResult:
        pop = sa.Population(frame, protected=ATTRS)
        return sa.audit(
            pop, model, sa.Budget(share=BUDGET, random_state=SEED), budgets=budgets, bootstrap=boot
        )

    sa.audit(sa.Population(frame.head(50_000), protected=ATTRS), model)  # warm-up
    t, mem, times, res = measure(run, args.repeat)
    g = res.groups[res.groups["attribute"] == INTERSECTION]
    c = res.curve[res.curve["attribute"] == INTERSECTION]
    out = {
        "time": t,
        "memory_mb": mem,
        "times": times,
        "rows": len(frame),
        "groups": len(res.groups),
        "comparisons": len(res.disparities),
        "curve_rows": len(res.curve),
        "budgets": int(args.budgets),
    }
    np.savez(
        args.out,
        labels=g["group"].to_numpy(str),
        rate=g["selection_rate"].to_numpy(),
        curve_budget=c["budget"].to_numpy(),
        curve_group=c["group"].to_numpy(str),
        curve_selected=c["selected"].to_numpy(),
    )
    return out


def w_numpy(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    code, labels = group_codes(frame)
    scores = frame["score"].to_numpy()
    selected = frame["selected"].to_numpy().astype(bool)
    G = len(labels)

    def table() -> np.ndarray:
        return np.bincount(code[selected], minlength=G) / np.bincount(code, minlength=G)

    budgets = np.round(np.arange(1, 101) / 100, 10)

    def curve() -> np.ndarray:  # ranking + cumulative counts per group for every budget
        order = ranking_order(scores)
        ranked = code[order].astype(np.int16)
        k = np.floor(budgets * len(scores) + 0.5).astype(np.int64)
        bounds = np.concatenate([[0], k])
        sel = np.stack(
            [np.bincount(ranked[bounds[i] : bounds[i + 1]], minlength=G) for i in range(k.size)]
        )
        return np.cumsum(sel, axis=0)

    n_g = np.bincount(code, minlength=G)
    x_g = np.bincount(code[selected], minlength=G)

    def bootstrap() -> tuple[np.ndarray, np.ndarray]:  # 1,000 draws, ratio to largest group
        rng = np.random.default_rng(SEED)
        x = rng.binomial(n_g, x_g / n_g, size=(1000, G)) / n_g
        ref = int(np.argmax(n_g))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = x / x[:, [ref]]
        return np.nanquantile(ratio, [0.025, 0.975], axis=0)

    t_table, m_table, _, rate = measure(table, max(args.repeat, 5))
    t_curve, m_curve, _, cum = measure(curve, args.repeat)
    t_boot, m_boot, _, _ = measure(bootstrap, max(args.repeat, 5))
    np.savez(args.out, labels=np.array(labels), rate=rate, curve=cum, budgets=budgets)
    return {
        "table": [t_table, m_table],
        "curve": [t_curve, m_curve],
        "bootstrap": [t_boot, m_boot],
        "rows": len(frame),
    }


def w_fairlearn(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    from fairlearn.metrics import MetricFrame, selection_rate

    y_true = frame["irregular"].to_numpy()
    y_pred = frame["selected"].to_numpy()
    sens = frame[ATTRS]

    def table() -> MetricFrame:
        return MetricFrame(
            metrics=selection_rate, y_true=y_true, y_pred=y_pred, sensitive_features=sens
        )

    t_table, m_table, _, mf = measure(table, args.repeat)
    by = mf.by_group
    labels = [" × ".join(map(str, ix)) for ix in by.index]
    rate = by.to_numpy(dtype=float)

    # budget sweep: one MetricFrame per budget (the ranking computed once, not timed)
    order = ranking_order(frame["score"].to_numpy())
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    sweep = np.round(np.arange(1, 101) / 100, 10)[:: max(1, 100 // args.sweep_budgets)]
    sweep = sweep[: args.sweep_budgets]
    sweep_rates = []

    def one_budget(b: float) -> MetricFrame:
        k = int(np.floor(b * order.size + 0.5))
        return MetricFrame(
            metrics=selection_rate,
            y_true=y_true,
            y_pred=(rank < k).astype(int),
            sensitive_features=sens,
        )

    t0 = time.perf_counter()
    with PeakRSS() as m_sweep:
        for b in sweep:
            sweep_rates.append(one_budget(b).by_group.to_numpy(dtype=float))
    t_sweep = (time.perf_counter() - t0) / len(sweep) * 100

    # bootstrap: MetricFrame(n_boot=k) on --boot-rows rows, extrapolated to 1,000 samples
    sub = frame.iloc[: args.boot_rows]
    kw = {
        "metrics": selection_rate,
        "y_true": sub["irregular"].to_numpy(),
        "y_pred": sub["selected"].to_numpy(),
        "sensitive_features": sub[ATTRS],
    }
    t0 = time.perf_counter()
    MetricFrame(**kw)
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    with PeakRSS() as m_boot:
        MetricFrame(**kw, n_boot=args.boot_samples, ci_quantiles=[0.025, 0.975], random_state=SEED)
    t_boot = time.perf_counter() - t0
    per_sample = max(t_boot - t_plain, 0.0) / args.boot_samples
    np.savez(
        args.out,
        labels=np.array(labels),
        rate=rate,
        sweep=np.array(sweep),
        sweep_rates=np.array(sweep_rates),
    )
    return {
        "table": [t_table, m_table],
        "sweep_100": [t_sweep, m_sweep.above_mb],
        "sweep_measured": len(sweep),
        "bootstrap_1000": [t_plain + 1000 * per_sample, m_boot.above_mb],
        "boot_rows": len(sub),
        "boot_samples": args.boot_samples,
        "rows": len(frame),
    }


def w_aequitas(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    try:
        from aequitas.bias import Bias
        from aequitas.group import Group
    except Exception as exc:  # any import failure means: skip it
        return {"skipped": f"aequitas cannot be imported: {type(exc).__name__}: {exc}"}

    largest = {a: str(frame[a].value_counts().idxmax()) for a in ATTRS}

    def run() -> pd.DataFrame:
        df = pd.DataFrame({a: frame[a].astype(str).astype(object) for a in ATTRS})
        df[INTERSECTION] = (df[ATTRS[0]] + " × " + df[ATTRS[1]] + " × " + df[ATTRS[2]]).astype(
            object
        )
        df["score"] = frame["selected"].to_numpy().astype(int)
        df["label_value"] = frame["irregular"].to_numpy().astype(int)
        xtab, _ = Group().get_crosstabs(df)
        ref = dict(largest)
        inter = xtab[xtab["attribute_name"] == INTERSECTION]
        ref[INTERSECTION] = str(inter.loc[inter["group_size"].idxmax(), "attribute_value"])
        return Bias().get_disparity_predefined_groups(
            xtab, original_df=df, ref_groups_dict=ref, check_significance=False
        )

    t, mem, _, bdf = measure(run, args.repeat)
    inter = bdf[bdf["attribute_name"] == INTERSECTION]
    np.savez(
        args.out,
        labels=inter["attribute_value"].to_numpy(str),
        rate=inter["pprev"].to_numpy(dtype=float),
    )
    return {"time": t, "memory_mb": mem, "rows": len(frame)}


def w_file(frame: None, args: argparse.Namespace) -> dict:
    """``sa.audit_file`` on a Parquet file (out of core): time and peak memory above start."""
    model = sa.examples.model(MODEL)
    with PeakRSS() as m:
        t0 = time.perf_counter()
        res = sa.audit_file(
            args.data,
            model,
            sa.Budget(share=BUDGET, random_state=SEED),
            protected=ATTRS,
            batch_size=args.batch_size,
        )
        elapsed = time.perf_counter() - t0
    return {
        "time": elapsed,
        "memory_mb": m.above_mb,
        "rows": res.population_summary["rows"],
        "groups": len(res.groups),
        "comparisons": len(res.disparities),
        "curve_rows": len(res.curve),
        "auc": "auc" in res.disparities,
    }


def write_big_file(rows: int, path: Path, chunk: int = 5_000_000) -> None:
    """A Parquet file of ``rows`` synthetic households, generated and written in chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    model = sa.examples.model(MODEL)
    keep = list(dict.fromkeys([*ATTRS, *model.features]))
    writer = None
    for i, start in enumerate(range(0, rows, chunk)):
        part = sa.synthetic.c2sg_population(min(chunk, rows - start), random_state=SEED + i)
        table = pa.Table.from_pandas(part[keep], preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
    assert writer is not None
    writer.close()


WORKERS = {
    "scoreaudit": w_scoreaudit,
    "numpy": w_numpy,
    "fairlearn": w_fairlearn,
    "aequitas": w_aequitas,
    "file": w_file,
}


def worker_main(args: argparse.Namespace) -> None:
    frame = None if args.worker == "file" else load(Path(args.data), args.worker_rows)
    result = WORKERS[args.worker](frame, args)
    print("RESULT " + json.dumps(result))


# ----------------------------------------------------------------------------------------------
# driver


def run_worker(name: str, data: Path, out: Path, args: argparse.Namespace, **extra) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        name,
        "--data",
        str(data),
        "--out",
        str(out),
        "--repeat",
        str(args.repeat),
        "--sweep-budgets",
        str(args.sweep_budgets),
        "--boot-rows",
        str(args.boot_rows),
        "--boot-samples",
        str(args.boot_samples),
    ]
    for k, v in extra.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    print(f"  running {name} {extra or ''} ...", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        return {"skipped": f"{name} failed: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(lines[-1][len("RESULT ") :])


def check_agreement(tmp: Path, results: dict) -> list[str]:
    """Largest absolute differences of the group rates and curve counts between tools."""
    notes = []
    sa_ = np.load(tmp / "scoreaudit.npz")
    want = dict(zip(sa_["labels"], sa_["rate"], strict=True))
    for tool in ("numpy", "fairlearn", "aequitas"):
        if "skipped" in results.get(tool, {"skipped": ""}):
            continue
        got = np.load(tmp / f"{tool}.npz")
        rates = dict(zip(got["labels"], got["rate"], strict=True))
        common = [k for k in want if k in rates]
        missing = len(want) - len(common)
        diff = max(abs(want[k] - rates[k]) for k in common)
        ok = diff <= 1e-12 and missing == 0
        notes.append(
            f"selection rate by {len(common)} groups, scoreaudit vs {tool}: max |diff| "
            f"{diff:.1e}{'' if missing == 0 else f', {missing} groups missing'} "
            f"-> {'OK' if ok else 'MISMATCH'}"
        )
        if not ok:
            raise SystemExit("\n".join(notes))
    # curve: scoreaudit's counts per (budget, group) against numpy's cumulative counts
    num = np.load(tmp / "numpy.npz")
    if len(sa_["curve_budget"]) == len(num["budgets"]) * len(num["labels"]):
        pos = {k: i for i, k in enumerate(num["labels"])}
        bpos = {round(float(b), 10): i for i, b in enumerate(num["budgets"])}
        ref = num["curve"][
            [bpos[round(float(b), 10)] for b in sa_["curve_budget"]],
            [pos[g] for g in sa_["curve_group"]],
        ]
        diff = int(np.abs(ref - sa_["curve_selected"]).max())
        notes.append(
            f"budget curve, selected per (budget, group), scoreaudit vs numpy: max "
            f"|diff| {diff} -> {'OK' if diff == 0 else 'MISMATCH'}"
        )
        if diff:
            raise SystemExit("\n".join(notes))
    if "skipped" not in results.get("fairlearn", {"skipped": ""}):
        fl = np.load(tmp / "fairlearn.npz")
        labels = list(fl["labels"])
        curve = {}
        for b, g, x in zip(
            sa_["curve_budget"], sa_["curve_group"], sa_["curve_selected"], strict=True
        ):
            curve[(round(float(b), 10), str(g))] = x
        worst = 0.0
        counts = _group_sizes(tmp)
        for b, rates in zip(fl["sweep"], fl["sweep_rates"], strict=True):
            for g, r in zip(labels, rates, strict=True):
                worst = max(worst, abs(curve[(round(float(b), 10), g)] / counts[g] - r))
        notes.append(
            f"budget sweep ({len(fl['sweep'])} budgets), scoreaudit curve vs "
            f"fairlearn: max |diff| {worst:.1e} -> {'OK' if worst <= 1e-12 else 'MISMATCH'}"
        )
        if worst > 1e-12:
            raise SystemExit("\n".join(notes))
    return notes


def _group_sizes(tmp: Path) -> dict[str, int]:
    sizes = json.loads((tmp / "sizes.json").read_text())
    return {k: int(v) for k, v in sizes.items()}


def fmt_t(t: float) -> str:
    if t >= 3600:
        return f"{t / 3600:.1f} h"
    if t >= 60:
        return f"{t / 60:.1f} min"
    return f"{t:.2f} s" if t >= 0.1 else f"{t * 1000:.0f} ms"


def main() -> None:  # noqa: C901 -- benchmark driver, one branch per option; left to its owner
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sweep-budgets",
        type=int,
        default=3,
        help="budgets fairlearn is timed on (extrapolated to 100)",
    )
    parser.add_argument(
        "--boot-rows",
        type=int,
        default=1_000_000,
        help="rows of fairlearn's bootstrap run (extrapolated to 1,000 samples)",
    )
    parser.add_argument("--boot-samples", type=int, default=3)
    parser.add_argument(
        "--scale",
        default="1000000,6000000,20000000",
        help="row counts for scoreaudit alone ('' to skip)",
    )
    parser.add_argument("--quick", action="store_true", help="skip the peers (scoreaudit only)")
    parser.add_argument("--keep", help="directory to keep the data in (reused if present)")
    parser.add_argument(
        "--file-rows",
        type=int,
        default=0,
        help="also audit a Parquet file of this many rows out of core "
        "(sa.audit_file), e.g. 50000000",
    )
    parser.add_argument("--batch-size", type=int, default=1_000_000)
    # worker options
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument("--data")
    parser.add_argument("--out")
    parser.add_argument("--worker-rows", type=int)
    parser.add_argument("--budgets", type=int, default=100)
    parser.add_argument("--bootstrap", type=int, default=0)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_scale_"))
    tmp.mkdir(parents=True, exist_ok=True)
    data = tmp / f"c2sg_{args.rows}.parquet"
    load_avg = os.getloadavg()[0]
    print(
        f"scoreaudit {sa.__version__}, pandas {pd.__version__}, numpy {np.__version__}; "
        f"{os.cpu_count()} CPUs, load average {load_avg:.1f}"
    )
    if not data.exists():
        t0 = time.perf_counter()
        build_data(args.rows, data)
        print(
            f"data: {args.rows:,} rows built, scored and selected once in "
            f"{time.perf_counter() - t0:.1f} s -> {data}"
        )
    frame = load(data)
    code, labels = group_codes(frame)
    sizes = np.bincount(code, minlength=len(labels))
    (tmp / "sizes.json").write_text(json.dumps(dict(zip(labels, sizes.tolist(), strict=True))))
    print(
        f"{len(frame):,} rows, {int((sizes > 0).sum())} intersectional groups, "
        f"{frame['score'].nunique()} distinct scores, "
        f"input frame {frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB"
    )
    del frame

    results: dict[str, dict] = {}
    results["scoreaudit"] = run_worker("scoreaudit", data, tmp / "scoreaudit.npz", args)
    results["scoreaudit_boot"] = run_worker(
        "scoreaudit", data, tmp / "scoreaudit_boot.npz", args, bootstrap=1000
    )
    tools = [] if args.quick else ["numpy", "fairlearn", "aequitas"]
    if args.quick:
        tools = ["numpy"]
    for tool in tools:
        results[tool] = run_worker(tool, data, tmp / f"{tool}.npz", args)
    for k, v in results.items():
        if "skipped" in v:
            print(f"  {k}: SKIPPED - {v['skipped']}")

    notes = check_agreement(tmp, results)
    s = results["scoreaudit"]
    sb = results["scoreaudit_boot"]
    print(
        f"\nscoreaudit full audit: {s['groups']} groups, {s['comparisons']} comparisons, "
        f"{s['curve_rows']:,} curve rows; runs {', '.join(f'{t:.2f}' for t in s['times'])} s"
    )
    print("\n| task | tool | time (median) | peak memory above input | ratio to scoreaudit |")
    print("| --- | --- | --- | --- | --- |")

    def row(task: str, tool: str, t: float, mem: float, ref: float, note: str = "") -> None:
        ratio = t / ref if ref > 0 else float("nan")
        print(f"| {task} | {tool}{note} | {fmt_t(t)} | {mem:,.0f} MiB | {ratio:,.1f}x |")

    full, full_mem = s["time"], s["memory_mb"]
    row(
        "full audit (scoring, selection, 125 groups, 118 comparisons, AUC/KS, 100-budget curve)",
        "scoreaudit",
        full,
        full_mem,
        full,
    )
    row("full audit + bootstrap (1,000 samples)", "scoreaudit", sb["time"], sb["memory_mb"], full)
    num = results.get("numpy", {})
    fl = results.get("fairlearn", {})
    aq = results.get("aequitas", {})
    if "table" in num:
        row(
            "group table: selection rate by 60 groups",
            "numpy floor (bincount, given the selection)",
            *num["table"],
            full,
        )
    if "table" in fl:
        row("group table: selection rate by 60 groups", "fairlearn MetricFrame", *fl["table"], full)
    if "time" in aq:
        row(
            "comparable audit (crosstabs + disparities, 4 attributes)",
            "Aequitas",
            aq["time"],
            aq["memory_mb"],
            full,
            " (incl. intersection column)",
        )
    if "curve" in num:
        row("100 budgets", "numpy floor (ranking + cumulative counts)", *num["curve"], full)
    if "sweep_100" in fl:
        row(
            "100 budgets",
            f"fairlearn (extrapolated from {fl['sweep_measured']})",
            *fl["sweep_100"],
            full,
        )
    if "bootstrap" in num:
        row(
            "bootstrap 1,000 samples",
            "numpy floor (binomial group counts)",
            *num["bootstrap"],
            full,
        )
    if "bootstrap_1000" in fl:
        row(
            "bootstrap 1,000 samples",
            f"fairlearn n_boot (at {fl['boot_rows']:,} rows, "
            f"extrapolated from {fl['boot_samples']})",
            *fl["bootstrap_1000"],
            full,
        )
        if "sweep_100" in fl:
            both = fl["sweep_100"][0] + fl["bootstrap_1000"][0]
            print(
                f"\nfairlearn way of sweeping 100 budgets + 1,000 bootstrap samples: "
                f"{fmt_t(both)} = {both / full:,.0f}x the full scoreaudit audit"
            )
    print("\nagreement:")
    for n in notes:
        print("  " + n)

    if args.scale:
        print("\nscoreaudit alone, growth with rows (full audit, 100 budgets):")
        print("| rows | time (median) | peak memory above input | time per million rows |")
        print("| --- | --- | --- | --- |")
        for rows in [int(x) for x in args.scale.split(",") if x]:
            r = run_worker("scoreaudit", data, tmp / f"scale_{rows}.npz", args, worker_rows=rows)
            if "skipped" in r:
                print(f"| {rows:,} | skipped: {r['skipped']} | | |")
                continue
            print(
                f"| {rows:,} | {fmt_t(r['time'])} | {r['memory_mb']:,.0f} MiB | "
                f"{r['time'] / rows * 1e6:.3f} s |"
            )
    print(f"\nscoreaudit alone, {args.rows:,} rows, number of budgets on the curve:")
    print("| budgets | time (median) | curve rows |")
    print("| --- | --- | --- |")
    for b in (10, 100, 1000):
        r = run_worker("scoreaudit", data, tmp / f"budgets_{b}.npz", args, budgets=b)
        if "skipped" in r:
            print(f"| {b} | skipped: {r['skipped']} | |")
            continue
        print(f"| {b:,} | {fmt_t(r['time'])} | {r['curve_rows']:,} |")
    if args.file_rows:
        big = tmp / f"c2sg_file_{args.file_rows}.parquet"
        if not big.exists():
            t0 = time.perf_counter()
            write_big_file(args.file_rows, big)
            print(
                f"\nfile: {args.file_rows:,} rows written in {time.perf_counter() - t0:.0f} s "
                f"({big.stat().st_size / 2**20:,.0f} MiB on disk) -> {big}"
            )
        r = run_worker("file", big, tmp / "file.npz", args, batch_size=args.batch_size)
        if "skipped" in r:
            print(f"out of core: {r['skipped']}")
        else:
            print(
                f"\nout of core, sa.audit_file on {r['rows']:,} rows (batches of "
                f"{args.batch_size:,}): {fmt_t(r['time'])}, peak memory above start "
                f"{r['memory_mb']:,.0f} MiB; {r['groups']} groups, {r['comparisons']} "
                f"comparisons, {r['curve_rows']:,} curve rows, AUC/KS "
                f"{'included' if r['auc'] else 'omitted'}"
            )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
