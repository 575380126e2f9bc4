"""Usage errors that typer raises before scoreaudit reads the options (unknown option,
missing option or argument, a value of the wrong type, extra arguments): in French every line
comes from the catalogue, exit code 2, nothing written; in English typer's own text."""

from __future__ import annotations

import pytest
from helpers import cli_text as _text

from scoreaudit.cli import main

ENGLISH = ("Usage:", "Try '", "Error:", "No such option", "Missing ", "Invalid value",
           "Input should be", "Got unexpected", "requires an argument")  # fmt: skip

#: (arguments, French message expected after "Erreur :")
CASES = [
    (["audit", "--bogus"], "Option inconnue : --bogus (options possibles : --out)"),
    (["counts", "x.csv"], "Option '--group' manquante."),
    (["counts"], "Argument 'table' manquant."),
    (["audit", "--min-cell", "abc"], "Valeur invalide pour '--min-cell' : un nombre entier est"),
    (["audit", "--confidence", "0,95"], "Valeur invalide pour '--confidence' : un nombre est"),
    (["audit", "a", "b"], "Argument(s) en trop : a b"),
    (["audit", "--lang", "fr", "--out"], "L’option « --out » demande une valeur."),
]


@pytest.mark.parametrize(("args", "french"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_usage_errors_in_french(args, french, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = args if "--lang" in args else [*args, "--lang", "fr"]
    assert main(argv) == 2
    text = _text(capsys.readouterr())
    if "--out" not in args:  # (typer gives no usage line for an option without its value)
        assert text.startswith(f"Utilisation : scoreaudit {args[0]}"), text
        assert f"Pour l’aide : scoreaudit {args[0]} --help" in text
    assert f"Erreur : {french}" in text, text
    assert not [w for w in ENGLISH if w in text], text
    assert not list(tmp_path.iterdir())  # nothing written


def test_usage_errors_in_english_are_typers(capsys):
    assert main(["audit", "--bogus"]) == 2
    text = _text(capsys.readouterr())
    assert text.startswith("Usage: scoreaudit audit [OPTIONS]")
    assert "Try 'scoreaudit audit --help' for help." in text
    assert "Error: No such option: --bogus (Possible options: --out)" in text
    assert main(["audit", "--min-cell", "abc"]) == 2
    assert "Error: Invalid value for '--min-cell': Input should be" in _text(capsys.readouterr())


def test_unknown_message_is_shown_as_it_is():
    from typer._click.exceptions import UsageError

    from scoreaudit.cli.usage import usage_lines, usage_message

    exc = UsageError("Something typer says.")
    assert usage_message(exc, "fr") == "Something typer says."  # never dropped
    assert usage_lines(exc, "fr") == []  # no context: no usage line
