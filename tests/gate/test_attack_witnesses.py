"""The attacker's shortcuts: solutions kept as witnesses, systems built once per masks.

Both must leave every answer of the gate unchanged: a witness only ever proves a width the
exact program would find too, and a cached system is the system the masks give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoreaudit.gate import complements
from scoreaudit.gate.attack import System
from scoreaudit.gate.complements import protect_groups


def _pair() -> tuple[System, int, int]:
    s = System()
    x, y = s.var("x", 0, 100), s.var("y", 0, 100)
    s.eq({x: 1, y: 1}, 20)  # x + y = 20 published, both hidden
    return s, x, y


def test_nothing_is_proven_before_a_solve():
    s, x, y = _pair()
    assert not s.wide({x: 1}, 1)


def test_the_optima_of_one_count_prove_the_other():
    s, x, y = _pair()
    assert s.intervals([{x: 1}]).tolist() == [[0.0, 20.0]]
    # the two optima (x = 0, y = 20) and (x = 20, y = 0) are witnesses for y and for x - y
    assert s.wide({y: 1}, 20) and not s.wide({y: 1}, 21)
    assert s.wide({x: 1, y: -1}, 40) and not s.wide({x: 1, y: -1}, 41)
    assert not s.wide({x: 1, y: 1}, 1)  # x + y is fixed: no two witnesses differ


def test_a_new_relation_or_bound_forgets_the_witnesses():
    s, x, y = _pair()
    s.intervals([{x: 1}])
    s.le({x: 1}, 5)  # x = 20 is no longer a solution
    assert not s.wide({x: 1}, 1)
    assert s.intervals([{x: 1}]).tolist() == [[0.0, 5.0]]
    assert s.wide({x: 1}, 5) and not s.wide({x: 1}, 6)
    s.var("x", 0, 3)  # a tighter bound on an existing variable
    assert not s.wide({x: 1}, 1)
    assert s.intervals([{y: 1}]).tolist() == [[17.0, 20.0]]


def test_a_point_off_the_system_is_not_kept():
    s, x, y = _pair()
    s.intervals([{x: 1}])
    pool = next(v for k, v in s._built.items() if k[0] == "witnesses")
    count = pool.count
    pool.add(np.array([5.0, 5.0]))  # x + y = 10, not 20
    pool.add(np.array([-1.0, 21.0]))  # below x's bound
    assert pool.count == count
    pool.add(np.array([7.0, 13.0]))
    assert pool.count == count + 1


def test_points_checked_against_each_bound_and_relation_exactly():
    s = System()
    x, y = s.var("x", 0, 10), s.var("y", 0, 100)
    s.eq({x: 1, y: 1}, 20)
    s.intervals([{x: 1}])
    pool = next(v for k, v in s._built.items() if k[0] == "witnesses")
    count = pool.count
    for off in ([15.0, 5.0], [10.0, 11.0], [9.0, 10.0]):  # above x's bound; sum 21; sum 19
        pool.add(np.array(off))
    assert pool.count == count
    pool.add(np.array([10.0, 10.0]))  # x at its upper bound: a solution
    assert pool.count == count + 1


def test_an_empty_pool_proves_nothing():
    from scipy.optimize import Bounds

    from scoreaudit.gate.attack import _Witnesses

    pool = _Witnesses({0: 0}, [], Bounds([0.0], [5.0]))
    assert pool.spread({0: 1.0}) == 0.0
    pool.add(np.array([5.0]))
    assert pool.spread({0: 1.0}) == 0.0
    pool.add(np.array([2.0]))
    assert pool.spread({0: 1.0}) == 3.0


def test_widths_of_independent_parts_add_up():
    s = System()
    x, y = s.var("x", 0, 100), s.var("y", 0, 100)
    u, v = s.var("u", 0, 100), s.var("v", 0, 100)
    s.eq({x: 1, y: 1}, 20)
    s.eq({u: 1, v: 1}, 15)  # another component
    s.intervals([{x: 1}, {u: 1}])
    assert s.wide({x: 1, u: 1}, 35) and not s.wide({x: 1, u: 1}, 36)
    assert s.intervals([{x: 1, u: 1}]).tolist() == [[0.0, 35.0]]


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(
    cells=st.lists(st.integers(0, 40), min_size=6, max_size=6),
    hidden=st.lists(st.booleans(), min_size=6, max_size=6),
    width=st.integers(1, 30),
)
def test_a_proven_width_is_never_wider_than_the_exact_one(cells, hidden, width):
    # a 2 x 3 table with its margins published and some cells hidden
    s = System()
    table = np.array(cells, float).reshape(2, 3)
    var = {}
    for i in range(2):
        for j in range(3):
            if hidden[3 * i + j]:
                var[i, j] = s.var(f"c{i}{j}", 0, 200)
    for i in range(2):
        s.eq(
            {var[i, j]: 1 for j in range(3) if (i, j) in var},
            table[i].sum() - sum(table[i, j] for j in range(3) if (i, j) not in var),
        )
    for j in range(3):
        s.eq(
            {var[i, j]: 1 for i in range(2) if (i, j) in var},
            table[:, j].sum() - sum(table[i, j] for i in range(2) if (i, j) not in var),
        )
    if not var:
        return
    targets = [{v: 1.0} for v in var.values()]
    exact = s.intervals(targets)
    for t, (lo, hi) in zip(targets, exact, strict=True):
        assert s.wide(t, width) == (hi - lo >= width)  # every optimum is itself a witness
    # expressions never solved for: a proof implies the exact width
    pairs = [{a: 1.0, b: -1.0} for a in var.values() for b in var.values() if a < b]
    for expr in pairs:
        if s.wide(expr, width):
            lo, hi = System.intervals(s, [expr])[0]
            assert hi - lo >= width


def _groups(rng: np.random.Generator) -> pd.DataFrame:
    a, b = ["x", "y", "z"], ["p", "q"]
    n = rng.integers(0, 40, size=(3, 2))
    sel = rng.binomial(n, 0.3)
    rows = []
    for i, u in enumerate(a):
        rows.append(("A", u, n[i].sum(), sel[i].sum()))
    for j, v in enumerate(b):
        rows.append(("B", v, n[:, j].sum(), sel[:, j].sum()))
    for i, u in enumerate(a):
        for j, v in enumerate(b):
            rows.append(("A × B", f"{u} × {v}", n[i, j], sel[i, j]))
    return pd.DataFrame(rows, columns=["attribute", "group", "n", "selected"])


@pytest.mark.parametrize("seed", range(12))
def test_protect_groups_the_same_without_the_shortcuts(seed, monkeypatch):
    g = _groups(np.random.default_rng(seed))
    fast = protect_groups(g, 11)

    def exact(self, masks, target, m):
        return self.width(masks, target) >= m

    monkeypatch.setattr(complements._Checker, "protected", exact)
    monkeypatch.setattr(
        complements._Checker,
        "_system",
        lambda self, masks: complements._system(
            complements._hidden_values(self.values, masks),
            self.totals,
            self.lines,
            self.line_totals,
        ),
    )
    slow = protect_groups(g, 11)
    assert fast.keys() == slow.keys()
    for k in fast:
        np.testing.assert_array_equal(fast[k], slow[k], err_msg=k)


def test_a_half_integral_relaxation_of_large_counts_is_not_read_as_whole():
    # x0 + x1, x1 + x2, x2 + x0 <= 100001: the relaxation's maximum of the sum is 150001.5
    # (each x at 50000.5); numpy's default relative tolerance read it as whole and the
    # attacker's interval was half a count too wide. The integer maximum is 150001.
    s = System()
    x = [s.var(f"x{i}", 0, 1e6) for i in range(3)]
    for i in range(3):
        s.le({x[i]: 1, x[(i + 1) % 3]: 1}, 100001)
    assert s.intervals([{x[0]: 1, x[1]: 1, x[2]: 1}]).tolist() == [[0.0, 150001.0]]


def test_a_copy_of_a_system_does_not_share_its_solutions():
    import dataclasses

    s, x, y = _pair()
    s.intervals([{x: 1}])
    t = dataclasses.replace(s, rows=[*s.rows, ({x: 1.0}, -np.inf, 5.0)])
    assert not t.wide({x: 1}, 20)
    assert t.intervals([{x: 1}]).tolist() == [[0.0, 5.0]]


def _fake_milp(status: int, success: bool, message: str):
    from types import SimpleNamespace

    def milp(*args, **kwargs):
        return SimpleNamespace(status=status, success=success, message=message, x=None, fun=None)

    return milp


@pytest.mark.parametrize(
    "status, key",
    [(2, "err_attack_contradict_solver"), (4, "err_attack_solver")],
)
def test_solver_failures_named_with_the_solver_s_words(monkeypatch, status, key):
    from scoreaudit.gate import attack
    from scoreaudit.gate.attack import AttackError

    monkeypatch.setattr(attack, "milp", _fake_milp(status, False, "HiGHS said no"))
    s, x, _ = _pair()
    with pytest.raises(AttackError) as info:
        s.intervals([{x: 1}])
    assert info.value.message_key == key
    assert "(HiGHS said no)" in str(info.value)


def test_a_program_out_of_time_is_inconclusive_not_an_error(monkeypatch):
    from scoreaudit.gate import attack

    monkeypatch.setattr(attack, "milp", _fake_milp(1, False, "Time limit reached"))
    s, x, _ = _pair()
    lo, hi = s.intervals([{x: 1}])[0]
    assert np.isnan(lo) and np.isnan(hi)
    assert not s.wide({x: 1}, 1)  # no witness from an unfinished program
