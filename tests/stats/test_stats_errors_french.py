"""Errors of the ranking, calibration, distribution and interval functions come from the
catalogue: French with ``render("fr")``, English ``str(exc)`` unchanged; a bad ``--confidence``
on the command line is in French with the option, exit code 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scoreaudit.cli import main
from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.stats.calibration import calibration_by_group
from scoreaudit.stats.distribution import threshold_free
from scoreaudit.stats.metrics import wilson_interval
from scoreaudit.stats.ranking import rank_scores

DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"


def test_non_finite_score_in_french():
    with pytest.raises(DataError) as err:
        rank_scores(np.array([0.1, np.inf, 0.3]))
    assert str(err.value) == "Scores must be finite numbers; row position 1 has score inf."
    assert err.value.render("fr") == (
        "Les scores doivent être des nombres finis ; la ligne en position 1 a le score inf."
    )


def test_group_code_and_label_errors_in_french():
    scores = np.array([0.1, 0.2, 0.3])
    with pytest.raises(DataError) as err:
        calibration_by_group(scores, np.array([0, 1, 5]), 2, np.array([0, 1, 0]))
    assert str(err.value) == "Group code 5 at row position 2 is outside 0..1."
    assert err.value.render("fr") == (
        "Le code de groupe 5 de la ligne en position 2 est hors de 0..1."
    )
    with pytest.raises(DataError) as err:
        calibration_by_group(scores, np.array([0, 1, 1]), 2, np.array([0, 2, 0]))
    assert str(err.value) == "Labels must be 1, 0 or missing; row position 1 has 2.0."
    assert err.value.render("fr") == (
        "Les étiquettes doivent valoir 1, 0 ou être manquantes ; la ligne en position 1 a 2.0."
    )
    with pytest.raises(ScoreAuditError) as err:
        calibration_by_group(scores, np.array([0, 1, 1]), 2, np.array([0, 1, 0]), bins=0)
    assert err.value.render("fr") == "bins doit être un entier positif ; reçu 0."


def test_reference_code_in_french():
    ranking = rank_scores(np.array([0.1, 0.2, 0.3]))
    with pytest.raises(ScoreAuditError) as err:
        threshold_free(ranking, np.array([0, 1, 1]), 2, 3)
    assert str(err.value) == "reference must be a group code in 0..1 or None; got 3."
    assert err.value.render("fr") == (
        "reference doit être un code de groupe dans 0..1 ou None ; reçu 3."
    )


def test_confidence_shows_the_keyword_in_python():
    with pytest.raises(ScoreAuditError) as err:
        wilson_interval(1, 10, confidence=95)
    assert str(err.value) == (
        "confidence must be a number strictly between 0 and 1, not 95. E.g. confidence=0.95."
    )
    assert err.value.render("fr", cli=True) == (
        "Le niveau de confiance doit être un nombre strictement compris entre 0 et 1, pas 95. "
        "P. ex. --confidence 0.95."
    )


def test_bad_confidence_on_the_command_line_in_french(tmp_path, capsys, monkeypatch):
    from scoreaudit.cli import terminal

    for con in (terminal.console, terminal.err_console):
        monkeypatch.setattr(con, "_width", 250)
    out = tmp_path / "report"
    args = ["audit", "--data", str(DATA / "c2sg_sample.csv"), "--model", "c2sg-reconstruction"]
    assert main([*args, "--out", str(out), "--confidence", "1.5", "--lang", "fr"]) == 2
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert (
        "Erreur : Le niveau de confiance doit être un nombre strictement compris entre 0 et 1, "
        "pas 1.5. P. ex. --confidence 0.95." in text
    )
    assert "must be" not in text and "confidence=" not in text
    assert not out.exists()


def test_unknown_correction_is_a_bad_input_error_in_french():
    from scoreaudit.stats.metrics import adjust_p_values

    with pytest.raises(ScoreAuditError) as err:
        adjust_p_values(np.array([0.01, 0.2]), "sidak")
    assert isinstance(err.value, ValueError)
    assert str(err.value) == "Unknown correction 'sidak'; use 'holm', 'bh', 'bonferroni' or 'none'."
    assert err.value.render("fr") == (
        "Correction « sidak » inconnue ; utilisez 'holm', 'bh', 'bonferroni' ou 'none'."
    )
