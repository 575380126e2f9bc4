"""Compile a :class:`~scoreaudit.models.scorecard.Scorecard` to an engine expression.

A scorecard without linear terms gives every file the score of its *joint cell*: the
combination of the cells (a level, a bin) it falls in for every factor of every term. The
engine computes that joint cell with CASE expressions and comparisons (one integer per
row), groups by it, and the score of each joint cell present is computed here, once, by the
scorecard itself on one representative row per joint cell: the scores are the very floats
the in-memory scorer gives (same table, same link function), not a re-implementation in
SQL that could differ in the last bit and break ties differently.

Scorecards with linear terms (a coefficient times a number: as many distinct scores as
rows) are not compiled (:func:`compile_scorecard` returns None): the engine then streams the
rows in record batches and scores them in Python, still exactly.

Only the scorecard's public structure is read (``spec.terms``, ``link``, ``score``).

Examples
--------
>>> import ibis, pandas as pd
>>> from scoreaudit.models.scorecard import Scorecard
>>> card = Scorecard.from_dict({"name": "m", "terms": [
...     {"kind": "categorical", "variable": "g", "reference": "a",
...      "odds_ratios": {"a": 1.0, "b": 3.0}},
...     {"kind": "bins", "variable": "x", "edges": [10], "coefficients": [0.0, 1.0]}]})
>>> t = ibis.memtable(pd.DataFrame({"g": ["a", "b", "b"], "x": [5, 20, 10]}))
>>> comp = compile_scorecard(card, t)
>>> ids = t.select(j=comp.expr).to_pandas()["j"].to_numpy()
>>> comp.scores(ids).round(4).tolist()
[0.5, 0.8908, 0.8908]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import ModelError, Part, Parts

__all__ = ["CompiledScorecard", "compile_scorecard"]

#: Most joint cells compiled (as the in-memory scorer's joint table).
MAX_JOINT = 1_000_000


@dataclass(frozen=True)
class _Factor:
    kind: str  # "categorical" or "bins"
    variable: str
    levels: tuple[str, ...] = ()
    edges: tuple[float, ...] = ()
    closed: str = "left"

    @property
    def n_cells(self) -> int:
        return len(self.levels) if self.kind == "categorical" else len(self.edges) + 1

    def representatives(self) -> list[Any]:
        """One value per cell that the scorecard puts in that cell."""
        if self.kind == "categorical":
            return list(self.levels)
        e = [float(x) for x in self.edges]
        if self.closed == "left":  # [e_{j-1}, e_j)
            return [math.nextafter(e[0], -math.inf), *e]
        return [*e, math.nextafter(e[-1], math.inf)]  # (e_{j-1}, e_j]


@dataclass(frozen=True)
class CompiledScorecard:
    """A scorecard as an engine expression of each row's joint cell.

    Attributes
    ----------
    expr : ibis.IntegerValue
        Joint cell of each row; NULL where an input is missing or a level is not listed.
    factors : tuple
        The factors, in the order of the mixed-radix joint cell.
    card : Scorecard
        The scorecard (scores each joint cell through its public ``score``).
    """

    expr: Any
    factors: tuple[_Factor, ...]
    card: Any

    def scores(self, joint: np.ndarray) -> np.ndarray:
        """Score of each joint cell, computed by the scorecard on representative rows."""
        joint = np.asarray(joint, dtype=np.int64)
        cols: dict[str, Any] = {}
        rest = joint.copy()
        for f in reversed(self.factors):
            code = rest % f.n_cells
            rest //= f.n_cells
            reps = np.asarray(
                f.representatives(), dtype=object if f.kind == "categorical" else float
            )
            cols[f.variable] = reps[code]
        frame = pd.DataFrame({v: cols[v] for v in self.card.features})
        return np.asarray(self.card.score(frame), dtype=np.float64)


def _factors_of(card: Any) -> list[_Factor] | None:
    """One factor per variable: the union of its levels, or of its bin edges (refined bins).

    A variable binned by two terms with different edges (``n_minors`` in a bins term and in
    an interaction) gets the bins of the union of the edges: every refined bin lies inside one
    bin of each term, so one representative value per refined bin scores right for all.
    """
    merged: dict[str, _Factor] = {}
    for term in card.spec.terms:
        specs = term.factors if term.kind == "interaction" else [term]
        for s in specs:
            if s.kind == "linear":
                return None
            if s.kind == "categorical":
                levels = (
                    tuple(s.levels)
                    if hasattr(s, "levels")
                    else tuple(s.coefficients or s.odds_ratios or {})
                )
                f = _Factor("categorical", s.variable, levels=levels)
            else:
                f = _Factor("bins", s.variable, edges=tuple(s.edges), closed=s.closed)
            old = merged.get(f.variable)
            if old is None:
                merged[f.variable] = f
            elif old.kind != f.kind or old.closed != f.closed:
                return None  # one representative value could not fall right for both
            elif f.kind == "categorical":
                extra = tuple(lv for lv in f.levels if lv not in old.levels)
                merged[f.variable] = _Factor("categorical", f.variable, old.levels + extra)
            else:
                edges = tuple(sorted(set(old.edges) | set(f.edges)))
                merged[f.variable] = _Factor("bins", f.variable, edges=edges, closed=f.closed)
    return list(merged.values())


def _categorical(col: Any, dtype: Any, f: _Factor) -> Any:
    """Level index of a categorical factor: levels matched as text, as the scorer does."""
    import ibis

    cases = []
    for i, lv in enumerate(f.levels):
        if dtype.is_string():
            cases.append((col == lv, i))
        elif dtype.is_boolean():
            if lv in ("True", "False"):
                cases.append((col == (lv == "True"), i))
        elif dtype.is_integer():
            try:
                cases.append((col == int(lv), i))
            except ValueError:
                continue
        else:  # floats: level_key(1.0) == "1", other floats their repr
            try:
                cases.append((col == float(lv), i))
            except ValueError:
                continue
    if not cases:
        return ibis.null("int64")
    return ibis.cases(*cases, else_=ibis.null("int64")).cast("int64")


def _bins(col: Any, dtype: Any, f: _Factor) -> Any:
    import ibis

    code = None
    for e in f.edges:  # a NULL input makes the code NULL (then refused)
        term = ((col >= e) if f.closed == "left" else (col > e)).cast("int64")
        code = term if code is None else code + term
    if dtype.is_floating():  # NaN compares above every edge: refuse it explicitly
        return ibis.ifelse(col.isnan(), ibis.null("int64"), code)
    return code


def compile_scorecard(card: Any, table: Any) -> CompiledScorecard | None:
    """The joint-cell expression of ``card`` on ``table``, or None (linear terms, too many cells).

    Parameters
    ----------
    card : Scorecard
        The scorecard.
    table : ibis.Table
        The population's table.

    Raises
    ------
    ModelError
        A column the scorecard reads is absent, or has a type it cannot compare.
    """
    factors = _factors_of(card)
    if factors is None:
        return None
    total = math.prod(f.n_cells for f in factors)
    if total > MAX_JOINT:
        return None
    schema = table.schema()
    expr = None
    for f in factors:
        if f.variable not in schema:
            raise ModelError.from_key("err_scorecard_no_column", name=card.name, column=f.variable)
        dtype = schema[f.variable]
        if f.kind == "bins" and not dtype.is_numeric():
            raise ModelError.from_key(
                "err_scorecard_bins_type", column=f.variable, dtype=dtype, name=card.name
            )
        if not (dtype.is_numeric() or dtype.is_string() or dtype.is_boolean()):
            raise ModelError.from_key(
                "err_scorecard_levels_type", column=f.variable, dtype=dtype, name=card.name
            )
        col = table[f.variable]
        code = _categorical(col, dtype, f) if f.kind == "categorical" else _bins(col, dtype, f)
        expr = code if expr is None else expr * f.n_cells + code
    return CompiledScorecard(expr, tuple(factors), card)


def explain_null(card: Any, source: Any, comp: CompiledScorecard) -> ModelError:
    """The error for rows whose joint cell is NULL: which column, missing or unlisted values."""
    t = source.table
    for f in comp.factors:
        dtype = t.schema()[f.variable]
        col = t[f.variable]
        code = _categorical(col, dtype, f) if f.kind == "categorical" else _bins(col, dtype, f)
        bad = t.filter(code.isnull())
        got = source.execute(
            bad.group_by(bad[f.variable].cast("string").name("v"))
            .aggregate(n=bad.count())
            .order_by(ibis_desc("n"))
            .limit(5)
        ).to_pylist()
        if got:
            shown = Parts([Part("err_value_rows", value=r["v"], n=r["n"]) for r in got], sep=", ")
            what = Part(
                "err_sql_unlisted_values" if f.kind == "categorical" else "err_sql_missing_values"
            )
            levels = ", ".join(map(repr, f.levels)) or Part("err_sql_levels_numbers")
            return ModelError.from_key(
                "err_sql_cannot_score",
                column=f.variable,
                source=source.name,
                what=what,
                name=card.name,
                shown=shown,
                levels=levels,
            )
    return ModelError.from_key("err_sql_cannot_score_rows", name=card.name, source=source.name)


def ibis_desc(name: str) -> Any:
    import ibis

    return ibis.desc(name)
