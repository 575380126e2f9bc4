"""Figures drawn by forked processes: same results, same files, failures made up for."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import scoreaudit as sa
from scoreaudit.errors import ScoreAuditError
from scoreaudit.report import _forked, write_report
from scoreaudit.report._forked import Pending, check_n_jobs, processes

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="figures are forked on Linux only"
)


def _pid() -> int:
    return os.getpid()


def _square(i: int) -> int:
    return i * i


@pytest.mark.parametrize("n_jobs", [None, 1, 2, 3, -1])
def test_results_in_the_order_of_the_calls(n_jobs):
    calls = [lambda i=i: _square(i) for i in range(25)]
    assert Pending(calls, n_jobs).result() == [i * i for i in range(25)]


@linux_only
def test_children_take_calls_when_asked_for_processes():
    here = os.getpid()
    pids = Pending([_slow_pid] * 12, n_jobs=2).result()
    assert len(pids) == 12
    assert here in pids and set(pids) - {here}, "the parent and a child both made calls"


@linux_only
def test_children_draw_with_the_collector_off_and_the_parent_keeps_it():
    """A child's garbage goes with the child (it leaves by os._exit): its collector is off,
    this process's is left as it was."""
    import gc

    here = os.getpid()
    for _ in range(20):
        made = Pending([_slow_collector] * 12, n_jobs=2).result()
        if {pid for pid, _ in made} - {here}:
            break
    assert {on for pid, on in made if pid != here} == {False}
    assert {on for pid, on in made if pid == here} <= {True} and gc.isenabled()


def _slow_collector() -> tuple[int, bool]:
    import gc

    return _slow_pid(), gc.isenabled()


def _slow_pid() -> int:
    import time

    time.sleep(0.05)  # long enough that the child, started first, takes some
    return os.getpid()


def _child_warnings(n_calls: int, n_jobs: int) -> list:
    """Child warnings seen by the parent when every call warns in a child (retried until a
    child took a call: the parent may make them all)."""
    here = os.getpid()

    def warn_in_child() -> int:
        if os.getpid() != here:
            warnings.warn("drawn in a child", UserWarning, stacklevel=1)
        return 1

    for _ in range(20):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = Pending([_slow_then(warn_in_child)] * n_calls, n_jobs=n_jobs).result()
        assert out == [1] * n_calls
        seen = [w for w in caught if "drawn in a child" in str(w.message)]
        if seen:
            return seen
    pytest.fail("no child made a call")  # pragma: no cover


@linux_only
def test_a_warning_in_a_child_is_raised_in_the_parent():
    assert _child_warnings(6, n_jobs=2)[0].category is UserWarning


def _slow_then(call):
    def run():
        import time

        time.sleep(0.02)
        return call()

    return run


@linux_only
def test_calls_a_dying_child_took_are_made_by_the_parent():
    here = os.getpid()

    def die_in_child(i: int) -> int:
        if os.getpid() != here:
            os._exit(3)  # the child dies without sending anything
        return i

    calls = [_slow_then(lambda i=i: die_in_child(i)) for i in range(8)]
    assert Pending(calls, n_jobs=3).result() == list(range(8))


@linux_only
def test_an_exception_in_a_child_is_raised_by_the_parent_making_the_call():
    def fails() -> int:
        raise RuntimeError("bad figure")

    with pytest.raises(RuntimeError, match="bad figure"):
        Pending([_slow_then(fails)] * 4, n_jobs=2).result()


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_n_jobs_named(bad):
    with pytest.raises(ScoreAuditError, match="n_jobs") as info:
        check_n_jobs(bad)
    assert repr(bad) in str(info.value)


def test_processes():
    assert processes(None, 8) == 1
    assert processes(np.int64(1), 8) == 1
    assert processes(4, 1) == 1  # one call: nothing to share
    if sys.platform.startswith("linux"):
        assert processes(np.int64(3), 8) == 3
        assert processes(16, 5) == 5  # never more processes than calls
        assert processes(-1, 64) == len(os.sched_getaffinity(0))


def test_no_fork_outside_linux(monkeypatch):
    monkeypatch.setattr(_forked.sys, "platform", "darwin")
    assert processes(4, 8) == 1
    here = os.getpid()
    assert Pending([_pid] * 4, n_jobs=4).result() == [here] * 4


