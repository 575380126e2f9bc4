"""French and English text of the report, and number formatting per language.

Why a Python dictionary and not gettext ``.po`` files
-----------------------------------------------------
* Two languages, a few hundred strings, written by the maintainers themselves: a ``.po``
  toolchain (extraction, ``msgfmt`` compilation to binary ``.mo`` files at build time, or
  binary files committed to git) adds steps and failure modes without helping anyone.
* Both languages sit side by side under one key, so a reviewer reads each French sentence next
  to its English original; a test checks that both languages have exactly the same keys and the
  same ``{placeholders}`` (gettext would silently fall back to English for a missing entry; a
  report that switches language mid-sentence is a bug here).
* Placeholders are named (``{ratio}``), so word order can differ between languages.
* The number formats are French typographic conventions written out (decimal comma, narrow
  no-break space U+202F as thousands separator and before ``%``), tested against literal
  strings; this avoids a dependency on Babel/CLDR data for four functions.

Adding a language: add a column to every entry of :data:`CATALOGUE` and a branch to the
number formatters; the catalogue test lists what is missing.

Examples
--------
>>> fmt_ratio(3.21, "fr"), fmt_ratio(3.21, "en")
('3,2', '3.2')
>>> fmt_pct(0.05, "fr") == "5,0\\u202f%"
True
>>> fmt_int(12265, "fr") == "12\\u202f265", fmt_int(12265, "en")
(True, '12,265')
>>> t("times_as_often", "fr", ratio="3,2")
'3,2 fois plus souvent'
"""

from __future__ import annotations

from typing import Any

from scoreaudit.core.vocab import SEP
from scoreaudit.present._messages import CATALOGUE, LANGUAGES, NNBSP, check_lang, t
from scoreaudit.present._messages import MISSING as MISSING
from scoreaudit.present._messages import placeholders as placeholders
from scoreaudit.present.format import (
    fmt_int,
    fmt_interval,
    fmt_level,
    fmt_number,
    fmt_p,
    fmt_pct,
    fmt_rate_ci,
    fmt_ratio,
    fmt_ratio_ci,
    kv_sep,
)
from scoreaudit.present.format import list_sep as list_sep
from scoreaudit.present.format import pct_decimals as pct_decimals
from scoreaudit.present.format import ratio_decimals as ratio_decimals
from scoreaudit.present.labels import active_labels

__all__ = [
    "CATALOGUE",
    "LANGUAGES",
    "NNBSP",
    "attribute_label",
    "check_lang",
    "fmt_int",
    "fmt_interval",
    "fmt_level",
    "fmt_number",
    "fmt_p",
    "fmt_pct",
    "fmt_ratio",
    "fmt_ratio_ci",
    "fmt_rate_ci",
    "group_label",
    "kv_sep",
    "t",
    "translate_warning",
]


# ------------------------------------------------------------------------------------------
# Warnings of the audit (English in the result) in the report's language
# ------------------------------------------------------------------------------------------

_WARNINGS_FR: list[tuple[str, str]] = [
    (
        r"^The largest group of (?P<attr>'[^']*'|\"[^\"]*\"), (?P<largest>'[^']*'|\"[^\"]*\"), has no selected "
        r"file, so every ratio to it would be infinite; the largest group with selected files, "
        r"(?P<fallback>'[^']*'|\"[^\"]*\"), is the reference instead\.$",
        "Le plus grand groupe de {attr}, {largest}, n’a aucun dossier sélectionné : tout rapport "
        "à ce groupe serait infini ; le plus grand groupe ayant des dossiers sélectionnés, "
        "{fallback}, sert de référence à la place.",
    ),
    (
        r"^No file is in the cell (?P<combo>'[^']*'|\"[^\"]*\") of (?P<attr>'[^']*'|\"[^\"]*\"); its default "
        r"reference (?P<largest>'[^']*'|\"[^\"]*\") \(its largest group with selected files\) is used "
        r"instead\.$",
        "Aucun dossier dans la case {combo} de {attr} ; sa référence par défaut, {largest} (son "
        "plus grand groupe ayant des dossiers sélectionnés), est utilisée à la place.",
    ),
    (
        r"^The population has only (?P<n>\d+) files: every group is a small cell\.$",
        "La population ne compte que {n} dossiers : chaque groupe est un petit effectif.",
    ),
    (
        r"^Scores range from (?P<lo>\S+) to (?P<hi>\S+), outside \[0, 1\]: ",
        "Les scores vont de {lo} à {hi}, hors de [0, 1] : le tableau de calibration compare des "
        "scores moyens à des taux observés et n’a de sens que pour des probabilités ; lisez-le "
        "comme un classement. Les taux de sélection et les écarts ne sont pas concernés (ils ne "
        "dépendent que de l’ordre des scores).",
    ),
]


