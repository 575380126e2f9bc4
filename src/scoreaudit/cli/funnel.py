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
from rich.console import Console
from rich.table import Table

from scoreaudit.options import parse_step

__all__ = ["funnel_cli", "parse_step"]

console = Console()


def _fmt(x: Any, pct: bool = False) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return "–"
    if f != f:
        return "–"
    if f == float("inf"):
        return "∞"
    return f"{f:.1%}" if pct else f"{f:.2f}"


def _interval(low: Any, high: Any) -> str:
    lo, hi = _fmt(low), _fmt(high)
    return "–" if lo == hi == "–" else f"{lo} – {hi}"


def print_funnel(result: Any) -> None:
    """Print each step's rates and ratios, and the warnings (give a published result:
    :func:`scoreaudit.report.funnel_report.publish_funnel`)."""
    from scoreaudit.cli.terminal import fmt_p_cli

    d = result.steps
    for step, part in d.groupby("step", sort=False):
        first = part.iloc[0]
        table = Table(title=f"{step}: {first['stage']} / {first['base']}", title_justify="left")
        for col in ["group", "stratum", "rate", "ratio", "interval", "p adj.", "note"]:
            table.add_column(col, overflow="fold")
        for row in part.itertuples(index=False):
            is_ref = row.group == row.reference
            table.add_row(
                str(row.group),
                str(row.stratum),
                _fmt(row.rate, pct=True),
                "ref." if is_ref else _fmt(row.ratio),
                "" if is_ref else _interval(row.ratio_low, row.ratio_high),
                "" if is_ref else fmt_p_cli(row.p_adjusted),
                "suppressed (small counts)"
                if getattr(row, "suppressed", False)
                else str(row.note or ""),
            )
        console.print(table)
    if result.combined is not None:
        c = result.combined[result.combined["group"] != result.combined["reference"]]
        table = Table(
            title="Across strata: unstratified and Mantel-Haenszel ratios", title_justify="left"
        )
        for col in ["step", "group", "unstratified", "mantel-haenszel", "homogeneity p"]:
            table.add_column(col, overflow="fold")
        for row in c.itertuples(index=False):
            table.add_row(
                str(row.step),
                str(row.group),
                _fmt(row.unstratified_ratio),
                f"{_fmt(row.mh_ratio)} ({_interval(row.mh_low, row.mh_high)})",
                fmt_p_cli(row.homogeneity_p),
            )
        console.print(table)
    for w in result.warnings:
        console.print(f"[yellow]Warning:[/] {w}", highlight=False)


def funnel_cli(
    table: Annotated[
        Path, typer.Argument(help="Count table (long format; CSV, Parquet, xlsx) or row-level log.")
    ],
    group: Annotated[str, typer.Option("--group", help="Group column(s), comma-separated.")],
    step: Annotated[
        list[str], typer.Option("--step", help="A step 'name=stage/base' (repeatable, in order).")
    ],
    stage: Annotated[str, typer.Option("--stage", help="Column naming the stage.")] = "stage",
    count: Annotated[
        str, typer.Option("--count", help="Count column; 'none' for a row-level log.")
    ] = "n",
    stratum: Annotated[
        str | None, typer.Option("--stratum", help="Column of strata (e.g. score band).")
    ] = None,
    reference: Annotated[
        list[str],
        typer.Option(
            "--reference", "-r", help="Reference group: column=value (repeatable) or a label."
        ),
    ] = [],  # noqa: B006
    rounding: Annotated[
        int | None,
        typer.Option("--rounding", help="Counts were published rounded to multiples of this."),
    ] = None,
    total: Annotated[
        str,
        typer.Option(
            "--total", help="Label of total rows ('auto' recognises Total, Ensemble...; 'none')."
        ),
    ] = "auto",
    confidence: Annotated[float, typer.Option("--confidence")] = 0.95,
    correction: Annotated[str, typer.Option("--correction")] = "holm",
    min_cell: Annotated[int, typer.Option("--min-cell", help="Smallest count published.")] = 11,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output directory.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Report language (en, fr).")] = "en",
) -> None:
    """Audit a control process stage by stage (score, pick, control, sanction, appeal).

    Example: scoreaudit funnel data/synthetic/c2sg_funnel_rounded10.csv --group gender
    --stratum score_band --rounding 10 --reference gender=man
    --step 'agent pick=picked/high_risk' --step 'suspension=suspended/anomaly' --out report-funnel
    """
    from scoreaudit.engines._funnel_read import read_funnel_table
    from scoreaudit.options import run_funnel
    from scoreaudit.present.catalogue import check_lang
    from scoreaudit.report.output import check_output_dir

    lang = check_lang(lang)
    if out is not None:
        check_output_dir(out, force)
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
    from scoreaudit.report.funnel_report import publish_funnel

    print_funnel(publish_funnel(result, min_cell)[0])  # the terminal shows published numbers
    if out is not None:
        from scoreaudit.report.funnel_report import write_funnel_report

        path = write_funnel_report(
            result, out, lang=lang, force=force, min_cell=min_cell, data_path=table
        )
        console.print(f"Wrote {path}")
