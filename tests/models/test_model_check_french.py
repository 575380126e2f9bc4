"""``scoreaudit model check`` in French and English: every word of the summary from the
catalogue, numbers written in the language's way, an invalid spec's error in that language."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from scoreaudit.cli import main
from scoreaudit.models.check import model_check
from scoreaudit.present.catalogue import CATALOGUE


def _check(spec: str, lang: str) -> tuple[int, str]:
    out = io.StringIO()
    code = model_check(spec, console=Console(file=out, width=200), lang=lang)
    return code, out.getvalue()


def test_model_check_in_french():
    code, text = _check("c2sg-no-protected", "fr")
    assert code == 0
    first = text.splitlines()[0]
    assert first == (
        "c2sg-no-protected  version 1  lien logistique  constante \u22122,9 "
        "(probabilité de base 5,22 %)"
    )
    for key in ("mc_col_level", "mc_assumed", "mc_terms", "mc_disclosed"):  # not in the spec
        fr, en = (CATALOGUE[key][lang].replace("{n}", "4") for lang in ("fr", "en"))
        assert fr in text
        assert en not in text, key
    assert text.splitlines()[-1] == "OK : c2sg-no-protected est un modèle valide."
    assert "Lit " in text and "Reads" not in text


def test_model_check_in_english_is_unchanged():
    code, text = _check("c2sg-no-protected", "en")
    assert code == 0
    assert text.splitlines()[0] == (
        "c2sg-no-protected  version 1  link logistic  intercept -2.9 (baseline probability 5.22%)"
    )
    assert "level / bin" in text and "odds ratio" in text and "assumed:" in text


def test_invalid_spec_in_french(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nterms: [}\n", encoding="utf-8")
    code, text = _check(str(path), "fr")
    assert code == 2 and text.startswith("Invalide :")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_cli_model_check_language(capsys, lang):
    assert main(["model", "check", "c2sg-reconstruction", "--lang", lang]) == 0
    out = capsys.readouterr().out
    ok = CATALOGUE["mc_ok"][lang].format(spec="c2sg-reconstruction")
    assert ok.strip(" :") in " ".join(out.split())
