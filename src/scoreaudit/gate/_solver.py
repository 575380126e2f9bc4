"""scipy's integer-programming solver, without the stray line HiGHS prints, and its limits.

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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scipy.optimize import milp as _scipy_milp

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
