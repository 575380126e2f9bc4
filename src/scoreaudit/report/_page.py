"""One path from a result to its report files, shared by every kind of report.

A page is summarised once into plain data (a dict of already formatted strings, tables and
sentences: the *context*) and rendered with its jinja templates, ``<name>.html.j2`` and
``<name>.md.j2``. :class:`Page` holds what differs between the pages of the audits that
start from counts (control logs, confusion matrices: :mod:`.aggregate_report`) and of the
funnel audit (:mod:`.funnel_report`): how the result is published, its title and the
entries of its own. :func:`write_files` writes the files of any report, the main one
included, in the same order and with the same progress steps.

Examples
--------
>>> import pandas as pd
>>> from scoreaudit.engines.counts import audit_counts
>>> from scoreaudit.report.aggregate_report import AGGREGATE_PAGE
>>> t = pd.DataFrame({"g": ["a", "b"], "tp": [50, 30], "fp": [200, 100], "tn": [700, 800],
...                   "fn": [50, 70]})
>>> res = audit_counts(t, "g", tp="tp", fp="fp", tn="tn", fn="fn", reference={"g": "a"})
>>> ctx = AGGREGATE_PAGE.context(res, "fr", manifest={"time": None})
>>> ctx["lang"], ctx["suppression_info"].primary
('fr', 0)
>>> render_md = AGGREGATE_PAGE.renderer("md", "The page as Markdown.")
>>> render_md(res, "fr").startswith("# ")
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scoreaudit.errors import ScoreAuditError
from scoreaudit.gate.publish import Suppression
from scoreaudit.present.catalogue import check_lang, fmt_level, t
from scoreaudit.report._common import dump_json, page_head, suppression_lines
from scoreaudit.report.context import manifest_items
from scoreaudit.report.manifest import build_manifest
from scoreaudit.report.output import atomic_output_dir, write_csv
from scoreaudit.report.render import render_page

__all__ = ["FORMATS", "Page", "check_formats", "is_synthetic", "write_files"]

#: Report formats: the pages, ``results.json``, ``tables/*.csv``, ``figures/*.svg`` (+ ``png``).
FORMATS = ("html", "md", "json", "csv", "figures", "png")

_RENDER_DOC = """

Parameters
----------
result : AggregateResult or FunnelResult
lang : {"en", "fr"}
manifest : mapping, optional
    Reproducibility manifest (default: built from the result alone).
