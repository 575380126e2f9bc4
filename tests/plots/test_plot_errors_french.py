"""Errors of the plots come from the catalogue: French with ``render("fr")``, English
``str(exc)`` unchanged."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit import plots
from scoreaudit.errors import DataError
from scoreaudit.plots.save import save_figure


@pytest.fixture(scope="module")
def res():
    rng = np.random.default_rng(0)
    n = 3000
    f = pd.DataFrame(
        {
            "gender": rng.choice(["woman", "man"], n),
            "family_status": rng.choice(["alone", "couple"], n),
            "score": rng.random(n),
        }
    )
    pop = sa.Population(f, protected=["gender", "family_status"])
    return sa.audit(pop, "score", sa.Budget(share=0.05), reference={"gender": "man"})


def test_unknown_attribute_in_french(res):
    with pytest.raises(DataError) as err:
        plots.score_ecdf(res, attribute="age")
    assert str(err.value) == (
        "Unknown attribute 'age': it is not in this audit. "
        "Available: 'gender', 'family_status', 'gender × family_status'."
    )
    assert err.value.render("fr") == (
        "Attribut « age » inconnu : il ne fait pas partie de cet audit. "
        "Disponibles : 'gender', 'family_status', 'gender × family_status'."
    )


def test_heatmap_and_lang_errors_in_french(res):
    with pytest.raises(DataError) as err:
        plots.intersection_heatmap(res, "gender", "gender")
    assert str(err.value) == "rows and cols must be two different attributes, not 'gender' twice."
    assert err.value.render("fr") == (
        "rows et cols doivent être deux attributs différents, pas deux fois « gender »."
    )
    with pytest.raises(DataError) as err:
        plots.score_ecdf(res, lang="de")
    assert str(err.value) == "lang must be one of 'en', 'fr', not 'de'."
    assert err.value.render("fr") == "lang doit valoir l’une des langues 'en', 'fr', pas 'de'."


def test_precision_without_labels_and_save_in_french(res):
    with pytest.raises(DataError) as err:
        plots.precision_fpr(res)
    assert str(err.value).startswith(
        "precision_fpr needs control outcomes: this audit has no labels."
    )
    assert err.value.render("fr").startswith(
        "precision_fpr a besoin des résultats des contrôles : cet audit n’a pas d’étiquettes."
    )
    with pytest.raises(DataError) as err:
        save_figure("not a figure", "x")
    assert str(err.value) == "save_figure needs a matplotlib Figure, not str."
    assert err.value.render("fr") == "save_figure a besoin d’une Figure matplotlib, pas d’un str."
