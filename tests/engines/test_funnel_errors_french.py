"""Errors of a funnel table in French: the group, stage, rows and rounding named in the
language of the message (English unchanged)."""

from __future__ import annotations

import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.errors import DataError

PUB = pd.DataFrame({"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2, "n": [20, 30, 100, 10]})


def test_stage_larger_than_base_in_french_and_english():
    with pytest.raises(DataError) as info:
        sa.audit_funnel(PUB, "g", "stage", "n", [("hit", "hit", "all")], rounding=10)
    assert str(info.value) == (
        "Step 'hit': stage 'hit' has more files than its base stage 'all' for group 'a' "
        "(rows 1 and 0): 30 > 20, beyond what rounding to 10 allows. A stage must be a "
        "subset of its base."
    )
    assert info.value.render("fr") == (
        "Étape « hit » : l’étape « hit » a plus de dossiers que son étape de base « all » "
        "pour le groupe « a » (lignes 1 et 0) : 30 > 20, au-delà de ce que l’arrondi à 10 "
        "permet. Une étape doit être un sous-ensemble de sa base."
    )


def test_group_missing_from_a_stage_in_french():
    with pytest.raises(DataError) as info:
        sa.audit_funnel(PUB.drop(index=3), "g", "stage", "n", [("hit", "hit", "all")])
    fr = info.value.render("fr")
    assert fr.startswith("Le groupe « b » manque à l’étape « hit » : aucune ligne ne donne")
    assert "(il a des lignes, p. ex. ligne de données 2 (en comptant de 0) (étape « all »" in fr
    assert str(info.value).startswith("Group 'b' is missing from stage 'hit': no row gives")


def test_bad_steps_in_french():
    with pytest.raises(DataError) as info:
        sa.audit_funnel(PUB, "g", "stage", "n", [("hit", "all")])
    assert info.value.render("fr") == (
        "steps[0] = ('hit', 'all') doit être un triplet (nom, étape, étape de base)."
    )
