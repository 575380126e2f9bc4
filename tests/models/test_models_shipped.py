"""Shipped reconstruction specs: load, read only contract columns, score known rows; model check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoreaudit.cli import main
from scoreaudit.models import shipped as examples
from scoreaudit.models.check import model_check

CONTRACT = {
    "household_id",
    "gender",
    "age",
    "age_band",
    "family_status",
    "household_size",
    "n_children",
    "n_minors",
    "oldest_child_age",
    "child_19_plus",
    "income",
    "income_ceiling",
    "income_to_ceiling",
    "recent_household_change",
    "separated_recently",
    "activity_status",
    "receives_rsa",
    "rent_to_income",
    "income_unstable",
}


@pytest.fixture
def frame() -> pd.DataFrame:
    """Four hand-built households with the columns of the synthetic C2SG population."""
    cat = pd.Categorical
    return pd.DataFrame(
        {
            "household_id": [1, 2, 3, 4],
            "gender": cat(["woman", "man", "woman", "man"], categories=["woman", "man"]),
            "age": [34, 22, 25, 61],
            "age_band": cat(["25-34", "18-24", "25-34", "55-64"]),
            "family_status": cat(
                ["single_parent", "alone", "couple_with_children", "couple_no_child"]
            ),
            "household_size": [3, 1, 4, 2],
            "n_children": [2, 0, 2, 1],
            "n_minors": [2, 0, 1, 0],
            "oldest_child_age": [9.0, np.nan, 12.0, 20.0],
            "child_19_plus": [0, 0, 0, 1],
            "income": [10_000.0, 4_000.0, 15_000.0, 13_000.0],
            "income_ceiling": [17_494.0, 9_719.0, 20_410.0, 14_579.0],
            "income_to_ceiling": [0.95, 0.41, 0.73, 0.89],
            "recent_household_change": [1, 0, 0, 0],
            "separated_recently": [1, 0, 0, 0],
            "activity_status": cat(["unemployed", "student", "employed", "retired"]),
            "receives_rsa": [1, 0, 0, 0],
            "rent_to_income": [0.55, 0.2, 0.31, 0.1],
            "income_unstable": [1, 0, 0, 1],
        }
    )


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


L = math.log


def test_shipped_specs_read_only_contract_columns_and_not_oldest_child_age():
    for name in examples.list_models():
        m = examples.model(name)
        assert set(m.features) <= CONTRACT, name
        assert "oldest_child_age" not in m.features
        assert "ASSUMPTION" in m.description
        assert m.spec.sources, name
        assert any(getattr(s, "assumed", None) for s in m.spec.sources), name
        assert all(t.note and "assumed" in t.note for t in m.spec.terms), name


def test_c2sg_reconstruction_known_rows(frame):
    m = examples.model("c2sg-reconstruction")
    s = m.score(frame)
    # Row 0: woman, 34 (> 25), 2 minors (mother), ratio 0.95, single parent, recent change.
    eta0 = -3.2 + L(1.3) + L(1.25) + L(1.4) + L(1.2) + L(1.6) + L(1.25) + L(1.3)
    # Row 1: man, 22, no minor, ratio 0.41, alone, no change: intercept only.
    # Row 2: woman, exactly 25 (not over 25), 1 minor, ratio 0.73, couple with children.
    eta2 = -3.2 + L(1.3) + L(1.4) + L(1.2) + L(1.3)
    # Row 3: man, 61, no minor, ratio 0.89, couple without child.
    eta3 = -3.2 + L(1.25) + L(1.3)
    np.testing.assert_allclose(
        s, [expit(eta0), expit(-3.2), expit(eta2), expit(eta3)], rtol=0, atol=1e-14
    )
    contrib = m.contributions(frame)
    assert np.max(np.abs(contrib.sum(axis=1) - m.linear_predictor(frame))) < 1e-12


def test_c2sg_no_protected_ignores_gender_and_age(frame):
    m = examples.model("c2sg-no-protected")
    assert "gender" not in m.features and "age" not in m.features
    flipped = frame.assign(
        gender=frame["gender"].map({"woman": "man", "man": "woman"}), age=frame["age"] + 30
    )
    np.testing.assert_array_equal(m.score(frame), m.score(flipped))
    eta0 = -2.9 + L(1.4) + L(1.6) + L(1.25) + L(1.3)
    assert m.score(frame)[0] == pytest.approx(expit(eta0), abs=1e-14)


def test_cnaf_reconstruction_known_rows(frame):
    m = examples.model("cnaf-reconstruction")
    s = m.score(frame)
    # Row 0: single parent, income 10,000 < 11,304, separated, unemployed, RSA, rent 0.55,
    # unstable income.
    eta0 = -3.5 + L(1.5) + L(1.4) + L(1.6) + L(1.4) + L(1.3) + L(1.5) + L(1.8)
    # Row 3: income 13,000, child 19+, retired, rent 0.1, unstable income.
    eta3 = -3.5 + L(1.3) + L(1.8)
    assert s[0] == pytest.approx(expit(eta0), abs=1e-14)
    assert s[3] == pytest.approx(expit(eta3), abs=1e-14)
    assert s[0] == s.max()


@pytest.mark.parametrize("name", examples.list_models())
def test_model_check_on_shipped_specs(name, capsys):
    assert model_check(name) == 0
    out = capsys.readouterr().out
    assert name in out and "OK" in out and "assumed" in out


def test_model_check_bad_spec(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: x\nterms:\n  - kind: bins\n    variable: a\n    edges: [3, 1]\n"
        "    coefficients: [0, 1, 2]\n"
    )
    assert model_check(str(path)) == 2
    out = capsys.readouterr().out
    assert "terms[0].edges: must be increasing" in out


def test_cli_model_check(tmp_path, capsys):
    assert main(["model", "check", "c2sg-no-protected"]) == 0
    assert "c2sg-no-protected" in capsys.readouterr().out
    path = tmp_path / "bad.json"
    path.write_text('{"name": "x", "terms": [{"kind": "linear", "variable": "a"}]}')
    assert main(["model", "check", str(path)]) == 2
    assert "terms[0]: give coefficient" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["c2sg-reconstruction", "c2sg-no-protected", "cnaf-reconstruction"]
)
def test_shipped_specs_translate_every_text_into_french(name):
    from scoreaudit.models.scorecard_spec import spec_texts

    spec = examples.model(name).spec
    fr = spec.translations["fr"]
    assert fr.description and fr.description != spec.description
    assert set(spec_texts(spec)) == set(fr.texts)  # a French report shows no English text


def _spec(**extra):
    base = {"name": "m", "description": "an assumed model", "sources": ["a report"]}
    terms = [{"kind": "linear", "variable": "x", "coefficient": 1, "note": "assumed"}]
    return {**base, "terms": terms, **extra}


@pytest.mark.parametrize(
    ("translations", "words"),
    [
        ({"fr": {"texts": {"a reprot": "un rapport"}}}, ["'a reprot'", "translations.fr.texts"]),
        ({"de": {"texts": {"a report": "ein Bericht"}}}, ["'de'", "translations.de"]),
        ({"en": {"description": "x"}}, ["'en'"]),
    ],
)
def test_spec_translation_errors_name_the_text(translations, words):
    from scoreaudit.errors import ModelError
    from scoreaudit.models.scorecard import Scorecard

    with pytest.raises(ModelError) as exc:
        Scorecard.from_dict(_spec(translations=translations))
    assert all(w in str(exc.value) for w in words), str(exc.value)
    ok = Scorecard.from_dict(_spec(translations={"fr": {"texts": {"a report": "un rapport"}}}))
    assert ok.to_dict()["translations"]["fr"]["texts"] == {"a report": "un rapport"}
