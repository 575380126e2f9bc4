"""``scoreaudit funnel``: audit a control process stage by stage from a count table or a log.

A thin shell over :func:`scoreaudit.audit_funnel`: read the file, audit, print each step's
comparisons, and (with ``--out``) write the published report with
:func:`scoreaudit.report.funnel_report.write_funnel_report` (all or nothing; an existing
``--out`` is refused without ``--force``, before any work).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from scoreaudit.cli import terminal as term
from scoreaudit.cli.common import (
    AllowSmallCells,
    Confidence,
    Correction,
    Force,
    Lang,
    MinCell,
    Out,
    prepare,
)
from scoreaudit.cli.i18n import current_lang, h, tr
from scoreaudit.cli.terminal import console
from scoreaudit.core.vocab import SEP
from scoreaudit.options import parse_step
from scoreaudit.present.notes import funnel_note

__all__ = ["funnel_cli", "parse_step"]


def _columns(table: Table, keys: list[str]) -> Table:
    for key in keys:
        table.add_column(tr(f"cli_col_{key}"), overflow="fold")
    return table


def print_funnel(result: Any) -> None:
    """Print each step's rates and ratios, and the warnings (give a published result:
    :func:`scoreaudit.gate.funnel.publish_funnel`)."""
    d = result.steps
    attr = _group_attribute(result)
    for step, part in d.groupby("step", sort=False):
        first = part.iloc[0]
        table = Table(title=f"{step}: {first['stage']} / {first['base']}", title_justify="left")
        _columns(table, ["group", "stratum", "rate", "ratio", "interval_plain", "p_adj", "note"])
        for row in part.itertuples(index=False):
            is_ref = row.group == row.reference
            table.add_row(
                *term.cells(
                    term.shown_group(attr, row.group),
                    str(row.stratum),
                    term.fmt_cli(row.rate, pct=True, decimals=1),
                    tr("cli_col_ref") if is_ref else term.fmt_cli(row.ratio),
                    "" if is_ref else term.fmt_interval_cli(row.ratio_low, row.ratio_high),
                    "" if is_ref else term.fmt_p_cli(row.p_adjusted),
                    tr("cli_flag_hidden")
                    if getattr(row, "suppressed", False)
                    else funnel_note(row.note, current_lang(), result.notes),
                )
            )
        console.print(table)
    if result.combined is not None:
        _print_combined(result.combined, attr)
    term.print_warnings(result.warnings, console)


def _group_attribute(result: Any) -> str:
    """The name of the group column(s) of a funnel result, for the groups' display labels."""
    given = getattr(result, "config", {}).get("group")
    if isinstance(given, (list, tuple)):
        return SEP.join(map(str, given))
    return str(given)


def _print_combined(combined: Any, attr: str) -> None:
    c = combined[combined["group"] != combined["reference"]]
    table = Table(title=tr("cli_funnel_combined"), title_justify="left")
    _columns(table, ["step", "group", "unstratified", "mh", "homogeneity"])
    for row in c.itertuples(index=False):
        table.add_row(
            *term.cells(
                str(row.step),
                term.shown_group(attr, row.group),
                term.fmt_cli(row.unstratified_ratio),
                f"{term.fmt_cli(row.mh_ratio)} ({term.fmt_interval_cli(row.mh_low, row.mh_high)})",
                term.fmt_p_cli(row.homogeneity_p),
            )
        )
    console.print(table)


def funnel_cli(
    table: Annotated[Path, typer.Argument(help=h("cli_h_table_funnel"))],
    group: Annotated[str, typer.Option("--group", help=h("cli_h_group_funnel"))],
    step: Annotated[list[str], typer.Option("--step", help=h("cli_h_step"))],
    stage: Annotated[str, typer.Option("--stage", help=h("cli_h_stage"))] = "stage",
    count: Annotated[str, typer.Option("--count", help=h("cli_h_count"))] = "n",
    stratum: Annotated[str | None, typer.Option("--stratum", help=h("cli_h_stratum"))] = None,
    reference: Annotated[
        list[str], typer.Option("--reference", "-r", help=h("cli_h_reference_funnel"))
    ] = [],  # noqa: B006
    rounding: Annotated[int | None, typer.Option("--rounding", help=h("cli_h_rounding"))] = None,
    total: Annotated[str, typer.Option("--total", help=h("cli_h_total"))] = "auto",
    confidence: Confidence = 0.95,
    correction: Correction = "holm",
    min_cell: MinCell = 11,
    allow_small_cells: AllowSmallCells = False,
    out: Out = None,
    force: Force = False,
    lang: Lang = None,
) -> None:
    """Audit a control process stage by stage (score, pick, control, sanction, appeal).

    Example: scoreaudit funnel data/synthetic/c2sg_funnel_rounded10.csv --group gender
    --stratum score_band --rounding 10 --reference gender=man
    --step 'agent pick=picked/high_risk' --step 'suspension=suspended/anomaly' --out report-funnel
    """
    from scoreaudit.engines._funnel_read import read_funnel_table
    from scoreaudit.options import run_funnel

    lang = prepare(lang, min_cell, out, force, allow_small_cells)
    steps = [parse_step(s) for s in step]
    result = run_funnel(
        read_funnel_table(table),
        group=group,
        stage=stage,
        count=count,
        steps=steps,
        stratum=stratum,
        reference=reference,
        rounding=rounding,
        confidence=confidence,
        correction=correction,
        min_cell=min_cell,
        total=total,
    )
    from scoreaudit.gate.funnel import publish_funnel

    print_funnel(publish_funnel(result, min_cell)[0])  # the terminal shows published numbers
    if out is not None:
        from scoreaudit.report.funnel_report import write_funnel_report

        path = write_funnel_report(
            result, out, lang=lang, force=force, min_cell=min_cell, data_path=table
        )
        console.print(tr("cli_wrote", path=path), highlight=False)
