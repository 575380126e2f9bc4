"""Regenerate the bundled aggregate table ``data/synthetic/c2sg_confusion_counts.csv``.

The table is what an agency might publish instead of its model: per gender x age band, the
confusion matrix of the shipped ``c2sg-reconstruction`` model at a 5% control budget on the
synthetic population ``c2sg_population(100_000, random_state=0)`` (the households of
``data/synthetic/c2sg_100k.parquet``), against the ground truth ``irregular``: whole counts
(``n``, ``tp``, ``fp``, ``tn``, ``fn``) and, as published tables usually give them, the
selection rate, precision, prevalence and false-positive rate in percent with one decimal.

The control log ``data/synthetic/c2sg_controls.csv`` is made by
``scoreaudit.synthetic.cli.synth_controls`` (see ``data/synthetic/README.md``).

Same library versions: byte-identical output. Run from the repository root::

    python benchmarks/make_control_files.py            # writes the file
    python benchmarks/make_control_files.py --check    # exit 1 if the bundled file differs
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from scoreaudit import Budget, Population, audit
from scoreaudit.models.shipped import model
from scoreaudit.synthetic import c2sg_population, write_frame

OUT = Path("data/synthetic/c2sg_confusion_counts.csv")


def confusion_table(n: int = 100_000, seed: int = 0, budget: float = 0.05) -> pd.DataFrame:
    """Confusion matrix per gender x age band of the c2sg-reconstruction model at ``budget``."""
    pop = c2sg_population(n, random_state=seed)
    res = audit(
        Population(pop, protected=["gender", "age_band"]),
        model("c2sg-reconstruction"),
        Budget(share=budget, random_state=seed),
        intersections=False,
        threshold_free=False,
    )
    frame = pd.DataFrame(
        {
            "gender": pop["gender"].astype(str),
            "age_band": pop["age_band"].astype(str),
            "flagged": res.selected,
            "irregular": pop["irregular"].to_numpy() == 1,
        }
    )
    frame["tp"] = frame["flagged"] & frame["irregular"]
    frame["fp"] = frame["flagged"] & ~frame["irregular"]
    frame["tn"] = ~frame["flagged"] & ~frame["irregular"]
    frame["fn"] = ~frame["flagged"] & frame["irregular"]
    order = {
        "gender": list(pop["gender"].cat.categories),
        "age_band": list(pop["age_band"].cat.categories),
    }
    t = (
        frame.groupby(["gender", "age_band"], sort=False)[["tp", "fp", "tn", "fn"]]
        .sum()
        .reset_index()
    )
    t["_g"] = t["gender"].map(order["gender"].index)
    t["_a"] = t["age_band"].map(order["age_band"].index)
    t = t.sort_values(["_g", "_a"]).drop(columns=["_g", "_a"]).reset_index(drop=True)
    t[["tp", "fp", "tn", "fn"]] = t[["tp", "fp", "tn", "fn"]].astype(np.int64)
    t.insert(2, "n", t[["tp", "fp", "tn", "fn"]].sum(axis=1))
    sel = t["tp"] + t["fp"]
    t["selected_pct"] = (100 * sel / t["n"]).round(1)
    t["precision_pct"] = (100 * t["tp"] / sel).round(1)
    t["prevalence_pct"] = (100 * (t["tp"] + t["fn"]) / t["n"]).round(1)
    t["fpr_pct"] = (100 * t["fp"] / (t["fp"] + t["tn"])).round(1)
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the bundled file instead of writing it"
    )
    args = parser.parse_args(argv)
    table = confusion_table()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = write_frame(table, Path(tmp) / OUT.name).read_bytes()
        same = OUT.exists() and OUT.read_bytes() == fresh
        print(f"{OUT}: {'identical' if same else 'DIFFERS'}")
        return 0 if same else 1
    write_frame(table, OUT, force=True)
    print(f"Wrote {OUT} ({len(table)} rows, {OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
