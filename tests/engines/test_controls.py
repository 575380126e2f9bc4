"""Audits from control logs: known answers, convergence to the truth, bootstrap, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

import scoreaudit as sa
from scoreaudit.engines.controls import ControlLog, _bootstrap, audit_controls
from scoreaudit.synthetic import c2sg_population, control_log

Z = 1.959963984540054


def _log(spec: dict[tuple[str, str, str], int], extra: dict | None = None) -> pd.DataFrame:
    """A log from counts per (gender, method, result)."""
    rows = []
    for (g, m, r), k in spec.items():
        rows += [(g, m, r)] * k
    frame = pd.DataFrame(rows, columns=["gender", "selection_method", "result"])
    for col, values in (extra or {}).items():
        frame[col] = values
    return frame


# woman: 40 random (4 errors), 30 score-picked (9 errors); man: 60 random (3), 10 score (1)
HAND = {
    ("woman", "random", "errors found"): 4,
    ("woman", "random", "no error"): 36,
    ("man", "random", "errors found"): 3,
    ("man", "random", "no error"): 57,
    ("woman", "score", "errors found"): 9,
    ("woman", "score", "no error"): 21,
    ("man", "score", "errors found"): 1,
    ("man", "score", "no error"): 9,
}


@pytest.fixture(scope="module")
def hand_result():
    log = ControlLog(_log(HAND), protected=["gender"], population_size=10_000)
    return audit_controls(log, reference={"gender": "man"}, n_boot=500, random_state=1)


def _row(res, metric, group="woman", attribute="gender"):
    d = res.disparities
    return d[(d["metric"] == metric) & (d["group"] == group) & (d["attribute"] == attribute)].iloc[
        0
    ]


def test_known_answer_representation_and_rates(hand_result):
    g = hand_result.groups.set_index("group")
    # shares: woman 40/100 among random, 30/40 among score-picked
    assert g.loc["woman", "share"] == pytest.approx(0.4)
    assert g.loc["woman", "selected_share"] == pytest.approx(0.75)
    assert g.loc["woman", "representation_ratio"] == pytest.approx(0.75 / 0.4)
    assert g.loc["woman", "representation_difference"] == pytest.approx(0.35)
    # Katz by hand: se = sqrt(1/30 - 1/40 + 1/40 - 1/100)
    se = math.sqrt(1 / 30 - 1 / 40 + 1 / 40 - 1 / 100)
    assert g.loc["woman", "representation_ratio_low"] == pytest.approx(1.875 * math.exp(-Z * se))
    assert g.loc["woman", "base_error_rate"] == pytest.approx(0.1)
    assert g.loc["man", "base_error_rate"] == pytest.approx(0.05)
    assert g.loc["woman", "precision"] == pytest.approx(0.3)
    assert g.loc["man", "precision"] == pytest.approx(0.1)
    # Wilson for 9 / 30 by hand
    p, n = 0.3, 30
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    assert g.loc["woman", "precision_low"] == pytest.approx(centre - half)
    # equal burden: 30/40 of the score's picks, 4/7 of the random controls that found errors
    assert g.loc["woman", "positive_share"] == pytest.approx(4 / 7)
    assert g.loc["woman", "burden_gap"] == pytest.approx(0.75 - 4 / 7)


def test_known_answer_population_confusion_matrix(hand_result):
    g = hand_result.groups.set_index("group")
    # N_g = 10000 * 40/100 = 4000, P_g = 10000 * 4/100 = 400; TP 9, FP 21, FN 391, TN 3579
    assert g.loc["woman", "est_files"] == pytest.approx(4000)
    assert g.loc["woman", "est_positives"] == pytest.approx(400)
    assert g.loc["woman", ["tp", "fp", "fn", "tn"]].tolist() == pytest.approx([9, 21, 391, 3579])
    assert g.loc["woman", "fpr"] == pytest.approx(21 / 3600)
    assert g.loc["woman", "fnr"] == pytest.approx(391 / 400)
    assert g.loc["woman", "selection_rate"] == pytest.approx(30 / 4000)
    assert g.loc["woman", ["tp_share", "fp_share", "tn_share", "fn_share"]].sum() == pytest.approx(
        1.0
    )
    # man: N 6000, P 300; TP 1, FP 9, FN 299, TN 5691
    assert g.loc["man", ["tp", "fp", "fn", "tn"]].tolist() == pytest.approx([1, 9, 299, 5691])
    assert g.loc["man", "fpr"] == pytest.approx(9 / 5700)
    # estimated files add up to the population size
    assert g["est_files"].sum() == pytest.approx(10_000)
    for col in ("fpr", "fnr", "selection_rate"):
        assert (g[f"{col}_low"] <= g[col] + 1e-12).all() and (
            g[col] <= g[f"{col}_high"] + 1e-12
        ).all()


def test_known_answer_comparisons(hand_result):
    rep = _row(hand_result, "representation")
    assert rep["reference"] == "(random controls)"
    assert rep["ratio"] == pytest.approx(1.875)
    assert bool(rep["agency_rule"]) and "35 points" in rep["note"]  # 0.35 >= 0.30
    assert bool(rep["below_four_fifths"])  # 1.875 > 1.25
    man_rep = _row(hand_result, "representation", "man")
    assert man_rep["ratio"] == pytest.approx(0.25 / 0.6) and "halves" in man_rep["note"]
    # selection-rate ratio: (30/40) / (10/60) = 4.5, Woolf interval by hand
    sel = _row(hand_result, "selection_rate")
    assert sel["ratio"] == pytest.approx(4.5)
    se = math.sqrt(1 / 30 + 1 / 40 + 1 / 10 + 1 / 60)
    assert sel["ratio_low"] == pytest.approx(4.5 * math.exp(-Z * se))
    assert sel["rate"] == pytest.approx(30 / 4000) and sel["reference_rate"] == pytest.approx(
        10 / 6000
    )
    assert sel["difference"] == pytest.approx(30 / 4000 - 10 / 6000)
    base = _row(hand_result, "base_error_rate")
    assert base["ratio"] == pytest.approx(2.0) and base["difference"] == pytest.approx(0.05)
    prec = _row(hand_result, "precision")
    assert prec["ratio"] == pytest.approx(3.0) and prec["test"] == "fisher"
    fpr = _row(hand_result, "fpr")
    assert fpr["ratio"] == pytest.approx((21 / 3600) / (9 / 5700))
    assert fpr["interval"] == "bootstrap" and fpr["ratio_low"] < fpr["ratio"] < fpr["ratio_high"]
    # Holm over every distinct test with a p-value: gender is binary, so the women's and the
    # men's representation (and burden) rows are one test seen from both sides
    d = hand_result.disparities
    p = d["p_value"].to_numpy(float)
    mirror = d["metric"].isin(["representation", "burden"]) & (d["group"] == "man")
    np.testing.assert_allclose(
        p[mirror.to_numpy()],
        d.loc[d["metric"].isin(["representation", "burden"]) & (d["group"] == "woman"), "p_value"],
        rtol=1e-9,
    )
    want = np.full(len(d), np.nan)
    want[~mirror.to_numpy()] = multipletests(p[~mirror.to_numpy()], method="holm")[1]
    for metric in ("representation", "burden"):
        rows = (d["metric"] == metric).to_numpy()
        want[rows] = want[rows & ~mirror.to_numpy()][0]
    assert np.allclose(d["p_adjusted"], want, equal_nan=True)
    assert set(d["metric"]) == {
        "representation",
        "burden",
        "selection_rate",
        "base_error_rate",
        "precision",
        "fpr",
        "fnr",
    }


def test_method_map_merges_and_excludes():
    spec = dict(HAND)
    frame = _log(spec)
    score_rows = frame.index[frame["selection_method"] == "score"]
    frame.loc[score_rows[::2], "selection_method"] = "high risk"
    frame.loc[score_rows[1::2], "selection_method"] = "follow-up"
    tip = pd.DataFrame(
        {"gender": ["man"] * 5, "selection_method": ["tip-off"] * 5, "result": ["errors found"] * 5}
    )
    frame = pd.concat([frame, tip], ignore_index=True)
    mapped = ControlLog(
        frame,
        ["gender"],
        method_map={"high risk": "score", "follow-up": "score", "tip-off": "exclude"},
    )
    assert mapped.summary()["excluded_controls"] == 5
    assert mapped.n_score == 40 and mapped.n_random == 100
    # without a map every non-random value is "score", including the tip-offs
    auto = ControlLog(frame, ["gender"])
    assert auto.n_score == 45
    a = audit_controls(mapped, n_boot=50).groups
    b = audit_controls(ControlLog(_log(HAND), ["gender"]), n_boot=50).groups
    pd.testing.assert_frame_equal(a, b)


def test_frequency_weights_equal_expanded_log():
    agg = pd.DataFrame(
        [(g, m, r, k) for (g, m, r), k in HAND.items()],
        columns=["gender", "selection_method", "result", "count"],
    )
    a = audit_controls(
        ControlLog(agg, ["gender"], weight="count", population_size=10_000),
        n_boot=200,
        random_state=3,
    )
    b = audit_controls(
        ControlLog(_log(HAND), ["gender"], population_size=10_000), n_boot=200, random_state=3
    )
    pd.testing.assert_frame_equal(a.groups, b.groups)
    pd.testing.assert_frame_equal(a.disparities, b.disparities)


def test_rest_reference_and_intersections():
    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame(
        {
            "gender": rng.choice(["woman", "man"], n),
            "family": rng.choice(["alone", "single"], n),
            "selection_method": rng.choice(["random", "score"], n, p=[0.3, 0.7]),
            "result": rng.choice(["errors found", "no error"], n, p=[0.2, 0.8]),
        }
    )
    res = audit_controls(
        ControlLog(frame, ["gender", "family"], population_size=100_000),
        reference="rest",
        n_boot=100,
    )
    assert "gender × family" in set(res.groups["attribute"])
    d = res.disparities
    assert set(d.loc[~d["metric"].isin(["representation", "burden"]), "reference"]) == {"(rest)"}
    # rest of 'woman' is 'man': same ratio inverted for the base error rate
    b = d[(d["metric"] == "base_error_rate") & (d["attribute"] == "gender")].set_index("group")
    assert b.loc["woman", "ratio"] == pytest.approx(1 / b.loc["man", "ratio"])


def test_to_dict_deterministic_and_json_safe(hand_result):
    d = hand_result.to_dict()
    assert d["kind"] == "controls" and d["schema_version"] == sa.result.SCHEMA_VERSION
    text = json.dumps(d, allow_nan=False)
    log = ControlLog(_log(HAND), protected=["gender"], population_size=10_000)
    again = audit_controls(log, reference={"gender": "man"}, n_boot=500, random_state=1)
    assert json.dumps(again.to_dict(), allow_nan=False) == text
    assert "controls" in repr(hand_result)
    assert hand_result.ratio("gender", "precision").iloc[0] == pytest.approx(3.0)


def test_bootstrap_keeps_stratum_totals():
    counts = np.array([[30.0, 0, 5], [2, 1, 0], [10, 20, 0], [1, 0, 4]])
    boot = _bootstrap(counts, 200, np.random.default_rng(0))
    assert boot.shape == (200, 4, 3)
    assert np.all(boot[:, :2].sum(axis=(1, 2)) == counts[:2].sum())
    assert np.all(boot[:, 2:].sum(axis=(1, 2)) == counts[2:].sum())
    assert np.all(boot[:, counts == 0] == 0)  # never creates unseen categories
    assert np.allclose(boot.mean(axis=0), counts, rtol=0.15, atol=0.5)


# -- convergence on synthetic logs ------------------------------------------------------------
@pytest.fixture(scope="module")
def synthetic():
    pop = c2sg_population(200_000, random_state=5, scenario="planted")
    return pop


def _truth(pop: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """True FPR / FNR per gender in the full population, for the score's picks of this log."""
    picked = pop["household_id"].isin(log.loc[log["selection_method"] == "score", "household_id"])
    irregular = pop["irregular"].to_numpy() == 1
    out = {}
    for g in ("woman", "man"):
        m = (pop["gender"] == g).to_numpy()
        out[g] = {
            "fpr": (picked & m & ~irregular).sum() / (m & ~irregular).sum(),
            "fnr": (~picked & m & irregular).sum() / (m & irregular).sum(),
        }
    return pd.DataFrame(out).T


