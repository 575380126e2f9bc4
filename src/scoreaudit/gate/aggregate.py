"""The publication gate of the results from counts: control logs and published confusion
matrices (:class:`~scoreaudit.engines.aggregate.AggregateResult`).

The rule is the core gate's: every observed count is checked with
:func:`~scoreaudit.gate.rules.small_count`, then protected over the margins with
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
from scipy.optimize import Bounds, LinearConstraint
from scipy.sparse import coo_matrix

from scoreaudit.core.vocab import REST, SEP
from scoreaudit.gate._solver import cover_options, milp
from scoreaudit.gate.attack import System, narrow
from scoreaudit.gate.complements import UNPUBLISHED, margin_lines, protect_groups
from scoreaudit.gate.rules import Suppression, blank_rows, flags_by_key, small_count
from scoreaudit.gate.verify import Hardening, harden, intervals_or_unknown
from scoreaudit.gate.warnings import gate_warnings, hidden_pairs

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
    zero_warnings : mapping
        Warning code -> a function giving the warning said instead, without naming groups,
        when zero counts are suppressed (``suppress_zero``): the warning names groups by a
        zero count ("no random control"), which the tables then hide.
    atoms : mapping
        Count -> the row's finest counts (atoms) it is the sum of (a count not listed is an
        atom): ``n`` of a confusion matrix is ``tp + fp + tn + fn``. The gate's attacker
        (:class:`_Attack`) reads every published count as such a sum.
    summary_counts : mapping
        ``data_summary`` key -> the counts whose population total it publishes (the
        attacker's totals; a key the gate hid is unknown to it).

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
    zero_warnings: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    pseudo_references: tuple[str, ...] = ()
    atoms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    summary_counts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


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
        masks = _closure(masks, rules, len(groups))
        if all(np.array_equal(before[k], masks[k]) for k in masks):
            break
    return masks


def _closure(masks: dict[str, np.ndarray], rules: CountRules, n: int) -> dict[str, np.ndarray]:
    """A hidden total hides its parts; counts of a row that determine each other are hidden
    together."""
    for total, parts in rules.parts:
        for name in parts:
            if name in masks and total in masks:
                masks[name] = masks[name] | masks[total]
    for names in rules.coupled:
        joint = np.zeros(n, dtype=bool)
        for name in names:
            joint |= masks.get(name, joint)
        for name in names:
            if name in masks:
                masks[name] = masks[name] | joint
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
    warnings = []
    for w in getattr(result, "warnings", []):
        code = getattr(w, "code", None)
        if code in rules.summary_warnings and rules.summary_warnings[code][0] in hidden:
            w = rules.summary_warnings[code][1](min_cell)
        elif suppress_zero and code in rules.zero_warnings:
            w = rules.zero_warnings[code]()  # it names groups whose zero count is hidden
        warnings.append(w)
    return summary, warnings


def publish_aggregate(
    result: Any, min_cell: int | None = None, *, suppress_zero: bool = False, secondary: bool = True
) -> tuple[Any, Suppression]:
    """A copy of an aggregate result safe to publish, and what was suppressed.

    Every observed count (random and score-picked controls, errors found in each, and their
    complements; or the published TP, FP, TN, FN and their sums) is checked with
    :func:`~scoreaudit.gate.rules.small_count` (1 to ``min_cell - 1``; 0 too with ``suppress_zero``), then
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
        options = (int(min_cell), bool(suppress_zero), bool(secondary))
        published, info, decided = _publish_aggregate(result, *options)
        rerun = getattr(result, "_without_resampling", None)
        if rerun is not None and info.primary + info.secondary > 0:
            # Bootstrap bounds of published rows come from one draw over every cell, hidden
            # ones too, with a published seed: re-running it for each candidate value of the
            # hidden counts found the true ones. The same counts with analytic intervals,
            # under the same masks (they depend on the counts only: checked).
            published, info, _ = _publish_aggregate(rerun(), *options, decided=decided)
        cache[key] = (published, info)
    return copy.deepcopy(cache[key])


