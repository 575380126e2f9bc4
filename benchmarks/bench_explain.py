"""Time ``explain`` (neutralisation of every input) on the shipped scorecards.

A synthetic C2SG population of ``--rows`` households (default 1,000,000) is audited with each
shipped scorecard at a 5% budget (gender, age band and family status, intersections on); then
``explain`` neutralises every input of the model (permutation), decomposes the linear
predictor, neutralises the protected attributes and computes proxy strengths. The time of
each part is reported, and the neutralisation is checked against a full audit of the
permuted frame for one input.

Run: python benchmarks/bench_explain.py [--rows 1000000] [--repeat 3] [--n-repeats 1]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import scoreaudit as sa
from scoreaudit import examples, synthetic
from scoreaudit.explain import explain

MODELS = ("c2sg-reconstruction", "c2sg-no-protected", "cnaf-reconstruction")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--n-repeats",
        type=int,
        default=1,
        help="permutations averaged per input (explain's n_repeats)",
    )
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="skip the check against a full audit of a permuted frame",
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    frame = synthetic.c2sg_population(args.rows, random_state=0)
    print(f"generated {args.rows:,} households in {time.perf_counter() - t0:.1f} s")
    pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
    for name in MODELS:
        card = examples.model(name)
        res = sa.audit(pop, card, sa.Budget(share=0.05), reference={"gender": "man"})
        runs = []
        for _ in range(args.repeat):
            ex = explain(res, n_repeats=args.n_repeats)
            runs.append(ex.timings)
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(
            f"{name}: {len(card.features)} inputs, {len(ex.neutralisation)} neutralisation rows "
            f"({ex.config['selection']}); median of {args.repeat}: neutralisation of every "
            f"input {med['neutralisation']:.2f} s, decomposition (with per-term "
            f"neutralisation) {med['decomposition']:.2f} s, protected attributes "
            f"{med['protected_neutralised']:.2f} s, proxies {med['proxies']:.2f} s, "
            f"whole explain {med['total']:.2f} s"
        )
        if not args.no_check:
            _check(pop, card, res, ex)


def _check(pop: sa.Population, card, res, ex) -> None:
    """The neutralised ratio equals a full audit of the frame with the input permuted.

    The input checked is the model's first one that is not a protected attribute (permuting a
    protected column in a full audit would also permute the groups).
    """
    col = next(c for c in card.features if c not in pop.protected)
    frame = pop.frame
    idx = np.random.default_rng(0).permutation(len(frame))
    permuted = frame.assign(**{col: frame[col].take(idx).set_axis(frame.index)})
    t0 = time.perf_counter()
    full = sa.audit(
        sa.Population(permuted, protected=pop.protected),
        card,
        res.policy,
        reference={"gender": "man"},
        threshold_free=False,
    )
    elapsed = time.perf_counter() - t0
    want = full.disparities.query("attribute == 'gender'")["ratio"].to_numpy()
    got = ex.neutralisation.query(f"attribute == 'gender' and input == '{col}'")
    got = got["ratio_after"].to_numpy()
    same = np.allclose(want, got, rtol=0, atol=1e-12)
    print(
        f"  check: neutralising {col!r} = full audit of a permuted frame: {same} "
        f"(one full audit takes {elapsed:.2f} s)"
    )


if __name__ == "__main__":
    main()
