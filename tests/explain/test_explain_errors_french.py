"""Errors of scoreaudit.explain come from the catalogue: French with ``render("fr")``, English
``str(exc)`` unchanged, words inside the message (an input set, "no listed features", an
attribute) translated too."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.errors import DataError
from scoreaudit.explain import counterfactual, explain, score_personas
from scoreaudit.models import Scorecard

CARD = {
    "name": "planted",
    "intercept": -2.0,
    "terms": [{"kind": "linear", "variable": "kids", "coefficient": 1.0}],
}


@pytest.fixture(scope="module")
def population() -> sa.Population:
    rng = np.random.default_rng(0)
    gender = rng.choice(["man", "woman"], 2000)
    frame = pd.DataFrame({"gender": gender, "kids": (gender == "woman") * rng.integers(0, 3, 2000)})
    return sa.Population(frame, protected=["gender"])


@pytest.fixture(scope="module")
def result(population):
    card = Scorecard.from_dict(CARD)
    return sa.audit(
        population, card, sa.Budget(share=0.1), reference={"gender": "man"}, threshold_free=False
    )


def test_unknown_input_in_a_named_set_in_french(result):
    with pytest.raises(DataError) as err:
        explain(result, inputs={"x": ["kids", "nope"]})
    assert str(err.value) == (
        "Unknown input 'nope' (in input set 'x'): it is not a column of the population. "
        "The model reads: kids."
    )
    assert err.value.render("fr") == (
        "Entrée « nope » inconnue (dans le groupe d’entrées « x ») : ce n’est pas une colonne "
        "de la population. Le modèle lit : kids."
    )


def test_bad_method_and_repeats_in_french(result):
    with pytest.raises(DataError) as err:
        explain(result, neutralise="drop")
    assert str(err.value) == "neutralise must be one of 'permute', 'marginal', 'fixed', not 'drop'."
    assert err.value.render("fr") == (
        "neutralise doit valoir l’une des méthodes 'permute', 'marginal', 'fixed', pas 'drop'."
    )
    with pytest.raises(DataError) as err:
        explain(result, n_repeats=0)
    assert str(err.value) == "n_repeats must be a whole number >= 1, not 0."
    assert err.value.render("fr") == "n_repeats doit être un nombre entier >= 1, pas 0."


def test_counterfactual_errors_in_french(population):
    card = Scorecard.from_dict(CARD)
    with pytest.raises(DataError) as err:
        counterfactual(population, card, attribute="sex")
    assert str(err.value) == (
        "attribute 'sex' is not a column of the population. Protected attributes: gender."
    )
    assert err.value.render("fr") == (
        "L’attribut « sex » n’est pas une colonne de la population. Attributs protégés : gender."
    )
    with pytest.raises(DataError) as err:
        counterfactual(population, card, attribute="gender", sample=1.5)
    assert err.value.render("fr") == "Une part d’échantillon doit être dans (0, 1], pas 1.5."


def test_persona_errors_in_french(population):
    card = Scorecard.from_dict(CARD)
    with pytest.raises(DataError) as err:
        score_personas([{"kids": 2}], population, card)
    assert str(err.value) == "Persona #1 has no 'name': give every persona a name."
    assert err.value.render("fr") == (
        "La persona n° 1 n’a pas de 'name' : donnez un nom à chaque persona."
    )
    with pytest.raises(DataError) as err:
        score_personas([{"name": "anna"}], population, card)
    assert str(err.value) == (
        "Persona 'anna' lacks 'kids', required by model 'planted' (its inputs: kids)."
    )
    assert err.value.render("fr") == (
        "Il manque à la persona « anna » 'kids', requis par le modèle « planted » "
        "(ses entrées : kids)."
    )
