"""The groups table's attacker asked with the curve's bounds around the audit's budget
(:class:`scoreaudit.gate.curve._GroupsCheck`): the widths it proves from integer solutions
already met, without a program, are the exact widths capped at ``min_cell`` (the
straightforward computation: every bound of every count solved)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import tied_two_attribute_audit as _audit

from scoreaudit.gate import curve
from scoreaudit.gate.publish import publish


def _exact_widths(check, bounds: dict) -> np.ndarray:
    system, exprs = check._system(bounds)
    return np.diff(system.intervals(exprs), axis=1)[:, 0]


def _asked(monkeypatch) -> list:
    """Every (check, bounds) the gate asks about while publishing."""
    asked: list = []
    real = curve._GroupsCheck.wide

    def spy(self, bounds):
        asked.append((self, dict(bounds)))
        return real(self, bounds)

    monkeypatch.setattr(curve._GroupsCheck, "wide", spy)
    return asked


@pytest.mark.parametrize("level", [True, False])
def test_need_and_wide_are_the_exact_answers(monkeypatch, level):
    asked = _asked(monkeypatch)
    for seed in range(12):
        publish(_audit(seed, level))
    assert len(asked) >= 5
    answers = set()
    for check, bounds in list(asked):  # (asking again adds to it)
        exact_need = np.minimum(_exact_widths(check, {}), check.m)
        np.testing.assert_array_equal(check.need(), exact_need)
        exact_wide = bool(np.all(_exact_widths(check, bounds) >= exact_need))
        assert check.wide(bounds) == exact_wide
        answers.add(exact_wide)
    assert answers == {True, False}  # both answers are met


def _programs_first_asked(monkeypatch, seed: int) -> tuple[int, bool]:
    """Programs solved for the gate's first question about the curve's bounds (its need
    included) and the answer."""
    from scoreaudit.gate import attack

    solved: list = []
    real_optimum, real_wide = attack._optimum, curve._GroupsCheck.wide
    first: list = []

    def counted(*args, **kwargs):
        solved.append(1)
        return real_optimum(*args, **kwargs)

    def wide(self, bounds):
        if first:
            return real_wide(self, bounds)
        solved.clear()
        out = real_wide(self, bounds)
        first.append((len(solved), out))
        return out

    monkeypatch.setattr(attack, "_optimum", counted)
    monkeypatch.setattr(curve._GroupsCheck, "wide", wide)
    publish(_audit(seed, True))
    return first[0]


@pytest.mark.parametrize("seed", [3, 7])
def test_witnesses_spare_programs(monkeypatch, seed):
    """The same answer with fewer programs than with every width solved."""
    with_witnesses = _programs_first_asked(monkeypatch, seed)
    from scoreaudit.gate.attack import System

    monkeypatch.setattr(System, "wide", lambda self, target, width: False)
    without = _programs_first_asked(monkeypatch, seed)
    assert with_witnesses[1] == without[1]
    assert with_witnesses[0] < without[0]
