"""Budget, threshold and tie errors from the catalogue: French text, English unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.errors import PolicyError
from scoreaudit.selection.ties import allocate


def _population() -> sa.Population:
    frame = pd.DataFrame({"g": ["a", "b"] * 50, "score": np.linspace(0, 1, 100)})
    return sa.Population(frame, protected=["g"])


def test_budget_share_out_of_range():
    with pytest.raises(PolicyError) as info:
        sa.Budget(share=1.5)
    assert str(info.value) == "Budget share must be in (0, 1] (e.g. 0.05 for 5%), not 1.5."
    assert info.value.render("fr") == (
        "La part du budget doit être dans ]0, 1] (p. ex. 0.05 pour 5 %), pas 1.5."
    )


def test_budget_count_larger_than_the_population():
    with pytest.raises(PolicyError) as info:
        sa.audit(_population(), sa.ScoreColumn("score"), sa.Budget(count=500))
    assert str(info.value) == "Budget count 500 exceeds the population size 100."
    assert info.value.render("fr") == (
        "Le budget de 500 dossiers dépasse la taille de la population (100)."
    )


def test_threshold_above_every_score():
    with pytest.raises(PolicyError) as info:
        sa.audit(_population(), sa.ScoreColumn("score"), sa.Threshold(2.0))
    assert str(info.value) == "No score reaches the threshold 2.0; the highest score is 1."
    assert info.value.render("fr") == (
        "Aucun score n’atteint le seuil 2,0 ; le score le plus élevé est 1."
    )


def test_unknown_tie_allocation():
    with pytest.raises(PolicyError) as info:
        allocate(np.array([2, 3]), 1, method="first")
    assert str(info.value) == "Unknown tie allocation 'first': 'proportional' or 'random'."
    assert info.value.render("fr") == (
        "Répartition des égalités inconnue 'first' : 'proportional' ou 'random'."
    )
