"""Plain-language reading of what an audit can detect."""

from __future__ import annotations

import math
from typing import Literal

from scoreaudit.core.format import fmt_level, fmt_number
from scoreaudit.core.messages import t
from scoreaudit.stats._power_checks import _bad, _check_choice, _check_probability


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
    >>> explain_detectable(1.43, "fr").replace("\u202f", " ")  # narrow no-break spaces
    'Avec ces effectifs, un rapport inférieur à 1,4 n’aurait pas pu être détecté (puissance de 80 %, seuil de 5 %).'
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
    levels = {"power": fmt_level(power, lang), "level": fmt_level(alpha, lang)}
    if math.isnan(ratio):
        return t("power_detect_none", lang, **levels)
    if ratio == 1:
        return t("power_detect_any", lang, **levels)
    value, decimals = conservative_ratio(ratio)
    key = "power_detect_below" if ratio > 1 else "power_detect_between"
    return t(key, lang, ratio=fmt_number(value, lang, decimals), **levels)
