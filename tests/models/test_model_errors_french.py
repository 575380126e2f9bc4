"""Model errors from the catalogue: the French text (no English sentence left), the English
``str(exc)`` unchanged, and the fix in each front end's form (keyword or command-line option)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoreaudit.cli import main
from scoreaudit.errors import ModelError, Part
from scoreaudit.models.base import check_features, validate_scores
from scoreaudit.models.scorecard import Scorecard
from scoreaudit.models.shipped import spec_path
from scoreaudit.models.sklearn import SklearnModel

DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"


def test_three_class_estimator_names_the_keyword_in_python_and_the_option_on_the_cli():
    from sklearn.linear_model import LogisticRegression

    frame = pd.DataFrame({"a": [0, 1, 2, 3, 4, 5], "b": [1, 0, 1, 0, 1, 0]})
    with pytest.raises(ModelError) as info:
        SklearnModel(LogisticRegression().fit(frame, [0, 1, 2, 0, 1, 2]))
    exc = info.value
    assert str(exc) == (
        "LogisticRegression has 3 classes [0, 1, 2]; pass positive_class= naming the class "
        "whose probability is the score."
    )
    assert exc.render("fr") == (
        "LogisticRegression a 3 classes [0, 1, 2] ; passez positive_class= avec la classe "
        "dont la probabilité est le score."
    )
    fr_cli = exc.render("fr", cli=True)
    assert fr_cli.endswith("comme colonne et donnez-la avec --score-column.")
    assert "positive_class" not in fr_cli and "positive_class" not in exc.cli_message


def test_non_finite_scores_name_each_kind_in_the_language_of_the_message():
    with pytest.raises(ModelError) as info:
        validate_scores([1.0, np.nan, np.inf, np.nan], 4, Part("err_model_named", name="m"))
    exc = info.value
    assert str(exc) == (
        "Model 'm' gave 2 missing (NaN) and 1 infinite score(s), first at row position 1. "
        "Every file needs a finite score: fix or drop these rows before auditing."
    )
    assert exc.render("fr") == (
        "Le modèle « m » a donné des scores non finis : 2 manquant(s) (NaN) et 1 infini(s), "
        "le premier à la ligne de données 1 (en comptant de 0). Chaque dossier doit avoir un "
        "score fini : corrigez ou supprimez ces lignes avant l’audit."
    )


def test_missing_model_columns_in_french():
    class Model:
        name = "risk"
        features = ["age", "rent"]

    with pytest.raises(ModelError) as info:
        check_features(Model(), pd.DataFrame({"age": [1], "income": [2]}))
    exc = info.value
    assert str(exc) == (
        "Model 'risk' needs column(s) 'rent', which the data lacks. Available columns: age, "
        "income. Use a model built for this population, or add the missing columns."
    )
    assert exc.render("fr") == (
        "Le modèle « risk » a besoin de la (des) colonne(s) 'rent', absente(s) des données. "
        "Colonnes disponibles : age, income. Utilisez un modèle fait pour cette population, "
        "ou ajoutez les colonnes manquantes."
    )


def test_unknown_levels_list_the_values_and_rows_in_french():
    card = Scorecard.from_dict(
        {
            "name": "t",
            "link": "logistic",
            "intercept": 0.0,
            "terms": [
                {
                    "kind": "categorical",
                    "variable": "gender",
                    "reference": "man",
                    "coefficients": {"man": 0.0, "woman": 0.5},
                }
            ],
        }
    )
    frame = pd.DataFrame({"gender": ["man", "x", "y", "x", "z", "v", "w", "u"]})
    with pytest.raises(ModelError) as info:
        card.score(frame)
    exc = info.value
    assert str(exc).startswith(
        "Column 'gender' has value(s) that model 't' (terms[0], 'gender') does not list: "
        "'x' (2 rows), 'y' (1 rows), 'z' (1 rows), 'v' (1 rows), 'w' (1 rows) and 1 more, "
        "in 7 of 8 rows. Levels in the spec: 'man', 'woman'."
    )
    fr = exc.render("fr")
    assert fr.startswith(
        "La colonne « gender » a des valeurs que le modèle « t » (terms[0], 'gender') ne liste "
        "pas : 'x' (2 lignes), 'y' (1 lignes), 'z' (1 lignes), 'v' (1 lignes), 'w' (1 lignes) "
        "et 1 autres, dans 7 lignes sur 8. Niveaux de la spécification : 'man', 'woman'."
    )
    assert "rows" not in fr and "more" not in fr


def test_unknown_shipped_model_suggests_the_close_name():
    with pytest.raises(ModelError) as info:
        spec_path("c2sg-reconstructio")
    exc = info.value
    assert str(exc).startswith(
        "No shipped model named 'c2sg-reconstructio'. Did you mean 'c2sg-reconstruction'? "
        "Shipped models: "
    )
    assert exc.render("fr").startswith(
        "Aucun modèle fourni ne s’appelle « c2sg-reconstructio ». Vouliez-vous dire "
        "« c2sg-reconstruction » ? Modèles fournis : "
    )


def test_unknown_shipped_model_on_the_cli_in_french(tmp_path, capsys):
    args = ["audit", "--model", "c2sg-reconstructio", "--data", str(DATA / "c2sg_sample.csv")]
    assert main([*args, "--lang", "fr", "--out", str(tmp_path / "r")]) == 2
    out = capsys.readouterr()
    captured = " ".join((out.out + out.err).split())
    assert captured.startswith("Erreur : Aucun modèle fourni ne s’appelle « c2sg-reconstructio »")
    assert "Vouliez-vous dire « c2sg-reconstruction » ?" in captured
    assert "Did you mean" not in captured and "Shipped models" not in captured
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("scores", "bad"),
    [
        ([1e308, 1e308, -1.0], None),  # finite scores whose sum overflows: accepted
        ([-1e308, -1e308, 5.0], None),
        ([np.inf, -np.inf, 0.0], "2 infinite"),  # their sum is NaN
        ([0.5, -np.inf], "1 infinite"),
        ([np.nan], "1 missing"),
        ([], None),
    ],
)
def test_finite_check_of_scores_known_answers(scores, bad):
    source = Part("err_model_named", name="m")
    if bad is None:
        out = validate_scores(scores, len(scores), source)
        assert out.dtype == np.float64 and out.tolist() == [float(s) for s in scores]
    else:
        with pytest.raises(ModelError, match=bad):
            validate_scores(scores, len(scores), source)