min_cell : int, optional
    Smallest published count (default: the audit's ``min_cell``).
synthetic : bool
    Show the synthetic-data banner.

Returns
-------
str
"""

#: File written for each page format.
_PAGE_FILES = {"html": "report.html", "md": "report.md"}


@dataclass(frozen=True)
class Page:
    """How one kind of result becomes a report page.

    Parameters
    ----------
    name : str
        Stem of the templates (``name.html.j2``, ``name.md.j2``).
    publish : callable
        ``publish(result, min_cell) -> (published, suppression)``: the publication gate.
    title : callable
        ``title(result, lang) -> str``.
    hidden_rows : callable
        ``hidden_rows(suppression) -> int``: the table rows the suppression paragraph counts.
    body : callable
        ``body(published, head) -> dict``: the page's own entries, given the shared ones
        (``head``: language, translator, marker, interval level, ...).
    tables : callable
        ``tables(published) -> {name: frame}``: the CSV files of ``tables/``.
    results : callable
        ``results(ctx, manifest) -> dict``: the content of ``results.json``.
    figures : callable, optional
        ``figures(ctx, tmp, formats)``: writes the figure files under ``tmp``.
    """

    name: str
    publish: Callable[[Any, int | None], tuple[Any, Suppression]]
    title: Callable[[Any, str], str]
    hidden_rows: Callable[[Suppression], int]
    body: Callable[[Any, Mapping[str, Any]], dict[str, Any]]
    tables: Callable[[Any], Mapping[str, pd.DataFrame]]
    results: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
    figures: Callable[[Mapping[str, Any], Path, tuple[str, ...]], None] | None = None

    def context(
        self,
        result: Any,
        lang: str,
        *,
        manifest: Mapping[str, Any],
        min_cell: int | None = None,
        synthetic: bool = False,
    ) -> dict[str, Any]:
        """Everything the page's templates show, formatted for ``lang``."""
        pub, info = self.publish(result, min_cell)
        marker = t("suppression_marker", lang)
        head = {
            **page_head(lang, self.title(result, lang), manifest, synthetic),
            "marker": marker,
            "level": fmt_level(float(pub.config.get("confidence", 0.95)), lang),
            "suppression": suppression_lines(info, self.hidden_rows(info), marker, lang),
            "manifest_items": manifest_items(manifest, lang),
            "published": pub,
            "suppression_info": info,
        }
        return {**head, **self.body(pub, head)}

    def renderer(self, fmt: str, summary: str) -> Callable[..., str]:
        """The public function rendering the page as ``fmt`` (``"html"``: self-contained;
        ``"md"``: Markdown), documented by ``summary``."""

        def render(
            result: Any,
            lang: str | None = "en",
            *,
            manifest: Mapping[str, Any] | None = None,
            min_cell: int | None = None,
            synthetic: bool = False,
        ) -> str:
            ctx = self.context(
                result,
                check_lang(lang),
                manifest=manifest or build_manifest(result),
                min_cell=min_cell,
                synthetic=synthetic,
            )
            return render_page(f"{self.name}.{fmt}.j2", ctx)

        render.__doc__ = summary + _RENDER_DOC
        return render

    def write(
        self,
        result: Any,
        tmp: str | Path,
        *,
        lang: str,
        formats: tuple[str, ...],
        manifest: Mapping[str, Any],
        min_cell: int | None,
        synthetic: bool,
        step: Callable[[str], Any],
    ) -> None:
        """Write the files of the page's report into the (temporary) directory ``tmp``."""
        step("suppress")
        ctx = self.context(result, lang, manifest=manifest, min_cell=min_cell, synthetic=synthetic)
        self._write_files(Path(tmp), ctx, manifest, formats, step)

    def _write_files(
        self,
        tmp: Path,
        ctx: Mapping[str, Any],
        manifest: Mapping[str, Any],
        formats: tuple[str, ...],
        step: Callable[[str], Any],
    ) -> None:
        figures = self.figures
        write_files(
            tmp,
            formats,
            step,
            results=lambda: self.results(ctx, manifest),
            tables=lambda: self.tables(ctx["published"]),
            pages={fmt: {name: _later(self.name, fmt, ctx)} for fmt, name in _PAGE_FILES.items()},
            figures=None if figures is None else lambda folder: figures(ctx, folder, formats),
        )

    def write_to(
        self,
        out_dir: str | os.PathLike,
        result: Any,
        manifest: Mapping[str, Any],
        *,
        lang: str,
        formats: tuple[str, ...],
        force: bool = False,
        min_cell: int | None = None,
        step: Callable[[str], Any] = lambda _name: None,
    ) -> Path:
        """Write the page's report into ``out_dir``, all or nothing (see :meth:`write`)."""
        synthetic = is_synthetic(manifest)
        with atomic_output_dir(out_dir, force=force) as tmp:
            step("suppress")
            ctx = self.context(
                result, lang, manifest=manifest, min_cell=min_cell, synthetic=synthetic
            )
            self._write_files(tmp, ctx, manifest, formats, step)
        return Path(out_dir)


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The report formats asked for, checked against :data:`FORMATS`.

    Examples
    --------
    >>> check_formats(["md", "csv"])
    ('md', 'csv')
    >>> check_formats(["pdf"])
    Traceback (most recent call last):
    scoreaudit.errors.ScoreAuditError: Unknown report format(s) ['pdf']; choose from html, md, json, csv, figures, png.
    """
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ScoreAuditError.from_key(
            "err_report_formats", unknown=unknown, choices=", ".join(FORMATS)
        )
    return formats


def is_synthetic(manifest: Mapping[str, Any]) -> bool:
    """Whether the report is of synthetic data: said in the manifest's ``extra``, else read
    from the data file's path (a ``synthetic`` folder, or ``synth`` in its name).

    Examples
    --------
    >>> is_synthetic({"data": {"path": "data/synthetic/c2sg.csv"}}), is_synthetic({})
    (True, False)
    """
    extra = manifest.get("extra") or {}
    if isinstance(extra, Mapping) and "synthetic" in extra:
        return bool(extra["synthetic"])
    data = manifest.get("data") or {}
    path = str(data.get("path") or "") if isinstance(data, Mapping) else ""
    return "synthetic" in Path(path).parts or "synth" in Path(path).name.lower()


def _later(name: str, fmt: str, ctx: Mapping[str, Any]) -> Callable[[], str]:
    return lambda: render_page(f"{name}.{fmt}.j2", ctx)


def write_files(
    tmp: Path,
    formats: tuple[str, ...],
    step: Callable[[str], Any],
    *,
    results: Callable[[], Mapping[str, Any]],
    tables: Callable[[], Mapping[str, pd.DataFrame]],
    pages: Mapping[str, Mapping[str, Callable[[], str]]],
    figures: Callable[[Path], None] | None = None,
    write_table: Callable[[pd.DataFrame, Path], Any] = write_csv,
) -> None:
    """Write the files of a report asked for in ``formats`` into ``tmp``, each made on demand.

    ``results.json`` (``"json"``), ``tables/<name>.csv`` (``"csv"``, formula cells
    neutralised), the figures (``"figures"``: ``figures(tmp)``), then the pages:
    ``pages[fmt]`` maps each file name to the function rendering it (``"html"``, ``"md"``).
    ``step`` is called with a short name before each step (the CLI's progress);
    ``write_table(frame, path)`` writes a table (default :func:`~.output.write_csv`).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> write_files(d, ("json", "md"), print, results=lambda: {"a": 1},
    ...             tables=dict, pages={"md": {"report.md": lambda: "# A\\n"}})
    json
    markdown
    >>> sorted(p.name for p in d.iterdir()), (d / "report.md").read_text()
    (['report.md', 'results.json'], '# A\\n')
    """
    if "json" in formats:
        step("json")
        (tmp / "results.json").write_text(dump_json(results()), encoding="utf-8")
    if "csv" in formats:
        step("csv")
        (tmp / "tables").mkdir()
        for name, frame in tables().items():
            write_table(frame, tmp / "tables" / f"{name}.csv")
    if figures is not None and "figures" in formats:
        figures(tmp)
    for fmt, step_name in (("html", "html"), ("md", "markdown")):
        if fmt in formats:
            step(step_name)
            for name, render in pages.get(fmt, {}).items():
                (tmp / name).write_text(render(), encoding="utf-8")
