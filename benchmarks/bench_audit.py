"""Time ``sa.audit`` on random rows with 3 protected attributes, intersections on.

Run: python benchmarks/bench_audit.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

import scoreaudit as sa


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "gender": pd.Categorical.from_codes(rng.integers(0, 2, n), ["man", "woman"]),
            "age_band": pd.Categorical.from_codes(
                rng.integers(0, 6, n), ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
            ),
            "family_status": pd.Categorical.from_codes(
                rng.integers(0, 5, n),
                ["alone", "couple_no_child", "couple_with_children", "single_parent", "other"],
            ),
            "score": rng.random(n),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = make_frame(args.rows)
    pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
    for label, kw in [
        ("full audit (threshold-free on)", {}),
        ("without threshold-free measures", {"threshold_free": False}),
    ]:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = sa.audit(
                pop,
                sa.ScoreColumn("score"),
                sa.Budget(share=0.05),
                reference={"gender": "man"},
                intersections=True,
                **kw,
            )
            times.append(time.perf_counter() - t0)
        print(
            f"{args.rows:,} rows, {len(res.groups)} groups, {len(res.disparities)} comparisons, "
            f"{res.curve['budget'].nunique()} budgets; {label}: median "
            f"{statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})"
        )


if __name__ == "__main__":
    main()
