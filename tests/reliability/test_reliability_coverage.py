"""Interval coverage, checkable (issue 10): a reduced run of benchmarks/coverage_intervals.py.

Over 1,000 simulated populations with a known truth (three groups, scores Normal(mu_g, 1),
a fixed threshold), the 95% Wilson intervals of the rates and Katz intervals of the ratios
must contain the truth in 93-97% of runs. The full table (1,000 runs, thresholds and budgets,
two population sizes) is in benchmarks/README.md; with a budget the rate interval is
conservative by design (97-99%), so the checkable claim is made for the threshold policy.

Run with: pytest -m slow tests/reliability/test_reliability_coverage.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

#: 1,000 runs: the Monte Carlo standard error of a 95% coverage is then 0.7 points; with
#: 400 it is 1.1 points and seed 0 gives 93.25% for one rate, too close to the bound.
RUNS = 1_000
LOW, HIGH = 0.93, 0.97


def _benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "coverage_intervals.py"
    spec = importlib.util.spec_from_file_location("coverage_intervals", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_rate_and_ratio_intervals_cover_the_truth_93_to_97_percent() -> None:
    coverage = _benchmark().simulate("threshold", 1.5, 2_000, RUNS, seed=0)
    assert coverage["runs"] >= 0.99 * RUNS  # ratios are defined in (almost) every run
    report = {k: round(v, 4) for k, v in coverage.items()}
    for key in ("rate g2", "rate g1", "ratio g2/g0", "ratio g1/g0"):
        assert LOW <= coverage[key] <= HIGH, (key, report)
