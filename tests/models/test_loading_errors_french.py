"""Model-file errors in French and English: the refusal of a pickle names the fix in the
form of each front end (keyword argument, command-line option)."""

from __future__ import annotations

import pytest

from scoreaudit.errors import ModelError, UnsafeFileError
from scoreaudit.models.loading import load_model


def test_pickle_refused_in_both_languages(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(b"not read")
    with pytest.raises(UnsafeFileError) as info:
        load_model(path)
    exc = info.value
    assert str(exc).startswith(f"Refusing to load {path}: .pkl files are Python pickles")
    assert str(exc).endswith("fully trust its author, pass allow_pickle=True.")
    assert exc.cli_message.endswith("fully trust its author, pass --trust-pickle.")
    fr = exc.render("fr", cli=True)
    assert fr.startswith(f"Chargement de {path} refusé : les fichiers .pkl sont des « pickles »")
    assert fr.endswith("faites entièrement confiance à son auteur, passez --trust-pickle.")


def test_missing_and_unknown_model_files_in_french(tmp_path):
    with pytest.raises(ModelError) as missing:
        load_model(tmp_path / "absent.yaml")
    assert missing.value.render("fr").startswith(
        f"Le fichier de modèle « {tmp_path / 'absent.yaml'} » n’existe pas"
    )
    odd = tmp_path / "m.txt"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(ModelError) as unknown:
        load_model(odd)
    assert "extension '.txt' non prise en charge" in unknown.value.render("fr")
    assert "unsupported extension '.txt'" in str(unknown.value)
