"""Shared test data builders."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd


def readme_audit(**options):
    """The README's audit: the bundled 100 k file, the shipped reconstruction of the C2SG
    score, 5% selected, men as the reference (``options`` go to ``sa.audit``)."""
    import scoreaudit as sa
    from scoreaudit.data.io import read_data

    root = Path(__file__).parents[1]
    pop = sa.Population(
        read_data(root / "data/synthetic/c2sg_100k.parquet"),
        protected=["gender", "age_band", "family_status"],
    )
    return sa.audit(
        pop,
        sa.examples.model("c2sg-reconstruction"),
        policy=sa.Budget(share=0.05),
        reference={"gender": "man"},
        **options,
    )


def random_frame(seed: int, n: int = 2000, groups=(2, 4, 3)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {}
    for j, k in enumerate(groups):
        cols[f"a{j}"] = rng.choice([f"g{i}" for i in range(k)], n)
    cols["score"] = rng.random(n)
    return pd.DataFrame(cols)


def tied_two_attribute_audit(seed: int, level: bool = True):
    """An audit whose curve the gate checks against its groups table: 3-4 groups of g, two
    of h, integer scores (ties), 10% selected, small intersections; with ``level`` the
    h = y files score above every h = x file (a score level identifies a group)."""
    import scoreaudit as sa

    rng = np.random.default_rng(seed)
    sizes = rng.integers(20, 201, size=rng.integers(3, 5))
    g = np.repeat([f"g{i}" for i in range(sizes.size)], sizes)
    h = np.where(rng.random(g.size) < rng.uniform(0.1, 0.5), "y", "x")
    s = rng.integers(0, 30, size=g.size).astype(float) + 100.0 * (h == "y") * level
    frame = pd.DataFrame({"g": g, "h": h, "s": s})
    pop = sa.Population(frame, protected=["g", "h"])
    return sa.audit(pop, "s", sa.Budget(share=0.1), threshold_free=False)


def cli_text(captured) -> str:
    """What a command printed (stdout and stderr), whitespace collapsed to single spaces."""
    return " ".join((captured.out + captured.err).split())


def emitted_codes(src: Path, func: str) -> dict[str, set[str]]:
    """Every ``func("code", name=...)`` call below ``src``: code -> parameter names."""
    found: dict[str, set[str]] = {}
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == func
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.setdefault(node.args[0].value, set()).update(
                    k.arg for k in node.keywords if k.arg
                )
    return found
