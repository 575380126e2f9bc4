"""The ``scoreaudit audit`` command's work: options and --config merged, audit, report written.

:mod:`scoreaudit.cli` declares the options (typer) and calls :func:`run_audit_command`; the
logic lives here so that the shared CLI file stays small.

Precedence of settings: built-in defaults < the ``--config`` YAML file < options given on the
command line. Relative paths in a config file are relative to the config file's directory.
``force`` and ``trust_pickle`` are refused in a config file: replacing a report and running
code from a model file must be asked for on the command line.

A config file may come from someone else (:func:`check_config_safety`): it cannot lower the
protection of small groups (``min-cell`` below the default, or any other suppression option
changed) nor make the tool read or write outside the current directory (``data``, ``out``
and a model file, resolved with symbolic links); the same setting given on the command line
is accepted, since the user then asked for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scoreaudit.cli.i18n import set_lang, tr
from scoreaudit.errors import Num, Part, ScoreAuditError
from scoreaudit.options import CONFIG_KEYS, DEFAULTS, merge_options

__all__ = [
    "CONFIG_KEYS",
    "DEFAULTS",
    "ConfigError",
    "check_config_safety",
    "load_config",
    "merge_options",
    "run_audit_command",
]

_CLI_ONLY = ("force", "trust_pickle", "config", "debug")
#: Options not part of the analysis (left out of the manifest, so that reruns compare equal).


class ConfigError(ScoreAuditError):
    """A ``--config`` file is unreadable, malformed, or asks for what only a user may type."""


#: Deepest nesting an options file needs is 3 (``bands: {age: [25, 35]}``).
MAX_CONFIG_DEPTH = 10
#: Options naming files, which a config file may only point inside the working directory.
_PATH_KEYS = ("data", "out", "model")
#: Words of option names that govern publication protection: a config file cannot change them.
_PROTECTION_WORDS = ("suppress", "synthetic", "unsafe", "min_", "publish")


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
        raise ConfigError.from_key("err_config_missing", file=str(path))
    if path.stat().st_size > 1_000_000:  # an options file is a few lines
        raise ConfigError.from_key("err_config_large", file=str(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        _check_config_size(raw, path)
    except RecursionError:  # the YAML composer recurses once per nesting level
        raise ConfigError.from_key(
            "err_config_too_deep", file=str(path), depth=MAX_CONFIG_DEPTH
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError.from_key("err_config_yaml", file=str(path), why=exc) from None
    except UnicodeDecodeError:
        raise ConfigError.from_key("err_config_utf8", file=str(path)) from None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError.from_key("err_config_mapping", file=str(path), type=type(raw).__name__)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        k = str(key).strip().replace("-", "_")
        if k in _CLI_ONLY:
            raise ConfigError.from_key(
                "err_config_cli_only", file=str(path), key=key, option=k.replace("_", "-")
            )
        if k not in DEFAULTS:
            raise ConfigError.from_key(
                "err_config_unknown_key", file=str(path), key=key, allowed=", ".join(CONFIG_KEYS)
            )
        out[k] = value
    base = path.parent
    for k in ("data", "out", "labels"):
        if out.get(k) is not None and not Path(str(out[k])).is_absolute():
            out[k] = str(base / str(out[k]))
    if out.get("model") is not None:
        candidate = base / str(out["model"])
        if not Path(str(out["model"])).is_absolute() and candidate.exists():
            out["model"] = str(candidate)
    return out


def _check_config_size(raw: Any, path: Path, limit: int = 10_000) -> None:
    """Refuse YAML aliases that expand to a huge structure ("billion laughs"), deep nesting."""
    count, stack = 0, [(raw, 0)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > limit:
            raise ConfigError.from_key("err_config_aliases", file=str(path), limit=Num(limit, ","))
        if depth > MAX_CONFIG_DEPTH:
            raise ConfigError.from_key(
                "err_config_too_deep", file=str(path), depth=MAX_CONFIG_DEPTH
            )
        if isinstance(item, Mapping):
            stack.extend((k, depth + 1) for k in item.keys())
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, depth + 1) for v in item)


def check_config_safety(
    config: Mapping[str, Any],
    cli: Mapping[str, Any],
    config_path: str | Path,
    cwd: str | Path | None = None,
) -> None:
    """Refuse what a config file alone may not do: lower protection, reach outside ``cwd``.

    A setting also given on the command line (``cli`` value not None) is not checked: the
    command line wins, and the user typed it. Otherwise:

    * ``min_cell`` must be a whole number at least the default (11);
    * any other option about suppression or publication (name containing ``suppress``,
      ``synthetic``, ``unsafe``, ``min_`` or ``publish``) must keep its default;
    * ``data``, ``out`` and a model given as a file must resolve (symbolic links followed)
      inside the working directory.

    Raises
    ------
    ScoreAuditError
        Naming the config file, the option, its value, and the command-line option to give
        instead.

    Examples
    --------
    >>> check_config_safety({"min_cell": 0}, {"min_cell": None}, "audit.yaml")
    Traceback (most recent call last):
    ...
    scoreaudit.cli.audit.ConfigError: ...
    >>> check_config_safety({"min_cell": 0}, {"min_cell": 0}, "audit.yaml")  # typed: accepted
    """
    where = Part("err_config_file", file=str(config_path))
    given = {k for k, v in cli.items() if v is not None}
    for key, value in config.items():
        if key in given:
            continue
        flag = f"--{key.replace('_', '-')}"
        if key == "min_cell":
            _check_min_cell(value, where)
        elif any(word in key for word in _PROTECTION_WORDS) and value != DEFAULTS.get(key):
            raise ConfigError.from_key(
                "err_config_protection", where=where, key=key, value=value, flag=flag
            )
        elif key in _PATH_KEYS and value is not None:
            _check_inside(key, str(value), where, Path(cwd) if cwd else Path.cwd())


def _check_min_cell(value: Any, where: Part) -> None:
    default = int(DEFAULTS["min_cell"])
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError.from_key(
            "err_config_min_cell_type", where=where, default=default, value=value
        )
    if value < default:
        raise ConfigError.from_key(
            "err_config_min_cell_low", where=where, value=value, default=default
        )


def _check_inside(key: str, value: str, where: Part, cwd: Path) -> None:
    path = Path(value)
    if key == "model" and not (path.is_file() or path.is_symlink()):
        return  # a shipped model name, not a file
    root = cwd.resolve()
    resolved = path.resolve()
    if resolved != root and resolved.is_relative_to(root):
        return
    raise ConfigError.from_key(
        "err_config_outside",
        where=where,
        key=key,
        value=value,
        root=str(root),
        resolved="" if str(resolved) == value else Part("err_config_resolves", path=str(resolved)),
    )


@contextlib.contextmanager
def _progress(console: Any) -> Iterator[Any]:
    """A spinner line per step, and a bar per long engine scan (rows done of rows in all)."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from scoreaudit.core.progress import listening

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=False) as progress:
        state: dict[str, Any] = {"task": None}
        scans: dict[str, Any] = {}

        def step(description: str) -> None:
            if state["task"] is not None:
                progress.update(state["task"], completed=1, total=1)
            state["task"] = progress.add_task(description, total=None)

        def scan(name: str, done: int, total: int | None) -> None:
            if name not in scans:
                scans[name] = progress.add_task(tr(f"cli_scan_{name}"), total=total)
            progress.update(scans[name], completed=done, total=total)

        try:
            with listening(scan):
                yield step
        except BaseException:
            # the step that failed leaves no spinner line above the error message
            if state["task"] is not None:
                progress.remove_task(state["task"])
                state["task"] = None
            raise
        if state["task"] is not None:
            progress.update(state["task"], completed=1, total=1)


