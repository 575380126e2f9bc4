"""The solver's own output never reaches standard output; the solve is unchanged."""

from __future__ import annotations

import ctypes
import os

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint
from scipy.optimize import milp as scipy_milp

from scoreaudit.gate._solver import milp, silenced_stdout

posix_only = pytest.mark.skipif(os.name != "posix", reason="silenced on POSIX only")


@posix_only
def test_c_output_inside_the_block_is_lost_and_after_it_kept(capfd):
    libc = ctypes.CDLL(None)
    print("before", flush=True)
    with silenced_stdout():
        os.write(1, b"raw write\n")
        libc.printf(b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n")
    libc.printf(b"after\n")
    libc.fflush(None)
    out, err = capfd.readouterr()
    assert out == "before\nafter\n"
    assert err == ""


@posix_only
def test_standard_output_is_put_back_after_an_error(capfd):
    with pytest.raises(RuntimeError), silenced_stdout():
        raise RuntimeError("solver failed")
    os.write(1, b"still here\n")
    assert capfd.readouterr().out == "still here\n"


def test_same_solution_as_scipy():
    rng = np.random.default_rng(5)
    for _ in range(5):
        a = rng.integers(0, 5, size=(4, 6)).astype(float)
        c = rng.normal(size=6)
        cons = LinearConstraint(a, -np.inf, rng.integers(5, 20, size=4))
        kw = {"constraints": [cons], "integrality": np.ones(6), "bounds": Bounds(0, 10)}
        ours, theirs = milp(c, **kw), scipy_milp(c, **kw)
        assert ours.status == theirs.status
        np.testing.assert_array_equal(ours.x, theirs.x)


@posix_only
def test_other_threads_solve_without_touching_standard_output(capfd):
    import threading

    def solve_many():
        for _ in range(20):
            with silenced_stdout():
                os.write(1, b"thread\n")  # not silenced: fd 1 is the whole process's

    threads = [threading.Thread(target=solve_many) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    os.write(1, b"main\n")
    out = capfd.readouterr().out
    assert out.count("thread\n") == 80 and out.endswith("main\n")


def test_every_integer_program_of_the_gate_stops_at_a_node_count(monkeypatch):
    """The complements, hence the published tables, must not depend on the machine's speed:
    every integer program runs under a node limit; time is only a far last resort."""
    import pandas as pd

    from scoreaudit.gate import _solver
    from scoreaudit.gate.complements import protect_groups

    seen = []

    def spy(*args, **kwargs):
        options = dict(kwargs.get("options") or {})  # (scipy takes keys out of the dict)
        seen.append((np.asarray(kwargs.get("integrality", [0])).any(), options))
        return scipy_milp(*args, **kwargs)

    monkeypatch.setattr(_solver, "_scipy_milp", spy)
    rng = np.random.default_rng(2)
    rows = []
    for a, levels in (("g", ["m", "w"]), ("h", ["x", "y", "z"])):
        for lv in levels:
            rows.append({"attribute": a, "group": lv})
    for m in ("m", "w"):
        for lv in ("x", "y", "z"):
            rows.append({"attribute": "g × h", "group": f"{m} × {lv}"})
    cells = rng.integers(3, 40, size=(2, 3))
    n = np.concatenate([cells.sum(1), cells.sum(0), cells.ravel()])
    sel = np.concatenate([(cells // 3).sum(1), (cells // 3).sum(0), (cells // 3).ravel()])
    g = pd.DataFrame(rows).assign(n=n, selected=sel)
    masks = protect_groups(g, 11)
    assert masks["size"].any() or masks["selection"].any()
    programs = [opts for integer, opts in seen if integer]
    assert programs, "the gate solved integer programs"
    for opts in programs:
        assert opts["node_limit"] <= _solver.ATTACK_NODES
        assert opts["time_limit"] >= _solver.LAST_RESORT_SECONDS


_BANNER_SCRIPT = """
import threading
import numpy as np
from scipy.sparse import csr_matrix
from scoreaudit.gate import _solver, quiet_highs

def solve():
    lp = _solver.LinearPrograms(csr_matrix(np.ones((1, 2))), np.array([4.0]),
                                csr_matrix((0, 2)), np.zeros(0))
    print("min", lp.minimize(np.array([-1.0, 0.0]))[0], flush=True)

if {first_here}:
    quiet_highs()
thread = threading.Thread(target=solve)
thread.start()
thread.join()
"""


@posix_only
@pytest.mark.parametrize("first_here", [True, False])
def test_highs_prints_nothing_once_made_quietly_in_the_main_thread(first_here):
    """HiGHS prints a banner when a process makes its first solver; made quietly in the
    main thread first (as ``scoreaudit serve`` does), a solve in another thread prints
    nothing (without it, the banner shows: the test can fail)."""
    import subprocess
    import sys

    script = _BANNER_SCRIPT.format(first_here=first_here)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert ("HiGHS" in out) is not first_here
    assert "min -4.0" in out
