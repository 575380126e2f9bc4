"""Wall time of the README's main command, and where it goes (issue 19).

The command (100,000 bundled synthetic files, shipped scorecard, every default output)::

    scoreaudit audit --data data/synthetic/c2sg_100k.parquet --model c2sg-reconstruction \\
        --budget 5% --reference gender=man --out <dir>

* ``--repeat N``: the command run N times, each in a fresh interpreter (as after
  installation: ``python -m scoreaudit``), median wall time;
* the step breakdown (one fresh interpreter): import of the CLI, reading the data, the audit,
  then each step of ``write_report`` (suppression, figures, results.json, CSV, HTML,
  Markdown), timed from the progress callback;
* ``--no-secondary``: the same with the secondary small-cell suppression replaced by the
  primary mask (its output is NOT publishable: timing only, to show what that step costs;
  the publication gate, ``scoreaudit.gate``).

* bytecode: the timed interpreters run as after installation, with compiled bytecode cached
  (one untimed warm-up run writes it; ``PYTHONDONTWRITEBYTECODE`` is dropped for them);
  ``--no-bytecode`` keeps the caller's setting (then every module is compiled on every run).

* ``--against DIR``: before/after in the same conditions: the command run with the source
  tree ``DIR`` (e.g. an older commit's ``src`` from ``git archive``) and with this one in
  turn, ``--repeat`` times each, medians of both, and a check that the two report directories
  publish the same numbers (``check_report_same.py``: tables byte for byte, results.json
  value for value).

Run: PYTHONPATH=src python benchmarks/bench_report.py [--repeat 5] [--no-secondary] [--src DIR]
[--against DIR] [--no-bytecode] (``--src``: another source tree to time; wall and CPU time are both printed
because a shared machine inflates wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "synthetic" / "c2sg_100k.parquet"
ARGS = [
    "audit",
    "--data",
    str(DATA),
    "--model",
    "c2sg-reconstruction",
    "--budget",
    "5%",
    "--reference",
    "gender=man",
]


SRC = ROOT / "src"
#: Whether the timed interpreters may read and write compiled bytecode (``__pycache__``), as
#: an installed package does from its second run on; ``--no-bytecode`` keeps the caller's
#: ``PYTHONDONTWRITEBYTECODE`` (a shell that sets it recompiles every scoreaudit module on
#: every run, about 0.3-0.6 s that no installed user pays).
BYTECODE = True


def _env(src: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src or SRC) + os.pathsep + env.get("PYTHONPATH", "")
    if BYTECODE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _warm(src: Path) -> None:
    """One untimed run, so that the bytecode of ``src`` is written (as after installation)."""
    if BYTECODE:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "scoreaudit", *ARGS, "--out", str(Path(tmp) / "r")]
            subprocess.run(cmd, check=True, capture_output=True, env=_env(src))


def wall(repeat: int, no_secondary: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) times of the whole command, each in a fresh interpreter."""
    import resource

    times, cpus = [], []
    _warm(SRC)
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            if no_secondary:
                cmd = [sys.executable, __file__, "--cli-no-secondary", str(Path(tmp) / "r")]
            else:
                cmd = [sys.executable, "-m", "scoreaudit", *ARGS, "--out", str(Path(tmp) / "r")]
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=_env())
            times.append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return times, cpus


def _run_once(src: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the README command run with the source tree ``src``."""
    import resource

    env = _env(src)
    cmd = [sys.executable, "-m", "scoreaudit", *ARGS, "--out", str(out)]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    elapsed = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime


def against(old_src: Path, repeat: int) -> None:
    """Old and current source trees in turn; medians, and the published numbers compared."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from check_report_same import compare

    runs: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    _warm(old_src)
    _warm(SRC)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            for name, src in (("before", old_src), ("after", SRC)):
                runs[name].append(_run_once(src, Path(tmp) / f"{name}{i}"))
        problems = compare(Path(tmp) / "before0", Path(tmp) / "after0")
    for name, rs in runs.items():
        walls, cpus = [r[0] for r in rs], [r[1] for r in rs]
        print(
            f"{name:6s}: median {statistics.median(walls):.2f} s wall "
            f"(min {min(walls):.2f}, max {max(walls):.2f}), "
            f"{statistics.median(cpus):.2f} s CPU, {len(rs)} runs"
        )
    print(f"load average {os.getloadavg()[0]:.1f}; before: {old_src}; after: {SRC}")
    print("published numbers: " + ("identical" if not problems else "; ".join(problems)))


def _patch_secondary() -> None:
    import functools

    import scoreaudit.report.writer as writer
    from scoreaudit.gate.publish import publish

    writer.publish = functools.partial(publish, secondary=False)  # type: ignore[assignment]


def cli_no_secondary(out: str) -> None:
    _patch_secondary()
    from scoreaudit.cli.app import main

    sys.argv = ["scoreaudit", *ARGS, "--out", out]
    try:
        main()
    except SystemExit as exc:
        if exc.code:
            raise


def steps(no_secondary: bool) -> dict[str, float]:
    """Seconds per step, in this (fresh) interpreter."""
    t0 = time.perf_counter()
    import pandas as pd

    import scoreaudit as sa
    from scoreaudit.report import write_report

    if no_secondary:
        _patch_secondary()
    out = {"import": time.perf_counter() - t0}
    t = time.perf_counter()
    frame = pd.read_parquet(DATA)
    out["read"] = time.perf_counter() - t
    t = time.perf_counter()
    pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
    res = sa.audit(
        pop,
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference={"gender": "man"},
    )
    out["audit"] = time.perf_counter() - t
    marks: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        write_report(
            res,
            Path(tmp) / "r",
            formats=("html", "md", "json", "csv", "figures"),  # the CLI's default
            data_path=DATA,
            progress=lambda name: marks.append((name, time.perf_counter())),
        )
        end = time.perf_counter()
    out["manifest"] = marks[0][1] - t if marks else 0.0
    for (name, a), (_, b) in zip(marks, [*marks[1:], ("end", end)], strict=True):
        out[name] = b - a
    out["total"] = sum(out.values())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-secondary", action="store_true")
    ap.add_argument("--steps-worker", action="store_true")
    ap.add_argument("--cli-no-secondary")
    ap.add_argument("--src", help="source tree to run (default: this checkout's src)")
    ap.add_argument("--against", help="older source tree to compare with, in turn")
    ap.add_argument(
        "--no-bytecode",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE from the environment (no warm-up run)",
    )
    args = ap.parse_args()
    global SRC, BYTECODE
    BYTECODE = not args.no_bytecode
    if args.src:
        SRC = Path(args.src).resolve()
    if args.against:
        against(Path(args.against).resolve(), args.repeat)
        return
    if args.cli_no_secondary:
        cli_no_secondary(args.cli_no_secondary)
        return
    if args.steps_worker:
        print("RESULT " + json.dumps(steps(args.no_secondary)))
        return
    times, cpus = wall(args.repeat, args.no_secondary)
    label = "without secondary suppression" if args.no_secondary else "as shipped"
    print(
        f"README command ({label}, {SRC}): median {statistics.median(times):.2f} s wall, "
        f"{statistics.median(cpus):.2f} s CPU over {len(times)} runs "
        f"(wall min {min(times):.2f}, max {max(times):.2f}; load {os.getloadavg()[0]:.1f})"
    )
    cmd = [sys.executable, __file__, "--steps-worker"] + (
        ["--no-secondary"] if args.no_secondary else []
    )
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True, env=_env())
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    for name, sec in json.loads(line[7:]).items():
        print(f"  {name:10s} {sec:6.2f} s")


if __name__ == "__main__":
    main()
