"""Time the synthetic C2SG generator at national scale (target: 6,000,000 households < 30 s).

Run: ``/work/venv/bin/python benchmarks/bench_synthetic.py [--n 6000000] [--seed 0]``.
Prints the wall-clock generation time (the target), the CPU time, the load average of the
machine (other processes inflate the wall time) and the memory of the frame.
"""

from __future__ import annotations

import argparse
import os
import time

from scoreaudit.synthetic import c2sg_population, person_level_summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=6_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds allowed")
    args = parser.parse_args()

    c2sg_population(1_000, random_state=args.seed)  # warm-up (imports, caches)
    load_before = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    frame = c2sg_population(args.n, random_state=args.seed, scenario=args.scenario)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    memory = frame.memory_usage(deep=True).sum() / 2**20
    print(
        f"c2sg_population(n={args.n:,}, scenario={args.scenario!r}): {elapsed:.2f} s "
        f"({args.n / elapsed:,.0f} households/s), frame {memory:,.0f} MiB, "
        f"{frame.shape[1]} columns"
    )
    print(
        f"CPU time {cpu:.2f} s; machine load average {load_before:.1f} on {os.cpu_count()} "
        "cores (wall time above the CPU time means other processes shared the CPUs)"
    )
    summary = person_level_summary(frame)
    print("person level: " + ", ".join(f"{k}={v:.4g}" for k, v in summary.items()))
    status = "OK" if elapsed < args.limit else "TOO SLOW"
    print(f"{status}: limit {args.limit:.0f} s")
    if elapsed >= args.limit:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
