"""The publication gate of the results from counts: control logs and published confusion
matrices (:class:`~scoreaudit.engines.aggregate.AggregateResult`).

The rule is the core gate's: every observed count is checked with
:func:`~scoreaudit.gate.publish.small_count`, then protected over the margins with
:func:`~scoreaudit.gate.complements.protect_groups`, count by count. What a kind of result
counts, and which published numbers rest on which counts, is declared by its engine as
:class:`CountRules` (the result's ``count_rules``): the gate knows no kind by name.

Examples
--------
>>> import pandas as pd
>>> from scoreaudit.engines.counts import audit_counts
>>> t = pd.DataFrame({"g": ["a", "b"], "tp": [50, 3], "fp": [200, 100], "tn": [700, 800],
...                   "fn": [50, 70]})
>>> res = audit_counts(t, "g", tp="tp", fp="fp", tn="tn", fn="fn", reference={"g": "a"})
>>> pub, info = publish_aggregate(res)
>>> info.primary, pub.groups["tp"].isna().tolist()
(1, [True, True])
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.gate.complements import protect_groups
from scoreaudit.gate.publish import Suppression, blank_rows, small_count

__all__ = ["CountRules", "publish_aggregate"]


@dataclass(frozen=True)
class CountRules:
    """What the published numbers of one kind of result from counts rest on.

    Attributes
    ----------
    counts : mapping
        The observed counts: name -> column of the groups table, or ``(total, part)`` for
        the count ``total - part`` (a table's ``not_selected`` is ``n - selected``).
    metric_counts : mapping
        Comparison metric -> the counts it rests on, for the group and its reference
        (a metric not listed rests on every count).
    column_counts : tuple
        ``(column prefix, counts)`` of the groups table: the columns blanked with those
        counts (``"*"``: with any count).
    coupled : tuple
        Counts of a row that determine each other, hidden together.
    parts : tuple
        ``(total, (part, other))``: a count split in two (controls with and without errors).
        The three are protected together (a published total bounds its hidden parts from
        above, a published part its hidden total from below), and a hidden total hides its
        parts.
    pseudo_references : tuple
        References that are totals, not groups (never hidden).
    summary_totals : mapping
        Counts of ``data_summary`` (results.json) -> the summary counts they are the sum of:
        a small count is hidden (``None``), and so is a sum one of whose terms is, with the
        warnings that quote it (a small total bounds every group's count under it).
    summary_warnings : mapping
        Warning code -> (the ``data_summary`` count it quotes, a function of ``min_cell``
        giving the warning said instead, without the number, when that count is hidden).

    Examples
    --------
    >>> CountRules().counts
    {'n': 'n'}
    """

    counts: Mapping[str, Any] = field(default_factory=lambda: {"n": "n"})
    metric_counts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    column_counts: tuple[tuple[str, Any], ...] = ()
    coupled: tuple[tuple[str, ...], ...] = ()
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    summary_totals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    summary_warnings: Mapping[str, tuple[str, Callable[[int], Any]]] = field(default_factory=dict)
    pseudo_references: tuple[str, ...] = ()


def _protect_counts(groups, values_of, masks, rules, min_cell, suppress_zero):
    """Complements in each count column, and counts of a row that determine each other
    hidden together, until neither adds anything (each pass hides more, so it ends)."""
    masks = dict(masks)
    for _ in range(len(groups) + 1):
        before = {k: m.copy() for k, m in masks.items()}
        for name, v in values_of.items():
            if not masks[name].any():
                continue
            frame = pd.DataFrame(
                {"attribute": groups["attribute"], "group": groups["group"], "n": np.nan_to_num(v)}
            )
            masks[name] = (
                masks[name]
                | protect_groups(frame, min_cell, suppress_zero=suppress_zero, hidden=masks[name])[
                    "size"
                ]
            )
        for total, parts in rules.parts:  # a hidden total hides its parts
            for name in parts:
                if name in masks and total in masks:
                    masks[name] = masks[name] | masks[total]
        for names in rules.coupled:
            joint = np.zeros(len(groups), dtype=bool)
            for name in names:
                joint |= masks.get(name, joint)
            for name in names:
                if name in masks:
                    masks[name] = masks[name] | joint
        if all(np.array_equal(before[k], masks[k]) for k in masks):
            break
    return masks


def _protect_parts(groups, values_of, masks, rules, min_cell, suppress_zero):
    """Each ``(total, (part, other))`` of the rules protected together by the attacker-driven
    complement search: a published total bounds its hidden parts from above and a published
    part bounds its total from below, which a count-by-count search does not see."""
    masks = dict(masks)
    for total, (part, other) in rules.parts:
        if not all(k in values_of for k in (total, part, other)):
            continue
        frame = pd.DataFrame(
            {
                "attribute": groups["attribute"],
                "group": groups["group"],
                "n": np.nan_to_num(values_of[total]),
                "selected": np.nan_to_num(values_of[part]),
            }
        )
        got = protect_groups(frame, min_cell, suppress_zero=suppress_zero, hidden=masks[total])
        masks[total] = masks[total] | got["size"]
        for name in (part, other):
            masks[name] = masks[name] | got["size"] | got["selection"]
    return masks


def _protect_summary(result, rules, min_cell, suppress_zero):
    """``data_summary`` without its small totals, and the warnings without those quoting one."""
    summary = dict(getattr(result, "data_summary", None) or {})
    hidden = set()
    for key in rules.summary_totals:
        value = summary.get(key)
        if (
            isinstance(value, (int, float))
            and small_count(np.array([float(value)]), min_cell, suppress_zero)[0]
        ):
            hidden.add(key)
    for key, terms in rules.summary_totals.items():
        if set(terms) & hidden:
            hidden.add(key)
    for key in hidden:
        summary[key] = None
    warnings = [
        rules.summary_warnings[w.code][1](min_cell)
        if getattr(w, "code", None) in rules.summary_warnings
        and rules.summary_warnings[w.code][0] in hidden
        else w
        for w in getattr(result, "warnings", [])
    ]
    return summary, warnings


def publish_aggregate(
    result: Any, min_cell: int | None = None, *, suppress_zero: bool = False, secondary: bool = True
) -> tuple[Any, Suppression]:
    """A copy of an aggregate result safe to publish, and what was suppressed.

    Every observed count (random and score-picked controls, errors found in each, and their
    complements; or the published TP, FP, TN, FN and their sums) is checked with
    :func:`~scoreaudit.gate.publish.small_count` (1 to ``min_cell - 1``; 0 too with ``suppress_zero``), then
    protected over the margins with :func:`scoreaudit.gate.complements.protect_groups`, count by count
    (the groups of an attribute add up to published totals). A comparison is suppressed when
    a count it rests on is suppressed for the group or its reference (the representation
    rests on the numbers of controls, the precision on the score's hits and misses, ...); the
    numbers of the groups table are blanked by the counts they rest on, and a whole group row
    when its size is small. Tables get a ``suppressed`` column (``groups``: the whole row).
    """
    if min_cell is None:
        min_cell = int((getattr(result, "config", {}) or {}).get("min_cell", 11))
    # the report and the terminal publish the same result: protect it once (integer programs)
    key = (int(min_cell), bool(suppress_zero), bool(secondary))
    cache = (
        vars(result).setdefault("_aggregate_gate_cache", {}) if hasattr(result, "__dict__") else {}
    )
    if key not in cache:
        cache[key] = _publish_aggregate(result, int(min_cell), bool(suppress_zero), bool(secondary))
    return copy.deepcopy(cache[key])


def _publish_aggregate(
    result: Any, min_cell: int, suppress_zero: bool, secondary: bool
) -> tuple[Any, Suppression]:
    rules = getattr(result, "count_rules", None) or CountRules()
    groups = result.groups.reset_index(drop=True)
    counts = rules.counts

    def values(expr: Any) -> np.ndarray:
        if isinstance(expr, tuple):
            total, part = (pd.to_numeric(groups[c], errors="coerce").to_numpy(float) for c in expr)
            return total - part
        return pd.to_numeric(groups[expr], errors="coerce").to_numpy(float)

    values_of = {
        name: values(expr)
        for name, expr in counts.items()
        if all(c in groups.columns for c in (expr if isinstance(expr, tuple) else (expr,)))
    }
    masks = {name: small_count(v, min_cell, suppress_zero) for name, v in values_of.items()}
    primary = np.zeros(len(groups), dtype=bool)
    for m in masks.values():
        primary |= m
    if secondary and primary.any():
        masks = _protect_parts(groups, values_of, masks, rules, min_cell, suppress_zero)
        masks = _protect_counts(groups, values_of, masks, rules, min_cell, suppress_zero)
    any_count = np.zeros(len(groups), dtype=bool)
    for m in masks.values():
        any_count |= m
    size = small_count(groups["n"], min_cell, suppress_zero)
    if secondary and size.any():
        size = protect_groups(
            groups[["attribute", "group", "n"]], min_cell, suppress_zero=suppress_zero
        )["size"]

    pub_groups = groups.copy()
    for prefix, needs in rules.column_counts:
        cols = [c for c in groups.columns if c == prefix or c.startswith(prefix + "_")]
        if not cols:
            continue
        mask = np.zeros(len(groups), dtype=bool)
        for name in masks if needs == "*" else needs:
            mask |= masks.get(name, np.zeros(len(groups), dtype=bool))
        pub_groups = blank_rows(pub_groups, mask, cols)
    pub_groups = blank_rows(
        pub_groups, size, [c for c in groups.columns if c not in ("attribute", "group")]
    )
    pub_groups["suppressed"] = size

    key = groups["attribute"].astype(str) + "\x00" + groups["group"].astype(str)
    d = result.disparities.reset_index(drop=True)
    dkey = d["attribute"].astype(str) + "\x00" + d["group"].astype(str)
    rkey = d["attribute"].astype(str) + "\x00" + d["reference"].astype(str)
    pseudo = d["reference"].astype(str).isin(rules.pseudo_references).to_numpy()
    d_mask = np.zeros(len(d), dtype=bool)
    metric_counts = rules.metric_counts
    for metric, idx in d.groupby(d["metric"].astype(str), sort=False).groups.items():
        need = metric_counts.get(metric, tuple(masks))
        m = size.copy()
        for name in need:
            m |= masks.get(name, np.zeros(len(groups), dtype=bool))
        sup = dict(zip(key, m, strict=False))
        rows = np.asarray(list(idx))
        g_sup = dkey.iloc[rows].map(sup).astype(object).fillna(True).to_numpy(bool)
        r_sup = np.where(
            pseudo[rows], False, rkey.iloc[rows].map(sup).astype(object).fillna(True).to_numpy(bool)
        )
        d_mask[rows] = g_sup | r_sup
    pub_d = blank_rows(
        d, d_mask, [c for c in d.columns if c not in ("attribute", "group", "reference", "metric")]
    )
    pub_d["suppressed"] = d_mask
    n_final = int(np.logical_or.reduce([*masks.values(), size]).sum()) if masks else int(size.sum())
    info = Suppression(
        min_cell=min_cell,
        suppress_zero=suppress_zero,
        primary=int(primary.sum()),
        secondary=max(n_final - int(primary.sum()), 0),
        rows={
            "groups": int(size.sum()),
            "groups_partly": int((any_count & ~size).sum()),
            "disparities": int(d_mask.sum()),
        },
    )
    summary, warnings = _protect_summary(result, rules, min_cell, suppress_zero)
    published = dataclasses.replace(
        result, groups=pub_groups, disparities=pub_d, data_summary=summary, warnings=warnings
    )
    return published, info
