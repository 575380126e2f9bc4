"""``scoreaudit controls`` and ``scoreaudit counts``: audits from a control log or a table.

Thin shells over :func:`scoreaudit.engines.controls.audit_controls` and
:func:`scoreaudit.engines.counts.audit_counts`: read the file with :func:`scoreaudit.data.io.read_data`,
audit, print the headline comparisons, and (with ``--out``) write the results. When the
shared writer ``scoreaudit.report.write_report`` exists it writes the output directory;
(report.html, report.md, results.json, tables/*.csv, with small cells suppressed);
otherwise ``results.json`` and ``tables/groups.csv``, ``tables/disparities.csv`` are written
into a temporary directory renamed into place once complete, and an existing ``--out`` is
refused without ``--force``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from scoreaudit.cli.audit import check_min_cell
from scoreaudit.cli.terminal import console
from scoreaudit.core.vocab import REST_KEYWORD
from scoreaudit.options import parse_bands, parse_mapping
from scoreaudit.report.output import check_output_dir

__all__ = ["controls_cli", "counts_cli", "write_outputs"]


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _reference(items: list[str]) -> dict[str, str] | str | None:
    if items == [REST_KEYWORD]:
        return REST_KEYWORD
    return parse_mapping(items, "--reference") or None


def write_outputs(
    result: Any,
    out: str | os.PathLike,
    *,
    force: bool = False,
    lang: str | None = None,
    data_path: str | os.PathLike | None = None,
) -> Path:
    """Write an audit result to the directory ``out``, all or nothing.

    The report (HTML, Markdown, ``results.json``, CSV tables) is written by
    :func:`scoreaudit.report.write_report` into a temporary sibling directory renamed to ``out``
    once complete. An existing ``out`` is refused unless ``force``.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from scoreaudit.engines.counts import audit_counts
    >>> t = pd.DataFrame({"g": ["a", "b"], "tp": [5, 3], "fp": [20, 10], "tn": [70, 80],
    ...                   "fn": [5, 7]})
    >>> res = audit_counts(t, "g", tp="tp", fp="fp", tn="tn", fn="fn")
    >>> out = write_outputs(res, pathlib.Path(tempfile.mkdtemp()) / "report")
    >>> (out / "results.json").exists()
    True
    """
    from scoreaudit.report import write_report

    return Path(
        write_report(
            result,
            out,
            lang=lang,
            force=force,
            formats=("html", "md", "json", "csv"),
            data_path=data_path,
        )
    )


def _fmt(x: Any, pct: bool = True) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return "–"
    if f != f:
        return "–"
    if f in (float("inf"), float("-inf")):
        return "∞" if f > 0 else "−∞"
    return f"{f:.2%}" if pct else f"{f:.2f}"


def _interval(low: Any, high: Any) -> str:
    """``low – high``; a missing bound is "–", both missing give a single "–"."""
    lo, hi = _fmt(low, pct=False), _fmt(high, pct=False)
    return "–" if lo == hi == "–" else f"{lo} – {hi}"


def _fmt_p(p: Any) -> str:
    try:
        p = float(p)
    except (TypeError, ValueError):
        return "–"
    if p != p:
        return "–"
    return "<0.0001" if p < 1e-4 else f"{p:.2g}"


def print_aggregate(
    result: Any, metrics: list[str] | None = None, *, min_cell: int | None = None
) -> None:
    """Print the single-attribute comparisons of an aggregate result, and its warnings.

    The numbers shown are those of the publication gate (as in the report): a comparison
    resting on a hidden count is shown as hidden.
    """
    from scoreaudit.report.aggregate_report import publish_aggregate

    result = publish_aggregate(result, min_cell)[0]
    d = result.disparities
    d = d[~d["attribute"].str.contains("×", regex=False)]
    if metrics is not None:
        d = d[d["metric"].isin(metrics)]
    level = f"{float(result.config['confidence']):.0%}"
    for metric, part in d.groupby("metric", sort=False):
        table = Table(
            title=f"{metric}: group against {part['reference'].iloc[0]}"
            if part["reference"].nunique() == 1
            else metric,
            title_justify="left",
        )
        for col in ["group", "rate", "ref.", "ratio", f"{level} interval", "p adj.", "flags"]:
            table.add_column(col, overflow="fold")
        for row in part.itertuples(index=False):
            flags = ", ".join(
                x
                for x in [
                    "hidden (small count)" if getattr(row, "suppressed", False) else "",
                    "small cell" if row.small_cell else "",
                    "4/5 rule" if row.below_four_fifths else "",
                    "agency rule" if row.agency_rule is True else "",
                    "significant" if row.significant else "",
                ]
                if x
            )
            table.add_row(
                f"{row.attribute}={row.group}",
                _fmt(row.rate),
                _fmt(row.reference_rate),
                _fmt(row.ratio, pct=False),
                _interval(row.ratio_low, row.ratio_high),
                _fmt_p(row.p_adjusted),
                flags,
            )
        console.print(table)
    n_inter = int(result.disparities["attribute"].str.contains("×", regex=False).sum())
    if n_inter:
        console.print(
            f"{n_inter} intersectional comparisons and the notes: see --out "
            "(tables/disparities.csv) or result.disparities."
        )
    for w in result.warnings:
        console.print(f"[yellow]Warning:[/] {w}", highlight=False)


def controls_cli(
    log: Annotated[Path, typer.Argument(help="Control log: CSV or Parquet, one row per control.")],
    protected: Annotated[
        str, typer.Option("--protected", help="Comma-separated protected attribute columns.")
    ] = ("gender,age_band,family_status"),
    selected_by: Annotated[
        str, typer.Option("--selected-by", help="Column saying how each file was picked.")
    ] = "selection_method",
    random_value: Annotated[
        str,
        typer.Option(
            "--random-value",
            help="Value of --selected-by for random controls; every other "
            "value is 'picked by the score' unless --method-map is given.",
        ),
    ] = "random",
    method_map: Annotated[
        list[str],
        typer.Option(
            "--method-map",
            help="Map a selection value: 'high risk=score', 'tip-off=exclude' "
            "(repeatable; then every value must be mapped).",
        ),
    ] = [],  # noqa: B006
    outcome: Annotated[str, typer.Option("--outcome", help="Column with the result.")] = "result",
    positive: Annotated[
        str, typer.Option("--positive", help="Value of --outcome meaning errors were found.")
    ] = "errors found",
    negative: Annotated[
        str | None,
        typer.Option("--negative", help="Value of --outcome meaning no error was found."),
    ] = None,
    population_size: Annotated[
        int | None,
        typer.Option(
            "--population-size",
            help="Files the controls were drawn from (for FPR, FNR and the confusion matrix).",
        ),
    ] = None,
    weight: Annotated[
        str | None,
        typer.Option("--weight", help="Column: number of identical controls a row stands for."),
    ] = None,
    bands: Annotated[
        list[str], typer.Option("--bands", help="Band a numeric attribute: age=25,35,50,65")
    ] = [],  # noqa: B006
    reference: Annotated[
        list[str],
        typer.Option(
            "--reference", "-r", help="Reference group, e.g. gender=man (repeatable), or 'rest'."
        ),
    ] = [],  # noqa: B006
    intersections: Annotated[bool, typer.Option("--intersections/--no-intersections")] = True,
    confidence: Annotated[float, typer.Option("--confidence")] = 0.95,
    correction: Annotated[
        str, typer.Option("--correction", help="holm, bh, bonferroni or none.")
    ] = "holm",
    min_cell: Annotated[int, typer.Option("--min-cell", help="Smallest count published.")] = 11,
    allow_small_cells: Annotated[
        bool,
        typer.Option(
            "--allow-small-cells", help="Confirm a --min-cell below 11 (publishes smaller counts)."
        ),
    ] = False,
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap replicates.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output directory.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out.")] = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Report language (en, fr). Default: $SCOREAUDIT_LANG or en."),
    ] = None,
) -> None:
    """Audit a model from its control log: random controls against score-picked ones.

    Example: scoreaudit controls data/synthetic/c2sg_controls.csv --protected
    gender,age_band --population-size 100000 --reference gender=man --out report-controls
    """
    from scoreaudit.data.io import read_data
    from scoreaudit.engines.controls import ControlLog, audit_controls

    check_min_cell(min_cell, allow_small_cells)
    if out is not None:
        check_output_dir(out, force)
    frame = read_data(log)
    clog = ControlLog(
        frame,
        protected=_split(protected),
        selected_by=selected_by,
        random_value=random_value,
        outcome=outcome,
        positive=positive,
        negative=negative,
        population_size=population_size,
        weight=weight,
        method_map=parse_mapping(method_map, "--method-map") or None,
        bands=parse_bands(bands),
    )
    result = audit_controls(
        clog,
        reference=_reference(reference),
        confidence=confidence,
        correction=correction,
        intersections=intersections,
        min_cell=min_cell,
        n_boot=n_boot,
        random_state=seed,
    )
    if out is not None:
        path = write_outputs(result, out, force=force, lang=lang, data_path=log)
    s = result.data_summary
    console.print(
        f"[bold]{s['controls']:,}[/] controls: {s['random_controls']:,} random "
        f"({s['random_errors_found']:,} found errors), {s['score_controls']:,} picked "
        f"by the score ({s['score_errors_found']:,} found errors)."
    )
    print_aggregate(result, min_cell=min_cell)
    if out is not None:
        console.print(f"Wrote {path}")


def counts_cli(
    table: Annotated[Path, typer.Argument(help="Table of confusion matrices per group.")],
    group: Annotated[
        str,
        typer.Option("--group", help="Group column(s), comma-separated (several: intersections)."),
    ],
    tp: Annotated[str | None, typer.Option("--tp", help="True positives column.")] = None,
    fp: Annotated[str | None, typer.Option("--fp", help="False positives column.")] = None,
    tn: Annotated[str | None, typer.Option("--tn", help="True negatives column.")] = None,
    fn: Annotated[str | None, typer.Option("--fn", help="False negatives column.")] = None,
    n: Annotated[str | None, typer.Option("--n", help="Group size column.")] = None,
    selected: Annotated[
        str | None, typer.Option("--selected", help="Flagged files column.")
    ] = None,
    positives: Annotated[
        str | None, typer.Option("--positives", help="Irregular files column.")
    ] = None,
    selection_rate: Annotated[
        str | None, typer.Option("--selection-rate", help="Rate column: flagged / n.")
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="Rate column: tp / flagged.")
    ] = None,
    fdr: Annotated[str | None, typer.Option("--fdr", help="Rate column: fp / flagged.")] = None,
    prevalence: Annotated[
        str | None, typer.Option("--prevalence", help="Rate column: irregular / n.")
    ] = None,
    tpr: Annotated[str | None, typer.Option("--tpr", help="Rate column: tp / irregular.")] = None,
    fnr: Annotated[str | None, typer.Option("--fnr", help="Rate column: fn / irregular.")] = None,
    fpr: Annotated[str | None, typer.Option("--fpr", help="Rate column: fp / regular.")] = None,
    tnr: Annotated[str | None, typer.Option("--tnr", help="Rate column: tn / regular.")] = None,
    fractions: Annotated[
        bool, typer.Option("--fractions", help="Rates are fractions (0-1), not percentages.")
    ] = False,
    decimals: Annotated[
        int | None,
        typer.Option(
            "--decimals", help="Published decimals of the rates (default: read off the file)."
        ),
    ] = None,
    reference: Annotated[
        list[str],
        typer.Option(
            "--reference", "-r", help="Reference group, e.g. gender=man (repeatable), or 'rest'."
        ),
    ] = [],  # noqa: B006
    intersections: Annotated[bool, typer.Option("--intersections/--no-intersections")] = True,
    confidence: Annotated[float, typer.Option("--confidence")] = 0.95,
    correction: Annotated[str, typer.Option("--correction")] = "holm",
    min_cell: Annotated[int, typer.Option("--min-cell", help="Smallest count published.")] = 11,
    allow_small_cells: Annotated[
        bool,
        typer.Option(
            "--allow-small-cells", help="Confirm a --min-cell below 11 (publishes smaller counts)."
        ),
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output directory.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out.")] = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Report language (en, fr). Default: $SCOREAUDIT_LANG or en."),
    ] = None,
) -> None:
    """Audit a model from published confusion matrices per group (counts or percentages).

    Example: scoreaudit counts data/synthetic/c2sg_confusion_counts.csv --group
    gender,age_band --tp tp --fp fp --tn tn --fn fn --reference gender=man --out report-counts
    """
    import warnings

    from scoreaudit.data.io import read_data
    from scoreaudit.engines.counts import audit_counts

    check_min_cell(min_cell, allow_small_cells)
    if out is not None:
        check_output_dir(out, force)
    frame = read_data(table)
    with warnings.catch_warnings():  # printed below from result.warnings
        warnings.simplefilter("ignore", UserWarning)
        result = audit_counts(
            frame,
            _split(group),
            tp=tp,
            fp=fp,
            tn=tn,
            fn=fn,
            n=n,
            selected=selected,
            positives=positives,
            selection_rate=selection_rate,
            precision=precision,
            fdr=fdr,
            prevalence=prevalence,
            tpr=tpr,
            fnr=fnr,
            fpr=fpr,
            tnr=tnr,
            percent=not fractions,
            decimals=decimals,
            reference=_reference(reference),
            confidence=confidence,
            correction=correction,
            intersections=intersections,
            min_cell=min_cell,
        )
    if out is not None:
        path = write_outputs(result, out, force=force, lang=lang, data_path=table)
    s = result.data_summary
    console.print(
        f"[bold]{s['files']:,}[/] files in {s['rows']} rows"
        f"{' (counts rebuilt from rates)' if s['reconstructed_from_rates'] else ''}."
    )
    print_aggregate(result, min_cell=min_cell)
    if out is not None:
        console.print(f"Wrote {path}")
