"""Search for published count tables, control logs and funnels the attacker can narrow.

The tests attack a few fixed tables (tests/gate/test_gate_counts_attack.py,
test_gate_controls_attack.py, test_gate_funnel_attack.py); this script runs the same attackers
on many random ones, with the gate's options, and prints every hidden small count narrowed
below the protection range. Run from the repository root (about a minute per hundred
tables)::

    python benchmarks/attack_counts.py --kind counts --seeds 0 100
    python benchmarks/attack_counts.py --kind controls --seeds 0 150
    python benchmarks/attack_counts.py --kind controls --seeds 100 150 --suppress-zero
    python benchmarks/attack_counts.py --kind funnel --seeds 0 150
    python benchmarks/attack_counts.py --kind counts --attributes 3 --seeds 0 100
    python benchmarks/attack_counts.py --kind funnel --strata 0 --seeds 0 150
    python benchmarks/attack_counts.py --kind counts --rest --seeds 0 100
    python benchmarks/attack_counts.py --kind controls --rest --seeds 0 100
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "tests" / "gate")]


def _counts(seed: int, suppress_zero: bool, attributes: int = 2, rest: bool = False) -> list:
    import test_gate_counts_attack as t

    import scoreaudit as sa
    from scoreaudit.gate.aggregate import publish_aggregate

    table = t._table(seed, attributes)
    roles = {"tp": "tp", "fp": "fp", "tn": "tn", "fn": "fn"}
    group = [c for c in table.columns if c not in roles]
    result = sa.audit_counts(table, group, reference="rest" if rest else None, **roles)
    published, _ = publish_aggregate(result, t.MIN_CELL, suppress_zero=suppress_zero)
    return t._attack(table, published)


def _controls(seed: int, suppress_zero: bool, rest: bool = False, **_: int) -> list:
    import test_gate_controls_attack as t

    import scoreaudit as sa
    from scoreaudit.gate.aggregate import publish_aggregate

    if not rest:
        cells, published = t._published(seed, suppress_zero=suppress_zero)
        return t._attack(cells, published)
    log, cells = t._log(seed)
    result = sa.audit_controls(sa.ControlLog(log, ["gender", "age"]), reference="rest", n_boot=20)
    return t._attack(cells, publish_aggregate(result, t.MIN_CELL, suppress_zero=suppress_zero)[0])


def _funnel(seed: int, suppress_zero: bool, strata: int = 2) -> list:
    import test_gate_funnel_attack as t

    table, published = t._published(seed, strata, suppress_zero=suppress_zero)
    return t._attack(table, published)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["counts", "controls", "funnel"], default="controls")
    parser.add_argument("--seeds", type=int, nargs=2, default=(0, 100), metavar=("FROM", "TO"))
    parser.add_argument("--suppress-zero", action="store_true")
    parser.add_argument(
        "--attributes", type=int, choices=[2, 3], default=2, help="count tables: 2 x 3 or 2 x 2 x 3"
    )
    parser.add_argument("--strata", type=int, choices=[0, 2, 3], default=2, help="funnels")
    parser.add_argument("--rest", action="store_true", help="counts, controls: reference=rest")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    attack = {"counts": _counts, "controls": _controls, "funnel": _funnel}[args.kind]
    shape = {
        "counts": {"attributes": args.attributes, "rest": args.rest},
        "controls": {"rest": args.rest},
        "funnel": {"strata": args.strata},
    }
    leaks = 0
    for seed in range(*args.seeds):
        found = attack(seed, args.suppress_zero, **shape.get(args.kind, {}))
        if found:
            leaks += 1
            print(f"seed {seed}: {found[:3]}", flush=True)
    print(f"{args.kind}: {args.seeds[1] - args.seeds[0]} tables, {leaks} with a narrowed count")
    return 1 if leaks else 0


if __name__ == "__main__":
    raise SystemExit(main())
