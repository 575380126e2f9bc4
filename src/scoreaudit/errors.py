"""Errors raised for bad input.

Every problem with the user's data, model, policy or files raises a subclass of
:class:`ScoreAuditError` whose message names the column, value, row or file at fault and says
what to do. The command line turns these into a one-paragraph message and exit code 2; any
other exception is an internal error (exit code 1).

Messages from the catalogue
---------------------------
An error built with :meth:`ScoreAuditError.from_key` carries a catalogue key and its
parameters, so that a front end can show it in its own language (the command line in
``--lang``; the web page in the page's language). This module is the lowest layer and imports
nothing from the package: the catalogue lookup is *injected* with :func:`set_message_renderer`
by the package's root (``scoreaudit/__init__.py``, which runs before any submodule), so that
``str(exc)`` is English for Python users whatever they imported first. The fix a message
suggests can exist twice in the catalogue, under ``<key>_py`` (a keyword argument, shown by
``str(exc)``) and ``<key>_cli`` (a command-line option, shown by :meth:`~ScoreAuditError.render`
with ``cli=True``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = [
    "Arg",
    "DataError",
    "ModelError",
    "Num",
    "Part",
    "PolicyError",
    "ScoreAuditError",
    "UnsafeFileError",
    "message_language",
    "quoted",
    "set_message_renderer",
]

#: Renders catalogue key, language and parameters to a text; None when the key is unknown.
Renderer = Callable[[str, str, Mapping[str, Any]], "str | None"]

_RENDERER: list[Renderer] = []
#: Language of ``str(exc)`` for errors built from a key (None: English).
_LANG: ContextVar[str | None] = ContextVar("scoreaudit_error_lang", default=None)

_E = TypeVar("_E", bound="ScoreAuditError")

#: How many of a table's columns an error lists (:meth:`ScoreAuditError.lacking_columns`).
COLUMNS_SHOWN = 30


def set_message_renderer(renderer: Renderer | None) -> None:
    """Install the catalogue lookup used by :meth:`ScoreAuditError.from_key` (None: remove)."""
    _RENDERER.clear()
    if renderer is not None:
        _RENDERER.append(renderer)


def _render(key: str, lang: str, params: Mapping[str, Any], cli: bool = False) -> str | None:
    if not _RENDERER:
        return None
    shown = {
        k: (v.render_cli(lang) if cli else v.render(lang)) if isinstance(v, Part) else v
        for k, v in params.items()
    }
    return _RENDERER[0](key, lang, shown)


def quoted(values: Iterable[Any], *, limit: int = 20) -> str:
    """Values for an error message: quoted, comma-separated, the first ``limit`` then " ..."
    when there are more (a column of thousands of distinct values stays readable).

    Examples
    --------
    >>> quoted(["random", "high risk"])
    "'random', 'high risk'"
    >>> quoted(range(5), limit=3)
    '0, 1, 2 ...'
    """
    items = list(values)
    shown = ", ".join(map(repr, items[:limit]))
    return f"{shown} ..." if len(items) > limit else shown


class Part:
    """A piece of a message from the catalogue (e.g. a place in a file), shown in the language
    of the message it is put in; ``str(part)`` is English.

    Examples
    --------
    >>> where = Part("err_in_file", file="x.csv")
    >>> str(where)
    " in file 'x.csv'"
    >>> DataError.from_key("err_population_empty", where=where).render("fr")
    'La population est vide : les données dans le fichier « x.csv » n’ont aucune ligne.'

    """

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params

    def render(self, lang: str) -> str:
        """The piece in ``lang``."""
        text = _render(self.key, lang, self.params)
        return f"{self.key} {self.params}" if text is None else text

    def render_cli(self, lang: str) -> str:
        """The piece in ``lang`` as the command line shows it (the same but for arguments)."""
        return self.render(lang)

    def __str__(self) -> str:
        return self.render(_LANG.get() or "en")

    def __repr__(self) -> str:
        return f"Part({self.key!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Part) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)


class Parts(Part):
    """Pieces joined by ``sep``, each shown in the language of the message it is put in.

    Examples
    --------
    >>> both = Parts([Part("err_in_file", file="a.csv"), "!"], sep="")
    >>> str(both)
    " in file 'a.csv'!"
    """

    def __init__(self, parts: Sequence[Part | str], sep: Part | str = "; ") -> None:
        super().__init__("", parts=tuple(parts), sep=sep)

    def render(self, lang: str) -> str:
        """The pieces in ``lang``, joined."""
        sep, parts = self.params["sep"], self.params["parts"]
        sep = sep.render(lang) if isinstance(sep, Part) else sep
        return sep.join(p.render(lang) if isinstance(p, Part) else p for p in parts)


class Arg(Part):
    """The name of an argument: the Python keyword (``group_share``), or on the command line
    the option (``--group-share``).

    Examples
    --------
    >>> exc = DataError.from_key("err_power_nan", name=Arg("group_share"))
    >>> str(exc)
    'group_share contains NaN; give a number.'
    >>> exc.render("fr", cli=True)
    '--group-share contient NaN ; donnez un nombre.'
    """

    def __init__(self, name: str) -> None:
        super().__init__("", name=name)

    def render(self, lang: str) -> str:
        """The keyword."""
        return str(self.params["name"])

    def render_cli(self, lang: str) -> str:
        """The command-line option."""
        return "--" + str(self.params["name"]).replace("_", "-")


class Num(Part):
    """A number in a message, written the way of the message's language (``spec`` as in
    ``format``: ``","`` thousands, ``".4%"`` a share, ``".6g"``): French gets a decimal
    comma and narrow no-break spaces, as in the reports.

    Examples
    --------
    >>> str(Num(1234567, ",")), Num(0.0005, ".4%").render("fr"), Num(0.25, ".6g").render("fr")
    ('1,234,567', '0,0500\u202f%', '0,25')
    """

    def __init__(self, value: Any, spec: str = "") -> None:
        super().__init__("", value=value, spec=spec)

    def render(self, lang: str) -> str:
        """The number in ``lang``."""
        text = format(self.params["value"], self.params["spec"])
        if lang != "fr":
            return text
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", "\u202f")
        return text.replace("%", "\u202f%")


@contextlib.contextmanager
def message_language(lang: str | None) -> Iterator[None]:
    """Within the block, ``str(exc)`` of errors built from a key is in ``lang`` (en, fr).

    Examples
    --------
    >>> exc = DataError.from_key("err_file_empty", file="x.csv")
    >>> with message_language("fr"):
    ...     print(exc)
    Le fichier « x.csv » est vide (0 octet). A-t-il été copié en entier ?
    >>> print(exc)
    File 'x.csv' is empty (0 bytes). Was it copied completely?
    """
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


class ScoreAuditError(ValueError):
    """Base class of every bad-input error raised by scoreaudit.

    A message that tells how to fix the input can name the fix twice: ``python`` as a keyword
    argument (shown by ``str(exc)``, for notebooks) and ``cli`` as a command-line option (shown
    by :attr:`cli_message`, which the command line prints).

    Examples
    --------
    >>> exc = ScoreAuditError("Column 'age' is numeric; give bands,",
    ...                       python="e.g. bands={'age': [25, 65]}.", cli="e.g. --bands age=25,65.")
    >>> str(exc)
    "Column 'age' is numeric; give bands, e.g. bands={'age': [25, 65]}."
    >>> exc.cli_message
    "Column 'age' is numeric; give bands, e.g. --bands age=25,65."
    """

    #: Catalogue key of the message (None: a literal English message).
    message_key: str | None = None
    #: Values of the key's ``{placeholders}``.
    message_params: dict[str, Any] = {}  # replaced per instance, never mutated

    def __init__(self, message: str = "", *, python: str | None = None, cli: str | None = None):
        self.message = message
        self.python_hint = python
        self.cli_hint = cli
        super().__init__(f"{message} {python}" if python else message)

    @classmethod
    def from_key(cls: type[_E], key: str, /, **params: Any) -> _E:
        """The error whose text is the catalogue entry ``key`` with ``params`` filled.

        ``str(exc)`` is the English text (or that of :func:`message_language`), with the
        ``<key>_py`` hint if the catalogue has one; :meth:`render` gives any language, with
        the ``<key>_cli`` hint for the command line.

        Examples
        --------
        >>> exc = DataError.from_key("err_numeric_needs_bands", name="age", n=60)
        >>> str(exc)
        "Protected column 'age' is numeric with 60 distinct values; give bands, e.g. bands={'age': [25, 35, 50, 65]}."
        >>> exc.render("fr", cli=True)
        'La colonne protégée « age » est numérique avec 60 valeurs distinctes ; donnez des tranches, p. ex. --bands age=25,35,50,65.'
        >>> exc.cli_message
        "Protected column 'age' is numeric with 60 distinct values; give bands, e.g. --bands age=25,35,50,65."
        """
        en = _render(key, "en", params)
        exc = cls(en if en is not None else f"{key} {params}")
        exc.message_key = key
        exc.message_params = dict(params)
        exc.message = en if en is not None else exc.message
        exc.python_hint = _render(f"{key}_py", "en", params)
        exc.cli_hint = _render(f"{key}_cli", "en", params)
        exc.args = (f"{exc.message} {exc.python_hint}" if exc.python_hint else exc.message,)
        return exc

    @classmethod
    def lacking_columns(cls: type[_E], key: str, columns: Iterable[Any], /, **params: Any) -> _E:
        """The error ``key`` about a table that lacks a column, listing the columns it has.

        ``columns`` are the table's columns: the first :data:`COLUMNS_SHOWN` fill the
        ``{available}`` placeholder, and ``{more}`` says " ..." when the table has more, so
        that the user sees what the table holds (a misspelt name, another file) without a
        message as long as a wide table.

        Examples
        --------
        >>> exc = DataError.lacking_columns("err_score_column_missing", ["age", "sex"],
        ...                                 column="score")
        >>> str(exc)
        "Score column 'score' is not in the data. Available columns: age, sex."
        >>> exc = DataError.lacking_columns("err_score_column_missing", map(str, range(40)),
        ...                                 column="score")
        >>> str(exc).endswith("28, 29 ....")
        True
        """
        names = list(columns)
        return cls.from_key(
            key,
            available=", ".join(map(str, names[:COLUMNS_SHOWN])),
            more=" ..." if len(names) > COLUMNS_SHOWN else "",
            **params,
        )

    @classmethod
    def require_columns(
        cls, key: str, columns: Iterable[Any], wanted: Iterable[Any], /, **params: Any
    ) -> None:
        """Raise the error ``key`` when the table's ``columns`` lack any of ``wanted``.

        ``{missing}`` names every column lacking (quoted, in the order wanted), and the
        table's columns are listed as by :meth:`lacking_columns`.

        Examples
        --------
        >>> DataError.require_columns("err_funnel_columns", ["stage", "n"], ["stage", "n"])
        >>> DataError.require_columns("err_funnel_columns", ["stage", "n"], ["sex", "stage"])
        Traceback (most recent call last):
        ...
        scoreaudit.errors.DataError: Column(s) 'sex' not found in the funnel table. Available columns: stage, n.
        """
        names = list(columns)
        present = set(names)
        missing = [c for c in wanted if c not in present]
        if missing:
            raise cls.lacking_columns(
                key, names, missing=quoted(missing, limit=len(missing)), **params
            )

    def render(self, lang: str | None = None, *, cli: bool = False) -> str:
        """The message in ``lang`` (None: English), with the command-line hint if ``cli``.

        An error without a catalogue key is English whatever ``lang``.
        """
        key = self.message_key
        text = _render(key, lang, self.message_params, cli) if key and lang else None
        if text is None or key is None or lang is None:
            return self.cli_message if cli else ValueError.__str__(self)
        hint = None
        if cli:
            hint = _render(f"{key}_cli", lang, self.message_params)
        if hint is None:
            hint = _render(f"{key}_py", lang, self.message_params)
        return f"{text} {hint}" if hint else text

    def __str__(self) -> str:
        lang = _LANG.get()
        if lang is None or self.message_key is None:
            return ValueError.__str__(self)
        return self.render(lang)

    @property
    def cli_message(self) -> str:
        """The message with the command-line form of the fix."""
        hint = self.cli_hint or self.python_hint
        if self.message_key is None:
            return f"{self.message} {hint}" if hint else ValueError.__str__(self)
        # arguments as options (see Arg)
        text = _render(self.message_key, "en", self.message_params, cli=True) or self.message
        return f"{text} {hint}" if hint else text


class DataError(ScoreAuditError):
    """The beneficiary data (population, control log, counts table) is unusable as given."""


class ModelError(ScoreAuditError):
    """A scoring model or model specification is invalid or cannot score the data."""


class PolicyError(ScoreAuditError):
    """A selection policy (budget, threshold) is invalid."""


class UnsafeFileError(ScoreAuditError):
    """A file would run code or load untrusted types if opened; refused unless opted in."""