def test_write_report_refuses_bad_n_jobs_before_writing(tmp_path):
    frame = sa.synthetic.c2sg_population(2_000, random_state=0)
    res = sa.audit(
        sa.Population(frame, protected=["gender"]),
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        threshold_free=False,
    )
    with pytest.raises(ScoreAuditError, match="n_jobs"):
        write_report(res, tmp_path / "r", n_jobs=0)
    assert not (tmp_path / "r").exists()


@linux_only
@pytest.mark.parametrize("lang, png", [("en", True), ("fr", False)])
def test_report_files_the_same_with_forked_figures(tmp_path, lang, png):
    res = _c2sg_audit(8_000, seed=2)
    formats = ("html", "md", "json", "csv", "figures") + (("png",) if png else ())
    one = write_report(res, tmp_path / "one", lang=lang, formats=formats)
    three = write_report(res, tmp_path / "three", lang=lang, formats=formats, n_jobs=3)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(three) for p in three.rglob("*") if p.is_file())
    assert sum(p.suffix == ".svg" for p in files) >= 6
    for rel in files:
        a, b = _without_time(one / rel), _without_time(three / rel)
        assert a == b, rel


def _c2sg_audit(rows: int, seed: int, protected=("gender", "age_band", "family_status")):
    """The README's audit on a smaller synthetic population."""
    frame = sa.synthetic.c2sg_population(rows, random_state=seed)
    return sa.audit(
        sa.Population(frame, protected=list(protected)),
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference={"gender": "man"},
    )


def _without_time(path: Path) -> bytes:
    import re

    return re.sub(rb"\d{2}[-/]\d{2}[-/]\d{2,4}[T ][0-9:+]+( UTC)?", b"", path.read_bytes())


@linux_only
def test_hung_children_share_one_wait(monkeypatch):
    import time

    here = os.getpid()
    monkeypatch.setattr(_forked, "CHILD_TIMEOUT", 1.0)

    def hang_in_child(i: int) -> int:
        if os.getpid() != here:
            time.sleep(60)
        return i

    deadlines = []
    gather = _forked._gather

    def spy(child, receive, deadline):
        deadlines.append(deadline)
        return gather(child, receive, deadline)

    monkeypatch.setattr(_forked, "_gather", spy)
    calls = [_slow_then(lambda i=i: hang_in_child(i)) for i in range(8)]
    assert Pending(calls, n_jobs=4).result() == list(range(8))  # made here instead
    assert len(deadlines) == 3 and len(set(deadlines)) == 1  # not one full wait per child


@linux_only
def test_no_semaphores_means_the_calls_run_here(monkeypatch):
    import multiprocessing as mp

    ctx = mp.get_context("fork")

    def no_sem(*args, **kwargs):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(type(ctx), "Value", no_sem)
    here = os.getpid()
    assert Pending([_pid] * 4, n_jobs=2).result() == [here] * 4


@linux_only
def test_a_warning_from_several_children_is_raised_once():
    assert len(_child_warnings(9, n_jobs=3)) == 1


def _late(later) -> tuple[int, int]:
    return later.get(), os.getpid()


@linux_only
def test_a_value_given_after_the_fork_reaches_the_child_that_needs_it():
    import time

    from scoreaudit.report._forked import Later

    here = os.getpid()
    later = Later()
    pending = Pending([lambda: _late(later), lambda: (0, os.getpid())], n_jobs=3)
    time.sleep(0.3)  # both children have taken their call; the first one waits
    later.give({"curve": [20]})  # after the fork: the child has it only from the pipe
    value, pid = pending.result()[0]
    later.close()
    assert pid != here and value == {"curve": [20]}
    assert later.get() == {"curve": [20]}


@linux_only
def test_a_later_value_that_cannot_be_sent_is_used_here():
    import threading
    import time

    from scoreaudit.report._forked import Later

    here = os.getpid()
    later = Later()
    lock = threading.Lock()  # cannot be pickled
    pending = Pending([lambda: _late(later), lambda: (0, os.getpid())], n_jobs=3)
    time.sleep(0.3)
    later.give(lock)
    got = pending.result()[0]
    later.close()
    assert got == (lock, here)  # the child's call failed at once: made here


