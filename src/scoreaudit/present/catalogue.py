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

import numpy as np

from scoreaudit.core.format import (
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
from scoreaudit.core.format import list_sep as list_sep
from scoreaudit.core.format import pct_decimals as pct_decimals
from scoreaudit.core.format import ratio_decimals as ratio_decimals
from scoreaudit.core.messages import CATALOGUE, LANGUAGES, NNBSP, check_lang, t
from scoreaudit.core.messages import MISSING as MISSING
from scoreaudit.core.messages import placeholders as placeholders
from scoreaudit.core.vocab import SEP
from scoreaudit.core.warning import (
    ATTRIBUTE_PARAMS,
    CELL_LIST_PARAMS,
    GROUP_PARAMS,
    NUMBER_PARAMS,
    QUOTED_PARAMS,
    AuditWarning,
    shown,
)
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
    "variable_label",
    "kv_sep",
    "t",
    "render_warning",
]


# ------------------------------------------------------------------------------------------
# Warnings of the audit (a code with parameters) in the report's language
# ------------------------------------------------------------------------------------------


def _warning_value(name: str, value: Any, params: dict[str, Any], lang: str) -> str:
    if name in ATTRIBUTE_PARAMS or name in GROUP_PARAMS:
        raw = str(value)
        if name in ATTRIBUTE_PARAMS:
            label = attribute_label(raw, lang)
        elif "attr" in params:
            label = group_label(str(params["attr"]), raw, lang)
        else:
            label = raw
        return f"« {label} »" if lang == "fr" else f"“{label}”"
    if name in CELL_LIST_PARAMS:
        return list_sep(lang).join(
            item
            if isinstance(item, str)
            else f"{attribute_label(str(item[0]), lang)} = {group_label(str(item[0]), str(item[1]), lang)}"
            for item in shown(value)
        )
    if isinstance(value, AuditWarning):
        return render_warning(value, lang)
    if name in QUOTED_PARAMS:
        return f"« {value} »" if lang == "fr" else f"“{value}”"
    if name in NUMBER_PARAMS:
        text = f"{float(value):.4g}"
        return text.replace(".", ",").replace("-", "−") if lang == "fr" else text
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return fmt_int(int(value), lang)
    return str(value)


def render_warning(w: Any, lang: str) -> str:
    """A warning of :attr:`AuditResult.warnings` in ``lang``, from its code and parameters.

    An :class:`~scoreaudit.core.warning.AuditWarning` is rendered by :func:`t` from its code,
    its attributes and groups shown with the labels the tables use; any other text (a warning
    read back from an older ``results.json``) is shown as it is.

    Examples
    --------
    >>> from scoreaudit.core.warning import warning
    >>> render_warning(warning("small_population", n=40), "fr")
    'La population ne compte que 40 dossiers : chaque groupe est un petit effectif.'
    >>> render_warning(warning("reference_fallback", attr="a", largest="x", fallback="y"),
    ...                "en")[:40]
    'The largest group of “a”, “x”, has no se'
    >>> render_warning("Something new.", "fr")
    'Something new.'
    """
    if not isinstance(w, AuditWarning):
        return str(w)
    shown = {k: _warning_value(k, v, w.params, lang) for k, v in w.params.items()}
    return t(w.code, lang, **shown)


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


def variable_label(name: str, lang: str) -> str:
    """Readable name of a model input (a column the model reads, or a term of a scorecard).

    The user's labels first, then the catalogue's names of the bundled data's variables, then
    the attribute's name when the input is also a protected attribute; else the name itself.

    Examples
    --------
    >>> variable_label("income_to_ceiling", "fr"), variable_label("gender", "fr")
    ('revenu rapporté au plafond', 'sexe')
    >>> variable_label("rent", "en")
    'rent'
    """
    name = str(name)
    user = active_labels()
    given = user.variable(name, check_lang(lang)) if user is not None else None
    if given:
        return given
    key = f"var_{name}"
    if key in CATALOGUE:
        return CATALOGUE[key][check_lang(lang)]
    return attribute_label(name, lang)


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
