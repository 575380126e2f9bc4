"""Publication-gate errors from the catalogue: French text, English unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.errors import ScoreAuditError
from scoreaudit.gate.publish import publish


@pytest.fixture(scope="module")
def result():
    frame = pd.DataFrame({"g": ["a", "b"] * 50, "score": np.linspace(0, 1, 100)})
    return sa.audit(sa.Population(frame, protected=["g"]), sa.ScoreColumn("score"))


def test_keeping_an_unknown_group(result):
    with pytest.raises(ScoreAuditError) as info:
        result.published(keep=["c=x"])
    assert str(info.value) == (
        "--keep 'c=x': no such group (give a group label, or attribute=label)."
    )
    assert info.value.render("fr") == (
        "--keep « c=x » : aucun groupe de ce nom (donnez une modalité de groupe, ou "
        "attribut=modalité)."
    )


def test_unsuppressed_publication_of_real_data(result):
    with pytest.raises(ScoreAuditError) as info:
        publish(result, allow_unsuppressed=True)
    assert str(info.value).startswith(
        "Publishing without suppression is only allowed for synthetic data (it describes nobody)"
    )
    assert info.value.render("fr") == (
        "Publier sans masquage n’est permis que pour des données synthétiques (elles ne "
        "décrivent personne) ; ces données ne sont pas marquées comme synthétiques."
    )