def _publish_aggregate(
    result: Any, min_cell: int, suppress_zero: bool, secondary: bool, decided: Any = None
) -> tuple[Any, Suppression, Any]:
    """The published copy, its record, and the masks decided (``decided``: reuse masks
    decided for a result with the same counts)."""
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
    d = result.disparities.reset_index(drop=True)
    summary, warnings = _protect_summary(result, rules, min_cell, suppress_zero)
    tables = _Tables(groups, d, rules, values_of, min_cell, suppress_zero)
    if decided is None or not _same_counts(decided[0], values_of):
        rule = (min_cell, suppress_zero, secondary)
        decided = (values_of, *_decide(groups, values_of, rules, tables, summary, rule))
    _, masks, size, primary, unprotectable = decided
    any_count = np.zeros(len(groups), dtype=bool)
    for m in masks.values():
        any_count |= m
    pub_groups, pub_d, d_mask = tables.publish(masks, size)
    n_final = int(np.logical_or.reduce([*masks.values(), size]).sum()) if masks else int(size.sum())
    info = Suppression(
        min_cell=min_cell,
        suppress_zero=suppress_zero,
        primary=int(primary.sum()),
        secondary=max(n_final - int(primary.sum()), 0),
        unprotectable=len(unprotectable),
        rows={
            "groups": int(size.sum()),
            "groups_partly": int((any_count & ~size).sum()),
            "disparities": int(d_mask.sum()),
        },
    )
    hidden_rows = np.logical_or.reduce([*masks.values(), size])
    warnings = gate_warnings(warnings, hidden_pairs(groups, hidden_rows), bool(hidden_rows.any()))
    published = dataclasses.replace(
        result, groups=pub_groups, disparities=pub_d, data_summary=summary, warnings=warnings
    )
    return published, info, decided


