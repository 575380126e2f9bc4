"""Audits from aggregate confusion-matrix tables: known answers, rebuilt counts, bad input."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoreaudit as sa
from scoreaudit.engines.counts import audit_counts

Z = 1.959963984540054
DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"

TABLE = pd.DataFrame(
    {"gender": ["woman", "man"], "tp": [30, 10], "fp": [70, 40], "tn": [850, 900], "fn": [50, 50]}
)


def _counts(table=TABLE, **kw):
    return audit_counts(
        table, "gender", tp="tp", fp="fp", tn="tn", fn="fn", reference={"gender": "man"}, **kw
    )


def test_known_answer_rates_and_intervals():
    res = _counts()
    g = res.groups.set_index("group")
    # woman: n = 1000, selected 100, positives 80, negatives 920
    assert g.loc["woman", "n"] == 1000 and g.loc["woman", "selected"] == 100
    assert g.loc["woman", "selection_rate"] == pytest.approx(0.1)
    assert g.loc["woman", "precision"] == pytest.approx(0.3)
    assert g.loc["woman", "fdr"] == pytest.approx(0.7)
    assert g.loc["woman", "fpr"] == pytest.approx(70 / 920)
    assert g.loc["woman", "fnr"] == pytest.approx(50 / 80)
    assert g.loc["man", "selection_rate"] == pytest.approx(50 / 1000)
    assert g.loc["woman", "share"] == pytest.approx(0.5)
    # Wilson for 100/1000 by hand
    p, n = 0.1, 1000
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    assert g.loc["woman", "selection_rate_low"] == pytest.approx(centre - half)
    assert g.loc["woman", "selection_rate_high"] == pytest.approx(centre + half)


def test_known_answer_comparisons():
    d = _counts().disparities.set_index("metric")
    sel = d.loc["selection_rate"]
    assert sel["ratio"] == pytest.approx(2.0) and sel["difference"] == pytest.approx(0.05)
    se = math.sqrt(1 / 100 - 1 / 1000 + 1 / 50 - 1 / 1000)  # Katz
    assert sel["ratio_low"] == pytest.approx(2.0 * math.exp(-Z * se))
    assert sel["ratio_high"] == pytest.approx(2.0 * math.exp(Z * se))
    # pooled score test by hand
    pooled = 150 / 2000
    z = 0.05 / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert sel["test"] == "score"
    assert sel["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert d.loc["fpr", "ratio"] == pytest.approx((70 / 920) / (40 / 940))
    assert d.loc["fnr", "ratio"] == pytest.approx((50 / 80) / (50 / 60))
    assert d.loc["precision", "ratio"] == pytest.approx(0.3 / 0.2)
    assert d.loc["fdr", "difference"] == pytest.approx(-d.loc["precision", "difference"])
    assert bool(sel["below_four_fifths"])
    assert set(d.index) == {"selection_rate", "precision", "fdr", "fpr", "fnr"}


def test_precision_and_fdr_are_one_test_in_the_family():
    d = _counts().disparities
    p = d.set_index("metric")["p_value"]
    assert p["precision"] == pytest.approx(p["fdr"])
    # Holm over 4 distinct tests, not 5
    distinct = d[d["metric"] != "fdr"]["p_value"].to_numpy()
    expected = sa.metrics.adjust_p_values(distinct, "holm")
    got = d[d["metric"] != "fdr"]["p_adjusted"].to_numpy()
    assert np.allclose(got, expected)
    assert (
        d.set_index("metric").loc["fdr", "p_adjusted"]
        == d.set_index("metric").loc["precision", "p_adjusted"]
    )


def test_rebuilt_from_percentages_round_trip():
    pub = pd.DataFrame(
        {
            "gender": ["woman", "man"],
            "n": [1000, 1000],
            "sel": ["10.0%", "5.0%"],
            "prec": [30.0, 20.0],
            "prev": [8.0, 6.0],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: everything round-trips exactly
        res = audit_counts(
            pub,
            "gender",
            n="n",
            selection_rate="sel",
            precision="prec",
            prevalence="prev",
            reference={"gender": "man"},
            decimals=1,
        )
    g = res.groups.set_index("group")
    assert g.loc["woman", ["tp", "fp", "tn", "fn"]].tolist() == [30, 70, 850, 50]
    assert g.loc["man", ["tp", "fp", "tn", "fn"]].tolist() == [10, 40, 900, 50]
    pd.testing.assert_frame_equal(res.disparities, _counts().disparities)
    assert res.data_summary["reconstructed_from_rates"] is True


def test_fractions_and_fpr_route():
    pub = pd.DataFrame(
        {
            "gender": ["woman", "man"],
            "n": [1000, 1000],
            "positives": [80, 60],
            "tpr": [0.375, 1 / 6],
            "fpr": [70 / 920, 40 / 940],
        }
    )
    res = audit_counts(
        pub, "gender", n="n", positives="positives", tpr="tpr", fpr="fpr", percent=False
    )
    g = res.groups.set_index("group")
    assert g.loc["woman", ["tp", "fp", "tn", "fn"]].tolist() == [30, 70, 850, 50]


def test_percentages_that_do_not_round_trip_warn():
    # 12.3% of 1000 files = 123 flagged; a precision of 33.3% of 123 is 40.96 -> 41 flagged
    # and irregular, i.e. 33.33% -> 33.3: fine. 47.0% of 123 = 57.81 -> 58 -> 47.15% -> 47.2:
    # does not round-trip at one decimal.
    pub = pd.DataFrame(
        {
            "gender": ["woman", "man"],
            "n": [1000, 1000],
            "sel": [12.3, 5.0],
            "prec": [47.0, 20.0],
            "prev": [8.0, 6.0],
        }
    )
    with pytest.warns(UserWarning, match="does not round-trip"):
        res = audit_counts(
            pub,
            "gender",
            n="n",
            selection_rate="sel",
            precision="prec",
            prevalence="prev",
            decimals=1,
        )
    msg = [w for w in res.warnings if "round-trip" in w]
    assert msg and "'woman'" in msg[0] and "47" in msg[0] and "prec" in msg[0]
    assert "no whole-count table reproduces every published rate" in msg[0]
    assert res.data_summary["joint_solutions"][0] == 0


def test_ambiguous_percentages_warn():
    pub = pd.DataFrame(
        {
            "gender": ["woman", "man"],
            "n": [10_000, 10_000],
            "sel": [12.3, 5.0],
            "prec": [30.0, 20.0],
            "prev": [8.0, 6.0],
        }
    )
    with pytest.warns(UserWarning) as caught:
        res = audit_counts(
            pub,
            "gender",
            n="n",
            selection_rate="sel",
            precision="prec",
            prevalence="prev",
            decimals=1,
            reference={"gender": "man"},
        )
    assert [str(w.message) for w in caught] == res.warnings
    # 12.3% of 10,000 is 1,225 to 1,235 flagged files (11 counts)
    woman = next(w for w in res.warnings if w.startswith("Group 'woman'"))
    assert "exactly" in woman and "selected 1225-1235" in woman
    assert "selection_rate 12.25-12.35%" in woman
    assert not any("round-trip" in w for w in res.warnings)
    ratios = next(w for w in res.warnings if w.startswith("Over all whole-count tables"))
    # selection-rate ratio: 1,225/10,000 over 505/10,000 to 1,235 over 495
    assert f"woman / man: selection_rate {1225 / 505:.3f}-{1235 / 495:.3f}" in ratios
    d = res.disparities.set_index("metric")
    assert f"(used {d.loc['selection_rate', 'ratio']:.3f})" in ratios
    n_sol = res.data_summary["joint_solutions"]
    assert len(n_sol) == 2 and all(k > 1 for k in n_sol)


def _published(n, selected, tp, fn, digits=1):
    """A table of group sizes and percentages rounded from whole counts."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {
                "g": [f"g{i}" for i in range(len(n))],
                "n": n,
                "sel": np.round(100 * selected / n, digits),
                "prec": np.where(
                    selected > 0, np.round(100 * tp / np.maximum(selected, 1), digits), np.nan
                ),
                "prev": np.round(100 * (tp + fn) / n, digits),
            }
        )


