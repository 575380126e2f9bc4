"""The explanation's sentences name groups as the findings do, "(rest)" included."""

from __future__ import annotations

import pandas as pd
import pytest

from scoreaudit.present.explanation import explanation_sentences


class _Published:
    config = {"confidence": 0.95}
    disparities = pd.DataFrame({"attribute": ["gender"], "group": ["woman"]})

    def __init__(self, reference: str) -> None:
        frame = pd.DataFrame(
            {
                "input": ["gender"],
                "attribute": "gender",
                "group": "woman",
                "reference": reference,
                "ratio_before": 4.0,
                "ratio_after": [1.5],
                "ratio_after_low": [1.2],
                "ratio_after_high": [1.9],
                "after_covers_1": False,
            }
        )
        self.explanation = type("E", (), {"neutralisation": frame})()


@pytest.mark.parametrize(
    ("lang", "reference", "words"),
    [
        ("en", "(rest)", "as often as files of everyone else ("),
        ("fr", "(rest)", "souvent que ceux de toutes les autres personnes ("),
        ("en", "man", "as often as files of men ("),
    ],
)
def test_reference_is_named_as_in_the_findings(lang, reference, words):
    sentences, summary = explanation_sentences(_Published(reference), lang)
    assert words in sentences[0]
    assert "(rest)" not in sentences[0] + summary[0]
