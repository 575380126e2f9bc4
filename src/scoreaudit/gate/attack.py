"""An integer-programming attacker: how far can each hidden count be narrowed?

Published tables hide some counts (small cells and their complements) but publish others,
and the counts are linked: the groups of an attribute add up to the population, the cells of
an intersection add up to the coarser groups, a group's selected files never exceed its
files, and a group's selected count never falls when the budget grows. An attacker who knows
all of this and that counts are non-negative integers can bound every hidden count. This
module computes those bounds exactly, by integer programming (``scipy.optimize.milp``, the
HiGHS solver): for a hidden linear expression ``e`` (a count, or ``n - selected``) it solves
``min e`` and ``max e`` over the integer points satisfying every published relation.

The publication gate (:mod:`scoreaudit.gate.publish`) uses it to check its masks, and the
tests use it on the files of a written report (``tests/attack_report.py`` reads them).

Protection range
----------------
A hidden count is **protected** when its feasible interval ``[lo, hi]`` has width
``hi - lo >= min_cell``. Since counts are non-negative and a small count is below
``min_cell``, a protected small count has ``hi >= min_cell``: the attacker cannot tell it
from a count that would have been published, and at least ``min_cell + 1`` values remain.

Examples
--------
>>> s = System()
>>> a, b = s.var("a", 0, 100), s.var("b", 0, 100)
>>> s.eq({a: 1, b: 1}, 30)            # a + b = 30 is published, a and b are hidden
>>> s.le({a: 1}, 12)                  # and a <= 12 (e.g. a group of 12 files)
>>> s.intervals([{a: 1}, {b: 1}]).tolist()
[[0.0, 12.0], [18.0, 30.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint
from scipy.sparse import csr_matrix

from scoreaudit.errors import ScoreAuditError
from scoreaudit.gate._solver import ATTACK_NODES, LAST_RESORT_SECONDS, milp

__all__ = ["AttackError", "System", "narrow"]


class AttackError(ScoreAuditError):
    """The published numbers are inconsistent (no non-negative integer solution)."""


@dataclass
class System:
    """Hidden counts (integer variables with bounds) and the published linear relations."""

    names: list[str] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)
    #: Seconds allowed per integer program, a last resort after its node limit
    #: (:data:`scoreaudit.gate._solver.ATTACK_NODES`); ``None`` waits for the exact answer.
    time_limit: float | None = LAST_RESORT_SECONDS
    # The components and each one's program, built once for every target asked about; any
    # new variable, bound or relation clears them.
    _built: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def var(self, name: str, lo: float = 0.0, hi: float = np.inf) -> int:
        """The variable called ``name`` (created with bounds ``[lo, hi]`` or tightened)."""
        self._built.clear()
        if name in self._index:
            i = self._index[name]
            self.lo[i], self.hi[i] = max(self.lo[i], lo), min(self.hi[i], hi)
            return i
        self._index[name] = len(self.names)
        self.names.append(name)
        self.lo.append(float(lo))
        self.hi.append(float(hi))
        return len(self.names) - 1

    def has(self, name: str) -> bool:
        return name in self._index

    def index(self, name: str) -> int:
        return self._index[name]

    def eq(self, coefs: Mapping[int, float], rhs: float) -> None:
        """Add ``sum coefs[i] * x_i == rhs`` (ignored when no variable is involved)."""
        self._add(coefs, rhs, rhs)

    def le(self, coefs: Mapping[int, float], rhs: float) -> None:
        """Add ``sum coefs[i] * x_i <= rhs``."""
        self._add(coefs, -np.inf, rhs)

    def _add(self, coefs: Mapping[int, float], low: float, high: float) -> None:
        self._built.clear()
        c = {int(k): float(v) for k, v in coefs.items() if v != 0}
        if not c:
            if low - 1e-6 > 0 or high + 1e-6 < 0:
                raise AttackError.from_key("err_attack_contradict")
            return
        self.rows.append((c, float(low), float(high)))

    def components(self) -> list[np.ndarray]:
        """Groups of variables linked by a relation (solved separately, much faster)."""
        if "components" not in self._built:
            self._built["components"] = self._components()
        return self._built["components"]

    def _by_component(self, expr: Mapping[int, float]) -> dict[int, dict[int, float]]:
        """``expr`` split into its parts in each component (by index in :meth:`components`)."""
        if "component_of" not in self._built:
            comp_of = np.empty(len(self.names), dtype=int)  # pragma: no mutate
            for k, members in enumerate(self.components()):
                comp_of[members] = k
            self._built["component_of"] = comp_of
        comp_of = self._built["component_of"]
        split: dict[int, dict[int, float]] = {}
        for v, w in expr.items():
            split.setdefault(int(comp_of[int(v)]), {})[int(v)] = w
        return split

    def wide(self, target: Mapping[int, float], width: float) -> bool:
        """True when solutions already found prove that ``target`` spans ``width`` or more.

        Every integer solution met while computing earlier intervals (each optimum comes
        with one) is a point the attacker cannot rule out, so two of them whose values of
        ``target`` differ by ``width`` prove the interval at least that wide, without a new
        program. False means "not proven", not "narrow": ask :meth:`intervals` then.
        """
        comps, split = self.components(), self._by_component(target)
        spread = 0.0
        for k, part in split.items():
            pool = self._built.get(("witnesses", _key(comps[k])))
            if pool is None:
                return False
            spread += pool.spread(part)
        return bool(split) and spread >= width

    def _components(self) -> list[np.ndarray]:
        parent = np.arange(len(self.names))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return int(i)

        for coefs, _, _ in self.rows:
            keys = list(coefs)
            r0 = find(keys[0])
            for k in keys[1:]:
                r = find(k)
                if r != r0:
                    parent[r] = r0
        roots = np.array([find(i) for i in range(len(self.names))], dtype=int)  # pragma: no mutate
        return [np.flatnonzero(roots == r) for r in dict.fromkeys(roots.tolist())]

    def intervals(
        self, targets: Sequence[Mapping[int, float]], sides: tuple[int, ...] = (0, 1)
    ) -> np.ndarray:
        """``[min, max]`` of each target expression over the integer solutions (k x 2 array).

        ``sides=(1,)`` computes the maxima only (the minima are NaN): half the programs, for
        a gate that first checks whether each count can move up by the range."""
        out = np.full((len(targets), 2), np.nan)  # pragma: no mutate
        if not targets:
            return out
        comps = self.components()
        # a target over independent components is the sum of its parts in each: its min
        # (max) is the sum of their mins (maxes)
        pieces: dict[int, list[tuple[int, dict[int, float]]]] = {}
        for t, expr in enumerate(targets):
            for k, part in self._by_component(expr).items():
                pieces.setdefault(k, []).append((t, part))
        out[:] = 0.0
        for k, items in pieces.items():
            got = self._solve(comps[k], [part for _, part in items], sides)
            for (t, _), bounds in zip(items, got, strict=True):
                out[t] += bounds
        return out

    def _solve(
        self,
        members: np.ndarray,
        targets: Sequence[Mapping[int, float]],
        sides: tuple[int, ...] = (0, 1),
    ) -> np.ndarray:
        key = _key(members)
        if key not in self._built:
            self._built[key] = self._program(members)
        pos, cons, bounds = self._built[key]
        pool = self._built.setdefault(("witnesses", key), _Witnesses(pos, cons, bounds))
        nv = len(members)
        res = np.full((len(targets), 2), np.nan)  # pragma: no mutate
        for t, expr in enumerate(targets):
            c = np.zeros(nv)
            for v, w in expr.items():
                c[pos[int(v)]] = w
            for side, sign in ((0, 1.0), (1, -1.0)):
                if side in sides:
                    res[t, side] = _optimum(sign, c, cons, bounds, self.time_limit, pool.add)
        return res

    def _program(self, members: np.ndarray) -> tuple[dict[int, int], list, Bounds]:
        """The relations and bounds of one component: positions, constraints, bounds."""
        pos = {int(v): j for j, v in enumerate(members)}
        rows = [r for r in self.rows if next(iter(r[0])) in pos]
        data, ri, ci = [], [], []
        for i, (coefs, _, _) in enumerate(rows):
            for v, c in coefs.items():
                data.append(c)
                ri.append(i)
                ci.append(pos[v])
        cons = []  # pragma: no mutate
        if rows:
            shape = (len(rows), len(members))
            a = csr_matrix((data, (ri, ci)), shape=shape)  # pragma: no mutate
            cons = [LinearConstraint(a, [r[1] for r in rows], [r[2] for r in rows])]
        lo = np.asarray(self.lo, float)[members]  # pragma: no mutate
        hi = np.asarray(self.hi, float)[members]  # pragma: no mutate
        return pos, cons, Bounds(lo, hi)


#: How far a solver's value may be from a whole number and still be read as that number (the
#: MIP solver's own feasibility tolerance).
_WHOLE = 1e-6


def _key(members: np.ndarray) -> tuple[str, int, int]:
    """The cache key of a component (components partition the variables)."""
    return ("program", int(members[0]), len(members))


class _Witnesses:
    """Integer solutions of one component's program, checked exactly before they are kept."""

    def __init__(self, pos: dict[int, int], cons: list, bounds: Bounds) -> None:
        self.pos, self.cons = pos, cons
        self.lo, self.hi = np.asarray(bounds.lb, float), np.asarray(bounds.ub, float)
        self.points = np.empty((8, len(pos)))  # pragma: no mutate
        self.count = 0

    def add(self, x: np.ndarray) -> None:
        x = np.round(x)
        if np.any(x < self.lo) or np.any(x > self.hi):
            return
        for con in self.cons:  # the data are whole counts, so a true solution is exact
            ax = con.A @ x
            if np.any(ax < np.asarray(con.lb) - 1e-9) or np.any(ax > np.asarray(con.ub) + 1e-9):
                return
        if self.count == len(self.points):
            self.points = np.concatenate([self.points, np.empty_like(self.points)])
        self.points[self.count] = x
        self.count += 1

    def spread(self, part: Mapping[int, float]) -> float:
        """max - min of ``part`` over the solutions kept (0 without any)."""
        if not self.count:
            return 0.0
        cols = [self.pos[v] for v in part]
        values = self.points[: self.count, cols] @ np.array([part[v] for v in part])
        return float(values.max() - values.min())