@pytest.mark.parametrize(
    ("random_share", "rel_tol", "fnr_tol"), [(0.1, 0.15, None), (0.5, 0.06, 0.12)]
)
def test_population_fpr_converges_to_truth(synthetic, random_share, rel_tol, fnr_tol):
    """n = 200,000 files, 10% controlled (20,000 controls) of which 2,000, then 10,000, at
    random. The FPR is within ``rel_tol`` of the truth (relative), the FNR within ``fnr_tol``
    (absolute, only with 10,000 random controls).

    The FPR's only estimated part is the number of regular files of the group, whose relative
    standard error is sqrt((1 - share) / (n_random * share)): 2.8% for men (share 0.39) with
    2,000 random controls, 1.3% with 10,000, so the tolerances are 4-5 standard errors (over
    20 seeds, the relative RMSE was 2.3% and 1.6% for men, 1.5% and 1.0% for women). The FNR
    rests on the few random controls that found errors: its RMSE over 20 seeds was 0.13 with
    2,000 random controls and 0.036 with 10,000.
    """
    log = control_log(
        synthetic, sa.ScoreColumn("score"), budget=0.1, random_share=random_share, random_state=11
    )
    truth = _truth(synthetic, log)
    res = audit_controls(
        ControlLog(log.drop(columns="irregular"), ["gender"], population_size=len(synthetic)),
        n_boot=200,
        intersections=False,
    )
    g = res.groups.set_index("group")
    for grp in ("woman", "man"):
        assert g.loc[grp, "fpr"] == pytest.approx(truth.loc[grp, "fpr"], rel=rel_tol)
        if fnr_tol is not None:
            assert abs(g.loc[grp, "fnr"] - truth.loc[grp, "fnr"]) < fnr_tol


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_truth(synthetic):
    """40 logs (different random samples) on one population: the 95% bootstrap interval of
    each gender's FPR covers that log's true FPR in at least 85% of the 80 intervals."""
    hits, total = 0, 0
    for seed in range(40):
        log = control_log(
            synthetic,
            sa.ScoreColumn("score"),
            budget=0.05,
            random_share=0.2,
            random_state=100 + seed,
        )
        truth = _truth(synthetic, log)
        res = audit_controls(
            ControlLog(log, ["gender"], population_size=len(synthetic)),
            n_boot=300,
            intersections=False,
            random_state=seed,
        )
        g = res.groups.set_index("group")
        for grp in ("woman", "man"):
            total += 1
            hits += g.loc[grp, "fpr_low"] <= truth.loc[grp, "fpr"] <= g.loc[grp, "fpr_high"]
    assert hits / total >= 0.85


