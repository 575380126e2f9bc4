"""Engine errors (in memory, SQL, count tables, funnels) from the catalogue: the French text,
the English ``str(exc)`` unchanged, the keyword in Python and the option on the CLI."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.engines.counts import audit_counts
from scoreaudit.errors import DataError, PolicyError


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"g": ["a", "b"] * 50, "score": np.linspace(0, 1, 100), "txt": ["x"] * 100})


def test_unknown_correction_in_memory():
    pop = sa.Population(_frame(), protected=["g"])
    with pytest.raises(DataError) as info:
        sa.audit(pop, sa.ScoreColumn("score"), correction="sidak")
    assert str(info.value) == (
        "correction must be 'holm', 'bh', 'bonferroni' or 'none', not 'sidak'."
    )
    assert info.value.render("fr") == (
        "La correction doit être 'holm', 'bh', 'bonferroni' ou 'none', pas 'sidak'."
    )


def test_text_score_column_in_the_sql_engine():
    lazy = sa.Population(duckdb.from_df(_frame()), protected=["g"])
    with pytest.raises(DataError) as info:
        sa.audit(lazy, sa.ScoreColumn("txt"))
    assert str(info.value) == (
        "Score column 'txt' in 'DuckDB relation' has type string: the engine needs numbers to "
        "rank files."
    )
    assert info.value.render("fr") == (
        "La colonne de score « txt » de « DuckDB relation » est de type string : le moteur a "
        "besoin de nombres pour classer les dossiers."
    )


def test_budget_selecting_nobody_in_the_sql_engine():
    lazy = sa.Population(duckdb.from_df(_frame()), protected=["g"])
    with pytest.raises(PolicyError) as info:
        sa.audit(lazy, sa.ScoreColumn("score"), sa.Budget(share=0.001))
    assert str(info.value) == (
        "A budget of 0.1000% selects no file in a population of 100; raise the budget."
    )
    assert info.value.render("fr").startswith(
        "Un budget de 0,1000\u202f% ne sélectionne aucun dossier dans une population de 100 ; "
    )


def test_rates_given_as_percentages_name_the_fix_of_each_front_end():
    table = pd.DataFrame(
        {
            "gender": ["woman", "man"],
            "n": [1000, 1000],
            "sel": [10.0, 20.0],
            "prec": [0.3, 0.2],
            "prev": [0.1, 0.1],
        }
    )
    with pytest.raises(DataError) as info:
        audit_counts(
            table, "gender", n="n", selection_rate="sel", precision="prec", prevalence="prev",
            percent=False,
        )  # fmt: skip
    exc = info.value
    assert str(exc) == (
        "Rate column 'sel' (selection_rate) must hold a fraction (0-1); value 10.0 at row "
        "position 0 is not. Pass percent=True for percentages."
    )
    assert exc.render("fr") == (
        "La colonne de taux « sel » (selection_rate) doit contenir une fraction (0-1) ; la "
        "valeur 10.0 à la ligne de données 0 (en comptant de 0) n’en est pas une. Passez "
        "percent=True pour des pourcentages."
    )
    assert exc.render("fr", cli=True).endswith("Retirez --fractions pour des pourcentages.")


def test_funnel_without_a_group_column():
    table = pd.DataFrame({"o": ["a"], "stage": ["s"], "n": [1]})
    with pytest.raises(DataError) as info:
        sa.audit_funnel(table, [], "stage", "n", [("p", "s", "s")])
    exc = info.value
    assert str(exc) == "Give at least one group column (group=...)."
    assert exc.render("fr") == "Donnez au moins une colonne de groupe (group=...)."
    assert exc.render("fr", cli=True) == "Donnez au moins une colonne de groupe (--group ...)."


def test_scorecard_level_missing_from_the_spec_in_the_sql_engine():
    from scoreaudit.errors import ModelError
    from scoreaudit.models.scorecard import Scorecard

    term = {
        "kind": "categorical",
        "variable": "fam",
        "reference": "alone",
        "coefficients": {"alone": 0.0, "couple": 0.5},
    }
    card = Scorecard.from_dict({"name": "t", "link": "logistic", "intercept": 0.0, "terms": [term]})
    frame = pd.DataFrame({"g": ["a", "b"] * 50, "fam": ["alone", "couple", "other", "alone"] * 25})
    with pytest.raises(ModelError) as info:
        sa.audit(sa.Population(duckdb.from_df(frame), protected=["g"]), card)
    assert str(info.value) == (
        "Column 'fam' in 'DuckDB relation' has missing or unlisted value(s) that model 't' "
        "cannot score: 'other' (25 rows). Levels in the spec: 'alone', 'couple'. Fix, recode "
        "or drop those rows."
    )
    assert info.value.render("fr") == (
        "La colonne « fam » de « DuckDB relation » a des valeurs manquantes ou non listées que "
        "le modèle « t » ne peut pas noter : 'other' (25 lignes). Niveaux de la spécification : "
        "'alone', 'couple'. Corrigez, recodez ou supprimez ces lignes."
    )
