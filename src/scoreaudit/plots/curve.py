"""Figures along the budget: ratio curve, precision and false-positive rate."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from scoreaudit.errors import DataError
from scoreaudit.plots._doc import _doc
from scoreaudit.plots._style import (
    _FOUR_FIFTHS,
    _LIGHT,
    _NOTE_BOX,
    OKABE_ITO,
    _add_notes,
    _attribute_names,
    _attributes,
    _check,
    _figure_of,
    _group_blocks,
    _group_handles,
    _hidden,
    _interval_bars,
    _is_reference,
    _label_inches,
    _level_text,
    _min_cell,
    _new_figure,
    _overall_line,
    _points,
    _policy_line,
    _policy_text,
    _ratio_axis,
    _ratio_limits,
    _reference,
    _rows_layout,
    _set_row_ticks,
    _style,
    _style_series,
    _suppressed_labels,
    _xerr,
)
from scoreaudit.plots._text import _percent_ticks, _t, format_percent, plain
from scoreaudit.results import AuditResult


# -- 3. budget curve ----------------------------------------------------------------------
@_doc
def budget_curve(
    result: AuditResult,
    attribute: str | None = None,
    *,
    groups: Sequence[str] | str | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Figure:
    """Ratio of every group's selection rate to the reference's, across control budgets.

    One panel per attribute (every single attribute when ``attribute`` is None), one line
    per compared group (different colour, line style and marker), with its pointwise
    confidence band; parity (1) and the four-fifths band (0.8 to 1.25) are marked, and the
    vertical line is the budget the policy actually realised. Infinite ratios (reference
    group with no selected file at small budgets) are marked by triangles at the top edge,
    zero ratios by triangles at the bottom edge; finite ratios beyond 1:100 leave the axis.

    Parameters
    ----------
    result : AuditResult
        The audit to draw (its ``curve`` table).
    %(attribute_param)s
    groups : list of str, optional
        Only these groups (labels as in ``result.groups``); default all but the reference.
    %(lang_param)s
    ax : matplotlib Axes, optional
        Draw into this axes (only with a single attribute).

    %(returns_figure)s

    Examples
    --------
    %(example_setup)s
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 900), "score": rng.random(900)})
    >>> res = sa.audit(sa.Population(f, protected=["gender"]), "score",
    ...                sa.Budget(share=0.1), reference={"gender": "man"})
    >>> fig = plots.budget_curve(res, "gender")
    >>> [line.get_gid() for line in fig.axes[0].lines if (line.get_gid() or "").startswith("curve")]
    ['curve:woman']
    """
    _check(result, lang, ax)
    attrs = _attributes(result, attribute)
    if ax is not None and len(attrs) > 1:
        raise DataError.from_key(
            "err_plot_curve_one_attribute",
            available=", ".join(map(repr, _attribute_names(result))),
        )
    c = result.curve
    if isinstance(groups, str):
        groups = [groups]
    wanted = None if groups is None else [str(x) for x in groups]
    available = {
        a: list(dict.fromkeys(c.loc[c["attribute"] == a, "group"].astype(str))) for a in attrs
    }
    if wanted is not None:
        known = {x for v in available.values() for x in v}
        unknown = [x for x in wanted if x not in known]
        if unknown:
            listing = ", ".join(repr(x) for v in available.values() for x in v)
            raise DataError.from_key(
                "err_plot_curve_unknown_groups",
                groups=", ".join(map(repr, unknown)),
                available=listing,
            )
        attrs = [a for a in attrs if any(x in available[a] for x in wanted)]
    share = float(result.selection.share)
    level = _level_text(result, lang)
    with _style():
        if ax is None:
            fig = _new_figure(7.5, 0.9 + 2.5 * len(attrs))
            axes = list(
                np.atleast_1d(fig.subplots(len(attrs), 1, sharex=True, squeeze=False).ravel())
            )
        else:
            fig = _figure_of(ax)
            axes = [ax]
        any_inf = any_zero = any_suppressed = False
        for k, (a, axk) in enumerate(zip(attrs, axes, strict=False)):
            ref = _reference(result, a)
            sub = c[c["attribute"] == a]
            labels = [x for x in available[a] if x != ref and (wanted is None or x in wanted)]
            parts = {x: sub[sub["group"].astype(str) == x].sort_values("budget") for x in labels}
            # limits from the ratios themselves (every finite one is shown, up to 1:100);
            # intervals widen them by at most half
            ratios = np.concatenate(
                [p["ratio"].to_numpy(float) for p in parts.values()] or [np.ones(1)]
            )
            ymin, ymax = _ratio_limits([ratios], floor=1 / 100, ceil=100.0)
            ilo, ihi = _ratio_limits(
                [
                    p[col].to_numpy(float)
                    for p in parts.values()
                    for col in ("ratio_low", "ratio_high")
                ]
                or [np.ones(1)],
                floor=ymin / 1.5,
                ceil=ymax * 1.5,
            )
            ymin, ymax = min(ymin, ilo), max(ymax, ihi)
            axk.axhspan(*_FOUR_FIFTHS, color=_LIGHT, alpha=0.6, linewidth=0, zorder=0)
            axk.axhline(1.0, color="black", linewidth=1.0, zorder=1)
            drawable = False
            for i, (x, p) in enumerate(parts.items()):
                st = _style_series(i)
                b = p["budget"].to_numpy(float)
                r = p["ratio"].to_numpy(float)
                rl = p["ratio_low"].to_numpy(float)
                rh = p["ratio_high"].to_numpy(float)
                ok = np.isfinite(r) & (r > 0)
                band_ok = ok | np.isposinf(r)
                rl_c = np.clip(np.where(np.isfinite(rl) & (rl > 0), rl, ymin), ymin, ymax)
                rh_c = np.clip(np.where(np.isnan(rh), ymax, rh), ymin, ymax)
                axk.fill_between(
                    b,
                    rl_c,
                    rh_c,
                    where=band_ok,
                    color=st["color"],
                    alpha=0.13,
                    linewidth=0,
                    zorder=1,
                )
                (line,) = axk.plot(
                    b,
                    np.where(ok, r, np.nan),
                    color=st["color"],
                    linestyle=st["linestyle"],
                    marker=st["marker"],
                    markersize=4.5,
                    markevery=max(1, len(b) // 10),
                    linewidth=1.5,
                    label=plain(x),
                    zorder=3,
                )
                line.set_gid(f"curve:{x}")
                drawable |= bool(band_ok.any())
                if "suppressed" in p.columns and p["suppressed"].fillna(True).any():
                    any_suppressed = True
                for edge_mask, edge_y, marker in ((np.isposinf(r), ymax, "^"), (r == 0, ymin, "v")):
                    if edge_mask.any():
                        if marker == "^":
                            any_inf = True
                        else:
                            any_zero = True
                        edge = axk.plot(
                            b[edge_mask],
                            np.full(edge_mask.sum(), edge_y),
                            linestyle="none",
                            marker=marker,
                            color=st["color"],
                            markersize=5,
                            clip_on=False,
                            zorder=4,
                        )[0]
                        edge.set_gid(f"curve-edge:{x}")
            _policy_line(
                axk,
                share,
                2,
                "policy-budget",
                _t(lang, "policy_line", share=format_percent(share, lang)),
            )
            if not drawable:
                axk.text(
                    0.5,
                    0.5,
                    _t(lang, "suppressed") if any_suppressed else _t(lang, "na"),
                    transform=axk.transAxes,
                    ha="center",
                    va="center",
                    style="italic",
                    bbox=_NOTE_BOX,
                )
            _ratio_axis(axk, ymin, ymax, lang, "y")
            axk.set_ylabel(
                _t(lang, "budget_ratio_axis", reference=plain(ref))
                if ref is not None
                else _t(lang, "budget_ratio_axis_rest")
            )
            axk.set_title(plain(a), loc="left", fontweight="bold")
            axk.grid(axis="x", color=_LIGHT, linewidth=0.6)
            handles, _ = axk.get_legend_handles_labels()
            handles.append(Patch(facecolor=_LIGHT, alpha=0.6, label=_t(lang, "band")))
            axk.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
            bmax = float(sub["budget"].max()) if len(sub) else 1.0
            axk.set_xlim(0, max(bmax, share) * 1.01)
            _percent_ticks(axk.xaxis, lang)
            if k == len(attrs) - 1:
                axk.set_xlabel(_t(lang, "budget_axis"))
        if attrs:
            if ax is None:
                fig.suptitle(_t(lang, "budget_title"), x=0.01, ha="left", fontsize=10)
            notes = [_t(lang, "band_note", level=level)]
            if any_inf:
                notes.append(_t(lang, "inf_curve_note"))
            if any_zero:
                notes.append(_t(lang, "zero_curve_note"))
            if any_suppressed:
                notes.append(_t(lang, "curve_suppressed", m=_min_cell(result)))
            _add_notes(axes[len(attrs) - 1], notes)
    return fig


# -- 6. precision and false-positive rate ----------------------------------------------------
@_doc
def precision_fpr(
    result: AuditResult,
    attribute: str | None = None,
    *,
    lang: str = "en",
    suppress_small: bool = False,
) -> Figure:
    """Precision and false-positive rate of the selection by group, with intervals.

    Needs outcome labels (the population built with ``label=``). Left panel: precision, the
    share of selected files with a known outcome in which irregularities were found. Right
    panel: false-positive rate, the share of files with a known outcome and no irregularity
    that were selected. The reference group is a black diamond; the dashed lines are the
    values over all files.

    Parameters
    ----------
    result : AuditResult
        The audit to draw (with labels).
    %(attribute_param)s
    %(lang_param)s
    %(suppress_param)s

    %(returns_figure)s

    Raises
    ------
    DataError
        If the audit had no outcome labels.

    Examples
    --------
    %(example_setup)s
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 900), "score": rng.random(900),
    ...                   "y": rng.integers(0, 2, 900)})
    >>> res = sa.audit(sa.Population(f, protected=["gender"], label="y"), "score",
    ...                sa.Budget(share=0.2))
    >>> len(plots.precision_fpr(res).axes)
    2
    """
    _check(result, lang)
    g = result.groups
    if "precision" not in g.columns or "fpr" not in g.columns:
        raise DataError.from_key("err_plot_precision_no_labels")
    attrs = _attributes(result, attribute)
    blocks, data = _group_blocks(result, attrs, lang)
    headers = len(attrs) > 1
    ticks, tick_labels, header_idx, block_ys = _rows_layout(blocks, headers)
    overall = _overall_label_rates(result)
    with _style():
        fig = _new_figure(7.0 + _label_inches(tick_labels), 1.6 + 0.24 * len(ticks))
        axes = fig.subplots(1, 2, sharey=True)
        any_hidden = False
        for axk, metric, key in (
            (axes[0], "precision", "precision_axis"),
            (axes[1], "fpr", "fpr_axis"),
        ):
            his = []
            for (rows, ref), ys in zip(data, block_ys, strict=True):
                y = np.asarray(ys, float)
                v = rows[metric].to_numpy(float)
                lo = rows[f"{metric}_low"].to_numpy(float)
                hi = rows[f"{metric}_high"].to_numpy(float)
                hide = _hidden(rows, suppress_small, "suppressed_labels")
                if suppress_small and "suppressed" not in rows.columns:
                    # outcome rates rest on the labelled files, fewer than all files
                    few = rows["selected_with_label"].to_numpy(float) < _min_cell(result)
                    hide = hide | few
                any_hidden |= bool(hide.any())
                is_ref = _is_reference(rows, ref)
                ok = ~hide & np.isfinite(v)
                his.append(hi[ok])
                _interval_bars(axk, v[ok], y[ok], _xerr(v, lo, hi)[:, ok])
                for mask, marker, colour, gid in (
                    (ok & ~is_ref, "o", OKABE_ITO["blue"], "points"),
                    (ok & is_ref, "D", "black", "points-reference"),
                ):
                    if mask.any():
                        _points(axk, v[mask], y[mask], marker, colour, f"{metric}-{gid}")
                trans = blended_transform_factory(axk.transAxes, axk.transData)
                for i in np.flatnonzero(~hide & ~np.isfinite(v)):
                    axk.text(
                        0.01,
                        y[i],
                        _t(lang, "na"),
                        va="center",
                        fontsize=7,
                        style="italic",
                        transform=trans,
                    )
                _suppressed_labels(axk, y[hide], lang)
            if math.isfinite(overall[metric]):
                _overall_line(
                    axk,
                    overall[metric],
                    f"{metric}-overall",
                    label=_t(lang, "overall", rate=format_percent(overall[metric], lang)),
                )
                axk.annotate(
                    format_percent(overall[metric], lang, 1),
                    xy=(overall[metric], 1.0),
                    xycoords=blended_transform_factory(axk.transData, axk.transAxes),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=OKABE_ITO["vermillion"],
                )
            top = [float(np.nanmax(h)) for h in his if h.size and np.isfinite(h).any()]
            xmax = max(top + [overall[metric] if math.isfinite(overall[metric]) else 0.0])
            axk.set_xlim(0, min(1.0, xmax * 1.1) if xmax > 0 else 1.0)
            _percent_ticks(axk.xaxis, lang)
            axk.grid(axis="x", color=_LIGHT, linewidth=0.6)
            axk.set_axisbelow(True)
            axk.set_xlabel(_t(lang, key))
        _set_row_ticks(axes[0], ticks, tick_labels, header_idx)
        axes[1].tick_params(axis="y", length=0)
        if not headers:
            axes[0].set_ylabel(plain(attrs[0]))
        fig.suptitle(_t(lang, "precision_title"), x=0.01, ha="left", fontsize=10)
        fig.legend(
            handles=_group_handles(result, lang, _t(lang, "all_files")),
            loc="outside lower center",
            ncols=3,
            frameon=False,
        )
        notes = [_t(lang, "labels_note")]
        if any_hidden:
            notes.append(_t(lang, "suppressed_note", m=_min_cell(result)))
        notes.append(_t(lang, "budget_note", policy=_policy_text(result, lang)))
        _add_notes(axes[0], notes)
    return fig


def _overall_label_rates(result: AuditResult) -> dict[str, float]:
    """Precision and false-positive rate over all files (NaN when not computable)."""
    out = {"precision": math.nan, "fpr": math.nan}
    pop = result.population
    labels = getattr(pop, "labels", None)
    if labels is None or result.selected is None:
        return out
    y = np.asarray(labels, dtype=float)
    sel = np.asarray(result.selected, dtype=bool)
    w = np.ones(y.size) if pop.weights is None else np.asarray(pop.weights, float)
    known = np.isfinite(y)
    pos, neg = known & (y == 1), known & (y == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["precision"] = float(np.sum(w[sel & pos]) / np.sum(w[sel & known]))
        out["fpr"] = float(np.sum(w[sel & neg]) / np.sum(w[neg]))
    return out
