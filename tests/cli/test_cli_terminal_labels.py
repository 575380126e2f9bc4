"""The terminal tables show display names (as the report does), not code names: the bundled
data's names in French and English, and those of ``--labels``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scoreaudit.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "synthetic"


pytestmark = pytest.mark.usefixtures("wide_terminal")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("labels") / "sample.csv"
    frame = pd.read_csv(DATA / "c2sg_sample.csv").head(3000)
    frame["region"] = ["north", "south", "east"] * 1000
    frame.to_csv(path, index=False)
    return path


def _rows(text: str) -> list[list[str]]:
    """The table rows of the terminal output, cells stripped."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if "│" in line]


ARGS = ["audit", "--model", "c2sg-reconstruction", "--budget", "5%"]


@pytest.mark.parametrize(
    ("lang", "attr", "group", "reference", "codes"),
    [
        ("fr", "sexe", "hommes", "femmes", "woman"),
        ("en", "gender", "men", "women", "woman"),
        ("fr", "situation familiale", "familles monoparentales", None, "single_parent"),
        ("en", "family status", "single parents", None, "single_parent"),
    ],
)
def test_bundled_names_in_the_terminal(sample, capsys, lang, attr, group, reference, codes):
    assert main([*ARGS, "--data", str(sample), "--lang", lang]) == 0
    rows = _rows(capsys.readouterr().out)
    shown = [r for r in rows if len(r) > 3 and r[0] == attr and r[1] == group]
    assert shown, rows
    if reference is not None:
        assert shown[0][2] == reference
    assert not any(codes in r[:3] for r in rows)  # the code name is in no table cell


def test_user_labels_in_the_terminal(sample, tmp_path, capsys):
    labels = tmp_path / "labels.yaml"
    labels.write_text(
        "attributes:\n  region: {fr: Région, en: Region}\n"
        "groups:\n  region:\n    north: {fr: Nord, en: North}\n",
        encoding="utf-8",
    )
    args = [*ARGS, "--data", str(sample), "--protected", "gender,region"]
    assert main([*args, "--labels", str(labels), "--lang", "fr"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert any(r[:2] == ["Région", "Nord"] for r in rows), rows
    assert any(r[:2] == ["Région", "south"] for r in rows)  # no label given: the code
    assert main([*args, "--lang", "en"]) == 0  # without --labels: the codes
    rows = _rows(capsys.readouterr().out)
    assert any(r[:2] == ["region", "north"] for r in rows), rows


FUNNEL = ["funnel", str(DATA / "c2sg_funnel_rounded10.csv"), "--group", "gender"]
FUNNEL += ["--stratum", "score_band", "--rounding", "10", "--reference", "gender=man"]
FUNNEL += ["--step", "agent pick=picked/high_risk"]


@pytest.mark.parametrize(
    ("lang", "note", "group", "english_note"),
    [
        ("fr", "sous la base d’arrondi : inexploitable", "femmes", "rounding base"),
        ("en", "below the rounding base: unusable", "women", "base (10): unusable"),
    ],
)
def test_funnel_notes_and_groups_in_the_terminal(capsys, lang, note, group, english_note):
    assert main([*FUNNEL, "--lang", lang]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert any(r[0] == group and r[-1] == note for r in rows), rows
    assert english_note not in out  # the engine's own phrase (results.json) is not shown
    assert not any(r[0] in ("woman", "man") for r in rows)
