"""The ``scoreaudit audit`` command's work: options and --config merged, audit, report written.

:mod:`scoreaudit.cli` declares the options (typer) and calls :func:`run_audit_command`; the
logic lives here so that the shared CLI file stays small.

Precedence of settings: built-in defaults < the ``--config`` YAML file < options given on the
command line. Relative paths in a config file are relative to the config file's directory.
``force`` and ``trust_pickle`` are refused in a config file: replacing a report and running
code from a model file must be asked for on the command line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scoreaudit.errors import ScoreAuditError

__all__ = ["CONFIG_KEYS", "DEFAULTS", "load_config", "merge_options", "run_audit_command"]

DEFAULTS: dict[str, Any] = {
    "data": None,
    "model": None,
    "score_column": None,
    "protected": "gender,age_band,family_status",
    "bands": {},
    "budget": "5%",
    "reference": {},
    "intersections": True,
    "confidence": 0.95,
    "min_cell": 11,
    "label": None,
    "weight": None,
    "lang": "en",
    "out": None,
    "explain": False,
    "formats": "html,md,json,csv,figures",
}
#: Keys accepted in an ``audit.yaml`` file (dashes may be used for underscores).
CONFIG_KEYS = tuple(DEFAULTS)
_CLI_ONLY = ("force", "trust_pickle", "config", "debug")
#: Options not part of the analysis (left out of the manifest, so that reruns compare equal).
_NOT_RECORDED = ("out", "force", "config")


def load_config(path: str | Path) -> dict[str, Any]:
    """Read an ``audit.yaml`` file (safe YAML): a mapping of the audit options.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "audit.yaml"
    >>> _ = p.write_text("budget: 10%\\nreference: {gender: man}\\nmin-cell: 5\\n")
    >>> cfg = load_config(p)
    >>> cfg["budget"], cfg["reference"], cfg["min_cell"]
    ('10%', {'gender': 'man'}, 5)
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ScoreAuditError(f"Config file {str(path)!r} does not exist or is not a file.")
    if path.stat().st_size > 1_000_000:  # an options file is a few lines
        raise ScoreAuditError(
            f"Config file {str(path)!r} is larger than 1 MB: is it the right file?"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        _check_config_size(raw, path)
    except yaml.YAMLError as exc:
        raise ScoreAuditError(f"Config file {str(path)!r} is not valid YAML: {exc}") from None
    except UnicodeDecodeError:
        raise ScoreAuditError(f"Config file {str(path)!r} is not UTF-8 text.") from None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ScoreAuditError(
            f"Config file {str(path)!r} must be a mapping of options "
            f"(key: value lines), not {type(raw).__name__}."
        )
    out: dict[str, Any] = {}
    for key, value in raw.items():
        k = str(key).strip().replace("-", "_")
        if k in _CLI_ONLY:
            raise ScoreAuditError(
                f"Config file {str(path)!r}: {key!r} can only be given on the command line "
                f"(--{k.replace('_', '-')})."
            )
        if k not in DEFAULTS:
            raise ScoreAuditError(
                f"Config file {str(path)!r}: unknown key {key!r}. Allowed keys: "
                f"{', '.join(CONFIG_KEYS)}."
            )
        out[k] = value
    base = path.parent
    for k in ("data", "out"):
        if out.get(k) is not None and not Path(str(out[k])).is_absolute():
            out[k] = str(base / str(out[k]))
    if out.get("model") is not None:
        candidate = base / str(out["model"])
        if not Path(str(out["model"])).is_absolute() and candidate.exists():
            out["model"] = str(candidate)
    return out


def _check_config_size(raw: Any, path: Path, limit: int = 10_000) -> None:
    """Refuse YAML aliases that expand to a huge structure ("billion laughs")."""
    count, stack = 0, [raw]
    while stack:
        item = stack.pop()
        count += 1
        if count > limit:
            raise ScoreAuditError(
                f"Config file {str(path)!r} expands to more than {limit:,} values (YAML aliases "
                "repeating aliases?); refused. Write the options without nested aliases."
            )
        if isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def _as_list_text(value: Any, what: str) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    raise ScoreAuditError(f"{what} must be a mapping like {{gender: man}}, not {value!r}.")


def merge_options(
    cli: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Defaults, then the config file, then options given on the command line (not None).

    Examples
    --------
    >>> merge_options({"budget": None, "lang": "fr"}, {"budget": "10%"})["budget"]
    '10%'
    """
    merged = dict(DEFAULTS)
    merged.update({k: v for k, v in (config or {}).items() if v is not None})
    for k, v in cli.items():
        if v is None or (isinstance(v, (list, tuple, dict)) and not v and k in merged):
            continue
        merged[k] = v
    merged["protected"] = _as_list_text(merged["protected"], "protected")
    merged["formats"] = _as_list_text(merged["formats"], "formats")
    merged["reference"] = {
        str(k): str(v) for k, v in _mapping(merged["reference"], "reference").items()
    }
    bands = _mapping(merged["bands"], "bands")
    merged["bands"] = {str(k): (_as_list_text(v, "bands")) for k, v in bands.items()}
    if merged["budget"] is not None:
        merged["budget"] = str(merged["budget"])
    return merged


@contextlib.contextmanager
def _progress(console: Any) -> Iterator[Any]:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        state: dict[str, Any] = {"task": None}

        def step(description: str) -> None:
            if state["task"] is not None:
                progress.update(state["task"], completed=1, total=1)
            state["task"] = progress.add_task(description, total=None)

        try:
            yield step
        except BaseException:
            # the step that failed leaves no spinner line above the error message
            if state["task"] is not None:
                progress.remove_task(state["task"])
                state["task"] = None
            raise
        if state["task"] is not None:
            progress.update(state["task"], completed=1, total=1)


_STEP_TEXT = {
    "suppress": "Suppressing small cells",
    "figures": "Drawing figures",
    "json": "Writing results.json",
    "csv": "Writing tables",
    "html": "Writing report.html",
    "markdown": "Writing report.md",
}


#: What to open first, by format, and the file it wrote.
_OPEN = (
    ("html", "report.html"),
    ("md", "report.md"),
    ("json", "results.json"),
    ("csv", "tables"),
    ("figures", "figures"),
)


def _open_hint(out: Path, formats: tuple[str, ...]) -> str:
    """ "; open <file>" for the first format written (in the order html, md, json, csv, figures).

    Examples
    --------
    >>> _open_hint(Path("r"), ("md", "json"))
    '; open r/report.md'
    >>> _open_hint(Path("r"), ())
    ''
    """
    for fmt, name in _OPEN:
        if fmt in formats:
            return f"; open {out / name}"
    return ""


#: A column only synthetic files carry (the planted irregularity probability of
#: ``scoreaudit synth``): data with it may be published unsuppressed on request.
SYNTHETIC_MARKER = "irregular_probability"


def is_synthetic_frame(frame: Any) -> bool:
    """Whether a data frame was written by ``scoreaudit synth`` (it has the planted column)."""
    return SYNTHETIC_MARKER in getattr(frame, "columns", ())


def check_min_cell(min_cell: Any, allow_small_cells: bool) -> None:
    """Refuse a publication threshold below the default without ``--allow-small-cells``.

    Examples
    --------
    >>> check_min_cell(11, False)
    >>> check_min_cell(5, True)
    """
    value = int(min_cell)
    if value < 0:
        raise ScoreAuditError(f"--min-cell must be >= 0, not {value}.")
    if value < DEFAULTS["min_cell"] and not allow_small_cells:
        raise ScoreAuditError(
            f"min-cell {value} is below the default {DEFAULTS['min_cell']}: smaller counts "
            "would be published. Add --allow-small-cells on the command line to confirm (a "
            "--config file alone cannot lower protection)."
        )


def run_audit_command(
    cli_options: Mapping[str, Any],
    *,
    console: Any,
    err_console: Any,
    force: bool = False,
    trust_pickle: bool = False,
    config_path: str | Path | None = None,
    allow_small_cells: bool = False,
    keep: tuple[str, ...] = (),
    unsuppressed: bool = False,
) -> Any:
    """Run ``scoreaudit audit``: returns the AuditResult (the report is written when --out)."""
    from scoreaudit.cli.options import parse_bands, parse_budget, resolve_model
    from scoreaudit.cli.terminal import print_result
    from scoreaudit.data.io import read_data
    from scoreaudit.data.population import Population
    from scoreaudit.engines.memory import audit as run_audit
    from scoreaudit.present.catalogue import check_lang
    from scoreaudit.report import FORMATS, write_report
    from scoreaudit.report.output import check_output_dir

    config = load_config(config_path) if config_path else {}
    opts = merge_options(cli_options, config)
    if opts["data"] is None:
        raise ScoreAuditError(
            "Give the data file: --data FILE (CSV or Parquet), or 'data:' in the --config file."
        )
    check_lang(str(opts["lang"]))
    formats = tuple(f.strip() for f in str(opts["formats"]).split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ScoreAuditError(
            f"Unknown output format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}."
        )
    out = opts["out"]
    check_min_cell(opts["min_cell"], allow_small_cells)
    if out is not None:
        check_output_dir(out, force)  # refuse early, before any work
    budget = parse_budget(opts["budget"])
    bands = parse_bands([f"{k}={v}" for k, v in opts["bands"].items()])
    protected = [p.strip() for p in opts["protected"].split(",") if p.strip()]
    scorer = resolve_model(opts["model"], opts["score_column"], trust_pickle)

    with _progress(err_console) as step:
        step(f"Reading {Path(str(opts['data'])).name}")
        frame = read_data(opts["data"])
        if unsuppressed and not is_synthetic_frame(frame):
            raise ScoreAuditError(
                f"--publish-synthetic-unsuppressed: {opts['data']} is not synthetic data "
                f"(no '{SYNTHETIC_MARKER}' column, which only scoreaudit synth writes); real "
                "data are always published with small-cell suppression."
            )
        pop = Population(
            frame, protected=protected, label=opts["label"], weight=opts["weight"], bands=bands
        )
        step("Scoring and auditing")
        result = run_audit(
            pop,
            scorer,
            budget,
            reference=opts["reference"] or None,
            intersections=bool(opts["intersections"]),
            confidence=float(opts["confidence"]),
            min_cell=int(opts["min_cell"]),
        )
        if opts["explain"]:
            step("Explaining the disparities")
            if hasattr(result, "explain"):
                explanation = result.explain()
            else:
                from scoreaudit.explain import explain

                explanation = explain(result)
            if getattr(result, "explanation", None) is None:
                result.explanation = explanation
        if out is not None:
            model_path = (
                opts["model"] if opts["model"] and Path(str(opts["model"])).is_file() else None
            )
            recorded = {k: v for k, v in opts.items() if k not in _NOT_RECORDED}
            recorded["trust_pickle"] = bool(trust_pickle)
            write_report(
                result,
                out,
                lang=str(opts["lang"]),
                formats=formats,
                force=force,
                min_cell=int(opts["min_cell"]),
                data_path=opts["data"],
                model_path=model_path,
                config=recorded,
                progress=lambda name: step(_STEP_TEXT.get(name, name)),
                keep=keep,
                allow_unsuppressed=unsuppressed,
                synthetic=unsuppressed,
            )
    from scoreaudit.present.publish import publish

    print_result(
        publish(
            result,
            int(opts["min_cell"]),
            keep=keep,
            allow_unsuppressed=unsuppressed,
            synthetic=unsuppressed,
        ).result
    )
    if out is not None:
        console.print(
            f"Report written to [bold]{out}[/] ({', '.join(formats)})"
            f"{_open_hint(Path(str(out)), formats)}",
            highlight=False,
        )
    else:
        console.print("Add --out DIR to write the report (HTML, Markdown, JSON, tables, figures).")
    return result
