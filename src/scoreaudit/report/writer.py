"""Writing the report files (HTML, Markdown, results.json, CSV tables, figures).

The package docstring of :mod:`scoreaudit.report` describes the report and has the example.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import SEP
from scoreaudit.errors import ScoreAuditError
from scoreaudit.gate.publish import Suppression, publish, publish_staged
from scoreaudit.present.catalogue import (
    attribute_label,
    check_lang,
    fmt_int,
    fmt_level,
    fmt_pct,
    fmt_ratio_ci,
    group_label,
    kv_sep,
    t,
    words_and,
)
from scoreaudit.present.explanation import explanation_notes, explanation_sentences
from scoreaudit.present.findings import Finding, findings
from scoreaudit.present.labels import use_labels
from scoreaudit.report import context as C
from scoreaudit.report._common import page_head, suppression_lines
from scoreaudit.report._figures import (
    FigureOut,
    FigureWorkers,
    _single_attributes,
    _slug,
    make_figures,
)
from scoreaudit.report._figures import (
    labelled_copy as labelled_copy,
)
from scoreaudit.report._forked import Later, check_n_jobs
from scoreaudit.report._page import FORMATS, Page, check_formats, write_files
from scoreaudit.report._page import is_synthetic as _is_synthetic
from scoreaudit.report.aggregate_report import AGGREGATE_KINDS, AGGREGATE_PAGE
from scoreaudit.report.funnel_report import FUNNEL_PAGE
from scoreaudit.report.manifest import build_manifest
from scoreaudit.report.output import atomic_output_dir, write_csv
from scoreaudit.report.render import load_templates, render_page

#: Kinds of results :func:`write_report` renders: the core audit, control logs, counts.
SUPPORTED_KINDS = ("audit", "controls", "counts")
#: The pages of the other kinds of results (the funnel's is reached here too).
_PAGES: dict[str, Page] = {
    "controls": AGGREGATE_PAGE,
    "counts": AGGREGATE_PAGE,
    "funnel": FUNNEL_PAGE,
}


# ------------------------------------------------------------------------------------------
# The view model
# ------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    published: Any
    suppression: Suppression
    findings: list[Finding]
    manifest: dict[str, Any]
    lang: str
    figures: list[FigureOut] = field(default_factory=list)
    tables: dict[str, Any] | None = None  # the pages' context without the figures, built once


def _prepare(
    result: Any,
    lang: str,
    *,
    min_cell: int | None = None,
    manifest: Mapping[str, Any] | None = None,
    figures: list[FigureOut] | None = None,
    gate: Mapping[str, Any] | None = None,
) -> _Prepared:
    lang = check_lang(lang)
    _check_unpublished(result)
    published, info = publish(result, min_cell, **dict(gate or {}))
    found = findings(published, lang)
    man = dict(manifest) if manifest is not None else build_manifest(result)
    return _Prepared(published, info, found, man, lang, list(figures or []))


def _check_unpublished(result: Any) -> None:
    """A report is made from the audit itself: a published copy would pass the gate twice."""
    if "suppressed" in result.groups.columns:
        raise ScoreAuditError.from_key("err_report_published_copy")


def _context(p: _Prepared) -> dict[str, Any]:
    """What the report's pages show: the tables and texts (built once), and the figures."""
    figs = {f.name: f for f in p.figures}
    return {
        **_page_tables(p),
        "figures": figs,
        "ecdf_figures": [n for n in figs if n.startswith("score_ecdf_")],
        "heatmap_figures": [n for n in figs if n.startswith("intersection_heatmap_")],
        "figures_unavailable": not p.figures,
    }


def _page_tables(p: _Prepared) -> dict[str, Any]:
    if p.tables is None:
        p.tables = _tables_context(p)
    return p.tables


