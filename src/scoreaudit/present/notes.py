"""Row notes of the engines' tables in the reader's language.

An engine writes each row's note as English text (kept as is in results.json and the CSV
tables) and records, in the result's ``notes``, the coded note behind each text
(:func:`scoreaudit.core.warning.note`). A report and the terminal show the catalogue's words for
the code, never a translation of the English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoreaudit.core.messages import t
from scoreaudit.core.warning import note_code
from scoreaudit.present.catalogue import render_warning

__all__ = ["funnel_note", "note_code", "note_text"]

#: The funnel's notes, shown in a table cell by a short label.
FUNNEL_NOTES = {
    "note_fn_unusable": "fn_note_unusable",
    "note_fn_bounded": "fn_note_bounds",
    "note_fn_omitted": "fn_note_omitted",
    "note_fn_mh_omitted": "fn_note_omitted",
    "note_fn_reference": "fn_note_reference",
}


def note_text(text: Any, lang: str, notes: Mapping[str, Any]) -> str:
    """The note ``text`` of a table row in ``lang``, from its recorded code.

    A text with no recorded code (a table read back from an older ``results.json``) is shown
    as it is.

    Examples
    --------
    >>> from scoreaudit.core.warning import note, recording_notes
    >>> with recording_notes() as book:  # as an engine's entry point records its notes
    ...     moved = str(note("share_moves", points=38))
    >>> note_text(moved, "fr", book)
    'la part bouge de 38 points'
    >>> note_text(None, "fr", {}), note_text("Something new", "fr", {})
    ('', 'Something new')
    """
    s = str(text or "")
    coded = notes.get(s)
    return render_warning(coded, lang) if coded is not None else s


def funnel_note(text: Any, lang: str, notes: Mapping[str, Any]) -> str:
    """The short label of a funnel row's note in ``lang`` ("" for no note).

    Examples
    --------
    >>> from scoreaudit.core.warning import note
    >>> n = note("fn_unusable", rounding=10)
    >>> funnel_note(str(n), "fr", {str(n): n})
    'sous la base d’arrondi : inexploitable'
    >>> funnel_note(None, "fr", {})
    ''
    """
    key = FUNNEL_NOTES.get(note_code(text, notes))
    if key is not None:
        return t(key, lang)
    return note_text(text, lang, notes)
