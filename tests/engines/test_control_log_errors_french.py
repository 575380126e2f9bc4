"""Control-log errors in French and English, on the command line: the value at fault and
what to do, exit code 2, no English behind "Erreur :"."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoreaudit.cli import main

LOG = Path(__file__).resolve().parents[2] / "data" / "synthetic" / "c2sg_controls.csv"


pytestmark = pytest.mark.usefixtures("wide_terminal")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "population_size=10 est plus petit que le nombre de contrôles du journal ("),
        ("en", "population_size=10 is smaller than the number of controls in the log ("),
    ],
)
def test_population_smaller_than_the_log(tmp_path, capsys, lang, expected):
    args = ["controls", str(LOG), "--population-size", "10", "--lang", lang]
    assert main([*args, "--out", str(tmp_path / "r")]) == 2
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert expected in text, text
    assert "Traceback" not in text
    assert ("smaller than" in text) == (lang == "en")
    assert not (tmp_path / "r").exists()


def test_groups_without_random_controls_are_named_in_the_reader_words():
    from pathlib import Path

    import scoreaudit as sa
    from scoreaudit.present.catalogue import render_warning

    log = Path(__file__).resolve().parents[2] / "data" / "synthetic" / "c2sg_controls.csv"
    import pandas as pd

    frame = pd.read_csv(log)
    res = sa.audit_controls(
        sa.ControlLog(frame, ["gender", "age_band", "family_status"]), n_boot=10
    )
    absent = [w for w in res.warnings if w.code == "warn_controls_absent"]
    assert len(absent) == 1
    fr = render_warning(absent[0], "fr")
    assert (
        "sexe × tranche d’âge × situation familiale = hommes × 18-24 × en couple avec enfants" in fr
    )
    assert "\u202f; " in fr and "couple_with_children" not in fr
    assert "gender × age_band × family_status = man × 18-24 × couple_with_children" in absent[0]
