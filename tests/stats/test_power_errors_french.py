"""Errors of the power functions come from the catalogue: French with ``render("fr")``, English
``str(exc)`` unchanged (the Python argument named), and on ``scoreaudit power --lang fr`` the
command-line option, exit code 2."""

from __future__ import annotations

import pytest
from helpers import cli_text as _text

from scoreaudit.cli import main
from scoreaudit.errors import DataError
from scoreaudit.stats.power import detectable, explain_detectable, sample_size, simulate_power

pytestmark = pytest.mark.usefixtures("wide_terminal")


def test_out_of_range_argument_in_french_names_the_keyword_in_python():
    with pytest.raises(DataError) as err:
        sample_size(0.05, 1.5, 1.5)
    assert str(err.value) == "group_share must be strictly between 0 and 1; got 1.5."
    assert (
        err.value.render("fr")
        == "group_share doit être strictement compris entre 0 et 1 ; reçu 1.5."
    )
    assert err.value.render("fr", cli=True) == (
        "--group-share doit être strictement compris entre 0 et 1 ; reçu 1.5."
    )
    assert err.value.cli_message == "--group-share must be strictly between 0 and 1; got 1.5."


def test_bad_values_in_an_array_are_counted_in_french():
    with pytest.raises(DataError) as err:
        detectable([100, 0, -5], 0.1, 0.05)
    assert str(err.value) == (
        "n must be a positive, finite number of files; got 0 (2 of 3 values, first 0)."
    )
    assert err.value.render("fr") == (
        "n doit être un nombre de dossiers positif et fini ; reçu 0 (2 sur 3 valeurs, la première 0)."
    )
    with pytest.raises(DataError) as err:
        simulate_power([10.5, 20], 100, 0.1, 1.5, n_sim=10)
    assert err.value.render("fr") == (
        "n_group doit être un nombre entier de dossiers pour une simulation ; "
        "reçu 10.5 (1 sur 2 valeurs, la première 10.5)."
    )


def test_ratio_of_one_and_text_errors_in_french():
    with pytest.raises(DataError) as err:
        sample_size(0.05, [1.5, 1.0], 0.1)
    assert str(err.value) == (
        "ratio must differ from 1 (no number of files is enough to detect no disparity); "
        "got 1 in 1 of 2 values."
    )
    assert err.value.render("fr").endswith("; reçu 1 pour 1 sur 2 valeurs.")
    with pytest.raises(DataError) as err:
        explain_detectable(-2.0)
    assert str(err.value) == "ratio must be a positive number or NaN; got -2."
    assert err.value.render("fr") == "ratio doit être un nombre positif ou NaN ; reçu -2."


def test_missing_reference_rate_shows_the_keyword_in_python():
    with pytest.raises(DataError) as err:
        sample_size(None, 1.5, 0.1)
    assert str(err.value) == (
        "The reference's selection rate is required for a population audit (no random share "
        "of controls given). Give reference_rate=..., e.g. reference_rate=0.05."
    )


@pytest.mark.parametrize(
    ("args", "expected", "english"),
    [
        (
            ["--ratio", "1.5"],
            "Erreur : Le taux de sélection de la référence est nécessaire pour un audit de "
            "population (aucune part de contrôles aléatoires donnée). Donnez --reference-rate, "
            "p. ex. --reference-rate 0.05.",
            "selection rate",
        ),
        (
            ["--reference-rate", "0.05", "--ratio", "1.5", "--correction", "holmes"],
            "Erreur : --correction doit valoir l’une des valeurs 'holm', 'bonferroni', 'bh', "
            "'fdr_bh', 'none' ; reçu 'holmes'.",
            "must be one of",
        ),
        (
            ["--reference-rate", "0.05", "--ratio", "1.5", "--alpha", "1.2"],
            "Erreur : --alpha doit être strictement compris entre 0 et 1 ; reçu 1.2.",
            "strictly between",
        ),
    ],
)
def test_power_cli_errors_in_french(capsys, args, expected, english):
    assert main(["power", *args, "--lang", "fr"]) == 2
    text = _text(capsys.readouterr())
    assert text == expected
    assert english not in text and "reference_rate=" not in text