def _tables_context(p: _Prepared) -> dict[str, Any]:
    lang, pub = p.lang, p.published
    marker = t("suppression_marker", lang)
    singles = _single_attributes(pub)
    inters = [a for a in dict.fromkeys(pub.groups["attribute"].astype(str)) if SEP in a]
    summary = pub.population_summary
    sel = pub.selection
    attributes = ", ".join(attribute_label(a, lang) for a in singles)
    subtitle = t(
        "subtitle", lang, attributes=words_and([attribute_label(a, lang) for a in singles], lang)
    )
    population_notes = [
        t(
            "pop_intro",
            lang,
            rows=fmt_int(summary["rows"], lang),
            k=len(singles),
            attributes=attributes,
        )
    ]
    if summary.get("label"):
        population_notes.append(
            t(
                "pop_labels",
                lang,
                labelled=fmt_int(summary.get("labelled_rows"), lang),
                label=summary["label"],
            )
        )
    if summary.get("weight"):
        population_notes.append(
            t(
                "pop_weights",
                lang,
                weight=summary["weight"],
                total=C.fmt_number(summary.get("total_weight"), lang, 1),
            )
        )
    if summary.get("bands"):
        population_notes.append(
            t(
                "pop_bands",
                lang,
                bands="; ".join(
                    f"{k}: {', '.join(C.fmt_number(x, lang, 0) for x in v)}"
                    for k, v in summary["bands"].items()
                ),
            )
        )
    s_info = p.suppression
    n_rows_sup = s_info.rows.get("groups", 0) + s_info.rows.get("disparities", 0)
    suppression = suppression_lines(
        s_info, n_rows_sup, marker, lang, hidden=bool(n_rows_sup or s_info.rows.get("curve", 0))
    )
    warnings = C.warnings_context(pub, lang)
    synthetic = _is_synthetic(p.manifest)
    small = (
        int(pub.disparities["small_cell"].astype("boolean").fillna(False).astype(bool).sum())
        if "small_cell" in pub.disparities.columns
        else 0
    )
    explanation = getattr(pub, "explanation", None)
    expl_sentences, expl_summary = explanation_sentences(pub, lang)
    left_out = int(getattr(s_info, "curve_budgets_left_out", 0))
    curve_tables = [
        tb for tb in (C.curve_table(pub, a, lang, marker, bool(left_out)) for a in singles) if tb
    ]
    outcome_tables = [tb for tb in (C.outcomes_table(pub, a, lang, marker) for a in singles) if tb]
    title = t("title", lang, model=str(pub.model_info.get("name", "")))
    return {
        **page_head(lang, title, p.manifest, synthetic),
        "subtitle": subtitle,
        "intro": t(
            "findings_intro",
            lang,
            rows=fmt_int(summary["rows"], lang),
            selected=fmt_int(sel.n_selected, lang),
            share=fmt_pct(sel.share, lang),
        ),
        "findings": C.findings_context(p.findings),
        "population_notes": population_notes,
        "population_tables": [C.population_table(pub, a, lang, marker) for a in singles],
        "model": C.model_context(pub, lang),
        "policy": C.policy_context(pub, lang),
        "group_tables": [
            C.group_table(pub, a, lang, marker, f"groups-{_slug(a)}") for a in singles
        ],
        "intersection_tables": [
            C.group_table(pub, a, lang, marker, f"inter-{_slug(a)}") for a in inters
        ],
        "groups_legend": t(
            "groups_legend",
            lang,
            alpha=C.fmt_number(1 - float(pub.config.get("confidence", 0.95)), lang, 2),
            min_cell=pub.config.get("min_cell", 11),
        ),
        "curve_intro": t("curve_intro", lang, budget=C.budget_text(pub, lang))
        + (" " + t("curve_at_tie_edges", lang) if C.at_tie_edges(pub) else "")
        + (" " + t("curve_fewer_budgets", lang, n=C.curve_budgets(pub)) if left_out else ""),
        "curve_tables": curve_tables,
        "outcome_tables": outcome_tables,
        "label_column": str(summary.get("label") or ""),
        "explanation_tables": C.explanation_tables(explanation, lang),
        "explanation_notes": [] if explanation is None else explanation_notes(explanation, lang),
        "explanation_sentences": expl_sentences,
        "explanation_summary": expl_summary,
        "has_explanation": explanation is not None,
        "warnings": warnings,
        "small_comparisons": small,
        "suppression": suppression,
        "method": C.method_context(pub, lang, len(pub.disparities), synthetic=synthetic),
        "manifest_items": C.manifest_items(p.manifest, lang),
        "manifest_config": json.dumps(
            p.manifest.get("config", {}), indent=2, ensure_ascii=False, sort_keys=True, default=str
        ),
        "dependencies": sorted((p.manifest.get("dependencies") or {}).items()),
        "marker": marker,
    }


