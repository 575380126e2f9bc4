"""Check that two report directories publish the same numbers (issue 19: speed work must not
change a published number).

Compares ``tables/*.csv`` byte for byte and ``results.json`` value for value, ignoring the
manifest's timing and environment fields; figures are not compared (their bytes may change
with the rendering) and are reported only by name.

Run: python benchmarks/check_report_same.py BEFORE_DIR AFTER_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

_VOLATILE = {"time"}  # the manifest's date and time of the run


def _strip(obj: Any) -> Any:
    """The JSON value without volatile (time) keys."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in _VOLATILE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    """Paths where two JSON values differ (first 20)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: only on one side" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            out += _diff(a[k], b[k], f"{path}/{k}")
        return out[:20]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += _diff(x, y, f"{path}[{i}]")
            if len(out) >= 20:
                break
        return out
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def compare(before: Path, after: Path) -> list[str]:
    """Differences between the published numbers of two report directories."""
    problems = []
    names = sorted({p.name for p in (before / "tables").glob("*.csv")})
    if names != sorted(p.name for p in (after / "tables").glob("*.csv")):
        problems.append("different table files")
    for name in names:
        if (before / "tables" / name).read_bytes() != (after / "tables" / name).read_bytes():
            problems.append(f"tables/{name} differs")
    a = _strip(json.loads((before / "results.json").read_text(encoding="utf-8")))
    b = _strip(json.loads((after / "results.json").read_text(encoding="utf-8")))
    problems += _diff(a, b, "results.json")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path, help="report directory written before the change")
    ap.add_argument("after", type=Path, help="report directory written after it")
    args = ap.parse_args()
    before, after = args.before, args.after
    for d in (before, after):
        if not (d / "results.json").is_file():
            ap.error(f"{d} is not a report directory (no results.json)")
    problems = compare(before, after)
    figs = sorted(p.name for p in (after / "figures").glob("*.svg"))
    print(f"figures: {', '.join(figs)}")
    print("\n".join(problems) if problems else "same published numbers (tables, results.json)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