def _optimum(
    sign: float,
    c: np.ndarray,
    cons: list,
    bounds: Bounds,
    limit: float | None,
    keep: Any = None,
) -> float:
    """``min`` (sign 1) or ``max`` (sign -1) of ``c @ x`` over the integer solutions.

    The linear relaxation comes first: its optimum bounds the integer one, and when the
    relaxed solution is integral (the usual case: margins and monotone chains make nearly
    unimodular systems) it *is* the integer optimum. Otherwise the integer program runs,
    within :data:`~scoreaudit.gate._solver.ATTACK_NODES` nodes (the same point on every
    machine) and ``limit`` seconds (a last resort); if it cannot finish, the value is NaN,
    which :func:`narrow` counts as narrow: the gate hides more rather than trust an unproven
    width.
    """
    nv = len(c)
    for integrality in (np.zeros(nv), np.ones(nv)):
        options = {}
        if integrality.any():
            # the solver stops within 0.01% of the optimum by default: 15 counts from it on
            # counts of 150,000 (a narrower interval than the attacker's, hence safe, but not
            # the exact one this module promises)
            options = {"mip_rel_gap": 0.0} | (
                {"time_limit": limit, "node_limit": ATTACK_NODES} if limit else {}
            )
        sol = milp(
            sign * c, constraints=cons, integrality=integrality, bounds=bounds, options=options
        )
        if sol.status == 3:  # unbounded: an unbounded count (no upper bound known)
            return -np.inf * sign
        if sol.status == 2:
            raise AttackError.from_key("err_attack_contradict_solver", detail=sol.message)
        if sol.status != 1 and not sol.success:
            raise AttackError.from_key("err_attack_solver", detail=sol.message)
        # absolute tolerance only: numpy's default relative one accepted 150001.5 as whole
        integral = sol.x is not None and np.allclose(sol.x, np.round(sol.x), rtol=0.0, atol=_WHOLE)
        if sol.success and integral:
            if keep is not None:
                keep(sol.x)  # a solution the attacker cannot rule out
            return round(sign * sol.fun, 6)
    return np.nan  # inconclusive within the time limit


def narrow(intervals: np.ndarray, min_cell: int) -> np.ndarray:
    """True where an interval is narrower than the protection range (``hi - lo < min_cell``).

    Examples
    --------
    >>> narrow(np.array([[0, 11], [3, 3], [0, 10]]), 11).tolist()
    [False, True, True]
    """
    iv = np.asarray(intervals, float).reshape(-1, 2)  # pragma: no mutate
    width = iv[:, 1] - iv[:, 0]
    return ~(width >= min_cell)  # an inconclusive (NaN) bound counts as narrow
