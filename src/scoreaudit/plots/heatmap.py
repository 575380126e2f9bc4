"""Heat map of the selection-rate ratios of the intersections of two attributes."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from scoreaudit.core.vocab import SEP
from scoreaudit.errors import DataError
from scoreaudit.plots._doc import _doc
from scoreaudit.plots._style import (
    _add_notes,
    _attribute_names,
    _check,
    _figure_and_axes,
    _hidden,
    _label_inches,
    _min_cell,
    _nice_ratio_ticks,
    _policy_text,
    _reference,
    _single_attributes,
    _style,
)
from scoreaudit.plots._text import _t, _tick_formatter, format_number, plain
from scoreaudit.results import AuditResult


# -- 5. intersection heatmap -------------------------------------------------------------
def _luminance(rgba: Sequence[float]) -> float:
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@_doc
def intersection_heatmap(
    result: AuditResult,
    rows: str,
    cols: str,
    *,
    lang: str = "en",
    ax: Axes | None = None,
    suppress_small: bool = False,
) -> Figure:
    """Selection-rate ratios of a two-way intersection as a heatmap centred at 1 (log scale).

    Cell (i, j) is the ratio of the selection rate of files in row group i and column group
    j to the intersection's reference cell (marked "ref."). Colours diverge from white at
    parity (purple below 1, orange above, on a symmetric log scale) and every cell is also
    annotated with its value, so the figure reads in black and white; significant ratios
    (after correction) are bold, small cells hatched, absent combinations grey. Infinite
    ratios read "∞".

    Parameters
    ----------
    result : AuditResult
        The audit to draw (run with ``intersections=True``).
    rows, cols : str
        Two different audited single attributes.
    %(lang_param)s
    ax : matplotlib Axes, optional
        Draw into this axes (a colour bar is added beside it).
    %(suppress_param)s

    %(returns_figure)s

    Examples
    --------
    %(example_setup)s
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 2000),
    ...                   "status": rng.choice(["alone", "couple"], 2000),
    ...                   "score": rng.random(2000)})
    >>> res = sa.audit(sa.Population(f, protected=["gender", "status"]), "score",
    ...                sa.Budget(share=0.1))
    >>> fig = plots.intersection_heatmap(res, "gender", "status")
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['alone', 'couple']
    """
    _check(result, lang, ax)
    name = _intersection_of(result, rows, cols)
    members = name.split(SEP)
    pop = result.population
    g = result.groups[result.groups["attribute"] == name].set_index("group")
    d = result.disparities[result.disparities["attribute"] == name].set_index("group")
    hidden = set(g.index[_hidden(g, suppress_small)]) | set(d.index[_hidden(d, False)])

    def levels(attr: str, pos: int) -> list[str]:
        if pop is not None and attr in getattr(pop, "attributes", {}):
            return [str(x) for x in pop.attributes[attr].levels]
        return list(dict.fromkeys(str(x).split(SEP)[pos] for x in g.index))

    row_lv = levels(rows, members.index(rows))
    col_lv = levels(cols, members.index(cols))
    ref = _reference(result, name)
    shape = (len(row_lv), len(col_lv))
    value = np.full(shape, np.nan)
    state = np.full(shape, "absent", dtype=object)
    signif = np.zeros(shape, bool)
    small = np.zeros(shape, bool)
    for i, r in enumerate(row_lv):
        for j, cl in enumerate(col_lv):
            label = SEP.join(r if m == rows else cl for m in members)
            if label not in g.index:
                continue
            # a true zero (no selected file in a large group) is a finding, not a small cell
            sel, size = (g.at[label, c] if c in g.columns else pd.NA for c in ("selected", "n"))
            known = not (pd.isna(sel) or pd.isna(size))  # a suppressed count is not a zero
            true_zero = known and sel == 0 and size >= _min_cell(result)
            small[i, j] = bool(g.at[label, "small_cell"]) and not true_zero
            if label in hidden:
                state[i, j] = "suppressed"
            elif label == ref:
                value[i, j], state[i, j] = 1.0, "ref"
            elif label in d.index:
                v = float(d.at[label, "ratio"])
                value[i, j] = v
                signif[i, j] = bool(d.at[label, "significant"])
                state[i, j] = (
                    ("ok" if v > 0 else "zero") if np.isfinite(v) else ("inf" if v > 0 else "nan")
                )
    finite = value[(state == "ok")]
    m = float(np.max(np.abs(np.log(finite)))) if finite.size else 0.0
    m = max(m * 1.05, math.log(1.5))
    norm = mcolors.LogNorm(vmin=math.exp(-m), vmax=math.exp(m))
    cmap = mpl.colormaps["PuOr_r"].with_extremes(bad="#BBBBBB")
    shown = np.where(state == "inf", norm.vmax, np.where(state == "zero", norm.vmin, value))
    shown = np.ma.masked_where(~np.isin(state, ["ok", "ref", "inf", "zero"]), shown)
    with _style():
        col_w = max(1.0, _label_inches(col_lv) + 0.2)
        width = max(5.5, 2.2 + _label_inches(row_lv) + col_w * shape[1])
        fig, ax = _figure_and_axes(ax, width, 2.3 + 0.55 * shape[0])
        mesh = ax.pcolormesh(
            np.arange(shape[1] + 1),
            np.arange(shape[0] + 1),
            shown,
            cmap=cmap,
            norm=norm,
            edgecolors="white",
            linewidth=1.5,
        )
        mesh.set_gid("heatmap")
        for i in range(shape[0]):
            for j in range(shape[1]):
                st = state[i, j]
                if small[i, j]:
                    ax.add_patch(
                        Rectangle(
                            (j, i),
                            1,
                            1,
                            fill=False,
                            hatch="////",
                            edgecolor="#555555",
                            linewidth=0,
                            zorder=2,
                            gid="small-cell",
                        )
                    )
                text = {
                    "ok": format_number(value[i, j], lang, 3),
                    "ref": _t(lang, "ref_cell"),
                    "inf": "∞",
                    "zero": "0",
                    "nan": _t(lang, "na"),
                    "absent": _t(lang, "no_file"),
                    "suppressed": _t(lang, "suppressed_cell"),
                }[st]
                if st in ("ok", "ref", "inf", "zero") and not small[i, j]:
                    face = cmap(norm(shown[i, j]))
                    colour = "white" if _luminance(face) < 0.3 else "black"
                else:
                    colour = "black"
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    color=colour,
                    fontweight="bold" if signif[i, j] else "normal",
                    zorder=3,
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "facecolor": "white",
                        "alpha": 0.75,
                        "linewidth": 0,
                    }
                    if small[i, j]
                    else None,
                    gid="cell-value",
                )
        ax.set_xlim(0, shape[1])
        ax.set_ylim(shape[0], 0)
        ax.set_xticks(np.arange(shape[1]) + 0.5, [plain(x) for x in col_lv])
        ax.set_yticks(np.arange(shape[0]) + 0.5, [plain(x) for x in row_lv])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel(plain(cols))
        ax.set_ylabel(plain(rows))
        ax.set_title(_t(lang, "heatmap_title", rows=plain(rows), cols=plain(cols)), loc="left")
        cbar = fig.colorbar(mesh, ax=ax, shrink=0.9, pad=0.02)
        cbar.set_label(_fitted(_t(lang, "heatmap_cbar"), 0.75 * fig.get_figheight()))
        cbar.ax.yaxis.set_major_locator(
            ticker.FixedLocator(_nice_ratio_ticks(norm.vmin, norm.vmax))
        )
        cbar.ax.yaxis.set_major_formatter(_tick_formatter("number", lang))
        cbar.ax.yaxis.set_minor_locator(ticker.NullLocator())
        notes = [
            _t(lang, "heatmap_ref", reference=plain(ref))
            if ref is not None
            else _t(lang, "heatmap_ref_rest"),
            _t(lang, "heatmap_note", m=_min_cell(result)),
        ]
        if (state == "inf").any():
            notes.append(_t(lang, "inf_note").replace("→ ", ""))
        if (state == "suppressed").any():
            notes.append(_t(lang, "suppressed_note", m=_min_cell(result)))
        notes.append(_t(lang, "budget_note", policy=_policy_text(result, lang)))
        _add_notes(ax, notes)
    return fig


def _intersection_of(result: AuditResult, rows: str, cols: str) -> str:
    """The audited intersection of the attributes ``rows`` and ``cols``."""
    singles = _single_attributes(result)
    for which, val in (("rows", rows), ("cols", cols)):
        if not isinstance(val, str) or val not in singles:
            raise DataError.from_key(
                "err_plot_heatmap_attribute",
                attribute=plain(val),
                which=which,
                available=", ".join(map(repr, singles)),
            )
    if rows == cols:
        raise DataError.from_key("err_plot_heatmap_same", attribute=rows)
    names = _attribute_names(result)
    name = next((n for n in names if sorted(n.split(SEP)) == sorted([rows, cols])), None)
    if name is None:
        raise DataError.from_key(
            "err_plot_heatmap_no_intersection",
            rows=rows,
            cols=cols,
            audited=", ".join(map(repr, names)),
        )
    return name


def _fitted(label: str, inches: float) -> str:
    """``label`` on two lines if one would run past ``inches`` (a colorbar label is as long
    as the figure is high: the French one ran off the top of a two-row heatmap)."""
    if _label_inches([label], 9.0) <= inches:
        return label
    return "\n".join(textwrap.wrap(label, math.ceil(len(label) / 2) + 1))
