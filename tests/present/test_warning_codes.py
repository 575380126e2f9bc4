"""Warnings are codes with parameters: every code has its texts, a French report stays French."""

from __future__ import annotations

import pickle
import re
import string
from pathlib import Path

import pytest
from helpers import emitted_codes

import scoreaudit as sa
from scoreaudit.core.warning import (
    COUNT_PARAMS,
    NOTE_PREFIX,
    NUMBER_PARAMS,
    PREFIX,
    AuditWarning,
    warning,
)
from scoreaudit.present.catalogue import CATALOGUE, render_warning
from scoreaudit.report import render_markdown

SRC = Path(sa.__file__).parent


def _emitted() -> dict[str, set[str]]:
    return emitted_codes(SRC, "warning")


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


#: Note codes built from a name at run time (the bootstrapped quantities of a control log).
DYNAMIC_NOTES = {f"q_{q}" for q in ("tp_share", "fp_share", "tn_share", "fn_share")}
DYNAMIC_NOTES |= {"q_selection_rate", "q_fpr", "q_fnr"}


@pytest.mark.parametrize(
    ("func", "prefix", "some", "dynamic"),
    [
        ("warning", PREFIX, {"reference_fallback", "small_population", "controls_absent"}, set()),
        ("note", NOTE_PREFIX, {"absent_random", "share_moves", "fn_unusable"}, DYNAMIC_NOTES),
    ],
)
def test_every_emitted_code_has_french_and_english_texts(func, prefix, some, dynamic):
    """A warning (``warning("code", ...)``) or a row note (``note("code", ...)``)."""
    emitted = emitted_codes(SRC, func)
    assert some <= set(emitted)
    for code, params in [*emitted.items(), *((c, set()) for c in dynamic)]:
        entry = CATALOGUE.get(prefix + code)
        assert entry is not None, f"{func} {code!r} has no text in messages.json"
        for lang in ("en", "fr"):
            assert entry.get(lang), (code, lang)
            assert _fields(entry[lang]) == params, (code, lang, params)
    unused = {k for k in CATALOGUE if k.startswith(prefix)}
    unused -= {prefix + c for c in [*emitted, *dynamic]}
    assert not unused, f"{func} texts no code emits: {sorted(unused)}"


def test_warning_keeps_english_text_code_and_params_through_pickle():
    w = warning("reference_empty_cell", attr="gender × age_band", combo="man × 60+", largest="b")
    assert w == (
        "No file is in the cell 'man × 60+' of 'gender × age_band'; its default reference "
        "'b' (its largest group with selected files) is used instead."
    )
    back = pickle.loads(pickle.dumps(w))
    assert isinstance(back, AuditWarning) and back == w
    assert (back.code, back.params) == (w.code, w.params)
    assert render_warning(w, "fr").startswith(
        "Aucun dossier dans la case « hommes × 60+ » de « sexe × tranche d’âge »"
    )


def _english_fragments() -> list[str]:
    """The fixed English parts (15 characters or more) of every warning text."""
    out = []
    for key, entry in CATALOGUE.items():
        if key.startswith(PREFIX):
            out += [p.strip() for p in re.split(r"\{[^}]*\}", entry["en"]) if len(p.strip()) >= 15]
    return out


@pytest.fixture(scope="module")
def small_bundled_result():
    # The bundled synthetic population, small enough to raise warnings of its own.
    frame = sa.synthetic.c2sg_population(60, random_state=2)
    pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
    return sa.audit(
        pop,
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        threshold_free=False,
    )


def test_french_report_of_bundled_data_has_no_english_warning(small_bundled_result):
    import dataclasses

    res = small_bundled_result
    assert any(isinstance(w, AuditWarning) for w in res.warnings)  # the audit's own warnings
    whole = {"n", "k", "row", "decimals", *COUNT_PARAMS}

    def value(p: str) -> object:
        return 3 if p in whole else 0.5 if p in NUMBER_PARAMS else "x"

    every = [warning(code, **{p: value(p) for p in ps}) for code, ps in _emitted().items()]
    res = dataclasses.replace(res, warnings=[*res.warnings, *every])
    fr = render_markdown(res, "fr")
    en = render_markdown(res, "en")
    fragments = _english_fragments()
    assert fragments
    assert any(f in en for f in fragments)  # the check can see an English warning
    left = [f for f in fragments if f in fr]
    assert not left, f"English warning text in the French report: {left}"
