"""The typer application: ``scoreaudit audit``, ``synth``, ``model check``, ``power``, ...

A thin shell over the public API. Bad input exits with code 2 and a one-paragraph message
(no traceback unless ``--debug``); an internal error exits with code 1.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

import typer

from scoreaudit.cli.controls import controls_cli, counts_cli
from scoreaudit.cli.funnel import funnel_cli
from scoreaudit.cli.i18n import current_lang, h, localise_typer, reset_lang, set_lang, tr
from scoreaudit.cli.power import power_cli
from scoreaudit.cli.terminal import console, err_console
from scoreaudit.cli.usage import usage_lines, usage_message
from scoreaudit.core.format import fmt_int
from scoreaudit.errors import ScoreAuditError
from scoreaudit.options import parse_mapping

localise_typer()  # typer's own help words in the help language

app = typer.Typer(
    name="scoreaudit",
    help=h("cli_h_app"),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
model_app = typer.Typer(help=h("cli_h_model_app"), no_args_is_help=True)
app.add_typer(model_app, name="model")


@app.callback()
def _global(
    debug: bool = typer.Option(False, "--debug", help=h("cli_h_debug")),
) -> None:
    """Global options; ``--debug`` is read by :func:`main` before typer runs."""


@app.command(help=h("cli_h_cmd_audit"))
def audit(
    data: str = typer.Option(None, "--data", "-d", help=h("cli_h_data")),
    engine: str = typer.Option(None, "--engine", help=h("cli_h_engine")),
    model: str = typer.Option(None, "--model", "-m", help=h("cli_h_model")),
    score_column: str = typer.Option(None, "--score-column", help=h("cli_h_score_column")),
    protected: str = typer.Option(None, "--protected", help=h("cli_h_protected")),
    bands: list[str] = typer.Option([], "--bands", help=h("cli_h_bands")),
    budget: str = typer.Option(None, "--budget", help=h("cli_h_budget")),
    reference: list[str] = typer.Option([], "--reference", "-r", help=h("cli_h_reference")),
    intersections: bool = typer.Option(
        None, "--intersections/--no-intersections", help=h("cli_h_intersections")
    ),
    confidence: float = typer.Option(None, "--confidence", help=h("cli_h_confidence")),
    min_cell: int = typer.Option(None, "--min-cell", help=h("cli_h_min_cell")),
    allow_small_cells: bool = typer.Option(
        False, "--allow-small-cells", help=h("cli_h_allow_small_cells")
    ),
    keep: list[str] = typer.Option([], "--keep", help=h("cli_h_keep")),
    publish_synthetic_unsuppressed: bool = typer.Option(
        False, "--publish-synthetic-unsuppressed", help=h("cli_h_unsuppressed")
    ),
    label: str = typer.Option(None, "--label", help=h("cli_h_label")),
    weight: str = typer.Option(None, "--weight", help=h("cli_h_weight")),
    labels: Path = typer.Option(None, "--labels", help=h("cli_h_labels")),
    missing: str = typer.Option(None, "--missing", help=h("cli_h_missing")),
    lang: str = typer.Option(None, "--lang", help=h("cli_h_lang")),
    out: Path = typer.Option(None, "--out", "-o", help=h("cli_h_out_report")),
    force: bool = typer.Option(False, "--force", help=h("cli_h_force_report")),
    config: Path = typer.Option(None, "--config", "-c", help=h("cli_h_config")),
    explain: bool = typer.Option(None, "--explain/--no-explain", help=h("cli_h_explain")),
    formats: str = typer.Option(None, "--formats", help=h("cli_h_formats")),
    trust_pickle: bool = typer.Option(False, "--trust-pickle", help=h("cli_h_trust_pickle")),
) -> None:
    """Audit a model on beneficiary data and write the report (HTML, Markdown, JSON, CSV, figures).

    Example: scoreaudit audit --data data/synthetic/c2sg_100k.parquet
    --model c2sg-reconstruction --budget 5% --reference gender=man --lang fr --out report-c2sg

    With a file: scoreaudit audit --config audit.yaml (same option names as keys).
    """
    from scoreaudit.cli.audit import run_audit_command

    options = {
        "data": None if data is None else str(data),
        "engine": engine,
        "model": model,
        "score_column": score_column,
        "protected": protected,
        "bands": parse_mapping(bands, "--bands") or None,
        "budget": budget,
        "reference": parse_mapping(reference, "--reference") or None,
        "intersections": intersections,
        "confidence": confidence,
        "min_cell": min_cell,
        "label": label,
        "weight": weight,
        "missing": missing,
        "labels": None if labels is None else str(labels),
        "lang": lang,
        "out": None if out is None else str(out),
        "explain": explain,
        "formats": formats,
    }
    run_audit_command(
        options,
        console=console,
        err_console=err_console,
        force=force,
        trust_pickle=trust_pickle,
        config_path=config,
        allow_small_cells=allow_small_cells,
        keep=tuple(keep),
        unsuppressed=publish_synthetic_unsuppressed,
    )


@model_app.command("check", help=h("cli_h_cmd_model_check"))
def model_check_cmd(
    spec: str = typer.Argument(..., help=h("cli_h_spec")),
    trust: list[str] = typer.Option([], "--trust", help=h("cli_h_trust")),
    trust_pickle: bool = typer.Option(False, "--trust-pickle", help=h("cli_h_trust_pickle")),
    lang: str = typer.Option(None, "--lang", help=h("cli_h_lang_terminal")),
) -> None:
    """Validate a model spec and print a summary of its terms (exit code 2 if invalid).

    Example: scoreaudit model check c2sg-reconstruction
    """
    from scoreaudit.models.check import model_check

    model_check(
        spec,
        trusted=trust or None,
        allow_pickle=trust_pickle,
        console=console,
        raise_errors=True,
        lang=set_lang(lang),
    )


app.command("power", help=h("cli_h_cmd_power"))(
    power_cli
)  # scoreaudit power: sample size and detectable disparity
app.command("controls", help=h("cli_h_cmd_controls"))(
    controls_cli
)  # scoreaudit controls LOG.csv: audit from a control log
app.command("counts", help=h("cli_h_cmd_counts"))(
    counts_cli
)  # scoreaudit counts TABLE.csv: audit from confusion matrices
app.command("funnel", help=h("cli_h_cmd_funnel"))(
    funnel_cli
)  # scoreaudit funnel TABLE.csv: a control process stage by stage


@app.command(help=h("cli_h_cmd_serve"))
def serve(
    port: int = typer.Option(0, "--port", help=h("cli_h_port")),
    no_browser: bool = typer.Option(False, "--no-browser", help=h("cli_h_no_browser")),
    max_upload_mb: int = typer.Option(200, "--max-upload-mb", help=h("cli_h_max_upload_mb")),
    lang: str = typer.Option(None, "--lang", help=h("cli_h_serve_lang")),
) -> None:
    """Open the local web page (forms for every audit; this computer only).

    Example: scoreaudit serve --lang en
    """
    from scoreaudit.web.server import serve as run_server

    run_server(
        port=port, open_browser=not no_browser, max_upload_mb=max_upload_mb, lang=lang or "fr"
    )


@app.command(help=h("cli_h_cmd_synth"))
def synth(
    n: int = typer.Option(100_000, "--n", help=h("cli_h_synth_n")),
    seed: int = typer.Option(0, "--seed", help=h("cli_h_synth_seed")),
    out: Path = typer.Option(..., "--out", "-o", help=h("cli_h_synth_out")),
    force: bool = typer.Option(False, "--force", help=h("cli_h_synth_force")),
    scenario: str = typer.Option("baseline", "--scenario", help=h("cli_h_scenario")),
    lang: str = typer.Option(None, "--lang", help=h("cli_h_lang_terminal")),
) -> None:
    """Generate a synthetic C2SG population, calibrated on public figures, with ground truth.

    Example: scoreaudit synth --n 100000 --seed 0 --out data/synthetic/c2sg_100k.parquet
    """
    from scoreaudit.synthetic.cli import synth as run_synth

    set_lang(lang)
    path = run_synth(n=n, seed=seed, out=out, force=force, scenario=scenario)
    console.print(
        tr("cli_synth_wrote", n=fmt_int(n, current_lang()), scenario=scenario, path=path),
        highlight=False,
    )


def _print_error(message: str) -> None:
    """An error for the user: "Error:" / "Erreur :" then the message (exit code 2)."""
    from rich.text import Text

    err_console.print(Text.assemble((tr("cli_error"), "bold red"), " ", message))


def _show_usage_error(exc: Any) -> None:
    """A usage error as typer shows it in English; from the catalogue in another language."""
    lang = current_lang()
    if lang == "en" and hasattr(exc, "show"):
        exc.show()
        return
    lines = usage_lines(exc, lang)
    for line in lines:
        err_console.print(line, highlight=False, markup=False)
    if lines:
        err_console.print()
    _print_error(usage_message(exc, lang) if hasattr(exc, "format_message") else str(exc))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, map errors to exit codes (2 bad input, 1 internal).

    The terminal language is that of the command's ``--lang`` during the run only: each run
    starts from ``$SCOREAUDIT_LANG`` (or English), and so does any later call.

    Without ``argv`` (the program itself: the ``scoreaudit`` command, ``python -m
    scoreaudit``), the garbage collector is frozen once the command is done: the process is
    about to exit, and the collection Python runs at exit would otherwise walk every object
    pandas, scipy and matplotlib made (0.15 s of a 3 s report). Every file is closed by then.
    Not after an audit in DuckDB or Spark: their connections may hold temporary files that
    only their collection removes (and 0.15 s does not matter there).
    """
    reset_lang()
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    finally:
        reset_lang()
        if argv is None and not {"duckdb", "pyspark"} & set(sys.modules):
            gc.freeze()


