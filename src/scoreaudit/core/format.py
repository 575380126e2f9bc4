"""Number formatters of every output (reports, terminal, sentences), in English and French."""

from __future__ import annotations

import math
from typing import Any

from scoreaudit.core.messages import MISSING, NNBSP

# ------------------------------------------------------------------------------------------
# Numbers
# ------------------------------------------------------------------------------------------


def _bad(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def fmt_number(x: float | None, lang: str, decimals: int = 2, trim: bool = False) -> str:
    """A number with ``decimals`` decimals, in the language's convention.

    With ``trim``, trailing zeros (and a trailing decimal mark) are dropped.

    Examples
    --------
    >>> fmt_number(1234.5, "en", 1), fmt_number(1234.5, "fr", 1) == "1\\u202f234,5"
    ('1,234.5', True)
    >>> fmt_number(None, "en"), fmt_number(-2.50, "en", 2, trim=True)
    ('–', '−2.5')
    """
    v = num_or_none(x)
    if v is None:
        return MISSING
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    text = f"{v:,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text.replace("-", "−")


def fmt_int(x: float | None, lang: str) -> str:
    """A count, with thousands separators (French: narrow no-break space).

    Examples
    --------
    >>> fmt_int(1000, "en"), fmt_int(7, "fr")
    ('1,000', '7')
    """
    v = num_or_none(x)
    return MISSING if v is None else fmt_number(round(v), lang, 0)


def pct_decimals(x: float) -> int:
    """Decimals used for a percentage: 1 from 1%, 2 below (0.14%), 3 below 0.1%."""
    a = abs(x) * 100
    if a == 0 or a >= 1:
        return 1
    return 2 if a >= 0.1 else 3


def fmt_pct(x: float | None, lang: str, decimals: int | None = None, trim: bool = False) -> str:
    """A share as a percentage: ``8.1%`` / ``8,1 %`` (narrow no-break space before %).

    ``decimals`` defaults to :func:`pct_decimals`; ``trim`` drops trailing zeros.

    Examples
    --------
    >>> fmt_pct(0.0806, "en"), fmt_pct(0.001422, "en"), fmt_pct(0.05, "en", 2, trim=True)
    ('8.1%', '0.14%', '5%')
    >>> fmt_pct(0.05, "fr", 0) == "5\\u202f%"
    True
    """
    v = num_or_none(x)
    if v is None:
        return MISSING
    d = pct_decimals(v) if decimals is None else decimals
    return percent(fmt_number(v * 100, lang, d, trim), lang)


def percent(body: str, lang: str) -> str:
    """A formatted number followed by the percent sign (French: a narrow no-break space first).

    Examples
    --------
    >>> percent("8.1", "en"), percent("8,1", "fr") == "8,1\\u202f%"
    ('8.1%', True)
    """
    return f"{body}{NNBSP}%" if lang == "fr" else f"{body}%"


def fmt_sig(x: float | None, lang: str, digits: int = 3) -> str:
    """A number rounded to ``digits`` significant digits, trailing zeros dropped.

    For numbers whose size varies (a score threshold, a ratio typed by the user, a figure's
    ticks); never in scientific notation, and never rounded beyond the units (``12,346``).

    Examples
    --------
    >>> fmt_sig(0.04321, "en", 2), fmt_sig(1.5, "fr"), fmt_sig(12345.6, "en", 3)
    ('0.043', '1,5', '12,346')
    >>> fmt_sig(0, "en"), fmt_sig(float("-inf"), "en"), fmt_sig(None, "en")
    ('0', '−∞', '–')
    """
    v = num_or_none(x)
    if v is None or math.isinf(v) or v == 0:
        return fmt_number(v, lang, 0)
    decimals = max(digits - 1 - math.floor(math.log10(abs(v))), 0)
    return fmt_number(v, lang, decimals, trim=True)


def fmt_ratio(x: float | None, lang: str, decimals: int = 1) -> str:
    """A ratio of rates: ``3.2`` / ``3,2``; ratios below 1 get two significant decimals.

    Examples
    --------
    >>> fmt_ratio(3.21, "en"), fmt_ratio(0.167, "fr"), fmt_ratio(float("inf"), "en")
    ('3.2', '0,17', '∞')
    """
    v = num_or_none(x)
    if v is None:
        return MISSING
    if math.isfinite(v) and 0 < abs(v) < 1:
        decimals = max(decimals, 2)
        if abs(v) < 0.01:
            decimals = max(decimals, 3)
    return fmt_number(v, lang, decimals)


def fmt_p(p: float | None, lang: str) -> str:
    """A p-value: ``< 0.001`` or two significant digits.

    Examples
    --------
    >>> fmt_p(1e-12, "en"), fmt_p(0.0432, "fr"), fmt_p(1.0, "en")
    ('< 0.001', '0,043', '1')
    """
    v = num_or_none(p)
    if v is None:
        return MISSING
    if v < 0.001:
        return "< " + fmt_number(0.001, lang, 3)
    if v >= 0.995:
        return "1"
    return fmt_number(v, lang, 2 if v >= 0.1 else 3)


def fmt_level(confidence: float | None, lang: str) -> str:
    """An interval's confidence level with as many decimals as it needs (never rounded up).

    Examples
    --------
    >>> fmt_level(0.95, "en"), fmt_level(0.975, "en"), fmt_level(0.995, "en")
    ('95%', '97.5%', '99.5%')
    >>> fmt_level(0.975, "fr") == "97,5\\u202f%"
    True
    """
    v = num_or_none(confidence)
    if v is None:
        return MISSING
    pct = v * 100
    for d in range(0, 4):
        if abs(round(pct, d) - pct) < 1e-9:
            return fmt_pct(v, lang, d)
    return fmt_pct(v, lang, 4)


def ratio_decimals(values: Any, base: int = 2, cap: int = 4) -> int:
    """Decimals shared by a ratio and its interval: ``base``, or more so that the smallest
    positive value keeps two significant digits (at most ``cap``).

    Examples
    --------
    >>> ratio_decimals([1.08, 1.0, 1.12]), ratio_decimals([1.44, 0.94, 2.2], 1)
    (2, 2)
    >>> ratio_decimals([0.0123, 0.007, 0.02])
    4
    """
    d = base
    for v in values:
        if _bad(v):
            continue
        a = abs(float(v))
        if 0 < a < 1 and math.isfinite(a):
            d = max(d, int(math.floor(-math.log10(a))) + 2)
    return min(d, cap)


def fmt_ratio_ci(ratio: Any, low: Any, high: Any, lang: str, base: int = 2) -> tuple[str, str, str]:
    """A ratio and its interval bounds, all three with the same number of decimals.

    Examples
    --------
    >>> fmt_ratio_ci(1.08, 1.0, 1.12, "en")
    ('1.08', '1.00', '1.12')
    >>> fmt_ratio_ci(49.5, 38.77, 63.21, "fr", 1)
    ('49,5', '38,8', '63,2')
    >>> fmt_ratio_ci(0.0, 0.0, 0.0102, "en")
    ('0.000', '0.000', '0.010')
    >>> fmt_ratio_ci(1.019, 1.004, 1.035, "en", 1)  # never "1.0 (1.0 to 1.0)"
    ('1.02', '1.00', '1.03')
    """
    d = ratio_decimals((ratio, low, high), base)
    while d < 3:  # one more decimal when the ratio or its interval would round to one number
        texts = [fmt_number(x, lang, d) for x in (ratio, low, high)]
        one = fmt_number(1.0, lang, d)
        r = num_or_none(ratio)
        flat = texts[1] == texts[2] != MISSING and num_or_none(low) != num_or_none(high)
        if not ((r is not None and r != 1 and texts[0] == one) or flat):
            break
        d += 1
    return tuple(fmt_number(x, lang, d) for x in (ratio, low, high))  # type: ignore[return-value]


def num_or_none(x: Any) -> float | None:
    """``x`` as a float, or None when it is missing, not a number or NaN.

    Examples
    --------
    >>> num_or_none("0.5"), num_or_none(None), num_or_none(float("nan")), num_or_none("n/a")
    (0.5, None, None, None)
    """
    return None if _bad(x) else float(x)


def fmt_rate_ci(rate: Any, low: Any, high: Any, lang: str) -> tuple[str, str, str]:
    """A rate and its interval bounds as percentages, all three with the same decimals.

    Examples
    --------
    >>> fmt_rate_ci(0.0128, 0.0075, 0.0218, "en")
    ('1.28%', '0.75%', '2.18%')
    >>> fmt_rate_ci(0.0, 0.0, 0.00011, "en")
    ('0.000%', '0.000%', '0.011%')
    """
    vals = [float(x) for x in (rate, low, high) if not _bad(x) and math.isfinite(float(x))]
    d = max([pct_decimals(v) for v in vals if v != 0] or [1])
    return tuple(fmt_pct(x, lang, d) for x in (rate, low, high))  # type: ignore[return-value]


def fmt_interval(
    low: float | None,
    high: float | None,
    lang: str,
    kind: str = "ratio",
    estimate: float | None = None,
) -> str:
    """An interval ``low – high`` formatted as ratios or percentages.

    With ``estimate``, the bounds get the decimals the estimate is shown with
    (:func:`fmt_ratio_ci`, :func:`fmt_rate_ci`).

    Examples
    --------
    >>> fmt_interval(3.01, 3.44, "en")
    '3.0 – 3.4'
    >>> fmt_interval(1.0, 1.12, "en", estimate=1.08)
    '1.00 – 1.12'
    """
    if _bad(low) and _bad(high):
        return MISSING
    if kind == "pct":
        _, lo, hi = fmt_rate_ci(low if estimate is None else estimate, low, high, lang)
        return f"{lo} – {hi}"
    if estimate is not None:
        _, lo, hi = fmt_ratio_ci(estimate, low, high, lang)
        return f"{lo} – {hi}"
    return f"{fmt_ratio(low, lang)} – {fmt_ratio(high, lang)}"


def kv_sep(lang: str) -> str:
    """The separator of a "key: value" line: French puts a narrow no-break space before ":".

    Examples
    --------
    >>> kv_sep("en"), kv_sep("fr") == "\\u202f: "
    (': ', True)
    """
    return f"{NNBSP}: " if lang == "fr" else ": "


def list_sep(lang: str) -> str:
    """Separator of a list of "key: value" items ("; ", French "\\u202f; ")."""
    return f"{NNBSP}; " if lang == "fr" else "; "
