"""Time of the minimum detectable disparities of a few hundred comparisons (not a test).

It was a timed assertion in tests/stats/test_power.py (under 50 ms for 400 comparisons);
timings belong here, where a loaded machine cannot fail the suite.

    PYTHONPATH=src python benchmarks/bench_power.py
"""

from __future__ import annotations

import time

import numpy as np

from scoreaudit.stats import power as P


def main() -> None:
    rng = np.random.default_rng(3)
    n1 = rng.integers(20, 20_000, 400)
    n0 = rng.integers(500, 500_000, 400)
    p0 = rng.uniform(0.005, 0.4, 400)
    P.minimum_detectable(n1, n0, p0, comparisons=400)  # warm-up
    times = []
    for _ in range(5):
        start = time.perf_counter()
        P.minimum_detectable(n1, n0, p0, comparisons=400)
        times.append(time.perf_counter() - start)
    print(f"minimum_detectable, 400 comparisons: best of 5 {min(times) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