#: Steps of the audit and of the report writer that have a progress line (``cli_step_<name>``).
_STEPS = ("audit", "audit_engine", "explain", "suppress", "figures", "json", "csv", "html")
_STEPS += ("markdown",)


def _step_text(name: str) -> str:
    """The progress line of a step in the terminal language (an unknown step: its name).

    Examples
    --------
    >>> _step_text("figures"), _step_text("other")
    ('Drawing figures', 'other')
    """
    return tr(f"cli_step_{name}") if name in _STEPS else name


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
            return tr("cli_open_hint", path=out / name)
    return ""


#: A column only synthetic files carry (the planted irregularity probability of
#: ``scoreaudit synth``): data with it may be published unsuppressed on request.
SYNTHETIC_MARKER = "irregular_probability"


def is_synthetic_frame(frame: Any) -> bool:
    """Whether a data frame was written by ``scoreaudit synth`` (it has the planted column)."""
    return SYNTHETIC_MARKER in getattr(frame, "columns", ())


def check_synthetic(frame: Any, data: Any, unsuppressed: bool) -> None:
    """Refuse ``--publish-synthetic-unsuppressed`` unless ``frame`` is scoreaudit's synthetic data.

    Data left in an engine (``frame`` None) cannot be checked, so they are refused too.
    """
    if unsuppressed and (frame is None or not is_synthetic_frame(frame)):
        raise ScoreAuditError(tr("cli_err_not_synthetic", data=data, marker=SYNTHETIC_MARKER))


