"""The report's figures: drawn once each from a published result (part of
:mod:`scoreaudit.report.writer`, which re-exports these names)."""

from __future__ import annotations

import base64
import math
import os
import re
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from scoreaudit.core.vocab import REST, SEP
from scoreaudit.present.catalogue import attribute_label, group_label, t
from scoreaudit.report._forked import Pending


@dataclass
class FigureOut:
    name: str
    caption: str
    svg: bytes | None = None
    error: str | None = None

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg or b"").decode("ascii")


def _single_attributes(result: Any) -> list[str]:
    return [a for a in dict.fromkeys(result.groups["attribute"].astype(str)) if SEP not in a]


def labelled_copy(published: Any, lang: str) -> Any:
    """A copy of a published result whose attributes and groups carry the tables' labels
    ("living alone", "family status"), for the figures. Unknown labels are kept; if two groups
    of one attribute would get the same label, the result is returned unchanged."""
    import dataclasses

    def attr_map(col: Any) -> Any:
        text = col.astype(str)
        return text.map({a: attribute_label(a, lang) for a in text.unique()})

    g = published.groups
    pairs = list(zip(g["attribute"].astype(str), g["group"].astype(str), strict=False))
    shown = {(a, x): group_label(a, x, lang) for a, x in pairs}
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for (a, x), lab in shown.items():
        key = (attribute_label(a, lang), lab)
        if key in seen and seen[key] != (a, x):
            return published
        seen[key] = (a, x)

    cache = dict(shown)  # each (attribute, value) labelled once, not once per row

    def label_of(a: str, v: str) -> str:
        if v == REST:
            return v
        lab = cache.get((a, v))
        if lab is None:
            lab = cache[(a, v)] = group_label(a, v, lang)
        return lab

    def relabel(frame: Any) -> Any:
        if frame is None:
            return None
        out = frame.copy()
        attrs = frame["attribute"].astype(str)
        for col in ("group", "reference"):
            if col in out.columns:
                out[col] = [
                    label_of(a, v) for a, v in zip(attrs, frame[col].astype(str), strict=False)
                ]
        out["attribute"] = attr_map(frame["attribute"])
        return out

    config = dict(published.config)
    config["references_used"] = {
        attribute_label(a, lang): (r if r == REST else group_label(a, str(r), lang))
        for a, r in (published.config.get("references_used") or {}).items()
    }
    try:
        copy = dataclasses.replace(
            published,
            groups=relabel(published.groups),
            disparities=relabel(published.disparities),
            curve=relabel(published.curve),
            calibration=relabel(published.calibration),
            config=config,
            population=None,
        )
    except (TypeError, KeyError):  # not an AuditResult: draw with the codes
        return published
    return copy


def make_figures(
    published: Any,
    lang: str,
    directory: str | os.PathLike | None = None,
    png: bool = False,
    n_jobs: int | None = None,
) -> list[FigureOut]:
    """Draw the report's figures from a published result, once each; save them as SVG in
    ``directory`` (and as PNG too with ``png``).

    A figure that fails is reported (``error``) instead of stopping the report. Returns an
    empty list when matplotlib or :mod:`scoreaudit.plots` is not available. ``n_jobs``
    processes share the drawing (see :func:`start_figures`); the figures are the same.
    """
    return start_figures(published, lang, n_jobs=n_jobs, directory=directory, png=png).result()


class PendingFigures:
    """Figures being drawn (:func:`start_figures`); :meth:`result` waits for them."""

    def __init__(
        self,
        specs: list[tuple[str, str, Any]],
        directory: str | os.PathLike | None,
        formats: tuple[str, ...],
        n_jobs: int | None,
    ) -> None:
        self._specs = specs
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._scratch = tempfile.TemporaryDirectory()
            base = Path(self._scratch.name)
        else:
            base = Path(directory)
        calls = [partial(_draw_one, draw, base / name, formats) for name, _, draw in specs]
        self._pending = Pending(calls, n_jobs)

    def result(self) -> list[FigureOut]:
        """The figures, in the report's order (drawn here if no child drew them)."""
        try:
            drawn = self._pending.result()
        finally:
            self.close()
        return [
            FigureOut(name, caption, svg=svg, error=error)
            for (name, caption, _), (svg, error) in zip(self._specs, drawn, strict=True)
        ]

    def close(self) -> None:
        """Stop the drawing (when the report fails before the figures are used)."""
        self._pending.close()
        if self._scratch is not None:
            self._scratch.cleanup()


