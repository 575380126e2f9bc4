"""French and English text of the local web page (``scoreaudit serve``).

The texts live in the one catalogue of user-facing strings (:mod:`scoreaudit.present.catalogue`,
``present/messages.json``) under keys that start with ``web_``, so a translator edits one file;
the page names them without that prefix (``w("nav_audit")`` reads ``web_nav_audit``).

Examples
--------
>>> w("nav_audit", "fr")
'Audit d’un modèle'
>>> w("err_upload_too_large", "en", limit=200)
'The file is larger than the limit of 200 MB. Send a smaller file, or restart with scoreaudit serve --max-upload-mb N.'
"""

from __future__ import annotations

import re
from typing import Any

from scoreaudit.present.catalogue import CATALOGUE

__all__ = ["STRINGS", "translate_error", "w"]

_PREFIX = "web_"

#: The page's texts in both languages, keyed by name without the catalogue's ``web_`` prefix
#: (checked by the tests: same keys and placeholders in every language).
STRINGS: dict[str, dict[str, str]] = {
    key.removeprefix(_PREFIX): entry for key, entry in CATALOGUE.items() if key.startswith(_PREFIX)
}


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
    # the process (funnel) audit (scoreaudit.engines.funnel)
    (
        re.compile(
            r"^Step " + _Q.format("step") + r" names stage " + _Q.format("stage") + r", which "
            r"is not in column " + _Q.format("col") + r"; stages in the table: (?P<stages>.*?)\.$",
            re.S,
        ),
        "le_funnel_stage",
    ),
    (
        re.compile(
            r"^Count (?P<value>.+?) at (?P<where>row position .+?) is not a number of files"
        ),
        "le_funnel_count",
    ),
    (
        re.compile(
            r"^The count (?P<value>.+?) at (?P<where>row position .+?) is "
            r"(?:negative|infinite|non-integer); counts"
        ),
        "le_funnel_bad_count",
    ),
    (
        re.compile(
            r"^Step " + _Q.format("step") + r": stage " + _Q.format("stage") + r" has more "
            r"files than its base stage "
            + _Q.format("base")
            + r" for group "
            + _Q.format("group")
            + r"(?P<where>.*?): (?P<a>\S+) > (?P<b>[^\s,]+?)(?:, beyond .*?)?\. A stage",
            re.S,
        ),
        "le_funnel_nesting",
    ),
    (
        re.compile(
            r"^Group "
            + _Q.format("group")
            + r" is missing from stage "
            + _Q.format("stage")
            + r"(?P<where>.*?): no row gives its count(?P<hint>.*?)\. Add the row",
            re.S,
        ),
        "le_funnel_missing_group",
    ),
    (
        re.compile(
            r"^Reference group " + _Q.format("group") + r" is not in the table; groups: "
            r"(?P<groups>.*?)\.$",
            re.S,
        ),
        "le_funnel_reference",
    ),
    (
        re.compile(
            r"^Rows (?P<a>\d+) and (?P<b>\d+) are the same cell: (?P<where>.+?); keep one row",
            re.S,
        ),
        "le_funnel_duplicate",
    ),
    (
        re.compile(
            r"^Column\(s\) (?P<cols>.+?) not found in the (?:funnel|wide) table[.;] "
            r"(?:Available columns|columns): (?P<available>.*?)\.?$",
            re.S,
        ),
        "le_funnel_columns",
    ),
    (
        re.compile(
            r"^rounding must be a whole number of files of at least 1 \(e\.g\. 10\), "
            r"not (?P<value>.+?)\.$"
        ),
        "le_funnel_rounding",
    ),
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
        values = {k: _requote(v or "", lang) for k, v in m.groupdict().items()}
        for part in ("where", "hint"):  # places in the file, kept as is (leading space too)
            if part in values:
                place = m.group(part) or ""
                values[part] = _place_fr(place) if lang == "fr" else place
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


_PLACES_FR = (
    (r"row position (\d+) \(line (\d+) of the file\)", r"ligne \2 du fichier"),
    (r"row position (\d+)", r"ligne de données \1 (en comptant de 0)"),
    (r"\(rows (\d+) and (\d+)\)", r"(lignes de données \1 et \2, en comptant de 0)"),
    (r"\(it has rows, e\.g\. ", "(il a des lignes, p. ex. "),
    (r"\(stage ", "(étape "),
    (r", group ", ", groupe "),
    (r", stratum ", ", strate "),
    (r"^ in stratum ", " dans la strate "),
)


def _place_fr(text: str) -> str:
    """A place in a file (``row position 3 (line 5 of the file) (stage 'x', ...)``) in French.

    Examples
    --------
    >>> _place_fr("row position 3 (line 5 of the file) (stage 'x', group 'a')")
    "ligne 5 du fichier (étape 'x', groupe 'a')"
    """
    for pattern, repl in _PLACES_FR:
        text = re.sub(pattern, repl, text)
    return text
