"""The translation catalogue: every user-facing text in English and French, and its lookup.

It sits in the lowest layer so that every layer words its output from the one catalogue (the
warnings and notes of the engines, the power sentences of ``stats``, the report, the figures,
the terminal and the web page); ``present/`` builds the labels and sentences on top of it.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from importlib import resources
from typing import Any

LANGUAGES = ("en", "fr")


#: Narrow no-break space (French thousands separator and space before %, CLDR convention).
NNBSP = "\u202f"


#: Shown for a missing number (not computed or not defined).
MISSING = "–"


#: Every text in both languages, keyed by name, ``{name}`` placeholders filled by :func:`t`
#: (``present/messages.json``: a data file a translator can edit; checked by the tests: same
#: keys and placeholders in every language).
CATALOGUE: dict[str, dict[str, str]] = json.loads(
    (resources.files("scoreaudit.present") / "messages.json").read_text(encoding="utf-8")
)


def check_lang(lang: str | None) -> str:
    """The supported language code for ``lang`` (case and region ignored), else an error.

    ``None`` means the ``SCOREAUDIT_LANG`` environment variable, else English.

    Examples
    --------
    >>> check_lang("fr"), check_lang("FR"), check_lang(" fr_FR "), check_lang("en-GB")
    ('fr', 'fr', 'fr', 'en')
    """
    import os

    from scoreaudit.errors import ScoreAuditError

    raw = os.environ.get("SCOREAUDIT_LANG") or "en" if lang is None else lang
    code = str(raw).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ScoreAuditError.from_key("err_unknown_lang", lang=raw, languages=", ".join(LANGUAGES))
    return code


def t(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    Examples
    --------
    >>> t("sec_findings", "fr")
    'Principaux constats'
    """
    text = CATALOGUE[key][check_lang(lang)]
    return text.format(**values) if values else text


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render_error(key: str, lang: str, params: Mapping[str, Any]) -> str | None:
    """The error text ``key`` in ``lang`` (see :func:`scoreaudit.errors.set_message_renderer`).

    None when the catalogue has no such key (an optional ``_py``/``_cli`` hint).

    Examples
    --------
    >>> render_error("err_file_empty", "fr", {"file": "x.csv"})
    'Le fichier « x.csv » est vide (0 octet). A-t-il été copié en entier ?'
    >>> render_error("err_no_rows_cli", "en", {}) is None
    True
    """
    entry = CATALOGUE.get(key)
    if entry is None:
        return None
    text = entry[check_lang(lang)]
    return text.format(**params) if params else text
