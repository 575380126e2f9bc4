"""Issue 17, item by item: hand-computed answers for the stratified decomposition, brute-force
bounds under rounding, margins of hidden cells, wide -> long, every bad input through the API
and the CLI (exit code 2, nothing written), the publication gate on every output file, and
``write_report`` on a funnel result."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import scoreaudit as sa
from scoreaudit.engines.funnel import mantel_haenszel_rr
from scoreaudit.errors import DataError
from scoreaudit.stats import metrics as M

Z = stats.norm.ppf(0.975)
DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"
HIT = [("hit", "hit", "all")]

# two groups, two strata: (files reaching the stage, files at the base) per group and stratum
#             g: a, n1        r: c, n0
TWO = {"s1": (30, 100, 20, 200), "s2": (10, 50, 15, 150)}


def _long(strata: dict[str, tuple[int, int, int, int]]) -> pd.DataFrame:
    rows = []
    for band, (a, n1, c, n0) in strata.items():
        rows += [
            ("g", band, "all", n1),
            ("g", band, "hit", a),
            ("r", band, "all", n0),
            ("r", band, "hit", c),
        ]
    return pd.DataFrame(rows, columns=["grp", "band", "stage", "n"])


def _two_strata(**kw):
    return sa.audit_funnel(
        _long(TWO), "grp", "stage", "n", HIT, stratum="band", reference="r", **kw
    )


# ------------------------------------------------------------------------------------------
# Stratified decomposition: 2 groups x 2 strata by hand
# ------------------------------------------------------------------------------------------


def test_two_by_two_strata_by_hand():
    res = _two_strata()
    # per stratum: 0.3 / 0.1 = 3, 0.2 / 0.1 = 2
    per = res.steps[res.steps["group"] == "g"].set_index("stratum")["ratio"]
    assert per["s1"] == pytest.approx(3.0) and per["s2"] == pytest.approx(2.0)
    # Mantel-Haenszel: (30*200/300 + 10*150/200) / (20*100/300 + 15*50/200) = 27.5 / 10.41666
    mh = (20 + 7.5) / (20 / 3 + 3.75)
    # Greenland-Robins: sum (n1 n0 (a+c) - a c N) / N^2 over the product of the two sums
    v = (100 * 200 * 50 - 30 * 20 * 300) / 300**2 + (50 * 150 * 25 - 10 * 15 * 200) / 200**2
    se = math.sqrt(v / (27.5 * (20 / 3 + 3.75)))
    # unstratified: 40/150 against 35/350
    crude = (40 / 150) / (35 / 350)
    # Cochran's Q with two strata: w1 w2 (y1 - y2)^2 / (w1 + w2), Katz weights
    w1 = 1 / (1 / 30 - 1 / 100 + 1 / 20 - 1 / 200)
    w2 = 1 / (1 / 10 - 1 / 50 + 1 / 15 - 1 / 150)
    q = w1 * w2 * (math.log(3) - math.log(2)) ** 2 / (w1 + w2)
    row = res.combined.set_index("group").loc["g"]
    assert row["mh_ratio"] == pytest.approx(mh, rel=1e-12)
    assert row["mh_low"] == pytest.approx(mh * math.exp(-Z * se), rel=1e-12)
    assert row["mh_high"] == pytest.approx(mh * math.exp(Z * se), rel=1e-12)
    assert row["unstratified_ratio"] == pytest.approx(crude, rel=1e-12)
    assert row["homogeneity_q"] == pytest.approx(q, rel=1e-12)
    assert row["homogeneity_df"] == 1
    assert row["homogeneity_p"] == pytest.approx(stats.chi2.sf(q, 1), rel=1e-10)
    assert res.combined.set_index("group").loc["r"].isna()["mh_ratio"]


def test_two_by_two_strata_against_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.contingency_tables")
    tables = [np.array([[a, n1 - a], [c, n0 - c]]) for a, n1, c, n0 in TWO.values()]
    st = sm.StratifiedTable(tables)
    row = _two_strata().combined.set_index("group").loc["g"]
    assert row["mh_ratio"] == pytest.approx(st.riskratio_pooled, rel=1e-12)
    # Cochran's Q on log risk ratios is not Breslow-Day (odds ratios): both agree here that
    # the strata do not differ much; the test statistic is checked by hand above
    assert row["homogeneity_p"] > 0.05 and st.test_equal_odds().pvalue > 0.05


def test_homogeneity_detects_opposite_strata():
    res = sa.audit_funnel(
        _long({"s1": (60, 200, 20, 200), "s2": (20, 200, 60, 200)}),
        "grp",
        "stage",
        "n",
        HIT,
        stratum="band",
        reference="r",
    )
    row = res.combined.set_index("group").loc["g"]
    assert row["mh_ratio"] == pytest.approx(1.0)  # 3 and 1/3 with equal weights
    assert row["homogeneity_p"] < 1e-8


# ------------------------------------------------------------------------------------------
# Rounding: brute force over every table of true counts
# ------------------------------------------------------------------------------------------


def _all_tables(published, b):
    """Every table of true counts (8 counts) that rounds to ``published`` (base ``b``)."""
    vals = [np.arange(max(v - b // 2, 0), v + b // 2) for s in published for v in s]
    grid = np.stack([g.ravel().astype(float) for g in np.meshgrid(*vals, indexing="ij")])
    a, n1, c, n0 = grid[[0, 4]], grid[[1, 5]], grid[[2, 6]], grid[[3, 7]]
    ok = (a <= n1).all(0) & (c <= n0).all(0)
    return a[:, ok], n1[:, ok], c[:, ok], n0[:, ok]


@pytest.mark.parametrize(
    "published",
    [
        ((12, 40, 8, 60), (8, 20, 4, 40)),
        ((4, 8, 4, 40), (20, 24, 8, 12)),
        # next to degenerate strata (every file of the base reaching the stage): the union
        # of the published and two extreme tables used to miss lower limits here
        ((8, 12, 4, 4), (4, 16, 12, 12)),
        ((200, 400, 100, 400), (40, 80, 20, 120)),
    ],
)
def test_rounded_unstratified_and_mh_intervals_cover_every_consistent_table(published):
    b = 4
    res = sa.audit_funnel(
        _long(dict(zip(["s1", "s2"], published, strict=True))),
        "grp",
        "stage",
        "n",
        HIT,
        stratum="band",
        reference="r",
        rounding=b,
    )
    row = res.combined.set_index("group").loc["g"]
    a, n1, c, n0 = _all_tables(published, b)
    _, lo, hi = mantel_haenszel_rr(a, n1, c, n0, axis=0)
    assert row["mh_low"] <= np.nanmin(lo) + 1e-12 and np.nanmax(hi) <= row["mh_high"] + 1e-12
    _, klo, khi = M.katz_ratio_interval(a.sum(0), n1.sum(0), c.sum(0), n0.sum(0))
    assert row["unstratified_low"] <= klo.min() + 1e-12
    assert khi.max() <= row["unstratified_high"] + 1e-12
    # and wider than the interval of the published table read as exact
    exact = sa.audit_funnel(
        _long(dict(zip(["s1", "s2"], published, strict=True))),
        "grp",
        "stage",
        "n",
        HIT,
        stratum="band",
        reference="r",
    ).combined.set_index("group")
    assert row["mh_low"] < exact.loc["g", "mh_low"] and row["mh_high"] > exact.loc["g", "mh_high"]


def test_rounding_range_of_each_count_by_hand():
    t = pd.DataFrame({"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2, "n": [50, 20, 90, 0]})
    s = sa.audit_funnel(t, "g", "stage", "n", HIT, reference="b", rounding=10).steps
    s = s.set_index("group")
    # 50 stands for 45..54, 20 for 15..24, 0 for 0..4
    assert (s.loc["a", "denominator_low"], s.loc["a", "denominator_high"]) == (45, 54)
    assert (s.loc["a", "numerator_low"], s.loc["a", "numerator_high"]) == (15, 24)
    assert (s.loc["b", "numerator_low"], s.loc["b", "numerator_high"]) == (0, 4)
    # b's 0 is below the base: b's own rate and a's comparison with b are unusable
    assert np.isnan(s.loc["b", "rate"]) and np.isnan(s.loc["a", "ratio"])
    assert not s.loc["a", "usable"]
    assert s.loc["a", "rate"] == pytest.approx(0.4)  # a's own counts are usable


# ------------------------------------------------------------------------------------------
# Hidden cells bounded from margins
# ------------------------------------------------------------------------------------------


def test_hidden_cells_bounded_by_a_stratum_total_and_nesting():
    t = _long({"s1": (30, 100, 20, 200), "s2": (10, 50, 15, 150)})
    t["n"] = t["n"].astype(object)
    t.loc[(t["grp"] == "g") & (t["stage"] == "hit"), "n"] = "[c]"  # both strata hidden
    total = pd.DataFrame({"grp": ["g"], "band": ["Total"], "stage": ["hit"], "n": [40]})
    res = sa.audit_funnel(
        pd.concat([t, total], ignore_index=True),
        "grp",
        "stage",
        "n",
        HIT,
        stratum="band",
        reference="r",
    )
    s = res.steps.set_index(["group", "stratum"])
    # s1 + s2 = 40, s2 <= 50 (its base): s1 in [0, 40], s2 in [0, 40]
    assert (s.loc[("g", "s1"), "numerator_low"], s.loc[("g", "s1"), "numerator_high"]) == (0, 40)
    assert np.isnan(s.loc[("g", "s1"), "rate"]) and "bounds only" in s.loc[("g", "s1"), "note"]
    assert s.loc[("g", "s1"), "rate_high"] == pytest.approx(M.wilson_interval(40, 100)[1])
    # the unstratified step rests on the total alone: exact again
    row = res.combined.set_index("group").loc["g"]
    assert row["unstratified_ratio"] == pytest.approx((40 / 150) / (35 / 350))


# ------------------------------------------------------------------------------------------
# Wide -> long
# ------------------------------------------------------------------------------------------


def test_wide_table_with_strata_and_hidden_cells():
    wide = pd.DataFrame(
        {
            "band": ["s1", "s1", "s2", "s2"],
            "stage": ["all", "hit", "all", "hit"],
            "g": [100, 30, 50, "x"],
            "r": [200, 20, 150, 15],
        }
    )
    long = sa.funnel_long(wide, "stage", group="grp", keep=["band"])
    assert long.columns.tolist() == ["band", "stage", "grp", "n"]
    assert long.values.tolist()[:4] == [
        ["s1", "all", "g", 100],
        ["s1", "all", "r", 200],
        ["s1", "hit", "g", 30],
        ["s1", "hit", "r", 20],
    ]
    res = sa.audit_funnel(long, "grp", "stage", "n", HIT, stratum="band", reference="r")
    assert res.data_summary["hidden_cells"] == 1
    s = res.steps.set_index(["group", "stratum"])
    assert s.loc[("g", "s1"), "ratio"] == pytest.approx(3.0)
    assert (s.loc[("g", "s2"), "numerator_low"], s.loc[("g", "s2"), "numerator_high"]) == (0, 50)


def test_xlsx_path_is_read(tmp_path):
    pytest.importorskip("openpyxl")
    path = tmp_path / "funnel.xlsx"
    _long(TWO).to_excel(path, index=False)
    res = sa.audit_funnel(path, "grp", "stage", "n", HIT, stratum="band", reference="r")
    pd.testing.assert_frame_equal(res.steps, _two_strata().steps)


# ------------------------------------------------------------------------------------------
# Bad input: API and CLI, exit code 2, nothing written
# ------------------------------------------------------------------------------------------

BASE = pd.DataFrame(
    {
        "origin": ["a"] * 3 + ["b"] * 3,
        "stage": ["all", "controlled", "suspended"] * 2,
        "n": [1000, 200, 40, 2000, 200, 10],
    }
)
STEPS = ["control=controlled/all", "suspension=suspended/controlled"]


def _bad(kind: str) -> tuple[pd.DataFrame, list[str], str]:
    """(table, steps, expected message pattern) of each bad input of the issue."""
    t = BASE.copy()
    t["n"] = t["n"].astype(object)
    if kind == "stage larger than base":
        t.loc[5, "n"] = 300
        return t, STEPS, r"'suspension'.*'suspended'.*'controlled'.*group 'b'.*rows 5 and 4"
    if kind == "negative":
        t.loc[1, "n"] = -4
        return t, STEPS, r"row .*1.*stage 'controlled'.*group 'a'.*negative"
    if kind == "non-integer":
        t.loc[2, "n"] = 4.5
        return t, STEPS, r"row .*2.*stage 'suspended'.*group 'a'.*non-integer"
    if kind == "unknown stage":
        return t, [*STEPS, "appeal=appealed/suspended"], r"'appeal'.*'appealed'"
    if kind == "group missing":
        return t.drop(index=4), STEPS, r"Group 'b' is missing from stage 'controlled'.*row"
    raise AssertionError(kind)


KINDS = ["stage larger than base", "negative", "non-integer", "unknown stage", "group missing"]


@pytest.mark.parametrize("kind", KINDS)
def test_bad_input_through_the_api(kind):
    from scoreaudit.cli.funnel import parse_step

    table, steps, pattern = _bad(kind)
    with pytest.raises(DataError, match=pattern):
        sa.audit_funnel(table, "origin", "stage", "n", [parse_step(s) for s in steps])


@pytest.mark.parametrize("kind", KINDS)
def test_bad_input_through_the_cli(tmp_path, capsys, kind):
    from scoreaudit.cli import main

    table, steps, pattern = _bad(kind)
    path = tmp_path / "in.csv"
    table.to_csv(path, index=False)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    args = ["funnel", str(path), "--group", "origin", "--out", str(tmp_path / "report")]
    for s in steps:
        args += ["--step", s]
    assert main(args) == 2
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written
    err = capsys.readouterr()
    text = re.sub(r"\s+", " ", err.err + err.out)
    assert re.search(pattern, text), text
    assert "Traceback" not in text


# ------------------------------------------------------------------------------------------
# Publication gate on every output file
# ------------------------------------------------------------------------------------------


def _small_process():
    """A process where groups and stages have small counts (1 to 10) at several places."""
    t = pd.DataFrame(
        {
            "origin": ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] * 3,
            "stage": ["all", "controlled", "suspended"] * 4,
            "n": [1000, 200, 40, 2000, 200, 30, 8, 0, 0, 300, 45, 7],
        }
    )
    return sa.audit_funnel(
        t,
        "origin",
        "stage",
        "n",
        [("control", "controlled", "all"), ("suspension", "suspended", "controlled")],
        reference={"origin": "b"},
    )


def test_start_share_does_not_give_a_hidden_start_count_back():
    from scoreaudit.gate.funnel import publish_funnel

    # c: 8 files, none controlled; its start cell is hidden, then a's as its complement,
    # while a's and c's later cells are published (40 and 0 files)
    t = pd.DataFrame(
        {
            "g": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
            "stage": ["all", "ctl", "sus"] * 3,
            "n": [1000, 200, 40, 2000, 200, 30, 8, 0, 0],
        }
    )
    res = sa.audit_funnel(t, "g", "stage", "n", [("c", "ctl", "all"), ("s", "sus", "ctl")])
    pub, _ = publish_funnel(res)
    rep = pub.representation
    assert not rep.set_index(["group", "stage"]).loc[("a", "sus"), "suppressed"]
    total = res.data_summary["start_files"]  # published in the report's summary
    hidden = set(rep.loc[(rep["stage"] == "all") & rep["suppressed"], "group"])
    assert hidden == {"a", "c"}
    for g in hidden:
        shares = rep.loc[rep["group"] == g, "start_share"]
        assert shares.isna().all(), (g, (shares * total).tolist())


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_small_count_in_any_output_file(tmp_path, lang):
    from scoreaudit.report import write_report

    res = _small_process()
    out = write_report(res, tmp_path / "r", lang=lang)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        "figures/funnel.png",
        "figures/funnel.svg",
        "report.html",
        "report.md",
        "results.json",
        "tables/representation.csv",
        "tables/steps.csv",
    ]
    small = set(range(1, 11))
    count_cols = ["numerator", "denominator", "reference_numerator", "reference_denominator"]
    count_cols += [f"{c}_{e}" for c in ("numerator", "denominator") for e in ("low", "high")]
    steps = pd.read_csv(out / "tables" / "steps.csv")
    for col in count_cols:
        assert not steps[col].dropna().isin(small).any(), col
    rest = (steps["denominator"] - steps["numerator"]).dropna()
    assert not rest.isin(small).any()
    rep = pd.read_csv(out / "tables" / "representation.csv")
    assert not rep["count"].dropna().isin(small).any()
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for r in data["steps"]:
        for col in count_cols:
            assert r[col] is None or r[col] not in small, (col, r)
    for r in data["representation"]:
        assert r["count"] is None or r["count"] not in small
    assert all(not re.search(r"\b[1-9]\b|\b10\b", w) for w in data["warnings"])
    # the start counts of hidden groups cannot be recomputed from published shares
    total = data["data"]["start_files"]
    for r in data["representation"]:
        if r["start_share"] is not None:
            assert round(r["start_share"] * total) not in small
    # pages: no table cell of a count (a whole number) is small
    for name in ("report.md", "report.html"):
        text = (out / name).read_text(encoding="utf-8")
        cells = re.findall(r"(?:<td[^>]*>|\| )\s*([\d\u202f\u00a0,.\s]+?)\s*(?:</td>| \|)", text)
        decimal = "," if lang == "fr" else "."
        counts = [c for c in cells if decimal not in c and "%" not in c]
        values = {int(re.sub(r"[^\d]", "", c)) for c in counts if re.sub(r"[^\d]", "", c)}
        assert values and not values & small, (name, sorted(values))


def test_write_report_dispatches_a_funnel_result(tmp_path):
    from scoreaudit.report import write_report
    from scoreaudit.report.funnel_report import write_funnel_report

    res = _small_process()
    a = write_report(res, tmp_path / "a", lang="fr", formats=("csv", "json"))
    b = write_funnel_report(res, tmp_path / "b", lang="fr", formats=("csv", "json"))
    for name in ("tables/steps.csv", "tables/representation.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    with pytest.raises(ValueError, match="Unknown report format"):
        write_report(res, tmp_path / "c", formats=("pdf",))
    assert not (tmp_path / "c").exists()


def test_cli_terminal_shows_published_numbers_only(tmp_path, capsys):
    from scoreaudit.cli import main

    t = pd.DataFrame(
        {
            "origin": ["a"] * 3 + ["b"] * 3 + ["e"] * 3 + ["d"] * 3,
            "stage": ["all", "controlled", "suspended"] * 4,
            "n": [1000, 200, 40, 2000, 400, 80, 500, 100, 12, 300, 45, 7],
        }
    )
    path = tmp_path / "t.csv"
    t.to_csv(path, index=False)
    args = ["funnel", str(path), "--group", "origin", "--reference", "origin=b"]
    assert main([*args, "--step", "suspension=suspended/controlled"]) == 0
    text = capsys.readouterr().out
    assert "20.0%" in text  # a: 40 of 200
    # d: 7 of 45 is a small count, e (12 of 100) its complement
    assert "15.6%" not in text and "12.0%" not in text
    assert "hidden" in text  # the catalogue's flag (cli_flag_hidden; may wrap in a narrow table)
