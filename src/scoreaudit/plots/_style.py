"""Palette, styles, argument checks and layout helpers shared by the figures."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from scoreaudit.core.vocab import REST, SEP, normalise_key
from scoreaudit.errors import DataError
from scoreaudit.plots._text import (
    LANGUAGES,
    _t,
    _tick_formatter,
    format_count,
    format_percent,
    plain,
)
from scoreaudit.results import AuditResult

# -- palette and styles ---------------------------------------------------------------------
#: The Okabe-Ito colour-blind-safe palette (Okabe & Ito, 2008).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}


# Series order: strong colours first; yellow (poor contrast on white) last.
_COLOURS = [
    OKABE_ITO[k]
    for k in ("blue", "vermillion", "green", "orange", "purple", "sky_blue", "black", "yellow")
]


_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h", "*", "p"]


_LINESTYLES: list[Any] = [
    "-",
    "--",
    ":",
    "-.",
    (0, (5, 1, 1, 1, 1, 1)),
    (0, (1, 3)),
    (0, (8, 2)),
    (0, (3, 1, 3, 1, 1, 1)),
]


_GREY = "#777777"


_NOTE_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "linewidth": 0, "alpha": 0.85}


_LIGHT = "#DDDDDD"


_FOUR_FIFTHS = (0.8, 1.25)


_RC = {
    "text.usetex": False,
    # DejaVu Sans ships with matplotlib, so the layout is always computed with it; the SVG keeps
    # its text as text and, for a viewer without DejaVu Sans, names the sans-serif list
    # (Bitstream Vera Sans, Verdana, Arial...) instead of the browser's default serif. One
    # generic family: one font look-up per text (a list of two doubles them).
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Bitstream Vera Sans", "Verdana", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "svg.fonttype": "none",
    "axes.unicode_minus": True,
}


# -- validation -------------------------------------------------------------------------
def _check(result: Any, lang: str, ax: Any = None) -> AuditResult:
    """The result, once it, ``lang`` and ``ax`` (None or an Axes) are checked."""
    _check_ax(ax)
    if not isinstance(result, AuditResult):
        raise DataError.from_key("err_plot_not_result", kind=type(result).__name__)
    if lang not in LANGUAGES:
        raise DataError.from_key(
            "err_plot_lang", languages=", ".join(map(repr, LANGUAGES)), value=lang
        )
    return result


def _check_ax(ax: Any) -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise DataError.from_key("err_plot_ax", kind=type(ax).__name__)


def _attribute_names(result: AuditResult) -> list[str]:
    return list(dict.fromkeys(result.groups["attribute"].tolist()))


def _single_attributes(result: AuditResult) -> list[str]:
    pop = result.population
    names = _attribute_names(result)
    if pop is not None and getattr(pop, "protected", None):
        return [a for a in pop.protected if a in names]
    return [a for a in names if SEP not in a]


def _resolve(result: AuditResult, attribute: Any) -> str:
    """An attribute or intersection name as it appears in the result's tables."""
    names = _attribute_names(result)
    if isinstance(attribute, str) and attribute in names:
        return attribute
    if not isinstance(attribute, (str, tuple, list)):
        raise DataError.from_key(
            "err_plot_attribute_type",
            kind=type(attribute).__name__,
            available=", ".join(map(repr, names)),
        )
    key = normalise_key(attribute)
    if key in names:
        return key
    members = key.split(SEP)
    for n in names:  # an intersection given in another order
        if sorted(n.split(SEP)) == sorted(members) and len(members) > 1:
            return n
    raise DataError.from_key(
        "err_plot_unknown_attribute",
        attribute=plain(attribute),
        available=", ".join(map(repr, names)),
    )


def _attributes(result: AuditResult, attribute: Any) -> list[str]:
    if attribute is None:
        return _single_attributes(result)
    return [_resolve(result, attribute)]


def _reference(result: AuditResult, attribute: str) -> str | None:
    """The reference group of ``attribute``, or None in ``reference="rest"`` mode."""
    d = result.disparities
    refs = d.loc[d["attribute"] == attribute, "reference"]
    if len(refs):
        ref = str(refs.iloc[0])
    else:
        ref = str(result.config.get("references_used", {}).get(attribute, REST))
    return None if ref == REST else ref


def _min_cell(result: AuditResult) -> int:
    return int(result.config.get("min_cell", 11))


def _level_text(result: AuditResult, lang: str) -> str:
    return format_percent(float(result.config.get("confidence", 0.95)), lang)


def _policy_text(result: AuditResult, lang: str) -> str:
    s = result.selection
    if lang == "fr":
        return (
            f"{format_count(s.n_selected, 'fr')} dossiers sélectionnés "
            f"({format_percent(s.share, 'fr')})"
        )
    return f"{format_count(s.n_selected, 'en')} files selected ({format_percent(s.share, 'en')})"


