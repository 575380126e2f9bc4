"""Funnel (stage-by-stage) audits: known answers, Mantel-Haenszel against statsmodels, logs
against count tables, rounding and hidden cells, bad input, the CLI, the report, coverage."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import scoreaudit as sa
from scoreaudit.engines.funnel import cochran_q, mantel_haenszel_rr
from scoreaudit.errors import DataError
from scoreaudit.stats import metrics as M
from scoreaudit.synthetic.process import (
    STEPS,
    process_counts,
    process_files,
    process_log,
    round_table,
    simulate_counts,
    true_stage_ratios,
)

Z = 1.959963984540054
DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"

TABLE = pd.DataFrame(
    {
        "origin": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
        "stage": ["all", "controlled", "suspended"] * 3,
        "n": [1000, 200, 40, 2000, 200, 10, 500, 30, 3],
    }
)
STEPS3 = [("control", "controlled", "all"), ("suspension", "suspended", "controlled")]


def _audit(table=TABLE, **kw):
    kw.setdefault("reference", {"origin": "b"})
    return sa.audit_funnel(table, "origin", "stage", "n", STEPS3, **kw)


def _wilson(x, n):
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


# ------------------------------------------------------------------------------------------
# Known answers
# ------------------------------------------------------------------------------------------


def test_known_rates_ratios_and_tests():
    s = _audit().steps.set_index(["step", "group"])
    row = s.loc[("control", "a")]
    assert row["rate"] == pytest.approx(0.2) and row["reference_rate"] == pytest.approx(0.1)
    lo, hi = _wilson(200, 1000)
    assert row["rate_low"] == pytest.approx(lo) and row["rate_high"] == pytest.approx(hi)
    se = math.sqrt(1 / 200 - 1 / 1000 + 1 / 200 - 1 / 2000)  # Katz
    assert row["ratio"] == pytest.approx(2.0)
    assert row["ratio_low"] == pytest.approx(2.0 * math.exp(-Z * se))
    assert row["ratio_high"] == pytest.approx(2.0 * math.exp(Z * se))
    pooled = 400 / 3000  # score test by hand
    z = (0.2 - 0.1) / math.sqrt(pooled * (1 - pooled) * (1 / 1000 + 1 / 2000))
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert row["test"] == "score"
    # c's suspensions: 3 of 30 against 10 of 200: expected count below 5 -> Fisher
    c = s.loc[("suspension", "c")]
    assert c["test"] == "fisher"
    assert c["p_value"] == pytest.approx(stats.fisher_exact([[3, 27], [10, 190]]).pvalue)
    # the reference's own rows carry its rate, no ratio, no test
    ref = s.loc[("control", "b")]
    assert ref["rate"] == pytest.approx(0.1) and np.isnan(ref["ratio"]) and np.isnan(ref["p_value"])


def test_holm_over_every_group_and_step():
    s = _audit().steps
    tested = s[s["group"] != "b"]
    assert len(tested) == 4  # 2 groups x 2 steps: the whole family
    expected = M.adjust_p_values(tested["p_value"].to_numpy(), "holm")
    assert np.allclose(tested["p_adjusted"].to_numpy(), expected)
    assert s.loc[s["group"] == "b", "p_adjusted"].isna().all()


def test_holm_family_is_per_stratum_when_stratified():
    t = pd.concat([TABLE.assign(band="x"), TABLE.assign(band="y")], ignore_index=True)
    s = sa.audit_funnel(t, "origin", "stage", "n", STEPS3, stratum="band", reference="b").steps
    tested = s[s["group"] != "b"]
    assert len(tested) == 8  # 2 groups x 2 steps x 2 strata
    assert np.allclose(tested["p_adjusted"], M.adjust_p_values(tested["p_value"], "holm"))


def test_small_cell_flag_and_representation():
    res = _audit()
    s = res.steps.set_index(["step", "group"])
    assert bool(s.loc[("suspension", "c"), "small_cell"])  # 3 suspended
    assert not bool(s.loc[("control", "a"), "small_cell"])
    rep = res.representation.set_index(["stage", "group"])
    # a: 1000 of 3500 files, 40 of 53 suspensions
    assert rep.loc[("all", "a"), "share"] == pytest.approx(1000 / 3500)
    assert rep.loc[("suspended", "a"), "share"] == pytest.approx(40 / 53)
    assert rep.loc[("suspended", "a"), "representation"] == pytest.approx((40 / 53) / (1000 / 3500))


def test_default_reference_is_the_largest_group_at_the_start():
    assert _audit(reference=None).config["reference"] == "b"


def test_intersections_of_two_group_columns():
    t = pd.DataFrame(
        {
            "g": ["w", "w", "m", "m"] * 2,
            "age": ["y"] * 4 + ["o"] * 4,
            "stage": ["all", "picked"] * 4,
            "n": [100, 20, 100, 10, 200, 20, 200, 20],
        }
    )
    res = sa.audit_funnel(
        t, ["g", "age"], "stage", "n", [("pick", "picked", "all")], reference={"g": "m", "age": "o"}
    )
    s = res.steps.set_index("group")
    assert s.loc["w × y", "ratio"] == pytest.approx(2.0)
    assert s.loc["m × y", "ratio"] == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------
# Mantel-Haenszel and homogeneity
# ------------------------------------------------------------------------------------------

STRATA = np.array([[12, 100, 6, 120], [30, 80, 14, 70], [5, 40, 2, 60], [8, 20, 9, 30]], float)


def test_mantel_haenszel_point_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.contingency_tables")
    a, n1, c, n0 = STRATA.T
    tables = [np.array([[ai, ni - ai], [ci, mi - ci]]) for ai, ni, ci, mi in STRATA]
    expected = sm.StratifiedTable(tables).riskratio_pooled
    rr, lo, hi = mantel_haenszel_rr(a, n1, c, n0)
    assert float(rr) == pytest.approx(expected, rel=1e-12)
    assert lo < rr < hi


def test_greenland_robins_variance_by_hand():
    # written out term by term, independently of the vectorised implementation
    num = den = var_num = 0.0
    for a, n1, c, n0 in STRATA:
        n = n1 + n0
        num += a * n0 / n
        den += c * n1 / n
        var_num += (n1 * n0 * (a + c) - a * c * n) / n**2
    rr = num / den
    se = math.sqrt(var_num / (num * den))
    got = mantel_haenszel_rr(*STRATA.T)
    assert float(got[0]) == pytest.approx(rr)
    assert float(got[1]) == pytest.approx(rr * math.exp(-Z * se))
    assert float(got[2]) == pytest.approx(rr * math.exp(Z * se))


def test_mantel_haenszel_of_one_stratum_is_katz_point_and_gr_interval():
    rr, lo, hi = mantel_haenszel_rr([20], [100], [10], [100])
    assert float(rr) == pytest.approx(2.0)
    # Greenland-Robins with one stratum: (n1 n0 (a+c) - a c N)/N^2 / (a n0/N * c n1/N)
    v = (100 * 100 * 30 - 20 * 10 * 200) / 200**2 / ((20 * 100 / 200) * (10 * 100 / 200))
    assert float(lo) == pytest.approx(2 * math.exp(-Z * math.sqrt(v)))


def test_cochran_q_by_hand():
    a, n1, c, n0 = STRATA.T
    y = np.log((a / n1) / (c / n0))
    w = 1 / (1 / a - 1 / n1 + 1 / c - 1 / n0)
    q = float((w * (y - (w * y).sum() / w.sum()) ** 2).sum())
    got_q, df, p = cochran_q(a, n1, c, n0)
    assert float(got_q) == pytest.approx(q) and int(df) == 3
    assert float(p) == pytest.approx(stats.chi2.sf(q, 3))


def test_combined_table_of_a_stratified_audit():
    rows = []
    for k, (a, n1, c, n0) in enumerate(STRATA):
        rows += [
            ("g", f"s{k}", "all", n1),
            ("g", f"s{k}", "hit", a),
            ("r", f"s{k}", "all", n0),
            ("r", f"s{k}", "hit", c),
        ]
    t = pd.DataFrame(rows, columns=["grp", "band", "stage", "n"])
    res = sa.audit_funnel(
        t, "grp", "stage", "n", [("hit", "hit", "all")], stratum="band", reference="r"
    )
    comb = res.combined.set_index("group").loc["g"]
    rr, lo, hi = mantel_haenszel_rr(*STRATA.T)
    assert comb["mh_ratio"] == pytest.approx(float(rr))
    assert comb["mh_low"] == pytest.approx(float(lo))
    a, n1, c, n0 = STRATA.sum(axis=0)
    assert comb["unstratified_ratio"] == pytest.approx((a / n1) / (c / n0))
    assert comb["homogeneity_p"] == pytest.approx(float(cochran_q(*STRATA.T)[2]))
    assert len(res.steps) == 8  # 2 groups x 4 strata


# ------------------------------------------------------------------------------------------
# Logs, synthetic process
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files():
    return process_files(20_000, scenario="planted", random_state=3)


def test_row_level_log_and_count_table_agree(files):
    steps = list(STEPS[1:])
    counts = sa.audit_funnel(
        process_counts(files), "gender", "stage", "n", steps, stratum="score_band", reference="man"
    )
    log = sa.audit_funnel(
        process_log(files), "gender", "stage", None, steps, stratum="score_band", reference="man"
    )
    cols = [
        "numerator",
        "denominator",
        "rate",
        "rate_low",
        "ratio",
        "ratio_low",
        "ratio_high",
        "p_value",
        "p_adjusted",
    ]
    pd.testing.assert_frame_equal(counts.steps[cols], log.steps[cols])
    pd.testing.assert_frame_equal(counts.combined, log.combined)


def test_process_is_nested_and_neutral_truth_is_one():
    f = process_files(5_000, scenario="neutral", random_state=0)
    stages = [
        "population",
        "high_risk",
        "picked",
        "controlled",
        "anomaly",
        "suspended",
        "appealed",
        "reinstated",
    ]
    flags = f[stages].to_numpy()
    assert (np.diff(flags, axis=1) <= 0).all()
    assert (true_stage_ratios("neutral")["true_ratio"] == 1.0).all()
    t = true_stage_ratios("planted").set_index("step")
    # agent pick: (0.2*0.1 + 0.1*0.4)/0.3 * 1.3 against (0.15*0.1 + 0.05*0.4)/0.2
    assert t.loc["agent pick", "true_ratio"] == pytest.approx((0.06 / 0.3 * 1.3) / (0.035 / 0.2))
    assert t.loc["agent pick", "true_within_ratio"] == pytest.approx(1.3)


def test_simulated_counts_follow_the_process():
    t = simulate_counts(200_000, random_state=0)
    res = sa.audit_funnel(
        t, "gender", "stage", "n", list(STEPS), stratum="score_band", reference="man"
    )
    truth = true_stage_ratios().set_index("step")
    comb = res.combined.set_index(["step", "group"])
    for step in ("agent pick", "suspension"):
        row = comb.loc[(step, "woman")]
        assert row["unstratified_low"] <= truth.loc[step, "true_ratio"] <= row["unstratified_high"]
        assert row["mh_low"] <= truth.loc[step, "true_within_ratio"] <= row["mh_high"]


def test_bundled_funnel_tables_are_the_documented_ones():
    exact = pd.read_csv(DATA / "c2sg_funnel.csv")
    rounded = pd.read_csv(
        DATA / "c2sg_funnel_rounded10.csv", dtype={"n": str}, keep_default_na=False
    )
    regenerated = process_counts(process_files(100_000, scenario="planted", random_state=0))
    pd.testing.assert_frame_equal(exact, regenerated, check_dtype=False)
    again = round_table(regenerated, base=10, hide_below=11, totals=("gender",))
    assert rounded["n"].tolist() == [str(v) for v in again["n"]]
    res = sa.audit_funnel(
        DATA / "c2sg_funnel_rounded10.csv",
        "gender",
        "stage",
        "n",
        list(STEPS),
        stratum="score_band",
        reference="man",
        rounding=10,
    )
    assert res.data_summary["hidden_cells"] == int((rounded["n"] == "x").sum())


# ------------------------------------------------------------------------------------------
# Rounding
# ------------------------------------------------------------------------------------------


def _rounded(t, b=10):
    out = t.copy()
    out["n"] = (b * np.floor(out["n"] / b + 0.5)).astype(int)
    return out


def test_rounding_widens_and_contains_the_unrounded_intervals(files):
    t = process_counts(files)
    steps = list(STEPS[1:5])
    exact = sa.audit_funnel(t, "gender", "stage", "n", steps, stratum="score_band", reference="man")
    rounded = sa.audit_funnel(
        _rounded(t),
        "gender",
        "stage",
        "n",
        steps,
        stratum="score_band",
        reference="man",
        rounding=10,
    )
    e, r = exact.steps, rounded.steps
    ok = r["usable"] & e["ratio"].notna() & r["ratio"].notna()
    assert ok.sum() >= 6
    assert (r.loc[ok, "ratio_low"] <= e.loc[ok, "ratio_low"] + 1e-12).all()
    assert (r.loc[ok, "ratio_high"] >= e.loc[ok, "ratio_high"] - 1e-12).all()
    assert (r.loc[ok, "rate_low"] <= e.loc[ok, "rate_low"] + 1e-12).all()
    assert (r.loc[ok, "rate_high"] >= e.loc[ok, "rate_high"] - 1e-12).all()
    width = np.log(r.loc[ok, "ratio_high"] / r.loc[ok, "ratio_low"])
    assert (width > np.log(e.loc[ok, "ratio_high"] / e.loc[ok, "ratio_low"])).all()
    ce, cr = (
        exact.combined.dropna(subset=["mh_ratio"]),
        rounded.combined.dropna(subset=["mh_ratio"]),
    )
    assert (cr["mh_low"].to_numpy() <= ce["mh_low"].to_numpy()).all()
    assert (cr["mh_high"].to_numpy() >= ce["mh_high"].to_numpy()).all()


@pytest.mark.parametrize(
    "published", [(20, 60, 10, 50), (10, 10, 20, 20), (10, 20, 30, 30), (40, 70, 10, 10)]
)
def test_rounded_intervals_cover_every_consistent_table(published):
    """Brute force: every table of true counts that rounds to the published one has its
    Wilson and Katz intervals (and score-test p-value) inside the published ones, including
    tables next to the degenerate edges (all files of the base reaching the stage)."""
    x1, n1, x0, n0 = published
    pub = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2, "n": [n1, x1, n0, x0]}
    )
    res = sa.audit_funnel(
        pub, "g", "stage", "n", [("hit", "hit", "all")], reference="b", rounding=10
    )
    row = res.steps.set_index("group").loc["a"]
    assert (row["numerator_low"], row["numerator_high"]) == (x1 - 5, x1 + 4)
    grid = np.meshgrid(*(np.arange(c - 5, c + 5) for c in published), indexing="ij")
    X1, N1, X0, N0 = (g.ravel().astype(float) for g in grid)
    ok = (X1 <= N1) & (X0 <= N0)
    X1, N1, X0, N0 = X1[ok], N1[ok], X0[ok], N0[ok]
    lo, hi = M.wilson_interval(X1, N1)
    assert (row["rate_low"] <= lo + 1e-12).all() and (hi <= row["rate_high"] + 1e-12).all()
    _, rlo, rhi = M.katz_ratio_interval(X1, N1, X0, N0)
    assert (row["ratio_low"] <= rlo + 1e-12).all() and (rhi <= row["ratio_high"] + 1e-12).all()
    p, _ = M.two_proportion_p_value(X1, N1, X0, N0, exact=False)
    assert (p <= row["p_value"] + 1e-12).all()
    assert row["test"] == "bounded"


def test_counts_below_the_rounding_base_are_unusable_not_zero():
    pub = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2, "n": [500, 0, 500, 30]}
    )
    res = sa.audit_funnel(
        pub, "g", "stage", "n", [("hit", "hit", "all")], reference="b", rounding=10
    )
    row = res.steps.set_index("group").loc["a"]
    assert np.isnan(row["rate"]) and np.isnan(row["ratio"]) and np.isnan(row["p_value"])
    assert not row["usable"] and "rounding base" in row["note"]
    assert any("unusable" in w for w in res.warnings)
    # unrounded, the same table is a plain zero
    exact = sa.audit_funnel(pub, "g", "stage", "n", [("hit", "hit", "all")], reference="b")
    assert exact.steps.set_index("group").loc["a", "rate"] == 0.0


def test_stage_larger_than_base_within_rounding_is_accepted():
    pub = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2, "n": [20, 20, 100, 10]}
    )
    res = sa.audit_funnel(
        pub, "g", "stage", "n", [("hit", "hit", "all")], reference="b", rounding=10
    )
    row = res.steps.set_index("group").loc["a"]
    assert row["rate_high"] == 1.0 and row["rate_low"] < 1.0
    bad = pub.assign(n=[20, 30, 100, 10])
    with pytest.raises(DataError, match=r"more files than its base.*group 'a'.*rounding"):
        sa.audit_funnel(bad, "g", "stage", "n", [("hit", "hit", "all")], rounding=10)


# ------------------------------------------------------------------------------------------
# Hidden cells
# ------------------------------------------------------------------------------------------


def _hidden_table(markers=("x", "x")):
    t = TABLE.copy()
    t["n"] = t["n"].astype(object)
    tot = pd.DataFrame(
        {"origin": ["Total"] * 3, "stage": ["all", "controlled", "suspended"], "n": [3500, 430, 53]}
    )
    t.loc[8, "n"] = markers[0]  # c suspended (3)
    return pd.concat([t, tot], ignore_index=True)


def test_one_hidden_cell_is_recovered_from_the_total():
    res = _audit(_hidden_table())
    assert res.data_summary["hidden_cells"] == 1
    got = res.steps.set_index(["step", "group"]).loc[("suspension", "c")]
    want = _audit().steps.set_index(["step", "group"]).loc[("suspension", "c")]
    for c in ("numerator", "rate", "ratio", "ratio_low", "ratio_high", "p_value"):
        assert got[c] == pytest.approx(want[c])


@pytest.mark.parametrize("marker", ["", "[c]", "c", "s", np.nan, " X "])
def test_hidden_markers_are_accepted(marker):
    res = _audit(_hidden_table((marker,)))
    assert res.data_summary["hidden_cells"] == 1


def test_two_hidden_cells_are_bounded_not_estimated():
    t = _hidden_table()
    t.loc[5, "n"] = "x"  # b suspended (10) too: c + b = 13
    res = _audit(t)
    s = res.steps.set_index(["step", "group"])
    c = s.loc[("suspension", "c")]
    assert (c["numerator_low"], c["numerator_high"]) == (0, 13)
    assert np.isnan(c["rate"]) and c["rate_low"] == 0.0
    assert c["rate_high"] == pytest.approx(_wilson(13, 30)[1])
    assert "bounds only" in c["note"]
    assert np.isfinite(c["ratio_high"]) or c["ratio_high"] == np.inf


def test_hidden_cell_without_margin_is_omitted():
    t = TABLE.copy()
    t["n"] = t["n"].astype(object)
    t.loc[6, "n"] = "x"  # c's base population, no total row
    res = _audit(t)
    c = res.steps.set_index(["step", "group"]).loc[("control", "c")]
    assert np.isnan(c["ratio"]) and np.isnan(c["ratio_low"]) and "omitted" in c["note"]
    # the next step does not rest on it
    assert np.isfinite(res.steps.set_index(["step", "group"]).loc[("suspension", "c"), "ratio"])


# ------------------------------------------------------------------------------------------
# Wide -> long
# ------------------------------------------------------------------------------------------


def test_funnel_long_round_trip():
    wide = (
        TABLE.pivot(index="stage", columns="origin", values="n")
        .loc[["all", "controlled", "suspended"]]
        .reset_index()
    )
    long = sa.funnel_long(wide, "stage", group="origin")
    res = sa.audit_funnel(long, "origin", "stage", "n", STEPS3, reference="b")
    pd.testing.assert_frame_equal(res.steps, _audit().steps)


# ------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "index,value,match",
    [
        (4, -5, r"-5.*row position 4.*stage 'controlled'.*group 'b'.*negative"),
        (4, 2.5, r"row position 4.*stage 'controlled'.*group 'b'.*non-integer"),
        (4, "lots", r"'lots'.*row position 4.*stage 'controlled'.*group 'b'"),
    ],
)
def test_bad_counts_name_row_stage_and_group(index, value, match):
    t = TABLE.copy()
    t["n"] = t["n"].astype(object)
    t.loc[index, "n"] = value
    with pytest.raises(DataError, match=match):
        _audit(t)


def test_unknown_stage_in_steps():
    with pytest.raises(DataError, match=r"Step 'x' names stage 'nope'.*stages in the table"):
        sa.audit_funnel(TABLE, "origin", "stage", "n", [("x", "nope", "all")])


def test_group_missing_from_a_stage():
    with pytest.raises(DataError, match=r"Group 'c' is missing from stage 'suspended'.*row"):
        _audit(TABLE.drop(index=8))


def test_stage_larger_than_base():
    t = TABLE.copy()
    t.loc[5, "n"] = 300  # b: 300 suspended of 200 controlled
    with pytest.raises(DataError, match=r"'suspension'.*group 'b'.*rows 5 and 4.*300 > 200"):
        _audit(t)


def test_log_stage_larger_than_base():
    log = pd.DataFrame({"g": ["a", "a", "a"], "stage": ["all", "hit", "hit"]})
    with pytest.raises(DataError, match=r"more files than its base.*group 'a'"):
        sa.audit_funnel(log, "g", "stage", None, [("hit", "hit", "all")])


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"rounding": 0}, "rounding must be"),
        ({"rounding": 2.5}, "rounding must be"),
        ({"reference": "zzz"}, "Reference group 'zzz'"),
        ({"confidence": 1.5}, "confidence"),
    ],
)
def test_bad_options(kw, match):
    with pytest.raises(DataError, match=match):
        _audit(**kw)


def test_duplicate_rows_and_bad_steps():
    with pytest.raises(DataError, match="same cell"):
        _audit(pd.concat([TABLE, TABLE.iloc[[0]]], ignore_index=True))
    with pytest.raises(DataError, match="steps must be"):
        sa.audit_funnel(TABLE, "origin", "stage", "n", [])
    with pytest.raises(DataError, match=r"steps\[0\]"):
        sa.audit_funnel(TABLE, "origin", "stage", "n", [("a", "b")])
    with pytest.raises(DataError, match="not found"):
        sa.audit_funnel(TABLE, "nope", "stage", "n", STEPS3)


# ------------------------------------------------------------------------------------------
# Result, report and CLI
# ------------------------------------------------------------------------------------------


def test_to_dict_is_json_safe_and_deterministic():
    res = _audit(_hidden_table())
    text = json.dumps(res.to_dict(), allow_nan=False)
    assert text == json.dumps(_audit(_hidden_table()).to_dict(), allow_nan=False)
    assert res.to_dict()["kind"] == "funnel"


# ------------------------------------------------------------------------------------------
# Coverage (slow)
# ------------------------------------------------------------------------------------------


def _coverage(n_sims: int, n: int, rounding: int | None, seed: int) -> pd.DataFrame:
    truth = true_stage_ratios("planted").set_index("step")
    rng = np.random.default_rng(seed)
    hits = []
    for _ in range(n_sims):
        t = simulate_counts(n, "planted", rng)
        if rounding:
            t = _rounded(t, rounding)
        res = sa.audit_funnel(
            t,
            "gender",
            "stage",
            "n",
            list(STEPS),
            stratum="score_band",
            reference="man",
            rounding=rounding,
        )
        c = res.combined[res.combined["group"] == "woman"].set_index("step")
        for step in truth.index:
            lo, hi = c.loc[step, "unstratified_low"], c.loc[step, "unstratified_high"]
            if np.isfinite(lo) and np.isfinite(hi):
                hits.append((step, "ratio", lo <= truth.loc[step, "true_ratio"] <= hi))
            w = truth.loc[step, "true_within_ratio"]
            lo, hi = c.loc[step, "mh_low"], c.loc[step, "mh_high"]
            if np.isfinite(w) and np.isfinite(lo) and np.isfinite(hi):
                hits.append((step, "mh", lo <= w <= hi))
    return pd.DataFrame(hits, columns=["step", "measure", "covered"])


@pytest.mark.slow
def test_coverage_of_planted_stage_ratios_without_rounding():
    cov = _coverage(400, 60_000, None, seed=11)
    overall = cov["covered"].mean()
    assert 0.93 <= overall <= 0.97, overall
    per = cov.groupby(["step", "measure"])["covered"].mean()
    assert (per >= 0.91).all(), per


@pytest.mark.slow
def test_coverage_with_rounding_is_at_least_nominal():
    """Rounded to 10: the intervals unite every consistent table, so coverage is above the
    nominal 95% (conservative), never below 93%."""
    cov = _coverage(300, 60_000, 10, seed=12)
    per = cov.groupby(["step", "measure"])["covered"].mean()
    assert cov["covered"].mean() >= 0.95
    assert (per >= 0.93).all(), per


def _report_result():
    t = simulate_counts(30_000, random_state=5)
    return sa.audit_funnel(
        t, "gender", "stage", "n", list(STEPS), stratum="score_band", reference="man"
    )


def test_publication_gate_hides_small_counts_and_their_complements():
    from scoreaudit.gate.funnel import publish_funnel

    res = _report_result()
    pub, info = publish_funnel(res)
    s, p = res.steps, pub.steps
    small = lambda v: (v >= 1) & (v < 11)  # noqa: E731
    rests_on_small = (
        small(s["numerator"])
        | small(s["denominator"])
        | small(s["reference_numerator"])
        | small(s["reference_denominator"])
    )
    assert p.loc[rests_on_small, "suppressed"].all()
    assert p.loc[p["suppressed"], ["numerator", "rate", "ratio", "p_value"]].isna().all().all()
    published = pd.concat([p["numerator"], p["denominator"], pub.representation["count"]])
    assert not small(published.dropna()).any()
    assert info.primary >= 1 and info.secondary >= 1
    # a hidden cell is never the only hidden one of a published total (groups of a stage)
    cells = p[~p["suppressed"]]
    assert len(cells) > 0


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_files_and_languages(tmp_path, lang):
    from scoreaudit.report.funnel_report import write_funnel_report

    res = _report_result()
    out = write_funnel_report(res, tmp_path / "r", lang=lang)
    names = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert names == [
        "combined.csv",
        "funnel.svg",
        "report.html",
        "report.md",
        "representation.csv",
        "results.json",
        "steps.csv",
    ]
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert ("Décomposition par strate" if lang == "fr" else "Stratified decomposition") in html_text
    assert "data:image/svg+xml;base64," in html_text and "<script" not in html_text
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["kind"] == "funnel" and data["suppression"]["min_cell"] == 11
    published = [r["numerator"] for r in data["steps"] if r["numerator"] is not None]
    assert not any(1 <= v < 11 for v in published)


def test_report_escapes_data_labels(tmp_path):
    from scoreaudit.report.funnel_report import render_funnel_html

    t = TABLE.replace({"a": "<script>alert(1)</script>"})
    html_text = render_funnel_html(_audit(t))
    assert "<script>alert" not in html_text and "&lt;script&gt;" in html_text


def test_funnel_catalogue_has_both_languages_and_same_placeholders():
    import re
    from pathlib import Path

    import scoreaudit.report.funnel_report as fr
    from scoreaudit.present.catalogue import CATALOGUE, placeholders

    # every key the funnel report asks for is in the one catalogue, in both languages (its
    # own t() calls, its column headers, and the paragraphs it shares with the other reports)
    text = "\n".join(
        Path(fr.__file__).with_name(name).read_text() for name in ("funnel_report.py", "_common.py")
    )
    used = set(re.findall(r"\bt\(\s*\"([a-z_0-9]+)\"", text))
    used |= set(re.findall(r"\"(col_[a-z_0-9]+)\"", text))
    used |= {k for k in CATALOGUE if k.startswith("fn_")}
    assert len(used) >= 41
    for key in sorted(used):
        entry = CATALOGUE[key]
        assert set(entry) == {"en", "fr"}, key
        assert placeholders(entry["en"]) == placeholders(entry["fr"]), key


def _cli(args):
    from scoreaudit.cli import main

    return main(["funnel", *map(str, args)])


CLI_ARGS = [
    "--group",
    "gender",
    "--stratum",
    "score_band",
    "--rounding",
    "10",
    "--reference",
    "gender=man",
    "--step",
    "agent pick=picked/high_risk",
    "--step",
    "suspension=suspended/anomaly",
]


def test_cli_writes_the_report(tmp_path):
    out = tmp_path / "report"
    code = _cli([DATA / "c2sg_funnel_rounded10.csv", *CLI_ARGS, "--out", out, "--lang", "fr"])
    assert code == 0
    assert (out / "report.html").exists() and (out / "tables" / "steps.csv").exists()
    assert _cli([DATA / "c2sg_funnel_rounded10.csv", *CLI_ARGS, "--out", out]) == 2  # exists


@pytest.mark.parametrize(
    "bad",
    [
        ["--step", "x=nope/high_risk"],
        ["--step", "no-slash"],
        ["--step", "agent pick=picked/high_risk", "--rounding", "0"],
        ["--step", "agent pick=picked/high_risk", "--reference", "gender=alien"],
        ["--step", "agent pick=picked/high_risk", "--lang", "de"],
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, bad):
    out = tmp_path / "report"
    code = _cli(
        [
            DATA / "c2sg_funnel.csv",
            "--group",
            "gender",
            "--stratum",
            "score_band",
            *bad,
            "--out",
            out,
        ]
    )
    assert code == 2
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_count_cell_exits_2(tmp_path):
    bad = pd.read_csv(DATA / "c2sg_funnel.csv")
    bad["n"] = bad["n"].astype(object)
    bad.loc[7, "n"] = -3
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    code = _cli(
        [
            path,
            "--group",
            "gender",
            "--stratum",
            "score_band",
            "--step",
            "agent pick=picked/high_risk",
            "--out",
            tmp_path / "r",
        ]
    )
    assert code == 2 and not (tmp_path / "r").exists()


def test_notebook_report_is_the_funnel_page(tmp_path):
    """``FunnelResult.report()`` (drawn through the results' shared lazy report) is the
    funnel page the CLI writes, in each language, and ``to_html`` saves that page."""
    import re

    from scoreaudit.report.funnel_report import render_funnel_html

    def page(html: str) -> str:  # drawn twice: new random SVG ids, a new time stamp
        html = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "", html)
        html = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", "", html)
        shown = r"(\d{4}-\d\d-\d\d|\d\d/\d\d/\d{4}) \d\d:\d\d UTC"  # as the page shows it
        return re.sub(shown, "", html)

    res = _audit()
    for lang in ("en", "fr"):
        assert page(str(res.report(lang))) == page(render_funnel_html(res, lang))
    path = res.to_html(tmp_path / "funnel.html", lang="fr")
    saved = (tmp_path / "funnel.html").read_text(encoding="utf-8")
    assert page(saved) == page(render_funnel_html(res, "fr"))
    assert path == str(tmp_path / "funnel.html")
    assert res.to_json() == json.dumps(res.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
