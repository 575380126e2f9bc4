"""The one number formatter (core.format) against Python's own formatting, and the places
(terminal, figures) that now go through it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoreaudit.core.format import fmt_number, fmt_pct, fmt_sig, percent

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)
FINITE = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(
    lambda x: x == 0 or abs(x) > 1e-12
)


def _value(text: str) -> float:
    """The number an English text shows."""
    return float(text.replace(",", "").replace("−", "-"))


@SETTINGS
@given(x=FINITE, digits=st.integers(1, 6))
def test_significant_digits_match_python_rounding(x, digits):
    # the oracle: Python's scientific notation keeps exactly `digits` significant digits;
    # numbers with more whole digits than that are rounded to the units only
    text = fmt_sig(x, "en", digits)
    assert "e" not in text
    whole_digits = x != 0 and math.floor(math.log10(abs(x))) >= digits - 1
    assert _value(text) == float(f"{x:.0f}" if whole_digits else f"{x:.{digits - 1}e}")


@SETTINGS
@given(x=FINITE, decimals=st.integers(0, 4))
def test_trimmed_numbers_are_the_untrimmed_numbers(x, decimals):
    full, trimmed = fmt_number(x, "en", decimals), fmt_number(x, "en", decimals, trim=True)
    assert _value(full) == _value(trimmed)
    assert full.startswith(trimmed.rstrip("."))
    assert not trimmed.endswith(".") and not ("." in trimmed and trimmed.endswith("0"))


@SETTINGS
@given(x=FINITE, digits=st.integers(1, 6))
def test_french_is_english_with_french_marks(x, digits):
    en, fr = fmt_sig(x, "en", digits), fmt_sig(x, "fr", digits)
    assert fr == en.replace(",", "\u202f").replace(".", ",")


@pytest.mark.parametrize(
    ("x", "lang", "expected"),
    [
        (0.0432, "en", "0.043"),
        (9.996, "en", "10"),  # rounding crosses a power of ten
        (-0.0004, "en", "−0.0004"),
        (123456.7, "fr", "123\u202f457"),
        (math.inf, "en", "∞"),
        (float("nan"), "en", "–"),
    ],
)
def test_significant_digits_known_answers(x, lang, expected):
    digits = 3 if abs(x) > 1 else 2
    assert fmt_sig(x, lang, digits if x != 9.996 else 3) == expected


def test_percent_sign_and_negative_zero():
    assert percent("8,1", "fr") == "8,1\u202f%" and percent("8.1", "en") == "8.1%"
    assert fmt_pct(-0.00001, "en", 1) == "0.0%"  # never "−0.0%"
    assert fmt_pct(0.125, "en", 2, trim=True) == "12.5%"


@pytest.mark.usefixtures("wide_terminal")
@pytest.mark.parametrize(("lang", "header"), [("en", "97.5%"), ("fr", "97,5\u202f%")])
def test_control_log_interval_header_keeps_its_decimal(capsys, tmp_path, lang, header):
    # the controls table's header once rounded a 97.5% level to 98%
    from scoreaudit.cli import main

    data = Path(__file__).resolve().parents[2] / "data" / "synthetic" / "c2sg_controls.csv"
    args = ["controls", str(data), "--protected", "gender", "--selected-by", "selection_method"]
    args += ["--random-value", "random", "--outcome", "result", "--positive", "errors found"]
    args += ["--confidence", "0.975", "--lang", lang, "--out", str(tmp_path / "r")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"{header} interval" in out or f"intervalle à {header}" in out, out