@linux_only
def test_a_child_that_waits_too_long_leaves_the_call_here(monkeypatch):
    import time

    from scoreaudit.report._forked import Later

    monkeypatch.setattr(_forked, "CHILD_TIMEOUT", 0.3)
    here = os.getpid()
    later = Later()
    pending = Pending([lambda: _late(later), lambda: (0, os.getpid())], n_jobs=3)
    time.sleep(1.0)  # the child gave up
    later.give(7)
    assert pending.result()[0] == (7, here)
    later.close()


def test_a_value_asked_for_before_it_is_given_is_an_error():
    from scoreaudit.report._forked import Later

    with pytest.raises(RuntimeError, match="before give"):
        Later().get()


def test_only_the_curve_figure_sees_the_curve(monkeypatch, tmp_path):
    """The other figures are drawn from the gate's first copy, which has no curve; the
    budget curve from the published result (its hidden rows included)."""
    import scoreaudit.plots as plots
    from scoreaudit.gate.publish import publish

    seen: dict[str, int] = {}
    for name in ("selection_rates", "disparity_forest", "budget_curve", "intersection_heatmap"):
        real = getattr(plots, name)

        def spy(result, *args, _real=real, _name=name, **kwargs):
            seen[_name] = len(result.curve)
            return _real(result, *args, **kwargs)

        monkeypatch.setattr(plots, name, spy)
    res = _c2sg_audit(3_000, seed=4, protected=("gender", "family_status"))
    write_report(res, tmp_path / "r", formats=("figures",))
    curve = publish(res).result.curve
    assert curve["suppressed"].any() and (~curve["suppressed"]).any()
    assert seen.pop("budget_curve") == len(curve)
    assert seen == {"selection_rates": 0, "disparity_forest": 0, "intersection_heatmap": 0}


@pytest.mark.parametrize("n_jobs", [None, 3])
def test_staged_figures_are_the_figures_of_the_whole_publication(tmp_path, n_jobs):
    """Drawn from the gate's first copy (and the curve sent later), the report's figures are
    those drawn from :func:`publish`'s copy in one go."""
    from scoreaudit.gate.publish import publish
    from scoreaudit.report import make_figures

    res = _c2sg_audit(4_000, seed=5)
    out = write_report(res, tmp_path / "r", formats=("figures",), n_jobs=n_jobs)
    whole = make_figures(publish(res).result, "en", directory=tmp_path / "whole")
    assert publish(res).result.curve["suppressed"].any()
    assert [f.name for f in whole] and all(f.error is None for f in whole)
    for fig in whole:
        assert (out / "figures" / f"{fig.name}.svg").read_bytes() == fig.svg, fig.name


def _pid_after(seconds: float) -> int:
    import time

    time.sleep(seconds)
    return os.getpid()


@linux_only
def test_the_last_calls_are_left_to_a_child():
    """Whoever takes the slow call, the last one is made by the child: the parent, free at
    once, would otherwise take it whenever the child took the slow one."""
    import time

    here = os.getpid()
    pending = Pending([lambda: _pid_after(0.3), os.getpid], n_jobs=2, leave_last=1)
    time.sleep(0.1)  # most often the child has taken the slow call by now
    assert pending.result()[1] != here


def test_without_children_the_last_calls_are_made_here():
    assert Pending([os.getpid, os.getpid], n_jobs=None, leave_last=1).result() == [os.getpid()] * 2


@linux_only
def test_a_left_call_no_child_made_is_made_here():
    here = os.getpid()

    def in_parent_only(value):
        if os.getpid() != here:
            os._exit(1)  # the child dies on whichever call it takes
        return value

    calls = [lambda: in_parent_only(0), lambda: in_parent_only(os.getpid())]
    assert Pending(calls, n_jobs=2, leave_last=1).result() == [0, here]


def test_a_value_with_no_child_to_send_it_to_is_kept_here():
    import threading

    from scoreaudit.report._forked import Later

    later = Later()
    later.close()  # no child: nothing is sent, no thread is started
    before = threading.active_count()
    later.give({"curve": 1})
    assert threading.active_count() == before and later.get() == {"curve": 1}


# -- children forked before their calls are known (the report's figure workers) --


def _marked(path: Path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))
    return value


def _calls_of(value):
    return [lambda: (value, _pid_after(0.3)), lambda: (value + 1, _pid_after(0.3))], 0