def test_bootstrap_interval_small_repeated_check(synthetic):
    """Quick version: 8 logs, the FPR interval covers the truth for at least 13 of 16."""
    hits = 0
    for seed in range(8):
        log = control_log(
            synthetic,
            sa.ScoreColumn("score"),
            budget=0.05,
            random_share=0.2,
            random_state=300 + seed,
        )
        truth = _truth(synthetic, log)
        res = audit_controls(
            ControlLog(log, ["gender"], population_size=len(synthetic)),
            n_boot=200,
            intersections=False,
            random_state=seed,
        )
        g = res.groups.set_index("group")
        hits += sum(
            g.loc[x, "fpr_low"] <= truth.loc[x, "fpr"] <= g.loc[x, "fpr_high"]
            for x in ("woman", "man")
        )
    assert hits >= 13


# -- bad input ---------------------------------------------------------------------------------
def test_no_random_controls_is_an_error():
    frame = _log({k: v for k, v in HAND.items() if k[1] == "score"})
    with pytest.raises(sa.DataError, match="no random controls"):
        ControlLog(frame, ["gender"])
    with pytest.raises(sa.DataError, match="random_value='Random'"):
        ControlLog(_log(HAND).replace({"random": "Random"}), ["gender"])


def test_no_score_controls_is_an_error():
    frame = _log({k: v for k, v in HAND.items() if k[1] == "random"})
    with pytest.raises(sa.DataError, match="no control picked by the score"):
        ControlLog(frame, ["gender"])


