"""French and English text of the local web page (``scoreaudit serve``).

Kept apart from the report's catalogue (:mod:`scoreaudit.present.catalogue`) because these are the
page's labels, help texts and errors, not the report's sentences; same layout (one key, both
languages side by side, named ``{placeholders}``) and the same check in the tests: both
languages have the same keys and placeholders.

Examples
--------
>>> w("nav_audit", "fr")
'Audit d’un modèle'
>>> w("err_upload_too_large", "en", limit=200)
'The file is larger than the limit of 200 MB. Send a smaller file, or restart with scoreaudit serve --max-upload-mb N.'
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

__all__ = ["STRINGS", "translate_error", "w"]

#: Every text in both languages, keyed by name (strings.json, next to this module: a data file
#: a translator can edit; checked by the tests: same keys and placeholders in every language).
STRINGS: dict[str, dict[str, str]] = json.loads(
    (resources.files("scoreaudit.web") / "strings.json").read_text(encoding="utf-8")
)


def w(key: str, lang: str, **values: Any) -> str:
    """The page text ``key`` in ``lang`` (``"fr"`` or ``"en"``), placeholders filled.

    Examples
    --------
    >>> w("nav_controls", "en")
    'Control log'
    """
    text = STRINGS[key]["en" if lang == "en" else "fr"]
    return text.format(**values) if values else text


_Q = r"(?P<{0}>'[^']*'|\"[^\"]*\")"
#: Shapes of the library's commonest bad-input messages and the catalogue key of their
#: translation; groups are passed as placeholders.
_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^Protected column\(s\) (?P<cols>.+?) not found in the data.*?Available columns: "
            r"(?P<available>.*)$",
            re.S,
        ),
        "le_protected_missing",
    ),
    (
        re.compile(
            r"^Protected column " + _Q.format("col") + r" is numeric with (?P<n>\d+) "
            r"distinct values"
        ),
        "le_needs_bands",
    ),
    (
        re.compile(
            r"^Protected column " + _Q.format("col") + r".*? has (?P<n>\d+) missing "
            r"value\(s\), first at (?P<where>.+?)\. Fill",
            re.S,
        ),
        "le_missing_values",
    ),
    (
        re.compile(
            r"^Protected column " + _Q.format("col") + r".*? has a single group \((?P<group>"
            r"[^)]*)\)"
        ),
        "le_single_group",
    ),
    (
        re.compile(
            r"^Model '[^']*' .*?needs column(?:\(s\))? (?P<col>.+?), which the data "
            r"lacks\. Available columns: (?P<available>.+?)\. Use a model",
            re.S,
        ),
        "le_model_column",
    ),
    (
        re.compile(
            r"^Column " + _Q.format("col") + r" has value\(s\) that model .*? does not list: "
            r"(?P<values>.+?), in \d+ of \d+ rows\. Levels in the spec: (?P<levels>.+?)"
            r"(?: \(YAML|\. Add)",
            re.S,
        ),
        "le_model_levels",
    ),
    (re.compile(r"^Cannot read the budget (?P<value>.+?): write"), "le_budget"),
    (
        re.compile(r"^The budget (?P<value>.+?) is ambiguous: write (?P<n>\d+)%"),
        "le_budget_ambiguous",
    ),
]


def translate_error(message: str, lang: str) -> tuple[str, bool]:
    """A library error message in the page's language, and whether it was translated.

    The library's messages are English and name the column, value or line; the commonest
    shapes have a French version here (and an English one that names the form's field
    instead of a Python argument). Others are returned unchanged (``False``): the page then
    shows them under "Message de scoreaudit (en anglais)".

    Examples
    --------
    >>> translate_error("Protected column 'age' is numeric with 60 distinct values; give "
    ...                 "bands, e.g. bands={'age': [25, 35, 50, 65]}.", "fr")[0][:40]
    'La colonne protégée « age » est numériqu'
    >>> translate_error("Something else.", "fr")
    ('Something else.', False)
    """
    text = str(message)
    for pattern, key in _ERRORS:
        m = pattern.search(text)
        if m is None:
            continue
        values = {k: _requote(v, lang) for k, v in m.groupdict().items()}
        return w(key, lang, **values), True
    return text, lang == "en"


def _requote(value: str, lang: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"" and v[0] not in v[1:-1]:
        inner = v[1:-1]
        return f"« {inner} »" if lang == "fr" else f"“{inner}”"
    if lang == "fr":
        v = re.sub(r"\((\d+) rows?\)", r"(\1 lignes)", v)
    return v
