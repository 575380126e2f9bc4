"""An input that lacks a column gets an error listing the columns it has, the same way at
every entry point: the first 30, then " ..." when there are more, in English and French."""

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
