"""Errors of the synthetic generators come from the catalogue: French with ``render("fr")``,
English ``str(exc)`` unchanged, and on ``scoreaudit synth --lang fr`` the CLI option, exit code
2 and nothing written."""

from __future__ import annotations

import pytest
from helpers import cli_text as _text

from scoreaudit.cli import main
from scoreaudit.errors import DataError, PolicyError
from scoreaudit.synthetic import c2sg_population, control_split, synth, write_frame
from scoreaudit.synthetic.planted import true_selection_ratio
from scoreaudit.synthetic.process import true_stage_ratios

pytestmark = pytest.mark.usefixtures("wide_terminal")


def test_shares_not_summing_to_one_in_french():
    with pytest.raises(DataError) as err:
        c2sg_population(100, other_adults_shares=(0.5, 0.6))
    assert str(err.value) == (
        "Parameter 'other_adults_shares': shares sum to 1.1, not 1. "
        "Rescale them so that they sum to 1."
    )
    assert err.value.render("fr") == (
        "Paramètre « other_adults_shares » : les parts totalisent 1.1, pas 1. "
        "Rééchelonnez-les pour que leur somme fasse 1."
    )


def test_missing_and_unknown_keys_are_translated_pieces():
    with pytest.raises(DataError) as err:
        c2sg_population(100, rsa_prob_by_activity={"employed": 0.1, "astronaut": 0.2})
    text = str(err.value)
    assert text.startswith("Parameter 'rsa_prob_by_activity' has missing 'unemployed'")
    assert " and unknown 'astronaut' key(s); expected exactly 'employed'" in text
    fr = err.value.render("fr")
    assert fr.startswith(
        "Le paramètre « rsa_prob_by_activity » a des clés manquantes ('unemployed'"
    )
    assert ") et inconnues ('astronaut') ; clés attendues exactement : 'employed'" in fr
    assert "missing" not in fr and "unknown" not in fr


def test_population_and_truth_errors_in_french():
    with pytest.raises(DataError) as err:
        c2sg_population(100, anomaly_coefficients={"shoe_size": 1.0})
    assert err.value.render("fr").startswith(
        "Le paramètre « anomaly_coefficients » utilise la colonne « shoe_size », absente de la "
        "population. Colonnes : household_id,"
    )
    with pytest.raises(DataError) as err:
        true_selection_ratio("robot", "man", "gender", budget=0.05)
    assert str(err.value) == "group='robot' is not a group of 'gender'; groups: woman, man."
    assert err.value.render("fr") == (
        "group='robot' n’est pas un groupe de « gender » ; groupes : woman, man."
    )
    with pytest.raises(DataError) as err:
        true_stage_ratios("baseline")
    assert err.value.render("fr") == "scenario doit valoir 'planted' ou 'neutral', pas 'baseline'."


def test_control_split_budget_in_french():
    with pytest.raises(PolicyError) as err:
        control_split(10, budget=0.01)
    assert str(err.value) == "budget=0.01 controls no file out of 10; raise the budget."
    assert (
        err.value.render("fr")
        == "budget=0.01 ne contrôle aucun dossier sur 10 ; augmentez le budget."
    )


def test_existing_output_names_the_python_keyword_or_the_option(tmp_path):
    out = tmp_path / "pop.csv"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(DataError) as err:
        synth(n=100, out=out)
    assert str(err.value) == f"{str(out)!r} already exists; pass force=True to overwrite it."
    assert err.value.render("fr", cli=True) == (
        f"« {out} » existe déjà ; ajoutez --force pour le remplacer."
    )
    with pytest.raises(DataError) as err:
        write_frame(c2sg_population(10), tmp_path / "pop.xlsx")
    assert err.value.render("fr").startswith(
        f"Impossible d’écrire « {tmp_path / 'pop.xlsx'} » : la sortie doit se terminer par"
    )


@pytest.mark.parametrize(
    ("args", "expected", "english"),
    [
        (
            ["--n", "0"],
            "Erreur : Le nombre de foyers doit être > 0 ; reçu 0. Donnez --n 1000, par exemple.",
            "The number of households",
        ),
        (
            ["--scenario", "biased"],
            "Erreur : Scénario « biased » inconnu. Scénarios valides : 'baseline', 'neutral', "
            "'planted'. Donnez-en un avec --scenario, p. ex. --scenario planted.",
            "Valid scenarios",
        ),
    ],
)
def test_synth_cli_errors_in_french(tmp_path, capsys, args, expected, english):
    out = tmp_path / "pop.csv"
    assert main(["synth", "--out", str(out), *args, "--lang", "fr"]) == 2
    text = _text(capsys.readouterr())
    assert text == expected
    assert english not in text and "scenario=" not in text and "n=" not in text
    assert list(tmp_path.iterdir()) == []


def test_synth_cli_refuses_to_overwrite_in_french(tmp_path, capsys):
    out = tmp_path / "pop.csv"
    out.write_text("old", encoding="utf-8")
    assert main(["synth", "--n", "50", "--out", str(out), "--lang", "fr"]) == 2
    text = _text(capsys.readouterr())
    assert text == f"Erreur : « {out} » existe déjà ; ajoutez --force pour le remplacer."
    assert out.read_text(encoding="utf-8") == "old"
