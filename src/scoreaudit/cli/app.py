"""The typer application: ``scoreaudit audit``, ``synth``, ``model check``, ``power``, ...

A thin shell over the public API. Bad input exits with code 2 and a one-paragraph message
(no traceback unless ``--debug``); an internal error exits with code 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from scoreaudit.cli.controls import controls_cli, counts_cli
from scoreaudit.cli.funnel import funnel_cli
from scoreaudit.cli.power import power_cli
from scoreaudit.cli.terminal import console, err_console
from scoreaudit.errors import ScoreAuditError
from scoreaudit.options import parse_mapping

app = typer.Typer(
    name="scoreaudit",
    help=(
        "Audit fraud-scoring models of welfare agencies for discrimination.\n\n"
        "Example: scoreaudit audit --data data/synthetic/c2sg_100k.parquet "
        "--model c2sg-reconstruction --budget 5% --out report/"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
model_app = typer.Typer(
    help="Check and describe scoring-model specifications.", no_args_is_help=True
)
app.add_typer(model_app, name="model")


@app.callback()
def _global(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    """Global options; ``--debug`` is read by :func:`main` before typer runs."""


@app.command()
def audit(
    data: str = typer.Option(
        None,
        "--data",
        "-d",
        help="Beneficiary data: CSV or Parquet file, a glob (parts/*.parquet, read in the "
        "engine) or duckdb:PATH::TABLE.",
    ),
    engine: str = typer.Option(
        None,
        "--engine",
        help="Audit inside an engine without loading the rows: duckdb (embedded) or spark.",
    ),
    model: str = typer.Option(
        None, "--model", "-m", help="Model spec (.yaml/.json), shipped name, or .skops file."
    ),
    score_column: str = typer.Option(
        None, "--score-column", help="Use scores already in the data."
    ),
    protected: str = typer.Option(
        None,
        "--protected",
        help="Comma-separated protected attribute columns. Default: gender,age_band,family_status.",
    ),
    bands: list[str] = typer.Option(
        [], "--bands", help="Band a numeric attribute: age=25,35,50,65"
    ),
    budget: str = typer.Option(
        None, "--budget", help="Share (5%, 0.05) or count ('500 files'). Default: 5%."
    ),
    reference: list[str] = typer.Option(
        [], "--reference", "-r", help="Reference group, e.g. gender=man (repeatable)."
    ),
    intersections: bool = typer.Option(
        None,
        "--intersections/--no-intersections",
        help="Audit combinations of attributes. Default: yes.",
    ),
    confidence: float = typer.Option(None, "--confidence", help="Interval level. Default: 0.95."),
    min_cell: int = typer.Option(
        None,
        "--min-cell",
        help="Smallest count published; smaller cells are suppressed "
        "(counts 1 to min-cell - 1). Default: 11.",
    ),
    allow_small_cells: bool = typer.Option(
        False,
        "--allow-small-cells",
        help="Allow --min-cell below 11 (needed on the command line; a config file alone "
        "cannot lower protection).",
    ),
    keep: list[str] = typer.Option(
        [],
        "--keep",
        help="Group that complementary suppression must not hide, e.g. 18-24 or "
        "age_band=18-24 (repeatable).",
    ),
    publish_synthetic_unsuppressed: bool = typer.Option(
        False,
        "--publish-synthetic-unsuppressed",
        help="Publish every count without suppression; refused unless the data are synthetic "
        "(scoreaudit synth files).",
    ),
    label: str = typer.Option(None, "--label", help="Outcome column (1 found, 0 not, empty)."),
    weight: str = typer.Option(None, "--weight", help="Row weight column."),
    labels: Path = typer.Option(
        None,
        "--labels",
        help="YAML file of display names per language for attributes and groups "
        "(attributes: {region: {fr: Région, en: Region}}).",
    ),
    missing: str = typer.Option(
        None,
        "--missing",
        help="Missing values of a protected attribute: error (default) or category "
        "(audited as a group of their own).",
    ),
    lang: str = typer.Option(None, "--lang", help="Report language: en or fr. Default: en."),
    out: Path = typer.Option(
        None,
        "--out",
        "-o",
        help="Report directory (report.html, report.md, results.json, "
        "tables/, figures/); must not exist unless --force.",
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace an existing --out directory (once the new one is complete)."
    ),
    config: Path = typer.Option(
        None, "--config", "-c", help="YAML file with these options (command-line options win)."
    ),
    explain: bool = typer.Option(
        None, "--explain/--no-explain", help="Also explain which inputs carry the disparities."
    ),
    formats: str = typer.Option(
        None, "--formats", help="Outputs to write. Default: html,md,json,csv,figures."
    ),
    trust_pickle: bool = typer.Option(
        False, "--trust-pickle", help="Allow .pkl/.joblib models (runs code in the file!)."
    ),
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


@model_app.command("check")
def model_check_cmd(
    spec: str = typer.Argument(..., help="Spec (.yaml/.yml/.json), model file or shipped name."),
    trust: list[str] = typer.Option(
        [], "--trust", help="Type a .skops file may hold (repeatable)."
    ),
    trust_pickle: bool = typer.Option(
        False, "--trust-pickle", help="Allow .pkl/.joblib models (runs code in the file!)."
    ),
) -> None:
    """Validate a model spec and print a summary of its terms (exit code 2 if invalid).

    Example: scoreaudit model check c2sg-reconstruction
    """
    from scoreaudit.models.check import model_check

    model_check(
        spec, trusted=trust or None, allow_pickle=trust_pickle, console=console, raise_errors=True
    )


app.command("power")(power_cli)  # scoreaudit power: sample size and detectable disparity
app.command("controls")(controls_cli)  # scoreaudit controls LOG.csv: audit from a control log
app.command("counts")(counts_cli)  # scoreaudit counts TABLE.csv: audit from confusion matrices
app.command("funnel")(funnel_cli)  # scoreaudit funnel TABLE.csv: a control process stage by stage


@app.command()
def serve(
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1. Default: a free port."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
    max_upload_mb: int = typer.Option(200, "--max-upload-mb", help="Largest upload, in MB."),
    lang: str = typer.Option(None, "--lang", help="Language of the page: fr (default) or en."),
) -> None:
    """Open the local web page (forms for every audit; this computer only).

    Example: scoreaudit serve --lang en
    """
    from scoreaudit.web.server import serve as run_server

    run_server(
        port=port, open_browser=not no_browser, max_upload_mb=max_upload_mb, lang=lang or "fr"
    )


@app.command()
def synth(
    n: int = typer.Option(100_000, "--n", help="Number of households."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, byte-identical file)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .parquet or .csv."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    scenario: str = typer.Option(
        "baseline",
        "--scenario",
        help="baseline, neutral or planted (adds a 'score' column with a known gender disparity).",
    ),
) -> None:
    """Generate a synthetic C2SG population, calibrated on public figures, with ground truth.

    Example: scoreaudit synth --n 100000 --seed 0 --out data/synthetic/c2sg_100k.parquet
    """
    from scoreaudit.synthetic.cli import synth as run_synth

    path = run_synth(n=n, seed=seed, out=out, force=force, scenario=scenario)
    console.print(f"Wrote {n:,} households ({scenario}) to {path}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, map errors to exit codes (2 bad input, 1 internal)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        code = app(args=argv, standalone_mode=False, prog_name="scoreaudit")
        if isinstance(code, int):  # typer.Exit(n) is returned, not raised, in this mode
            return code
    except ScoreAuditError as exc:
        if debug:
            raise
        err_console.print(f"[bold red]Error:[/] {exc.cli_message}", highlight=False)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print("Aborted.")
        return 1
    except typer.TyperException as exc:  # usage errors (bad option, missing argument)
        if hasattr(exc, "show"):
            exc.show()
        else:  # pragma: no cover
            err_console.print(f"Error: {exc.format_message()}")
        return 2
    except BrokenPipeError:  # output piped into `head` & co.: the work is done, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (FileNotFoundError, IsADirectoryError, PermissionError, OSError) as exc:
        if debug:
            raise
        err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
        return 2
    except Exception as exc:
        if debug:
            raise
        err_console.print(
            f"[bold red]Internal error[/] ({type(exc).__name__}): {exc}\n"
            "This is a bug in scoreaudit; rerun with --debug for details and report it.",
            highlight=False,
        )
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
