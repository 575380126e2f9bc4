"""Reference groups: which group each group is compared with, resolved once for every audit kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scoreaudit.core.cells import Sums, View
from scoreaudit.core.vocab import REST, SEP, normalise_key
from scoreaudit.core.warning import warning
from scoreaudit.errors import DataError, quoted

__all__ = ["reference_config", "resolve_references"]


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
