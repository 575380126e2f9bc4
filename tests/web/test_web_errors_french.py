"""Web-page errors from the catalogue: an empty workbook is refused in the page's language,
and an unknown page language is refused in both."""

from __future__ import annotations

import io
import re
import warnings

import pandas as pd
import pytest
from starlette.testclient import TestClient

from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.web.app import create_app
from scoreaudit.web.uploads import read_table

LOCAL = {"base_url": "http://127.0.0.1", "client": ("127.0.0.1", 50000)}


def _empty_workbook() -> bytes:
    buf = io.BytesIO()
    pd.DataFrame({"gender": [], "score": []}).to_excel(buf, index=False)
    return buf.getvalue()


def test_empty_workbook_in_french(tmp_path):
    path = tmp_path / "vide.xlsx"
    path.write_bytes(_empty_workbook())
    with pytest.raises(DataError) as info:
        read_table(path)
    assert str(info.value) == (
        "File 'vide.xlsx' has a header but no rows: there is nothing to audit."
    )
    assert info.value.render("fr") == (
        "Le fichier « vide.xlsx » a un en-tête mais aucune ligne : il n’y a rien à auditer."
    )


def test_empty_workbook_upload_shows_the_french_text(tmp_path):
    app = create_app(tmp_path / "work", max_upload_mb=1, lang="fr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = TestClient(app, **LOCAL)
    page = client.get("/upload/audit")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/upload/audit",
        data={"csrf_token": csrf},
        files={"file": ("vide.xlsx", _empty_workbook(), "application/octet-stream")},
    )
    text = " ".join(r.text.replace("&#39;", "'").split())
    assert "a un en-tête mais aucune ligne : il n’y a rien à auditer." in text
    assert "has a header but no rows" not in text


def test_unknown_page_language(tmp_path):
    with pytest.raises(ScoreAuditError) as info:
        create_app(tmp_path / "work", lang="de")
    assert str(info.value) == "Unknown language 'de'; use fr or en."
    assert info.value.render("fr") == "Langue inconnue 'de' ; utilisez fr ou en."
