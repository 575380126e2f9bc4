"""Texts of the figures in English and French, and the number formats of their labels."""

from __future__ import annotations

import math
from typing import Any

from matplotlib import ticker

from scoreaudit.core.format import fmt_int, fmt_pct, fmt_sig
from scoreaudit.present.catalogue import LANGUAGES as LANGUAGES
from scoreaudit.present.catalogue import t

# -- texts ----------------------------------------------------------------------------------
# The figures' words live in the one catalogue (``plot_*`` keys of present/messages.json).


def _t(lang: str, key: str, **kwargs: Any) -> str:
    return t(f"plot_{key}", lang, **kwargs)


# -- number formatting -------------------------------------------------------------------
# The formats are core.format's (the reports' and the terminal's); a figure only writes its
# own word for a missing number.


def format_number(x: float, lang: str = "en", digits: int = 3) -> str:
    """A number with ``digits`` significant digits, in the language's convention.

    French uses a decimal comma and a narrow no-break space between thousands; a minus sign
    (U+2212) is used for negatives.

    Examples
    --------
    >>> format_number(1.5, "fr"), format_number(1.5, "en"), format_number(1.25, "fr")
    ('1,5', '1.5', '1,25')
    >>> format_number(float("inf"), "fr")
    '∞'
    """
    return _t(lang, "na") if math.isnan(float(x)) else fmt_sig(x, lang, digits)


def format_count(n: float, lang: str = "en") -> str:
    """An integer count with thousands separators (``9,983`` / ``9 983``).

    Examples
    --------
    >>> format_count(9983, "en"), format_count(9983, "fr") == "9\\u202f983"
    ('9,983', True)
    """
    return fmt_int(n, lang) if math.isfinite(float(n)) else _t(lang, "na")


def format_percent(x: float, lang: str = "en", decimals: int | None = None) -> str:
    """A share as a percentage: ``0.05`` -> ``"5%"`` (en) or ``"5 %"`` (fr, no-break space).

    With ``decimals=None`` at most two decimals are kept and trailing zeros dropped.

    Examples
    --------
    >>> format_percent(0.05, "en"), format_percent(0.025, "fr") == "2,5\\u202f%"
    ('5%', True)
    """
    if math.isnan(float(x)):
        return _t(lang, "na")
    return fmt_pct(x, lang, 2 if decimals is None else decimals, trim=decimals is None)


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
