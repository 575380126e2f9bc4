"""The calibration table against its documented rule computed here with pandas and
statsmodels: quantile bins by the left-continuous weighted ECDF, weighted rates, Wilson
intervals with Kish's effective number of labelled rows (mutation testing found the
weighted effective size, the default number of bins and the error texts untested)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from scoreaudit.errors import ScoreAuditError
from scoreaudit.stats.calibration import calibration_by_group
from scoreaudit.stats.distribution import rank_scores


def _by_rule(scores, codes, labels, weights, bins):
    """Bins, counts, rates and intervals written out from the docstring's definitions."""
    w = np.ones_like(scores) if weights is None else weights
    order = np.argsort(scores, kind="stable")
    cum = np.concatenate(([0.0], np.cumsum(w[order])))
    below = cum[np.searchsorted(scores[order], scores, side="left")] / cum[-1]  # F(x-)
    b = np.minimum(bins - 1, np.floor(bins * below)).astype(int)
    f = pd.DataFrame({"group": codes, "bin": b, "s": scores, "y": labels, "w": w})
    rows = []
    for (g, k), part in f.groupby(["group", "bin"]):
        lab = part[part["y"].notna()]
        mass, mass2 = lab["w"].sum(), (lab["w"] ** 2).sum()
        rate = (lab["w"] * lab["y"]).sum() / mass
        n_eff = mass * mass / mass2
        low, high = proportion_confint(rate * n_eff, n_eff, alpha=0.05, method="wilson")
        mean = np.average(lab["s"], weights=lab["w"])
        rows.append((g, k, len(part), len(lab), mean, rate, low, high))
    cols = ["group", "bin", "n", "n_labelled", "mean_score", "observed_rate", "low", "high"]
    return pd.DataFrame(rows, columns=cols)


@pytest.mark.parametrize("weighted", [False, True])
def test_calibration_follows_its_documented_rule(weighted):
    rng = np.random.default_rng(5)
    n = 3000
    scores = np.round(rng.random(n), 3)  # some ties
    codes = rng.integers(0, 3, n)
    labels = np.where(rng.random(n) < 0.5, (rng.random(n) < scores).astype(float), np.nan)
    weights = rng.uniform(0.2, 5.0, n) if weighted else None
    got = calibration_by_group(scores, codes, 3, labels, weights=weights)
    want = _by_rule(scores, codes, labels, weights, 10)
    assert sorted(set(got["bin"])) == list(range(10))  # deciles by default
    np.testing.assert_array_equal(got[["group", "bin", "n", "n_labelled"]], want.iloc[:, :4])
    for ours, theirs in [
        ("mean_score", "mean_score"),
        ("observed_rate", "observed_rate"),
        ("observed_rate_low", "low"),
        ("observed_rate_high", "high"),
    ]:
        np.testing.assert_allclose(got[ours], want[theirs], rtol=1e-9, atol=1e-12)


def test_calibration_input_errors_say_what_is_wrong():
    s, c = np.array([0.1, 0.2, 0.3]), np.zeros(3, dtype=int)
    with pytest.raises(ScoreAuditError) as exc:
        calibration_by_group(s[:2], c, 1, np.ones(3), ranking=rank_scores(s))
    assert str(exc.value) == "Scores have shape (2,) but the ranking has 3 rows."
    with pytest.raises(ScoreAuditError) as exc:
        calibration_by_group(s, c, 1, np.ones(2))
    assert str(exc.value) == "Labels must have one entry per row (3); got shape (2,)."
