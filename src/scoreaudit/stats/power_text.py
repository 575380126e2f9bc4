"""Plain-language reading of what an audit can detect."""

from __future__ import annotations

import math
from typing import Literal

from scoreaudit.stats._power_checks import _bad, _check_choice, _check_probability

# --------------------------------------------------------------------------------------------
# plain language


def _format_number(x: float, lang: str, decimals: int | None = None) -> str:
    text = f"{x:.{decimals}f}" if decimals is not None else f"{x:g}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "fr" else text


def _percent(x: float, lang: str) -> str:
    value = _format_number(round(100 * x, 6), lang)
    return f"{value}\u00a0%" if lang == "fr" else f"{value}%"


def conservative_ratio(ratio: float) -> tuple[float, int]:
    """Round towards 1 so the sentence stays true: floor above 1, ceil below 1.

    Uses one decimal, or more if one decimal would round to 1 itself. Returns the rounded
    ratio and its number of decimals.

    Examples
    --------
    >>> conservative_ratio(1.43), conservative_ratio(0.67), conservative_ratio(1.04)
    ((1.4, 1), (0.7, 1), (1.04, 2))
    >>> conservative_ratio(1.004)  # 1.0 and 1.00 would say "no gap"
    (1.004, 3)
    """
    for decimals in range(1, 6):
        scale = 10.0**decimals
        value = (
            math.floor(ratio * scale + 1e-9) if ratio > 1 else math.ceil(ratio * scale - 1e-9)
        ) / scale
        if value != 1:
            return value, decimals
    return round(ratio, 6), 6


def explain_detectable(
    ratio: float, lang: Literal["en", "fr"] = "en", *, power: float = 0.8, alpha: float = 0.05
) -> str:
    """The sentence shown beside a non-significant finding in reports.

    ``ratio`` is the minimum detectable ratio (above 1: the smallest detectable increase;
    below 1: the largest detectable decrease; NaN: nothing detectable). It is rounded towards
    1 (1.43 -> 1.4, 0.67 -> 0.7) so the sentence stays true. ``power`` and ``alpha`` are the
    requested power and the audit's (family-wise) level.

    Examples
    --------
    >>> explain_detectable(1.43)
    'With these group sizes, a ratio below 1.4 could not have been detected (80% power, 5% level).'
    >>> explain_detectable(1.43, "fr")  # non-breaking spaces before %
    "Avec ces effectifs, un rapport inférieur à 1,4 n'aurait pas pu être détecté (puissance de 80\\xa0%, seuil de 5\\xa0%)."
    >>> explain_detectable(0.67)
    'With these group sizes, a ratio between 0.7 and 1 could not have been detected (80% power, 5% level).'
    >>> explain_detectable(float("nan"), power=0.9, alpha=0.01)
    'With these group sizes, no disparity could have been detected, however large (90% power, 1% level).'
    """
    lang = _check_choice("lang", lang, ("en", "fr"))
    power = _check_probability("power", power)
    alpha = _check_probability("alpha", alpha)
    try:
        ratio = float(ratio)
    except (TypeError, ValueError) as exc:
        raise _bad("ratio", "err_power_ratio_text_type", value=ratio) from exc
    if not (math.isnan(ratio) or (ratio > 0 and math.isfinite(ratio))):
        raise _bad("ratio", "err_power_ratio_text_value", value=ratio)
    pw, lv = _percent(power, lang), _percent(alpha, lang)
    if lang == "en":
        tail = f" ({pw} power, {lv} level)."
        if math.isnan(ratio):
            return (
                "With these group sizes, no disparity could have been detected, however large"
                + tail
            )
        if ratio == 1:
            return "With these group sizes, any disparity could have been detected" + tail
        value, dec = conservative_ratio(ratio)
        shown = _format_number(value, lang, dec)
        what = f"a ratio below {shown}" if ratio > 1 else f"a ratio between {shown} and 1"
        return f"With these group sizes, {what} could not have been detected" + tail
    tail = f" (puissance de {pw}, seuil de {lv})."
    if math.isnan(ratio):
        return (
            "Avec ces effectifs, aucune disparité n'aurait pu être détectée, quelle que soit "
            "son ampleur" + tail
        )
    if ratio == 1:
        return "Avec ces effectifs, toute disparité aurait pu être détectée" + tail
    value, dec = conservative_ratio(ratio)
    shown = _format_number(value, lang, dec)
    what = (
        f"un rapport inférieur à {shown}" if ratio > 1 else f"un rapport compris entre {shown} et 1"
    )
    return f"Avec ces effectifs, {what} n'aurait pas pu être détecté" + tail