def test_group_absent_from_random_controls_is_explicit():
    spec = dict(HAND)
    spec[("other", "score", "no error")] = 5
    log = ControlLog(_log(spec), ["gender"], population_size=10_000)
    res = audit_controls(log, reference={"gender": "man"}, n_boot=100)
    g = res.groups.set_index("group")
    assert math.isnan(g.loc["other", "base_error_rate"])
    assert math.isnan(g.loc["other", "fpr"]) and math.isnan(g.loc["other", "est_files"])
    assert "absent from the random controls" in g.loc["other", "note"]
    assert any("no random control" in w and "gender = other" in w for w in res.warnings)
    d = res.disparities
    fpr = d[(d["metric"] == "fpr") & (d["group"] == "other")].iloc[0]
    assert math.isnan(fpr["p_value"]) and "absent" in fpr["note"]


def test_unknown_selection_value_with_map_is_an_error():
    frame = _log(HAND)
    frame.loc[0, "selection_method"] = "tip-off"
    with pytest.raises(sa.DataError, match="'tip-off'.*method_map"):
        ControlLog(frame, ["gender"], method_map={"score": "score"})
    with pytest.raises(sa.DataError, match="'random', 'score' or 'exclude'"):
        ControlLog(frame, ["gender"], method_map={"score": "model"})


