"""The HiGHS solver: scipy's integer programs without the stray line HiGHS prints, their
limits, and linear programs that share their constraints.

HiGHS, the solver behind :func:`scipy.optimize.milp`, prints
``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();`` to the process's
standard output on some programs whatever its display option (ERGO-Code/HiGHS#2783): it
landed in the middle of the CLI's tables (four times in an audit of four attributes and their
intersections), and would in a JSON written to standard output. Each solve therefore runs with
the file descriptor of standard output pointed at the null device (POSIX, main thread
only: elsewhere the solver runs as it is).
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy.optimize import milp as _scipy_milp
from scipy.sparse import csr_matrix, vstack

#: Work limit of a cheapest-cover program (:mod:`scoreaudit.gate.complements` and the gate of
#: aggregates), in branch-and-bound nodes. A count of nodes, unlike a time limit, stops the
#: solver at the same point on every machine, so the complements, hence the published tables,
#: do not depend on the machine's speed or load: a time limit of 10 s stopped one program of
#: a 5,000-row audit of four attributes after 36 nodes on one machine, which a faster one
#: would have solved to another cover. The best cover found by then is used (the exact
#: attacker checks it), else the greedy search. Most programs finish at the first node; 30
#: nodes left the published tables of 23 random audits as they were.
COVER_NODES = 30
#: Work limit of one of the attacker's integer programs, in nodes (inconclusive beyond it:
#: the gate hides more). They are small; none of a 20,000-row, four-attribute audit needed one.
ATTACK_NODES = 10_000
#: Seconds after which any program stops all the same: a last resort against a program that
#: would run for hours, far above the times measured (the slowest cover of a 5,000-row,
#: four-attribute audit: 8 s at 30 nodes). If it is ever reached, the publication may differ
#: from one machine to another.
LAST_RESORT_SECONDS = 300.0


def cover_options() -> dict[str, Any]:
    """Options of a cheapest-cover program: :data:`COVER_NODES`, then the last resort.

    Examples
    --------
    >>> cover_options()["node_limit"]
    30
    """
    return {"node_limit": COVER_NODES, "time_limit": LAST_RESORT_SECONDS}


def milp(*args: Any, **kwargs: Any) -> Any:
    """:func:`scipy.optimize.milp`, with the solver's own output silenced.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import Bounds
    >>> milp(c=np.array([1.0]), integrality=np.ones(1), bounds=Bounds(2.5, 9)).x
    array([3.])
    """
    with silenced_stdout():
        return _scipy_milp(*args, **kwargs)


class LinearPrograms:
    """Minima of linear objectives over one set of constraints, ``A_ub @ y <= b_ub``,
    ``A_eq @ y == b_eq``, ``y >= 0``, each solve starting where the previous one ended.

    :func:`scipy.optimize.linprog` solves every objective from scratch: on the README audit's
    curve check (2,280 counts, six objectives over the same constraints) each takes about
    3,000 dual simplex iterations. After one optimum the basis stays feasible for any other
    objective, so HiGHS's primal simplex goes on from it (1 to 140 iterations there),
    through highspy, HiGHS's own Python interface (scipy does not expose a warm start). A
    solve that ends otherwise than at an optimum, or at one the caller does not accept, is
    done again from scratch with HiGHS's default method (presolve, dual simplex), as linprog
    would. The optimal value is the constraints' own, whichever vertex attains it.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.sparse import csr_matrix
    >>> lp = LinearPrograms(csr_matrix(np.ones((1, 2))), np.array([4.0]),
    ...                     csr_matrix(np.array([[1.0, -1.0]])), np.array([1.0]))
    >>> lp.minimize(np.array([-1.0, 0.0]))[0], lp.minimize(np.array([1.0, 0.0]))[0]
    (-2.5, 1.0)
    """

    def __init__(
        self, A_ub: csr_matrix, b_ub: np.ndarray, A_eq: csr_matrix, b_eq: np.ndarray
    ) -> None:
        import highspy  # the curve check only: not on every import of the gate (50 ms)

        matrix = csr_matrix(vstack([A_ub, A_eq], format="csr"))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
        lp.col_cost_ = np.zeros(matrix.shape[1])
        lp.col_lower_ = np.zeros(matrix.shape[1])
        lp.col_upper_ = np.full(matrix.shape[1], highspy.kHighsInf)
        lp.row_lower_ = np.concatenate([np.full(len(b_ub), -highspy.kHighsInf), b_eq])
        lp.row_upper_ = np.concatenate([b_ub, b_eq]).astype(float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self._highs = quiet_highs()
        self._highs.passModel(lp)
        self._optimal = highspy.HighsModelStatus.kOptimal
        self._columns = np.arange(matrix.shape[1], dtype=np.int32)
        self._warm = False

    def minimize(
        self, c: np.ndarray, *, accept: Callable[[np.ndarray], bool] | None = None
    ) -> tuple[float, np.ndarray] | None:
        """``(min c @ y, a y attaining it)``, or None when there is no optimum (no ``y``
        meets the constraints, or ``c @ y`` has no lower bound).

        ``accept``: when the optimum reached from the previous one is not acceptable (the
        curve check wants a whole one), the program is solved again from scratch, which
        may end at another vertex; the second optimum is returned whatever it is.
        """
        h = self._highs
        h.changeColsCost(len(self._columns), self._columns, np.asarray(c, dtype=float))
        if self._warm:
            h.run()
            if h.getModelStatus() == self._optimal:
                found = self._optimum()
                if accept is None or accept(found[1]):
                    return found
        h.clearSolver()  # from scratch: no basis left from an earlier solve
        self._method(warm=False)
        h.run()
        if h.getModelStatus() != self._optimal:
            return None
        self._method(warm=True)
        return self._optimum()

    def _method(self, *, warm: bool) -> None:
        """Primal simplex on the model as it is from an optimal basis, else HiGHS's choice
        (presolve, then dual simplex)."""
        self._warm = warm
        self._highs.setOptionValue("presolve", "off" if warm else "choose")
        self._highs.setOptionValue("simplex_strategy", 4 if warm else 1)

    def _optimum(self) -> tuple[float, np.ndarray]:
        h = self._highs
        return float(h.getInfo().objective_function_value), np.array(h.getSolution().col_value)


def quiet_highs() -> Any:
    """A ``highspy.Highs`` that prints nothing.

    HiGHS prints a two-line banner to standard output when the first solver of a process is
    made, before any option can be set: the first is made with standard output silenced,
    which :func:`silenced_stdout` does in the main thread only. A program that solves in
    other threads (``scoreaudit serve``'s jobs) calls this once from the main thread first.

    Examples
    --------
    >>> status, shown = quiet_highs().getOptionValue("output_flag")
    >>> shown
    False
    """
    import highspy

    with silenced_stdout():
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


@contextmanager
def silenced_stdout() -> Iterator[None]:
    """Point file descriptor 1 at the null device for the block (what C code prints is lost).

    Only in the main thread: the descriptor belongs to the whole process, so a solve in
    another thread (the web page's jobs) would silence, and could leave silenced, what the
    rest of the program writes. Python's and the C library's buffers are flushed before the
    descriptor moves and the C library's again before it is put back. Does nothing where
    standard output has no file descriptor or the C library cannot be reached.
    """
    libc = _libc()
    if libc is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        sys.stdout.flush()
        libc.fflush(None)
        saved = os.dup(1)
    except (AttributeError, OSError, ValueError):
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        os.close(saved)
        yield
        return
    try:
        os.dup2(null, 1)
        yield
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


@functools.cache
def _libc() -> Any:
    if os.name != "posix":
        return None
    try:
        return ctypes.CDLL(None)
    except OSError:  # pragma: no cover - a POSIX process always has its C library
        return None
