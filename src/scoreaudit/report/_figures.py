"""The report's figures: drawn once each from a published result (part of
:mod:`scoreaudit.report.writer`, which re-exports these names)."""

from __future__ import annotations

import base64
import copy
import math
import os
import re
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from scoreaudit.core.vocab import REST, SEP
from scoreaudit.gate.publish import with_curve
from scoreaudit.present.catalogue import attribute_label, group_label, t
from scoreaudit.report._forked import Later, Pending


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

    A figure that fails is reported (``error``) instead of stopping the report. ``n_jobs``
    processes share the drawing (see :class:`FigureWorkers`); the figures are the same.
    """
    workers = FigureWorkers(lang, n_jobs=n_jobs, directory=directory, png=png, base=published)
    return workers.start(published).result()  # (nothing to send: the children have it)


class PendingFigures:
    """Figures being drawn (:meth:`FigureWorkers.start`); :meth:`result` waits for them.

    ``specs`` are ``(name, caption, draw)`` in the report's order; a ``draw`` that is a
    :class:`_Late` waits for a value given after the children started, so it is taken last.
    """

    def __init__(self, specs: list[tuple[str, str, Any]], workers: FigureWorkers) -> None:
        self._specs, self._workers = specs, workers
        calls, self._taken, late = _calls(specs, workers.directory, workers.formats)
        self._pending = workers.pending
        self._pending.supply(calls, late)

    @property
    def forked(self) -> bool:
        """Whether other processes are drawing."""
        return self._pending.forked

    def result(self) -> list[FigureOut]:
        """The figures, in the report's order (drawn here if no child drew them)."""
        try:
            drawn = dict(zip(self._taken, self._pending.result(), strict=True))
        finally:
            self.close()
        return [
            FigureOut(name, caption, svg=drawn[i][0], error=drawn[i][1])
            for i, (name, caption, _) in enumerate(self._specs)
        ]

    def close(self) -> None:
        """Stop the drawing (when the report fails before the figures are used)."""
        self._workers.close()


def _calls(specs: list[tuple[str, str, Any]], base: Path, formats: tuple[str, ...]):
    """``(calls, the specs' positions in the calls' order, how many wait for a later
    value)``: the late ones last (a stable order, the same in every process)."""
    late = [isinstance(draw, _Late) for _, _, draw in specs]
    taken = sorted(range(len(specs)), key=lambda i: late[i])
    calls = [
        partial(_draw_late if late[i] else _draw_one, specs[i][2], base / specs[i][0], formats)
        for i in taken
    ]
    return calls, taken, sum(late)


class FigureWorkers:
    """Processes that draw the report's figures: :meth:`start` starts drawing the figures
    of a published result, and the caller may do other work before ``result()``.

    With ``n_jobs`` above 1 (-1: one per CPU), children are forked here, at once
    (:mod:`scoreaudit.report._forked`: Linux only; elsewhere, or with ``n_jobs`` None or 1,
    everything is drawn in ``result()``; the same figures either way). The report forks
    them right after the audit: they import matplotlib while this process publishes the
    tables (a quarter of a second each), then are sent the first copy (:meth:`start`) and
    each builds the same list of figures from it.

    With ``base`` (the audit's result, which the children have from the fork), only what
    the published copy holds in place of ``base``'s own objects is sent (nothing when it is
    ``base`` itself; 160 KB of tables on the README audit, not the 12 MB of its
    population): the gate makes new objects and never changes the result's
    (``tests/gate/test_publish_staged.py``). With ``curve``, the published copy has no curve
    yet and the budget curve is drawn, last, from the published curve ``curve`` is given
    later (``guess``: a provisional one given before it, see :class:`_Late`).
    """

    def __init__(
        self,
        lang: str,
        *,
        n_jobs: int | None = None,
        directory: str | os.PathLike | None = None,
        png: bool = False,
        curve: Later[Any] | None = None,
        guess: Later[Any] | None = None,
        base: Any = None,
    ) -> None:
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._scratch = tempfile.TemporaryDirectory()
            directory = self._scratch.name
        self.directory = Path(directory)
        self.formats = ("svg", "png") if png else ("svg",)
        self._lang, self._curve, self._guess, self._base = lang, curve, guess, base
        self.pending: Pending[tuple[bytes | None, str | None]] = Pending(
            self._child_calls, n_jobs, warm=_plots
        )

    def _specs(self, first: Any) -> list[tuple[str, str, Any]]:
        return figure_specs(first, self._lang, curve=self._curve, guess=self._guess)

    def _child_calls(self, sent: Any) -> tuple[list, int]:
        first = sent if self._base is None else _rebuilt(self._base, *sent)
        work, _, late = _calls(self._specs(first), self.directory, self.formats)
        return work, late

    def start(self, first: Any) -> PendingFigures:
        """Draw the figures of ``first`` (the gate's first copy)."""
        self.pending.give(first if self._base is None else _delta(self._base, first))
        return PendingFigures(self._specs(first), self)

    def close(self) -> None:
        """Stop the children (no-op once the figures are gathered); remove the scratch."""
        self.pending.close()
        if self._scratch is not None:
            self._scratch.cleanup()


