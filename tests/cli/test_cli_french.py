"""The command line in French: every command's terminal output with ``--lang fr`` or
``SCOREAUDIT_LANG=fr``, errors prefixed in French with exit code 2, and ``--help`` in French
for every option (help texts are built at import, so ``--help`` runs in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import cli_text as _text

from scoreaudit.cli import main
from scoreaudit.present.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "synthetic"

#: English sentences and words of the terminal output that a French run must not show.
ENGLISH = (
    "Report written",
    "Wrote ",
    " files,",
    " selected (",
    "Selection rate by group",
    "Warning:",
    "Error:",
    "intersectional comparisons",
    "found errors",
    "picked by the score",
    "To detect",
    "the audit needs",
    "Smallest detectable",
    "Normal approximation",
    "Reading ",
    "Scoring and auditing",
    "Writing ",
    "Drawing figures",
    "hidden:",
    "hidden (small count)",
    "small cell",
    "significant",
    "households",
    "Across strata",
    "p adj.",
    "% interval",
    "Add --out",
)


def _no_english(text: str) -> None:
    found = [s for s in ENGLISH if s in text]
    assert not found, f"English left in French output: {found}\n{text[:3000]}"


pytestmark = pytest.mark.usefixtures("wide_terminal")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fr") / "sample.csv"
    pd.read_csv(DATA / "c2sg_sample.csv").head(3000).to_csv(path, index=False)
    return path


def test_audit_in_french(sample, tmp_path, capsys):
    out = tmp_path / "rapport"
    args = ["audit", "--data", str(sample), "--model", "c2sg-reconstruction", "--budget", "5%"]
    assert main([*args, "--formats", "json", "--lang", "fr", "--out", str(out)]) == 0
    text = _text(capsys.readouterr())
    _no_english(text)
    assert "3 000 dossiers, 150 sélectionnés (5,00 %)" in text  # French number format
    assert "ex aequo au seuil : répartis au prorata" in text
    assert "Taux de sélection par groupe" in text and "intervalle à 95 %" in text
    assert "Lecture de sample.csv" in text and "Écriture de results.json" in text
    assert f"Rapport écrit dans {out} (json) ; ouvrir {out / 'results.json'}" in text
    assert (out / "results.json").is_file()


def test_audit_language_from_the_environment(sample, monkeypatch, capsys):
    monkeypatch.setenv("SCOREAUDIT_LANG", "FR")
    args = ["audit", "--data", str(sample), "--model", "c2sg-reconstruction"]
    assert main(args) == 0
    text = _text(capsys.readouterr())
    _no_english(text)
    assert "Ajoutez --out DOSSIER" in text and "Calcul des scores et audit" in text
    monkeypatch.delenv("SCOREAUDIT_LANG")
    assert main(args) == 0  # the next run is English again
    assert "Add --out DIR" in _text(capsys.readouterr())


def test_controls_in_french(tmp_path, capsys):
    out = tmp_path / "rep"
    args = ["controls", str(DATA / "c2sg_controls.csv"), "--protected", "gender,age_band"]
    args += ["--population-size", "100000", "--n-boot", "50", "--no-intersections"]
    assert main([*args, "--reference", "gender=man", "--lang", "fr", "--out", str(out)]) == 0
    text = _text(capsys.readouterr())
    _no_english(text)
    assert "5 000 contrôles : 500 aléatoires (13 avec irrégularité)" in text
    assert "p ajustée" in text and f"Écrit : {out}" in text
    assert "Représentation parmi les contrôles choisis par le score" in text  # metric label


def test_counts_in_french_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("SCOREAUDIT_LANG", "fr")
    args = ["counts", str(DATA / "c2sg_confusion_counts.csv"), "--group", "gender,age_band"]
    assert main([*args, "--tp", "tp", "--fp", "fp", "--tn", "tn", "--fn", "fn"]) == 0
    text = _text(capsys.readouterr())
    _no_english(text)
    assert "100 000 dossiers en 12 lignes." in text
    assert "comparaisons croisées" in text
    assert "masqué (petit effectif, ou chiffre qui permettrait de le retrouver)" in text


def test_funnel_in_french(capsys):
    args = ["funnel", str(DATA / "c2sg_funnel_rounded10.csv"), "--group", "gender"]
    args += ["--stratum", "score_band", "--rounding", "10", "--reference", "gender=man"]
    args += ["--step", "agent pick=picked/high_risk", "--step", "suspension=suspended/anomaly"]
    assert main([*args, "--lang", "fr"]) == 0
    text = _text(capsys.readouterr())
    _no_english(text)
    assert "Toutes strates : rapports sans strates et de Mantel-Haenszel" in text
    assert "p d’homogénéité" in text and "réf." in text and "Attention :" in text


def test_power_in_french(capsys):
    args = ["power", "--reference-rate", "0.05", "--ratio", "1.5", "--group-share", "0.1"]
    assert main([*args, "--comparisons", "20", "--n", "10000", "--lang", "fr"]) == 0
    text = _text(capsys.readouterr())
    _no_english(text)
    assert "l’audit a besoin de 14 160 dossiers (dont 1 416 dans le groupe)" in text
    assert "Holm sur 20 comparaisons : 0,25 % par comparaison" in text
    assert (
        "Avec 10 000 dossiers, un rapport inférieur à 1,6 n’aurait pas pu être détecté "
        "(puissance de 80 %, seuil de 5 %)." in text
    )
    small = ["power", "--reference-rate", "0.05", "--ratio", "0.7", "--group-share", "0.1"]
    assert main([*small, "--n", "300", "--power", "0.9", "--alpha", "0.025", "--lang", "fr"]) == 0
    assert (
        "Avec 300 dossiers, aucune disparité n’aurait pu être détectée, quelle que soit son "
        "ampleur (puissance de 90 %, seuil de 2,5 %)." in _text(capsys.readouterr())
    )
    assert main([*args, "--n", "10000", "--lang", "en"]) == 0
    assert (
        "With 10,000 files, a ratio below 1.4 could not have been detected (80% power, 5% "
        "level)." in _text(capsys.readouterr())
    )
    assert main(["power", "--lang", "fr"]) == 2  # neither --ratio nor --n
    assert "Erreur : Donnez un rapport à détecter" in _text(capsys.readouterr())


def test_synth_in_french(tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["synth", "--n", "200", "--out", str(out), "--lang", "fr"]) == 0
    text = _text(capsys.readouterr())
    _no_english(text)
    assert f"200 foyers (baseline) écrits dans {out}" in text


def test_errors_in_french_keep_exit_code_2(tmp_path, capsys):
    counts = ["counts", str(DATA / "c2sg_confusion_counts.csv"), "--group", "gender"]
    assert main([*counts, "--tp", "tp", "--min-cell", "5", "--lang", "fr"]) == 2
    text = _text(capsys.readouterr())
    assert text.startswith("Erreur : min-cell 5 est sous la valeur par défaut 11")
    # a library error (English text) gets the French prefix, the same exit code
    assert main([*counts, "--tp", "no_such_column", "--lang", "fr"]) == 2
    text = _text(capsys.readouterr())
    assert text.startswith("Erreur :") and "no_such_column" in text and "Error:" not in text
    assert main(["audit", "--lang", "fr"]) == 2
    assert _text(capsys.readouterr()) == (
        "Erreur : Donnez le fichier de données : --data FICHIER (CSV ou Parquet), "
        "ou 'data:' dans le fichier --config."
    )
    assert main(["audit", "--data", "x.csv", "--lang", "de"]) == 2
    assert "Error: Unknown report language 'de'" in _text(capsys.readouterr())


_DUMP_HELP = """
import json, sys
import click
import typer
from scoreaudit.cli import app, main

