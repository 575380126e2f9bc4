"""Time of the publication gate (small-cell suppression and its attacker) on intersectional
audits of the bundled synthetic data, and the same publications in another source tree.

    PYTHONPATH=src python benchmarks/bench_gate.py --rows 20000 100000 \\
        --protected gender,age_band,family_status,activity_status --against OLD/src

Each (rows, tree) runs in a fresh interpreter: the audit (shipped scorecard, 5% budget, the
attributes and their intersections), then ``publish(result, 11)`` timed alone. With
``--against``, the published groups, disparities and curve are compared value for value.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "synthetic" / "c2sg_100k.parquet"


def worker(rows: int, protected: list[str], out: str) -> None:
    import pandas as pd

    import scoreaudit as sa
    from scoreaudit.gate.publish import publish

    frame = pd.read_parquet(DATA)
    if rows < len(frame):
        frame = frame.sample(rows, random_state=0)
    result = sa.audit(
        sa.Population(frame, protected=protected),
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        threshold_free=False,
    )
    start = time.perf_counter()
    published = publish(result, 11)
    seconds = time.perf_counter() - start
    pub = published.result
    tables = (pub.groups, pub.disparities, pub.curve)
    hidden = int(pub.groups["suppressed"].astype(bool).sum())
    with open(out, "wb") as f:
        pickle.dump(
            {"seconds": seconds, "groups": len(pub.groups), "hidden": hidden, "tables": tables}, f
        )


def run(src: str, rows: int, protected: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.pkl")
        env = {**os.environ, "PYTHONPATH": src}
        cmd = [sys.executable, __file__, "--worker", str(rows), ",".join(protected), out]
        subprocess.run(cmd, env=env, check=True)
        with open(out, "rb") as f:
            return pickle.load(f)


def same(a: dict, b: dict) -> bool:
    import pandas as pd

    try:
        for x, y in zip(a["tables"], b["tables"], strict=True):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
    except AssertionError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--protected", default="gender,age_band,family_status,activity_status")
    ap.add_argument("--src", default=str(ROOT / "src"))
    ap.add_argument("--against", help="older source tree to compare with")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(int(args.worker[0]), args.worker[1].split(","), args.worker[2])
        return
    protected = args.protected.split(",")
    print(f"load average {os.getloadavg()[0]:.1f}; protected: {', '.join(protected)}")
    for rows in args.rows:
        new = run(args.src, rows, protected)
        line = (
            f"{rows:>9,} rows: {new['groups']} groups, {new['hidden']} hidden, "
            f"gate {new['seconds']:.2f} s"
        )
        if args.against:
            old = run(args.against, rows, protected)
            line += f"; before {old['seconds']:.2f} s, same publication: {same(old, new)}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
