"""Planted-bias scenarios: exact true ratios, and recovery by the audit engine."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import scoreaudit as sa
from scoreaudit.synthetic import (
    c2sg_population,
    planted_cells,
    population_cutoff,
    true_selection_rates,
    true_selection_ratio,
)


def test_neutral_true_ratio_is_one():
    assert true_selection_ratio(budget=0.05, scenario="neutral") == 1.0
    assert true_selection_ratio(
        budget=0.2, scenario="planted", planted_effects={"gender": {}}
    ) == pytest.approx(1.0, abs=1e-12)
    assert population_cutoff(0.05, scenario="neutral") == pytest.approx(
        stats.norm.isf(0.05), abs=1e-12
    )


def test_cutoff_solves_the_budget_equation():
    cells = planted_cells()
    assert cells["probability"].sum() == pytest.approx(1.0, abs=1e-12)
    for budget in (0.01, 0.05, 0.3):
        t = population_cutoff(budget)
        total = float(np.dot(cells["probability"], stats.norm.sf(t - cells["mean"])))
        assert total == pytest.approx(budget, abs=1e-12)
        rates = true_selection_rates("gender", budget=budget)
        woman_share = cells.loc[cells["gender"] == "woman", "probability"].sum()
        mix = woman_share * rates["woman"] + (1 - woman_share) * rates["man"]
        assert mix == pytest.approx(budget, abs=1e-12)


def test_true_ratio_closed_form_for_gender_shift():
    # score | woman ~ N(0.4, 1), score | man ~ N(0, 1): ratio = sf(t - 0.4) / sf(t)
    t = population_cutoff(0.05)
    expected = stats.norm.sf(t - 0.4) / stats.norm.sf(t)
    assert true_selection_ratio(budget=0.05) == pytest.approx(expected, rel=1e-12)
    assert true_selection_ratio(threshold=1.0) == pytest.approx(
        stats.norm.sf(0.6) / stats.norm.sf(1.0), rel=1e-12
    )


def test_proxy_planted_on_family_status_shows_through_gender():
    effects = {"family_status": {"single_parent": 0.5}}
    ratio = true_selection_ratio(budget=0.05, planted_effects=effects)
    assert ratio > 1.2  # 85% of single parents are women: a proxy disparity
    assert (
        true_selection_ratio(
            "single_parent",
            "alone",
            attribute="family_status",
            budget=0.05,
            planted_effects=effects,
        )
        > 2
    )


def test_large_sample_selection_ratio_matches_truth():
    # 400,000 households: the sample ratio is within 4 standard errors of the truth
    pop = c2sg_population(400_000, random_state=99, scenario="planted", include_truth=False)
    k = int(round(0.05 * len(pop)))
    selected = np.zeros(len(pop), bool)
    selected[np.argsort(-pop["score"].to_numpy())[:k]] = True
    woman = (pop["gender"] == "woman").to_numpy()
    sw, sm = selected[woman].sum(), selected[~woman].sum()
    ratio = (sw / woman.sum()) / (sm / (~woman).sum())
    se_log = np.sqrt(1 / sw + 1 / sm)
    assert abs(np.log(ratio / true_selection_ratio(budget=0.05))) < 4 * se_log
    # the planted score is informative about the truth but not about gender within the truth
    assert pop["score"].groupby(pop["gender"], observed=True).std().between(0.98, 1.02).all()


def test_planted_score_tracks_the_truth():
    pop = c2sg_population(100_000, random_state=5, scenario="neutral")
    top = pop["score"] >= pop["score"].quantile(0.95)
    assert pop.loc[top, "irregular"].mean() > 4 * pop["irregular"].mean()
    base = c2sg_population(100_000, random_state=5)
    assert pop.drop(columns="score").equals(base)


def test_bad_planted_arguments():
    with pytest.raises(sa.DataError, match="age_band"):
        true_selection_rates("age_band")
    with pytest.raises(sa.PolicyError):
        population_cutoff(1.5)
    with pytest.raises(sa.DataError, match="robot"):
        true_selection_ratio("robot", "man")
    with pytest.raises(sa.DataError, match="scenario"):
        true_selection_ratio(scenario="nope")


def _coverage(
    scenario: str, seeds: int, n: int, budget: float = 0.05, **parameters
) -> tuple[int, float]:
    truth = true_selection_ratio(budget=budget, scenario=scenario, **parameters)
    covered = 0
    for seed in range(seeds):
        frame = c2sg_population(
            n, random_state=seed, scenario=scenario, include_truth=False, **parameters
        )
        res = sa.audit(
            sa.Population(frame, protected=["gender"]),
            sa.ScoreColumn("score"),
            policy=sa.Budget(share=budget, random_state=seed),
            reference={"gender": "man"},
            intersections=False,
            confidence=0.95,
            threshold_free=False,
        )
        d = res.disparities.set_index("group").loc["woman"]
        covered += int(d["ratio_low"] <= truth <= d["ratio_high"])
    return covered, truth


@pytest.mark.slow
def test_audit_interval_covers_planted_ratio():
    """sa.audit's 95% interval covers the true planted ratio in >= 90 of 100 seeds."""
    covered, truth = _coverage("planted", seeds=100, n=20_000)
    assert truth == pytest.approx(2.341, abs=1e-3)
    assert covered >= 90, covered


@pytest.mark.slow
def test_audit_interval_covers_one_in_neutral_setting():
    """Neutral setting: the 95% interval covers 1 at about the nominal rate (>= 90/100)."""
    covered, truth = _coverage("neutral", seeds=100, n=20_000)
    assert truth == 1.0
    assert covered >= 90, covered


@pytest.mark.slow
def test_audit_interval_covers_proxy_ratio():
    """Score planted on single parenthood only: the gender ratio is a proxy effect."""
    covered, _ = _coverage(
        "planted", seeds=100, n=20_000, planted_effects={"family_status": {"single_parent": 0.5}}
    )
    assert covered >= 90, covered