def translate_warning(text: str, lang: str, labels: Any = None) -> str:
    """A warning of :attr:`AuditResult.warnings` in the report's language, with readable labels.

    The audit's warnings are English sentences with a few fixed shapes; each known shape has
    a French version (unknown warnings are kept as they are). ``labels`` maps an attribute
    name, or ``(attribute, group)``, to the label the tables show.

    Examples
    --------
    >>> w = ("The largest group of 'family_status', 'alone', has no selected file, so every "
    ...      "ratio to it would be infinite; the largest group with selected files, "
    ...      "'couple_with_children', is the reference instead.")
    >>> translate_warning(w, "fr")[:56]
    'Le plus grand groupe de « situation familiale », « vivan'
    >>> translate_warning("Something new.", "fr")
    'Something new.'
    """
    import re

    text = str(text)
    attr = None
    for pattern, french in _WARNINGS_FR:
        m = re.match(pattern, text)
        if not m:
            continue
        values = m.groupdict()
        attr = values.get("attr")
        attr_plain = attr[1:-1] if attr else None

        def q(value: str, kind: str, attr_plain: str | None = attr_plain) -> str:
            raw = value[1:-1]
            if kind == "attr":
                label = attribute_label(raw, lang)
            elif kind in ("largest", "fallback", "combo") and attr_plain is not None:
                label = group_label(attr_plain, raw, lang)
            else:
                label = raw
            return f"« {label} »" if lang == "fr" else f"“{label}”"

        shown = {
            k: (q(v, k) if k in ("attr", "largest", "fallback", "combo") else v)
            for k, v in values.items()
        }
        if lang == "fr":
            if "n" in shown:
                shown["n"] = fmt_int(int(shown["n"]), lang)
            for k in ("lo", "hi"):
                if k in shown:
                    shown[k] = shown[k].replace(".", ",").replace("-", "−")
            return french.format(**shown)
        out = text
        for k in ("attr", "largest", "fallback", "combo"):
            if k in values:
                out = out.replace(values[k], shown[k], 1)
        return out
    return text


# ------------------------------------------------------------------------------------------
# Labels of the bundled data's attributes and groups (others are shown as they are)
# ------------------------------------------------------------------------------------------


def words_and(items: list[str], lang: str) -> str:
    """``a, b and c`` / ``a, b et c``.

    Examples
    --------
    >>> words_and(["sexe", "tranche d’âge", "situation familiale"], "fr")
    'sexe, tranche d’âge et situation familiale'
    >>> words_and(["gender"], "en")
    'gender'
    """
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('and', lang)} {items[-1]}"


def attribute_label(name: str, lang: str) -> str:
    """Readable name of an attribute or intersection (``gender × age_band`` → ``gender × age band``).

    Examples
    --------
    >>> attribute_label("gender × family_status", "fr")
    'sexe × situation familiale'
    """
    parts = [p.strip() for p in str(name).split(SEP)]
    user = active_labels()
    out = []
    for p in parts:
        key = f"attr_{p}"
        given = user.attribute(p, check_lang(lang)) if user is not None else None
        out.append(given or (CATALOGUE[key][check_lang(lang)] if key in CATALOGUE else p))
    return SEP.join(out)


def group_label(attribute: str, group: str, lang: str) -> str:
    """Readable label of a group (``woman × 25-34`` → ``women × 25-34``); unknown labels kept.

    Examples
    --------
    >>> group_label("gender", "woman", "fr")
    'femmes'
    >>> group_label("region", "<b>", "en")
    '<b>'
    """
    attrs = [p.strip() for p in str(attribute).split(SEP)]
    groups = [g.strip() for g in str(group).split(SEP)]
    if len(attrs) != len(groups):
        return str(group)
    user = active_labels()
    out = []
    for a, g in zip(attrs, groups, strict=False):
        key = f"g_{a}_{g}"
        given = user.group(a, g, check_lang(lang)) if user is not None else None
        out.append(given or (CATALOGUE[key][check_lang(lang)] if key in CATALOGUE else g))
    return SEP.join(out)