# -- figure helpers ----------------------------------------------------------------------
@contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(_RC):
        yield


def _new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _figure_and_axes(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes]:
    """A new figure of ``width`` x ``height`` inches and its one axes, or ``ax``'s figure and ax."""
    if ax is None:
        fig = _new_figure(width, height)
        return fig, fig.add_subplot()
    return _figure_of(ax), ax


def _figure_of(ax: Axes) -> Figure:
    fig: Any = ax.figure
    while fig is not None and not isinstance(fig, Figure):  # a SubFigure: go to the root
        fig = getattr(fig, "figure", None)
    if fig is None:  # pragma: no cover
        raise DataError("ax does not belong to a matplotlib Figure.")
    return fig


def _add_notes(ax: Axes, notes: Sequence[str]) -> None:
    """Notes under the x label of ``ax``, wrapped to the figure's width."""
    notes = [n for n in notes if n]
    if not notes:
        return
    root = _figure_of(ax)
    parent: Any = ax.figure  # the (sub)figure holding ax
    width_in = float(parent.bbox.width / root.dpi) if parent is not None else root.get_figwidth()
    chars = max(40, int(width_in * 72 / (7 * 0.56) * 0.8))
    lines = [w for n in notes for w in textwrap.wrap(n, chars)]
    ax.annotate(
        "\n".join(lines),
        xy=(0.5, 0.0),
        xycoords=ax.xaxis.label,
        xytext=(0, -6),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=7,
        color="#333333",
        annotation_clip=False,
        gid="notes",
    )


def _nice_ratio_ticks(lo: float, hi: float, max_ticks: int = 9) -> list[float]:
    """Readable ticks for a log ratio axis: 1, 0.8, 1.25 first, then round values, never
    closer than a ninth of the axis span (in log space)."""
    priority = [
        1,
        0.8,
        1.25,
        0.5,
        2,
        0.1,
        10,
        0.2,
        5,
        0.25,
        4,
        0.01,
        100,
        0.02,
        50,
        0.05,
        20,
        0.67,
        1.5,
        0.9,
        1.1,
        0.6,
        0.7,
        3,
        0.4,
        0.3,
        0.95,
        1.05,
        1.2,
        1.3,
        1.4,
        0.85,
    ]
    span = math.log10(hi / lo)
    gap = span / max_ticks
    chosen: list[float] = []
    for t in priority:
        if lo <= t <= hi and all(abs(math.log10(t / c)) >= gap for c in chosen):
            chosen.append(t)
    if len(chosen) < 2:
        chosen = sorted({lo, hi} | ({1.0} if lo < 1 < hi else set()))
    return sorted(chosen)


def _ratio_axis(ax: Axes, lo: float, hi: float, lang: str, which: str = "x") -> None:
    axis = ax.xaxis if which == "x" else ax.yaxis
    if which == "x":
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
    else:
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
    axis.set_major_locator(ticker.FixedLocator(_nice_ratio_ticks(lo, hi)))
    axis.set_major_formatter(_tick_formatter("number", lang))
    axis.set_minor_locator(ticker.NullLocator())


def _ratio_limits(
    values: Sequence[np.ndarray], floor: float = 1 / 64, ceil: float = 64.0
) -> tuple[float, float]:
    """Log-axis limits showing the finite positive values, 0.8 and 1.25, within bounds."""
    vals = np.concatenate([np.asarray(v, dtype=float).ravel() for v in values] or [np.ones(1)])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    vals = np.concatenate([vals, np.array(_FOUR_FIFTHS)])
    lo = max(float(vals.min()) / 1.15, floor)
    hi = min(float(vals.max()) * 1.15, ceil)
    return lo, hi


def _style_series(i: int) -> dict[str, Any]:
    return {
        "color": _COLOURS[i % len(_COLOURS)],
        "marker": _MARKERS[i % len(_MARKERS)],
        "linestyle": _LINESTYLES[i % len(_LINESTYLES)],
    }


def _rows_layout(
    blocks: list[tuple[str, list[Any]]], headers: bool
) -> tuple[list[float], list[str], list[int], list[list[float]]]:
    """y positions for grouped rows (top to bottom), with optional header rows.

    Returns tick positions, tick labels, indices of header ticks, and per block the y of
    its rows.
    """
    y = 0.0
    ticks: list[float] = []
    labels: list[str] = []
    header_idx: list[int] = []
    block_ys: list[list[float]] = []
    for title, rows in blocks:
        if headers:
            header_idx.append(len(ticks))
            ticks.append(-y)
            labels.append(title)
            y += 1
        ys = []
        for label in rows:
            ticks.append(-y)
            labels.append(label)
            ys.append(-y)
            y += 1
        block_ys.append(ys)
        y += 0.4 if headers else 0
    return ticks, labels, header_idx, block_ys


