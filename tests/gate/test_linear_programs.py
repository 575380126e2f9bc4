"""Linear programs that share their constraints, each solve started from the previous
optimum (:class:`scoreaudit.gate._solver.LinearPrograms`), against scipy's ``linprog``
solving each from scratch: the same optimal values, the same programs without one, and the
same published curve when the curve check uses either."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import tied_two_attribute_audit as _audit
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from scoreaudit.gate import _solver
from scoreaudit.gate.publish import publish


def _scipy(c, A_ub, b_ub, A_eq, b_eq):
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return None if res.status != 0 else (float(res.fun), res.x)


def _meets(x, A_ub, b_ub, A_eq, b_eq) -> bool:
    return bool(
        (x >= -1e-7).all()
        and (A_ub @ x <= b_ub + 1e-6).all()
        and np.allclose(A_eq @ x, b_eq, atol=1e-6)
    )


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), bounded=st.booleans())
def test_every_optimum_is_scipys(seed, n, bounded):
    """Random constraints (feasible, infeasible or unbounded alike), ten objectives in a
    row: each optimum value is scipy's, attained by the point returned."""
    rng = np.random.default_rng(seed)
    A_ub = csr_matrix(rng.integers(-2, 4, size=(rng.integers(1, 8), n)).astype(float))
    b_ub = rng.integers(-3, 30, size=A_ub.shape[0]).astype(float)
    if bounded:  # a total as well: every count below it
        A_ub = csr_matrix(np.vstack([A_ub.toarray(), np.ones((1, n))]))
        b_ub = np.append(b_ub, rng.integers(0, 40))
    A_eq = csr_matrix(rng.integers(0, 3, size=(rng.integers(0, 4), n)).astype(float))
    b_eq = rng.integers(0, 20, size=A_eq.shape[0]).astype(float)
    programs = _solver.LinearPrograms(A_ub, b_ub, A_eq, b_eq)
    for _ in range(10):
        c = rng.integers(-3, 4, size=n).astype(float)
        ours, theirs = programs.minimize(c), _scipy(c, A_ub, b_ub, A_eq, b_eq)
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert ours[0] == pytest.approx(theirs[0], abs=1e-7)
            assert c @ ours[1] == pytest.approx(ours[0], abs=1e-7)
            assert _meets(ours[1], A_ub, b_ub, A_eq, b_eq)


def test_a_hand_made_program():
    """y0 + y1 <= 4, y0 - y1 = 1: y0 from 1 to 2.5, y1 from 0 to 1.5."""
    programs = _solver.LinearPrograms(
        csr_matrix([[1.0, 1.0]]), np.array([4.0]), csr_matrix([[1.0, -1.0]]), np.array([1.0])
    )
    answers = [programs.minimize(np.array(c, dtype=float)) for c in ([1, 0], [-1, 0], [0, -1])]
    assert [a[0] for a in answers] == [1.0, -2.5, -1.5]
    np.testing.assert_allclose(answers[1][1], [2.5, 1.5])
    infeasible = _solver.LinearPrograms(
        csr_matrix([[1.0, 1.0]]), np.array([-1.0]), csr_matrix((0, 2)), np.zeros(0)
    )
    assert infeasible.minimize(np.ones(2)) is None
    unbounded = _solver.LinearPrograms(
        csr_matrix([[1.0, -1.0]]), np.array([1.0]), csr_matrix((0, 2)), np.zeros(0)
    )
    assert unbounded.minimize(np.array([0.0, -1.0])) is None
    assert unbounded.minimize(np.array([1.0, 1.0]))[0] == 0.0  # after a failure: from scratch


def test_an_optimum_refused_is_solved_again_from_scratch(monkeypatch):
    methods = []
    real = _solver.LinearPrograms._method

    def spy(self, *, warm):
        methods.append(warm)
        real(self, warm=warm)

    monkeypatch.setattr(_solver.LinearPrograms, "_method", spy)
    rng = np.random.default_rng(0)
    A_ub, b_ub = csr_matrix(np.ones((1, 5))), np.array([10.0])
    A_eq, b_eq = csr_matrix(rng.integers(0, 2, size=(2, 5)).astype(float)), np.array([3.0, 4.0])
    programs = _solver.LinearPrograms(A_ub, b_ub, A_eq, b_eq)
    c = [rng.normal(size=5) for _ in range(4)]
    for x in c:
        programs.minimize(x)  # the first from scratch, the others from it
    assert methods.count(False) == 1
    seen = []
    for x in c:  # every optimum refused: each solved again from scratch, that one returned
        found = programs.minimize(x, accept=lambda y: bool(seen.append(y)))
        assert found[0] == pytest.approx(_scipy(x, A_ub, b_ub, A_eq, b_eq)[0])
    assert methods.count(False) == 1 + len(c) and len(seen) == len(c)


class _FromScratch:
    """The curve check's linear programs as scipy solves them: each from scratch."""

    def __init__(self, A_ub, b_ub, A_eq, b_eq) -> None:
        self.args = (A_ub, b_ub, A_eq, b_eq)

    def minimize(self, c, *, accept=None):
        return _scipy(c, *self.args)


#: Audits whose curve check solves linear programs (2 to 12 each).
CHECKED = [
    (1, True),
    (7, True),
    (23, True),
    (1, False),
    (4, False),
    (8, False),
    (13, False),
    (16, False),
    (18, False),
    (21, False),
    (23, False),
]


def test_the_published_curve_is_the_one_of_programs_solved_from_scratch(monkeypatch):
    """Each bound's value is the program's, whichever vertex reaches it: the curve check
    hides the same rows as with every program solved from scratch by scipy."""
    from scoreaudit.gate import curve_cells

    solved = []
    real = _solver.LinearPrograms.minimize

    def counted(self, c, **kwargs):
        solved.append(1)
        return real(self, c, **kwargs)

    monkeypatch.setattr(_solver.LinearPrograms, "minimize", counted)
    ours = [publish(_audit(*args)).result.curve for args in CHECKED]
    monkeypatch.setattr(curve_cells, "LinearPrograms", _FromScratch)
    theirs = [publish(_audit(*args)).result.curve for args in CHECKED]  # (new audits: a
    # result published once is not checked again)
    assert len(solved) > 60, "the curves were checked by linear programs"
    for a, b in zip(ours, theirs, strict=True):
        assert a.equals(b)