# ------------------------------------------------------------------------------------------
# Public renderers
# ------------------------------------------------------------------------------------------


def render_html(
    result: Any,
    lang: str | None = None,
    *,
    min_cell: int | None = None,
    manifest: Mapping[str, Any] | None = None,
    figures: bool = True,
    _prepared: _Prepared | None = None,
) -> str:
    """The self-contained HTML report (inline CSS, figures as data URIs, no script, no request).

    Parameters
    ----------
    result : AuditResult
    lang : {"en", "fr"}
    min_cell : int, optional
        Smallest published count (default: the audit's ``min_cell``).
    manifest : mapping, optional
        Reproducibility manifest (default: built from the result alone).
    figures : bool
        Draw and embed the figures.

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> f = pd.DataFrame({"g": ["<b>x</b>"] * 50 + ["y"] * 50, "s": np.arange(100.0)})
    >>> r = sa.audit(sa.Population(f, protected=["g"]), "s", sa.Budget(share=0.3),
    ...              threshold_free=False)
    >>> page = render_html(r, figures=False)
    >>> "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    True
    """
    with use_labels(None, model=getattr(result, "model", None)):  # the spec's names
        p = _prepared or _prepare(result, lang, min_cell=min_cell, manifest=manifest)
        if _prepared is None and figures:
            p.figures = make_figures(p.published, p.lang)
        return render_page("report.html.j2", _context(p))


def render_result_html(result: Any, lang: str | None = None, **options: Any) -> str:
    """The HTML report of any kind of result: :func:`render_html` for an audit, the page of
    its kind otherwise (``options`` are that renderer's keywords).

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> f = pd.DataFrame({"g": ["a", "b"] * 50, "s": np.arange(100.0)})
    >>> r = sa.audit(sa.Population(f, protected=["g"]), "s", sa.Budget(share=0.3),
    ...              threshold_free=False)
    >>> render_result_html(r, "en", figures=False) == render_html(r, "en", figures=False)
    True
    """
    page = _PAGES.get(getattr(result, "kind", "audit"))
    if page is None:
        return render_html(result, lang, **options)
    return page.renderer("html", "")(result, lang, **options)


def _summary_table(pub: Any, lang: str, marker: str) -> dict[str, Any]:
    """Single-attribute comparisons of the published result, ratio column first."""
    d = pub.disparities
    d = d[~d["attribute"].astype(str).str.contains(SEP, regex=False)]
    n_of = dict(
        zip(
            zip(pub.groups["attribute"].astype(str), pub.groups["group"].astype(str), strict=False),
            pub.groups["n"],
            strict=False,
        )
    )
    hidden = (
        d["suppressed"].astype("boolean").fillna(False).to_numpy(bool)
        if "suppressed" in d.columns
        else np.zeros(len(d), bool)
    )
    rows = []
    for r, sup in zip(d.itertuples(index=False), hidden, strict=True):
        attr = str(r.attribute)
        ratio, low, high = fmt_ratio_ci(r.ratio, r.ratio_low, r.ratio_high, lang)
        n = n_of.get((attr, str(r.group)))
        rows.append(
            {
                "ratio": marker if sup else f"{ratio} ({low} – {high})",
                "group": f"{attribute_label(attr, lang)}{kv_sep(lang)}{group_label(attr, str(r.group), lang)}",
                "reference": group_label(attr, str(r.reference), lang),
                "rate": marker if sup else fmt_pct(r.selection_rate, lang),
                "reference_rate": fmt_pct(r.reference_rate, lang),
                "n": marker if n is None or pd.isna(n) else fmt_int(int(n), lang),
                "suppressed": bool(sup),
            }
        )
    level = fmt_level(float(pub.config.get("confidence", 0.95)), lang)
    keys = ["group", "reference", "rate", "reference_rate", "n"]
    return {
        "headers": [t("summary_col_ratio", lang, level=level)]
        + [t(f"summary_col_{k}", lang) for k in keys],
        "rows": rows,
    }


