"""Check power.sample_size by simulating audits: is the planted ratio detected 80% of the time?

For every scenario (reference rate, planted ratio, group share, number of comparisons) the
script computes the sample size with :func:`scoreaudit.stats.power.sample_size`, splits it into
whole group and reference sizes, draws binomial selection counts for ``n_sim`` audits and
applies the audit's own test (score test; Fisher's exact test when an expected cell count is
below 5) at the Holm per-comparison level. The share of audits flagging the disparity in its
true direction should be 80% +/- 3%. Control-log audits (random and score-picked controls)
are checked the same way.

Scenarios flagged ``small_cells`` (the audit would use Fisher's exact test in 10% or more of
audits; ``sample_size`` warns about them) are reported separately: there the normal
approximation is optimistic, and the simulated power is below 80%.

Run::

    /work/venv/bin/python benchmarks/power_simulation.py --n-sim 20000
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings

import numpy as np
import pandas as pd

from scoreaudit.stats import power as P

REFERENCE_RATES = [0.02, 0.1, 0.3]
RATIOS = [0.5, 0.8, 1.25, 1.5, 2.0, 3.0]
GROUP_SHARES = [0.05, 0.3]
COMPARISONS = [1, 20]
RANDOM_SHARES = [0.1, 0.5]
TARGET = 0.8


def run_population(n_sim: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Simulated power at the computed sample size for population audits, one row a scenario."""
    rows = pd.DataFrame(
        list(itertools.product(REFERENCE_RATES, RATIOS, GROUP_SHARES, COMPARISONS)),
        columns=["reference_rate", "ratio", "group_share", "comparisons"],
    )
    rows = rows[rows.ratio * rows.reference_rate <= 1].reset_index(drop=True)
    frames = []
    for m, part in rows.groupby("comparisons", sort=True):
        part = part.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", P.SmallCellsWarning)
            n = P.sample_size(
                part.reference_rate.to_numpy(),
                part.ratio.to_numpy(),
                part.group_share.to_numpy(),
                comparisons=int(m),
            )
        n1 = np.maximum(np.round(part.group_share.to_numpy() * n), 1).astype(np.int64)
        n0 = n - n1
        sim = P.simulate_power(
            n1,
            n0,
            part.reference_rate.to_numpy(),
            part.ratio.to_numpy(),
            comparisons=int(m),
            n_sim=n_sim,
            random_state=seed + int(m),
        )
        part["n_total"] = n
        part["n_group"] = n1
        part["analytic_power"] = P.analytic_power(
            n1, n0, part.reference_rate.to_numpy(), part.ratio.to_numpy(), comparisons=int(m)
        )
        part["simulated_power"] = sim.power
        part["mc_se"] = sim.standard_error
        part["fisher_share"] = sim.fisher_share
        part["small_cells"] = P.small_cell_risk(
            n1, n0, part.ratio * part.reference_rate, part.reference_rate
        )
        frames.append(part)
    return pd.concat(frames).sort_index()


def run_control_log(n_sim: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Simulated power at the computed number of control records for control-log audits."""
    rows = pd.DataFrame(
        list(itertools.product(GROUP_SHARES, RATIOS, RANDOM_SHARES, COMPARISONS)),
        columns=["group_share", "ratio", "random_share", "comparisons"],
    )
    frames = []
    for m, part in rows.groupby("comparisons", sort=True):
        part = part.copy()
        g, rho, r = (part[c].to_numpy() for c in ("group_share", "ratio", "random_share"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", P.SmallCellsWarning)
            n = P.sample_size(None, rho, g, random_share=r, comparisons=int(m))
        n_random = np.maximum(np.round(r * n), 1).astype(np.int64)
        n_score = n - n_random
        q1 = g * rho / (g * rho + 1 - g)  # group's share among score-picked controls
        sim = P.simulate_power(
            n_score,
            n_random,
            g,
            q1 / g,
            comparisons=int(m),
            n_sim=n_sim,
            random_state=seed + 100 + int(m),
        )
        part["n_records"] = n
        part["simulated_power"] = sim.power
        part["mc_se"] = sim.standard_error
        part["fisher_share"] = sim.fisher_share
        part["small_cells"] = P.small_cell_risk(n_score, n_random, q1, g)
        frames.append(part)
    return pd.concat(frames).sort_index()


def _summary(name: str, table: pd.DataFrame) -> str:
    lines = []
    for label, part in (
        ("score test", table[~table.small_cells]),
        ("small cells (Fisher)", table[table.small_cells]),
    ):
        if part.empty:
            continue
        inside = ((part.simulated_power - TARGET).abs() <= 0.03).mean()
        lines.append(
            f"{name}, {label}: {len(part)} scenarios, simulated power mean "
            f"{part.simulated_power.mean():.3f}, min {part.simulated_power.min():.3f}, max "
            f"{part.simulated_power.max():.3f}; {inside:.0%} within 80% +/- 3%"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-sim", type=int, default=20_000, help="simulated audits per scenario")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    population = run_population(args.n_sim, args.seed)
    control = run_control_log(args.n_sim, args.seed)
    elapsed = time.perf_counter() - start
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(population.round(4).to_string(index=False))
        print()
        print(control.round(4).to_string(index=False))
    print()
    print(_summary("population audits", population))
    print(_summary("control-log audits", control))
    print(f"({args.n_sim} simulated audits per scenario, {elapsed:.1f} s)")


if __name__ == "__main__":
    main()
