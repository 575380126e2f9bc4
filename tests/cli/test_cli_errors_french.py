"""Library errors on the command line in French: the text comes from the catalogue (no English
sentence behind "Erreur :"), the fix is the CLI option (not the Python keyword), exit code 2;
``str(exc)`` stays English for Python users; every error key used in the code exists in both
languages with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pandas as pd
import pytest
from helpers import cli_text as _text

from scoreaudit.cli import main
from scoreaudit.errors import DataError, Part, ScoreAuditError, message_language
from scoreaudit.present.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "scoreaudit"
DATA = ROOT / "data" / "synthetic"


def _literal_pieces(text: str, min_len: int = 12) -> list[str]:
    """The fixed parts of a catalogue text (between placeholders), whitespace collapsed."""
    pieces = [literal for literal, _, _, _ in string.Formatter().parse(text)]
    return [" ".join(p.split()) for p in pieces if len(p.strip()) >= min_len]


pytestmark = pytest.mark.usefixtures("wide_terminal")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    frame = pd.read_csv(DATA / "c2sg_sample.csv").head(400)
    out = {"good": d / "good.csv", "holes": d / "holes.csv", "empty": d / "empty.csv"}
    frame.to_csv(out["good"], index=False)
    holes = frame.copy()
    holes.loc[[5, 9], "family_status"] = None
    holes.to_csv(out["holes"], index=False)
    out["empty"].write_bytes(b"")
    out["config"] = d / "audit.yaml"
    out["config"].write_text("budjet: 5%\n", encoding="utf-8")
    return out


AUDIT = ["audit", "--model", "c2sg-reconstruction", "--lang", "fr"]

#: (arguments, catalogue key of the error, French text expected in the output)
CASES = [
    (["--data", "{dir}/absent.csv"], "err_file_missing", "n’existe pas. Vérifiez le chemin"),
    (["--data", "{empty}"], "err_file_empty", "est vide (0 octet)"),
    (
        ["--data", "{good}", "--protected", "genre"],
        "err_protected_not_found",
        "Colonne(s) protégée(s) 'genre' introuvable(s) dans les données dans le fichier",
    ),
    (
        ["--data", "{good}", "--protected", "income"],
        "err_numeric_needs_bands",
        "donnez des tranches, p. ex. --bands income=25,35,50,65.",
    ),
    (
        ["--data", "{holes}", "--protected", "family_status"],
        "err_missing_values",
        "ajoutez --missing category.",
    ),
    (["--data", "{good}", "--budget", "cinq"], "err_budget_unreadable", "Budget illisible"),
    (["--data", "{good}", "--budget", "5"], "err_budget_ambiguous", "est ambigu"),
    (["--data", "{good}", "--bands", "age=a,b"], "err_bands_option", "doivent être des nombres"),
    (["--config", "{config}"], "err_config_unknown_key", "clé inconnue 'budjet'"),
]


@pytest.mark.parametrize(("args", "key", "french"), CASES, ids=[c[1] for c in CASES])
def test_library_errors_in_french(files, tmp_path, capsys, args, key, french):
    given = [a.format(dir=tmp_path, **{k: str(v) for k, v in files.items()}) for a in args]
    assert main([*AUDIT, *given, "--out", str(tmp_path / "r")]) == 2
    text = _text(capsys.readouterr())
    assert text.startswith("Erreur :"), text
    assert french in text, text
    leaked = [p for p in _literal_pieces(CATALOGUE[key]["en"]) if p in text]
    assert not leaked, f"English of {key} in the French output: {leaked}\n{text}"
    for hint in ("_py", "_cli"):  # neither hint of the English catalogue
        if f"{key}{hint}" in CATALOGUE and CATALOGUE[f"{key}{hint}"]["en"].startswith("e.g."):
            assert CATALOGUE[f"{key}{hint}"]["en"][:8] not in text
    assert "Error:" not in text and "bands={" not in text and "missing='" not in text
    assert not (tmp_path / "r").exists()  # nothing written


def test_same_errors_in_english_keep_their_text(files, tmp_path, capsys):
    args = ["audit", "--model", "c2sg-reconstruction", "--data", str(files["holes"])]
    assert main([*args, "--protected", "family_status", "--lang", "en"]) == 2
    text = _text(capsys.readouterr())
    assert text.startswith("Error: Protected column 'family_status' in file ")
    assert "has 2 missing value(s), first at row position 5 (line 7 of the file)" in text
    assert text.endswith("audit them as a group labelled '(missing)': add --missing category.")


def test_python_message_is_english_with_the_keyword():
    frame = pd.DataFrame({"age": range(100), "score": [0.5] * 100})
    import scoreaudit as sa

    with pytest.raises(DataError) as info:
        sa.Population(frame, protected=["age"])
    exc = info.value
    assert exc.message_key == "err_numeric_needs_bands"
    assert str(exc) == (
        "Protected column 'age' is numeric with 100 distinct values; give bands, "
        "e.g. bands={'age': [25, 35, 50, 65]}."
    )
    assert exc.cli_message.endswith("e.g. --bands age=25,35,50,65.")
    assert exc.render("fr").endswith("p. ex. bands={'age': [25, 35, 50, 65]}.")
    with message_language("fr"):
        assert str(exc).startswith("La colonne protégée « age » est numérique")
    assert str(exc).startswith("Protected column 'age'")


def test_keyed_error_survives_pickling():
    import pickle

    exc = DataError.from_key("err_population_empty", where=Part("err_in_file", file="a.csv"))
    back = pickle.loads(pickle.dumps(exc))
    assert str(back) == str(exc) == "The population is empty: the data in file 'a.csv' has no rows."
    assert back.render("fr") == exc.render("fr")
    assert isinstance(back, ScoreAuditError)


def _keys_used_in_code() -> set[str]:
    """Catalogue keys given to ``from_key(...)`` and ``Part(...)`` anywhere in the package."""
    pattern = re.compile(r"""(?:from_key|Part)\(\s*["']([a-z0-9_]+)["']""")
    pieces = re.compile(r"""Part\(\s*["']([a-z0-9_]+)["']\s+if\s""")
    keys: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        keys |= set(pattern.findall(text)) | set(pieces.findall(text))
        # keys chosen in a conditional, a table or a helper (e.g. _bad("err_spec_..."))
        if path.parent.name in (
            "models",
            "data",
            "engines",
            "stats",
            "synthetic",
            "explain",
            "plots",
        ):
            keys |= set(re.findall(r"""["'](err_[a-z0-9_]+)["']""", text)) - {"err_"}
        keys |= set(
            re.findall(r"""Part\(\s*["'][a-z0-9_]+["']\s+if .*? else ["']([a-z0-9_]+)["']""", text)
        )
    return keys


def test_every_error_key_used_in_the_code_is_in_both_languages():
    keys = _keys_used_in_code()
    assert len(keys) > 60
    for key in sorted(keys):
        assert key in CATALOGUE, f"{key} used in the code but not in messages.json"
        assert CATALOGUE[key]["en"] and CATALOGUE[key]["fr"], key
    fields = string.Formatter()
    for key in (k for k in CATALOGUE if k.startswith("err_")):
        names = [
            {f for _, f, _, _ in fields.parse(CATALOGUE[key][lang]) if f} for lang in ("en", "fr")
        ]
        assert names[0] == names[1], f"{key}: placeholders differ between en and fr"
    for key in (k for k in CATALOGUE if k.endswith(("_py", "_cli")) and k.startswith("err_")):
        assert key.rsplit("_", 1)[0] in CATALOGUE, f"hint {key} without its message"


def test_funnel_and_control_log_errors_in_french(tmp_path, capsys):
    funnel = ["funnel", str(DATA / "c2sg_funnel.csv"), "--group", "genre", "--lang", "fr"]
    assert main([*funnel, "--step", "p=picked/high_risk"]) == 2
    text = _text(capsys.readouterr())
    assert text.startswith("Erreur : Colonne(s) 'genre' introuvable(s) dans le tableau des étapes")
    log = ["controls", str(DATA / "c2sg_controls.csv"), "--lang", "fr"]
    assert main([*log, "--selected-by", "methode"]) == 2
    text = _text(capsys.readouterr())
    assert "Colonne « methode » (selected_by) introuvable dans le journal des contrôles" in text
    assert "not found" not in text


def test_numbers_in_errors_follow_the_language():
    import numpy as np

    import scoreaudit as sa
    from scoreaudit.errors import Num

    assert Num(1234567, ",").render("fr") == "1\u202f234\u202f567" and str(Num(1234567, ",")) == (
        "1,234,567"
    )
    f = pd.DataFrame({"g": ["a", "b"] * 50, "s": np.arange(100.0)})
    with pytest.raises(sa.errors.PolicyError) as info:
        sa.audit(sa.Population(f, protected=["g"]), "s", sa.Threshold(threshold=500.5))
    assert info.value.render("fr") == (
        "Aucun score n’atteint le seuil 500,5 ; le score le plus élevé est 99."
    )
    assert str(info.value) == "No score reaches the threshold 500.5; the highest score is 99."