def walk(cmd, path):
    if isinstance(cmd, click.Group) or hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            yield from walk(sub, [*path, name])
    else:
        yield path, cmd

root = typer.main.get_command(app)
out = {"root": root.help, "commands": {}, "rendered": {}}
for path, cmd in walk(root, []):
    out["commands"][" ".join(path)] = {
        "help": cmd.help,
        "params": {p.name: getattr(p, "help", None) for p in cmd.params},
    }
for path in out["commands"]:
    main([*path.split(), "--help"])
print("\\n@@JSON@@" + json.dumps(out))
"""


def _help_dump(lang_env: dict[str, str]) -> tuple[dict, str]:
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("LANG", "LC_ALL")}
    env.pop("SCOREAUDIT_LANG", None)
    env.update(lang_env)
    env["PYTHONPATH"] = str(ROOT / "src")
    env["COLUMNS"] = "200"
    proc = subprocess.run(
        [sys.executable, "-c", _DUMP_HELP], capture_output=True, text=True, env=env, check=True
    )
    rendered, _, data = proc.stdout.rpartition("@@JSON@@")
    return json.loads(data), rendered


@pytest.mark.parametrize("lang_env", [{"SCOREAUDIT_LANG": "fr"}, {"LANG": "fr_FR.UTF-8"}])
def test_help_in_french_for_every_option(lang_env):
    dump, rendered = _help_dump(lang_env)
    french = {v["fr"] for k, v in CATALOGUE.items() if k.startswith("cli_h_")}
    english_only = {v["en"] for k, v in CATALOGUE.items() if k.startswith("cli_h_")} - french
    assert dump["root"] in french
    assert len(dump["commands"]) == 8  # audit, model check, power, controls, counts, ...
    for name, cmd in dump["commands"].items():
        assert cmd["help"] in french, name
        for param, text in cmd["params"].items():
            assert text, f"{name} --{param} has no help"
            assert text in french and text not in english_only, f"{name} --{param}: {text}"
    assert "Afficher cette aide et quitter." in rendered and "Show this message" not in rendered
    assert "[par défaut : holm]" in rendered and "[default:" not in rendered
    assert "Exemple : scoreaudit controls" in rendered
    assert "Utilisation : scoreaudit audit" in rendered and "Usage:" not in rendered


def test_help_in_english_by_default():
    dump, rendered = _help_dump({"LANG": "C.UTF-8"})
    english = {v["en"] for k, v in CATALOGUE.items() if k.startswith("cli_h_")}
    for name, cmd in dump["commands"].items():
        assert cmd["help"] in english, name
        assert all(text in english for text in cmd["params"].values()), name
    assert "Show this message and exit." in rendered and "Exemple" not in rendered
    assert "Usage: scoreaudit audit" in rendered and "Utilisation" not in rendered


def test_catalogue_has_every_cli_key_in_both_languages():
    keys = [k for k in CATALOGUE if k.startswith("cli_")]
    assert len(keys) > 150
    for key in keys:
        assert CATALOGUE[key]["en"] and CATALOGUE[key]["fr"], key
    assert json.dumps(sorted(CATALOGUE["cli_error"])) == '["en", "fr"]'
