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


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    from scoreaudit.cli import terminal

    for con in (terminal.console, terminal.err_console):
        monkeypatch.setattr(con, "_width", 250)


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
