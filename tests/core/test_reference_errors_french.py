"""Reference-group errors from the catalogue: French text, English unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.errors import DataError


def _audit(reference):
    frame = pd.DataFrame({"g": ["a", "b"] * 50, "score": np.linspace(0, 1, 100)})
    pop = sa.Population(frame, protected=["g"])
    return sa.audit(pop, sa.ScoreColumn("score"), reference=reference)


def test_reference_naming_an_attribute_not_audited():
    with pytest.raises(DataError) as info:
        _audit({"h": "a"})
    assert str(info.value) == (
        "reference names 'h', which is not an audited attribute or intersection. Audited: g."
    )
    assert info.value.render("fr") == (
        "La référence nomme « h », qui n’est ni un attribut audité ni une intersection. "
        "Audités : g."
    )


def test_reference_group_not_in_the_data():
    with pytest.raises(DataError) as info:
        _audit({"g": "c"})
    assert str(info.value) == (
        "Reference group 'c' for 'g' does not exist in the data. Groups: 'a', 'b'."
    )
    assert info.value.render("fr") == (
        "Le groupe de référence « c » pour « g » n’existe pas dans les données. Groupes : 'a', 'b'."
    )
