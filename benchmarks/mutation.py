"""Mutation testing of the publication gate and the statistics core (a home-made AST mutator).

Each mutant changes one operator or constant in one function (``<`` -> ``<=``, ``+`` -> ``-``,
``and`` -> ``or``, a number n -> n + 1, ``True`` <-> ``False``), is written over the module,
and the relevant tests run; a mutant is *killed* when a test fails. The original file is
restored afterwards (also on Ctrl-C). Not part of the default test run.

Run from the repository root::

    PYTHONPATH=$PWD/src /work/venv/bin/python benchmarks/mutation.py            # everything
    PYTHONPATH=$PWD/src /work/venv/bin/python benchmarks/mutation.py --max 40   # a sample

Prints the kill rate per module and the surviving mutants (file:line and the change).
"""

from __future__ import annotations

import argparse
import ast
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "src/scoreaudit/gate/complements.py": ["tests/test_publication_gate.py"],
    "src/scoreaudit/gate/attack.py": ["tests/test_publication_gate.py"],
    "src/scoreaudit/gate/publish.py": [
        "tests/test_publication_gate.py",
        "tests/test_report.py",
    ],
    "src/scoreaudit/stats/metrics.py": [
        "tests/test_audit_known.py",
        "tests/test_audit_differential.py",
    ],
}
SWAP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.And: ast.Or,
    ast.Or: ast.And,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
}


def _sites(tree: ast.AST) -> list[tuple[int, str]]:
    sites = []
    for i, node in enumerate(ast.walk(tree)):
        if isinstance(node, (ast.Compare,)) and type(node.ops[0]) in SWAP:
            sites.append((i, f"{type(node.ops[0]).__name__}->{SWAP[type(node.ops[0])].__name__}"))
        elif isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in SWAP:
            sites.append((i, f"{type(node.op).__name__}->{SWAP[type(node.op)].__name__}"))
        elif (
            isinstance(node, ast.Constant)
            and type(node.value) in (int, float)
            and not isinstance(node.value, bool)
        ):
            sites.append((i, f"{node.value!r}->{node.value!r}+1"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            sites.append((i, f"{node.value}->{not node.value}"))
    return sites


def _in_docstring(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _mutate(source: str, index: int) -> tuple[str, int]:
    tree = ast.parse(source)
    for i, node in enumerate(ast.walk(tree)):
        if i != index:
            continue
        if isinstance(node, ast.Compare):
            node.ops[0] = SWAP[type(node.ops[0])]()
        elif isinstance(node, (ast.BinOp, ast.BoolOp)):
            node.op = SWAP[type(node.op)]()
        elif isinstance(node.value, bool):
            node.value = not node.value
        else:
            node.value = node.value + 1
        return ast.unparse(tree), getattr(node, "lineno", 0)
    raise IndexError(index)


def _run(tests: list[str]) -> bool:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not slow",
        *tests,
    ]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=900).returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=0, help="sample this many mutants per module")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="substring of the module path")
    args = ap.parse_args()
    total = killed = 0
    survivors = []
    for rel, tests in TARGETS.items():
        if args.only not in rel:
            continue
        path = ROOT / rel
        original = path.read_text(encoding="utf-8")
        tree = ast.parse(original)
        skip = _in_docstring(tree)
        sites = [(i, d) for i, d in _sites(tree)]
        nodes = list(ast.walk(tree))
        sites = [(i, d) for i, d in sites if id(nodes[i]) not in skip]
        if args.max and len(sites) > args.max:
            sites = sorted(random.Random(args.seed).sample(sites, args.max))
        k = 0
        try:
            for i, desc in sites:
                mutated, line = _mutate(original, i)
                path.write_text(mutated, encoding="utf-8")
                dead = not _run(tests)
                k += dead
                if not dead:
                    survivors.append(f"{rel}:{line} {desc}")
        finally:
            path.write_text(original, encoding="utf-8")
        print(f"{rel}: {k}/{len(sites)} killed", flush=True)
        total += len(sites)
        killed += k
    print(f"TOTAL {killed}/{total} killed ({100 * killed / max(total, 1):.1f}%)")
    for s in survivors:
        print("survivor:", s)


if __name__ == "__main__":
    main()
