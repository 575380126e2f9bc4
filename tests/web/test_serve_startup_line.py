"""The start-up line of ``scoreaudit serve`` is in the page's language (from the catalogue)."""

from __future__ import annotations

import pytest
import uvicorn

from scoreaudit.present.catalogue import CATALOGUE
from scoreaudit.web.server import serve


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", "(Ctrl+C pour arrêter ; les fichiers envoyés"), ("en", "(Ctrl+C to stop; files")],
)
def test_start_up_line_in_the_page_language(monkeypatch, capsys, lang, words):
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)  # return at once
    serve(open_browser=False, lang=lang)
    out = capsys.readouterr().out
    assert out.startswith("scoreaudit") and "http://127.0.0.1:" in out and words in out
    other = CATALOGUE["serve_started"]["en" if lang == "fr" else "fr"]
    assert other.split("(", 1)[1][:12] not in out
