"""Options and steps shared by the table commands (``controls``, ``counts``, ``funnel``).

Each option is declared once here (typer ``Annotated`` aliases, help texts from the catalogue
in the help language) and each command starts with :func:`prepare` (language, publication
threshold, output directory refused early, before any work).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from scoreaudit.cli.i18n import h, set_lang

__all__ = [
    "AllowSmallCells",
    "Confidence",
    "Correction",
    "Force",
    "Intersections",
    "Lang",
    "MinCell",
    "Out",
    "Reference",
    "add_options",
    "prepare",
    "split",
    "with_shared",
]

F = TypeVar("F", bound=Callable[..., Any])

Reference = Annotated[list[str], typer.Option("--reference", "-r", help=h("cli_h_reference_rest"))]
Intersections = Annotated[
    bool,
    typer.Option(
        "--intersections/--no-intersections", help=h("cli_h_intersections"), show_default=False
    ),
]
Confidence = Annotated[
    float, typer.Option("--confidence", help=h("cli_h_confidence"), show_default=False)
]
Correction = Annotated[str, typer.Option("--correction", help=h("cli_h_correction"))]
MinCell = Annotated[int, typer.Option("--min-cell", help=h("cli_h_min_cell"), show_default=False)]
AllowSmallCells = Annotated[
    bool, typer.Option("--allow-small-cells", help=h("cli_h_allow_small_cells"))
]
Out = Annotated[Path | None, typer.Option("--out", "-o", help=h("cli_h_out"))]
Force = Annotated[bool, typer.Option("--force", help=h("cli_h_force"))]
Lang = Annotated[str | None, typer.Option("--lang", help=h("cli_h_lang"))]


#: The options of the table commands: name -> (annotation, default), in the order of ``--help``.
SHARED: dict[str, tuple[Any, Any]] = {
    "reference": (Reference, []),
    "intersections": (Intersections, True),
    "confidence": (Confidence, 0.95),
    "correction": (Correction, "holm"),
    "min_cell": (MinCell, 11),
    "allow_small_cells": (AllowSmallCells, False),
    "out": (Out, None),
    "force": (Force, False),
    "lang": (Lang, None),
}


def add_options(func: F, options: Iterable[tuple[str, Any, Any]], after: int | None = None) -> F:
    """Declare more options of a command taking ``**options``, for typer to read.

    ``options`` are (name, annotation, default); they are inserted into the signature typer
    reads after the first ``after`` parameters (default: at the end), so ``--help`` lists them
    as if written out one by one, and the command receives them in its ``**options``.

    Examples
    --------
    >>> def cmd(a: int, **options): return options
    >>> cmd = add_options(cmd, [("b", int, 2)])
    >>> str(inspect.signature(cmd))
    '(a: int, *, b: int = 2)'
    """
    sig = inspect.signature(func, eval_str=True)
    params = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
    where = len(params) if after is None else after
    new = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
        for name, ann, default in options
    ]
    rest = [p.replace(kind=p.KEYWORD_ONLY) for p in params[where:]]
    func.__signature__ = sig.replace(parameters=[*params[:where], *new, *rest])  # type: ignore[attr-defined]
    return func


def with_shared(*names: str) -> Callable[[F], F]:
    """Decorator: add the :data:`SHARED` options ``names`` to a command taking ``**options``."""

    def decorate(func: F) -> F:
        return add_options(func, [(n, *SHARED[n]) for n in names])

    return decorate


def split(text: str | None) -> list[str]:
    """Comma-separated names, stripped, empty ones dropped.

    Examples
    --------
    >>> split(" gender, age_band,,")
    ['gender', 'age_band']
    """
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def prepare(
    lang: str | None,
    min_cell: int,
    out: Path | None,
    force: bool,
    allow_small_cells: bool = True,
) -> str:
    """Fix the terminal language and refuse bad settings before any work; returns the language.

    Examples
    --------
    >>> prepare("FR", 11, None, False)
    'fr'
    >>> _ = prepare(None, 11, None, False)
    """
    from scoreaudit.cli.audit import check_min_cell
    from scoreaudit.report.output import check_output_dir

    lang = set_lang(lang)
    check_min_cell(min_cell, allow_small_cells)
    if out is not None:
        check_output_dir(out, force)
    return lang