def render_summary(
    result: Any, lang: str | None = None, *, _prepared: _Prepared | None = None
) -> str:
    """A one-page summary (HTML, A4 print layout) for a journalist or a committee: the
    findings, the main table with the ratio column first, and the method in four lines.

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> f = pd.DataFrame({"g": ["a"] * 500 + ["b"] * 500, "s": np.r_[np.arange(500.0), np.arange(500.0) * 2]})
    >>> r = sa.audit(sa.Population(f, protected=["g"]), "s", sa.Budget(share=0.2),
    ...              reference={"g": "a"}, threshold_free=False)
    >>> page = render_summary(r, "fr")
    >>> "La méthode en quatre lignes" in page and 'id="summary-table"' in page
    True
    """
    p = _prepared or _prepare(result, lang)
    ctx = _context(p)
    pub, lang = p.published, p.lang
    sel = pub.selection
    ctx["summary_table"] = _summary_table(pub, lang, ctx["marker"])
    ctx["summary_method"] = [
        t(
            "summary_method_1",
            lang,
            rows=fmt_int(pub.population_summary["rows"], lang),
            policy=C.budget_text(pub, lang),
        ),
        t(
            "summary_method_2",
            lang,
            level=fmt_level(float(pub.config.get("confidence", 0.95)), lang),
        ),
        t("summary_method_3", lang, m=fmt_int(len(pub.disparities), lang)),
        t("summary_method_4", lang, min_cell=pub.config.get("min_cell", 11)),
    ]
    del sel
    return render_page("summary.html.j2", ctx)


def render_markdown(
    result: Any,
    lang: str | None = None,
    *,
    min_cell: int | None = None,
    manifest: Mapping[str, Any] | None = None,
    _prepared: _Prepared | None = None,
) -> str:
    """The report as Markdown (same content as the HTML, figures referenced by file name).

    Examples
    --------
    >>> import pandas as pd, scoreaudit as sa
    >>> pop = sa.Population(pd.DataFrame({"g": ["a|b", "y"] * 50, "s": range(100)}), protected=["g"])
    >>> "a\\\\|b" in render_markdown(sa.audit(pop, "s", sa.Budget(share=0.3), threshold_free=False))
    True
    """
    with use_labels(None, model=getattr(result, "model", None)):  # the spec's names
        p = _prepared or _prepare(result, lang, min_cell=min_cell, manifest=manifest)
        return render_page("report.md.j2", _context(p))


def results_json(
    result: Any,
    manifest: Mapping[str, Any] | None = None,
    *,
    lang: str | None = None,
    min_cell: int | None = None,
    _prepared: _Prepared | None = None,
) -> dict[str, Any]:
    """Everything published, as one JSON-ready dict with a ``schema_version``.

    The audit's tables after small-cell suppression (suppressed numbers are ``null`` and rows
    carry ``"suppressed": true``), the headline findings with the numbers their sentences
    show, the suppression rule, the explanation tables (when computed) and the manifest.
    Deterministic: two runs differ only in ``manifest.time``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> f = pd.DataFrame({"g": ["x"] * 50 + ["y"] * 50, "s": np.arange(100.0)})
    >>> budget = sa.Budget(share=0.3)
    >>> d = results_json(sa.audit(sa.Population(f, protected=["g"]), "s", budget, threshold_free=False))
    >>> d["schema_version"], sorted(d)[:4]
    (2, ['calibration', 'config', 'curve', 'disparities'])
    """
    p = _prepared or _prepare(result, lang, min_cell=min_cell, manifest=manifest)
    from scoreaudit.results import json_safe

    out = p.published.to_dict()  # already JSON-safe: only the parts added here are cleaned
    extra = {
        "findings": [f.to_dict() for f in p.findings],
        "suppression": p.suppression.to_dict(),
        "explanation": C.explanation_records(getattr(p.published, "explanation", None)),
        "report": {"lang": p.lang, "figures": [f.name for f in p.figures if f.svg is not None]},
        "manifest": dict(p.manifest),
    }
    out.update(json_safe(extra))
    return out


