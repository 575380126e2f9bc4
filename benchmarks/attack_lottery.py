"""Replay attack on the tie allocation at the cut-off, through the published budget curve.

Two attributes (gender x status, 4 cells), a score with 3 levels (a disclosed scorecard's
levels are public), one tiny cell (man x sp: 8 files). The gate hides the four cells; the
margins and the single-attribute curve are published. At each budget the tied files of the
cut-off level are allocated among the cells (``ties="random"``: a multivariate hypergeometric
draw from the recorded seed; ``"proportional"``: largest remainders): every published curve
count is an exact function of the hidden cells' counts per score level, which the curve
certificate (``gate/curve.py``) does not model. The attacker lists every count vector of
each level that the published totals allow, replays the allocation at every published
budget, and keeps the vectors that reproduce the published margins.

Found by an attack on our own files (6 Dec 2026). Before any fix, ``random`` left one
candidate, the true (n, selected) = (8, 4) of the hidden cell, and ``proportional`` (the
default) three, n in {8, 18, 20}. When the groups table hides anything, the gate now
publishes the curve at tie-block edges (``AuditResult.curve_at_levels``): no published count
but the audit's own budget depends on the sharing, and the replay no longer narrows (every
count vector of a level that the published margins allow is left, with either rule).

Run: PYTHONPATH=src python benchmarks/attack_lottery.py [--ties random|proportional] [--seed 0]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import numpy as np
import pandas as pd

import scoreaudit as sa
from scoreaudit.gate.publish import publish
from scoreaudit.selection.ties import allocate

CELLS = [("man", "alone"), ("man", "sp"), ("woman", "alone"), ("woman", "sp")]
LEVELS = {2: [30, 3, 25, 22], 1: [25, 3, 30, 22], 0: [300, 2, 350, 250]}


def frame() -> pd.DataFrame:
    rows = [
        (g, s, float(level))
        for level, counts in LEVELS.items()
        for (g, s), c in zip(CELLS, counts, strict=True)
        for _ in range(c)
    ]
    f = pd.DataFrame(rows, columns=["gender", "status", "score"])
    return f.sample(frac=1, random_state=0).reset_index(drop=True)


def margins(x: np.ndarray) -> dict[str, int]:
    return {"man": x[0] + x[1], "woman": x[2] + x[3], "alone": x[0] + x[2], "sp": x[1] + x[3]}


def vectors(total: int) -> Iterator[tuple[int, int, int, int]]:
    for a in range(total + 1):
        for b in range(total + 1 - a):
            for c in range(total + 1 - a - b):
                yield (a, b, c, total - a - b - c)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ties", choices=["random", "proportional"], default="random")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    policy = sa.Budget(share=0.12, ties=args.ties, random_state=args.seed)
    result = sa.audit(
        sa.Population(frame(), protected=["gender", "status"]),
        sa.ScoreColumn("score"),
        policy,
        threshold_free=False,
    )
    pub = publish(result).result
    sel, groups = pub.selection, pub.groups.set_index("group")
    n_pub = {g: int(groups.loc[g, "n"]) for g in ("man", "woman", "alone", "sp")}
    total = n_pub["man"] + n_pub["woman"]
    top, tied = sel.n_selected - sel.tied_selected, sel.tied_at_cutoff
    observed: dict[int, dict[str, int]] = {}
    for k, sub in pub.curve[~pub.curve["suppressed"].astype(bool)].groupby("n_selected"):
        counts = dict(zip(sub["group"], sub["selected"].astype(int), strict=True))
        observed.setdefault(int(k), {}).update(counts)
    observed.setdefault(sel.n_selected, {}).update(
        {g: int(groups.loc[g, "selected"]) for g in n_pub}
    )

    def draw(v: np.ndarray, r: int) -> np.ndarray:
        out = np.zeros(4, dtype=int)
        if r >= v.sum():
            return v.copy()
        p = np.flatnonzero(v)
        method = {"method": "random", "random_state": args.seed} if args.ties == "random" else {}
        out[p] = allocate(v[p], int(r), **method)
        return out

    def fits(v: tuple, above: dict[str, int], start: int, budgets: list[int]) -> bool:
        for k in budgets:
            got = margins(draw(np.array(v), k - start))
            if any(above[g] + got[g] != s for g, s in observed[k].items()):
                return False
        return True

    zero = dict.fromkeys(n_pub, 0)
    ks2 = sorted(k for k in observed if 0 < k < top)
    level2 = [v for v in vectors(top) if fits(v, zero, 0, ks2)]
    ks1 = sorted(k for k in observed if top < k < top + tied)
    pairs = len(level2) * sum(1 for _ in vectors(tied))
    print(f"published curve budgets: {len(observed) - 1}; top level: {len(level2)} candidates")
    if pairs > 50_000_000:
        print(f"{pairs:,} candidate pairs for the next level: the replay no longer narrows")
        return
    both = [
        (v2, v1)
        for v2 in level2
        for v1 in vectors(tied)
        if fits(v1, margins(np.array(v2)), top, ks1)
    ]
    ks0 = sorted(k for k in observed if top + tied < k < total)
    found = set()
    for v2, v1 in both:
        m = margins(np.array(v2) + np.array(v1))
        rm, rw, ra = (n_pub[g] - m[g] for g in ("man", "woman", "alone"))
        for p in range(min(rm, ra) + 1):
            v0 = (p, rm - p, ra - p, rw - (ra - p))
            if min(v0) >= 0 and fits(v0, m, top + tied, ks0):
                x1 = draw(np.array(v1), sel.n_selected - top)
                found.add((int(v2[1] + v1[1] + v0[1]), int(v2[1] + x1[1])))
    truth = result.groups.set_index("group").loc["man × sp", ["n", "selected"]].tolist()
    print(f"ties={args.ties} seed={args.seed}: hidden cell man × sp, truth (n, selected) {truth}")
    ns = sorted({a for a, _ in found})
    print(f"candidates left by the replay: {len(found)}", sorted(found)[:5], "...")
    if ns:
        print(f"size of the hidden cell: {ns[0]} to {ns[-1]} ({ns[-1] - ns[0] + 1} values)")


if __name__ == "__main__":
    main()
