"""Progress of long scans, reported to whoever listens (the CLI's progress bar), else nowhere.

The engines scan tables that may hold tens of millions of rows: a model scored on record
batches, the ordered pass that gives the AUC and KS of continuous scores. They call
:func:`advance` with the rows done so far; the command line installs a listener with
:func:`listening` and draws a bar. The listener lives in a context variable, so the library
prints nothing by itself and concurrent audits (the web page's worker threads) do not mix
their progress.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

#: ``listener(scan, done, total)``: ``scan`` names the scan (``"score"``, ``"rank"``), ``done``
#: and ``total`` count rows (``total`` None when unknown).
Listener = Callable[[str, int, "int | None"], None]

_LISTENER: ContextVar[Listener | None] = ContextVar("scoreaudit_progress", default=None)

__all__ = ["Listener", "advance", "listening"]


def advance(scan: str, done: int, total: int | None = None) -> None:
    """Tell the listener, if any, that ``done`` of ``total`` rows of ``scan`` are processed.

    Examples
    --------
    >>> advance("score", 10, 100)  # nobody listens: nothing happens
    """
    listener = _LISTENER.get()
    if listener is not None:
        listener(scan, int(done), None if total is None else int(total))


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the progress of the scans run inside the ``with`` block to ``listener``.

    Examples
    --------
    >>> seen = []
    >>> with listening(lambda scan, done, total: seen.append((scan, done, total))):
    ...     advance("rank", 5, 20)
    >>> advance("rank", 20, 20)  # outside the block: not seen
    >>> seen
    [('rank', 5, 20)]
    """
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
