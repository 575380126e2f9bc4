"""Notes of the funnel engine's tables in the reader's language.

The engine writes each row's note as a short English phrase (kept as is in results.json and
the CSV tables, like every code); the report and the terminal show the catalogue's words for it.
"""

from __future__ import annotations

from typing import Any

from scoreaudit.present._messages import t

__all__ = ["funnel_note"]

#: A phrase of the engine's note, and the catalogue key shown for it (first match wins: a
#: hidden count that is also below the rounding base reads as unusable).
FUNNEL_NOTES = (
    ("rounding base", "fn_note_unusable"),
    ("bounds only", "fn_note_bounds"),
    ("omitted", "fn_note_omitted"),
    ("reference group", "fn_note_reference"),
)


def funnel_note(text: Any, lang: str) -> str:
    """The note of a funnel row in ``lang`` ("" for no note or an unknown one).

    Examples
    --------
    >>> funnel_note("counts below the rounding base (10): unusable", "fr")
    'sous la base d’arrondi : inexploitable'
    >>> funnel_note("hidden count not recoverable from the margins: omitted", "en")
    'hidden count: omitted'
    >>> funnel_note(None, "fr")
    ''
    """
    s = str(text or "")
    for part, key in FUNNEL_NOTES:
        if part in s:
            return t(key, lang)
    return ""
