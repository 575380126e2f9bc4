"""Warnings of an audit as a code with parameters; their text comes from the catalogue.

A warning is an :class:`AuditWarning`: a ``str`` (its English text, as ``results.json`` and the
terminal show it, so results keep their schema) that also carries a ``code`` (a key of
``present/messages.json``) and the raw ``params`` the text is filled with. A report renders it
in its own language from ``code`` and ``params`` (``present.catalogue.render_warning``), never
by re-reading the English sentence; a code without both texts fails the catalogue's tests.

Parameters are raw values; their name says how a text shows them:

* ``attr``: an attribute or intersection name (quoted; a report shows its label);
* ``largest``, ``fallback``, ``combo``, ``group``: a group of ``attr`` (quoted; label in a
  report);
* ``column``: a column name (quoted);
* ``lo``, ``hi``: numbers shown with 4 significant digits;
* ``tables``, ``candidates``, ``most``: whole numbers with thousands separators;
* a parameter may itself be an :class:`AuditWarning` (a fragment rendered in the same
  language); anything else is shown as it is (whole numbers in a report's format).

Examples
--------
>>> w = warning("small_population", n=40)
>>> w
'The population has only 40 files: every group is a small cell.'
>>> w.code, w.params
('warn_small_population', {'n': 40})
>>> w == "The population has only 40 files: every group is a small cell."
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, wraps
from typing import Any, ParamSpec, TypeVar

from scoreaudit.core.messages import CATALOGUE

_P = ParamSpec("_P")
_R = TypeVar("_R")

__all__ = [
    "ATTRIBUTE_PARAMS",
    "CELLS_SHOWN",
    "CELL_LIST_PARAMS",
    "COUNT_PARAMS",
    "GROUP_PARAMS",
    "NUMBER_PARAMS",
    "QUOTED_PARAMS",
    "AuditWarning",
    "active_notes",
    "join_notes",
    "list_notes",
    "note",
    "note_code",
    "recording_notes",
    "records_notes",
    "shown",
    "warning",
]

#: Parameters naming an attribute (or an intersection).
ATTRIBUTE_PARAMS = frozenset({"attr"})
#: Parameters naming a group of the attribute ``attr``.
GROUP_PARAMS = frozenset({"largest", "fallback", "combo", "group"})
#: Parameters naming something else shown quoted as it is (a column).
QUOTED_PARAMS = frozenset({"column"})
#: Parameters holding a whole number shown with thousands separators.
COUNT_PARAMS = frozenset({"tables", "candidates", "most"})
#: Parameters holding a number shown with 4 significant digits.
NUMBER_PARAMS = frozenset({"lo", "hi"})
#: Parameters listing groups as ``[attribute, group]`` pairs, shown with the display names of
#: the reader's language: the first :data:`CELLS_SHOWN`, then ``...`` when there are more.
#: The list itself is whole, so that the publication gate can take hidden groups out of it.
CELL_LIST_PARAMS = frozenset({"cells"})
#: Groups of a list parameter a text shows.
CELLS_SHOWN = 10
_NAME_PARAMS = ATTRIBUTE_PARAMS | GROUP_PARAMS | QUOTED_PARAMS
#: Prefix of the catalogue keys of warnings.
PREFIX = "warn_"
#: Prefix of the catalogue keys of the notes written in a table's ``note`` column.
NOTE_PREFIX = "note_"


class AuditWarning(str):
    """A warning: its English text (the ``str`` itself), its ``code`` and its ``params``.

    Examples
    --------
    >>> import pickle
    >>> w = warning("small_population", n=3)
    >>> pickle.loads(pickle.dumps(w)).params
    {'n': 3}
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, text: str, params: dict[str, Any] | None = None) -> AuditWarning:
        obj = super().__new__(cls, text)
        obj.code = code
        obj.params = dict(params or {})
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (AuditWarning, (self.code, str(self), self.params))


@cache
def _english() -> dict[str, str]:
    return {k: v["en"] for k, v in CATALOGUE.items() if k.startswith((PREFIX, NOTE_PREFIX))}


def plain_value(name: str, value: Any) -> str:
    """``value`` of the parameter ``name`` as the English text of a result shows it.

    Examples
    --------
    >>> plain_value("attr", "gender"), plain_value("lo", -0.25), plain_value("tables", 1234)
    ("'gender'", '-0.25', '1,234')
    """
    if name in ATTRIBUTE_PARAMS or name in GROUP_PARAMS or name in QUOTED_PARAMS:
        return repr(str(value))
    if name in NUMBER_PARAMS:
        return f"{float(value):.4g}"
    if name in COUNT_PARAMS:
        return f"{int(value):,}"
    if name in CELL_LIST_PARAMS:
        return "; ".join(
            item if isinstance(item, str) else f"{item[0]} = {item[1]}" for item in shown(value)
        )
    return str(value)


def shown(cells: list) -> list:
    """The items of a list parameter a text shows: the first :data:`CELLS_SHOWN`, and
    ``"..."`` when there are more.

    Examples
    --------
    >>> shown([["g", str(i)] for i in range(12)])[-2:]
    [['g', '9'], '...']
    """
    return [*cells[:CELLS_SHOWN], *(["..."] if len(cells) > CELLS_SHOWN else [])]


