"""Coverage of sa.audit's selection-rate-ratio interval on planted synthetic populations.

For each seed: generate ``c2sg_population(n, seed, scenario=...)``, audit its planted
``score`` at a budget (top share of files), and check whether the 95% interval of the
woman/man selection-rate ratio covers the true ratio (``true_selection_ratio``: the ratio of
population selection rates at the population cutoff; 1 in the neutral setting).

Run: ``/work/venv/bin/python benchmarks/coverage_planted.py --seeds 1000``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

import scoreaudit as sa
from scoreaudit.synthetic import c2sg_population, true_selection_ratio

SETTINGS = {
    "planted (women's score +0.4 sd)": {"scenario": "planted"},
    "neutral (no effect, true ratio 1)": {"scenario": "neutral"},
    "proxy (single parents' score +0.5 sd)": {
        "scenario": "planted",
        "planted_effects": {"family_status": {"single_parent": 0.5}},
    },
}


def run(setting: dict, seeds: int, n: int, budget: float, confidence: float) -> dict:
    truth = true_selection_ratio(budget=budget, **setting)
    covered, ratios, widths = 0, [], []
    for seed in range(seeds):
        frame = c2sg_population(n, random_state=seed, include_truth=False, **setting)
        res = sa.audit(
            sa.Population(frame, protected=["gender"]),
            sa.ScoreColumn("score"),
            policy=sa.Budget(share=budget, random_state=seed),
            reference={"gender": "man"},
            intersections=False,
            confidence=confidence,
            threshold_free=False,
        )
        d = res.disparities.set_index("group").loc["woman"]
        covered += int(d["ratio_low"] <= truth <= d["ratio_high"])
        ratios.append(d["ratio"])
        widths.append(np.log(d["ratio_high"] / d["ratio_low"]))
    ci = stats.binomtest(covered, seeds).proportion_ci(0.95, method="wilson")
    return {
        "truth": truth,
        "covered": covered,
        "seeds": seeds,
        "ci": (ci.low, ci.high),
        "mean_ratio": float(np.mean(ratios)),
        "sd_log_ratio": float(np.std(np.log(ratios))),
        "mean_log_width": float(np.mean(widths)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--budget", type=float, default=0.05)
    parser.add_argument("--confidence", type=float, default=0.95)
    args = parser.parse_args()
    print(
        f"n={args.n:,} households per seed, budget {args.budget:.0%}, "
        f"{args.confidence:.0%} intervals, {args.seeds} seeds"
    )
    for name, setting in SETTINGS.items():
        start = time.perf_counter()
        r = run(setting, args.seeds, args.n, args.budget, args.confidence)
        print(
            f"{name}: true ratio {r['truth']:.4f}; covered {r['covered']}/{r['seeds']} "
            f"= {r['covered'] / r['seeds']:.1%} (Wilson 95% CI {r['ci'][0]:.1%}-"
            f"{r['ci'][1]:.1%}); mean estimate {r['mean_ratio']:.4f}; sd of log ratio "
            f"{r['sd_log_ratio']:.4f} vs mean interval half-width/1.96 "
            f"{r['mean_log_width'] / (2 * 1.959964):.4f}; {time.perf_counter() - start:.0f} s"
        )


if __name__ == "__main__":
    main()
