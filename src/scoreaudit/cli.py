"""Command line: ``scoreaudit audit``, ``synth``, ``model check``, ``power``, ...

A thin shell over the public API. Bad input exits with code 2 and a one-paragraph message
(no traceback unless ``--debug``); an internal error exits with code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from .controls_cli import controls_cli, counts_cli
from .errors import PolicyError, ScoreAuditError
from .funnel_cli import funnel_cli
from .power_cli import power_cli

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
model_app = typer.Typer(help="Check and describe scoring-model specifications.",
                        no_args_is_help=True)
app.add_typer(model_app, name="model")

console = Console()
err_console = Console(stderr=True)
_STATE = {"debug": False}


@app.callback()
def _global(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors.")) -> None:
    _STATE["debug"] = debug


def parse_budget(text: str):
    """Parse ``5%`` or ``0.05`` (a share) or ``500 files`` (a count) into a Budget.

    A bare whole number such as ``5`` is ambiguous (5% or 5 files?) and refused.

    Examples
    --------
    >>> parse_budget("5%").share, parse_budget("0.05").share, parse_budget("500 files").count
    (0.05, 0.05, 500)
    """
    from .selection import Budget

    raw = str(text).strip().lower().replace(",", ".")
    try:
        if raw.endswith("%"):
            pct = float(raw[:-1].strip())
            if not 0 < pct <= 100:  # also refuses nan
                raise PolicyError(f"The budget {text!r} must be more than 0% and at most 100% "
                                  "of the files (e.g. 5%).")
            return Budget(share=pct / 100)
        for suffix in ("files", "file", "dossiers", "dossier"):
            if raw.endswith(suffix):
                return Budget(count=int(raw[: -len(suffix)].strip()))
        value = float(raw)
    except PolicyError:  # a readable budget out of range (0%, 120%): Budget's own message
        raise
    except ValueError:
        raise PolicyError(
            f"Cannot read the budget {text!r}: write a share like 5% or 0.05, or a number of "
            "files like '500 files'."
        ) from None
    if value.is_integer() and value >= 1:
        raise PolicyError(
            f"The budget {text!r} is ambiguous: write {int(value)}% for a share of files, or "
            f"'{int(value)} files' for a number of files."
        )
    return Budget(share=value)


def parse_mapping(items: list[str], what: str) -> dict[str, str]:
    """Parse ``key=value`` options (e.g. ``--reference gender=man``)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise ScoreAuditError(f"{what} must look like name=value, not {item!r}.")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def parse_bands(items: list[str]) -> dict[str, list[float]]:
    out = {}
    for k, v in parse_mapping(items, "--bands").items():
        try:
            out[k] = [float(x) for x in v.replace(";", ",").split(",") if x.strip()]
        except ValueError:
            raise ScoreAuditError(f"--bands {k}={v!r}: cut points must be numbers.") from None
    return out


def resolve_model(model: str | None, score_column: str | None, trust_pickle: bool = False):
    """A ScoringModel from a spec file, a shipped spec name, a model file or a score column."""
    from .models.column import ScoreColumn

    if (model is None) == (score_column is None):
        raise ScoreAuditError("Give either --model (a spec, a shipped name or a model file) "
                              "or --score-column (scores already in the data).")
    if score_column is not None:
        return ScoreColumn(score_column)
    from .models.loading import load_model

    return load_model(model, allow_pickle=trust_pickle)


