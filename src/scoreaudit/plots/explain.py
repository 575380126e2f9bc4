"""Figures for :mod:`scoreaudit.explain`: contributions, neutralisation, paired shifts, personas.

Every function returns a :class:`matplotlib.figure.Figure` (nothing is shown or saved), uses
the Okabe-Ito colour-blind-safe palette and writes its texts in English (``lang="en"``) or
French (``lang="fr"``).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np, pandas as pd
>>> import scoreaudit as sa
>>> from scoreaudit.explain import explain
>>> frame = pd.DataFrame({"gender": np.repeat(["man", "woman"], 1000)})
>>> frame["x"] = (frame["gender"] == "woman") + np.random.default_rng(0).normal(size=2000)
>>> term = {"kind": "linear", "variable": "x", "coefficient": 1.0}
>>> card = sa.models.Scorecard.from_dict({"name": "m", "terms": [term]})
>>> pop = sa.Population(frame, protected=["gender"])
>>> res = sa.audit(pop, card, sa.Budget(share=0.1), reference={"gender": "man"})
>>> fig = plot_neutralisation(explain(res), "woman", lang="fr")
>>> fig.axes[0].get_xlabel()
'Rapport des taux de sélection (groupe / référence)'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scoreaudit.errors import DataError, Part
from scoreaudit.plots._doc import _doc
from scoreaudit.plots._style import OKABE_ITO
from scoreaudit.plots._text import format_count, format_percent
from scoreaudit.present.catalogue import LANGUAGES, attribute_label, group_label, t, variable_label

__all__ = [
    "OKABE_ITO",
    "plot_contributions",
    "plot_neutralisation",
    "plot_paired_shift",
    "plot_personas",
]

_CYCLE = [
    OKABE_ITO[k]
    for k in ("blue", "vermillion", "green", "orange", "sky_blue", "purple", "yellow", "black")
]


def _t(lang: str, key: str, **kw: Any) -> str:
    if lang not in LANGUAGES:
        raise DataError.from_key(
            "err_plot_lang", languages=", ".join(map(repr, LANGUAGES)), value=lang
        )
    return t(f"plot_x_{key}", lang, **kw)


def _num(x: float, lang: str) -> str:
    s = f"{x:.3g}"
    return s.replace(".", ",") if lang == "fr" else s


def _figure(ax: Any, size: tuple[float, float]) -> tuple[Figure, Any]:
    if ax is None:
        fig = Figure(figsize=size, layout="constrained")  # no pyplot state: never shown twice
        return fig, fig.add_subplot()
    return ax.figure, ax


@_doc
def plot_contributions(
    explanation: Any,
    attribute: str,
    *,
    groups: Sequence[str] | None = None,
    lang: str = "en",
    ax: Any = None,
) -> Figure:
    """Bars of each term's gap in mean contribution, per group of ``attribute``.

    Parameters
    ----------
    explanation : Explanation
        From :func:`scoreaudit.explain.explain` (an additive model: its ``decomposition``).
    attribute : str
        An attribute (or intersection) of the decomposition.
    groups : list of str, optional
        Groups to draw (default: all compared groups of the attribute, at most 8).
    %(lang_param)s
    %(ax_param)s

    %(returns_figure)s

    Examples
    --------
    >>> from scoreaudit.explain import Explanation
    >>> d = pd.DataFrame({"attribute": "g", "group": "w", "reference": "m", "term": ["a", "b"],
    ...                   "gap": [0.5, -0.1]})
    >>> ex = Explanation(d, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {})
    >>> len(plot_contributions(ex, "g").axes[0].patches)
    2
    """
    _t(lang, "before", ratio="")
    d = explanation.decomposition
    if d is None or len(d) == 0:
        raise DataError.from_key("err_plot_no_decomposition")
    d = d[d["attribute"] == attribute]
    if d.empty:
        raise DataError.from_key(
            "err_plot_decomposition_attribute",
            attribute=attribute,
            available=", ".join(sorted(set(explanation.decomposition["attribute"]))),
        )
    all_groups = list(dict.fromkeys(d["group"]))
    groups = list(groups) if groups is not None else all_groups[:8]
    unknown = [g for g in groups if g not in all_groups]
    if unknown:
        raise DataError.from_key(
            "err_plot_decomposition_groups",
            groups=", ".join(map(repr, unknown)),
            attribute=attribute,
            available=", ".join(map(repr, all_groups)),
        )
    terms = list(dict.fromkeys(d["term"]))
    fig, ax = _figure(ax, (8, 0.5 + 0.45 * len(terms) * max(1, min(len(groups), 3))))
    height = 0.8 / len(groups)
    y = np.arange(len(terms))
    for k, g in enumerate(groups):
        dg = d[d["group"] == g].set_index("term").reindex(terms)
        ax.barh(
            y + (k - (len(groups) - 1) / 2) * height,
            dg["gap"].to_numpy(float),
            height=height,
            color=_CYCLE[k % len(_CYCLE)],
            label=group_label(attribute, str(g), lang),
        )
    ax.axvline(0, color=OKABE_ITO["black"], lw=0.8)
    ax.set_yticks(y, [variable_label(str(term), lang) for term in terms])
    ax.invert_yaxis()
    ax.set_xlabel(_t(lang, "contrib_x"))
    ref = str(d["reference"].iloc[0])
    ax.set_title(
        _t(
            lang,
            "contrib_title",
            attribute=attribute_label(attribute, lang),
            reference=group_label(attribute, str(ref), lang),
        )
    )
    ax.legend(frameon=False, fontsize="small")
    return fig


@_doc
def plot_neutralisation(
    explanation: Any, group: str, *, attribute: str | None = None, lang: str = "en", ax: Any = None
) -> Figure:
    """Ranked bars of the ratio after neutralising each input, against the ratio before.

    Parameters
    ----------
    explanation : Explanation
    group : str
        A compared group (e.g. ``"woman"`` or ``"woman × single_parent"``).
    attribute : str, optional
        Needed only when ``group`` is a label of several attributes.
    %(lang_param)s
    %(ax_param)s

    %(returns_figure)s
        One row per input, best first: a segment from the ratio before to the ratio after
        neutralisation (green when it moves towards 1), the interval after, a dashed line at
        the ratio before (its interval shaded) and a line at parity; log scale when the ratios
        span more than a factor 3.

    Examples
    --------
    >>> from scoreaudit.explain import Explanation
    >>> t = pd.DataFrame({"input": ["a", "b"], "attribute": "g", "group": "w",
    ...                   "reference": "m", "ratio_before": 2.0, "ratio_before_low": 1.8,
    ...                   "ratio_before_high": 2.2, "ratio_after": [1.0, 1.9],
    ...                   "ratio_after_low": [0.9, 1.7], "ratio_after_high": [1.1, 2.1],
    ...                   "rank": [1, 2]})
    >>> ex = Explanation(pd.DataFrame(), t, pd.DataFrame(), pd.DataFrame(), {})
    >>> [tk.get_text() for tk in plot_neutralisation(ex, "w").axes[0].get_yticklabels()]
    ['a', 'b']
    """
    _t(lang, "before", ratio="")
    t = explanation.neutralisation
    sel = t[t["group"] == group]
    if attribute is not None:
        sel = sel[sel["attribute"] == attribute]
    if sel.empty:
        raise DataError.from_key(
            "err_plot_neutralisation_group",
            group=group,
            of="" if attribute is None else Part("err_plot_of_attribute", attribute=attribute),
        )
    attrs = list(dict.fromkeys(sel["attribute"]))
    if len(attrs) > 1:
        raise DataError.from_key(
            "err_plot_group_ambiguous", group=group, attributes=", ".join(map(repr, attrs))
        )
    sel = sel.sort_values("rank")
    fig, ax = _figure(ax, (8, 1.2 + 0.4 * len(sel)))
    y = np.arange(len(sel))
    after = sel["ratio_after"].to_numpy(float)
    lo = sel["ratio_after_low"].to_numpy(float)
    hi = sel["ratio_after_high"].to_numpy(float)
    before = float(sel["ratio_before"].iloc[0])
    b_lo, b_hi = float(sel["ratio_before_low"].iloc[0]), float(sel["ratio_before_high"].iloc[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        toward = np.abs(np.log(after)) < abs(np.log(before))
    colours = np.where(toward, OKABE_ITO["green"], OKABE_ITO["vermillion"])
    ax.axvspan(b_lo, b_hi, color=OKABE_ITO["sky_blue"], alpha=0.25, lw=0)
    ax.axvline(
        before, color=OKABE_ITO["blue"], ls="--", label=_t(lang, "before", ratio=_num(before, lang))
    )
    ax.axvline(1.0, color=OKABE_ITO["black"], lw=1, label=_t(lang, "parity"))
    ax.hlines(y, np.full(len(y), before), after, colors=colours, lw=2)  # before -> after
    ax.errorbar(
        after,
        y,
        xerr=[np.maximum(after - lo, 0), np.maximum(hi - after, 0)],
        fmt="none",
        ecolor=OKABE_ITO["black"],
        capsize=3,
        lw=1,
    )
    ax.scatter(after, y, c=colours, s=45, zorder=3)
    finite = np.concatenate([after, lo, hi, [before, b_lo, b_hi, 1.0]])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if finite.size and finite.max() / finite.min() > 3:
        ax.set_xscale("log")  # ratios live on a log scale
    ax.set_yticks(y, [variable_label(str(i), lang) for i in sel["input"]])
    ax.invert_yaxis()
    ax.set_xlabel(_t(lang, "neutral_x"))
    ax.set_title(
        _t(
            lang,
            "neutral_title",
            group=group_label(attrs[0], group, lang),
            attribute=attribute_label(attrs[0], lang),
            reference=group_label(attrs[0], str(sel["reference"].iloc[0]), lang),
        )
    )
    ax.legend(frameon=False, fontsize="small", loc="best")
    return fig


@_doc
def plot_paired_shift(
    data: pd.DataFrame,
    *,
    attribute: str | None = None,
    bins: int = 40,
    lang: str = "en",
    ax: Any = None,
) -> Figure:
    """Histogram of paired score changes (pairs table), or mean changes (summary table).

    Parameters
    ----------
    data : DataFrame
        The pairs returned by ``counterfactual(..., return_pairs=True)`` (a histogram of
        ``score_change`` per original group and value set, pairs with no change left out of
        the bins but counted in the legend), or the summary table of :func:`counterfactual`
        (bars of ``score_change`` with their paired intervals).
    attribute : str, optional
        Name used in the title (default: the summary's ``attribute`` column, else "attribute").
    bins : int
    %(lang_param)s
    %(ax_param)s

    %(returns_figure)s

    Examples
    --------
    >>> pairs = pd.DataFrame({"group": ["w", "w", "m"], "value": ["m", "m", "w"],
    ...                       "score_change": [-0.1, 0.0, 0.1]})
    >>> plot_paired_shift(pairs, attribute="gender").axes[0].get_title()
    'Paired score change when gender is set to each value'
    """
    _t(lang, "before", ratio="")
    if attribute is None:
        attribute = (
            str(data["attribute"].iloc[0])
            if "attribute" in data.columns and len(data)
            else "attribute"
        )
    fig, ax = _figure(ax, (8, 4.5))
    if "score_change_low" in data.columns:  # the summary table
        d = data[data["group"].astype(str) != data["value"].astype(str)]
        labels = [
            _t(lang, "from_to", group=g, value=v)
            for g, v in zip(d["group"], d["value"], strict=True)
        ]
        x = np.arange(len(d))
        m = d["score_change"].to_numpy(float)
        ax.bar(x, m, color=[_CYCLE[i % len(_CYCLE)] for i in range(len(d))])
        ax.errorbar(
            x,
            m,
            yerr=[
                m - d["score_change_low"].to_numpy(float),
                d["score_change_high"].to_numpy(float) - m,
            ],
            fmt="none",
            ecolor=OKABE_ITO["black"],
            capsize=3,
        )
        ax.axhline(0, color=OKABE_ITO["black"], lw=0.8)
        ax.set_xticks(x, labels, rotation=30, ha="right")
        ax.set_ylabel(_t(lang, "shift_bar_y"))
    else:
        if "score_change" not in data.columns:
            raise DataError.from_key("err_plot_paired_shift_data")
        d = data[data["group"].astype(str) != data["value"].astype(str)]
        changes = d["score_change"].to_numpy(float)
        moved = changes[changes != 0]
        edges = np.histogram_bin_edges(moved if moved.size else np.array([-1e-9, 1e-9]), bins=bins)
        keys = list(dict.fromkeys(zip(d["group"].astype(str), d["value"].astype(str), strict=True)))
        for k, (g, v) in enumerate(keys):
            part = d[(d["group"].astype(str) == g) & (d["value"].astype(str) == v)]
            c = part["score_change"].to_numpy(float)
            nz = c[c != 0]
            share = format_percent(nz.size / max(len(c), 1), lang, decimals=0)
            label = f"{_t(lang, 'from_to', group=g, value=v)} (n = {format_count(len(c), lang)}; "
            label += f"{share} ≠ 0)"
            ax.hist(
                nz,
                bins=edges,
                histtype="stepfilled",
                alpha=0.45,
                color=_CYCLE[k % len(_CYCLE)],
                label=label,
            )
        ax.axvline(0, color=OKABE_ITO["black"], lw=0.8)
        ax.set_xlabel(_t(lang, "shift_x"))
        ax.set_ylabel(_t(lang, "shift_y"))
        ax.legend(frameon=False, fontsize="small")
    ax.set_title(_t(lang, "shift_title", attribute=attribute))
    return fig


@_doc
def plot_personas(
    personas_table: pd.DataFrame,
    result: Any,
    *,
    bins: int = 60,
    label_attribute: str | None = "auto",
    lang: str = "en",
    ax: Any = None,
) -> Figure:
    """Personas (and their variants) as a strip on the population's score distribution.

    Parameters
    ----------
    personas_table : DataFrame
        From :func:`scoreaudit.explain.score_personas`.
    result : AuditResult
        The audit of the population (its ``scores`` and selection cut-off).
    bins : int
    label_attribute : str or None
        The attribute whose variants are labelled with their value (default ``"auto"``: the
        first attribute varied; ``None``: no labels). Other variants are unlabelled marks.
    %(lang_param)s
    %(ax_param)s

    %(returns_figure)s
        A histogram of the population's scores, the cut-off, and one row of markers per
        persona: a large dot as given, small marks for each attribute variant.

    Examples
    --------
    >>> class R:
    ...     scores = np.linspace(0, 1, 101)
    ...     class selection:
    ...         cutoff = 0.9
    >>> t = pd.DataFrame({"persona": ["a", "a"], "variant": ["as given", "gender = man"],
    ...                   "score": [0.95, 0.5]})
    >>> plot_personas(t, R()).axes[0].get_xlabel()
    'Score'
    """
    _t(lang, "before", ratio="")
    scores = getattr(result, "scores", None)
    if scores is None:
        raise DataError.from_key("err_plot_personas_no_scores")
    fig, ax = _figure(ax, (8, 4.5))
    ax.hist(np.asarray(scores, float), bins=bins, color=OKABE_ITO["sky_blue"], alpha=0.6)
    ax.set_xlabel(_t(lang, "persona_x"))
    ax.set_ylabel(_t(lang, "persona_y"))
    top = ax.get_ylim()[1]
    cut = float(result.selection.cutoff)
    ax.axvline(cut, color=OKABE_ITO["vermillion"], ls="--", label=_t(lang, "cutoff"))
    names = list(dict.fromkeys(personas_table["persona"]))
    if label_attribute == "auto":
        varied = personas_table.get("attribute", pd.Series(dtype=object)).dropna()
        label_attribute = str(varied.iloc[0]) if len(varied) else None
    strip = ax.twinx()
    for k, name in enumerate(names):
        part = personas_table[personas_table["persona"] == name]
        given = part[part["variant"] == "as given"]
        others = part[part["variant"] != "as given"]
        col = _CYCLE[k % len(_CYCLE)]
        strip.scatter(
            given["score"],
            np.full(len(given), k),
            s=80,
            color=col,
            zorder=3,
            label=f"{name} ({_t(lang, 'as_given')})",
        )
        strip.scatter(
            others["score"], np.full(len(others), k), s=30, marker="|", color=col, zorder=3
        )
        if label_attribute is not None and "attribute" in others.columns:
            shown = others[others["attribute"] == label_attribute]
        else:
            shown = others.iloc[:0]
        for j, (_, row) in enumerate(shown.iterrows()):  # a few variants, never the population
            strip.annotate(
                str(row["value"] if "value" in row else row["variant"]),
                (row["score"], k),
                xytext=(0, 7 + 9 * (j % 3)),
                textcoords="offset points",
                fontsize="x-small",
                ha="center",
                color=col,
            )
    strip.set_ylim(-1, max(len(names), 1) + 0.5)
    strip.set_yticks(np.arange(len(names)), names)
    ax.set_ylim(0, top)
    ax.set_title(_t(lang, "persona_title"))
    handles = ax.get_legend_handles_labels()
    ax.legend(handles[0], handles[1], frameon=False, fontsize="small", loc="upper left")
    return fig
