"""Scorecard spec errors in French and English: every message comes from the catalogue, names
the field path (or the file and line) at fault and says what to do; English is unchanged."""

from __future__ import annotations

import pytest

from scoreaudit.cli import main
from scoreaudit.errors import ModelError, UnsafeFileError
from scoreaudit.models.loading import load_model
from scoreaudit.models.scorecard import Scorecard

HEAD = "name: t\nlink: logistic\nintercept: -3\n"
TERM = (
    "terms:\n  - kind: categorical\n    variable: family_status\n    reference: alone\n"
    "    odds_ratios:\n      alone: 1.0\n      Parent isolé: {value}\n"
)


def _spec(tmp_path, text: str, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _both(path) -> tuple[str, str]:
    with pytest.raises(ModelError) as info:
        load_model(path)
    return info.value.render("en"), info.value.render("fr")


def test_decimal_comma_in_both_languages(tmp_path):
    en, fr = _both(_spec(tmp_path, HEAD + TERM.format(value="1,4")))
    assert "terms[0].odds_ratios.Parent isolé: must be a number, got '1,4'" in en
    assert "(a decimal comma? write 1.4 with a point)" in en
    assert "terms[0].odds_ratios.Parent isolé : doit être un nombre, reçu '1,4'" in fr
    assert "(une virgule décimale ? écrivez 1.4 avec un point)" in fr
    assert fr.startswith("Description de modèle invalide dans ")
    assert "Fix the spec" not in fr and "must be" not in fr


def test_unknown_key_and_missing_key(tmp_path):
    en, fr = _both(_spec(tmp_path, "colour: red\n" + HEAD + TERM.format(value="1.4")))
    assert "(top level): unknown key(s) 'colour'; allowed keys here: name," in en
    assert "(niveau principal) : clé(s) inconnue(s) 'colour' ; clés permises ici : name," in fr
    text = "link: logistic\n" + TERM.format(value="1.4")
    en, fr = _both(_spec(tmp_path, text, "noname.yaml"))
    assert "name: required key is missing" in en
    assert "name : clé obligatoire manquante" in fr


def test_cross_field_errors_keep_their_sub_path():
    spec = {
        "name": "t",
        "terms": [
            {"kind": "bins", "variable": "age", "edges": [30, 20], "coefficients": [0, 1]},
            {
                "kind": "categorical",
                "variable": "g",
                "reference": "a",
                "coefficients": {"a": 0.5, "b": 1},
            },
        ],
    }
    with pytest.raises(ModelError) as info:
        Scorecard.from_dict(spec, source="s.yaml")
    en, fr = info.value.render("en"), info.value.render("fr")
    assert "terms[0].edges: must be increasing" in en
    assert "edge 1 (20) is not above edge 0 (30)" in en
    assert "terms[0].edges : doivent être croissantes" in fr
    assert "la borne 1 (20) n’est pas au-dessus de la borne 0 (30)" in fr
    assert "terms[1].coefficients.a: the reference level must have coefficient 0" in en
    assert "terms[1].coefficients.a : le niveau de référence doit avoir le coefficient 0" in fr
    assert str(info.value) == en  # Python users read English


def test_interaction_table_levels_in_french():
    spec = {
        "name": "t",
        "terms": [
            {
                "kind": "interaction",
                "factors": [
                    {"kind": "categorical", "variable": "g", "levels": ["a", "b"]},
                    {"kind": "linear", "variable": "x"},
                ],
                "coefficients": {"a": 0, "c": 1},
            }
        ],
    }
    with pytest.raises(ModelError) as info:
        Scorecard.from_dict(spec)
    fr = info.value.render("fr")
    assert "terms[0].coefficients : niveau(x) manquant(s) 'b' ; niveau(x) 'c' absent(s)" in fr
    assert "donnez une entrée par niveau" in fr


def test_spec_file_errors_name_file_and_line(tmp_path):
    dup = _spec(tmp_path, "name: a\nname: b\nterms: []\n", "dup.yaml")
    en, fr = _both(dup)
    assert en == (
        f"{dup}, line 2: duplicate key 'name' (first at line 1); YAML would silently keep only "
        "the last one. List each key once."
    )
    assert fr.startswith(f"{dup}, ligne 2 : clé 'name' en double (première fois ligne 1)")
    bad = _spec(tmp_path, '{"name": "m",}', "bad.json")
    en, fr = _both(bad)
    assert "is not valid JSON:" in en and "at line 1, column 14." in en
    assert "n’est pas du JSON valide" in fr and "à la ligne 1, colonne 14." in fr
    tag = _spec(tmp_path, "name: !!python/object:os.system x\n", "tag.yaml")
    with pytest.raises(UnsafeFileError) as info:
        load_model(tag)
    assert f"{tag}, ligne 1 :" in info.value.render("fr")
    assert "retirez l’étiquette" in info.value.render("fr")


def test_model_check_on_the_command_line_in_french(tmp_path, capsys):
    path = _spec(tmp_path, HEAD + TERM.format(value="1,4"))
    assert main(["model", "check", str(path), "--lang", "fr"]) == 2
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert text.startswith("Erreur : Description de modèle invalide")
    assert "écrivez 1.4 avec un point" in text and "Traceback" not in text
    assert "must be a number" not in text
