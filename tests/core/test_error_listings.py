"""Errors that list what the input holds: the columns of a table that lacks one (the first 30,
then " ..." when there are more) and the values of a column (the first 20, then " ..."), the
same way at every entry point, in English and French."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.errors import DataError, ModelError

WIDE = pd.DataFrame(
    {f"c{i:02d}": ["a", "b"] * 2 for i in range(35)}
    | {"gender": ["woman", "man"] * 2, "selection_method": ["random"] * 4}
    | {"result": ["no error"] * 4, "score": np.linspace(0.1, 0.4, 4)}
)
FIRST_30 = ", ".join(f"c{i:02d}" for i in range(30))


def _errors():
    with pytest.raises(DataError) as protected:
        sa.Population(WIDE, protected=["sex"])
    with pytest.raises(ModelError) as score:
        sa.models.ScoreColumn("risk").score(WIDE)
    with pytest.raises(DataError) as weight:
        sa.ControlLog(WIDE, protected=["gender"], weight="n")
    return {"protected": protected.value, "score": score.value, "weight": weight.value}


@pytest.mark.parametrize("where", ["protected", "score", "weight"])
def test_lists_the_first_30_columns_then_says_there_are_more(where):
    exc = _errors()[where]
    en, fr = str(exc), exc.render("fr")
    assert f"Available columns: {FIRST_30} ...." in en
    assert f"Colonnes disponibles : {FIRST_30} ...." in fr
    assert "c30" not in en and "gender" not in en


def test_a_narrow_table_is_listed_whole_without_dots():
    frame = WIDE[["gender", "score"]]
    with pytest.raises(ModelError) as exc:
        sa.models.ScoreColumn("risk").score(frame)
    assert str(exc.value) == (
        "Score column 'risk' is not in the data. Available columns: gender, score."
    )
    assert exc.value.render("fr") == (
        "La colonne de score « risk » n’est pas dans les données. "
        "Colonnes disponibles : gender, score."
    )


def test_values_listed_in_an_error_say_when_there_are_more():
    # 25 selection methods, none of them "random": the hint lists the first 20, then " ..."
    frame = pd.DataFrame(
        {
            "gender": ["woman", "man"] * 25,
            "selection_method": [f"m{i:02d}" for i in range(25)] * 2,
            "result": ["no error"] * 50,
        }
    )
    with pytest.raises(DataError) as exc:
        sa.ControlLog(frame, protected=["gender"])
    first_20 = ", ".join(repr(f"m{i:02d}") for i in range(20))
    assert f"{first_20} ..." in str(exc.value)
    assert f"{first_20} ..." in exc.value.render("fr")
    assert "'m20'" not in str(exc.value)


def test_quoted_lists_everything_up_to_the_limit():
    from scoreaudit.errors import quoted

    assert quoted(["a", "b"], limit=2) == "'a', 'b'"
    assert quoted(["a", "b", "c"], limit=2) == "'a', 'b' ..."
    assert quoted([]) == ""
