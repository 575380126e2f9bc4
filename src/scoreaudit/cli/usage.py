"""Command-line usage errors (unknown option, missing value, value of the wrong type) in the
terminal's language.

Typer (through its copy of click) raises these before any scoreaudit code runs, with English
texts built in. In English they are shown as typer shows them; in another language the usage
line, the help hint and the message are rewritten from the catalogue, using the exception's
own fields (option name, parameter hint, possible options) rather than its English sentence.
A message this module does not know is shown as it is, after the translated "Error:" prefix:
never silently dropped.

Examples
--------
>>> from typer._click.exceptions import NoSuchOption
>>> usage_message(NoSuchOption("--bogus", possibilities=["--out"]), "fr")
'Option inconnue : --bogus (options possibles : --out)'
>>> usage_message(NoSuchOption("--bogus"), "en")
'No such option: --bogus'
"""

from __future__ import annotations

import re
from typing import Any

from scoreaudit.present.catalogue import t

__all__ = ["usage_message", "usage_lines"]

#: typer's coercion messages (pydantic) for the option types scoreaudit declares.
_TYPE_MESSAGES = (
    ("Input should be a valid integer", "cli_usage_expect_integer"),
    ("Input should be a valid number", "cli_usage_expect_number"),
    ("Input should be a valid boolean", "cli_usage_expect_boolean"),
)

_EXTRA = re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$", re.S)
_NEEDS_VALUE = re.compile(r"^Option '(?P<option>[^']+)' requires (an argument|\d+ arguments)\.$")


def _hint(exc: Any) -> str:
    """The parameter's name as typer writes it (``'--min-cell'``), or ``""``."""
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        hint = param.get_error_hint()
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(x) for x in hint)
    return hint or ""


def usage_message(exc: Any, lang: str) -> str:
    """The message of the usage error ``exc`` in ``lang`` (English: typer's own text)."""
    if lang == "en":
        return str(exc.format_message())
    name = type(exc).__name__
    if name == "NoSuchOption":
        text = t("cli_usage_no_such_option", lang, option=exc.option_name)
        if exc.possibilities:
            choices = ", ".join(sorted(exc.possibilities))
            text += " " + t("cli_usage_possible", lang, options=choices)
        return text
    if name == "MissingParameter":
        kind = getattr(getattr(exc, "param", None), "param_type_name", None) or exc.param_type
        key = "cli_usage_missing_argument" if kind == "argument" else "cli_usage_missing_option"
        return t(key, lang, hint=_hint(exc))
    if name == "BadParameter":
        detail = str(exc.message)
        for prefix, key in _TYPE_MESSAGES:
            if detail.startswith(prefix):
                detail = t(key, lang)
                break
        return t("cli_usage_invalid", lang, hint=_hint(exc), detail=detail)
    message = str(exc.format_message())
    for pattern, key in ((_EXTRA, "cli_usage_extra"), (_NEEDS_VALUE, "cli_usage_needs_value")):
        found = pattern.match(message)
        if found:
            return t(key, lang, **found.groupdict())
    return message


def usage_lines(exc: Any, lang: str) -> list[str]:
    """The usage line and the help hint printed above the error (none without a context)."""
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return []
    formatter = ctx.make_formatter()  # as Command.get_usage, with the prefix in ``lang``
    pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
    formatter.write_usage(ctx.command_path, pieces, prefix=t("cli_usage_prefix", lang) + " ")
    lines = [formatter.getvalue().rstrip("\n")]
    if ctx.command.get_help_option(ctx) is not None:
        lines.append(
            t("cli_usage_try_help", lang, command=ctx.command_path, option=ctx.help_option_names[0])
        )
    return lines