def start_figures(
    published: Any,
    lang: str,
    *,
    n_jobs: int | None = None,
    directory: str | os.PathLike | None = None,
    png: bool = False,
) -> PendingFigures:
    """Start drawing the report's figures; the caller may do other work before ``result()``.

    With ``n_jobs`` above 1 (-1: one per CPU), forked processes start drawing at once and
    this process joins them when ``result()`` is called (:mod:`scoreaudit.report._forked`:
    Linux only; elsewhere everything is drawn in ``result()``). Same figures either way.
    """
    try:
        import scoreaudit.plots as plots
    except ImportError:  # pragma: no cover - plots ships with the package
        return PendingFigures([], directory, ("svg",), None)
    raw = published
    published = labelled_copy(raw, lang)  # figures show the tables' labels
    singles = _single_attributes(raw)
    attrs_all = set(raw.groups["attribute"].astype(str))
    specs: list[tuple[str, str, Any]] = [
        (
            "selection_rates",
            t("fig_selection_rates", lang),
            lambda: plots.selection_rates(published, lang=lang, suppress_small=True),
        ),
        (
            "disparity_forest",
            t("fig_disparity_forest", lang),
            lambda: plots.disparity_forest(published, lang=lang, suppress_small=True),
        ),
        (
            "budget_curve",
            t("fig_budget_curve", lang),
            lambda: plots.budget_curve(published, lang=lang),
        ),
    ]
    g = raw.groups
    for a in singles:  # drawn from the rows of the data, whose codes are the data's
        sub = g[g["attribute"].astype(str) == a]
        if raw.scores is not None and not bool(sub.get("suppressed", False).any()):
            specs.append(
                (
                    f"score_ecdf_{_slug(a)}",
                    t("fig_score_ecdf", lang, attribute=attribute_label(a, lang)),
                    lambda a=a: plots.score_ecdf(raw, a, lang=lang),
                )
            )
    lab = (lambda a: attribute_label(a, lang)) if published is not raw else (lambda a: a)
    for i, r in enumerate(singles):
        for c in singles[i + 1 :]:
            if f"{r}{SEP}{c}" in attrs_all:
                specs.append(
                    (
                        f"intersection_heatmap_{_slug(r)}__{_slug(c)}",
                        t(
                            "fig_intersection_heatmap",
                            lang,
                            rows=attribute_label(r, lang),
                            cols=attribute_label(c, lang),
                        ),
                        lambda r=r, c=c: plots.intersection_heatmap(
                            published, lab(r), lab(c), lang=lang, suppress_small=True
                        ),
                    )
                )
    if "precision" in g.columns:
        specs.append(
            (
                "precision_fpr",
                t("fig_precision_fpr", lang),
                lambda: plots.precision_fpr(published, lang=lang, suppress_small=True),
            )
        )

    specs.extend(_explanation_figure(raw, lang))
    return PendingFigures(specs, directory, ("svg", "png") if png else ("svg",), n_jobs)


def _draw_one(draw: Any, path: Path, formats: tuple[str, ...]) -> tuple[bytes | None, str | None]:
    """Draw and save one figure: its SVG bytes, or the error that stopped it."""
    import scoreaudit.plots as plots

    try:
        fig = draw()
        svg_path = plots.save_figure(fig, path, formats)[0]
        return Path(svg_path).read_bytes(), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _explanation_figure(raw: Any, lang: str) -> list[tuple[str, str, Any]]:
    """The neutralisation figure of the largest published single-attribute gap, if explained."""
    from scoreaudit.plots.explain import plot_neutralisation
    from scoreaudit.present.explanation import gap_shares

    explanation = getattr(raw, "explanation", None)
    neut = getattr(explanation, "neutralisation", None)
    if neut is None or getattr(neut, "empty", True):
        return []
    d = neut[~neut["attribute"].astype(str).str.contains(SEP, regex=False)]
    pub = raw.disparities
    if "suppressed" in pub.columns:
        pub = pub[~pub["suppressed"].astype("boolean").fillna(False).astype(bool)]
    shown = set(zip(pub["attribute"].astype(str), pub["group"].astype(str), strict=False))
    d = d[[(a, g) in shown for a, g in zip(d["attribute"], d["group"], strict=False)]]
    d = d[gap_shares(d).notna()]
    if d.empty:
        return []
    top = d.loc[d["ratio_before"].map(lambda r: abs(math.log(r)) if r > 0 else 0).idxmax()]
    attr, group = str(top["attribute"]), str(top["group"])
    caption = t("fig_explanation", lang, group=group_label(attr, group, lang))
    return [
        (
            "explanation",
            caption,
            lambda: plot_neutralisation(explanation, group, attribute=attr, lang=lang),
        )
    ]


def _slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", str(name)).strip("_").lower()
    return s or "attribute"
