"""Errors of the labels file and of the language choice come from the catalogue: French with
``render("fr")``, English ``str(exc)`` unchanged; on ``--labels ... --lang fr`` the French text,
exit code 2, nothing written; the fix names ``--lang`` on the command line, ``lang=`` in Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoreaudit.cli import main
from scoreaudit.core.messages import check_lang
from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.present.labels import Labels, load_labels

DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"


pytestmark = pytest.mark.usefixtures("wide_terminal")


def test_labels_errors_in_french(tmp_path):
    with pytest.raises(DataError) as err:
        Labels({"colours": {}}, source="lab.yaml")
    assert str(err.value) == (
        "lab.yaml: unknown key(s) colours; a labels file has 'attributes', 'groups' and 'variables'."
    )
    assert err.value.render("fr") == (
        "lab.yaml : clé(s) inconnue(s) colours ; un fichier de libellés contient "
        "'attributes', 'groups' et 'variables'."
    )
    with pytest.raises(DataError) as err:
        load_labels(tmp_path / "absent.yaml")
    assert err.value.render("fr").startswith(
        f"Le fichier « {tmp_path / 'absent.yaml'} » n’existe pas."
    )


def test_unknown_language_names_the_keyword_or_the_option():
    with pytest.raises(ScoreAuditError) as err:
        check_lang("de")
    assert str(err.value) == (
        "Unknown report language 'de'; use one of: en, fr "
        "(e.g. lang='fr', or the SCOREAUDIT_LANG environment variable)."
    )
    assert err.value.render("fr", cli=True) == (
        "Langue de rapport « de » inconnue ; utilisez l’une de : en, fr "
        "(p. ex. --lang fr, ou la variable d’environnement SCOREAUDIT_LANG)."
    )


def test_bad_labels_file_on_the_command_line_in_french(tmp_path, capsys):
    labels = tmp_path / "labels.yaml"
    labels.write_text("colours: 1\n", encoding="utf-8")
    out = tmp_path / "report"
    args = ["audit", "--data", str(DATA / "c2sg_sample.csv"), "--model", "c2sg-reconstruction"]
    assert main([*args, "--out", str(out), "--labels", str(labels), "--lang", "fr"]) == 2
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert text.endswith(
        f"Erreur : {labels} : clé(s) inconnue(s) colours ; un fichier de libellés contient "
        "'attributes', 'groups' et 'variables'."
    )
    assert "unknown key" not in text and "a labels file" not in text
    assert not out.exists()