def _rebuild(pub, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = audit_counts(
            pub,
            "g",
            n="n",
            selection_rate="sel",
            precision="prec",
            prevalence="prev",
            decimals=1,
            **kw,
        )
    return res, [str(w.message) for w in caught]


def _reproduces(res, pub):
    """Every published rate is what the rebuilt whole counts give, to half a unit."""
    g = res.groups.set_index("group").loc[pub["g"]]
    for rate, part, base in (
        ("sel", "selected", "n"),
        ("prec", "tp", "selected"),
        ("prev", "positives", "n"),
    ):
        b = g[base].to_numpy(float)
        implied = np.where(b > 0, 100 * g[part].to_numpy(float) / np.where(b > 0, b, 1), np.nan)
        p = pub[rate].to_numpy(float)
        ok = np.where(np.isnan(p), b == 0, np.abs(implied - p) <= 0.05 + 1e-9)
        if not ok.all():
            return False
    return True


def test_consistent_table_that_rounding_each_count_breaks_does_not_warn():
    # review F3: 5.2% of 2,958 = 153.8 -> 154 flagged, and no whole tp gives 49.7% of 154;
    # 76/153 = 49.67% and 77/155 = 49.68% both do
    pub = pd.DataFrame(
        {
            "g": ["a", "b"],
            "n": [2958, 3000],
            "sel": [5.2, 5.0],
            "prec": [49.7, 50.0],
            "prev": [10.0, 10.0],
        }
    )
    res, caught = _rebuild(pub, reference={"g": "b"})
    assert not any("round-trip" in w for w in res.warnings + caught)
    a = res.groups.set_index("group").loc["a"]
    # the rule: least squares to rate * base; (153 - 153.816)^2 + (76 - 76.04)^2 = 0.67
    # beats (155 - 153.816)^2 + (77 - 77.04)^2 = 1.40
    assert (a["selected"], a["tp"]) == (153, 76)
    assert _reproduces(res, pub)
    msg = next(w for w in res.warnings if w.startswith("Group 'a'"))
    assert "selected 153-155" in msg and "tp 76-77" in msg and "precision 49.67-49.68%" in msg
    assert caught == res.warnings  # every reconstruction warning is also a Python warning


def test_bundled_table_rebuilt_from_one_decimal_percentages_has_no_false_alarm():
    t = pd.read_csv(DATA / "c2sg_confusion_counts.csv")
    exact = audit_counts(
        t, ["gender", "age_band"], tp="tp", fp="fp", tn="tn", fn="fn", reference={"gender": "man"}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rebuilt = audit_counts(
            t,
            ["gender", "age_band"],
            n="n",
            selection_rate="selected_pct",
            precision="precision_pct",
            prevalence="prevalence_pct",
            decimals=1,
            reference={"gender": "man"},
        )
    assert not any("round-trip" in w for w in rebuilt.warnings)  # five before the fix
    # the true ratio lies within the range over the consistent tables
    true_ratio = exact.disparities.set_index(["attribute", "metric"]).loc[
        ("gender", "selection_rate"), "ratio"
    ]
    ratios = next(w for w in rebuilt.warnings if w.startswith("Over all whole-count tables"))
    span = ratios.split("gender woman / man: selection_rate ")[1].split(" ")[0]
    lo, hi = map(float, span.split("-"))
    assert lo <= true_ratio <= hi


def test_a_published_zero_rate_is_defined_so_its_base_is_not_zero():
    # found by hypothesis: 1 of 16,384 selected prints as 0.0%, and its precision as 0.0
    # (not blank): at least one file was selected, so a table with 0 selected is not consistent
    pub = _published(np.array([1, 16384]), np.array([0, 1]), np.array([0, 0]), np.array([0, 0]))
    assert pub["prec"].tolist()[1] == 0.0 and np.isnan(pub["prec"].tolist()[0])
    res, caught = _rebuild(pub)
    assert _reproduces(res, pub)
    assert res.groups.set_index("group").loc["g1", "selected"] >= 1
    assert not any("round-trip" in w for w in res.warnings + caught)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 30_000), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)),
        min_size=2,
        max_size=4,
    )
)
def test_consistent_published_tables_always_round_trip(rows):
    # any table of whole counts, published at one decimal, is consistent by construction
    n = np.array([r[0] for r in rows])
    selected = np.floor(np.array([r[1] for r in rows]) * n).astype(int)
    tp = np.floor(np.array([r[2] for r in rows]) * selected).astype(int)
    fn = np.floor(np.array([r[3] for r in rows]) * (n - selected)).astype(int)
    pub = _published(n, selected, tp, fn)
    res, caught = _rebuild(pub)
    assert not any("round-trip" in w for w in res.warnings + caught)
    assert _reproduces(res, pub)
    assert all(k is not None and k >= 1 for k in res.data_summary["joint_solutions"])


