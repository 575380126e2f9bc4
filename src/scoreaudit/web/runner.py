"""What a job does: the same steps as ``scoreaudit audit`` / ``controls`` / ``counts``.

The options go through the CLI's own parsers (:func:`scoreaudit.cli.parse_budget`,
:func:`~scoreaudit.cli.parse_bands`, :func:`~scoreaudit.cli.resolve_model`,
:func:`scoreaudit.cli.audit.merge_options`), the data through
:func:`scoreaudit.data.io.read_data` (and openpyxl for .xlsx), and the report is written by
:func:`scoreaudit.report.write_report`, exactly as the command line does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoreaudit.web.jobs import Job
from scoreaudit.web.uploads import read_table

__all__ = [
    "render_report",
    "run_audit_job",
    "run_controls_job",
    "run_counts_job",
    "run_funnel_job",
]


def _report_dir(job: Job, lang: str) -> Path:
    return job.directory / f"report-{lang}"


_STEPS = {"audit": "step_audit", "audit_engine": "step_audit", "explain": "step_explain"}


def _set_step(job: Job, name: str) -> None:
    job.step = _STEPS[name]


def render_report(job: Job, lang: str) -> Path:
    """Write the report of a finished job in ``lang`` (once) and return its folder."""
    from scoreaudit.report import write_report

    if lang in job.reports:
        return job.reports[lang]
    out = _report_dir(job, lang)
    args = dict(job.write_args)
    if job.kind == "funnel":
        from scoreaudit.report.funnel_report import write_funnel_report

        extra = job.manifest_extra or None
        write_funnel_report(job.result, out, lang=lang, manifest_extra=extra, **args)
        job.reports[lang] = out
        return out
    write_report(job.result, out, lang=lang, manifest_extra=job.manifest_extra or None, **args)
    job.reports[lang] = out
    return out


def run_audit_job(job: Job, *, data_path: Path, options: dict[str, Any], lang: str) -> None:
    """Audit a model on the uploaded data (the steps of ``scoreaudit audit``)."""
    from scoreaudit.options import merge_options, recorded_options, run_audit_from_options
    from scoreaudit.report import FORMATS

    def load() -> Any:
        job.step = "step_read"
        return read_table(data_path)

    opts = merge_options(options)
    result = run_audit_from_options(opts, load, step=lambda name: _set_step(job, name))
    model_path, recorded = recorded_options(opts)
    recorded["data"] = data_path.name
    job.result = result
    job.write_args = {
        "formats": FORMATS,
        "min_cell": int(opts["min_cell"]),
        "data_path": data_path,
        "model_path": model_path,
        "config": recorded,
    }
    job.step = "step_report"
    render_report(job, lang)


def _finish_aggregate(job: Job, data_path: Path, lang: str) -> None:
    job.write_args = {"formats": ("html", "md", "json", "csv"), "data_path": data_path}
    job.step = "step_report"
    render_report(job, lang)


def run_controls_job(job: Job, *, data_path: Path, options: dict[str, Any], lang: str) -> None:
    """Audit from a control log (the steps of ``scoreaudit controls``)."""
    from scoreaudit.engines.controls import ControlLog, audit_controls
    from scoreaudit.options import parse_bands

    job.step = "step_read"
    frame = read_table(data_path)
    log = ControlLog(
        frame,
        protected=options["protected"],
        selected_by=options["selected_by"],
        random_value=options["random_value"],
        outcome=options["outcome"],
        positive=options["positive"],
        negative=options.get("negative") or None,
        population_size=options.get("population_size"),
        bands=parse_bands([f"{k}={v}" for k, v in options["bands"].items()]),
    )
    job.step = "step_audit"
    job.result = audit_controls(
        log,
        reference=options["reference"] or None,
        intersections=options["intersections"],
        min_cell=options["min_cell"],
    )
    _finish_aggregate(job, data_path, lang)


def run_counts_job(job: Job, *, data_path: Path, options: dict[str, Any], lang: str) -> None:
    """Audit from a published count table (the steps of ``scoreaudit counts``)."""
    import warnings

    from scoreaudit.engines.counts import audit_counts
    from scoreaudit.options import COUNT_COLUMNS

    job.step = "step_read"
    frame = read_table(data_path)
    job.step = "step_audit"
    cols = {k: options.get(k) or None for k in COUNT_COLUMNS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # shown in the report from result.warnings
        job.result = audit_counts(
            frame,
            options["group"],
            percent=not options["fractions"],
            reference=options["reference"] or None,
            intersections=options["intersections"],
            min_cell=options["min_cell"],
            **cols,
        )
    _finish_aggregate(job, data_path, lang)


def run_funnel_job(job: Job, *, data_path: Path, options: dict[str, Any], lang: str) -> None:
    """Audit a control process stage by stage (the steps of ``scoreaudit funnel``).

    A wide table (one row per stage, one column of counts per group) is first turned into
    the long format by :func:`scoreaudit.engines.funnel.funnel_long`.
    """
    from scoreaudit.engines.funnel import funnel_long
    from scoreaudit.options import run_funnel

    job.step = "step_read"
    frame = read_table(data_path)
    group, count = options["group"], options["count"]
    if options["layout"] == "wide":
        keep = [options["stratum"]] if options["stratum"] else []
        name = options["group_name"]
        count = next(c for c in ("n", "count", "_n") if c not in (options["stage"], name, *keep))
        frame = funnel_long(
            frame, options["stage"], group=name, count=count, groups=group, keep=keep
        )
        group = [name]
    job.step = "step_audit"
    job.result = run_funnel(
        frame,
        group=group,
        stage=options["stage"],
        count=count,
        steps=options["steps"],
        stratum=options["stratum"],
        reference=options["reference"],
        rounding=options["rounding"],
        confidence=options["confidence"],
        min_cell=options["min_cell"],
    )
    recorded = {k: v for k, v in options.items() if k != "steps"}
    recorded["steps"] = [list(s) for s in options["steps"]]
    recorded["data"] = data_path.name
    job.write_args = {"min_cell": options["min_cell"], "data_path": data_path, "config": recorded}
    job.step = "step_report"
    render_report(job, lang)
