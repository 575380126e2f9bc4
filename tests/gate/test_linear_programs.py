"""Linear programs that share their constraints, each solve started from the previous
optimum (:class:`scoreaudit.gate._solver.LinearPrograms`), against scipy's ``linprog``
solving each from scratch: the same optimal values, the same programs without one, and the
same published curve when the curve check uses either."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import readme_audit
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


def _models(monkeypatch) -> tuple[list, list, list]:
    """Spies on the curve check: (models with the work they were given, linear solves,
    integer solves), each solve recorded with the object that made it."""
    from scoreaudit.gate import curve_cells

    models, linear, integer = [], [], []
    init, minimize, whole = (
        curve_cells._Model.__init__,
        _solver.LinearPrograms.minimize,
        curve_cells._Model._whole,
    )

    def spy_init(self, shown, full, groups, published, audit_count, work):
        init(self, shown, full, groups, published, audit_count, work)
        models.append((self, work))

    def spy_minimize(self, c, **kwargs):
        linear.append(self)
        return minimize(self, c, **kwargs)

    def spy_whole(self, c, sign):
        integer.append(self)
        return whole(self, c, sign)

    monkeypatch.setattr(curve_cells._Model, "__init__", spy_init)
    monkeypatch.setattr(_solver.LinearPrograms, "minimize", spy_minimize)
    monkeypatch.setattr(curve_cells._Model, "_whole", spy_whole)
    return models, linear, integer


def test_each_program_counts_against_the_work_limit(monkeypatch):
    """A linear program costs one, an integer one INTEGER_COST: the limit is a count of
    programs, the same on every machine."""
    from scoreaudit.gate import curve_cells

    models, linear, integer = _models(monkeypatch)
    for args in CHECKED[:6]:
        publish(_audit(*args))
    assert linear
    for model, work in models:
        n_linear = sum(lp is model._linear for lp in linear)
        n_integer = sum(m is model for m in integer)
        assert model.work == work - n_linear - curve_cells.INTEGER_COST * n_integer


def test_whole_is_whole_to_the_solvers_tolerance_only(monkeypatch):
    """An optimum is an integer solution when every count is whole (to 1e-7: solver noise)
    and the rounded counts meet every published count; a fractional point whose rounding
    happens to be a solution is not one (its value is not the rounded point's)."""
    models, _, _ = _models(monkeypatch)
    publish(_audit(23, True))
    model = models[0][0]
    truth = model.pool[0]
    assert model._is_whole(truth)
    small, large = int(np.argmin(truth)), int(np.argmax(truth))
    assert truth[large] >= 10
    for where, delta, whole in ((small, 5e-8, True), (small, 0.3, False), (large, 0.3, False)):
        x = truth.copy()
        x[where] += delta
        assert np.array_equal(np.round(x), truth)
        assert model._is_whole(x) is whole
    moved = truth.copy()
    moved[large] += 1.0
    assert not model._is_whole(moved)  # whole, but no solution


def test_whole_optima_met_become_witnesses(monkeypatch):
    """Every whole linear optimum that meets the published counts joins the pool (it proves
    widths later without a program)."""
    models, linear, _ = _models(monkeypatch)
    answers = []
    real = _solver.LinearPrograms.minimize

    def keep(self, c, **kwargs):
        found = real(self, c, **kwargs)
        answers.append((self, found))
        return found

    monkeypatch.setattr(_solver.LinearPrograms, "minimize", keep)
    for args in CHECKED[:4]:
        publish(_audit(*args))
    met = 0
    for model, _ in models:
        for lp, found in answers:
            if lp is model._linear and found is not None and model._is_whole(found[1]):
                met += 1
                assert any(np.array_equal(np.round(found[1]), y) for y in model.pool)
    assert met > 0


def test_the_readme_audit_is_proven_with_one_integer_program(monkeypatch):
    """On the README audit an optimum reached from the previous one is fractional where the
    one from scratch is whole: solved again from scratch, the check needs the same single
    integer program as with every linear program from scratch (four otherwise)."""
    r = readme_audit(threshold_free=False)
    _, linear, integer = _models(monkeypatch)
    publish(r)
    assert (len(linear), len(integer)) == (6, 1)


def test_each_solve_goes_on_from_the_previous_optimum():
    """Bounds of counts of a transport table (the curve check's kind of program: min then
    max of a sum of cells): from the previous optimum the primal simplex needs fewer
    iterations in all than solving each from scratch (the dual simplex from the previous
    basis needs more: 1,000 against 500 here)."""
    from scipy.sparse import identity, kron, vstack

    rng = np.random.default_rng(0)
    m = 25
    supply = rng.integers(5, 50, m).astype(float)
    demand = rng.multinomial(int(supply.sum()), np.ones(m) / m).astype(float)
    A_eq = vstack([kron(identity(m), np.ones((1, m))), kron(np.ones((1, m)), identity(m))])
    args = (csr_matrix((0, m * m)), np.zeros(0), A_eq.tocsr(), np.concatenate([supply, demand]))
    cells = [np.isin(np.arange(m * m), rng.choice(m * m, 40, replace=False)) for _ in range(4)]
    objectives = [sign * t.astype(float) for t in cells for sign in (1.0, -1.0)]

    def iterations(programs, c):
        programs.minimize(c)
        return programs._highs.getInfo().simplex_iteration_count

    warm = _solver.LinearPrograms(*args)
    went_on = [iterations(warm, c) for c in objectives][1:]
    scratch = [iterations(_solver.LinearPrograms(*args), c) for c in objectives][1:]
    assert sum(went_on) < 0.75 * sum(scratch)