def _delta(base: Any, value: Any) -> tuple[dict[str, Any], list[str]]:
    """What ``value`` holds that ``base`` does not hold itself: its attributes that are
    other objects than ``base``'s, and the names of ``base``'s it lacks."""
    mine, theirs = vars(base), vars(value)
    changed = {k: v for k, v in theirs.items() if k not in mine or mine[k] is not v}
    return changed, [k for k in mine if k not in theirs]


def _rebuilt(base: Any, changed: dict[str, Any], removed: list[str]) -> Any:
    """``value`` again from ``base`` and :func:`_delta`'s answer (frozen dataclasses too)."""
    out = copy.copy(base)
    attrs = vars(out)
    attrs.update(changed)
    for k in removed:
        del attrs[k]
    return out


def figure_specs(
    published: Any, lang: str, *, curve: Later[Any] | None = None, guess: Later[Any] | None = None
) -> list[tuple[str, str, Any]]:
    """The report's figures of ``published``, in order: ``(name, caption, draw)`` each
    (see :class:`FigureWorkers` for ``curve`` and ``guess``)."""
    raw = published
    published = labelled_copy(raw, lang)  # figures show the tables' labels
    singles = _single_attributes(raw)
    later = _Late(curve, lang, guess, raw) if curve is not None else None
    specs: list[tuple[str, str, Any]] = [
        (
            "selection_rates",
            t("fig_selection_rates", lang),
            lambda: _plots().selection_rates(published, lang=lang, suppress_small=True),
        ),
        (
            "disparity_forest",
            t("fig_disparity_forest", lang),
            lambda: _plots().disparity_forest(published, lang=lang, suppress_small=True),
        ),
        (
            "budget_curve",
            t("fig_budget_curve", lang),
            later or (lambda: _plots().budget_curve(published, lang=lang)),
        ),
    ]
    specs += _ecdf_specs(raw, singles, lang) + _heatmap_specs(published, raw, singles, lang)
    if "precision" in raw.groups.columns:
        specs.append(
            (
                "precision_fpr",
                t("fig_precision_fpr", lang),
                lambda: _plots().precision_fpr(published, lang=lang, suppress_small=True),
            )
        )
    specs.extend(_explanation_figure(raw, lang))
    return specs


def _ecdf_specs(raw: Any, singles: list[str], lang: str) -> list[tuple[str, str, Any]]:
    g = raw.groups
    specs = []
    for a in singles:  # drawn from the rows of the data, whose codes are the data's
        sub = g[g["attribute"].astype(str) == a]
        if raw.scores is not None and not bool(sub.get("suppressed", False).any()):
            specs.append(
                (
                    f"score_ecdf_{_slug(a)}",
                    t("fig_score_ecdf", lang, attribute=attribute_label(a, lang)),
                    lambda a=a: _plots().score_ecdf(raw, a, lang=lang),
                )
            )
    return specs


