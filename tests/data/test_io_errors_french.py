"""File-reading and column errors from the catalogue: French text, English unchanged."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.data.io import read_data, read_xlsx
from scoreaudit.errors import DataError


def test_csv_value_too_long(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text('a,b\n1,"' + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_data(path)
    exc = info.value
    assert str(exc) == (
        f"Cannot parse CSV file {str(path)!r} at line 2: field larger than field limit "
        "(131072). A value that long is not a label or a number: check for a quote that is "
        "never closed, or whether this is the right file."
    )
    assert exc.render("fr") == (
        f"Impossible d’analyser le fichier CSV « {path} » à la ligne 2 : field larger than "
        "field limit (131072). Une valeur aussi longue n’est ni une modalité ni un nombre : "
        "cherchez un guillemet jamais fermé, ou vérifiez que c’est le bon fichier."
    )


def test_unreadable_workbook(tmp_path):
    path = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "x")
    with pytest.raises(DataError) as info:
        read_xlsx(path, shown="bad.xlsx")
    exc = info.value
    assert str(exc).startswith("Cannot read the Excel workbook 'bad.xlsx': ")
    assert str(exc).endswith(". Save the sheet as CSV UTF-8.")
    assert exc.render("fr").startswith("Impossible de lire le classeur Excel « bad.xlsx » : ")
    assert exc.render("fr").endswith(". Enregistrez la feuille en CSV UTF-8.")


def test_nested_protected_column_names_its_role_in_french():
    frame = pd.DataFrame({"g": [["a"], ["b"]] * 50, "score": np.linspace(0, 1, 100)})
    with pytest.raises(DataError) as info:
        sa.Population(frame, protected=["g"])
    exc = info.value
    assert str(exc) == (
        "Column 'g', used as a protected attribute, holds lists of values (a Parquet list "
        "column), not one value per row. Flatten it into plain columns (one value per row) "
        "before auditing, or use another column."
    )
    assert exc.render("fr") == (
        "La colonne « g », utilisée comme attribut protégé, contient des listes de valeurs "
        "(une colonne Parquet list), pas une valeur par ligne. Aplatissez-la en colonnes "
        "simples (une valeur par ligne) avant l’audit, ou utilisez une autre colonne."
    )
