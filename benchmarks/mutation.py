"""Mutation testing of the statistics core and the publication gate with mutmut.

The modules and the tests are configured in ``[tool.mutmut]`` of pyproject.toml. mutmut
copies ``src/`` and the tests into ``./mutants`` (git-ignored), writes every mutant of the
configured modules into the copy behind a switch, records once which selected test calls
which function, and then runs, for each mutant, only those tests (``-x``: the first failure
kills). A mutant is *killed* when a test fails or times out, it *survives* when they pass.
Not part of the default test run.

This script picks the mutants (all of a module, or a seeded random sample of a large one),
runs ``mutmut run`` on them and prints the kill rate per module and the survivors; read a
survivor with ``mutmut show NAME``. Install mutmut with ``pip install -e ".[test,mutation]"``,
then run from the repository root::

    python benchmarks/mutation.py                      # every module, sampled
    python benchmarks/mutation.py --module curve --all # every mutant of one
    python benchmarks/mutation.py --module publish --function publish_staged --all
    python benchmarks/mutation.py --module curve --function CurvePlan --function _GroupsCheck.need --all
    python benchmarks/mutation.py --report             # results of the last run

``--report`` reads the results mutmut stored in ``./mutants`` without running anything.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = Path(sys.executable).with_name("mutmut")
#: short name -> dotted module (each must be in [tool.mutmut] only_mutate)
MODULES = {
    "metrics": "scoreaudit.stats.metrics",
    "publish": "scoreaudit.gate.publish",
    "rules": "scoreaudit.gate.rules",
    "explanation_gate": "scoreaudit.gate.explanation",
    "gate_warnings": "scoreaudit.gate.warnings",
    "complements": "scoreaudit.gate.complements",
    "curve": "scoreaudit.gate.curve",
    "curve_cells": "scoreaudit.gate.curve_cells",
    "solver": "scoreaudit.gate._solver",
    "attack": "scoreaudit.gate.attack",
    "aggregate_gate": "scoreaudit.gate.aggregate",
    "funnel_gate": "scoreaudit.gate.funnel",
    "verify": "scoreaudit.gate.verify",
    "ties": "scoreaudit.selection.ties",
    "policies": "scoreaudit.selection.policies",
    "auc_ks": "scoreaudit.stats._auc_ks",
    "tables": "scoreaudit.engines.tables",
    "ranking": "scoreaudit.stats.ranking",
    "power": "scoreaudit.stats.power",
    "distribution": "scoreaudit.stats.distribution",
    "calibration": "scoreaudit.stats.calibration",
    "order": "scoreaudit.core.order",
}
#: exit code -> verdict (mutmut.stats.status_by_exit_code, collapsed)
KILLED = {1, 3, 36, -24, 24, 152, 255}  # a failing test, an internal error or a timeout
SURVIVED = {0}


def _meta(module: str) -> Path:
    return ROOT / "mutants" / "src" / (module.replace(".", "/") + ".py.meta")


def _keys(module: str) -> dict[str, int | None]:
    path = _meta(module)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["exit_code_by_key"]


def _generate(max_children: int) -> None:
    """Write the mutants into ./mutants without running any test (mutmut's first step)."""
    code = (
        "from mutmut.__main__ import copy_src_dir, copy_also_copy_files, create_mutants\n"
        "from mutmut.utils.file_utils import setup_source_paths\n"
        "copy_src_dir(); copy_also_copy_files(); setup_source_paths()\n"
        f"create_mutants({max_children})\n"
    )
    (ROOT / "mutants").mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)


def _pick(
    modules: list[str], sample: int, every: bool, seed: int, functions: list[str] | None = None
) -> list[str]:
    names: list[str] = []
    for short in modules:
        keys = sorted(_keys(MODULES[short]))
        if functions:  # mutants of these functions only (nested functions included)
            keys = [k for k in keys if any(_of(k, f) for f in functions)]
        if not every and sample and len(keys) > sample:
            keys = sorted(random.Random(f"{seed}-{short}").sample(keys, sample))
        names += keys
    return names


def _of(key: str, function: str) -> bool:
    """Whether mutant ``key`` is in ``function``: a function's name, ``Class`` (every
    method) or ``Class.method`` (mutmut names a method's mutants ``xǁClassǁmethod__...``)."""
    if "." in function:
        cls, method = function.split(".", 1)
        return f"xǁ{cls}ǁ{method}__mutmut_" in key
    return f"x_{function}__mutmut_" in key or f"xǁ{function}ǁ" in key


def report(modules: list[str], names: set[str] | None = None) -> None:
    """Print killed/total per module (over ``names`` if given) and the survivors."""
    survivors = []
    for short in modules:
        codes = _keys(MODULES[short])
        if names is not None:
            codes = {k: v for k, v in codes.items() if k in names}
        checked = {k: v for k, v in codes.items() if v is not None}
        killed = sum(v in KILLED for v in checked.values())
        other = [k for k, v in checked.items() if v not in KILLED | SURVIVED]
        survivors += sorted(k for k, v in checked.items() if v in SURVIVED)
        rate = 100 * killed / max(len(checked), 1)
        print(
            f"{MODULES[short]:32s} {killed:4d}/{len(checked):4d} killed ({rate:5.1f}%)"
            f"  of {len(_keys(MODULES[short]))} mutants"
            + (f"  no tests/other: {', '.join(other)}" if other else "")
        )
    for name in survivors:
        print("survived:", name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", action="append", choices=sorted(MODULES), help="repeatable")
    ap.add_argument("--sample", type=int, default=150, help="mutants per module at most")
    ap.add_argument("--all", action="store_true", help="every mutant (no sampling)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-children", type=int, default=2)
    ap.add_argument("--function", action="append", help="only this function's mutants")
    ap.add_argument("--report", action="store_true", help="print the last results only")
    args = ap.parse_args()
    modules = args.module or list(MODULES)
    if not args.report:
        _generate(args.max_children)
        names = _pick(modules, args.sample, args.all, args.seed, args.function)
        cmd = [str(MUTMUT), "run", "--max-children", str(args.max_children), *names]
        subprocess.run(cmd, cwd=ROOT, check=False)
        report(modules, set(names))
    else:
        report(modules)


if __name__ == "__main__":
    main()