def _early_lang(argv: list[str]) -> None:
    """Take ``--lang`` from the command line at once, so that errors raised before the command
    reads its options (a bad ``--config`` file) are in that language too; an unknown value is
    left for the command to report."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        else:
            continue
        try:
            set_lang(value)
        except ScoreAuditError:
            pass
        return


def _run(argv: list[str]) -> int:
    debug = "--debug" in argv
    _early_lang(argv)
    try:
        code = app(args=argv, standalone_mode=False, prog_name="scoreaudit")
        if isinstance(code, int):  # typer.Exit(n) is returned, not raised, in this mode
            return code
    except ScoreAuditError as exc:
        if debug:
            raise
        _print_error(exc.render(current_lang(), cli=True))
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print(tr("cli_aborted"))
        return 1
    except typer.TyperException as exc:  # usage errors (bad option, missing argument)
        _show_usage_error(exc)
        return 2
    except BrokenPipeError:  # output piped into `head` & co.: the work is done, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (FileNotFoundError, IsADirectoryError, PermissionError, OSError) as exc:
        if debug:
            raise
        _print_error(str(exc))
        return 2
    except Exception as exc:
        if debug:
            raise
        err_console.print(
            tr("cli_internal_error", kind=type(exc).__name__, message=exc),
            highlight=False,
            markup=False,
        )
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
