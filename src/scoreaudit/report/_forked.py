"""Independent calls shared between this process and forked children (the report's figures).

Drawing a figure is pure Python work under the interpreter lock, so threads do not run two
at once; a forked child starts with everything already imported and laid out in memory,
where a spawned one would import the package again (about a second, as long as all the
figures together). Fork is used on Linux only: macOS's system frameworks are not safe after
a fork, and Windows has none; elsewhere, or when this process may not have children, the
calls run here in turn. The results are the same either way: each call is made once, in
whichever process takes it, and must return a picklable value.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import numbers
import os
import pickle
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from scoreaudit.errors import ScoreAuditError

T = TypeVar("T")

#: Seconds to wait for a child's results before making its calls here instead (a child
#: that never answers would otherwise hang the report).
CHILD_TIMEOUT = 300.0


def processes(n_jobs: int | None, n_calls: int) -> int:
    """How many processes (this one included) to use for ``n_calls`` calls.

    ``None`` or 1: this process only; -1: one per available CPU; never more than the calls,
    and 1 wherever forking is not used (see the module's docstring).

    Examples
    --------
    >>> processes(None, 8), processes(1, 8), processes(2, 1)
    (1, 1, 1)
    """
    check_n_jobs(n_jobs)
    if n_jobs is None or n_jobs == 1 or n_calls < 2 or not _can_fork():
        return 1
    wanted = len(os.sched_getaffinity(0)) if n_jobs == -1 else int(n_jobs)
    return max(1, min(wanted, n_calls))


def check_n_jobs(n_jobs: Any) -> None:
    """Refuse an ``n_jobs`` that is not None, -1 or a whole number of processes.

    Examples
    --------
    >>> check_n_jobs(-1)
    >>> check_n_jobs(0)
    Traceback (most recent call last):
    ...
    scoreaudit.errors.ScoreAuditError: n_jobs must be a whole number of processes (1 or more) or -1 for one per CPU, not 0.
    """
    if n_jobs is None:
        return
    whole = isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
    if not whole or n_jobs == 0 or n_jobs < -1:
        raise ScoreAuditError.from_key("err_report_n_jobs", value=n_jobs)


def _can_fork() -> bool:
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "sched_getaffinity")
        and not mp.current_process().daemon  # a daemonic process may not have children
    )


class Pending(Generic[T]):
    """Calls started in forked children; :meth:`result` makes the rest here and gathers all.

    ``calls`` may also be a function of one value giving ``(calls, leave_last)``: the
    children are forked at once and run ``warm()`` (imports, say) while the value is not
    known; :meth:`give` sends it to each of them (a pipe each), and they make their calls
    from it. This process is handed the same calls by :meth:`supply`.

    Examples
    --------
    >>> pending = Pending([lambda: 1, lambda: 2, lambda: 3], n_jobs=2)
    >>> pending.result()
    [1, 2, 3]
    >>> def calls(value):
    ...     return [lambda: value, lambda: value + 1], 0
    >>> pending = Pending(calls, n_jobs=2)
    >>> pending.give(5)
    >>> pending.supply(*calls(5))
    >>> pending.result()
    [5, 6]
    """

    def __init__(
        self,
        calls: Sequence[Callable[[], T]] | Callable[[Any], tuple[Sequence[Callable[[], T]], int]],
        n_jobs: int | None = None,
        *,
        leave_last: int = 0,
        warm: Callable[[], Any] | None = None,
    ) -> None:
        self._source = calls if callable(calls) else None
        self._calls: list[Callable[[], T]] | None = None
        # the last calls wait for a value given later (:class:`Later`): with children, this
        # process leaves them to a child, which has imported what they need by then (this
        # one would first import it), and makes them only if no child did
        self._leave = 0
        if not callable(calls):
            self.supply(calls, leave_last)
        self._warm = warm
        self._counter: Any = None
        self._children: list[tuple[Any, Any]] = []
        self._values: list[Any] = []  # with a source: the pipe each child's value comes by
        self._post: threading.Thread | None = None
        n = processes(n_jobs, len(self._calls) if self._calls is not None else 2**31)
        if n > 1:
            self._start(n - 1)

    def supply(self, calls: Sequence[Callable[[], T]], leave_last: int = 0) -> None:
        """This process's calls: the same as the children's (see the class docstring)."""
        self._calls = list(calls)
        self._leave = max(0, min(int(leave_last), len(self._calls)))

    def give(self, value: Any) -> None:
        """The value the children make their calls from (see the class docstring): pickled
        once here, written to each child's pipe from a thread (a child reads it once warm)."""
        if self._values:
            self._post = _send(self._values, value)

    def _start(self, n_children: int) -> None:
        # Frozen objects are left alone by the children's collections, which would otherwise
        # write to (and so copy) every page of the parent's objects; unfrozen here after,
        # unless the program had frozen objects itself.
        own_freeze = gc.get_freeze_count() == 0
        if own_freeze:
            gc.freeze()
        try:
            ctx = mp.get_context("fork")
            self._counter = ctx.Value("i", 0)  # needs POSIX semaphores, absent in some sandboxes
            self._fork(ctx, n_children)
        except (OSError, ImportError):
            pass  # no counter or no more processes: the calls not taken run here
        finally:
            if own_freeze:
                gc.unfreeze()

    def _fork(self, ctx: Any, n_children: int) -> None:
        filters = list(warnings.filters)  # the caller's, not the one set around the fork
        for _ in range(n_children):
            pipes = [ctx.Pipe(duplex=False)]  # results: child -> here
            if self._source is not None:
                pipes.append(ctx.Pipe(duplex=False))  # the value: here -> child
            receive, send = pipes[0]
            value_in = pipes[1][0] if len(pipes) > 1 else None
            work = self._calls if self._source is None else self._source
            args = (work, self._counter, send, filters, self._warm, value_in)
            child = ctx.Process(target=_child, args=args, daemon=True)
            try:
                with warnings.catch_warnings():
                    # Python 3.12+ warns that fork in a process with threads may deadlock in
                    # the child; the child only makes the calls, sends their results and
                    # leaves by os._exit, and the timeout below covers a child that hangs.
                    warnings.simplefilter("ignore", DeprecationWarning)
                    child.start()
            except OSError:
                receive.close()
                if value_in is not None:
                    pipes[1][1].close()
                raise
            finally:
                send.close()
                if value_in is not None:
                    value_in.close()
            self._children.append((child, receive))
            if value_in is not None:
                self._values.append(pipes[1][1])

    @property
    def forked(self) -> bool:
        """Whether children are making calls (until :meth:`result` has gathered them)."""
        return bool(self._children)

    def result(self) -> list[T]:
        """The results in the order of the calls (blocks until every call is made)."""
        calls = self._calls
        if calls is None:
            raise RuntimeError("Pending.result() before supply()")
        done: dict[int, T] = {}
        mine = len(calls) - (self._leave if self._children else 0)
        while (i := _claim(self._counter, mine)) is not None:
            done[i] = calls[i]()
        caught: dict[tuple[str, type[Warning]], None] = {}
        deadline = time.monotonic() + CHILD_TIMEOUT  # one wait for all the children
        for child, receive in self._children:
            results, child_warnings = _gather(child, receive, deadline)
            done.update(results)
            caught.update(dict.fromkeys(child_warnings))
        self._children = []
        self.close()
        for message, category in caught:  # each once, as they would be in one process
            warnings.warn(message, category, stacklevel=2)
        # calls a child took but did not finish (it died or hung) are made here
        return [done[i] if i in done else calls[i]() for i in range(len(calls))]

    def close(self) -> None:
        """Stop the children that are still drawing (no-op after :meth:`result`)."""
        for child, receive in self._children:
            receive.close()
            _stop(child)
        self._children = []
        for pipe in self._values:  # a send nobody reads then fails and its thread ends
            pipe.close()
        if self._post is not None:
            self._post.join(timeout=5.0)
        self._values, self._post = [], None


class Later(Generic[T]):
    """A value this process has only after the children are forked, for the call that needs it.

    :meth:`give` keeps the value here and sends it to the children (as :meth:`Pending.give`
    does); :meth:`get` returns the value given, here, and what was sent, in a child, which
    waits for it at most :data:`CHILD_TIMEOUT` seconds (then its call fails and this
    process makes it). The calls that ask for it go last, left to the children
    (``Pending(..., leave_last=k)``).

    Examples
    --------
    >>> later = Later()
    >>> pending = Pending([lambda: 1, lambda: later.get() + 1], n_jobs=2, leave_last=1)
    >>> later.give(41)
    >>> pending.result()
    [1, 42]
    >>> later.close()
    """

    def __init__(self) -> None:
        self._owner = os.getpid()
        self._given: list[T] = []
        self._receive: Any = None
        self._send: Any = None
        self._post: threading.Thread | None = None
        if _can_fork():
            try:
                self._receive, self._send = mp.get_context("fork").Pipe(duplex=False)
            except OSError:  # no pipe: the calls that need the value are made here
                pass

    def give(self, value: T) -> None:
        """The value: kept here, sent to the children."""
        self._given[:] = [value]
        if self._send is not None:
            self._post = _send([self._send], value)

    def ready(self) -> bool:
        """Whether :meth:`get` would return at once (given here, or arrived in a child)."""
        if self._given:
            return True
        if os.getpid() == self._owner or self._receive is None:
            return False
        try:
            return bool(self._receive.poll(0))
        except (OSError, ValueError):  # closed: get() fails at once
            return False

    def get(self) -> T:
        """The value given (in this process), or received (in a child)."""
        if not self._given:  # in a child: the forked copy had none, it comes once
            if os.getpid() == self._owner:
                raise RuntimeError("Later.get() before give()")
            if self._receive is None or not self._receive.poll(CHILD_TIMEOUT):
                raise TimeoutError("no value from the parent")
            self._given[:] = [_received(self._receive)]
        return self._given[0]

    def close(self) -> None:
        """Close this process's ends of the pipe, once the children are gone: a send nobody
        read then fails (no reader is left) and its thread ends. Closed before :meth:`give`
        (no child to send to), the value is only kept here."""
        if self._receive is not None:
            self._receive.close()
        if self._post is not None:
            self._post.join(timeout=5.0)
        if self._send is not None and (self._post is None or not self._post.is_alive()):
            self._send.close()
        self._receive = self._send = self._post = None


def _send(pipes: list[Any], value: Any) -> threading.Thread:
    """Send ``value`` down each pipe, from a thread (a pipe holds 64 KiB and a child reads
    only when it comes to it). Pickled here first: a thread that runs Python while this
    process solves a program slows the solver down, writing bytes does not. A value that
    cannot be pickled goes as an empty message: the child's calls fail and are made here."""
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        data = b""
    thread = threading.Thread(target=_post, args=(pipes, data), daemon=True)
    thread.start()
    return thread


def _post(pipes: list[Any], data: bytes) -> None:
    for pipe in pipes:
        try:
            pipe.send_bytes(data)
        except (OSError, ValueError):  # closed, or the child is gone
            pass


def _received(pipe: Any) -> Any:
    """What :func:`_send` sent (the pipe already polled)."""
    data = pipe.recv_bytes()
    if not data:  # the parent could not send it
        raise ValueError("no value from the parent")
    return pickle.loads(data)


def _claim(counter: Any, n: int) -> int | None:
    """The next call nobody has taken, or None (every process takes from one counter)."""
    if counter is None:  # no children: this process takes the calls in turn
        return None
    with counter.get_lock():
        i = int(counter.value)
        if i >= n:  # left as it is: a process with a higher ``n`` may still take it
            return None
        counter.value = i + 1
    return i


def _child(
    calls: Sequence[Callable[[], Any]] | Callable[[Any], tuple[Sequence[Callable[[], Any]], int]],
    counter: Any,
    send: Any,
    filters: list[Any],
    warm: Callable[[], Any] | None = None,
    value_in: Any = None,
) -> None:
    """A child's work: take calls until none is left, then send their results at once.

    Sent at the end rather than one by one: a pipe holds 64 KiB, so a large result would
    block the child until the parent reads, which it does only after its own share. The
    cyclic collector is off: a child lives for a few figures and leaves by ``os._exit``,
    which frees their garbage at once (the collections took 5% of the drawing).
    """
    gc.disable()
    results: dict[int, Any] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.filters[:] = filters  # type: ignore[index]  # a list at run time
        try:
            if warm is not None:
                warm()
            if value_in is not None:  # made from the value the parent gives
                if not value_in.poll(CHILD_TIMEOUT):
                    raise TimeoutError("no value from the parent")
                calls = calls(_received(value_in))[0]  # type: ignore[operator]
            while (i := _claim(counter, len(calls))) is not None:  # type: ignore[arg-type]
                results[i] = calls[i]()  # type: ignore[index]
        except BaseException:  # the parent makes what is missing
            pass
    send.send((results, [(str(w.message), w.category) for w in caught]))
    send.close()


def _gather(
    child: Any, receive: Any, deadline: float
) -> tuple[dict[int, Any], list[tuple[str, type[Warning]]]]:
    results: dict[int, Any] = {}
    caught: list[tuple[str, type[Warning]]] = []
    try:
        if receive.poll(max(0.0, deadline - time.monotonic())):
            results, caught = receive.recv()
            child.join(timeout=1.0)  # it has sent everything and is leaving
    except (EOFError, OSError):  # the child died before sending
        pass
    finally:
        receive.close()
        _stop(child)
    return results, caught


def _stop(child: Any) -> None:
    """End a child that is still running: terminated, then killed if it does not stop."""
    if child.is_alive():
        child.terminate()
        child.join(timeout=1.0)
    if child.is_alive():
        child.kill()
        child.join()
