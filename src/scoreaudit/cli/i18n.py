"""Language of the command line: ``--help`` texts and terminal output from the catalogue.

Rules
-----
* **Terminal output** (progress, tables, summaries, warnings, errors) is in the language of the
  command's ``--lang`` option, else ``$SCOREAUDIT_LANG``, else English: the same rule as the
  report, so that a command's messages and its report never differ in language. A command sets
  it with :func:`set_lang` as soon as its options are read.
* **``--help``** is built when the CLI is imported, before any option is read (typer reads help
  strings at definition time). Its language is ``$SCOREAUDIT_LANG`` when set, else French when
  the locale (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``, as POSIX reads them) starts with
  ``fr``, else English. An unknown ``$SCOREAUDIT_LANG`` gives English help (the command then
  reports the error).

Examples
--------
>>> help_lang({"SCOREAUDIT_LANG": "FR"}), help_lang({"LANG": "fr_FR.UTF-8"}), help_lang({})
('fr', 'fr', 'en')
>>> help_lang({"SCOREAUDIT_LANG": "en", "LANG": "fr_FR.UTF-8"}), help_lang({"LC_ALL": "C"})
('en', 'en')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from scoreaudit.errors import ScoreAuditError
from scoreaudit.present.catalogue import check_lang, t

__all__ = [
    "current_lang",
    "h",
    "help_lang",
    "localise_typer",
    "reset_lang",
    "set_lang",
    "tr",
]


def help_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language of ``--help``: ``$SCOREAUDIT_LANG``, else the locale, else English."""
    env = os.environ if environ is None else environ
    given = env.get("SCOREAUDIT_LANG")
    if given:
        try:
            return check_lang(given)
        except ScoreAuditError:
            return "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:  # the first one set decides (POSIX precedence)
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


#: Language of the help texts, read once at import.
HELP_LANG = help_lang()

_STATE: dict[str, str | None] = {"lang": None}


def h(key: str) -> str:
    """The help text ``key`` (a ``cli_h_...`` catalogue key) in :data:`HELP_LANG`.

    Examples
    --------
    >>> h("cli_h_force") in ("Replace an existing --out.", "Remplacer un --out existant.")
    True
    """
    return t(key, HELP_LANG)


def set_lang(lang: str | None) -> str:
    """Fix the terminal language from a ``--lang`` value (None: ``$SCOREAUDIT_LANG`` or en).

    Raises :class:`~scoreaudit.errors.ScoreAuditError` for an unknown language.

    Examples
    --------
    >>> set_lang("FR"), current_lang()
    ('fr', 'fr')
    >>> _ = set_lang("en")
    """
    _STATE["lang"] = check_lang(lang)
    return str(_STATE["lang"])


def reset_lang() -> None:
    """Forget the last :func:`set_lang` (a new command starts from ``$SCOREAUDIT_LANG``)."""
    _STATE["lang"] = None


def current_lang() -> str:
    """The terminal language: the last :func:`set_lang`, else ``$SCOREAUDIT_LANG`` or en."""
    if _STATE["lang"] is not None:
        return str(_STATE["lang"])
    try:
        return check_lang(None)
    except ScoreAuditError:
        return "en"


def tr(key: str, **values: Any) -> str:
    """The catalogue text ``key`` in the terminal language, placeholders filled.

    Examples
    --------
    >>> _ = set_lang("fr")
    >>> tr("cli_wrote", path="rapport")
    'Écrit : rapport'
    >>> _ = set_lang("en")
    """
    return t(key, current_lang(), **values)


#: typer's own help strings (module constants of ``typer.rich_utils``) and their catalogue keys.
_TYPER_STRINGS = {
    "DEFAULT_STRING": "cli_h_default",
    "REQUIRED_LONG_STRING": "cli_h_required",
    "ARGUMENTS_PANEL_TITLE": "cli_h_arguments",
    "OPTIONS_PANEL_TITLE": "cli_h_options",
    "COMMANDS_PANEL_TITLE": "cli_h_commands",
}


def localise_typer() -> None:
    """Put typer's own help words (panel titles, ``[default: ...]``, ``--help``) in
    :data:`HELP_LANG`; nothing to do in English. Typer internals that are missing are skipped.
    """
    if HELP_LANG == "en":
        return
    try:
        from typer import rich_utils
        from typer._click.core import Command
    except ImportError:  # pragma: no cover - another typer layout: English words stay
        return
    for name, key in _TYPER_STRINGS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, h(key))
    _localise_usage_prefix()
    original = getattr(Command, "get_help_option", None)
    if original is None or getattr(original, "_scoreaudit", False):
        return

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original(self, ctx)
        if option is not None:
            option.help = h("cli_h_help")
        return option

    get_help_option._scoreaudit = True  # type: ignore[attr-defined]
    Command.get_help_option = get_help_option  # type: ignore[method-assign]


def _localise_usage_prefix() -> None:
    """The "Usage:" of ``--help`` in :data:`HELP_LANG` (typer's click writes it in English)."""
    try:
        from typer._click.formatting import HelpFormatter
    except ImportError:  # pragma: no cover - another typer layout: the English word stays
        return
    original = HelpFormatter.write_usage
    if getattr(original, "_scoreaudit", False):
        return

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original(self, prog, args, h("cli_usage_prefix") + " " if prefix is None else prefix)

    write_usage._scoreaudit = True  # type: ignore[attr-defined]
    HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
