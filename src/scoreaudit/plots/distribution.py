"""Score distribution figure: one empirical CDF per group."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from scoreaudit.core.cells import build_cells, build_views
from scoreaudit.core.vocab import SEP
from scoreaudit.errors import DataError
from scoreaudit.plots._doc import _doc
from scoreaudit.plots._style import (
    _LIGHT,
    _add_notes,
    _check,
    _figure_and_axes,
    _min_cell,
    _policy_line,
    _resolve,
    _single_attributes,
    _style,
    _style_series,
)
from scoreaudit.plots._text import (
    _percent_ticks,
    _t,
    _tick_formatter,
    format_count,
    format_number,
    format_percent,
    plain,
)
from scoreaudit.present.catalogue import attribute_label, group_label
from scoreaudit.results import AuditResult


# -- 4. score distributions ------------------------------------------------------------
def _group_codes(result: AuditResult, name: str) -> tuple[np.ndarray, list[str]]:
    """Row codes (0..k-1, only present groups) and labels of an attribute or intersection."""
    pop = result.population
    members = name.split(SEP)
    missing = [m for m in members if m not in pop.attributes]
    if missing:
        raise DataError.from_key(
            "err_plot_population_attribute",
            attribute=plain(name),
            available=", ".join(map(repr, pop.attributes)),
        )
    cells = build_cells([pop.attributes[m] for m in members])
    view = build_views(cells, intersections=len(members))[-1]  # all members, in their order
    return view.row_codes(cells), list(view.labels)


def _round_out(x: float, up: bool, digits: int = 2) -> float:
    """``x`` rounded outward to ``digits`` significant digits (axis ends that are not scores)."""
    if x == 0 or not math.isfinite(x):
        return x
    scale = 10 ** (math.floor(math.log10(abs(x))) - digits + 1)
    return (math.ceil(x / scale) if up else math.floor(x / scale)) * scale


def _ecdf_on_grid(s: np.ndarray, w: np.ndarray | None, grid: np.ndarray) -> np.ndarray:
    """Share (weighted) of ``s`` at or below each grid point.

    Published figures never draw a file's own score: the distribution is evaluated on a
    fixed grid of evenly spaced points (between axis ends rounded outward), so no step of
    the curve sits at the score of a particular file.
    """
    order = np.argsort(s, kind="stable")
    cum = np.cumsum(np.ones(s.size) if w is None else w[order])
    idx = np.searchsorted(s[order], grid, side="right")
    return np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0.0) / cum[-1]


@_doc
def score_ecdf(
    result: AuditResult,
    attribute: str | None = None,
    *,
    lang: str = "en",
    ax: Axes | None = None,
    suppress_small: bool = False,
) -> Figure:
    """Empirical distribution function of the scores in every group of an attribute.

    A curve to the right of another means higher scores, hence more controls, at every
    budget. The vertical dashed line is the policy's cut-off score (files at or above it are
    selected, shaded area); where a group's curve crosses it, one minus its height is roughly
    the group's selection rate. Curves differ by colour, line style and marker. With row
    weights the distribution is weighted. The curves are evaluated on a grid of 400 evenly
    spaced scores between axis ends rounded outward to 2 significant digits, so that no
    published figure shows the score of a particular file.

    Parameters
    ----------
    result : AuditResult
        The audit to draw (needs ``result.scores`` and ``result.population``).
    attribute : str, optional
        An audited attribute (or intersection); default the first protected attribute.
    %(lang_param)s
    ax : matplotlib Axes, optional
        Draw into this axes (its figure is returned).
    suppress_small : bool
        Leave out groups with fewer files than the audit's ``min_cell`` (their curve would
        show individual scores); they are named in a note.

    %(returns_figure)s

    Examples
    --------
    %(example_setup)s
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 900), "score": rng.random(900)})
    >>> res = sa.audit(sa.Population(f, protected=["gender"]), "score", sa.Budget(share=0.1))
    >>> fig = plots.score_ecdf(res, "gender", lang="fr")
    >>> fig.axes[0].get_xlabel()
    'Score'
    """
    _check(result, lang, ax)
    if result.scores is None or result.population is None:
        raise DataError.from_key("err_plot_ecdf_no_scores")
    name = _single_attributes(result)[0] if attribute is None else _resolve(result, attribute)
    codes, labels = _group_codes(result, name)
    scores = np.asarray(result.scores, dtype=float)
    weights = result.population.weights
    cutoff = float(result.selection.cutoff)
    with _style():
        fig, ax = _figure_and_axes(ax, 7.0, 4.2)
        lo = _round_out(float(np.nanmin(scores)), up=False)
        hi = _round_out(float(np.nanmax(scores)), up=True)
        pad = (hi - lo) * 0.02 or 0.5
        grid = np.linspace(lo - pad, hi + pad, 400)
        if math.isfinite(cutoff):
            ax.axvspan(
                cutoff,
                hi + pad,
                color=_LIGHT,
                alpha=0.5,
                linewidth=0,
                zorder=0,
                label=_t(lang, "selected_region"),
            )
        hidden = []
        for i, lab in enumerate(labels):
            m = codes == i
            if not m.any():
                continue
            if suppress_small and m.sum() < _min_cell(result):
                hidden.append(lab)
                continue
            x = grid
            yv = _ecdf_on_grid(scores[m], None if weights is None else weights[m], grid)
            st = _style_series(i)
            (line,) = ax.plot(
                x,
                yv,
                drawstyle="steps-post",
                color=st["color"],
                linestyle=st["linestyle"],
                linewidth=1.5,
                marker=st["marker"],
                markersize=4.5,
                markevery=(0.02 * i % 0.1, 0.1),
                label=f"{plain(group_label(name, lab, lang))} (n = {format_count(int(m.sum()), lang)})",
            )
            line.set_gid(f"ecdf:{lab}")
        if math.isfinite(cutoff):
            _policy_line(
                ax,
                cutoff,
                4,
                "cutoff",
                _t(
                    lang,
                    "cutoff",
                    cutoff=format_number(cutoff, lang, 3),
                    share=format_percent(result.selection.share, lang),
                ),
            )
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_formatter(_tick_formatter("number", lang))
        _percent_ticks(ax.yaxis, lang)
        ax.grid(color=_LIGHT, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(_t(lang, "score_axis"))
        ax.set_ylabel(_t(lang, "ecdf_axis"))
        ax.set_title(
            _t(lang, "ecdf_title", attribute=plain(attribute_label(name, lang))), loc="left"
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        if hidden:
            _add_notes(
                ax,
                [
                    _t(
                        lang,
                        "ecdf_hidden",
                        m=_min_cell(result),
                        groups=", ".join(plain(x) for x in hidden),
                    )
                ],
            )
    return fig
