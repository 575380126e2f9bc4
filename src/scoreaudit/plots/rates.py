"""Figures of selection rates by group and of the disparities against the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scoreaudit.plots._doc import _doc
from scoreaudit.plots._style import (
    _FOUR_FIFTHS,
    _GREY,
    _LIGHT,
    _NOTE_BOX,
    OKABE_ITO,
    _add_notes,
    _attributes,
    _check,
    _figure_and_axes,
    _group_blocks,
    _group_handles,
    _hidden,
    _interval_bars,
    _is_reference,
    _label_inches,
    _marker,
    _min_cell,
    _overall_line,
    _points,
    _policy_text,
    _ratio_axis,
    _ratio_limits,
    _reference,
    _rows_layout,
    _set_row_ticks,
    _small_handle,
    _style,
    _suppressed_labels,
    _xerr,
)
from scoreaudit.plots._text import _percent_ticks, _t, format_count, format_percent, plain
from scoreaudit.results import AuditResult


# -- 1. selection rates --------------------------------------------------------------------
@_doc
def selection_rates(
    result: AuditResult,
    attribute: str | None = None,
    *,
    lang: str = "en",
    ax: Axes | None = None,
    suppress_small: bool = False,
) -> Figure:
    """Selection rate of every group, with its confidence interval.

    One row per group (grouped by attribute when ``attribute`` is None: all single
    attributes). The point is the rate, the bar its Wilson interval, the reference group is
    drawn as a black diamond and labelled "(ref.)", the dashed vertical line is the rate over
    all files (the policy's budget), and each row is annotated with the rate and the count
    (selected / files).

    Parameters
    ----------
    result : AuditResult
        The audit to draw.
    attribute : str, optional
        An audited attribute or intersection (``"gender × family_status"``); None draws every
        single attribute.
    %(lang_param)s
    ax : matplotlib Axes, optional
        Draw into this axes (its figure is returned) instead of a new figure.
    %(suppress_param)s

    %(returns_figure)s

    Examples
    --------
    %(example_setup)s
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 500), "score": rng.random(500)})
    >>> res = sa.audit(sa.Population(f, protected=["gender"]), "score", sa.Budget(share=0.2))
    >>> fig = plots.selection_rates(res, "gender")
    >>> len(fig.axes)
    1
    """
    _check(result, lang, ax)
    attrs = _attributes(result, attribute)
    blocks, data = _group_blocks(result, attrs, lang)
    headers = len(attrs) > 1
    ticks, tick_labels, header_idx, block_ys = _rows_layout(blocks, headers)
    n_rows = len(ticks)
    with _style():
        fig, ax = _figure_and_axes(ax, 6.5 + _label_inches(tick_labels), 1.3 + 0.24 * n_rows)
        small_m = _min_cell(result)
        hi_all = []
        notes = []
        any_suppressed = any_small = False
        for (rows, ref), ys in zip(data, block_ys, strict=True):
            y = np.asarray(ys)
            rate = rows["selection_rate"].to_numpy(float)
            lo = rows["selection_rate_low"].to_numpy(float)
            hi = rows["selection_rate_high"].to_numpy(float)
            small = rows["small_cell"].fillna(False).to_numpy(bool)
            is_ref = _is_reference(rows, ref)
            hide = _hidden(rows, suppress_small)
            any_suppressed |= bool(hide.any())
            show = ~hide
            hi_all.append(hi[show])
            _interval_bars(ax, rate[show], y[show], _xerr(rate, lo, hi)[:, show])
            for mask, marker, colour, gid in (
                (show & ~is_ref & ~small, "o", OKABE_ITO["blue"], "rate-points"),
                (show & ~is_ref & small, "o", OKABE_ITO["blue"], "rate-points-small"),
                (show & is_ref & ~small, "D", OKABE_ITO["black"], "rate-points-reference"),
                (show & is_ref & small, "D", OKABE_ITO["black"], "rate-points-reference-small"),
            ):
                if mask.any():
                    hollow = gid.endswith("small")
                    any_small |= hollow
                    line = _points(ax, rate[mask], y[mask], marker, colour, gid)
                    line.set_markerfacecolor("white" if hollow else colour)
            for i in np.flatnonzero(show):
                ax.annotate(
                    f"{format_percent(rate[i], lang, 1)}  "
                    f"({format_count(rows['selected'].iloc[i], lang)}/"
                    f"{format_count(rows['n'].iloc[i], lang)})",
                    xy=(hi[i] if np.isfinite(hi[i]) else rate[i], y[i]),
                    xytext=(5, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7,
                    color="#333333",
                )
            _suppressed_labels(ax, y[hide], lang)
        overall = float(result.selection.share)
        _overall_line(ax, overall, "overall-rate")
        xmax = max([float(np.nanmax(h)) for h in hi_all if h.size] + [overall])
        ax.set_xlim(0, xmax * 1.45 if xmax > 0 else 1)
        _percent_ticks(ax.xaxis, lang)
        _set_row_ticks(ax, ticks, tick_labels, header_idx)
        ax.grid(axis="x", color=_LIGHT, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(_t(lang, "selection_rate"))
        if not headers:
            ax.set_ylabel(plain(attrs[0]))
        ax.set_title(_t(lang, "selection_rates_title"), loc="left")
        handles = _group_handles(
            result, lang, _t(lang, "overall", rate=format_percent(overall, lang))
        )
        if any_small:
            handles.append(_small_handle(lang))
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0), frameon=False)
        if any_suppressed:
            notes.append(_t(lang, "suppressed_note", m=small_m))
        notes.append(_t(lang, "budget_note", policy=_policy_text(result, lang)))
        _add_notes(ax, notes)
    return fig


# -- 2. forest plot of disparities ---------------------------------------------------------
@_doc
def disparity_forest(
    result: AuditResult,
    attribute: str | None = None,
    *,
    lang: str = "en",
    ax: Axes | None = None,
    suppress_small: bool = False,
) -> Figure:
    """Ratio of selection rates to the reference group, with intervals, on a log axis.

    One row per compared group (the reference itself has no row; it is named in the block
    header). Squares are comparisons significant after the audit's multiple-testing
    correction, circles the others; hollow markers are small cells. The solid line is parity
    (ratio 1), the shaded band the four-fifths rule's range 0.8 to 1.25. An infinite ratio
    (reference group with no selected file) is drawn as an arrow at the right edge, a zero
    ratio at the left edge, and an undefined one (no file selected in either group) as
    "n/a"; intervals that run past the axis end in small arrows.

    Parameters
    ----------
    result : AuditResult
        The audit to draw.
    %(attribute_param)s
    %(lang_param)s
    ax : matplotlib Axes, optional
        Draw into this axes (its figure is returned).
    suppress_small : bool
        Hide the ratios of small cells (for published outputs).

    %(returns_figure)s

    Examples
    --------
    %(example_setup)s
    >>> f = pd.DataFrame({"status": rng.choice(["alone", "couple", "single_parent"], 900),
    ...                   "score": rng.random(900)})
    >>> res = sa.audit(sa.Population(f, protected=["status"]), "score",
    ...                sa.Budget(share=0.2), reference={"status": "couple"})
    >>> fig = plots.disparity_forest(res, "status")
    >>> xs = [x for line in fig.axes[0].lines if (line.get_gid() or "").startswith("ratio-points")
    ...       for x in line.get_xdata()]
    >>> np.allclose(sorted(xs), sorted(res.ratio("status")))
    True
    """
    _check(result, lang, ax)
    attrs = _attributes(result, attribute)
    d = result.disparities
    blocks, data = [], []
    for a in attrs:
        rows = d[d["attribute"] == a].reset_index(drop=True)
        ref = _reference(result, a)
        title = (
            _t(lang, "vs", attribute=a, reference=ref)
            if ref is not None
            else _t(lang, "vs_rest", attribute=a)
        )
        blocks.append((title, [str(x) for x in rows["group"]]))
        data.append(rows)
    ticks, tick_labels, header_idx, block_ys = _rows_layout(blocks, headers=True)
    all_rows = pd.concat(data, ignore_index=True) if data else d.iloc[:0]
    y = np.concatenate([np.asarray(ys, float) for ys in block_ys]) if block_ys else np.zeros(0)
    ratio = all_rows["ratio"].to_numpy(float)
    lo = all_rows["ratio_low"].to_numpy(float)
    hi = all_rows["ratio_high"].to_numpy(float)
    sig = all_rows["significant"].fillna(False).to_numpy(bool)
    small = all_rows["small_cell"].fillna(False).to_numpy(bool)
    hide = _hidden(all_rows, suppress_small)
    shown = ~hide
    xmin, xmax = _ratio_limits([ratio[shown], lo[shown], hi[shown]])
    with _style():
        width = 6.0 + _label_inches(tick_labels)
        fig, ax = _figure_and_axes(ax, width, 1.6 + 0.24 * len(ticks))
        ax.axvspan(
            *_FOUR_FIFTHS, color=_LIGHT, alpha=0.6, linewidth=0, zorder=0, gid="four-fifths-band"
        )
        for edge in _FOUR_FIFTHS:
            ax.axvline(edge, color=_GREY, linestyle=":", linewidth=0.9, zorder=1)
        ax.axvline(1.0, color="black", linewidth=1.0, zorder=1, gid="parity")
        notes: list[str] = []
        # intervals, clipped to the axis with arrows where they run past it
        lo_c = np.where(np.isfinite(lo) & (lo > 0), lo, xmin)
        hi_c = np.where(np.isnan(hi), xmin, hi)
        lo_c, hi_c = np.clip(lo_c, xmin, xmax), np.clip(hi_c, xmin, xmax)
        ok_int = shown & ~np.isnan(ratio) & ~(np.isnan(lo) & np.isnan(hi))
        ax.hlines(y[ok_int], lo_c[ok_int], hi_c[ok_int], color=_GREY, linewidth=1.4, zorder=2)
        past_lo = ok_int & ~(np.isfinite(lo) & (lo >= xmin))
        past_hi = ok_int & ~(np.isfinite(hi) & (hi <= xmax))
        for mask, x, marker in ((past_lo, xmin, "<"), (past_hi, xmax, ">")):
            if mask.any():
                ax.plot(
                    np.full(mask.sum(), x),
                    y[mask],
                    linestyle="none",
                    marker=marker,
                    color=_GREY,
                    markersize=4,
                    clip_on=False,
                    zorder=2,
                )
        finite = shown & np.isfinite(ratio) & (ratio > 0)
        for is_sig in (True, False):
            for is_small in (False, True):
                m = finite & (sig == is_sig) & (small == is_small)
                if not m.any():
                    continue
                colour = OKABE_ITO["vermillion"] if is_sig else OKABE_ITO["blue"]
                (line,) = ax.plot(
                    ratio[m],
                    y[m],
                    linestyle="none",
                    marker="s" if is_sig else "o",
                    markersize=6.5 if is_sig else 6,
                    color=colour,
                    zorder=3,
                    markerfacecolor="white" if is_small else colour,
                    markeredgewidth=1.3,
                )
                line.set_gid(
                    "ratio-points"
                    + ("-significant" if is_sig else "")
                    + ("-small" if is_small else "")
                )
        # ratios that are not finite and positive: at the edges, with notes
        inf = shown & np.isposinf(ratio)
        zero = shown & (ratio == 0)
        undefined = shown & np.isnan(ratio)
        for mask, x, marker, text, ha, dx, key in (
            (inf, xmax, ">", "∞", "right", -8, "inf_note"),
            (zero, xmin, "<", "0", "left", 8, "zero_note"),
        ):
            if mask.any():
                colours = np.where(sig[mask], OKABE_ITO["vermillion"], OKABE_ITO["blue"])
                (line,) = ax.plot(
                    np.full(mask.sum(), x),
                    y[mask],
                    linestyle="none",
                    marker=marker,
                    markersize=8,
                    color=colours[0],
                    clip_on=False,
                    zorder=4,
                )
                line.set_gid("ratio-edge")
                for yy in y[mask]:
                    ax.annotate(
                        text,
                        xy=(x, yy),
                        xytext=(dx, 0),
                        textcoords="offset points",
                        ha=ha,
                        va="center",
                        fontsize=8,
                        fontweight="bold",
                        bbox=_NOTE_BOX,
                        zorder=5,
                    )
                notes.append(_t(lang, key))
        for yy in y[undefined]:
            ax.text(
                1.0, yy, " " + _t(lang, "na"), va="center", ha="left", fontsize=7, style="italic"
            )
        if undefined.any():
            notes.append(_t(lang, "nan_note"))
        _suppressed_labels(ax, y[hide], lang)
        if hide.any():
            notes.append(_t(lang, "suppressed_note", m=_min_cell(result)))
        _ratio_axis(ax, xmin, xmax, lang, "x")
        _set_row_ticks(ax, ticks, tick_labels, header_idx)
        ax.set_xlabel(_t(lang, "ratio_axis"))
        ax.set_title(_t(lang, "forest_title"), loc="left")
        handles = [
            _marker("s", OKABE_ITO["vermillion"], _t(lang, "significant")),
            _marker("o", OKABE_ITO["blue"], _t(lang, "not_significant")),
            Line2D([], [], color="black", linewidth=1.0, label=_t(lang, "parity")),
            Patch(
                facecolor=_LIGHT, alpha=0.6, edgecolor=_GREY, linestyle=":", label=_t(lang, "band")
            ),
        ]
        if (finite & small).any():
            handles.append(_small_handle(lang))
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0), frameon=False)
        notes.append(_t(lang, "budget_note", policy=_policy_text(result, lang)))
        _add_notes(ax, notes)
    return fig
