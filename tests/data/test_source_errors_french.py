"""Errors of data read where it lives (a DuckDB table) in French and English, from the CLI:
they name the column and the table, exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scoreaudit.cli import main
from scoreaudit.data.sources import parse_duckdb_address
from scoreaudit.errors import DataError

DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"


pytestmark = pytest.mark.usefixtures("wide_terminal")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "base.duckdb"
    frame = pd.read_csv(DATA / "c2sg_sample.csv").head(300)
    con = duckdb.connect(str(path))
    con.register("frame", frame)
    con.execute("CREATE TABLE files AS SELECT * FROM frame")
    con.close()
    return path


@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        ("fr", "Erreur : Colonne « genre » introuvable dans « duckdb:", "not found"),
        ("en", "Error: Column 'genre' not found in 'duckdb:", "introuvable"),
    ],
)
def test_missing_column_in_a_duckdb_table(base, tmp_path, capsys, lang, expected, absent):
    args = ["audit", "--model", "c2sg-reconstruction", "--data", f"duckdb:{base}::files"]
    code = main([*args, "--protected", "genre", "--lang", lang, "--out", str(tmp_path / "r")])
    assert code == 2
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert expected in text, text
    assert absent not in text and "Traceback" not in text
    assert "family_status" in text  # the columns available are listed
    assert not (tmp_path / "r").exists()


def test_bad_duckdb_address_in_both_languages():
    with pytest.raises(DataError) as info:
        parse_duckdb_address("duckdb:base.duckdb")
    assert str(info.value) == "'duckdb:base.duckdb': write a DuckDB table as duckdb:PATH::TABLE."
    assert info.value.render("fr") == (
        "« duckdb:base.duckdb » : écrivez une table DuckDB sous la forme duckdb:CHEMIN::TABLE."
    )


@pytest.mark.parametrize(
    ("levels", "english", "french"),
    [
        (
            ["man", "\u202ewoman"],
            "Protected column 'gender': group '\\u202ewoman' contains U+202E RIGHT-TO-LEFT "
            "OVERRIDE at character 1",
            "Colonne protégée 'gender' : le groupe '\\u202ewoman' contient U+202E "
            "RIGHT-TO-LEFT OVERRIDE au caractère 1",
        ),
        (
            ["man", "m\u0430n"],
            "has groups 'man' and 'm\u0430n' (50 and 50 rows) that look alike on screen",
            "a des groupes 'man' et 'm\u0430n' (50 et 50 lignes) qui se ressemblent",
        ),
    ],
)
def test_label_errors_in_both_languages(levels, english, french):
    import scoreaudit as sa

    frame = pd.DataFrame({"gender": levels * 50, "score": [0.1, 0.9] * 50})
    with pytest.raises(DataError) as info:
        sa.Population(frame, protected=["gender"])
    assert english in str(info.value), str(info.value)
    assert french in info.value.render("fr"), info.value.render("fr")
