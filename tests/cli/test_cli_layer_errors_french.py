"""Errors of the lower layers (budgets, references, config files, output directory, count and
funnel tables) on the command line in French: exit code 2, "Erreur :", the catalogue's French
text with the command-line form of the fix, no English sentence of the entry, nothing written."""

from __future__ import annotations

import string
from pathlib import Path

import pandas as pd
import pytest

from scoreaudit.cli import main
from scoreaudit.present.catalogue import CATALOGUE

DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"
AUDIT = ["audit", "--model", "c2sg-reconstruction", "--data", str(DATA / "c2sg_sample.csv")]
COUNTS = ["counts", "{frac}", "--group", "gender", "--tp", "tp", "--fp", "fp", "--tn", "tn"]
FUNNEL = ["funnel", str(DATA / "c2sg_funnel.csv"), "--step", "p=picked/high_risk"]


pytestmark = pytest.mark.usefixtures("wide_terminal")


@pytest.fixture()
def work(tmp_path, monkeypatch) -> Path:
    """A working directory with config files, an existing folder and a table with a 850.5."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "low.yaml").write_text("min_cell: 3\n", encoding="utf-8")
    (tmp_path / "away.yaml").write_text(f"out: {tmp_path.parent / 'away'}\n", encoding="utf-8")
    (tmp_path / "existing").mkdir()
    table = pd.read_csv(DATA / "c2sg_confusion_counts.csv").astype({"tn": float})
    table.loc[0, "tn"] = 850.5
    table.to_csv(tmp_path / "frac.csv", index=False)
    return tmp_path


def _error_text(captured) -> str:
    """The error message, after the progress line of the step that failed (if any)."""
    lines = (captured.out + captured.err).splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(("Erreur :", "Error:")))
    assert all(line.strip().startswith("Lecture de") for line in lines[:first] if line.strip())
    return " ".join(" ".join(lines[first:]).split())


def _literal_pieces(text: str, min_len: int = 12) -> list[str]:
    pieces = [literal for literal, _, _, _ in string.Formatter().parse(text)]
    return [" ".join(p.split()) for p in pieces if len(p.strip()) >= min_len]


#: (arguments, catalogue key, French text expected, what the output directory is)
CASES = [
    (
        [*AUDIT, "--budget", "100000 files"],
        "err_budget_count_large",
        "Le budget de 100000 dossiers dépasse la taille de la population (5000).",
    ),
    (
        [*AUDIT, "--reference", "gender=x"],
        "err_reference_group",
        "Le groupe de référence « x » pour « gender » n’existe pas dans les données. "
        "Groupes : 'man', 'woman'.",
    ),
    (
        [*AUDIT, "--config", "low.yaml"],
        "err_config_min_cell_low",
        "Le fichier d’options « low.yaml » donne min-cell: 3, sous la valeur par défaut 11 : "
        "un fichier d’options ne peut pas abaisser la protection des petits groupes",
    ),
    (
        [*AUDIT, "--config", "away.yaml"],
        "err_config_outside",
        "un fichier d’options ne peut pas faire lire ou écrire scoreaudit ailleurs. Si c’est "
        "voulu, donnez --out en ligne de commande",
    ),
    (
        [*COUNTS, "--fn", "fn"],
        "err_counts_fraction",
        "La colonne d’effectifs « tn » (tn) a un effectif non entier 850.5 à la ligne de données "
        "0 (en comptant de 0) ; des nombres de dossiers sont des entiers (si la colonne contient "
        "des taux, donnez-la comme taux, p. ex. --tn ... -> --selection-rate ...).",
    ),
    (
        [*FUNNEL, "--group", "gender,score_band", "--reference", "gender=man"],
        "err_funnel_reference_missing",
        "La référence doit donner un groupe pour chaque colonne de groupe ; manquant : "
        "['score_band'] (p. ex. --reference score_band=...).",
    ),
]


@pytest.mark.parametrize(("args", "key", "french"), CASES, ids=[c[1] for c in CASES])
def test_layer_errors_in_french_on_the_cli(work, capsys, args, key, french):
    given = [a.format(frac=work / "frac.csv") for a in args]
    out = "r" if "away.yaml" not in args else None
    assert main([*given, "--lang", "fr", *(["--out", out] if out else [])]) == 2
    text = _error_text(capsys.readouterr())
    assert text.startswith("Erreur :"), text
    assert french in text, text
    leaked = [p for p in _literal_pieces(CATALOGUE[key]["en"]) if p in text]
    assert not leaked, f"English of {key} in the French output: {leaked}\n{text}"
    if f"{key}_py" in CATALOGUE:  # the keyword form of the fix is not shown on the CLI
        assert CATALOGUE[f"{key}_py"]["fr"] not in text
    assert not (work / "r").exists() and not (work.parent / "away").exists()


def test_existing_output_directory_in_french_is_kept(work, capsys):
    (work / "existing" / "mine.txt").write_text("keep", encoding="utf-8")
    assert main([*AUDIT, "--out", "existing", "--lang", "fr"]) == 2
    text = _error_text(capsys.readouterr())
    assert text.startswith(
        "Erreur : Le dossier de sortie « existing » existe déjà ; choisissez un autre dossier "
        "--out, ou ajoutez --force pour le remplacer"
    )
    assert "already exists" not in text
    assert [p.name for p in (work / "existing").iterdir()] == ["mine.txt"]


def test_count_table_error_in_english_names_the_option_not_the_keyword(work, capsys):
    args = [a.format(frac=work / "frac.csv") for a in COUNTS]
    assert main([*args, "--fn", "fn", "--out", "r"]) == 2
    text = _error_text(capsys.readouterr())
    assert text == (
        "Error: Count column 'tn' (tn) has a non-integer count 850.5 at row position 0; counts "
        "of files must be whole numbers (if the column holds rates, give it as a rate, e.g. "
        "--tn ... -> --selection-rate ...)."
    )
    assert not (work / "r").exists()
