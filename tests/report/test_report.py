"""The report package: language catalogue, number formats, sentences, suppression, escaping,
CSV neutralisation, schema, notebook display."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.gate.complements import protect_groups
from scoreaudit.gate.publish import Suppression, publish
from scoreaudit.present import catalogue as i18n
from scoreaudit.present.findings import detectable_text, findings, noun_phrase
from scoreaudit.report import (
    md_escape,
    render_html,
    render_markdown,
    results_json,
    schema,
    write_report,
)
from scoreaudit.report._common import suppression_lines
from scoreaudit.report.output import neutralise_cell, write_csv

NNBSP = "\u202f"
SEP = " × "
HOSTILE = "<script>alert(1)</script>"


def _audit(frame: pd.DataFrame, protected, **kw):
    return sa.audit(
        sa.Population(frame, protected=protected),
        "score",
        kw.pop("policy", sa.Budget(share=0.1)),
        threshold_free=False,
        **kw,
    )


@pytest.fixture(scope="module")
def c2sg_result():
    frame = sa.synthetic.c2sg_population(6_000, random_state=1)
    pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
    return sa.audit(
        pop,
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference={"gender": "man"},
        threshold_free=False,
    )


@pytest.fixture(scope="module")
def hostile_result():
    rng = np.random.default_rng(3)
    n = 3000
    frame = pd.DataFrame(
        {
            "<img src=x onerror=alert(2)>": rng.choice(
                [HOSTILE, "plain", '=HYPERLINK("http://x")'], n
            ),
            "gender": rng.choice(["woman", "man"], n),
            "score": rng.random(n),
        }
    )
    frame.loc[:4, "gender"] = "tiny|group"  # five files: a small cell
    return _audit(frame, ["<img src=x onerror=alert(2)>", "gender"], reference={"gender": "man"})


# -- catalogue and numbers ---------------------------------------------------------------


def test_catalogue_complete_and_placeholders_match():
    for key, entry in i18n.CATALOGUE.items():
        assert set(entry) == set(i18n.LANGUAGES), key
        assert all(entry[lang].strip() for lang in i18n.LANGUAGES), key
        assert i18n.placeholders(entry["en"]) == i18n.placeholders(entry["fr"]), key


@pytest.mark.parametrize(
    "func, value, lang, expected",
    [
        (i18n.fmt_int, 12265, "fr", f"12{NNBSP}265"),
        (i18n.fmt_int, 12265, "en", "12,265"),
        (i18n.fmt_int, 1234567, "fr", f"1{NNBSP}234{NNBSP}567"),
        (i18n.fmt_pct, 0.05, "fr", f"5,0{NNBSP}%"),
        (i18n.fmt_pct, 0.05, "en", "5.0%"),
        (i18n.fmt_pct, 0.001422, "fr", f"0,14{NNBSP}%"),
        (i18n.fmt_ratio, 3.21, "fr", "3,2"),
        (i18n.fmt_ratio, 3.21, "en", "3.2"),
        (i18n.fmt_ratio, 0.167, "en", "0.17"),
        (i18n.fmt_ratio, float("inf"), "fr", "∞"),
        (i18n.fmt_ratio, None, "fr", "–"),
        (i18n.fmt_p, 1e-9, "fr", "< 0,001"),
        (i18n.fmt_p, 0.0432, "en", "0.043"),
        (i18n.fmt_number, -0.00001, "en", "0.00"),
        (i18n.fmt_number, -1.5, "fr", "−1,50"),
    ],
)
def test_number_formats(func, value, lang, expected):
    assert func(value, lang) == expected


def test_times_as_often_in_french():
    assert (
        i18n.t("times_as_often", "fr", ratio=i18n.fmt_ratio(3.2, "fr")) == "3,2 fois plus souvent"
    )
    with pytest.raises(sa.ScoreAuditError):
        i18n.t("title", "de", model="x")


# -- sentences --------------------------------------------------------------------------


def test_noun_phrases():
    cell = {"gender": "woman", "age_band": "25-34", "family_status": "single_parent"}
    assert noun_phrase(cell, "en") == "single mothers aged 25-34"
    assert noun_phrase(cell, "fr") == "des mères isolées de 25 à 34 ans"
    assert noun_phrase({"gender": "man", "family_status": "alone"}, "en") == "men living alone"
    assert (
        noun_phrase({"gender": "woman", "family_status": "alone"}, "fr")
        == "des femmes vivant seules"
    )


def test_sentences_flip_and_minimum_detectable():
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame(
        {
            "gender": ["woman"] * n + ["man"] * n,
            "age_band": rng.choice(["18-24", "25-34"], 2 * n),
            "score": np.r_[rng.random(n), rng.random(n) + 0.2],
        }
    )
    res = _audit(
        frame,
        ["gender", "age_band"],
        policy=sa.Budget(share=0.2),
        reference={"gender": "woman", "age_band": "18-24"},
        intersections=False,
    )
    pub, _ = publish(res)
    found = {f.attribute: f for f in findings(pub, "en")}
    g = found["gender"]  # men are selected more often than the reference (women): no flip
    assert g.subject == "man" and not g.flipped and g.ratio > 1
    assert g.text.startswith("Files of men are selected for control")
    a = found["age_band"]  # same score distribution: not significant, with the detectable ratio
    assert not a.significant and a.min_detectable_ratio > 1
    assert "could" not in a.text or "would probably have gone undetected" in a.text
    assert detectable_text(a.min_detectable_ratio, "en") in a.text
    fr = {f.attribute: f for f in findings(pub, "fr")}
    assert "fois plus souvent que ceux des femmes" in fr["gender"].text
    assert "serait probablement passé inaperçu" in fr["age_band"].text
    # a ratio below 1 is turned around
    res2 = _audit(frame, ["gender"], policy=sa.Budget(share=0.2), reference={"gender": "man"})
    f2 = findings(publish(res2)[0], "en")[0]
    assert (
        f2.flipped and f2.subject == "man" and f2.ratio == pytest.approx(1 / res2.ratio().iloc[0])
    )


# -- suppression -----------------------------------------------------------------------


def test_small_cells_suppressed_everywhere(hostile_result, tmp_path):
    res = hostile_result
    pub, info = publish(res)
    row = pub.groups[pub.groups["group"] == "tiny|group"].iloc[0]
    assert row["suppressed"] and pd.isna(row["n"]) and pd.isna(row["selection_rate"])
    assert info.primary >= 1 and info.secondary >= 1  # 'woman' or 'man' hides the tiny cell's n
    d = pub.disparities[pub.disparities["group"] == "tiny|group"].iloc[0]
    assert d["suppressed"] and pd.isna(d["ratio"]) and pd.isna(d["p_value"])
    data = results_json(res)
    assert any(g["suppressed"] and g["n"] is None for g in data["groups"])
    assert data["suppression"]["min_cell"] == 11
    out = write_report(res, tmp_path / "r", formats=("md", "csv", "json"))
    page = render_html(res, "en", figures=False)
    assert "[c]" in page and "Statistical confidentiality" in page
    groups_csv = pd.read_csv(out / "tables" / "groups.csv")
    tiny = groups_csv[groups_csv["group"] == "tiny|group"].iloc[0]
    assert pd.isna(tiny["n"]) and bool(tiny["suppressed"])
    # no suppressed count leaks: the five files appear nowhere as a count
    original = res.groups[res.groups["group"] == "tiny|group"].iloc[0]
    assert all(g["n"] != int(original["n"]) for g in data["groups"] if g["n"] is not None)


def test_published_files_do_not_say_which_hidden_rows_are_small(hostile_result, tmp_path):
    """How many hidden rows are small is the gate's record, not published: with no complement
    it would tell a reader that every hidden count is below min_cell."""
    all_small = Suppression(min_cell=11, suppress_zero=False, primary=4, secondary=0)
    mixed = Suppression(min_cell=11, suppress_zero=False, primary=1, secondary=3)
    for lang in ("en", "fr"):
        assert suppression_lines(all_small, 4, "*", lang) == suppression_lines(mixed, 4, "*", lang)
    assert all_small.to_dict() == mixed.to_dict()
    info = publish(hostile_result)[1]
    assert info.primary >= 1 and info.secondary >= 1
    out = write_report(hostile_result, tmp_path / "r", formats=("md", "json"))
    published = json.loads((out / "results.json").read_text(encoding="utf-8"))["suppression"]
    assert published["hidden_rows"] == info.primary + info.secondary
    assert not {"primary_rows", "secondary_rows"} & published.keys()
    assert "small)" not in published["rule"] and "complement)" not in published["rule"]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert i18n.t("suppression_complements", "en") in md


def test_secondary_suppression_single_attribute():
    g = pd.DataFrame({"attribute": ["a"] * 3, "group": ["x", "y", "z"], "n": [100, 5, 50]})
    m = protect_groups(g, 11)["size"]  # y (5 files) and the smaller other group, z
    assert m.tolist() == [False, True, True]


def test_zero_counts_published_by_default(c2sg_result):
    pub, _ = publish(c2sg_result)
    alone = pub.groups[
        (pub.groups["attribute"] == "family_status") & (pub.groups["group"] == "alone")
    ].iloc[0]
    if (
        c2sg_result.groups.set_index(["attribute", "group"]).loc[
            ("family_status", "alone"), "selected"
        ]
        == 0
    ):
        assert alone["selected"] == 0 and not alone["suppressed"]


# -- escaping --------------------------------------------------------------------------


def test_html_escapes_labels_and_column_names(hostile_result):
    page = render_html(hostile_result, "en", figures=False)
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script" not in page.lower()
    assert 'src="http' not in page and 'href="http' not in page and "<link" not in page


def test_markdown_escapes_labels(hostile_result):
    md = render_markdown(hostile_result, "fr")
    assert HOSTILE not in md and "&lt;script&gt;" in md
    assert "<img" not in md and "tiny\\|group" in md
    assert "http://x" not in md  # no auto-link from data
    assert md_escape("a\nb") == "a b"


def test_csv_formula_neutralised(tmp_path):
    frame = pd.DataFrame(
        {
            "group": ['=HYPERLINK("http://x")', "+1", "-cmd", "@x", "\tx", "ok"],
            "difference": [-0.5, 0.1, 0.2, 0.3, 0.4, 0.5],
        }
    )
    path = write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(path)
    assert back["group"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-cmd",
        "'@x",
        "'\tx",
        "ok",
    ]
    assert back["difference"].tolist()[0] == -0.5  # numbers stay numbers
    assert neutralise_cell("=1+1") == "'=1+1"


# -- JSON and schema ---------------------------------------------------------------------


def test_results_json_valid_and_deterministic(c2sg_result):
    jsonschema = pytest.importorskip("jsonschema")
    a = results_json(c2sg_result, lang="fr")
    jsonschema.validate(a, schema())
    b = results_json(c2sg_result, lang="fr")
    a["manifest"].pop("time"), b["manifest"].pop("time")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["findings"] and all(f["text"] for f in a["findings"])


# -- notebook ----------------------------------------------------------------------------


def test_notebook_display(c2sg_result, tmp_path):
    summary = c2sg_result._repr_html_()
    assert "scoreaudit" in summary and "<table" in summary
    display = c2sg_result.report(lang="fr", figures=False)
    assert "Principaux constats" in str(display) and "srcdoc=" in display._repr_html_()
    path = c2sg_result.to_html(tmp_path / "r.html", lang="en", figures=False)
    assert "Key findings" in path.read_text(encoding="utf-8")


def test_explanation_slot_rendered(c2sg_result):
    res = c2sg_result
    table = pd.DataFrame(
        {"input": ["<b>n_minors</b>", "income_to_ceiling"], "ratio_after": [1.2, 3.1]}
    )
    res.explanation = {"neutralisation": table}
    try:
        page = render_html(res, "en", figures=False)
        data = results_json(res)
    finally:
        del res.explanation
    assert "&lt;b&gt;n_minors&lt;/b&gt;" in page and "Gap when each input is neutralised" in page
    assert 'data-label="Input">income relative to the ceiling</td>' in page
    assert data["explanation"]["neutralisation"][1]["ratio_after"] == 3.1


# -- review findings (statistical review and fresh-user walkthrough) ------------------------


def _two_groups(n_a: int, n_b: int, sel_a: int, sel_b: int, **kw):
    """Group a (n_a files, sel_a of them scored high), group b likewise; budget = the high ones."""
    scores = np.r_[
        np.full(sel_a, 0.9),
        np.full(n_a - sel_a, 0.1),
        np.full(sel_b, 0.9),
        np.full(n_b - sel_b, 0.1),
    ]
    frame = pd.DataFrame({"g": ["a"] * n_a + ["b"] * n_b, "score": scores})
    return _audit(frame, ["g"], policy=sa.Budget(count=sel_a + sel_b), reference={"g": "a"}, **kw)


def test_flipped_ratio_quotes_the_detectable_decrease():
    # 20,000 files in a, 600 in b; b selected at 0.694 times a's rate, not significant
    res = _two_groups(20_000, 600, 1030 - 21, 21)
    row = res.disparities.iloc[0]
    assert row["ratio"] == pytest.approx(0.694, abs=1e-3) and not row["significant"]
    assert row["min_detectable_ratio_decrease"] == pytest.approx(0.536, abs=1e-3)
    f = findings(publish(res)[0], "en")[0]
    assert f.flipped and f.min_detectable_ratio == pytest.approx(
        1 / row["min_detectable_ratio_decrease"]
    )
    # 1 / 0.536 = 1.86, rounded towards 1: "below 1.8"; never the increase (1.54 -> 1.5)
    assert "a ratio below 1.8 would probably have gone undetected" in f.text
    assert "below 1.5" not in f.text and "below 1.9" not in f.text
    fr = findings(publish(res)[0], "fr")[0]
    assert "inférieur à 1,8 " in fr.text


def test_detectable_ratio_rounded_towards_one():
    assert "a ratio below 1.4 " in detectable_text(1.480, "en")  # never "1.5"
    assert "a ratio below 1.09 " in detectable_text(1.097, "en")
    text = detectable_text(1.004, "en")  # rounds to 1: no "a ratio below 1"
    assert "below 1 " not in text and "1% gap would probably have been detected" in text
    assert "1 %" in detectable_text(1.004, "fr")


def test_never_selected_group_gets_a_sentence():
    res = _two_groups(5_000, 300, 260, 0)
    d = res.disparities.iloc[0]
    assert d["selection_rate"] == 0 and bool(d["significant"])
    pub, _ = publish(res)
    f = findings(pub, "en")
    assert len(f) == 1 and f[0].kind == "zero_group" and f[0].selected == 0
    assert f[0].text.startswith(
        "None of the 300 files of people with g “b” are selected for "
        "control, against 5.2% (260 of 5,000) of the files of people "
        "with g “a”, the reference group."
    )
    assert f[0].text in render_markdown(res, "en")
    assert "No comparison can be published" not in render_markdown(res, "en")
    assert findings(pub, "fr")[0].text.startswith("Aucun des 300 dossiers")


def test_findings_compare_each_group_with_its_reference(c2sg_result):
    pub, _ = publish(c2sg_result)
    refs = pub.config["references_used"]
    found = findings(pub, "en")
    assert found
    for f in found:
        assert f.reference == refs[f.attribute]
        assert f.reference in (f.subject, f.compared_to)
        assert "reference group" in f.text
    # zero-selection groups are candidates like any other gap
    kinds = {f.kind for f in found}
    assert kinds <= {"ratio", "zero_group", "zero_reference"}


def test_zero_selection_group_among_the_strongest_gaps_is_the_headline():
    # reference r: 5% selected; h: 1.2 times r's rate; z: 20,000 files, none selected
    n = {"r": 5_000, "h": 3_000, "z": 20_000}
    sel = {"r": 250, "h": 180, "z": 0}
    frame = pd.DataFrame(
        {
            "family_status": sum(([k] * n[k] for k in n), []),
            "score": np.concatenate(
                [np.r_[np.full(sel[k], 0.9), np.full(n[k] - sel[k], 0.1)] for k in n]
            ),
        }
    )
    res = _audit(
        frame, ["family_status"], policy=sa.Budget(count=430), reference={"family_status": "r"}
    )
    f = findings(publish(res)[0], "en")
    assert len(f) == 1 and f[0].kind == "zero_group" and f[0].group == "z"
    assert f[0].text.startswith("None of the 20,000 files of people with family status “z”")


def _groups(n: dict[str, int], sel: dict[str, int], reference: str, attribute: str = "g"):
    """Groups of n[k] files of which sel[k] are scored high; budget = the high ones."""
    frame = pd.DataFrame(
        {
            attribute: sum(([k] * n[k] for k in n), []),
            "score": np.concatenate(
                [np.r_[np.full(sel[k], 0.9), np.full(n[k] - sel[k], 0.1)] for k in n]
            ),
        }
    )
    return _audit(
        frame,
        [attribute],
        policy=sa.Budget(count=sum(sel.values())),
        reference={attribute: reference},
    )


def test_headline_leads_with_the_group_selected_more_often():
    # the bundled data's case: single parents 7.5 times the reference, people living alone
    # never selected; the zero gap is stronger, but the burden is being controlled: the
    # "more often" sentence comes first and the "never" sentence second
    res = _groups({"r": 5_000, "u": 2_000, "z": 20_000}, {"r": 250, "u": 800, "z": 0}, "r")
    f = findings(publish(res)[0], "en")
    assert [(x.group, x.kind, x.flipped) for x in f] == [
        ("u", "ratio", False),
        ("z", "zero_group", True),
    ]
    assert f[0].text.startswith(
        "Files of people with g “u” are selected for control 8.0 "
        "times as often as files of people with g “r”"
    )
    assert f[1].text.startswith("None of the 20,000 files of people with g “z”")
    fr = findings(publish(res)[0], "fr")
    assert fr[0].text.startswith("Les dossiers des personnes avec g « u » sont sélectionnés")
    assert fr[1].text.startswith(f"Aucun des 20{NNBSP}000 dossiers")


def test_headline_adds_the_other_direction_only_when_at_least_as_strong():
    # u: 8 times the reference (|log| 2.08); d: 0.2 times (|log| 1.61), significant: dropped
    res = _groups({"r": 5_000, "u": 2_000, "d": 3_000}, {"r": 250, "u": 800, "d": 30}, "r")
    d = res.disparities.set_index("group")
    assert d.loc["d", "significant"] and d.loc["u", "significant"]
    f = findings(publish(res)[0], "en")
    assert [x.group for x in f] == ["u"] and not f[0].flipped
    # the strength is the gap the interval establishes (bound nearest 1), not the estimate:
    # d 15 of 3,000 (0.1 times, interval 0.06-0.17, |log 0.17| = 1.77) is less established
    # than u (8 times, interval 7.0-9.1, |log 7.0| = 1.95): u alone
    res = _groups({"r": 5_000, "u": 2_000, "d": 3_000}, {"r": 250, "u": 800, "d": 15}, "r")
    assert [x.group for x in findings(publish(res)[0], "en")] == ["u"]
    # d 30 of 10,000 (0.06 times, interval 0.041-0.087, |log 0.087| = 2.44): both, u first
    res = _groups({"r": 5_000, "u": 2_000, "d": 10_000}, {"r": 250, "u": 800, "d": 30}, "r")
    f = findings(publish(res)[0], "en")
    assert [(x.group, x.flipped) for x in f] == [("u", False), ("d", True)]
    assert f[1].text.startswith(
        "Files of people with g “r” (the reference group) are "
        "selected for control 16.7 times as often as files of people "
        "with g “d”"
    )


def test_headline_without_a_group_selected_more_often():
    # nobody is selected more often than the reference: the strongest gap the other way
    res = _groups({"r": 5_000, "a": 3_000, "d": 3_000}, {"r": 500, "a": 150, "d": 30}, "r")
    f = findings(publish(res)[0], "en")
    assert [(x.group, x.flipped) for x in f] == [("d", True)]
    # a non-significant "more often" gap does not displace a significant one the other way
    res = _groups({"r": 5_000, "u": 300, "d": 3_000}, {"r": 250, "u": 17, "d": 30}, "r")
    d = res.disparities.set_index("group")
    assert d.loc["u", "ratio"] > 1 and not d.loc["u", "significant"]
    f = findings(publish(res)[0], "en")
    assert [(x.group, x.flipped) for x in f] == [("d", True)]
    # no significant gap at all: the largest one, said not to be significant
    res = _groups({"r": 5_000, "u": 300}, {"r": 250, "u": 17}, "r")
    f = findings(publish(res)[0], "en")
    assert len(f) == 1 and f[0].group == "u" and not f[0].significant
    assert "would probably have gone undetected" in f[0].text


def test_headline_rule_on_the_c2sg_audit(c2sg_result):
    pub, _ = publish(c2sg_result)
    found = findings(pub, "en")
    assert 0 < len(found) <= 10
    inter = [SEP in x.attribute for x in found]
    assert inter == sorted(inter)  # single attributes first
    d = pub.disparities[~pub.disparities["suppressed"].astype(bool)]
    for attr in dict.fromkeys(x.attribute for x in found):
        mine = [x for x in found if x.attribute == attr]
        assert len(mine) <= 2
        sub = d[d["attribute"] == attr]
        up = sub[sub["significant"].astype(bool) & (sub["selection_rate"] > sub["reference_rate"])]
        if len(up):  # the first sentence speaks of a group selected more often
            assert mine[0].subject == mine[0].group and not mine[0].flipped
        if len(mine) == 2:
            assert mine[1].flipped and mine[1].significant


def test_method_explains_unadjusted_intervals_and_synthetic_only_when_synthetic():
    res = _two_groups(2_000, 600, 150, 21)
    md = render_markdown(res, "en")
    assert "an interval that excludes 1 means the gap is unlikely" not in md
    assert "not adjusted for multiple comparisons" in md
    assert "an interval can exclude 1 while the adjusted test is not significant" in md
    assert "What synthetic data can show" not in md  # no data file: not known to be synthetic
    from scoreaudit.report.manifest import build_manifest

    synthetic = render_markdown(res, "en", manifest=build_manifest(res, extra={"synthetic": True}))
    assert "What synthetic data can show" in synthetic and "These data are synthetic" in synthetic


@pytest.mark.parametrize(
    "confidence, en, fr",
    [
        (0.95, "95%", f"95{NNBSP}%"),
        (0.975, "97.5%", f"97,5{NNBSP}%"),
        (0.995, "99.5%", f"99,5{NNBSP}%"),
    ],
)
def test_interval_level_printed_exactly(confidence, en, fr):
    assert i18n.fmt_level(confidence, "en") == en and i18n.fmt_level(confidence, "fr") == fr
    res = _two_groups(2_000, 600, 150, 21, confidence=confidence)
    md = render_markdown(res, "en")
    assert f"{en} interval" in md and "98% interval" not in md


def test_estimates_and_intervals_share_decimals():
    assert i18n.fmt_ratio_ci(1.08, 1.0, 1.12, "en") == ("1.08", "1.00", "1.12")
    assert i18n.fmt_rate_ci(0.0128, 0.0075, 0.0218, "en") == ("1.28%", "0.75%", "2.18%")
    assert i18n.fmt_ratio_ci(1.019, 1.004, 1.035, "en", 1) == ("1.02", "1.00", "1.03")
    res = _two_groups(20_000, 600, 1030 - 21, 21)
    page = render_html(res, "en", figures=False)
    r = res.disparities.iloc[0]
    ratio, lo, hi = i18n.fmt_ratio_ci(r["ratio"], r["ratio_low"], r["ratio_high"], "en")
    assert re.search(rf'data-col="ratio"[^>]* class="num">{re.escape(ratio)}<', page)
    assert re.search(
        rf'data-col="ratio_interval"[^>]* class="num">{re.escape(f"{lo} – {hi}")}<', page
    )


def test_detectable_ratio_column_follows_the_gap(c2sg_result):
    from scoreaudit.report.context import detectable_cell

    d = c2sg_result.disparities
    below = d[(d["ratio"] < 1) & d["min_detectable_ratio_decrease"].notna()].iloc[0].to_dict()
    above = d[(d["ratio"] > 1) & d["min_detectable_ratio"].notna()].iloc[0].to_dict()
    assert float(detectable_cell(below, "en")) < 1  # a decrease, on the ratio's scale
    assert float(detectable_cell(above, "en")) > 1
    assert (
        float(detectable_cell(below, "en")) >= below["min_detectable_ratio_decrease"]
    )  # towards 1


def test_curve_table_legend_explains_infinity_and_dash():
    md = render_markdown(_two_groups(2_000, 600, 150, 21), "en")
    assert "∞: the reference group has no selected file at that budget" in md
    assert "–: no file selected in either group" in md


def test_labels_and_french_typography(c2sg_result):
    import dataclasses

    from scoreaudit.core.warning import warning

    w = warning(
        "reference_fallback",
        attr="family_status",
        largest="alone",
        fallback="couple_with_children",
    )
    assert w == (
        "The largest group of 'family_status', 'alone', has no selected file, so every ratio "
        "to it would be infinite; the largest group with selected files, "
        "'couple_with_children', is the reference instead."
    )  # results.json keeps the same English text
    res = dataclasses.replace(c2sg_result, warnings=[w, "Some new warning."])
    en = render_markdown(res, "en")
    assert "“family status”, “living alone”" in en and "'family_status'" not in en
    fr = render_markdown(res, "fr")
    assert "Le plus grand groupe de « situation familiale », « vivant seul(e)s »" in fr
    assert "Some new warning." in fr  # unknown warnings are kept as they are
    assert f"- Nom{NNBSP}: c2sg-reconstruction" in fr and f"- Version{NNBSP}: " in fr
    assert f"sexe{NNBSP}: hommes{NNBSP}; " in fr and "Type : " not in fr
    assert "règle" not in fr and "politique de sélection" in fr
    # the shipped spec's texts in French, from its translations
    assert "Reconstruction illustrative du score de suspicion de fraude de la CNAM" in fr
    assert "9 719 EUR par an pour une personne seule" in fr and "9,719 EUR/year" not in fr
    assert "critère plausible (changement dans le foyer), rapport de cotes supposé" in fr
    assert "texte de la spécification du modèle, en anglais" not in fr


def test_untranslated_spec_texts_stay_english_and_say_so(c2sg_result):
    import dataclasses

    info = dict(c2sg_result.model_info)
    texts = dict(info["translations"]["fr"]["texts"])
    del texts["mothers aged over 25 score higher"]
    info["translations"] = {"fr": {**info["translations"]["fr"], "texts": texts}}
    fr = render_markdown(dataclasses.replace(c2sg_result, model_info=info), "fr")
    assert "mothers aged over 25 score higher" in fr  # as written, never dropped
    note = "texte de la spécification du modèle, en anglais"
    assert fr.count(note) == 1  # above the sources, not beside the (French) description
    assert f"{info['translations']['fr']['description']} {note}" not in fr
    assert "9 719 EUR par an" in fr  # the other texts keep their translation
    del info["translations"]
    fr = render_markdown(dataclasses.replace(c2sg_result, model_info=info), "fr")
    assert "9,719 EUR/year" in fr and fr.count(note) == 2  # the description and the sources
    en = render_markdown(c2sg_result, "en")
    assert "9,719 EUR/year" in en and "(text of the model specification)" not in en


def test_figures_use_the_tables_labels(c2sg_result):
    from scoreaudit.report.writer import labelled_copy

    pub, _ = publish(c2sg_result)
    lab = labelled_copy(pub, "fr")
    assert "situation familiale" in set(lab.groups["attribute"])
    assert "vivant seul(e)s" in set(lab.groups["group"])
    assert lab.config["references_used"]["sexe"] == "hommes"


# -- control-log and counts reports ---------------------------------------------------------


@pytest.fixture(scope="module")
def controls_result():
    from scoreaudit.data.io import read_data
    from scoreaudit.engines.controls import ControlLog, audit_controls

    frame = read_data("data/synthetic/c2sg_controls.csv")
    log = ControlLog(frame, protected=["gender", "age_band"], population_size=100_000)
    return audit_controls(log, reference={"gender": "man"}, n_boot=50, intersections=False)


def test_controls_report_written_with_findings_and_suppression(controls_result, tmp_path):
    from scoreaudit.gate.aggregate import publish_aggregate
    from scoreaudit.report import SUPPORTED_KINDS

    assert "controls" in SUPPORTED_KINDS and "counts" in SUPPORTED_KINDS
    out = write_report(
        controls_result, tmp_path / "c", lang="en", formats=("html", "md", "json", "csv")
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "report.html",
        "report.md",
        "results.json",
        "tables",
    ]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Files of men make up" in md and "of the random controls" in md
    assert "simple random sample of the whole population" in md  # the estimator's assumptions
    assert "Representation among the controls picked by the score" in md
    # the bundled log's random controls found 13 errors: the report says why rates are hidden
    assert "The random controls found only 13 errors in all" in md
    pub, info = publish_aggregate(controls_result)
    # 13 random controls found errors in all: every count of them by group is small
    burden = pub.disparities[pub.disparities["metric"] == "burden"]
    small = controls_result.groups.set_index(["attribute", "group"])["random_errors"]
    for row in burden.itertuples():
        count = small.loc[(row.attribute, row.group)]
        if 1 <= count < 11:
            assert row.suppressed and pd.isna(row.rate)
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["kind"] == "controls" and data["findings"] and data["suppression"]["min_cell"] == 11
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "Key findings" in page
    fr = write_report(controls_result, tmp_path / "f", lang="fr", formats=("md",))
    assert "contrôles aléatoires" in (fr / "report.md").read_text(encoding="utf-8")
    assert "n’ont trouvé que 13 erreurs" in (fr / "report.md").read_text(encoding="utf-8")


def test_counts_report(tmp_path):
    from scoreaudit.engines.counts import audit_counts

    t = pd.DataFrame(
        {
            "g": ["a", "b", "c"],
            "tp": [50, 30, 5],
            "fp": [200, 100, 40],
            "tn": [700, 800, 300],
            "fn": [50, 70, 20],
        }
    )
    res = audit_counts(t, "g", tp="tp", fp="fp", tn="tn", fn="fn", reference={"g": "a"})
    out = write_report(res, tmp_path / "n", formats=("md", "json"))
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "False-positive rate" in md and "Audit from published confusion matrices" in md
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    c = next(g for g in data["groups"] if g["group"] == "c")
    assert c["tp"] is None and c["precision"] is None  # 5 true positives: suppressed
    # a row's four counts add up to its size, so they are hidden together (tp = n - fp - tn - fn)
    assert c["fp"] is None and c["tn"] is None and c["fn"] is None
    # one complement in the tp column: b's 30 (a is the reference), so a stays published
    b = next(g for g in data["groups"] if g["group"] == "b")
    a = next(g for g in data["groups"] if g["group"] == "a")
    assert b["tp"] is None and a["tp"] == 50 and a["fp"] == 200


def test_summary_ranks_by_evidence_and_never_starts_with_a_small_cell():
    # a: 3 selected of 40 against 5% of 10,000 (a wide interval around 1.5); b: 2,000 files
    # at twice the rate (a narrow interval well above 1); c: 1 of 300 (0.067 times, small cell)
    res = _groups(
        {"r": 10_000, "a": 40, "b": 2_000, "c": 300}, {"r": 500, "a": 3, "b": 200, "c": 1}, "r"
    )
    top = res.summary(top=3)
    assert top["group"].iloc[0] == "b"
    assert top["group"].iloc[-1] == "c" or "c" not in set(top["group"])


def test_model_section_lists_each_term_with_its_odds_ratios():
    # the shipped reconstruction: gender woman 1.3, income_to_ceiling [0.9, +inf) 1.6 (its spec)
    frame = pd.DataFrame(
        {
            "gender": ["woman", "man"] * 100,
            "age": [30, 50] * 100,
            "n_minors": [1, 0] * 100,
            "income_to_ceiling": [0.95, 0.5] * 100,
            "family_status": ["single_parent", "alone"] * 100,
            "recent_household_change": [0, 1] * 100,
        }
    )
    res = sa.audit(
        sa.Population(frame, protected=["gender"]),
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.1),
        threshold_free=False,
    )
    page = render_html(res, "fr", figures=False)
    table = page[
        page.index('id="model-terms"') : page.index("</table>", page.index('id="model-terms"'))
    ]
    assert "Rapport de cotes" in table
    # the reader's words first, the spec's column name under it (to check the transcription)
    assert re.search(r"<td[^>]*>femmes</td><td[^>]*>1,3</td>", table)
    assert re.search(r"<td[^>]*>\[0\.9, \+inf\)</td><td[^>]*>1,6</td>", table)
    assert (
        '>revenu rapporté au plafond<br><code class="var-code">income_to_ceiling</code></th>'
        in table
    )
    assert '>sexe<br><code class="var-code">gender</code></th>' in table
    assert '<span title="n_minors">nombre d’enfants mineurs</span>' in page
    md = render_markdown(res, "en")
    assert "| gender | men | 1 |" in md and "|  | women | 1.3 |  |" in md
    assert "| number of minor children (n\\_minors) | (-inf, 1) | 1 |" in md
    assert re.search(r"<td[^>]*>femmes x \[1, \+inf\)</td><td[^>]*>1,2</td>", table)


def test_subtitle_names_the_audited_attributes():
    res = _two_groups(2_000, 100, 2_000, 50)
    attrs = list(dict.fromkeys(res.groups["attribute"]))
    assert len(attrs) == 1
    page = render_html(res, "en", figures=False)
    assert f'<p class="subtitle">Who is selected for control, by {attrs[0]}</p>' in page
    assert "gender, age and family status" not in page


def test_explanation_is_told_in_sentences_in_the_report_language():
    # a score that reads gender only: neutralising gender removes the whole gap
    rng = np.random.default_rng(5)
    n = 4_000
    frame = pd.DataFrame({"gender": rng.choice(["woman", "man"], n), "x": rng.random(n)})
    card = sa.Scorecard.from_dict(
        {
            "name": "g",
            "terms": [
                {
                    "kind": "categorical",
                    "variable": "gender",
                    "reference": "man",
                    "odds_ratios": {"man": 1.0, "woman": 1.6},
                },
                {"kind": "linear", "variable": "x", "odds_ratio": 30.0},
            ],
        }
    )
    res = sa.audit(
        sa.Population(frame, protected=["gender"]),
        card,
        sa.Budget(share=0.2),
        reference={"gender": "man"},
        threshold_free=False,
    )
    res.explanation = res.explain()
    page = render_html(res, "fr", figures=False)
    sentences = page[page.index('id="explanation-sentences"') :]
    sentences = sentences[: sentences.index("</ul>")]
    assert "Sans la variable sexe, les dossiers des femmes" in sentences
    # gender carries most of the gap: 1 - log(ratio after) / log(ratio before) >= 80%
    share = re.search(r"sexe porte (\d+)\u202f% de cet écart", sentences)
    assert share and int(share.group(1)) >= 80, sentences
    assert "Neutralising an input" not in page  # the method notes in the report's language
    assert "Neutraliser une variable : ses valeurs ont été mélangées entre les dossiers ; " in page
    assert "Katz intervals" not in page and "intervalles de Katz" in page
    assert 'id="explanation-summary"' in page
    en = render_html(res, "en", figures=False)
    assert "Without the input gender, files of women are selected" in en
    # the detailed tables: captions, headers and values in words, not code names
    details = page[page.index('class="explanation-details"') : page.index("</details>")]
    assert "<caption>Écart quand chaque variable est neutralisée</caption>" in details
    assert ">Rapport après neutralisation</th>" in details and ">ratio_after<" not in details
    assert ">Masqué (petit effectif, ou chiffre qui permettrait de le retrouver)</th>" in details
    assert ">non</td>" in details
    assert ">False<" not in details and ">gender<" not in details and ">woman<" not in details
    assert re.search(r'data-label="Groupe">femmes</td>', details)
    assert "<caption>Gap when each input is neutralised</caption>" in en
    # a user's name for a model input reaches the model table, the tables and the sentences
    from scoreaudit.present.labels import use_labels

    with use_labels({"variables": {"x": {"fr": "revenu déclaré", "en": "declared income"}}}):
        fr = render_html(res, "fr", figures=False)
    assert '>revenu déclaré<br><code class="var-code">x</code></th>' in fr
    assert 'data-label="Variable">revenu déclaré</td>' in fr


def test_a_report_written_with_every_format_can_be_replaced_by_force(tmp_path):
    """--force recognises everything a report writes (summary.html included) as its own."""
    import scoreaudit as sa
    from scoreaudit.report import FORMATS

    rng = np.random.default_rng(3)
    f = pd.DataFrame({"g": rng.choice(["a", "b"], 400), "score": rng.random(400)})
    r = sa.audit(sa.Population(f, protected=["g"]), "score", sa.Budget(share=0.1))
    out = write_report(r, tmp_path / "r", formats=FORMATS)
    assert (out / "summary.html").is_file()
    write_report(r, out, formats=FORMATS, force=True)  # raised NotAReportError before
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(sa.errors.ScoreAuditError, match="notes.txt"):
        write_report(r, out, formats=FORMATS, force=True)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