def test_huge_groups_narrow_the_search_and_say_so():
    # 1,000,000 files at one decimal: windows of 1,001 counts; the full search is too large
    pub = _published(
        np.array([1_000_000, 2_000_000]),
        np.array([52_345, 40_000]),
        np.array([26_001, 10_000]),
        np.array([50_000, 100_000]),
    )
    res, caught = _rebuild(pub)
    assert not any("round-trip" in w for w in res.warnings)
    assert _reproduces(res, pub)
    assert res.data_summary["joint_solutions"] == [None, None]
    assert any("full search was too large" in w and "at least" in w for w in res.warnings)


def test_extreme_rate_of_sums_matches_brute_force():
    import itertools

    from scoreaudit.engines.counts import _extreme_rate

    rng = np.random.default_rng(0)
    for _ in range(200):
        pairs = []
        for _ in range(int(rng.integers(1, 4))):
            b = rng.integers(1, 50, int(rng.integers(1, 5)))
            pairs.append(np.column_stack([rng.integers(0, b + 1), b]).astype(float))
        values = [sum(p[0] for p in c) / sum(p[1] for p in c) for c in itertools.product(*pairs)]
        assert _extreme_rate(pairs, True) == pytest.approx(min(values), abs=1e-12)
        assert _extreme_rate(pairs, False) == pytest.approx(max(values), abs=1e-12)