def test_outcomes_outside_the_two_values_are_an_error():
    frame = _log(HAND)
    frame.loc[3, "result"] = "pending"
    with pytest.raises(sa.DataError, match="'pending'"):
        ControlLog(frame, ["gender"], negative="no error")
    with pytest.raises(sa.DataError, match="give negative="):
        ControlLog(frame, ["gender"])
    frame.loc[3, "result"] = None
    with pytest.raises(sa.DataError, match="missing value.*row position 3"):
        ControlLog(frame, ["gender"])
    with pytest.raises(sa.DataError, match="positive value 'error found'"):
        ControlLog(_log(HAND), ["gender"], positive="error found")


def test_numeric_outcome_and_other_bad_options():
    frame = _log(HAND)
    frame["found"] = (frame["result"] == "errors found").astype(float)
    log = ControlLog(frame, ["gender"], outcome="found", positive=1)
    assert log.summary()["score_errors_found"] == 10
    with pytest.raises(sa.DataError, match="population_size=50 is smaller"):
        ControlLog(frame, ["gender"], population_size=50)
    frame["w"] = 1.5
    with pytest.raises(sa.DataError, match="positive whole numbers"):
        ControlLog(frame, ["gender"], weight="w")
    with pytest.raises(sa.DataError, match="Protected column\\(s\\) 'sex' not found"):
        ControlLog(frame, ["sex"])
    with pytest.raises(sa.DataError, match="'method' \\(selected_by\\) not found"):
        ControlLog(frame, ["gender"], selected_by="method")
    with pytest.raises(sa.DataError, match="ControlLog"):
        audit_controls(frame)
    with pytest.raises(sa.DataError, match="n_boot"):
        audit_controls(ControlLog(_log(HAND), ["gender"]), n_boot=0)


def test_negative_estimated_cells_are_flagged():
    # the score finds 20 errors among men but the random controls imply only 10,000*1/60 = 167
    # files with errors... make it impossible: 1 random man with an error out of 60 -> P = 16.7
    spec = dict(HAND)
    spec[("man", "random", "errors found")] = 1
    spec[("man", "random", "no error")] = 59
    spec[("man", "score", "errors found")] = 30
    res = audit_controls(ControlLog(_log(spec), ["gender"], population_size=1_000), n_boot=100)
    g = res.groups.set_index("group")
    assert g.loc["man", "fn"] < 0 and g.loc["man", "fnr"] == 0.0
    assert "FN or TN < 0" in g.loc["man", "note"]
    assert any("negative" in w for w in res.warnings)


