"""Time rank_scores + threshold_free on 6,000,000 rows and 7 attributes.

Attributes: gender (2 groups), age (6), family (5) and their intersections (12, 10, 30, 60
groups). Scores are model-like probabilities rounded to 6 decimals (so there are ties).
Each attribute is timed against its largest group and in "rest" mode (each group against all
other rows).

Run::

    /work/venv/bin/python benchmarks/bench_distribution.py [--rows 6000000] [--weights]

Times are wall-clock seconds, best of ``--repeat`` runs (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from scoreaudit.stats.distribution import calibration_by_group, rank_scores, threshold_free


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, float]:
    """Smallest wall-clock and smallest CPU time (seconds) of ``repeat`` calls of ``fn``."""
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--weights", action="store_true", help="also time with random weights")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of this many runs")
    args = parser.parse_args()
    n = args.rows
    rng = np.random.default_rng(args.seed)
    gender = rng.integers(0, 2, n)
    age = rng.choice(6, n, p=[0.1, 0.2, 0.25, 0.2, 0.15, 0.1])
    family = rng.choice(5, n, p=[0.35, 0.25, 0.2, 0.15, 0.05])
    logit = -3 + 0.3 * gender + 0.1 * age - 0.2 * family + rng.normal(size=n)
    scores = np.round(1 / (1 + np.exp(-logit)), 6)
    labels = np.where(rng.random(n) < 0.05, (rng.random(n) < scores).astype(float), np.nan)
    attributes = {
        "gender": (gender, 2),
        "age": (age, 6),
        "family": (family, 5),
        "gender x age": (gender * 6 + age, 12),
        "gender x family": (gender * 5 + family, 10),
        "age x family": (age * 5 + family, 30),
        "gender x age x family": ((gender * 6 + age) * 5 + family, 60),
    }

    ranking = rank_scores(scores)
    t_rank = best_of(args.repeat, lambda: rank_scores(scores))
    print(
        f"rows: {n:,}   distinct scores: {ranking.n_blocks:,}   "
        f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print("(seconds: wall-clock / CPU, best of each)")
    print(f"rank_scores: {t_rank[0]:.3f} / {t_rank[1]:.3f} s")
    weight_options = [None] + ([rng.uniform(0.5, 3.0, n)] if args.weights else [])
    total = np.array(t_rank)
    for weights in weight_options:
        tag = "weighted" if weights is not None else "unweighted"
        print(f"\nthreshold_free ({tag})        reference=largest     reference=rest")
        for name, (codes, k) in attributes.items():
            largest = int(np.argmax(np.bincount(codes, minlength=k)))
            run = partial(threshold_free, ranking, codes, k, weights=weights)
            t_fixed = best_of(args.repeat, partial(run, largest))
            t_rest = best_of(args.repeat, partial(run, None))
            if weights is None:
                total += t_fixed
            print(
                f"  {name:<22} {k:>3} groups   {t_fixed[0]:6.3f} / {t_fixed[1]:.3f} s"
                f"   {t_rest[0]:6.3f} / {t_rest[1]:.3f} s"
            )
    print(
        f"\nrank_scores + 7 attributes (reference=largest, unweighted): "
        f"{total[0]:.3f} / {total[1]:.3f} s"
    )
    codes, k = attributes["gender x age x family"]
    t_cal = best_of(
        args.repeat, lambda: calibration_by_group(scores, codes, k, labels, ranking=ranking)
    )
    print(
        f"calibration_by_group (60 groups, deciles, shared ranking): "
        f"{t_cal[0]:.3f} / {t_cal[1]:.3f} s"
    )


if __name__ == "__main__":
    main()