def test_intersections_from_crossed_rows():
    t = pd.DataFrame(
        {
            "gender": ["woman", "woman", "man", "man"],
            "age": ["<35", "35+", "<35", "35+"],
            "tp": [10, 20, 5, 5],
            "fp": [30, 40, 20, 20],
            "tn": [400, 450, 350, 450],
            "fn": [20, 30, 20, 30],
        }
    )
    res = audit_counts(t, ["gender", "age"], tp="tp", fp="fp", tn="tn", fn="fn")
    g = res.groups.set_index(["attribute", "group"])
    assert g.loc[("gender", "woman"), "tp"] == 30 and g.loc[("gender", "woman"), "n"] == 1000
    assert g.loc[("gender × age", "man × 35+"), "fp"] == 20
    assert res.config["references_used"]["gender"] == "woman"  # the largest group
    d = json.dumps(res.to_dict(), allow_nan=False)
    assert '"kind": "counts"' in d


def test_bundled_table_rebuilt_from_rates_matches_counts_within_rounding():
    t = pd.read_csv(DATA / "c2sg_confusion_counts.csv")
    exact = audit_counts(t, ["gender", "age_band"], tp="tp", fp="fp", tn="tn", fn="fn")
    assert exact.warnings == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rebuilt = audit_counts(
            t,
            ["gender", "age_band"],
            n="n",
            selection_rate="selected_pct",
            precision="precision_pct",
            prevalence="prevalence_pct",
        )
    assert rebuilt.warnings  # 1-decimal percentages of thousands of files are ambiguous
    a = exact.groups.set_index(["attribute", "group"])
    b = rebuilt.groups.set_index(["attribute", "group"])
    # each count is off by at most half a published unit (0.05% of the group) plus carries
    tol = np.ceil(a["n"] * 0.0005) * 3 + 1
    for col in ("tp", "fp", "tn", "fn"):
        assert ((a[col] - b[col]).abs() <= tol).all(), col


# -- bad input ---------------------------------------------------------------------------------
def test_negative_count_is_an_error():
    t = TABLE.copy()
    t.loc[1, "fp"] = -3
    with pytest.raises(sa.DataError, match="'fp'.*negative count -3.*row position 1"):
        _counts(t)


def test_non_integer_count_is_an_error():
    t = TABLE.copy().astype({"tn": float})
    t.loc[0, "tn"] = 850.5
    with pytest.raises(sa.DataError, match="'tn'.*non-integer count 850.5"):
        _counts(t)
    t.loc[0, "tn"] = np.nan
    with pytest.raises(sa.DataError, match="'tn'.*missing"):
        _counts(t)