def check_min_cell(min_cell: Any, allow_small_cells: bool) -> None:
    """Refuse a publication threshold below the default without ``--allow-small-cells``.

    Examples
    --------
    >>> check_min_cell(11, False)
    >>> check_min_cell(5, True)
    """
    value = int(min_cell)
    if value < 0:
        raise ScoreAuditError(tr("cli_err_min_cell_negative", value=value))
    if value < DEFAULTS["min_cell"] and not allow_small_cells:
        raise ScoreAuditError(tr("cli_err_min_cell_low", value=value, default=DEFAULTS["min_cell"]))


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
    from scoreaudit.cli.terminal import print_result
    from scoreaudit.data.io import read_data
    from scoreaudit.data.sources import is_lazy
    from scoreaudit.options import recorded_options, run_audit_from_options
    from scoreaudit.report import FORMATS, write_report
    from scoreaudit.report.output import check_output_dir

    config = load_config(config_path) if config_path else {}
    if config_path:
        check_config_safety(config, cli_options, config_path)
    opts = merge_options(cli_options, config)
    opts["lang"] = set_lang(opts["lang"])
    if opts["data"] is None:
        raise ScoreAuditError(tr("cli_err_give_data"))
    formats = tuple(f.strip() for f in str(opts["formats"]).split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ScoreAuditError(tr("cli_err_formats", bad=", ".join(bad), choices=", ".join(FORMATS)))
    out = opts["out"]
    check_min_cell(opts["min_cell"], allow_small_cells)
    if out is not None:
        check_output_dir(out, force)  # refuse early, before any work
    engine = opts["engine"]

    def load() -> Any:
        if engine not in (None, "duckdb", "spark"):
            raise ScoreAuditError(tr("cli_err_engine", engine=repr(engine)))
        if is_lazy(str(opts["data"]), engine):  # the rows stay in the engine
            check_synthetic(None, opts["data"], unsuppressed)
            step(tr("cli_step_describe", data=opts["data"], engine=engine or "duckdb"))
            return str(opts["data"])
        step(tr("cli_step_read", name=Path(str(opts["data"])).name))
        frame = read_data(opts["data"])
        check_synthetic(frame, opts["data"], unsuppressed)
        return frame

    with _progress(err_console) as step:
        result = run_audit_from_options(
            opts,
            load,
            trust_pickle=trust_pickle,
            step=lambda name: step(_step_text(name)),
        )
        if out is not None:
            model_path, recorded = recorded_options(opts, trust_pickle)
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
                progress=lambda name: step(_step_text(name)),
                labels=opts["labels"],
                keep=keep,
                allow_unsuppressed=unsuppressed,
                synthetic=unsuppressed,
                n_jobs=-1,  # the figures are drawn by every CPU while the tables are written
            )
    from scoreaudit.gate.publish import publish
    from scoreaudit.present.labels import use_labels

    # the report's display names in the terminal too
    with use_labels(opts["labels"], model=getattr(result, "model", None)):
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
            tr(
                "cli_report_written",
                out=f"[bold]{out}[/]",
                formats=", ".join(formats),
                hint=_open_hint(Path(str(out)), formats),
            ),
            highlight=False,
        )
    else:
        console.print(tr("cli_add_out"))
    return result
