"""The exact attacker's last word on a gate's final masks: hide more until nothing is narrow.

The gates of results from counts (:mod:`scoreaudit.gate.aggregate`,
:mod:`scoreaudit.gate.funnel`) protect their small counts with searches along each published
total, count by count. Such a search does not see bounds that run across totals (a published
intersection size with another count's margin, a stage total given back by a share, then the
counts of the stage before). This module checks a gate's *final* masks with the integer-
programming attacker (:class:`scoreaudit.gate.attack.System`), built by the gate from what it
will publish, and hides one more block at a time, as
:func:`scoreaudit.gate.complements.protect_groups` does, until every hidden small count has a
feasible interval at least ``min_cell`` wide (the protection range of
:mod:`scoreaudit.gate.attack`).

A gate describes its problem with four functions (:class:`Hardening`): the narrow targets of a
state (masks), the width of one target, the candidate blocks to hide for a target (cheapest
first: the deepest, large enough to move by the range, smallest), and the state with one
more block hidden. Hiding more never narrows an interval (it removes published relations),
so a protected count stays protected and the loop ends: each round hides a block.

Examples
--------
>>> from scoreaudit.gate.attack import System
>>> cells = {"a": 90, "b": 5, "c": 40}       # a + b + c = 135 is published; b is small
>>> def system(hidden):
...     s = System()
...     x = {k: s.var(k, 0, 135) for k in cells}
...     s.eq({x[k]: 1 for k in cells}, 135)
...     for k in cells:
...         if k not in hidden:
...             s.eq({x[k]: 1}, cells[k])
...     return s, x
>>> def width(hidden, t):
...     s, x = system(hidden)
...     lo, hi = s.intervals([{x[t]: 1}])[0]
...     return hi - lo
>>> h = Hardening(
...     narrow=lambda st: [t for t in sorted(st) if cells[t] < 11 and width(st, t) < 11],
...     width=width,
...     candidates=lambda st, t: sorted((k for k in cells if k not in st), key=cells.get),
...     hide=lambda st, k: st | {k},
... )
>>> state, given_up = harden(h, frozenset({"b"}), 11)
>>> sorted(state), given_up   # c, the smallest complement that protects b
(['b', 'c'], [])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoreaudit.gate.attack import AttackError, System

__all__ = ["Hardening", "harden", "intervals_or_unknown"]


def intervals_or_unknown(
    system: System, targets: Sequence[Mapping[int, float]], sides: tuple[int, ...] = (0, 1)
) -> np.ndarray:
    """The system's intervals, or NaN (not known to be wide: the gate hides more) when the
    solver finds no solution to relations a gate knows to hold (the true counts satisfy
    them): a numerical failure of the solver is never a reason to publish, nor to stop.

    Examples
    --------
    >>> s = System()
    >>> a = s.var("a", 0, 10)
    >>> s.eq({a: 1}, 20)  # no solution: the solver says so
    >>> intervals_or_unknown(s, [{a: 1}]).tolist()
    [[nan, nan]]
    """
    try:
        return system.intervals(targets, sides)
    except AttackError:
        return np.full((len(targets), 2), np.nan)


@dataclass(frozen=True)
class Hardening:
    """A gate's problem for :func:`harden`.

    Attributes
    ----------
    narrow : callable
        ``narrow(state)``: the hidden small counts (targets) the attacker narrows below the
        protection range, in a fixed order.
    width : callable
        ``width(state, target)``: the width of the target's feasible interval (NaN: the
        solver could not finish, counted as narrow).
    candidates : callable
        ``candidates(state, target)``: blocks that could be hidden for it, cheapest first.
    hide : callable
        ``hide(state, block)``: a new state with the block (and what it implies) hidden.
    cover : callable, optional
        ``cover(state, target)``: a state with the cheapest set of blocks hidden that lets
        the target move by the range (an integer program over moves, as
        :class:`scoreaudit.gate.complements._Cover`), or None; tried once per target before
        the greedy search, which then has the last word.
    hide_all : callable, optional
        ``hide_all(state)``: the state with every block the gate can hide hidden: the last
        resort for a target the search cannot protect (a leak is worse than a blank table).
    """

    narrow: Callable[[Any], Sequence[Hashable]]
    width: Callable[[Any, Hashable], float]
    candidates: Callable[[Any, Hashable], Sequence[Any]]
    hide: Callable[[Any, Any], Any]
    cover: Callable[[Any, Hashable], Any] | None = None
    hide_all: Callable[[Any], Any] | None = None


def harden(
    problem: Hardening,
    state: Any,
    min_cell: int,
    max_trials: int = 3,
    max_rounds: int = 1000,
    seconds: float | None = 60.0,
) -> tuple[Any, list[Hashable]]:
    """Hide blocks until the attacker narrows no target (or none can be widened further).

    For the first narrow target, the cover (if the problem has one) first; then the first of
    its ``max_trials`` cheapest candidates that gives it the full range is hidden; if none
    does alone, the one that widens it most (the cheapest on ties), and the target is checked
    again. A target with no candidate left (everything around it is hidden), or still narrow
    after ``max_rounds`` hidings (a guard: each hiding should hide a new block), makes the
    gate hide everything it can (``hide_all``); so does a search still running after
    ``seconds`` (large tables: a blank table rather than a wait of minutes). A target still
    narrow then is narrowed by what the gate does not publish itself (the input's own
    bounds): it is given up.

    Returns
    -------
    state : object
        The final state.
    given_up : list
        The targets still narrow in it (empty when every hidden small count is protected).
    """
    start = time.monotonic()
    given_up: set[Hashable] = set()
    resort = [problem.hide_all]  # the last resort, used at most once

    def out_of_time() -> bool:
        return seconds is not None and time.monotonic() - start > seconds

    while True:
        bad = [t for t in problem.narrow(state) if t not in given_up]
        if not bad:
            return state, sorted(given_up, key=repr)
        if out_of_time():
            hide_all = resort.pop() if resort else None
            if hide_all is None:
                return state, sorted(given_up | set(bad), key=repr)
            state = hide_all(state)
            continue
        target = bad[0]
        if problem.cover is not None:
            covered = problem.cover(state, target)
            state = state if covered is None else covered
        rounds = 0
        while not problem.width(state, target) >= min_cell and not out_of_time():
            cands = list(problem.candidates(state, target))
            rounds += 1
            if not cands or rounds > max_rounds:
                hide_all = resort.pop() if resort else None
                if hide_all is not None:
                    state = hide_all(state)
                    continue
                given_up.add(target)
                break
            state = _widest(problem, state, target, cands[:max_trials], min_cell)


def _widest(problem: Hardening, state: Any, target: Hashable, trials: list, min_cell: int) -> Any:
    """The first trial that gives the target the full range, else the one that widens it
    most (the cheapest on ties)."""
    best, best_w = None, -1.0
    for block in trials:
        trial = problem.hide(state, block)
        w = problem.width(trial, target)
        if w >= min_cell:
            return trial
        if best is None or w > best_w:
            best, best_w = trial, w
    return best