@linux_only
@pytest.mark.parametrize("n_jobs", [2, 3])
def test_children_forked_early_warm_up_then_take_the_calls_they_are_given(tmp_path, n_jobs):
    import time

    here = os.getpid()
    warmed = tmp_path / "warmed"
    pending = Pending(
        _calls_of, n_jobs=n_jobs, warm=lambda: _marked(warmed / str(os.getpid()), None)
    )
    time.sleep(0.5)  # the children have warmed up while nothing is known
    assert len(list(warmed.iterdir())) == n_jobs - 1
    assert here not in {int(p.name) for p in warmed.iterdir()}
    pending.give(10)  # every child is sent it
    pending.supply(*_calls_of(10))
    got = pending.result()
    assert [v for v, _ in got] == [10, 11]
    assert any(pid != here for _, pid in got)


def test_calls_not_supplied_are_an_error():
    pending = Pending(_calls_of, n_jobs=None)
    pending.give(1)
    with pytest.raises(RuntimeError, match="before supply"):
        pending.result()


@linux_only
def test_a_child_whose_calls_cannot_be_made_leaves_them_here():
    here = os.getpid()

    def calls(value):
        if os.getpid() != here:
            raise ValueError("no calls in the child")
        return [os.getpid, os.getpid], 0

    pending = Pending(calls, n_jobs=2)
    pending.give(None)
    pending.supply(*calls(None))
    assert pending.result() == [here, here]


@linux_only
def test_a_child_never_given_its_value_leaves_the_calls_here(monkeypatch):
    monkeypatch.setattr(_forked, "CHILD_TIMEOUT", 0.3)
    here = os.getpid()
    pending = Pending(_calls_of, n_jobs=2)
    pending.supply(*_calls_of(3))  # the child is never given the value: it gives up
    assert pending.result() == [(3, here), (4, here)]


@linux_only
def test_a_report_that_fails_in_the_gate_leaves_no_child(monkeypatch, tmp_path):
    import multiprocessing

    import scoreaudit.report.writer as writer

    def refused(*args, **kwargs):
        raise ScoreAuditError("the gate refused")

    monkeypatch.setattr(writer, "publish_staged", refused)
    res = _c2sg_audit(2_000, seed=3)
    with pytest.raises(ScoreAuditError, match="the gate refused"):
        write_report(res, tmp_path / "r", formats=("figures",), n_jobs=2)
    assert not multiprocessing.active_children()
    assert not (tmp_path / "r").exists()


@linux_only
def test_the_figure_workers_import_matplotlib_before_the_first_copy(monkeypatch, tmp_path):
    """Forked before the gate's first step, the child imports matplotlib meanwhile."""
    import time

    from scoreaudit.gate.publish import publish_staged
    from scoreaudit.report import _figures

    warmed = tmp_path / "warmed"
    real = _figures._plots
    monkeypatch.setattr(_figures, "_plots", lambda: _marked(warmed, real()))
    res = _c2sg_audit(2_000, seed=3)
    workers = _figures.FigureWorkers("en", n_jobs=2, directory=tmp_path / "figures")
    time.sleep(0.5)
    assert warmed.exists() and int(warmed.read_text()) != os.getpid()
    first, _ = publish_staged(res)
    figures = workers.start(first).result()
    workers.close()
    assert figures and all(f.error is None and f.svg for f in figures)


def test_a_copy_rebuilt_from_what_it_holds_in_place_of_the_result():
    from scoreaudit.gate.publish import publish_staged
    from scoreaudit.report._figures import _delta, _rebuilt

    res = _c2sg_audit(2_000, seed=3)
    first, _ = publish_staged(res)
    changed, removed = _delta(res, first)
    assert {"groups", "disparities", "curve", "selection"} <= set(changed)
    assert "population" not in changed and "scores" not in changed
    again = _rebuilt(res, changed, removed)
    assert type(again) is type(first) and vars(again).keys() == vars(first).keys()
    assert all(vars(again)[k] is v for k, v in vars(first).items())


@linux_only
def test_a_value_that_cannot_be_sent_leaves_the_calls_here():
    import threading

    here = os.getpid()
    lock = threading.Lock()  # cannot be pickled
    pending = Pending(lambda value: ([os.getpid, os.getpid], 0), n_jobs=2)
    pending.give(lock)
    pending.supply([os.getpid, os.getpid])
    assert pending.result() == [here, here]
