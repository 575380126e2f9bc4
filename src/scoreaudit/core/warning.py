"""Warnings of an audit as a code with parameters; their text comes from the catalogue.

A warning is an :class:`AuditWarning`: a ``str`` (its English text, as ``results.json`` and the
terminal show it, so results keep their schema) that also carries a ``code`` (a key of
``present/messages.json``) and the raw ``params`` the text is filled with. A report renders it
in its own language from ``code`` and ``params`` (``present.catalogue.render_warning``), never
by re-reading the English sentence; a code without both texts fails the catalogue's tests.

Parameters are raw values; their name says how a text shows them:

* ``attr``: an attribute or intersection name (quoted; a report shows its label);
* ``largest``, ``fallback``, ``combo``, ``group``: a group of ``attr`` (quoted; label in a
  report);
* ``column``: a column name (quoted);
* ``lo``, ``hi``: numbers shown with 4 significant digits;
* ``tables``, ``candidates``, ``most``: whole numbers with thousands separators;
* a parameter may itself be an :class:`AuditWarning` (a fragment rendered in the same
  language); anything else is shown as it is (whole numbers in a report's format).

Examples
--------
>>> w = warning("small_population", n=40)
>>> w
'The population has only 40 files: every group is a small cell.'
>>> w.code, w.params
('warn_small_population', {'n': 40})
>>> w == "The population has only 40 files: every group is a small cell."
True
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "ATTRIBUTE_PARAMS",
    "CELL_LIST_PARAMS",
    "COUNT_PARAMS",
    "GROUP_PARAMS",
    "NUMBER_PARAMS",
    "QUOTED_PARAMS",
    "AuditWarning",
    "warning",
]

#: Parameters naming an attribute (or an intersection).
ATTRIBUTE_PARAMS = frozenset({"attr"})
#: Parameters naming a group of the attribute ``attr``.
GROUP_PARAMS = frozenset({"largest", "fallback", "combo", "group"})
#: Parameters naming something else shown quoted as it is (a column).
QUOTED_PARAMS = frozenset({"column"})
#: Parameters holding a whole number shown with thousands separators.
COUNT_PARAMS = frozenset({"tables", "candidates", "most"})
#: Parameters holding a number shown with 4 significant digits.
NUMBER_PARAMS = frozenset({"lo", "hi"})
#: Parameters listing groups as ``[attribute, group]`` pairs (a final ``"..."`` when cut),
#: shown with the display names of the reader's language.
CELL_LIST_PARAMS = frozenset({"cells"})
#: Prefix of the catalogue keys of warnings.
PREFIX = "warn_"


class AuditWarning(str):
    """A warning: its English text (the ``str`` itself), its ``code`` and its ``params``.

    Examples
    --------
    >>> import pickle
    >>> w = warning("small_population", n=3)
    >>> pickle.loads(pickle.dumps(w)).params
    {'n': 3}
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, text: str, params: dict[str, Any] | None = None) -> AuditWarning:
        obj = super().__new__(cls, text)
        obj.code = code
        obj.params = dict(params or {})
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (AuditWarning, (self.code, str(self), self.params))


@cache
def _english() -> dict[str, str]:
    # The one catalogue (present/messages.json) read as data: a file, not an import upwards.
    path = resources.files("scoreaudit") / "present" / "messages.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v["en"] for k, v in data.items() if k.startswith(PREFIX)}


def plain_value(name: str, value: Any) -> str:
    """``value`` of the parameter ``name`` as the English text of a result shows it.

    Examples
    --------
    >>> plain_value("attr", "gender"), plain_value("lo", -0.25), plain_value("tables", 1234)
    ("'gender'", '-0.25', '1,234')
    """
    if name in ATTRIBUTE_PARAMS or name in GROUP_PARAMS or name in QUOTED_PARAMS:
        return repr(str(value))
    if name in NUMBER_PARAMS:
        return f"{float(value):.4g}"
    if name in COUNT_PARAMS:
        return f"{int(value):,}"
    if name in CELL_LIST_PARAMS:
        return "; ".join(
            item if isinstance(item, str) else f"{item[0]} = {item[1]}" for item in value
        )
    return str(value)


def warning(code: str, **params: Any) -> AuditWarning:
    """The warning ``code`` (without its ``warn_`` prefix) filled with ``params``.

    Examples
    --------
    >>> warning("scores_outside_unit", lo=-0.5, hi=2)[:44]
    'Scores range from -0.5 to 2, outside [0, 1]:'
    """
    key = PREFIX + code
    template = _english()[key]
    text = template.format(**{k: plain_value(k, v) for k, v in params.items()})
    return AuditWarning(key, text, params)