def _heatmap_specs(published: Any, raw: Any, singles: list[str], lang: str) -> list[tuple]:
    attrs_all = set(raw.groups["attribute"].astype(str))
    lab = (lambda a: attribute_label(a, lang)) if published is not raw else (lambda a: a)
    specs = []
    for i, r in enumerate(singles):
        for c in singles[i + 1 :]:
            if f"{r}{SEP}{c}" in attrs_all:
                caption = t(
                    "fig_intersection_heatmap",
                    lang,
                    rows=attribute_label(r, lang),
                    cols=attribute_label(c, lang),
                )
                draw = lambda r=r, c=c: _plots().intersection_heatmap(  # noqa: E731
                    published, lab(r), lab(c), lang=lang, suppress_small=True
                )
                specs.append((f"intersection_heatmap_{_slug(r)}__{_slug(c)}", caption, draw))
    return specs


def _plots() -> Any:
    """:mod:`scoreaudit.plots`, imported when a figure is drawn (with matplotlib: a third of
    a second, spent in whichever process draws)."""
    import scoreaudit.plots as plots

    return plots


def _neutralisation() -> Any:
    from scoreaudit.plots.explain import plot_neutralisation

    return plot_neutralisation


class _Late:
    """The budget curve's drawing, from the published curve given to ``curve`` later, put
    back into ``first`` (the gate's first copy, which has no curve).

    ``guess`` may be given a provisional curve first (the curve published if its checks
    hide nothing more): a child that comes to this call before the published curve is
    there draws that meanwhile, and keeps the drawing only if the published curve turns out
    equal to it (a figure is a function of what it is drawn from: the same bytes).
    """

    def __init__(
        self, curve: Later[Any], lang: str, guess: Later[Any] | None = None, first: Any = None
    ) -> None:
        self.curve, self.lang, self.guess, self.first = curve, lang, guess, first

    def __call__(self) -> Any:
        return self.draw(self.curve.get())

    def draw(self, curve: Any) -> Any:
        published = with_curve(self.first, curve)
        return _plots().budget_curve(labelled_copy(published, self.lang), lang=self.lang)

    def guessed(self, formats: tuple[str, ...]) -> tuple[Any, dict[str, bytes]] | None:
        """``(provisional curve, its figure's bytes)`` when the published curve is not
        there yet; None otherwise (or if drawing it fails). The provisional curve is given
        first (:class:`scoreaudit.report.writer._EarlyFigures`), a tenth of a second after
        the children start: it is waited for."""
        if self.guess is None or self.curve.ready():
            return None
        try:
            provisional = self.guess.get()
            return provisional, _plots().figure_bytes(self.draw(provisional), formats)
        except Exception:  # the published curve is drawn instead
            return None


def _draw_late(
    draw: _Late, path: Path, formats: tuple[str, ...]
) -> tuple[bytes | None, str | None]:
    """:func:`_draw_one` once the value is there: waiting for it may fail (the child leaves
    the call to this process), drawing may not (an error is the figure's). A drawing of the
    provisional curve made meanwhile is written instead if the published curve equals it."""
    guessed = draw.guessed(formats)
    published = draw.curve.get()
    if guessed is not None and _same_curve(guessed[0], published):
        _plots().write_figure_bytes(guessed[1], path)
        return guessed[1]["svg"], None
    return _draw_one(draw, path, formats)


def _same_curve(a: Any, b: Any) -> bool:
    """Equal tables: same columns, types, index and values (blanks in the same places)."""
    return isinstance(a, type(b)) and bool(a.equals(b)) and list(a.columns) == list(b.columns)


def _draw_one(draw: Any, path: Path, formats: tuple[str, ...]) -> tuple[bytes | None, str | None]:
    """Draw and save one figure: its SVG bytes, or the error that stopped it."""
    try:
        fig = draw()
        svg_path = _plots().save_figure(fig, path, formats)[0]
        return Path(svg_path).read_bytes(), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _explanation_figure(raw: Any, lang: str) -> list[tuple[str, str, Any]]:
    """The neutralisation figure of the largest published single-attribute gap, if explained."""
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
            lambda: _neutralisation()(explanation, group, attribute=attr, lang=lang),
        )
    ]


def _slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", str(name)).strip("_").lower()
    return s or "attribute"