def write_report(
    result: Any,
    out_dir: str | os.PathLike,
    *,
    lang: str | None = None,
    formats: Iterable[str] = FORMATS,
    force: bool = False,
    min_cell: int | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
    data_path: str | os.PathLike | None = None,
    model_path: str | os.PathLike | None = None,
    config: Mapping[str, Any] | None = None,
    progress: Any = None,
    labels: Any = None,
    keep: Iterable[str] = (),
    allow_unsuppressed: bool = False,
    synthetic: bool = False,
    n_jobs: int | None = None,
) -> Path:
    """Write the report files into ``out_dir``, all or nothing.

    Parameters
    ----------
    result : AuditResult, ControlAuditResult, CountsAuditResult or FunnelResult
        Any kind in :data:`SUPPORTED_KINDS`, or a funnel result (written by
        :func:`scoreaudit.report.funnel_report.write_funnel_report`); control-log and counts results get their own
        page (findings per measure, a table per measure, the estimator's assumptions) and no
        figures.
    out_dir : path
        Created; an existing directory is refused unless ``force`` (then replaced only once
        the new report is complete).
    lang : {"en", "fr"}
    formats : iterable of {"html", "md", "json", "csv", "figures", "png"}
        ``report.html`` (and ``summary.html``), ``report.md``, ``results.json``,
        ``tables/*.csv``, ``figures/*.svg``; ``png`` adds ``figures/*.png`` (150 dpi).
    force : bool
    min_cell : int, optional
        Smallest published count (default: the audit's ``min_cell``).
    manifest_extra : mapping, optional
        Recorded in the manifest under ``extra`` (e.g. ``{"synthetic": True}``).
    data_path, model_path : path, optional
        Files hashed into the manifest.
    config : mapping, optional
        The effective configuration recorded in the manifest.
    progress : callable, optional
        Called with a short step name before each step (used by the CLI).
    labels : path or mapping, optional
        Display names of attributes and groups per language (see
        :mod:`scoreaudit.present.labels`); tables and results.json keep the data's codes.
    keep, allow_unsuppressed, synthetic
        Passed to the publication gate :func:`scoreaudit.gate.publish.publish`: groups
        complements must not hide; publish synthetic data without suppression.
    n_jobs : int, optional
        Processes that draw the figures (None or 1: this one; -1: one per CPU). Above 1,
        forked processes draw them while this one writes the other files (Linux only;
        elsewhere this process draws them). The files are the same either way.

    Returns
    -------
    Path
        ``out_dir``.

    Examples
    --------
    >>> import pandas as pd, scoreaudit as sa, tempfile, pathlib
    >>> pop = sa.Population(pd.DataFrame({"g": ["x", "y"] * 50, "s": range(100)}), protected=["g"])
    >>> r = sa.audit(pop, "s", sa.Budget(share=0.3), threshold_free=False)
    >>> d = write_report(r, pathlib.Path(tempfile.mkdtemp()) / "r", formats=("csv",))
    >>> sorted(p.name for p in (d / "tables").iterdir())
    ['curve.csv', 'disparities.csv', 'groups.csv']
    """
    check_n_jobs(n_jobs)
    with use_labels(labels, model=getattr(result, "model", None)):
        return _write_report(
            result,
            out_dir,
            lang=lang,
            formats=formats,
            force=force,
            min_cell=min_cell,
            manifest_extra=manifest_extra,
            data_path=data_path,
            model_path=model_path,
            config=config,
            progress=progress,
            gate={
                "keep": tuple(keep),
                "allow_unsuppressed": allow_unsuppressed,
                "synthetic": synthetic,
            },
            n_jobs=n_jobs,
        )


