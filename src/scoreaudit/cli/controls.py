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
from rich.markup import escape
from rich.table import Table

from scoreaudit.cli.common import SHARED, add_options, prepare, split, with_shared
from scoreaudit.cli.i18n import current_lang, h, tr
from scoreaudit.cli.terminal import (
    cells,
    console,
    fmt_cli,
    fmt_interval_cli,
    fmt_p_cli,
    print_warnings,
    shown_attribute,
    shown_group,
)
from scoreaudit.core.format import fmt_int, fmt_level
from scoreaudit.core.vocab import REST_KEYWORD, intersection_mask
from scoreaudit.gate.aggregate import publish_aggregate
from scoreaudit.options import parse_bands, parse_mapping

__all__ = ["controls_cli", "counts_cli", "write_outputs"]


def _reference(items: list[str]) -> dict[str, str] | str | None:
    if items == [REST_KEYWORD]:
        return REST_KEYWORD
    return parse_mapping(items, "--reference") or None


def _start(options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Check the shared options before any work; the language and the audit's keywords."""
    lang = prepare(
        options["lang"],
        options["min_cell"],
        options["out"],
        options["force"],
        options["allow_small_cells"],
    )
    keys = ("confidence", "correction", "intersections", "min_cell")
    return lang, {"reference": _reference(options["reference"])} | {k: options[k] for k in keys}


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


def print_aggregate(
    result: Any, metrics: list[str] | None = None, *, min_cell: int | None = None
) -> None:
    """Print the single-attribute comparisons of an aggregate result, and its warnings.

    The numbers shown are those of the publication gate (as in the report): a comparison
    resting on a hidden count is shown as hidden.
    """
    from scoreaudit.gate.aggregate import publish_aggregate

    result = publish_aggregate(result, min_cell)[0]
    d = result.disparities
    d = d[~intersection_mask(d["attribute"])]
    if metrics is not None:
        d = d[d["metric"].isin(metrics)]
    level = fmt_level(result.config["confidence"], current_lang())
    for metric, part in d.groupby("metric", sort=False):
        table = Table(title=_metric_title(str(metric), part["reference"]), title_justify="left")
        for key in ["group", "rate", "ref", "ratio"]:
            table.add_column(tr(f"cli_col_{key}"), overflow="fold")
        table.add_column(tr("cli_col_interval", level=level), overflow="fold")
        table.add_column(tr("cli_col_p_adj"), overflow="fold")
        table.add_column(tr("cli_col_flags"), overflow="fold")
        for row in part.itertuples(index=False):
            table.add_row(
                *cells(
                    f"{shown_attribute(row.attribute)}={shown_group(row.attribute, row.group)}",
                    fmt_cli(row.rate, pct=True),
                    fmt_cli(row.reference_rate, pct=True),
                    fmt_cli(row.ratio),
                    fmt_interval_cli(row.ratio_low, row.ratio_high),
                    fmt_p_cli(row.p_adjusted),
                    _flags(row),
                )
            )
        console.print(table)
    n_inter = int(intersection_mask(result.disparities["attribute"]).sum())
    if n_inter:
        console.print(tr("cli_agg_intersections_more", n=n_inter))
    print_warnings(result.warnings, console)


def _metric_title(metric: str, references: Any) -> str:
    """A table title: the metric's name, and its reference when there is one."""
    from scoreaudit.engines.controls import PSEUDO_REFERENCES
    from scoreaudit.present.catalogue import CATALOGUE, t

    key = f"metric_{metric}"
    name = t(key, current_lang()) if key in CATALOGUE else metric
    if references.nunique() != 1:
        return name
    ref = str(references.iloc[0])
    shown = t(PSEUDO_REFERENCES[ref], current_lang()) if ref in PSEUDO_REFERENCES else ref
    return tr("cli_agg_title", metric=name, reference=shown)


def _flags(row: Any) -> str:
    """The flags of one comparison, in words."""
    marks = [
        ("cli_flag_hidden", bool(getattr(row, "suppressed", False))),
        ("cli_note_small_cell", bool(row.small_cell)),
        ("cli_flag_four_fifths", bool(row.below_four_fifths)),
        ("cli_flag_agency", row.agency_rule is True),
        ("cli_flag_significant", bool(row.significant)),
    ]
    return ", ".join(tr(key) for key, on in marks if on)


def _finish(result: Any, summary: str, options: dict[str, Any], **write: Any) -> None:
    """Write the report (with ``--out``), then print the summary, the tables and the path."""
    out = options["out"]
    path = None if out is None else write_outputs(result, out, force=options["force"], **write)
    console.print(summary, highlight=False)
    print_aggregate(result, min_cell=options["min_cell"])
    if path is not None:
        console.print(tr("cli_wrote", path=path), highlight=False)


@with_shared(*SHARED)
def controls_cli(
    log: Annotated[Path, typer.Argument(help=h("cli_h_log"))],
    protected: Annotated[
        str, typer.Option("--protected", help=h("cli_h_protected_controls"))
    ] = "gender,age_band,family_status",
    selected_by: Annotated[
        str, typer.Option("--selected-by", help=h("cli_h_selected_by"))
    ] = "selection_method",
    random_value: Annotated[
        str, typer.Option("--random-value", help=h("cli_h_random_value"))
    ] = "random",
    method_map: Annotated[list[str], typer.Option("--method-map", help=h("cli_h_method_map"))] = [],  # noqa: B006
    outcome: Annotated[str, typer.Option("--outcome", help=h("cli_h_outcome"))] = "result",
    positive: Annotated[str, typer.Option("--positive", help=h("cli_h_positive"))] = "errors found",
    negative: Annotated[str | None, typer.Option("--negative", help=h("cli_h_negative"))] = None,
    population_size: Annotated[
        int | None, typer.Option("--population-size", help=h("cli_h_population_size"))
    ] = None,
    weight: Annotated[str | None, typer.Option("--weight", help=h("cli_h_weight_controls"))] = None,
    bands: Annotated[list[str], typer.Option("--bands", help=h("cli_h_bands"))] = [],  # noqa: B006
    n_boot: Annotated[int, typer.Option("--n-boot", help=h("cli_h_n_boot"))] = 1000,
    seed: Annotated[int, typer.Option("--seed", help=h("cli_h_seed_boot"))] = 0,
    **options: Any,
) -> None:
    """Audit a model from its control log: random controls against score-picked ones.

    Example: scoreaudit controls data/synthetic/c2sg_controls.csv --protected
    gender,age_band --population-size 100000 --reference gender=man --out report-controls
    """
    from scoreaudit.data.io import read_data
    from scoreaudit.engines.controls import ControlLog, audit_controls

    lang, shared = _start(options)
    clog = ControlLog(
        read_data(log),
        protected=split(protected),
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
    result = audit_controls(clog, **shared, n_boot=n_boot, random_state=seed)
    # the published totals: a small one is hidden, as in the report
    s = publish_aggregate(result)[0].data_summary

    def shown(key: str) -> str:
        return escape("[c]") if s.get(key) is None else fmt_int(s[key], current_lang())

    summary = tr(
        "cli_controls_summary",
        controls=f"[bold]{shown('controls')}[/]",
        random=shown("random_controls"),
        random_found=shown("random_errors_found"),
        score=shown("score_controls"),
        score_found=shown("score_errors_found"),
    )
    _finish(result, summary, options, lang=lang, data_path=log)


#: The column options of ``counts``: (parameter, catalogue key of its help).
_COUNT_COLUMNS = (
    ("tp", "cli_h_tp"),
    ("fp", "cli_h_fp"),
    ("tn", "cli_h_tn"),
    ("fn", "cli_h_fn"),
    ("n", "cli_h_n_col"),
    ("selected", "cli_h_selected"),
    ("positives", "cli_h_positives"),
    ("selection_rate", "cli_h_selection_rate"),
    ("precision", "cli_h_precision"),
    ("fdr", "cli_h_fdr"),
    ("prevalence", "cli_h_prevalence"),
    ("tpr", "cli_h_tpr"),
    ("fnr", "cli_h_fnr"),
    ("fpr", "cli_h_fpr"),
    ("tnr", "cli_h_tnr"),
)


def _with_columns(func: Any) -> Any:
    """Give ``counts`` one ``--<column>`` option per :data:`_COUNT_COLUMNS`, after ``group``."""
    return add_options(func, [(n, _column(n, key), None) for n, key in _COUNT_COLUMNS], after=2)


def _column(name: str, key: str) -> Any:
    return Annotated[str | None, typer.Option(f"--{name.replace('_', '-')}", help=h(key))]


@_with_columns
@with_shared(*SHARED)
def counts_cli(
    table: Annotated[Path, typer.Argument(help=h("cli_h_table_counts"))],
    group: Annotated[str, typer.Option("--group", help=h("cli_h_group_counts"))],
    fractions: Annotated[bool, typer.Option("--fractions", help=h("cli_h_fractions"))] = False,
    decimals: Annotated[int | None, typer.Option("--decimals", help=h("cli_h_decimals"))] = None,
    **options: Any,
) -> None:
    """Audit a model from published confusion matrices per group (counts or percentages).

    Example: scoreaudit counts data/synthetic/c2sg_confusion_counts.csv --group
    gender,age_band --tp tp --fp fp --tn tn --fn fn --reference gender=man --out report-counts
    """
    import warnings

    from scoreaudit.data.io import read_data
    from scoreaudit.engines.counts import audit_counts

    columns = {name: options.pop(name) for name, _ in _COUNT_COLUMNS}
    lang, shared = _start(options)
    frame = read_data(table)
    with warnings.catch_warnings():  # printed below from result.warnings
        warnings.simplefilter("ignore", UserWarning)
        result = audit_counts(
            frame,
            split(group),
            **columns,
            percent=not fractions,
            decimals=decimals,
            **shared,
        )
    s = result.data_summary
    summary = tr(
        "cli_counts_summary",
        files=f"[bold]{fmt_int(s['files'], current_lang())}[/]",
        rows=fmt_int(s["rows"], current_lang()),
        rebuilt=tr("cli_counts_rebuilt") if s["reconstructed_from_rates"] else "",
    )
    _finish(result, summary, options, lang=lang, data_path=table)