# -- command line ------------------------------------------------------------------------------
def test_cli_controls(tmp_path, capsys):
    from scoreaudit.cli import main

    pop = c2sg_population(20_000, random_state=2, scenario="planted")
    log = control_log(pop, sa.ScoreColumn("score"), budget=0.05, random_share=0.2)
    log["selection_method"] = log["selection_method"].astype(str).replace({"score": "high risk"})
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    out = tmp_path / "rep"
    args = [
        "controls",
        str(path),
        "--protected",
        "gender,age_band",
        "--population-size",
        "20000",
        "--reference",
        "gender=man",
        "--n-boot",
        "100",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "Representation among" in printed and "800 picked by the score" in printed
    data = json.loads((out / "results.json").read_text())
    assert data["kind"] == "controls" and data["data"]["methods"]["high risk"] == "score"
    assert (out / "tables" / "disparities.csv").exists()
    assert main(args) == 2
    assert main([*args[:-2], "--method-map", "other=score", "--out", str(tmp_path / "x")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "'high risk'" in err and "method_map" in err
    assert not (tmp_path / "x").exists()


# -- intervals contain their estimate; degenerate bootstraps are not published -----------------
DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "synthetic"


@pytest.fixture(scope="module")
def bundled_result():
    log = ControlLog(
        pd.read_csv(DATA / "c2sg_controls.csv"),
        ["gender", "age_band", "family_status"],
        population_size=100_000,
    )
    return audit_controls(log, n_boot=300)


def test_woolf_interval_contains_a_zero_or_infinite_ratio():
    from scoreaudit.engines.aggregate import woolf_ratio_interval

    # the review's case: s1 = 0, r1 = 1 against s0 = 526, r0 = 39
    r, lo, hi = woolf_ratio_interval(0, 1, 526, 39)
    assert r == 0 and lo == 0 and 0 < hi < 1
    r, lo, hi = woolf_ratio_interval(5, 1, 0, 39)
    assert math.isinf(r) and math.isinf(hi) and 0 < lo
    r, lo, hi = woolf_ratio_interval(0, 3, 0, 4)  # nothing picked on either side
    assert math.isnan(r) and lo == 0 and math.isinf(hi)
    # no zero count: the plain Woolf interval
    r, lo, hi = woolf_ratio_interval(40, 20, 60, 60)
    se = math.sqrt(1 / 40 + 1 / 20 + 1 / 60 + 1 / 60)
    assert (lo, hi) == pytest.approx((2 * math.exp(-Z * se), 2 * math.exp(Z * se)))


def test_quantiles_of_infinite_replicates_are_infinite_not_nan():
    from scoreaudit.engines.controls import _quantiles

    x = np.array([1.0, 2, 3, np.inf, np.inf, np.inf, np.nan])[:, None]
    lo, hi = _quantiles(x, 0.5)  # 25% and 75% of the six defined replicates
    assert lo[0] == pytest.approx(np.quantile([1.0, 2, 3, 4, 5, 6], 0.25))
    assert math.isinf(hi[0])
    lo, hi = _quantiles(np.array([[1.0], [2.0], [3.0]]), 0.5)
    assert (lo[0], hi[0]) == (1.5, 2.5)


def test_bundled_log_tiny_group_gets_analytic_intervals(bundled_result):
    """man x 18-24 x single_parent: 1 random control (no error), 0 picked by the score,
    estimated 200 files. The bootstrap cannot vary it: its selection rate and FPR were
    published as [0, 0], and the FPR gap as significant (p = 3e-9)."""
    g = bundled_result.groups
    row = g[
        (g["attribute"] == "gender × age_band × family_status")
        & (g["group"] == "man × 18-24 × single_parent")
    ].iloc[0]
    assert row["random_controls"] == 1 and row["score_controls"] == 0
    assert row["est_files"] == pytest.approx(200)
    # Katz on (0 / n_S) / (1 / n_R), scaled by n_S / N: the overall selection share is 5%
    n_r, n_s = (
        bundled_result.data_summary["random_controls"],
        bundled_result.data_summary["score_controls"],
    )
    _, _, hi = sa.metrics.katz_ratio_interval(0, n_s, 1, n_r)
    assert row["selection_rate"] == 0 and row["selection_rate_low"] == 0
    assert row["selection_rate_high"] == pytest.approx(float(hi) * n_s / 100_000)
    assert 0.01 < row["selection_rate_high"] < 0.2
    assert row["fpr_high"] > 0
    assert math.isnan(row["tp_share_low"]) and math.isnan(row["fn_share_high"])
    assert "fewer than 10 random controls" in row["note"]
    assert "no interval for TP share" in row["note"]
    d = bundled_result.disparities
    rows = d[
        (d["attribute"] == "gender × age_band × family_status")
        & (d["group"] == "man × 18-24 × single_parent")
    ].set_index("metric")
    sel = rows.loc["selection_rate"]
    assert sel["ratio"] == 0 and sel["ratio_low"] == 0 and sel["ratio_high"] < 1
    assert sel["interval"] == "woolf/mover" and "MOVER" in sel["note"]
    assert sel["difference_low"] <= sel["difference"] <= sel["difference_high"]
    fpr = rows.loc["fpr"]
    assert fpr["interval"] == "woolf/mover" and fpr["test"] == "fisher"
    assert fpr["ratio_low"] == 0 and 0 < fpr["ratio_high"] < np.inf
    assert fpr["p_value"] > 0.05 and not fpr["significant"]
    assert "no test" in rows.loc["fnr", "note"]


def test_bundled_log_fnr_bounds_are_explained(bundled_result):
    """The age bands' FNR ratios had NaN upper bounds: the random controls found 1, 7, 4, 0,
    1 and 0 errors per band, so in some bootstrap replicates the reference (35-44, 4 errors)
    implies fewer files with errors than the score found, its FNR is clipped to 0 and the
    ratio is infinite; numpy interpolated inf with inf to NaN. With fewer than 10 errors
    found, FNR comparisons are now analytic and every missing bound says why."""
    d = bundled_result.disparities
    fnr = d[(d["metric"] == "fnr") & (d["attribute"] == "age_band")].set_index("group")
    assert fnr.loc["18-24", "interval"] == "mover"
    assert "fewer than 10 errors found" in fnr.loc["18-24", "note"]
    assert "none for the FNR ratio" in fnr.loc["18-24", "note"]
    assert np.isfinite(fnr.loc["18-24", ["difference_low", "difference_high"]].astype(float)).all()
    assert "FN or TN < 0" in fnr.loc["45-54", "note"]
    g = bundled_result.groups
    band = g[g["attribute"] == "age_band"].set_index("group")
    assert "FNR is not estimable" in band.loc["45-54", "note"]
    assert band.loc["18-24", "fnr_low"] <= band.loc["18-24", "fnr"] <= band.loc["18-24", "fnr_high"]
    assert "analytic (Katz) interval for FNR" in band.loc["18-24", "note"]


def _bounded_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if f"{c}_low" in frame.columns and f"{c}_high" in frame]


def _check_intervals(res, *, notes_for_nan: bool) -> None:
    for name, frame in (("groups", res.groups), ("disparities", res.disparities)):
        for c in _bounded_columns(frame):
            est = frame[c].to_numpy(float)
            lo = frame[f"{c}_low"].to_numpy(float)
            hi = frame[f"{c}_high"].to_numpy(float)
            both = np.isfinite(est) & ~np.isnan(lo) & ~np.isnan(hi)
            tol = 1e-9 * np.maximum(1, np.abs(np.where(np.isfinite(est), est, 0)))
            outside = both & ((est < lo - tol) | (est > hi + tol))
            assert not outside.any(), (name, c, frame.loc[outside].iloc[0].to_dict())
            assert not (lo > hi + tol).any(), (name, c)
            if notes_for_nan and "note" in frame:
                silent = (np.isnan(lo) | np.isnan(hi)) & (frame["note"].to_numpy() == "")
                assert not silent.any(), (name, c, frame.loc[silent].iloc[0].to_dict())


_cells = st.lists(st.integers(0, 12), min_size=16, max_size=16)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=_cells, scale=st.integers(1, 50), rest=st.booleans())
def test_every_control_interval_contains_its_estimate(counts, scale, rest):
    """Random small logs (2 genders x 2 ages x random/score x result, 0-12 controls each):
    every finite estimate of every table lies in [low, high] when both bounds are present,
    and every missing bound has a note."""
    keys = [
        (g, a, m, r)
        for g in ("woman", "man")
        for a in ("young", "old")
        for m in ("random", "score")
        for r in ("errors found", "no error")
    ]
    frame = pd.DataFrame(
        [(*k, c) for k, c in zip(keys, counts, strict=True) if c],
        columns=["gender", "age", "selection_method", "result", "w"],
    )
    assume(set(frame["selection_method"]) == {"random", "score"})
    assume(frame["gender"].nunique() == 2 and frame["age"].nunique() == 2)
    log = ControlLog(
        frame,
        ["gender", "age"],
        weight="w",
        negative="no error",
        population_size=int(frame["w"].sum()) * scale,
    )
    res = audit_controls(log, reference="rest" if rest else None, n_boot=40)
    _check_intervals(res, notes_for_nan=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=st.lists(st.tuples(*[st.integers(0, 15)] * 4), min_size=4, max_size=4),
    rest=st.booleans(),
)
def test_every_counts_interval_contains_its_estimate(counts, rest):
    table = pd.DataFrame(
        [
            (g, a, *c)
            for (g, a), c in zip(
                [("woman", "young"), ("woman", "old"), ("man", "young"), ("man", "old")],
                counts,
                strict=True,
            )
        ],
        columns=["gender", "age", "tp", "fp", "tn", "fn"],
    )
    assume((table[["tp", "fp", "tn", "fn"]].sum(axis=1) > 0).all())
    import warnings as _w

    with _w.catch_warnings():
        _w.simplefilter("ignore")
        res = sa.audit_counts(
            table,
            ["gender", "age"],
            tp="tp",
            fp="fp",
            tn="tn",
            fn="fn",
            reference="rest" if rest else None,
        )
    _check_intervals(res, notes_for_nan=False)


def test_log_and_counts_accept_arrow_tables_and_refuse_other_objects():
    import pyarrow as pa

    from scoreaudit.errors import DataError

    log = pd.DataFrame(
        {
            "gender": ["woman", "man"] * 20,
            "selection_method": ["random"] * 20 + ["score"] * 20,
            "result": ["errors found", "no error", "no error", "no error"] * 10,
        }
    )
    from_arrow = sa.ControlLog(pa.Table.from_pandas(log), protected=["gender"])
    from_pandas = sa.ControlLog(log, protected=["gender"])
    pd.testing.assert_frame_equal(
        sa.audit_controls(from_arrow).groups, sa.audit_controls(from_pandas).groups
    )
    with pytest.raises(DataError, match="The control log must be a pandas"):
        sa.ControlLog([1, 2, 3], protected=["gender"])
    table = pd.DataFrame(
        {"g": ["a", "b"], "tp": [5, 6], "fp": [5, 4], "tn": [80, 70], "fn": [10, 20]}
    )
    a = sa.audit_counts(pa.Table.from_pandas(table), group="g", tp="tp", fp="fp", tn="tn", fn="fn")
    b = sa.audit_counts(table, group="g", tp="tp", fp="fp", tn="tn", fn="fn")
    pd.testing.assert_frame_equal(a.groups, b.groups)
    with pytest.raises(DataError, match="The counts table must be a pandas"):
        sa.audit_counts({"g": 1}, group="g", tp="tp", fp="fp", tn="tn", fn="fn")
