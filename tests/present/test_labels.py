"""User-supplied display names (--labels / labels=) reach the report, in each language, and
the data's own codes stay in results.json and the CSV tables."""

import json

import numpy as np
import pandas as pd
import pytest

from scoreaudit.cli import main
from scoreaudit.present.labels import Labels


@pytest.fixture()
def data(tmp_path):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"region": rng.choice(["IDF", "NORD"], 2_000), "score": rng.random(2_000)})
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    labels = tmp_path / "labels.yaml"
    labels.write_text(
        "attributes:\n  region: {fr: Région, en: Region}\n"
        "groups:\n  region:\n    IDF: {fr: Île-de-France, en: Paris region}\n",
        encoding="utf-8",
    )
    return path, labels


def test_cli_labels_reach_the_report_not_the_data(data, tmp_path):
    path, labels = data
    out = tmp_path / "rep"
    args = [
        "audit",
        "--data",
        str(path),
        "--score-column",
        "score",
        "--protected",
        "region",
        "--budget",
        "10%",
        "--reference",
        "region=NORD",
        "--lang",
        "fr",
        "--labels",
        str(labels),
        "--out",
        str(out),
        "--formats",
        "html,json,csv",
    ]
    assert main(args) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Île-de-France" in page and "Région" in page
    groups = json.loads((out / "results.json").read_text(encoding="utf-8"))["groups"]
    assert {g["group"] for g in groups} == {"IDF", "NORD"}
    assert "Île-de-France" not in (out / "tables" / "groups.csv").read_text(encoding="utf-8")


def test_bad_labels_file_is_a_clear_error(data, tmp_path, capsys):
    path, labels = data
    labels.write_text("attributes:\n  region: {de: Region}\n", encoding="utf-8")
    args = [
        "audit",
        "--data",
        str(path),
        "--score-column",
        "score",
        "--protected",
        "region",
        "--labels",
        str(labels),
        "--out",
        str(tmp_path / "r"),
    ]
    assert main(args) == 2
    assert "attributes.region" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_name_in_one_language_serves_both():
    lab = Labels({"groups": {"g": {"a": "Alpha"}}})
    assert lab.group("g", "a", "fr") == lab.group("g", "a", "en") == "Alpha"


def test_variables_have_display_names_and_unknown_sections_are_named():
    from scoreaudit.present.catalogue import variable_label
    from scoreaudit.present.labels import use_labels

    lab = Labels({"variables": {"rent_share": {"fr": "part du loyer", "en": "rent share"}}})
    assert lab.variable("rent_share", "fr") == "part du loyer"
    assert lab.variable("other", "fr") is None
    # shipped names for the bundled data, the attribute's name for a protected input,
    # the user's name first, the column name when nobody gave one
    assert variable_label("n_minors", "fr") == "nombre d’enfants mineurs"
    assert variable_label("n_minors", "en") == "number of minor children"
    assert variable_label("family_status", "fr") == "situation familiale"
    with use_labels(lab):
        assert variable_label("rent_share", "en") == "rent share"
    assert variable_label("rent_share", "en") == "rent_share"
    with pytest.raises(Exception, match="unknown key.*colours.*'variables'"):
        Labels({"colours": {}})


def test_headline_noun_phrases_use_the_labels():
    from scoreaudit.present.findings import noun_phrase
    from scoreaudit.present.labels import use_labels

    cell = {"region": "N", "family_status": "alone", "gender": "man"}
    assert noun_phrase(cell, "fr") == "des hommes vivant seuls avec region « N »"
    lab = {"attributes": {"region": {"fr": "région"}}, "groups": {"region": {"N": "Nord"}}}
    with use_labels(lab):
        assert noun_phrase(cell, "fr") == "des hommes vivant seuls avec région « Nord »"
        assert noun_phrase({"region": "N"}, "en") == "people with région “Nord”"
    assert noun_phrase({"age_band": "25-34", "family_status": "single_parent"}, "fr") == (
        "des parents isolés de 25 à 34 ans"
    )


def test_a_spec_gives_display_names_the_user_file_overrides(tmp_path):
    import scoreaudit as sa
    from scoreaudit.errors import ModelError
    from scoreaudit.report import render_html, write_report

    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"region": rng.choice(["IDF", "NORD"], 1_000), "rent": rng.random(1_000)})
    spec = {
        "name": "t",
        "terms": [{"kind": "linear", "variable": "rent", "odds_ratio": 3.0}],
        "labels": {
            "variables": {"rent": {"fr": "part du loyer", "en": "rent share"}},
            "groups": {"region": {"IDF": "Île-de-France"}},
        },
    }
    card = sa.Scorecard.from_dict(spec)
    res = sa.audit(sa.Population(frame, protected=["region"]), card, sa.Budget(share=0.1))
    out = write_report(res, tmp_path / "r", lang="fr", formats=("html",))
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '>part du loyer<br><code class="var-code">rent</code>' in page
    assert "Île-de-France" in page
    user = {"variables": {"rent": {"fr": "loyer / revenu"}}}
    out = write_report(res, tmp_path / "u", lang="fr", formats=("html",), labels=user)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert ">loyer / revenu<br>" in page and "Île-de-France" in page  # both sources
    assert ">part du loyer<br>" in render_html(res, "fr", figures=False)  # the spec's, always
    spec["labels"] = {"variables": {"rent": {"de": "Miete"}}}
    with pytest.raises(ModelError, match=r"labels\.variables\.rent: a display name .* de"):
        sa.Scorecard.from_dict(spec)