def _set_row_ticks(ax: Axes, ticks: list[float], labels: list[str], header_idx: list[int]) -> None:
    ax.set_yticks(ticks, [plain(s) for s in labels])
    for i, text in enumerate(ax.get_yticklabels()):
        if i in header_idx:
            text.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    if ticks:
        ax.set_ylim(min(ticks) - 0.7, max(ticks) + 0.7)


def _label_inches(labels: Sequence[Any], size: float = 8.0) -> float:
    """Rough width in inches of the longest of ``labels`` at ``size`` points."""
    longest = max((len(str(x)) for x in labels), default=0)
    return longest * size * 0.6 / 72


def _hidden(rows: pd.DataFrame, suppress_small: bool, column: str = "suppressed") -> np.ndarray:
    """Rows whose values are not to be shown.

    A ``suppressed`` column (tables of a result prepared for publication, where suppressed
    numbers are NaN) is authoritative; otherwise ``suppress_small`` hides the rows flagged
    ``small_cell``.
    """
    if column in rows.columns:
        return rows[column].fillna(True).to_numpy(bool)
    if "suppressed" in rows.columns:
        return rows["suppressed"].fillna(True).to_numpy(bool)
    if suppress_small and "small_cell" in rows.columns:
        return rows["small_cell"].fillna(True).to_numpy(bool)
    return np.zeros(len(rows), dtype=bool)


def _xerr(v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])


def _marker(marker: str, colour: str, label: str, **kwargs: Any) -> Line2D:
    """A legend entry for a marker without a line."""
    return Line2D([], [], linestyle="none", marker=marker, color=colour, label=label, **kwargs)


def _group_handles(result: AuditResult, lang: str, line_label: str) -> list[Line2D]:
    """Legend of the rate figures: group marker, reference marker, dashed overall line."""
    return [
        _marker("o", OKABE_ITO["blue"], _t(lang, "group_marker", level=_level_text(result, lang))),
        _marker("D", "black", _t(lang, "reference_marker")),
        Line2D([], [], color=OKABE_ITO["vermillion"], linestyle="--", label=line_label),
    ]


def _small_handle(lang: str) -> Line2D:
    """Legend entry of a small cell (hollow marker)."""
    return _marker("o", OKABE_ITO["blue"], _t(lang, "small_marker"), markerfacecolor="white")


def _interval_bars(ax: Axes, x: np.ndarray, y: np.ndarray, xerr: np.ndarray) -> None:
    """Grey horizontal interval bars behind the points."""
    ax.errorbar(x, y, xerr=xerr, fmt="none", ecolor=_GREY, elinewidth=1.4, capsize=2.5, zorder=2)


def _suppressed_labels(ax: Axes, ys: np.ndarray, lang: str) -> None:
    """Write "suppressed" at the left edge of each row ``ys`` whose value is hidden."""
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for y in ys:
        ax.text(
            0.01,
            y,
            _t(lang, "suppressed"),
            va="center",
            fontsize=7,
            bbox=_NOTE_BOX,
            style="italic",
            color="#333333",
            transform=trans,
        )


def _group_blocks(
    result: AuditResult, attrs: Sequence[str], lang: str
) -> tuple[list[tuple[str, list[str]]], list[tuple[pd.DataFrame, str | None]]]:
    """Row blocks (attribute, group labels with the reference marked) and their group rows."""
    g = result.groups
    blocks, data = [], []
    for a in attrs:
        rows = g[g["attribute"] == a].reset_index(drop=True)
        ref = _reference(result, a)
        labels = [str(x) + (_t(lang, "ref_suffix") if str(x) == ref else "") for x in rows["group"]]
        blocks.append((a, labels))
        data.append((rows, ref))
    return blocks, data


def _is_reference(rows: pd.DataFrame, ref: str | None) -> np.ndarray:
    """Which rows are the reference group (none when the attribute has no reference)."""
    return (rows["group"].astype(str) == ref).to_numpy() if ref else np.zeros(len(rows), bool)


def _points(ax: Axes, x: np.ndarray, y: np.ndarray, marker: str, colour: str, gid: str) -> Line2D:
    """One series of unconnected row markers (size 6, above the interval bars), tagged ``gid``."""
    (line,) = ax.plot(
        x,
        y,
        linestyle="none",
        marker=marker,
        color=colour,
        markersize=6,
        zorder=3,
        clip_on=False,
    )
    line.set_gid(gid)
    return line


def _overall_line(ax: Axes, x: float, gid: str, **kwargs: Any) -> None:
    """The dashed vermillion vertical line of a rate over all files."""
    ax.axvline(
        x, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2, zorder=1, gid=gid, **kwargs
    )


def _policy_line(ax: Axes, x: float, zorder: float, gid: str, label: str) -> None:
    """The black dashed vertical line of the policy (its budget or its cut-off score)."""
    ax.axvline(
        x,
        color="black",
        linestyle=(0, (4, 2)),
        linewidth=1.2,
        zorder=zorder,
        gid=gid,
        label=label,
    )
