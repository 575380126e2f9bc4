"""Reference groups: which group each group is compared with, resolved once for every audit kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoreaudit.core.cells import Sums, View
from scoreaudit.core.vocab import REST, SEP, normalise_key
from scoreaudit.core.warning import warning
from scoreaudit.errors import DataError, quoted

__all__ = ["Pairs", "reference_config", "resolve_references"]


class Pairs:
    """Which groups of a view are compared with which reference, written once for every
    audit kind: each group but the reference with that group, or every group with the rest
    (``ref`` None).

    Examples
    --------
    >>> p = Pairs(["a", "b", "c"], 1)
    >>> p.groups.tolist(), p.group_labels, p.reference_labels
    ([0, 2], ['a', 'c'], ['b', 'b'])
    >>> p.reference_side(np.array([10, 20, 30])).tolist()
    [20, 20]
    >>> rest = Pairs(["a", "b"], None)
    >>> rest.reference_labels, rest.reference_side(np.array([[1, 2], [3, 5]])).tolist()
    (['(rest)', '(rest)'], [[2, 1], [5, 3]])
    """

    def __init__(self, labels: Any, ref: int | None) -> None:
        labels = list(labels)
        self.reference = ref
        if ref is None:
            self.groups = np.arange(len(labels))
        else:
            self.groups = np.array([g for g in range(len(labels)) if g != ref], dtype=np.int64)
        self.group_labels = [labels[i] for i in self.groups]
        self.reference_labels = [REST if ref is None else labels[ref]] * self.groups.size

    def reference_side(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        """Per compared group, its reference's value of ``values`` (one per group along
        ``axis``): the reference group's own, or the sum over every other group (the rest)."""
        values = np.asarray(values)
        if self.reference is None:
            return values.sum(axis=axis, keepdims=True) - values
        own = np.take(values, [self.reference], axis=axis)
        return np.repeat(own, self.groups.size, axis=axis)


def reference_config(reference: Any, views: list[View], refs: list) -> dict[str, Any]:
    """The references as asked and as used, for a result's (JSON-safe) configuration."""
    asked = (
        reference
        if isinstance(reference, (str, type(None)))
        else {
            str(k if isinstance(k, str) else SEP.join(k)): str(
                v if not isinstance(v, tuple) else SEP.join(v)
            )
            for k, v in reference.items()
        }
    )
    used = {v.name: (REST if r is None else v.labels[r]) for v, r in zip(views, refs, strict=True)}
    return {"reference": asked, "references_used": used}


def resolve_references(
    views: list[View],
    base: dict[str, Sums],
    reference,
    selected: dict[str, np.ndarray] | None = None,
) -> tuple[list, list]:
    """Reference group index per view (None for the 'rest' mode) and warnings.

    A default reference is the largest group. When the largest group has no selected file
    (every ratio to it would be infinite), the largest group with at least one selected file
    is used instead, and a warning says so. Given references are always kept.
    """
    warnings: list[str] = []
    if isinstance(reference, str):
        if reference == "rest":
            return [None] * len(views), warnings
        raise DataError.from_key("err_reference_string", value=reference)
    given: dict[str, str] = {}
    if reference is not None:
        if not isinstance(reference, Mapping):
            raise DataError.from_key("err_reference_type")
        names = {v.name for v in views}
        for k, val in reference.items():
            key = normalise_key(k)
            if key not in names:
                raise DataError.from_key(
                    "err_reference_attribute", key=key, names=", ".join(sorted(names))
                )
            given[key] = (
                normalise_key(val)
                if isinstance(val, (tuple, list))
                else (normalise_key(val) if key.count(SEP) else str(val))
            )
    refs: list = []
    for v in views:
        weight = base[v.name].w
        largest = int(np.argmax(weight))
        if selected is not None and selected[v.name][largest] == 0 and selected[v.name].any():
            fallback = int(np.argmax(np.where(selected[v.name] > 0, weight, -np.inf)))
            if v.name not in given and not (
                len(v.members) > 1 and all(m in given for m in v.members)
            ):
                warnings.append(
                    warning(
                        "reference_fallback",
                        attr=v.name,
                        largest=v.labels[largest],
                        fallback=v.labels[fallback],
                    )
                )
            largest = fallback
        if v.name in given:
            label = given[v.name]
            if label == "rest":
                refs.append(None)
                continue
            if label not in v.labels:
                raise DataError.from_key(
                    "err_reference_group",
                    label=label,
                    name=v.name,
                    groups=quoted(v.labels, limit=40),
                )
            refs.append(v.labels.index(label))
        elif len(v.members) > 1 and all(m in given for m in v.members):
            combo = SEP.join(given[m] for m in v.members)
            if "rest" in (given[m] for m in v.members):
                refs.append(None)
            elif combo in v.labels:
                refs.append(v.labels.index(combo))
            else:
                refs.append(largest)
                warnings.append(
                    warning(
                        "reference_empty_cell", attr=v.name, combo=combo, largest=v.labels[largest]
                    )
                )
        else:
            refs.append(largest)
    return refs, warnings
