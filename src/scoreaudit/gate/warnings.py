"""The warnings a published result keeps: none that names or counts a hidden row.

Warnings are written while the engines run, before the gate knows what it hides, and some
name groups by a property of their counts ("the estimated number of missed errors is
negative for ...", "column prec does not round-trip for group d: the whole counts tp = 3 and
selected = 8 ..."). An attack on the published files read hidden counts back from them and
told small rows from complements (a group named, or not named, in such a list bounds its
counts). The gate therefore passes every warning through :func:`gate_warnings` once the
masks are final:

* a list of groups (``cells``) loses its hidden groups, and the warning goes when none is
  left (its count ``n`` is the length of the list kept);
* a warning naming a hidden group (``attr`` with ``group``, ``largest``, ``combo``...; or a
  table row's label ``group`` alone, as a count table's warnings do) goes, and so does one
  whose fragments name one;
* warnings that count or summarise rows without naming them (``SUMMARY_CODES``) go when
  anything is hidden: their numbers include the hidden rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scoreaudit.core.warning import CELL_LIST_PARAMS, GROUP_PARAMS, PREFIX, AuditWarning, warning

__all__ = ["SUMMARY_CODES", "gate_warnings", "hidden_pairs"]

#: Warnings whose numbers are taken over every row, hidden ones included, without naming them.
SUMMARY_CODES = frozenset(
    {
        "warn_counts_more_mismatch",
        "warn_counts_more_ambiguous",
        "warn_counts_ratio_ranges",
        "warn_funnel_not_multiples",  # counts hidden cells, and may point at one
    }
)


def _named(w: AuditWarning) -> tuple[set[tuple[str, str]], set[str]]:
    """Groups a warning (or one of its fragments) names: ``(attribute, group)`` pairs, and
    bare labels (a row of a count table, named without its attribute)."""
    pairs: set[tuple[str, str]] = set()
    labels: set[str] = set()
    params = getattr(w, "params", {}) or {}
    for name in GROUP_PARAMS & params.keys():
        if "attr" in params:
            pairs.add((str(params["attr"]), str(params[name])))
        else:
            labels.add(str(params[name]))
    for value in params.values():
        if isinstance(value, AuditWarning):
            p, lab = _named(value)
            pairs |= p
            labels |= lab
    return pairs, labels


def _kept_cells(w: AuditWarning, hidden: set[tuple[str, str]]) -> AuditWarning | None:
    params = dict(w.params)
    for name in CELL_LIST_PARAMS & params.keys():
        cells = [c for c in params[name] if not isinstance(c, str)]  # (the list is whole)
        kept = [c for c in cells if (str(c[0]), str(c[1])) not in hidden]
        if not kept:
            return None
        if len(kept) == len(cells):
            return w
        params[name] = kept
        if "n" in params:
            params["n"] = len(kept)
    return warning(w.code.removeprefix(PREFIX), **params)


def hidden_pairs(groups: Any, hidden: Any) -> set[tuple[str, str]]:
    """``(attribute, group)`` of the rows of a groups table where ``hidden`` is true.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"attribute": ["g", "g"], "group": ["a", "b"]})
    >>> hidden_pairs(g, [False, True])
    {('g', 'b')}
    """
    rows = zip(groups["attribute"].astype(str), groups["group"].astype(str), hidden, strict=True)
    return {(a, g) for a, g, h in rows if h}


def gate_warnings(
    warnings: Iterable[Any], hidden: set[tuple[str, str]], anything_hidden: bool
) -> list[Any]:
    """The warnings to publish, given the ``(attribute, group)`` rows with a hidden count.

    Examples
    --------
    >>> w = warning("controls_absent", n=2, cells=[["g", "a"], ["g", "b"]])
    >>> [str(x)[:40] for x in gate_warnings([w], {("g", "a")}, True)]
    ['1 group(s) have no random control, so th']
    >>> gate_warnings([w], {("g", "a"), ("g", "b")}, True)
    []
    """
    labels = {g for _, g in hidden}
    out = []
    for w in warnings:
        if not isinstance(w, AuditWarning):
            out.append(w)
            continue
        if w.code in SUMMARY_CODES and anything_hidden:
            continue
        pairs, bare = _named(w)
        if pairs & hidden or bare & labels:
            continue
        kept = _kept_cells(w, hidden) if CELL_LIST_PARAMS & w.params.keys() else w
        if kept is not None:
            out.append(kept)
    return out
