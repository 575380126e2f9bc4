"""Texts of the figures in English and French, and the number formats of their labels."""

from __future__ import annotations

import math
from typing import Any

from matplotlib import ticker

from scoreaudit.present.catalogue import LANGUAGES as LANGUAGES
from scoreaudit.present.catalogue import NNBSP, t

# -- texts ----------------------------------------------------------------------------------
# The figures' words live in the one catalogue (``plot_*`` keys of present/messages.json).


def _t(lang: str, key: str, **kwargs: Any) -> str:
    return t(f"plot_{key}", lang, **kwargs)


# -- number formatting -------------------------------------------------------------------
_NBSP = NNBSP  # the tables' separator: one convention for every French number


def format_number(x: float, lang: str = "en", digits: int = 3) -> str:
    """A number with ``digits`` significant digits, in the language's convention.

    French uses a decimal comma and a non-breaking space between thousands; a minus sign
    (U+2212) is used for negatives.

    Examples
    --------
    >>> format_number(1.5, "fr"), format_number(1.5, "en"), format_number(1.25, "fr")
    ('1,5', '1.5', '1,25')
    >>> format_number(float("inf"), "fr")
    '∞'
    """
    x = float(x)
    if math.isnan(x):
        return _t(lang, "na")
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    decimals = max(digits - 1 - mag, 0)
    s = f"{abs(x):,.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    s = _localise(s, lang)
    return ("−" if x < 0 else "") + s


def format_count(n: float, lang: str = "en") -> str:
    """An integer count with thousands separators (``9,983`` / ``9 983``).

    Examples
    --------
    >>> format_count(9983, "en"), format_count(9983, "fr") == "9\\u202f983"
    ('9,983', True)
    """
    n = float(n)
    if not math.isfinite(n):
        return _t(lang, "na")
    return _localise(f"{round(n):,}", lang)


def format_percent(x: float, lang: str = "en", decimals: int | None = None) -> str:
    """A share as a percentage: ``0.05`` -> ``"5%"`` (en) or ``"5 %"`` (fr, no-break space).

    With ``decimals=None`` at most two decimals are kept and trailing zeros dropped.

    Examples
    --------
    >>> format_percent(0.05, "en"), format_percent(0.025, "fr") == "2,5\\u202f%"
    ('5%', True)
    """
    x = float(x)
    if math.isnan(x):
        return _t(lang, "na")
    v = 100 * x
    if decimals is None:
        s = f"{v:,.2f}".rstrip("0").rstrip(".")
        if s in ("-0", ""):
            s = "0"
    else:
        s = f"{v:,.{decimals}f}"
    s = _localise(s, lang).replace("-", "−")
    return f"{s}{_NBSP}%" if lang == "fr" else f"{s}%"


def _localise(s: str, lang: str) -> str:
    if lang == "fr":
        return s.replace(",", "\x00").replace(".", ",").replace("\x00", _NBSP)
    return s


def _tick_formatter(kind: str, lang: str) -> ticker.Formatter:
    if kind == "percent":
        return ticker.FuncFormatter(lambda v, _pos: format_percent(v, lang))
    return ticker.FuncFormatter(lambda v, _pos: format_number(v, lang, digits=3))


def _percent_ticks(ax_axis: Any, lang: str) -> None:
    ax_axis.set_major_formatter(_tick_formatter("percent", lang))


# -- text safety -------------------------------------------------------------------------
def plain(text: Any) -> str:
    """Data text made literal for matplotlib: ``$`` is escaped so no mathtext is parsed.

    Examples
    --------
    >>> plain("$x$")
    '\\\\$x\\\\$'
    """
    return str(text).replace("$", r"\$")