def _write_report(
    result: Any,
    out_dir: str | os.PathLike,
    *,
    lang: str | None,
    formats: Iterable[str],
    force: bool,
    min_cell: int | None,
    manifest_extra: Mapping[str, Any] | None,
    data_path: str | os.PathLike | None,
    model_path: str | os.PathLike | None,
    config: Mapping[str, Any] | None,
    progress: Any,
    gate: Mapping[str, Any],
    n_jobs: int | None = None,
) -> Path:
    formats = check_formats(formats)
    lang = check_lang(lang)
    step = progress or (lambda _name: None)
    kind = getattr(result, "kind", "audit")
    page = _PAGES.get(kind)
    if page is None and kind not in SUPPORTED_KINDS:
        raise ScoreAuditError.from_key(
            "err_report_kind", kind=kind, supported=", ".join(SUPPORTED_KINDS)
        )
    seeds = (
        {"bootstrap": result.config["random_state"]}
        if kind in AGGREGATE_KINDS and "random_state" in (result.config or {})
        else None
    )
    manifest = partial(
        build_manifest,
        result,
        data_path=data_path,
        model_path=model_path,
        config=config,
        seeds=seeds,
        extra=manifest_extra,
    )
    if page is not None:
        return page.write_to(
            out_dir,
            result,
            manifest(),
            lang=lang,
            formats=formats,
            force=force,
            min_cell=min_cell,
            step=step,
        )
    with atomic_output_dir(out_dir, force=force) as tmp:
        _write_audit_files(result, tmp, lang, formats, manifest, min_cell, gate, step, n_jobs)
    return Path(out_dir)


def _write_audit_files(
    result: Any,
    tmp: Path,
    lang: str,
    formats: tuple[str, ...],
    manifest: Callable[[], Mapping[str, Any]],
    min_cell: int | None,
    gate: Mapping[str, Any],
    step: Any,
    n_jobs: int | None = None,
) -> None:
    """The files of the main report of an audit, into the (temporary) directory ``tmp``.

    The figures are started first (in other processes with ``n_jobs``): all but the budget
    curve as soon as the gate has published the other tables, while it checks the curve;
    then the tables are written and the pages' tables built; results.json (which lists the
    figures drawn) and the pages wait for the figures. ``manifest`` is built after the
    gate (it reads package metadata and hashes the input files: off the figures' path).
    """
    step("suppress")
    early = None
    if {"figures", "png", "html"} & set(formats):
        fig_dir = tmp / "figures" if ("figures" in formats or "png" in formats) else None
        early = _EarlyFigures(result, lang, min_cell, gate, fig_dir, "png" in formats, n_jobs)
    try:
        if early is not None:
            early.finish_gate()
        man = manifest()
        p = _prepare(result, lang, min_cell=min_cell, manifest=man, gate=gate)
        step("figures")
        files: dict[str, Any] = {
            "results": lambda: results_json(result, _prepared=p),
            "tables": lambda: _audit_tables(p.published),
            "write_table": lambda frame, path: write_csv(frame, path),  # looked up when called
        }
        write_files(tmp, tuple(f for f in formats if f == "csv"), step, pages={}, **files)
        if early is not None:
            if {"html", "md"} & set(formats):  # while the figures are drawn
                _page_tables(p)
                load_templates(*(t for f in formats for t in _TEMPLATES.get(f, ())))
            p.figures = early.pending.result()  # results.json lists the figures drawn
    finally:
        if early is not None:  # nothing is left drawing into a report that failed
            early.close()
    pages = {
        "html": {
            "report.html": lambda: render_html(result, _prepared=p),
            "summary.html": lambda: render_summary(result, _prepared=p),
        },
        "md": {"report.md": lambda: render_markdown(result, _prepared=p)},
    }
    later = tuple(f for f in formats if f in ("json", "html", "md"))
    write_files(tmp, later, step, pages=pages, **files)


