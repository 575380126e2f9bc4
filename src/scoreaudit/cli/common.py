"""Options and steps shared by the table commands (``controls``, ``counts``, ``funnel``).

Each option is declared once here (typer ``Annotated`` aliases, help texts from the catalogue
in the help language) and each command starts with :func:`prepare` (language, publication
threshold, output directory refused early, before any work).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
    "prepare",
    "split",
]

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
