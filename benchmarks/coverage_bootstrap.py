"""Coverage of the core audit's bootstrap ratio interval (``audit(..., bootstrap=...)``).

Two groups of 40 files (80 in all) draw scores from Normal(mu_g, 1), mu = (0, 0.3); a budget
controls the top 10% or 5%. The true selection rate of group g is ``1 - Phi(t - mu_g)`` with
``t`` the super-population quantile of the budget, and the true ratio is the rate of g1 over
the rate of g0. We count how often ``[ratio_boot_low, ratio_boot_high]`` contains it (an
interval that cannot be computed counts as a miss). Nominal 95%; required >= 93%.

Run: PYTHONPATH=src python benchmarks/coverage_bootstrap.py [--runs 1000] [--samples 1000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy import optimize, stats

import scoreaudit as sa

MU = np.array([0.0, 0.3])


def true_ratio(share: float) -> float:
    t = optimize.brentq(lambda x: 0.5 * stats.norm.sf(x - MU).sum() - share, -10, 10, xtol=1e-14)
    rates = stats.norm.sf(t - MU)
    return float(rates[1] / rates[0])


def coverage(share: float, runs: int, samples: int, per_group: int = 40, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    truth = true_ratio(share)
    hits = zero_cells = 0
    widths = []
    for r in range(runs):
        g = np.repeat([0, 1], per_group)
        frame = pd.DataFrame({"group": np.array(["g0", "g1"])[g], "score": rng.normal(MU[g], 1.0)})
        pop = sa.Population(frame, protected=["group"])
        res = sa.audit(
            pop,
            "score",
            sa.Budget(share=share),
            reference={"group": "g0"},
            threshold_free=False,
            budgets=[share],
            min_cell=0,
            bootstrap=samples,
            bootstrap_seed=r,
        )
        d = res.disparities.set_index("group").loc["g1"]
        lo, hi = d["ratio_boot_low"], d["ratio_boot_high"]
        zero_cells += int(res.groups["selected"].min() == 0)
        if np.isfinite(lo) and (np.isfinite(hi) or np.isinf(hi)) and lo <= truth <= hi:
            hits += 1
        widths.append(np.log(hi) - np.log(lo) if lo > 0 and np.isfinite(hi) else np.inf)
    return {
        "budget": share,
        "true_ratio": round(truth, 4),
        "runs": runs,
        "coverage": hits / runs,
        "runs_with_a_zero_cell": zero_cells,
        "median_log_width": float(np.median(widths)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=1000)
    args = ap.parse_args()
    rows = [coverage(s, args.runs, args.samples) for s in (0.10, 0.05)]
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