#: The templates of the pages of each format.
_TEMPLATES = {"html": ("report.html.j2", "summary.html.j2"), "md": ("report.md.j2",)}


class _EarlyFigures:
    """The report's figures drawn while this process checks the curve.

    Children are forked first (:class:`FigureWorkers`: they import matplotlib while the gate
    publishes every table but the curve, :func:`scoreaudit.gate.publish.publish_staged`),
    then draw the figures of that first copy; the budget curve is drawn last, from the
    published result once it is given (from the provisional one meanwhile, see
    :meth:`finish_gate`).
    """

    def __init__(self, result, lang, min_cell, gate, directory, png, n_jobs) -> None:
        _check_unpublished(result)
        self.curve: Later[Any] = Later()  # the published curve (a table)
        self.guess: Later[Any] = Later()  # the provisional one
        self.workers = FigureWorkers(
            lang,
            n_jobs=n_jobs,
            directory=directory,
            png=png,
            curve=self.curve,
            guess=self.guess,
            base=result,
        )
        try:
            first, self._finish = publish_staged(result, min_cell, **dict(gate))
            self.pending = self.workers.start(first)
        except BaseException:
            self.close()
            raise
        if not self.pending.forked:  # no child to send the curves to: kept here only
            self.curve.close()
            self.guess.close()

    def finish_gate(self) -> None:
        """The gate's second step (cached for :func:`publish`), given to the curve figure;
        before it, with children, the curve it gives if its checks hide nothing more (a
        child draws it meanwhile, kept only if the published curve is the same)."""
        if self.pending.forked:
            self.guess.give(self._finish.provisional())
        self.curve.give(self._finish().result.curve)

    def close(self) -> None:
        self.workers.close()
        self.curve.close()
        self.guess.close()


def _audit_tables(pub: Any) -> dict[str, pd.DataFrame]:
    """The CSV tables of the main report, by file name (without ``.csv``)."""
    tables = {"groups": pub.groups, "disparities": pub.disparities, "curve": pub.curve}
    if pub.calibration is not None:
        tables["calibration"] = pub.calibration
    for tb_name, frame in _explanation_frames(getattr(pub, "explanation", None)):
        tables[f"explanation_{_slug(tb_name)}"] = frame
    return tables


def _explanation_frames(explanation: Any) -> list[tuple[str, Any]]:
    import pandas as pd

    if explanation is None:
        return []
    if isinstance(explanation, pd.DataFrame):
        return [("explanation", explanation)]
    if isinstance(explanation, Mapping):
        return [(str(k), v) for k, v in explanation.items() if isinstance(v, pd.DataFrame)]
    if hasattr(explanation, "__dict__"):
        return [(k, v) for k, v in vars(explanation).items() if isinstance(v, pd.DataFrame)]
    return []


# ------------------------------------------------------------------------------------------
# Notebook display
# ------------------------------------------------------------------------------------------


class ReportDisplay:
    """The HTML report as an object that Jupyter displays inline (``_repr_html_``).

    The report is embedded in a sandboxed ``<iframe srcdoc>`` so that its styles do not leak
    into the notebook. ``str(display)`` is the full HTML page; :meth:`save` writes it.

    Examples
    --------
    >>> ReportDisplay("<p>x</p>").html
    '<p>x</p>'
    """

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        import html as _html

        return (
            f'<iframe sandbox="" style="width:100%;height:80vh;border:1px solid #ccc" '
            f'srcdoc="{_html.escape(self.html, quote=True)}"></iframe>'
        )

    def __str__(self) -> str:
        return self.html

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (UTF-8)."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path