def warning(code: str, **params: Any) -> AuditWarning:
    """The warning ``code`` (without its ``warn_`` prefix) filled with ``params``.

    Examples
    --------
    >>> warning("scores_outside_unit", lo=-0.5, hi=2)[:44]
    'Scores range from -0.5 to 2, outside [0, 1]:'
    """
    return _coded(PREFIX + code, params)


def _coded(key: str, params: dict[str, Any]) -> AuditWarning:
    book = _BOOK.get()
    if book:  # a fragment passed as text (it went through an array) is the note it was
        params = {k: _recorded(book, k, v) for k, v in params.items()}
    template = _english()[key]
    text = template.format(**{k: plain_value(k, v) for k, v in params.items()})
    made = AuditWarning(key, text, params)
    if book is not None:
        book.setdefault(text, made)
    return made


def _recorded(book: dict[str, AuditWarning], name: str, value: Any) -> Any:
    if isinstance(value, AuditWarning) or not isinstance(value, str) or name in _NAME_PARAMS:
        return value
    return book.get(value, value)


# -- row notes -------------------------------------------------------------------------------
# A table's ``note`` column holds English text (results.json and the CSV tables keep their
# schema), and pandas keeps only the text of a str subclass. So the engine records, while it
# runs, which coded note each text is: the result carries that record (``notes``) and a report
# renders a note in its language from the code, never by reading the English back.
_BOOK: ContextVar[dict[str, AuditWarning] | None] = ContextVar("scoreaudit_notes", default=None)


@contextmanager
def recording_notes() -> Iterator[dict[str, AuditWarning]]:
    """Record every note and warning made inside the block, by English text.

    A block inside another records into the outer block's notes.

    Examples
    --------
    >>> with recording_notes() as book:
    ...     text = str(note("share_halves"))
    >>> book[text].code
    'note_share_halves'
    """
    outer = _BOOK.get()
    book: dict[str, AuditWarning] = {} if outer is None else outer
    token = _BOOK.set(book)
    try:
        yield book
    finally:
        _BOOK.reset(token)


def records_notes(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """``func`` run inside :func:`recording_notes` (for an engine's entry point).

    Examples
    --------
    >>> @records_notes
    ... def run():
    ...     note("share_halves")
    ...     return active_notes()
    >>> list(run())
    ['share halves or less']
    """

    @wraps(func)
    def recorded(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with recording_notes():
            return func(*args, **kwargs)

    return recorded


def active_notes() -> dict[str, AuditWarning]:
    """The notes recorded by the enclosing :func:`recording_notes` block (``{}`` outside one).

    A result takes them when it is made (its ``notes``), so a report can show each row note
    in the reader's language.

    Examples
    --------
    >>> active_notes()
    {}
    """
    book = _BOOK.get()
    return {} if book is None else book


def note(code: str, **params: Any) -> AuditWarning:
    """The row note ``code`` (without its ``note_`` prefix) filled with ``params``.

    Examples
    --------
    >>> note("share_moves", points=38)
    'share moves by 38 points'
    """
    return _coded(NOTE_PREFIX + code, params)


def note_code(text: Any, notes: Mapping[str, Any]) -> str:
    """The catalogue code of the note ``text`` ("" for no note or one not recorded).

    Examples
    --------
    >>> n = note("share_halves")
    >>> note_code(str(n), {str(n): n}), note_code("", {})
    ('note_share_halves', '')
    """
    return str(getattr(notes.get(str(text or "")), "code", ""))


def join_notes(*parts: Any) -> str:
    """The distinct non-empty ``parts`` joined by ``"; "``, as one note that keeps their codes.

    A part that lost its code in a table (a plain ``str``) gets it back from the notes
    recorded so far; ``""`` when every part is empty.

    Examples
    --------
    >>> with recording_notes():
    ...     both = join_notes(note("share_halves"), "", str(note("share_moves", points=30)))
    >>> both
    'share halves or less; share moves by 30 points'
    >>> both.code, both.params["first"].code, both.params["rest"].code
    ('note_join', 'note_share_halves', 'note_share_moves')
    """
    kept = list(dict.fromkeys(p for p in parts if p))  # a repeated part is said once
    return _folded(kept, lambda first, rest: note("join", first=first, rest=rest))


def list_notes(*items: Any) -> Any:
    """``items`` listed as ``a, b, c`` in one note (each item keeps its code).

    Examples
    --------
    >>> list_notes(note("q_fpr"), note("q_fnr"), note("q_selection_rate"))
    'FPR, FNR, selection rate'
    """
    return _folded(list(items), lambda first, rest: note("list", first=first, rest=rest))


def _folded(items: list[Any], pair: Callable[[Any, Any], AuditWarning]) -> Any:
    """``pair(a, pair(b, c))`` for ``[a, b, c]``: a list read left to right as nested notes."""
    if not items:
        return ""
    out = items[-1]
    for first in reversed(items[:-1]):
        out = pair(first, out)
    return out
