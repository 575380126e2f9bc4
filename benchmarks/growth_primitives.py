"""Cost per row of numpy's own primitives from 1 M to 50 M rows (issue 19, growth).

The audit of a continuous score is exact, so it ranks every row: its cost per row can grow no
less than that of the sort and the gathers it needs. This script times those primitives
alone on random data, best of ``--repeat`` runs, in nanoseconds per row:

    python benchmarks/growth_primitives.py --rows 1000000 10000000 50000000

Streaming passes (a sum, a bincount of one-byte codes, a cumulative sum) read each value
once in order; ``x[perm]`` is a random gather (the audit's reordering of a column by rank);
``np.argsort`` and ``np.sort`` rank float64 values.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np


def best(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(n: int, repeat: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    x = rng.random(n)
    codes = rng.integers(0, 60, n).astype(np.int8)
    perm = rng.permutation(n)
    tasks: dict[str, Callable[[], object]] = {
        "sum": x.sum,
        "bincount": lambda: np.bincount(codes, minlength=60),
        "cumsum": lambda: np.cumsum(x),
        "gather x[perm]": lambda: x[perm],
        "argsort": lambda: np.argsort(x),
        "sort": lambda: np.sort(x),
    }
    return {name: best(task, repeat) / n * 1e9 for name, task in tasks.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000, 50_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    table = {n: measure(n, args.repeat) for n in args.rows}
    names = list(next(iter(table.values())))
    print("| rows | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for n, row in table.items():
        print(f"| {n:,} | " + " | ".join(f"{row[k]:.2f}" for k in names) + " |")
    first, last = table[args.rows[0]], table[args.rows[-1]]
    print("growth per row: " + ", ".join(f"{k} {last[k] / first[k]:.1f}x" for k in names))


if __name__ == "__main__":
    main()