def _same_counts(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


def _decide(groups, values_of, rules, tables, summary, rule):
    """Masks of the counts, of the sizes and of the rows with a small count, and the counts
    left unprotectable: small counts, their complements, then the exact attacker's word.
    ``rule``: ``(min_cell, suppress_zero, secondary)``."""
    min_cell, suppress_zero, secondary = rule
    masks = {name: small_count(v, min_cell, suppress_zero) for name, v in values_of.items()}
    primary = np.zeros(len(groups), dtype=bool)
    for m in masks.values():
        primary |= m
    if secondary and primary.any():
        masks = _protect_parts(groups, values_of, masks, rules, min_cell, suppress_zero)
        masks = _protect_counts(groups, values_of, masks, rules, min_cell, suppress_zero)
    size = small_count(groups["n"], min_cell, suppress_zero)
    if secondary and size.any():
        size = protect_groups(
            groups[["attribute", "group", "n"]], min_cell, suppress_zero=suppress_zero
        )["size"]
    unprotectable: list = []
    if secondary and (primary.any() or size.any()):
        # the exact attacker has the last word on the final masks (gate.verify)
        check = _Attack(tables, values_of, summary, min_cell, suppress_zero)
        (masks, size), unprotectable = harden(check.problem(), (masks, size), min_cell)
    return masks, size, primary, unprotectable


class _Tables:
    """The published groups and comparisons tables of given masks (the gate's blanking).

    A comparison with everyone else (reference ``"(rest)"``) publishes the rest's counts:
    the sums of the attribute's other rows. It rests on the group's counts and is hidden
    when one of the rest's counts is small, as a group's would be.
    """

    def __init__(
        self,
        groups: pd.DataFrame,
        d: pd.DataFrame,
        rules: CountRules,
        values_of: Mapping[str, np.ndarray],
        min_cell: int,
        suppress_zero: bool,
    ) -> None:
        self.groups, self.d, self.rules = groups, d, rules
        self.n = len(groups)
        self.key = groups["attribute"].astype(str) + "\x00" + groups["group"].astype(str)
        self.dkey = d["attribute"].astype(str) + "\x00" + d["group"].astype(str)
        self.rkey = d["attribute"].astype(str) + "\x00" + d["reference"].astype(str)
        self.pseudo = d["reference"].astype(str).isin(rules.pseudo_references).to_numpy()
        self.by_metric = {
            str(m): np.asarray(list(idx))
            for m, idx in d.groupby(d["metric"].astype(str), sort=False).groups.items()
        }
        self._rest(values_of, min_cell, suppress_zero)

    def _rest(self, values_of: Mapping[str, np.ndarray], min_cell: int, zero: bool) -> None:
        """Rows of each rest comparison's attribute, its group's row, and its small counts."""
        d, groups = self.d, self.groups
        self.rest = (d["reference"].astype(str) == REST).to_numpy() & ~self.pseudo
        attrs = groups["attribute"].astype(str).to_numpy()
        self.attr_rows = {a: np.flatnonzero(attrs == a) for a in np.unique(attrs)}
        row_of = {k: i for i, k in enumerate(self.key)}
        self.group_row = np.array([row_of.get(k, -1) for k in self.dkey], dtype=np.int64)
        self.rest_value: dict[str, np.ndarray] = {}
        self.rest_small: dict[str, np.ndarray] = {}
        d_attr = d["attribute"].astype(str).to_numpy()
        for c, v in values_of.items():
            sums = {a: float(v[rows].sum()) for a, rows in self.attr_rows.items()}
            total = np.array([sums.get(a, np.nan) for a in d_attr])
            own = np.where(self.group_row >= 0, v[np.maximum(self.group_row, 0)], np.nan)
            value = np.where(self.rest, total - own, np.nan)
            self.rest_value[c] = value
            self.rest_small[c] = self.rest & (
                ~np.isfinite(value) | small_count(value, min_cell, zero)
            )

    def column_masks(self, masks: Mapping[str, np.ndarray]) -> list[tuple[list[str], np.ndarray]]:
        """The groups table's columns blanked by the counts they rest on, and where."""
        out = []
        for prefix, needs in self.rules.column_counts:
            cols = [c for c in self.groups.columns if c == prefix or c.startswith(prefix + "_")]
            if not cols:
                continue
            mask = np.zeros(self.n, dtype=bool)
            for name in masks if needs == "*" else needs:
                mask |= masks.get(name, np.zeros(self.n, dtype=bool))
            out.append((cols, mask))
        return out

    def comparison_mask(self, masks: Mapping[str, np.ndarray], size: np.ndarray) -> np.ndarray:
        """Comparisons resting on a hidden count of the group or its reference."""
        d_mask = np.zeros(len(self.d), dtype=bool)
        for metric, rows in self.by_metric.items():
            need = self.rules.metric_counts.get(metric, tuple(masks))
            m = size.copy()
            for name in need:
                m |= masks.get(name, np.zeros(self.n, dtype=bool))
            sup = dict(zip(self.key, m, strict=False))
            g_sup = flags_by_key(self.dkey.iloc[rows], sup, missing=True)
            r_sup = np.where(
                self.pseudo[rows],
                False,
                flags_by_key(self.rkey.iloc[rows], sup, missing=True),
            )
            rest = self.rest[rows]
            if rest.any():
                small = np.zeros(rows.size, dtype=bool)
                for name in need:
                    small |= self.rest_small.get(name, self.rest)[rows]
                r_sup = np.where(rest, small, r_sup)
            d_mask[rows] = g_sup | r_sup
        return d_mask

    def rest_relations(self, d_mask: np.ndarray) -> list[tuple[int, str, float]]:
        """What the published rest comparisons give back: (comparison row, count, value),
        the count summed over the attribute's rows but the group's."""
        out = []
        for metric, rows in self.by_metric.items():
            rows = rows[self.rest[rows] & ~d_mask[rows]]
            for c in self.rules.metric_counts.get(metric, tuple(self.rest_value)):
                if c in self.rest_value:
                    out += [(int(j), c, float(self.rest_value[c][j])) for j in rows]
        return out

    def publish(self, masks: Mapping[str, np.ndarray], size: np.ndarray):
        groups, d = self.groups, self.d
        pub_groups = groups.copy()
        for cols, mask in self.column_masks(masks):
            pub_groups = blank_rows(pub_groups, mask, cols)
        pub_groups = blank_rows(
            pub_groups, size, [c for c in groups.columns if c not in ("attribute", "group")]
        )
        pub_groups["suppressed"] = size
        d_mask = self.comparison_mask(masks, size)
        pub_d = blank_rows(
            d,
            d_mask,
            [c for c in d.columns if c not in ("attribute", "group", "reference", "metric")],
        )
        pub_d["suppressed"] = d_mask
        return pub_groups, pub_d, d_mask


#: A state of the attacker-driven search: (masks of the counts, mask of hidden group rows).
_State = tuple[dict[str, np.ndarray], np.ndarray]


class _Attack:
    """The integer-programming attacker of an aggregate result's published tables.

    It knows, from the gate's own tables, every count published in the groups table (a count
    whose columns are not blank) or given back by a published comparison (the counts its
    metric rests on, for the group and its reference), the population totals of
    ``data_summary`` the gate publishes (``CountRules.summary_counts``), that each count is
    a sum of its row's atoms (``CountRules.atoms``), that the groups of an attribute and the
    cells of an intersection add up to the coarser rows (:func:`margin_lines`) and that the
    atoms are non-negative whole counts. Its targets are the hidden small counts.
    """

    def __init__(
        self,
        tables: _Tables,
        values_of: Mapping[str, np.ndarray],
        summary: Mapping[str, Any],
        min_cell: int,
        suppress_zero: bool,
    ) -> None:
        self.tables, self.values, self.min_cell = tables, values_of, min_cell
        rules, groups, n = tables.rules, tables.groups, tables.n
        self.atoms = {c: tuple(rules.atoms.get(c, (c,))) for c in values_of}
        self.atoms = {c: a for c, a in self.atoms.items() if all(x in values_of for x in a)}
        self.atom_names = list(dict.fromkeys(a for c in self.atoms for a in self.atoms[c]))
        # a count whose declared sum does not hold on a row (unknown or rebuilt counts) says
        # nothing about its atoms there
        self.ok = {}
        for c, parts in self.atoms.items():
            total = np.sum([values_of[a] for a in parts], axis=0)
            self.ok[c] = np.isfinite(values_of[c]) & np.isclose(total, values_of[c])
        self.small = {
            c: small_count(values_of[c], min_cell, suppress_zero) & self.ok[c] for c in self.atoms
        }
        self.lines = [ln for ln in margin_lines(groups) if ln.total != UNPUBLISHED]
        self.neighbours: list[set[int]] = [set() for _ in range(n)]
        for ln in self.lines:
            members = set(ln.cells) | ({ln.total} if ln.total is not None else set())
            for r in members:
                self.neighbours[r] |= members
        self.depth = groups["attribute"].astype(str).str.count(SEP).to_numpy()
        refs = set(tables.rkey[~tables.pseudo])
        self.is_reference = tables.key.isin(refs).to_numpy()
        self.row_of = {k: i for i, k in enumerate(tables.key)}
        self.size_of = np.nan_to_num(pd.to_numeric(groups["n"], errors="coerce").to_numpy(float))
        self.totals = {}
        for key, names in rules.summary_counts.items():
            value = summary.get(key)
            if isinstance(value, (int, float)) and np.isfinite(value):
                if all(c in self.atoms for c in names):
                    self.totals[tuple(names)] = float(value)
        # a count hidden by its own mask blanks its columns; one that is not (a table's
        # size, published with every group row) is hidden with the whole row
        blanked_by = {c: False for c in self.atoms}
        for prefix, needs in rules.column_counts:
            for c in self.atoms:
                expr = rules.counts.get(c)
                cols = expr if isinstance(expr, tuple) else (expr,)
                if any(x == prefix or str(x).startswith(prefix + "_") for x in cols):
                    blanked_by[c] |= needs == "*" or c in needs
        self.blankable = blanked_by

    def problem(self) -> Hardening:
        return Hardening(
            self.narrow, self.width, self.candidates, self.hide, self.cover, self.hide_all
        )

    @staticmethod
    def hide_all(state: _State) -> _State:
        """Every count and every group size hidden (the last resort of :func:`harden`)."""
        masks, size = state
        return {k: np.ones_like(m) for k, m in masks.items()}, np.ones_like(size)

    def known(self, state: _State, d_mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Where each count is published or given back, under ``state`` (``d_mask``: its
        hidden comparisons, when the caller has them)."""
        masks, size = state
        t = self.tables
        blank: dict[str, np.ndarray] = {}
        for cols, mask in t.column_masks(masks):
            for c in cols:
                blank[c] = blank.get(c, np.zeros(t.n, dtype=bool)) | mask
        out = {}
        for c in self.atoms:
            expr = t.rules.counts.get(c, c)
            cols = expr if isinstance(expr, tuple) else (expr,)
            hidden = size.copy()
            for x in cols:
                hidden |= blank.get(x, np.zeros(t.n, dtype=bool))
            out[c] = ~hidden & self.ok[c]
        if d_mask is None:
            d_mask = t.comparison_mask(masks, size)
        for metric, rows in t.by_metric.items():
            rows = rows[~d_mask[rows]]
            if not rows.size:
                continue
            need = [c for c in t.rules.metric_counts.get(metric, tuple(masks)) if c in out]
            at = [self.row_of.get(k, -1) for k in t.dkey.iloc[rows]]
            at += [
                self.row_of.get(k, -1)
                for k, p in zip(t.rkey.iloc[rows], t.pseudo[rows], strict=True)
                if not p
            ]
            at_rows = np.array([r for r in at if r >= 0], dtype=int)
            for c in need:
                out[c][at_rows] |= self.ok[c][at_rows]
        return out

    def _system(self, state: _State) -> tuple[System, dict[tuple[int, str], int]]:
        s = System()
        x = {(r, a): s.var(f"{r}:{a}") for r in range(self.tables.n) for a in self.atom_names}
        total = {a: s.var(f"total:{a}") for a in self.atom_names}
        for ln in self.lines:
            for a in self.atom_names:
                e = {x[(r, a)]: 1.0 for r in ln.cells}
                other = total[a] if ln.total is None else x[(ln.total, a)]
                e[other] = e.get(other, 0.0) - 1.0
                s.eq(e, 0.0)
        t = self.tables
        d_mask = t.comparison_mask(*state)
        for c, where in self.known(state, d_mask).items():
            for r in np.flatnonzero(where):
                s.eq({x[(int(r), a)]: 1.0 for a in self.atoms[c]}, float(self.values[c][r]))
        for names, value in self.totals.items():
            s.eq({total[a]: 1.0 for c in names for a in self.atoms[c]}, value)
        for j, c, value in t.rest_relations(d_mask):
            if c in self.atoms:
                attr = str(t.d["attribute"].iloc[j])
                rest = [r for r in t.attr_rows[attr] if r != t.group_row[j]]
                if not all(self.ok[c][r] for r in rest):
                    continue  # the declared sum does not hold there: no relation on atoms
                s.eq({x[(int(r), a)]: 1.0 for r in rest for a in self.atoms[c]}, value)
        return s, x

    def _targets(self, state: _State) -> list[tuple[int, str]]:
        known = self.known(state)
        return [(int(r), c) for c in self.atoms for r in np.flatnonzero(self.small[c] & ~known[c])]

    def _intervals(self, state: _State, targets: list[tuple[int, str]]) -> np.ndarray:
        """Each target's interval; a target that can move up by the range from its true
        value (which is feasible) is wide, so its minimum is only computed when not."""
        if not targets:
            return np.zeros((0, 2))
        s, x = self._system(state)
        exprs = [{x[(r, a)]: 1.0 for a in self.atoms[c]} for r, c in targets]
        iv = intervals_or_unknown(s, exprs, sides=(1,))
        truth = np.array([self.values[c][r] for r, c in targets])
        iv[:, 0] = truth  # the true value is feasible: a lower bound of the width
        check = np.flatnonzero(~(iv[:, 1] - truth >= self.min_cell))
        if check.size:
            iv[check] = intervals_or_unknown(s, [exprs[i] for i in check])
        return iv

    def narrow(self, state: _State) -> list[tuple[int, str]]:
        targets = sorted(self._targets(state))
        if not targets:
            return []
        bad = narrow(self._intervals(state, targets), self.min_cell)
        return [t for t, b in zip(targets, bad, strict=True) if b]

    def width(self, state: _State, target: tuple[int, str]) -> float:
        lo, hi = self._intervals(state, [target])[0]
        return float(hi - lo)

    def candidates(self, state: _State, target: tuple[int, str]) -> list[tuple[str, int]]:
        """Published counts of the target's row and of the rows sharing a margin with it,
        sharing an atom with it: hidden by their mask, or with the row when their mask does
        not blank them. Cheapest first: not a reference, the deepest table, able to move by
        the range, the smallest."""
        r0, c0 = target
        known = self.known(state)
        rows = sorted(self.neighbours[r0] | {r0})
        blocks: dict[tuple[str, int], tuple] = {}
        for c in self.atoms:
            if not set(self.atoms[c]) & set(self.atoms[c0]):
                continue
            for r in rows:
                if not known[c][r]:
                    continue
                block = (c, r) if self.blankable[c] else ("", r)
                v = float(self.values[c][r])
                cost = (self.is_reference[r], -self.depth[r], v < self.min_cell, v, r, c)
                blocks[block] = min(blocks.get(block, cost), cost)
        return sorted(blocks, key=blocks.__getitem__)

    def hide(self, state: _State, block: tuple[str, int]) -> _State:
        masks, size = state
        name, r = block
        masks = {k: m.copy() for k, m in masks.items()}
        size = size.copy()
        if name:
            masks[name][r] = True
            masks = _closure(masks, self.tables.rules, self.tables.n)
        else:
            size[r] = True
        return masks, size

    def cover(self, state: _State, target: tuple[int, str]) -> _State | None:
        """The cheapest blocks to hide so that the target can move up by ``min_cell``.

        An integer program over moves ``y`` (whole changes of every atom of every row, and
        of the population totals) and hiding decisions ``z`` (a count of a row, or the whole
        row): the moves keep every margin and every published total, keep the atoms
        non-negative, change a published count only if its block is hidden
        (``|y| <= M z``) and raise the target by ``min_cell``. Blocks already hidden cost
        nothing; a block costs more the coarser its table and the larger its count, and a
        reference row a thousand times more (hiding it blanks its attribute's comparisons).
        """
        atoms, n, m = self.atom_names, self.tables.n, self.min_cell
        v = np.stack([self.values[a] for a in atoms], axis=1)  # rows x atoms
        if not np.isfinite(v).all():
            return None
        known = self.known(state)
        na = len(atoms)
        ny = n * na + na  # row atoms, then the totals
        rows, cols, data, lo, hi = [], [], [], [], []

        def add(entries: list[tuple[int, float]], low: float, high: float) -> None:
            for j, w in entries:
                rows.append(len(lo))
                cols.append(j)
                data.append(w)
            lo.append(low)
            hi.append(high)

        def y(r: int | None, a: str) -> int:
            k = atoms.index(a)
            return n * na + k if r is None else r * na + k

        for ln in self.lines:
            for a in atoms:
                add([(y(r, a), 1.0) for r in ln.cells] + [(y(ln.total, a), -1.0)], 0.0, 0.0)
        for names in self.totals:
            add([(y(None, a), 1.0) for c in names for a in self.atoms[c]], 0.0, 0.0)
        block_at: dict[tuple[str, int], int] = {}
        big = 2.0 * m * na
        for c, where in known.items():
            for r in np.flatnonzero(where):
                r = int(r)
                own = (c, r) if self.blankable[c] else ("", r)
                zs = [block_at.setdefault(b, len(block_at)) for b in dict.fromkeys([own, ("", r)])]
                e = [(y(r, a), 1.0) for a in self.atoms[c]]
                add(e + [(ny + z, -big) for z in zs], -np.inf, 0.0)
                add([(j, -w) for j, w in e] + [(ny + z, -big) for z in zs], -np.inf, 0.0)
        r0, c0 = target
        add([(y(r0, a), 1.0) for a in self.atoms[c0]], float(m), np.inf)
        blocks = list(block_at)
        nz = len(blocks)
        lb = np.concatenate([-np.minimum(v, m).ravel(), np.full(na, -m * n), np.zeros(nz)])
        ub = np.concatenate([np.full(n * na, float(m)), np.full(na, m * n), np.ones(nz)])
        weight = 10.0 ** (self.depth.max() - self.depth) * np.where(self.is_reference, 1e3, 1.0)
        cost = np.zeros(ny + nz)
        for k, (c, r) in enumerate(blocks):
            value = self.values[c][r] if c else self.size_of[r]
            cost[ny + k] = weight[r] * (1.0 + abs(float(value)))
        a = coo_matrix((data, (rows, cols)), shape=(len(lo), ny + nz)).tocsr()
        res = milp(
            cost,
            constraints=LinearConstraint(a, np.array(lo), np.array(hi)),
            integrality=np.ones(ny + nz),
            bounds=Bounds(lb, ub),
            options=cover_options(),
        )
        if res.x is None:
            return None
        for k in np.flatnonzero(res.x[ny:] > 0.5):
            state = self.hide(state, blocks[int(k)])
        return state