def test_contradictions_and_missing_information_are_errors():
    t = TABLE.assign(n=[1000, 999])
    with pytest.raises(sa.DataError, match="contradict.*'man'"):
        audit_counts(t, "gender", tp="tp", fp="fp", tn="tn", fn="fn", n="n")
    pub = pd.DataFrame({"gender": ["a", "b"], "n": [100, 100], "sel": [10.0, 20.0]})
    with pytest.raises(sa.DataError, match="do not determine"):
        audit_counts(pub, "gender", n="n", selection_rate="sel")
    pub["prec"] = [150.0, 20.0]
    with pytest.raises(sa.DataError, match="percentage"):
        audit_counts(pub, "gender", n="n", selection_rate="sel", precision="prec")
    with pytest.raises(sa.DataError, match="'tp' \\(tp\\) not found"):
        audit_counts(TABLE.drop(columns="tp"), "gender", tp="tp", fp="fp", tn="tn", fn="fn")
    dup = pd.concat([TABLE, TABLE.iloc[[0]]], ignore_index=True)
    with pytest.raises(sa.DataError, match="Rows 0 and 2.*'woman'"):
        audit_counts(dup, "gender", tp="tp", fp="fp", tn="tn", fn="fn")
    with pytest.raises(sa.DataError, match="two roles"):
        audit_counts(TABLE, "gender", tp="tp", fp="tp", tn="tn", fn="fn")
    # a rate implying more flagged-and-irregular files than flagged ones
    pub = pd.DataFrame(
        {
            "gender": ["a", "b"],
            "n": [100, 100],
            "sel": [10.0, 20.0],
            "tp": [15, 5],
            "prev": [20.0, 20.0],
        }
    )
    with pytest.raises(sa.DataError, match="negative count of fp"):
        audit_counts(pub, "gender", n="n", selection_rate="sel", tp="tp", prevalence="prev")


def test_empty_rate_means_undefined_only_when_base_is_zero():
    pub = pd.DataFrame(
        {
            "gender": ["a", "b"],
            "n": [100, 200],
            "sel": [0.0, 10.0],
            "prec": [None, 25.0],
            "prev": [5.0, 5.0],
        }
    )
    res = audit_counts(
        pub, "gender", n="n", selection_rate="sel", precision="prec", prevalence="prev", decimals=1
    )
    g = res.groups.set_index("group")
    assert g.loc["a", ["tp", "fp", "tn", "fn"]].tolist() == [0, 0, 95, 5]
    assert math.isnan(g.loc["a", "precision"])
    pub.loc[1, "prec"] = None  # undefined although 20 files were flagged
    with pytest.raises(sa.DataError, match="do not determine"):
        audit_counts(
            pub,
            "gender",
            n="n",
            selection_rate="sel",
            precision="prec",
            prevalence="prev",
            decimals=1,
        )


# -- command line ------------------------------------------------------------------------------
def test_cli_counts_writes_outputs_and_refuses_existing(tmp_path, capsys):
    from scoreaudit.cli import main

    out = tmp_path / "rep"
    args = [
        "counts",
        str(DATA / "c2sg_confusion_counts.csv"),
        "--group",
        "gender,age_band",
        "--tp",
        "tp",
        "--fp",
        "fp",
        "--tn",
        "tn",
        "--fn",
        "fn",
        "--reference",
        "gender=man",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    data = json.loads((out / "results.json").read_text())
    assert data["kind"] == "counts" and data["schema_version"] == sa.result.SCHEMA_VERSION
    groups = pd.read_csv(out / "tables" / "groups.csv")
    assert groups["n"][groups["attribute"] == "gender"].sum() == 100_000
    assert "Selection by the score" in capsys.readouterr().out  # the metric in words
    assert main(args) == 2  # exists
    assert "already exists" in " ".join(capsys.readouterr().err.split())
    assert main([*args, "--force"]) == 0
    assert (
        main(
            ["counts", str(DATA / "c2sg_confusion_counts.csv"), "--group", "gender", "--tp", "nope"]
        )
        == 2
    )
    assert "'nope'" in " ".join(capsys.readouterr().err.split())


def test_rate_counts_known_answers():
    # the two counts the publication gate hides with each published rate
    from scoreaudit.engines._counts_solve import RATE_COUNTS

    want = {
        "selection_rate": {"selected", "not_selected"},
        "precision": {"tp", "fp"},
        "fdr": {"tp", "fp"},
        "prevalence": {"positives", "negatives"},
        "tpr": {"tp", "fn"},
        "fnr": {"tp", "fn"},
        "fpr": {"fp", "tn"},
        "tnr": {"fp", "tn"},
    }
    assert {rate: set(pair) for rate, pair in RATE_COUNTS.items()} == want