@app.command()
def audit(
    data: Path = typer.Option(None, "--data", "-d", help="Beneficiary data: CSV or Parquet."),
    model: str = typer.Option(None, "--model", "-m",
                              help="Model spec (.yaml/.json), shipped name, or .skops file."),
    score_column: str = typer.Option(None, "--score-column", help="Use scores already in the data."),
    protected: str = typer.Option(None, "--protected",
                                  help="Comma-separated protected attribute columns. "
                                       "Default: gender,age_band,family_status."),
    bands: list[str] = typer.Option([], "--bands", help="Band a numeric attribute: age=25,35,50,65"),
    budget: str = typer.Option(None, "--budget",
                               help="Share (5%, 0.05) or count ('500 files'). Default: 5%."),
    reference: list[str] = typer.Option([], "--reference", "-r",
                                        help="Reference group, e.g. gender=man (repeatable)."),
    intersections: bool = typer.Option(None, "--intersections/--no-intersections",
                                       help="Audit combinations of attributes. Default: yes."),
    confidence: float = typer.Option(None, "--confidence", help="Interval level. Default: 0.95."),
    min_cell: int = typer.Option(None, "--min-cell",
                                 help="Smallest count published; smaller cells are suppressed "
                                      "(counts 1 to min-cell - 1). Default: 11."),
    label: str = typer.Option(None, "--label", help="Outcome column (1 found, 0 not, empty)."),
    weight: str = typer.Option(None, "--weight", help="Row weight column."),
    lang: str = typer.Option(None, "--lang", help="Report language: en or fr. Default: en."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Report directory (report.html, report.md, results.json, "
                                  "tables/, figures/); must not exist unless --force."),
    force: bool = typer.Option(False, "--force",
                               help="Replace an existing --out directory (once the new one is complete)."),
    config: Path = typer.Option(None, "--config", "-c",
                                help="YAML file with these options (command-line options win)."),
    explain: bool = typer.Option(None, "--explain/--no-explain",
                                 help="Also explain which inputs carry the disparities."),
    formats: str = typer.Option(None, "--formats",
                                help="Outputs to write. Default: html,md,json,csv,figures."),
    trust_pickle: bool = typer.Option(False, "--trust-pickle",
                                      help="Allow .pkl/.joblib models (runs code in the file!)."),
) -> None:
    """Audit a model on beneficiary data and write the report (HTML, Markdown, JSON, CSV, figures).

    Example: scoreaudit audit --data data/synthetic/c2sg_100k.parquet
    --model c2sg-reconstruction --budget 5% --reference gender=man --lang fr --out report-c2sg

    With a file: scoreaudit audit --config audit.yaml (same option names as keys).
    """
    from .report.cli_audit import run_audit_command

    options = {
        "data": None if data is None else str(data), "model": model, "score_column": score_column,
        "protected": protected, "bands": parse_mapping(bands, "--bands") or None, "budget": budget,
        "reference": parse_mapping(reference, "--reference") or None,
        "intersections": intersections, "confidence": confidence, "min_cell": min_cell,
        "label": label, "weight": weight, "lang": lang, "out": None if out is None else str(out),
        "explain": explain, "formats": formats,
    }
    run_audit_command(options, console=console, err_console=err_console, force=force,
                      trust_pickle=trust_pickle, config_path=config)


def _policy_words(result) -> str:
    """The selection policy in words: "top 5% of scores", "top 500 files", "score >= 0.3"."""
    policy = dict((getattr(result, "config", None) or {}).get("policy") or {})
    kind = policy.get("kind")
    if kind == "budget" and policy.get("share") is not None:
        share = float(policy["share"]) * 100
        text = f"budget: top {share:.{_pct_decimals(share)}f}% of scores"
    elif kind == "budget" and policy.get("count") is not None:
        text = f"budget: top {int(policy['count']):,} files by score"
    elif kind == "threshold":
        text = f"threshold: score of at least {float(policy['threshold']):.4g}"
    else:
        return str(result.selection.description)
    ties = policy.get("ties")
    if ties == "random":
        text += f"; ties at the cut-off drawn at random (seed {policy.get('random_state')})"
    elif ties:
        text += f"; ties at the cut-off: {ties}"
    return text


def _pct_decimals(pct: float) -> int:
    for d in range(0, 4):
        if abs(round(pct, d) - pct) < 1e-9:
            return d
    return 4


def fmt_p_cli(p) -> str:
    """An adjusted p-value for the terminal: "<0.0001" rather than 0, "–" when missing.

    Examples
    --------
    >>> fmt_p_cli(0.0), fmt_p_cli(3e-7), fmt_p_cli(0.0432), fmt_p_cli(float("nan"))
    ('<0.0001', '<0.0001', '0.043', '–')
    """
    try:
        p = float(p)
    except (TypeError, ValueError):
        return "–"
    if p != p:
        return "–"
    if p < 1e-4:
        return "<0.0001"
    return f"{p:.2g}"


def fmt_ratio_cli(x, decimals: int = 2) -> str:
    """A ratio for the terminal: "–" when undefined, "∞ (reference: none selected)" when the
    reference group has no selected file.

    Examples
    --------
    >>> fmt_ratio_cli(1.2345), fmt_ratio_cli(float("nan")), fmt_ratio_cli(float("inf"))
    ('1.23', '–', '∞ (reference: none selected)')
    """
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "–"
    if x != x:
        return "–"
    if x == float("inf"):
        return "∞ (reference: none selected)"
    return f"{x:.{decimals}f}"


def _ratio_decimals(*values) -> int:
    import math

    d = 2
    for v in values:
        try:
            a = abs(float(v))
        except (TypeError, ValueError):
            continue
        if 0 < a < 1 and math.isfinite(a):
            d = max(d, int(math.floor(-math.log10(a))) + 2)
    return min(d, 4)


def print_result(result) -> None:
    """Print the single-attribute disparities as a rich table."""
    from rich.table import Table

    s = result.selection
    console.print(f"[bold]{result.population_summary['rows']:,}[/] files, "
                  f"[bold]{s.n_selected:,}[/] selected ({s.share:.2%}); {_policy_words(result)}",
                  highlight=False)
    level = float(result.config.get("confidence", 0.95)) * 100
    table = Table(title="Selection rate by group, against the reference group")
    for col in ["attribute", "group", "reference", "rate", "ref. rate", "ratio",
                f"{level:.{_pct_decimals(level)}f}% interval", "p adj.", "note"]:
        table.add_column(col)
    d = result.disparities
    for row in d.itertuples(index=False):
        if "×" in row.attribute:
            continue
        notes = []
        if row.small_cell:
            notes.append("small cell")
        if getattr(row, "note", ""):
            notes.append(str(row.note))
        dec = _ratio_decimals(row.ratio, row.ratio_low, row.ratio_high)
        low, high = fmt_ratio_cli(row.ratio_low, dec), fmt_ratio_cli(row.ratio_high, dec)
        interval = "–" if low == high == "–" else f"{low} – {high}".replace(
            "∞ (reference: none selected)", "∞")
        table.add_row(row.attribute, str(row.group), str(row.reference),
                      f"{row.selection_rate:.2%}", f"{row.reference_rate:.2%}",
                      fmt_ratio_cli(row.ratio, dec), interval, fmt_p_cli(row.p_adjusted),
                      "; ".join(notes))
    console.print(table)
    inter = d[d["attribute"].str.contains("×", regex=False)]
    if len(inter):
        console.print(f"{len(inter)} intersectional comparisons: see the report or "
                      "result.disparities.")
    for w in result.warnings or []:  # data-quality warnings are never silent
        err_console.print(f"[yellow]Warning:[/] {w}", highlight=False)


@model_app.command("check")
def model_check_cmd(
    spec: str = typer.Argument(..., help="Spec (.yaml/.yml/.json), model file or shipped name."),
    trust: list[str] = typer.Option([], "--trust", help="Type a .skops file may hold (repeatable)."),
    trust_pickle: bool = typer.Option(False, "--trust-pickle",
                                      help="Allow .pkl/.joblib models (runs code in the file!)."),
) -> None:
    """Validate a model spec and print a summary of its terms (exit code 2 if invalid).

    Example: scoreaudit model check c2sg-reconstruction
    """
    from .models.check import model_check

    model_check(spec, trusted=trust or None, allow_pickle=trust_pickle, console=console,
                raise_errors=True)


app.command("power")(power_cli)  # scoreaudit power: sample size and detectable disparity
app.command("controls")(controls_cli)  # scoreaudit controls LOG.csv: audit from a control log
app.command("counts")(counts_cli)  # scoreaudit counts TABLE.csv: audit from confusion matrices
app.command("funnel")(funnel_cli)  # scoreaudit funnel TABLE.csv: a control process stage by stage


@app.command()
def synth(
    n: int = typer.Option(100_000, "--n", help="Number of households."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, byte-identical file)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .parquet or .csv."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    scenario: str = typer.Option("baseline", "--scenario",
                                 help="baseline, neutral or planted (adds a 'score' column "
                                      "with a known gender disparity)."),
) -> None:
    """Generate a synthetic C2SG population, calibrated on public figures, with ground truth.

    Example: scoreaudit synth --n 100000 --seed 0 --out data/synthetic/c2sg_100k.parquet
    """
    from .synthetic.cli import synth as run_synth

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
        err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
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


def _entry() -> None:  # pragma: no cover
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
