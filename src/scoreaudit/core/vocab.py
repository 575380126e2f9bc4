"""The audit's vocabulary, defined once: how intersections are named and what "rest" means.

Examples
--------
>>> normalise_key("gender * family_status")
'gender × family_status'
>>> normalise_key(("woman", "single_parent"))
'woman × single_parent'
>>> join(["a", "b"]), split("a × b")
('a × b', ['a', 'b'])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "MISSING_LABEL",
    "REST",
    "REST_KEYWORD",
    "SEP",
    "intersection_mask",
    "is_intersection",
    "join",
    "normalise_key",
    "split",
]

#: Separator between attribute names (and between group labels) of an intersection.
SEP = " × "
#: Label given to missing values of a protected attribute when ``missing="category"``.
MISSING_LABEL = "(missing)"
#: The word a user gives to compare each group with all the others (``reference="rest"``).
REST_KEYWORD = "rest"
#: Label of the comparison group in ``reference="rest"`` mode, as shown in tables.
REST = "(rest)"
#: Separators a user may type instead of " × " when naming an intersection.
_TYPED_SEPARATORS = ("*", "×", " x ", "&")


def join(parts: Iterable[Any]) -> str:
    """Join attribute names (or group labels) into an intersection's name."""
    return SEP.join(str(p) for p in parts)


def split(name: Any) -> list[str]:
    """The attribute names (or group labels) of an intersection; one item for a single one."""
    return [p.strip() for p in str(name).split(SEP.strip())]


def is_intersection(name: Any) -> bool:
    """Whether ``name`` names an intersection of several attributes."""
    return SEP.strip() in str(name)


def intersection_mask(names: Iterable[Any]) -> np.ndarray:
    """Boolean array: which of ``names`` (a table's attribute column) name intersections.

    Examples
    --------
    >>> intersection_mask(["gender", "gender × age"]).tolist()
    [False, True]
    """
    return np.fromiter((is_intersection(n) for n in names), dtype=bool)


def normalise_key(key: Any) -> str:
    """An attribute or intersection name as the audit spells it.

    Accepts a tuple of names, or text joined by ``*``, ``×``, `` x `` or ``&``.
    """
    if isinstance(key, (tuple, list)):
        return SEP.join(str(k).strip() for k in key)
    key = str(key)
    for sep in _TYPED_SEPARATORS:
        if sep in key:
            return SEP.join(part.strip() for part in key.split(sep))
    return key.strip()
