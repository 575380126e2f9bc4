"""The attacker bounds an expression over independent groups of counts (a group's size when
its random and score-picked controls are linked by no published relation)."""

from __future__ import annotations

from scoreaudit.gate.attack import System


def test_an_expression_over_two_independent_components_sums_their_bounds():
    s = System()
    a, b, c = s.var("a"), s.var("b", 0, 10), s.var("c")
    s.eq({a: 1}, 4)  # a is published: 4
    s.eq({b: 1, c: 1}, 10)  # b + c = 10, each hidden
    bounds = s.intervals([{a: 1, b: 1}, {a: 1}, {b: 1, c: -1}, {a: 2, c: 1}])
    # a + b in [4, 14]; a = 4; b - c in [-10, 10]; 2a + c in [8, 18], found by hand
    assert bounds.tolist() == [[4, 14], [4, 4], [-10, 10], [8, 18]]
