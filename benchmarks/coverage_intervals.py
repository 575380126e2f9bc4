"""Coverage of the audit's 95% intervals on simulated populations with a known truth.

Each simulated population draws files from a super-population of three groups whose scores
are Normal(mu_g, 1). The true selection rate of group g is 1 - Phi(t - mu_g), where t is the
threshold (Threshold policy) or the super-population quantile of the budget (Budget policy).
We count how often the Wilson (rate), Katz (ratio) and Newcombe (difference) intervals of
``sa.audit`` contain the truth. Nominal: 95%; acceptable: 93-97%.

Run: python benchmarks/coverage_intervals.py [--runs 1000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy import optimize, stats

import scoreaudit as sa

SHARES = np.array([0.6, 0.3, 0.1])
MU = np.array([0.0, 0.3, 0.6])
LABELS = ["g0", "g1", "g2"]


def true_rates(policy: str, value: float) -> np.ndarray:
    if policy == "threshold":
        t = value
    else:  # budget: solve sum_g share_g * (1 - Phi(t - mu_g)) = value
        t = optimize.brentq(lambda x: SHARES @ stats.norm.sf(x - MU) - value, -10, 10, xtol=1e-14)
    return stats.norm.sf(t - MU)


def simulate(policy: str, value: float, n: int, runs: int, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    truth = true_rates(policy, value)
    hits = {k: 0 for k in ["rate g2", "rate g1", "ratio g2/g0", "ratio g1/g0", "difference g2-g0"]}
    valid = 0
    for r in range(runs):
        g = rng.choice(3, size=n, p=SHARES)
        frame = pd.DataFrame({"group": np.array(LABELS)[g], "score": rng.normal(MU[g], 1.0)})
        pop = sa.Population(frame, protected=["group"])
        pol = (
            sa.Threshold(value) if policy == "threshold" else sa.Budget(share=value, random_state=r)
        )
        res = sa.audit(
            pop,
            "score",
            pol,
            reference={"group": "g0"},
            threshold_free=False,
            budgets=[value if policy == "budget" else 0.05],
            min_cell=0,
        )
        gr = res.groups.set_index("group")
        d = res.disparities.set_index("group")
        if not np.isfinite(d.loc["g2", "ratio_low"]):
            continue
        valid += 1
        for k, lab in [("rate g2", "g2"), ("rate g1", "g1")]:
            t = truth[LABELS.index(lab)]
            hits[k] += gr.loc[lab, "selection_rate_low"] <= t <= gr.loc[lab, "selection_rate_high"]
        for k, lab in [("ratio g2/g0", "g2"), ("ratio g1/g0", "g1")]:
            t = truth[LABELS.index(lab)] / truth[0]
            hits[k] += d.loc[lab, "ratio_low"] <= t <= d.loc[lab, "ratio_high"]
        t = truth[2] - truth[0]
        hits["difference g2-g0"] += (
            d.loc["g2", "difference_low"] <= t <= d.loc["g2", "difference_high"]
        )
    return {k: v / valid for k, v in hits.items()} | {"runs": valid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    print(
        f"{'policy':<22}{'n':>7}  "
        + "  ".join(
            f"{k:>16}"
            for k in ["rate g2", "rate g1", "ratio g2/g0", "ratio g1/g0", "difference g2-g0"]
        )
    )
    for policy, value, n in [
        ("threshold", 1.5, 2_000),
        ("threshold", 1.5, 20_000),
        ("budget", 0.05, 2_000),
        ("budget", 0.05, 20_000),
    ]:
        cov = simulate(policy, value, n, args.runs)
        label = f"{policy} {value:g}"
        print(
            f"{label:<22}{n:>7}  "
            + "  ".join(
                f"{cov[k]:>16.1%}"
                for k in ["rate g2", "rate g1", "ratio g2/g0", "ratio g1/g0", "difference g2-g0"]
            )
            + f"   ({cov['runs']} runs)"
        )


if __name__ == "__main__":
    main()
