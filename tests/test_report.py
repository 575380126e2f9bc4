"""The report package: language catalogue, number formats, sentences, suppression, escaping,
CSV neutralisation, schema, notebook display."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.report import (
    i18n,
    md_escape,
    render_html,
    render_markdown,
    results_json,
    schema,
    write_report,
)
from scoreaudit.report.output import neutralise_cell, write_csv
from scoreaudit.report.sentences import findings, noun_phrase
from scoreaudit.report.suppress import publish, secondary_suppression

NNBSP = "\u202f"
HOSTILE = "<script>alert(1)</script>"


def _audit(frame: pd.DataFrame, protected, **kw):
    return sa.audit(sa.Population(frame, protected=protected), "score",
                    kw.pop("policy", sa.Budget(share=0.1)), threshold_free=False, **kw)


@pytest.fixture(scope="module")
def c2sg_result():
    frame = sa.synthetic.c2sg_population(6_000, random_state=1)
    pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
    return sa.audit(pop, sa.examples.model("c2sg-reconstruction"), sa.Budget(share=0.05),
                    reference={"gender": "man"}, threshold_free=False)


@pytest.fixture(scope="module")
def hostile_result():
    rng = np.random.default_rng(3)
    n = 3000
    frame = pd.DataFrame({
        "<img src=x onerror=alert(2)>": rng.choice([HOSTILE, "plain", '=HYPERLINK("http://x")'], n),
        "gender": rng.choice(["woman", "man"], n),
        "score": rng.random(n),
    })
    frame.loc[:4, "gender"] = "tiny|group"  # five files: a small cell
    return _audit(frame, ["<img src=x onerror=alert(2)>", "gender"], reference={"gender": "man"})


# -- catalogue and numbers ---------------------------------------------------------------

def test_catalogue_complete_and_placeholders_match():
    for key, entry in i18n.CATALOGUE.items():
        assert set(entry) == set(i18n.LANGUAGES), key
        assert all(entry[lang].strip() for lang in i18n.LANGUAGES), key
        assert i18n.placeholders(entry["en"]) == i18n.placeholders(entry["fr"]), key


@pytest.mark.parametrize("func, value, lang, expected", [
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
])
def test_number_formats(func, value, lang, expected):
    assert func(value, lang) == expected


def test_times_as_often_in_french():
    assert i18n.t("times_as_often", "fr", ratio=i18n.fmt_ratio(3.2, "fr")) == "3,2 fois plus souvent"
    with pytest.raises(sa.ScoreAuditError):
        i18n.t("title", "de", model="x")


# -- sentences --------------------------------------------------------------------------

def test_noun_phrases():
    cell = {"gender": "woman", "age_band": "25-34", "family_status": "single_parent"}
    assert noun_phrase(cell, "en") == "single mothers aged 25-34"
    assert noun_phrase(cell, "fr") == "des mères isolées de 25 à 34 ans"
    assert noun_phrase({"gender": "man", "family_status": "alone"}, "en") == "men living alone"
    assert noun_phrase({"gender": "woman", "family_status": "alone"}, "fr") == "des femmes vivant seules"


def test_sentences_flip_and_minimum_detectable():
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"gender": ["woman"] * n + ["man"] * n,
                          "age_band": rng.choice(["18-24", "25-34"], 2 * n),
                          "score": np.r_[rng.random(n), rng.random(n) + 0.2]})
    res = _audit(frame, ["gender", "age_band"], policy=sa.Budget(share=0.2),
                 reference={"gender": "woman", "age_band": "18-24"}, intersections=False)
    pub, _ = publish(res)
    found = {f.attribute: f for f in findings(pub, "en")}
    g = found["gender"]  # men are selected more often than the reference (women): no flip
    assert g.subject == "man" and not g.flipped and g.ratio > 1
    assert g.text.startswith("Files of men are selected for control")
    a = found["age_band"]  # same score distribution: not significant, with the detectable ratio
    assert not a.significant and a.min_detectable_ratio > 1
    assert "could" not in a.text or "would probably have gone undetected" in a.text
    assert f"a ratio below {i18n.fmt_ratio(a.min_detectable_ratio, 'en')}" in a.text
    fr = {f.attribute: f for f in findings(pub, "fr")}
    assert "fois plus souvent que ceux des femmes" in fr["gender"].text
    assert "serait probablement passé inaperçu" in fr["age_band"].text
    # a ratio below 1 is turned around
    res2 = _audit(frame, ["gender"], policy=sa.Budget(share=0.2), reference={"gender": "man"})
    f2 = findings(publish(res2)[0], "en")[0]
    assert f2.flipped and f2.subject == "man" and f2.ratio == pytest.approx(1 / res2.ratio().iloc[0])


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


def test_secondary_suppression_single_attribute():
    g = pd.DataFrame({"attribute": ["a"] * 3, "group": ["x", "y", "z"], "n": [100, 5, 50]})
    m = secondary_suppression(g, pd.Series([False, True, False]), 11)
    assert m.tolist() == [False, True, True]


def test_zero_counts_published_by_default(c2sg_result):
    pub, _ = publish(c2sg_result)
    alone = pub.groups[(pub.groups["attribute"] == "family_status")
                       & (pub.groups["group"] == "alone")].iloc[0]
    if c2sg_result.groups.set_index(["attribute", "group"]).loc[("family_status", "alone"), "selected"] == 0:
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
    frame = pd.DataFrame({"group": ['=HYPERLINK("http://x")', "+1", "-cmd", "@x", "\tx", "ok"],
                          "difference": [-0.5, 0.1, 0.2, 0.3, 0.4, 0.5]})
    path = write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(path)
    assert back["group"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-cmd", "'@x", "'\tx", "ok"]
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
    table = pd.DataFrame({"input": ["<b>n_minors</b>", "income_to_ceiling"], "ratio_after": [1.2, 3.1]})
    res.explanation = {"neutralisation": table}
    try:
        page = render_html(res, "en", figures=False)
        data = results_json(res)
    finally:
        del res.explanation
    assert "&lt;b&gt;n_minors&lt;/b&gt;" in page and "neutralisation" in page
    assert data["explanation"]["neutralisation"][1]["ratio_after"] == 3.1
