"""Figures of an audit: one function per figure, each returns a matplotlib ``Figure``.

Every function takes an :class:`~scoreaudit.results.AuditResult` and keyword options
(``attribute``, ``lang="en"`` or ``"fr"``, ``ax`` where a single panel makes sense). Figures
are built with the object-oriented API (:class:`matplotlib.figure.Figure`): nothing here
touches pyplot's global state or selects a backend, so the functions are safe in scripts,
servers and notebooks (a returned figure displays in Jupyter as it is).

Design rules, shared by all figures
-----------------------------------
- Colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies),
  and nothing is told by colour alone: groups also differ by marker and line style,
  significance by marker shape, small cells by hollow markers or hatching.
- Every text is in the requested language (``"en"`` or ``"fr"``); French numbers use the
  decimal comma (``1,5``), a non-breaking space before ``%`` (``5 %``) and between
  thousands (``9 983``).
- Labels that come from the data (attribute names, group labels) are shown as literal text:
  dollar signs are escaped so that matplotlib never reads them as mathtext, and TeX is off.
- Infinite or undefined ratios (a reference group with no selected file) never crash a
  figure: they are drawn as arrows at the edge of the axis, with a note.
- ``suppress_small=True`` (for published outputs) hides the values of small cells (fewer than
  the audit's ``min_cell`` files, or selected files) and says so on the figure.

:func:`save_figure` writes a figure as SVG and PNG; the SVG is byte-for-byte reproducible.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import scoreaudit as sa
>>> from scoreaudit import plots
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame({"gender": rng.choice(["woman", "man"], 2000),
...                       "score": rng.random(2000)})
>>> res = sa.audit(sa.Population(frame, protected=["gender"]), "score",
...                sa.Budget(share=0.1), reference={"gender": "man"})
>>> fig = plots.disparity_forest(res, lang="fr")
>>> fig.axes[0].get_xlabel().startswith("Rapport")
True
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from scoreaudit.core.vocab import REST, SEP
from scoreaudit.errors import DataError
from scoreaudit.results import AuditResult

__all__ = [
    "budget_curve",
    "disparity_forest",
    "intersection_heatmap",
    "precision_fpr",
    "save_figure",
    "score_ecdf",
    "selection_rates",
]

#: Separator of the members of an intersection, as in ``"gender × age"``.
#: Label of the comparison group in ``reference="rest"`` audits (see :mod:`scoreaudit.engines.memory`).

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
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "svg.fonttype": "path",
    "axes.unicode_minus": True,
}

# -- texts ----------------------------------------------------------------------------------
_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "selection_rate": "Selection rate (share of files selected for control)",
        "selection_rates_title": "Selection for control by group",
        "overall": "All files: {rate}",
        "all_files": "All files",
        "ref_suffix": " (ref.)",
        "reference_marker": "Reference group",
        "group_marker": "Group ({level} interval)",
        "small_marker": "Small cell (hollow marker)",
        "suppressed": "suppressed (small cell)",
        "suppressed_note": "Values resting on fewer than {m} files are not shown (small "
        "cells, suppressed for publication).",
        "suppressed_cell": "suppr.",
        "budget_note": "Policy: {policy}.",
        "ratio_axis": "Ratio of selection rates to the reference group (log scale)",
        "forest_title": "Disparities in selection for control",
        "vs": "{attribute} (vs. {reference})",
        "vs_rest": "{attribute} (vs. all other files)",
        "parity": "Parity (ratio 1)",
        "band": "Four-fifths band (0.8 to 1.25)",
        "significant": "Significant after correction",
        "not_significant": "Not significant",
        "inf_note": "→ ∞: the reference group has no selected file, so the ratio is infinite.",
        "zero_note": "← 0: the group has no selected file.",
        "nan_note": "n/a: no file selected in either group.",
        "na": "n/a",
        "no_file": "no file",
        "budget_axis": "Budget (share of files controlled)",
        "budget_title": "Disparity across control budgets",
        "policy_line": "Policy budget: {share}",
        "budget_ratio_axis": "Ratio to {reference}\n(log scale)",
        "budget_ratio_axis_rest": "Ratio to all other files\n(log scale)",
        "band_note": "Shaded bands: pointwise {level} intervals.",
        "zero_curve_note": "▼ at the bottom edge: ratio 0 (the group had no selected file at "
        "that budget).",
        "curve_suppressed": "Gaps: values resting on fewer than {m} files are not shown.",
        "inf_curve_note": "▲ at the top edge: infinite ratio (reference group had no selected "
        "file at that budget).",
        "score_axis": "Score",
        "ecdf_axis": "Share of files with a score\nat most the value on the x axis",
        "ecdf_title": "Score distribution by {attribute}",
        "cutoff": "Cut-off: score ≥ {cutoff} selected ({share})",
        "selected_region": "Selected files",
        "ecdf_hidden": "Not shown (fewer than {m} files): {groups}.",
        "heatmap_title": "Ratio of selection rates: {rows} by {cols}",
        "heatmap_ref": "Reference: {reference}",
        "heatmap_ref_rest": "Each cell is compared with all other files.",
        "heatmap_cbar": "Ratio to the reference cell (log scale)",
        "heatmap_note": "Bold: significant after correction. Hatched: small cell (fewer than "
        "{m} files or selected files).",
        "ref_cell": "ref.",
        "precision_axis": "Precision (share of selected files\nwith irregularities found)",
        "fpr_axis": "False-positive rate (share of files\nwithout irregularity that are selected)",
        "precision_title": "Precision and false positives by group",
        "labels_note": "Among files with a known control outcome.",
        "group": "Group",
        "log_scale": "log scale",
    },
    "fr": {
        "selection_rate": "Taux de sélection (part des dossiers sélectionnés pour contrôle)",
        "selection_rates_title": "Sélection pour contrôle par groupe",
        "overall": "Ensemble des dossiers : {rate}",
        "all_files": "Ensemble des dossiers",
        "ref_suffix": " (réf.)",
        "reference_marker": "Groupe de référence",
        "group_marker": "Groupe (intervalle à {level})",
        "small_marker": "Petit effectif (marqueur creux)",
        "suppressed": "masqué (petit effectif)",
        "suppressed_note": "Les valeurs reposant sur moins de {m} dossiers ne sont pas "
        "affichées (petits effectifs, masqués pour la publication).",
        "suppressed_cell": "masqué",
        "budget_note": "Politique : {policy}.",
        "ratio_axis": "Rapport des taux de sélection au groupe de référence (échelle log)",
        "forest_title": "Écarts de sélection pour contrôle",
        "vs": "{attribute} (réf. : {reference})",
        "vs_rest": "{attribute} (réf. : tous les autres dossiers)",
        "parity": "Parité (rapport 1)",
        "band": "Zone des quatre cinquièmes (0,8 à 1,25)",
        "significant": "Significatif après correction",
        "not_significant": "Non significatif",
        "inf_note": "→ ∞ : le groupe de référence n’a aucun dossier sélectionné, le rapport "
        "est infini.",
        "zero_note": "← 0 : le groupe n’a aucun dossier sélectionné.",
        "nan_note": "n.d. : aucun dossier sélectionné dans les deux groupes.",
        "na": "n.d.",
        "no_file": "aucun dossier",
        "budget_axis": "Budget (part des dossiers contrôlés)",
        "budget_title": "Écarts selon le budget de contrôle",
        "policy_line": "Budget de la politique : {share}",
        "budget_ratio_axis": "Rapport à {reference}\n(échelle log)",
        "budget_ratio_axis_rest": "Rapport aux autres dossiers\n(échelle log)",
        "band_note": "Bandes grisées : intervalles ponctuels à {level}.",
        "zero_curve_note": "▼ en bas : rapport nul (aucun dossier sélectionné dans le groupe "
        "à ce budget).",
        "curve_suppressed": "Interruptions : valeurs reposant sur moins de {m} dossiers non "
        "affichées.",
        "inf_curve_note": "▲ en haut : rapport infini (aucun dossier sélectionné dans le "
        "groupe de référence à ce budget).",
        "score_axis": "Score",
        "ecdf_axis": "Part des dossiers de score inférieur\nou égal à la valeur en abscisse",
        "ecdf_title": "Distribution des scores selon {attribute}",
        "cutoff": "Seuil : score ≥ {cutoff} sélectionné ({share})",
        "selected_region": "Dossiers sélectionnés",
        "ecdf_hidden": "Non affichés (moins de {m} dossiers) : {groups}.",
        "heatmap_title": "Rapport des taux de sélection : {rows} par {cols}",
        "heatmap_ref": "Référence : {reference}",
        "heatmap_ref_rest": "Chaque cellule est comparée à tous les autres dossiers.",
        "heatmap_cbar": "Rapport à la cellule de référence (échelle log)",
        "heatmap_note": "Gras : significatif après correction. Hachuré : petit effectif "
        "(moins de {m} dossiers ou dossiers sélectionnés).",
        "ref_cell": "réf.",
        "precision_axis": "Précision (part des dossiers sélectionnés\navec irrégularité constatée)",
        "fpr_axis": "Taux de faux positifs (part des dossiers\nsans irrégularité sélectionnés)",
        "precision_title": "Précision et faux positifs par groupe",
        "labels_note": "Parmi les dossiers dont le résultat de contrôle est connu.",
        "group": "Groupe",
        "log_scale": "échelle log",
    },
}

LANGUAGES = tuple(_TEXTS)


def _t(lang: str, key: str, **kwargs: Any) -> str:
    text = _TEXTS[lang][key]
    return text.format(**kwargs) if kwargs else text


# -- number formatting -------------------------------------------------------------------
_NBSP = "\u00a0"


def format_number(x: float, lang: str = "en", digits: int = 3) -> str:
    """A number with ``digits`` significant digits, in the language's convention.

    French uses a decimal comma and a non-breaking space between thousands; a minus sign
    (U+2212) is used for negatives.

    Examples
    --------
    >>> format_number(1.5, "fr"), format_number(1.5, "en"), format_number(1.25, "fr")
    ('1,5', '1.5', '1,25')
    >>> format_number(float("inf"), "fr")
    '∞'
    """
    x = float(x)
    if math.isnan(x):
        return _t(lang, "na")
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    decimals = max(digits - 1 - mag, 0)
    s = f"{abs(x):,.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    s = _localise(s, lang)
    return ("−" if x < 0 else "") + s


def format_count(n: float, lang: str = "en") -> str:
    """An integer count with thousands separators (``9,983`` / ``9 983``).

    Examples
    --------
    >>> format_count(9983, "en"), format_count(9983, "fr") == "9\\u00a0983"
    ('9,983', True)
    """
    n = float(n)
    if not math.isfinite(n):
        return _t(lang, "na")
    return _localise(f"{round(n):,}", lang)


def format_percent(x: float, lang: str = "en", decimals: int | None = None) -> str:
    """A share as a percentage: ``0.05`` -> ``"5%"`` (en) or ``"5 %"`` (fr, no-break space).

    With ``decimals=None`` at most two decimals are kept and trailing zeros dropped.

    Examples
    --------
    >>> format_percent(0.05, "en"), format_percent(0.025, "fr") == "2,5\\u00a0%"
    ('5%', True)
    """
    x = float(x)
    if math.isnan(x):
        return _t(lang, "na")
    v = 100 * x
    if decimals is None:
        s = f"{v:,.2f}".rstrip("0").rstrip(".")
        if s in ("-0", ""):
            s = "0"
    else:
        s = f"{v:,.{decimals}f}"
    s = _localise(s, lang).replace("-", "−")
    return f"{s}{_NBSP}%" if lang == "fr" else f"{s}%"


def _localise(s: str, lang: str) -> str:
    if lang == "fr":
        return s.replace(",", "\x00").replace(".", ",").replace("\x00", _NBSP)
    return s


def _tick_formatter(kind: str, lang: str) -> ticker.Formatter:
    if kind == "percent":
        return ticker.FuncFormatter(lambda v, _pos: format_percent(v, lang))
    return ticker.FuncFormatter(lambda v, _pos: format_number(v, lang, digits=3))


def _percent_ticks(ax_axis: Any, lang: str) -> None:
    ax_axis.set_major_formatter(_tick_formatter("percent", lang))


# -- text safety -------------------------------------------------------------------------
def plain(text: Any) -> str:
    """Data text made literal for matplotlib: ``$`` is escaped so no mathtext is parsed.

    Examples
    --------
    >>> plain("$x$")
    '\\\\$x\\\\$'
    """
    return str(text).replace("$", r"\$")


# -- validation -------------------------------------------------------------------------
def _check(result: Any, lang: str) -> AuditResult:
    if not isinstance(result, AuditResult):
        raise DataError(
            f"Plots need a scoreaudit AuditResult (from sa.audit(...)), not "
            f"{type(result).__name__}."
        )
    if lang not in _TEXTS:
        raise DataError(f"lang must be one of {', '.join(map(repr, LANGUAGES))}, not {lang!r}.")
    return result


def _check_ax(ax: Any) -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise DataError(f"ax must be a matplotlib Axes, not {type(ax).__name__}.")


def _attribute_names(result: AuditResult) -> list[str]:
    return list(dict.fromkeys(result.groups["attribute"].tolist()))


def _single_attributes(result: AuditResult) -> list[str]:
    pop = result.population
    names = _attribute_names(result)
    if pop is not None and getattr(pop, "protected", None):
        return [a for a in pop.protected if a in names]
    return [a for a in names if SEP not in a]


def _normalise(name: Any) -> str:
    if isinstance(name, (tuple, list)):
        return SEP.join(str(k).strip() for k in name)
    name = str(name)
    for sep in ("×", "*", " x ", "&"):
        if sep in name:
            return SEP.join(part.strip() for part in name.split(sep))
    return name.strip()


def _resolve(result: AuditResult, attribute: Any) -> str:
    """An attribute or intersection name as it appears in the result's tables."""
    names = _attribute_names(result)
    if isinstance(attribute, str) and attribute in names:
        return attribute
    if not isinstance(attribute, (str, tuple, list)):
        raise DataError(
            f"attribute must be a name (str), not {type(attribute).__name__}. "
            f"Available: {', '.join(map(repr, names))}."
        )
    key = _normalise(attribute)
    if key in names:
        return key
    members = key.split(SEP)
    for n in names:  # an intersection given in another order
        if sorted(n.split(SEP)) == sorted(members) and len(members) > 1:
            return n
    raise DataError(
        f"Unknown attribute {plain(attribute)!r}: it is not in this audit. "
        f"Available: {', '.join(map(repr, names))}."
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


# -- 1. selection rates --------------------------------------------------------------------
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
    lang : {"en", "fr"}
        Language of the texts and numbers.
    ax : matplotlib Axes, optional
        Draw into this axes (its figure is returned) instead of a new figure.
    suppress_small : bool
        Hide the values of small cells (for published outputs).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> from scoreaudit import plots
    >>> rng = np.random.default_rng(1)
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 500), "score": rng.random(500)})
    >>> res = sa.audit(sa.Population(f, protected=["gender"]), "score", sa.Budget(share=0.2))
    >>> fig = plots.selection_rates(res, "gender")
    >>> len(fig.axes)
    1
    """
    _check(result, lang)
    _check_ax(ax)
    attrs = _attributes(result, attribute)
    g = result.groups
    blocks = []
    data = []
    for a in attrs:
        rows = g[g["attribute"] == a].reset_index(drop=True)
        ref = _reference(result, a)
        labels = [str(x) + (_t(lang, "ref_suffix") if str(x) == ref else "") for x in rows["group"]]
        blocks.append((a, labels))
        data.append((rows, ref))
    headers = len(attrs) > 1
    ticks, tick_labels, header_idx, block_ys = _rows_layout(blocks, headers)
    n_rows = len(ticks)
    with _style():
        if ax is None:
            fig = _new_figure(6.5 + _label_inches(tick_labels), 1.3 + 0.24 * n_rows)
            ax = fig.add_subplot()
        else:
            fig = _figure_of(ax)
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
            is_ref = (
                (rows["group"].astype(str) == ref).to_numpy() if ref else np.zeros(len(rows), bool)
            )
            hide = _hidden(rows, suppress_small)
            any_suppressed |= bool(hide.any())
            show = ~hide
            hi_all.append(hi[show])
            ax.errorbar(
                rate[show],
                y[show],
                xerr=_xerr(rate, lo, hi)[:, show],
                fmt="none",
                ecolor=_GREY,
                elinewidth=1.4,
                capsize=2.5,
                zorder=2,
            )
            for mask, marker, colour, gid in (
                (show & ~is_ref & ~small, "o", OKABE_ITO["blue"], "rate-points"),
                (show & ~is_ref & small, "o", OKABE_ITO["blue"], "rate-points-small"),
                (show & is_ref & ~small, "D", OKABE_ITO["black"], "rate-points-reference"),
                (show & is_ref & small, "D", OKABE_ITO["black"], "rate-points-reference-small"),
            ):
                if mask.any():
                    hollow = gid.endswith("small")
                    any_small |= hollow
                    (line,) = ax.plot(
                        rate[mask],
                        y[mask],
                        linestyle="none",
                        marker=marker,
                        color=colour,
                        markersize=6,
                        zorder=3,
                        clip_on=False,
                        markerfacecolor="white" if hollow else colour,
                    )
                    line.set_gid(gid)
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
            for i in np.flatnonzero(hide):
                ax.text(
                    0.01,
                    y[i],
                    _t(lang, "suppressed"),
                    va="center",
                    fontsize=7,
                    bbox=_NOTE_BOX,
                    style="italic",
                    color="#333333",
                    transform=blended_transform_factory(ax.transAxes, ax.transData),
                )
        overall = float(result.selection.share)
        ax.axvline(
            overall,
            color=OKABE_ITO["vermillion"],
            linestyle="--",
            linewidth=1.2,
            zorder=1,
            gid="overall-rate",
        )
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
        handles = [
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                color=OKABE_ITO["blue"],
                label=_t(lang, "group_marker", level=_level_text(result, lang)),
            ),
            Line2D(
                [],
                [],
                linestyle="none",
                marker="D",
                color="black",
                label=_t(lang, "reference_marker"),
            ),
            Line2D(
                [],
                [],
                color=OKABE_ITO["vermillion"],
                linestyle="--",
                label=_t(lang, "overall", rate=format_percent(overall, lang)),
            ),
        ]
        if any_small:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markerfacecolor="white",
                    color=OKABE_ITO["blue"],
                    label=_t(lang, "small_marker"),
                )
            )
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0), frameon=False)
        if any_suppressed:
            notes.append(_t(lang, "suppressed_note", m=small_m))
        notes.append(_t(lang, "budget_note", policy=_policy_text(result, lang)))
        _add_notes(ax, notes)
    return fig


# -- 2. forest plot of disparities ---------------------------------------------------------
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
    attribute : str, optional
        An audited attribute or intersection; None draws every single attribute.
    lang : {"en", "fr"}
        Language of the texts and numbers.
    ax : matplotlib Axes, optional
        Draw into this axes (its figure is returned).
    suppress_small : bool
        Hide the ratios of small cells (for published outputs).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> from scoreaudit import plots
    >>> rng = np.random.default_rng(1)
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
    _check(result, lang)
    _check_ax(ax)
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
        if ax is None:
            fig = _new_figure(6.0 + _label_inches(tick_labels), 1.6 + 0.24 * len(ticks))
            ax = fig.add_subplot()
        else:
            fig = _figure_of(ax)
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
        trans = blended_transform_factory(ax.transAxes, ax.transData)
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
        for yy in y[hide]:
            ax.text(
                0.01,
                yy,
                _t(lang, "suppressed"),
                va="center",
                fontsize=7,
                bbox=_NOTE_BOX,
                style="italic",
                color="#333333",
                transform=trans,
            )
        if hide.any():
            notes.append(_t(lang, "suppressed_note", m=_min_cell(result)))
        _ratio_axis(ax, xmin, xmax, lang, "x")
        _set_row_ticks(ax, ticks, tick_labels, header_idx)
        ax.set_xlabel(_t(lang, "ratio_axis"))
        ax.set_title(_t(lang, "forest_title"), loc="left")
        handles = [
            Line2D(
                [],
                [],
                linestyle="none",
                marker="s",
                color=OKABE_ITO["vermillion"],
                label=_t(lang, "significant"),
            ),
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                color=OKABE_ITO["blue"],
                label=_t(lang, "not_significant"),
            ),
            Line2D([], [], color="black", linewidth=1.0, label=_t(lang, "parity")),
            Patch(
                facecolor=_LIGHT, alpha=0.6, edgecolor=_GREY, linestyle=":", label=_t(lang, "band")
            ),
        ]
        if (finite & small).any():
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markerfacecolor="white",
                    color=OKABE_ITO["blue"],
                    label=_t(lang, "small_marker"),
                )
            )
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0), frameon=False)
        notes.append(_t(lang, "budget_note", policy=_policy_text(result, lang)))
        _add_notes(ax, notes)
    return fig


# -- 3. budget curve ----------------------------------------------------------------------
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
    attribute : str, optional
        An audited attribute or intersection; None draws every single attribute.
    groups : list of str, optional
        Only these groups (labels as in ``result.groups``); default all but the reference.
    lang : {"en", "fr"}
        Language of the texts and numbers.
    ax : matplotlib Axes, optional
        Draw into this axes (only with a single attribute).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> from scoreaudit import plots
    >>> rng = np.random.default_rng(1)
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 900), "score": rng.random(900)})
    >>> res = sa.audit(sa.Population(f, protected=["gender"]), "score",
    ...                sa.Budget(share=0.1), reference={"gender": "man"})
    >>> fig = plots.budget_curve(res, "gender")
    >>> [line.get_gid() for line in fig.axes[0].lines if (line.get_gid() or "").startswith("curve")]
    ['curve:woman']
    """
    _check(result, lang)
    _check_ax(ax)
    attrs = _attributes(result, attribute)
    if ax is not None and len(attrs) > 1:
        raise DataError(
            "budget_curve draws one panel per attribute: give attribute=... to draw into ax "
            f"(one of {', '.join(map(repr, _attribute_names(result)))})."
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
            raise DataError(
                f"Unknown group(s) {', '.join(map(repr, unknown))} for budget_curve. "
                f"Available: {listing}."
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
            axk.axvline(
                share,
                color="black",
                linestyle=(0, (4, 2)),
                linewidth=1.2,
                zorder=2,
                gid="policy-budget",
                label=_t(lang, "policy_line", share=format_percent(share, lang)),
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


# -- 4. score distributions ------------------------------------------------------------
def _group_codes(result: AuditResult, name: str) -> tuple[np.ndarray, list[str]]:
    """Row codes (0..k-1, only present groups) and labels of an attribute or intersection."""
    pop = result.population
    members = name.split(SEP)
    missing = [m for m in members if m not in pop.attributes]
    if missing:
        raise DataError(
            f"Unknown attribute {plain(name)!r} in the population. Available: "
            f"{', '.join(map(repr, pop.attributes))}."
        )
    code = np.zeros(len(pop.attributes[members[0]].codes), dtype=np.int64)
    for m in members:
        code = code * pop.attributes[m].n_levels + pop.attributes[m].codes
    uniq, inverse = np.unique(code, return_inverse=True)
    labels = []
    for u in uniq:
        parts = []
        rest = int(u)
        for m in reversed(members):
            lv = pop.attributes[m].levels
            parts.append(lv[rest % len(lv)])
            rest //= len(lv)
        labels.append(SEP.join(reversed(parts)))
    return inverse.ravel(), labels


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
    lang : {"en", "fr"}
        Language of the texts and numbers.
    ax : matplotlib Axes, optional
        Draw into this axes (its figure is returned).
    suppress_small : bool
        Leave out groups with fewer files than the audit's ``min_cell`` (their curve would
        show individual scores); they are named in a note.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> from scoreaudit import plots
    >>> rng = np.random.default_rng(1)
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 900), "score": rng.random(900)})
    >>> res = sa.audit(sa.Population(f, protected=["gender"]), "score", sa.Budget(share=0.1))
    >>> fig = plots.score_ecdf(res, "gender", lang="fr")
    >>> fig.axes[0].get_xlabel()
    'Score'
    """
    _check(result, lang)
    _check_ax(ax)
    if result.scores is None or result.population is None:
        raise DataError(
            "score_ecdf needs the scores and the population of the audit; this result has "
            "none (was it rebuilt from JSON?). Run sa.audit(...) again."
        )
    name = _single_attributes(result)[0] if attribute is None else _resolve(result, attribute)
    codes, labels = _group_codes(result, name)
    scores = np.asarray(result.scores, dtype=float)
    weights = result.population.weights
    cutoff = float(result.selection.cutoff)
    with _style():
        if ax is None:
            fig = _new_figure(7.0, 4.2)
            ax = fig.add_subplot()
        else:
            fig = _figure_of(ax)
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
                label=f"{plain(lab)} (n = {format_count(int(m.sum()), lang)})",
            )
            line.set_gid(f"ecdf:{lab}")
        if math.isfinite(cutoff):
            ax.axvline(
                cutoff,
                color="black",
                linestyle=(0, (4, 2)),
                linewidth=1.2,
                zorder=4,
                gid="cutoff",
                label=_t(
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
        ax.set_title(_t(lang, "ecdf_title", attribute=plain(name)), loc="left")
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


# -- 5. intersection heatmap -------------------------------------------------------------
def _luminance(rgba: Sequence[float]) -> float:
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


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
    lang : {"en", "fr"}
        Language of the texts and numbers.
    ax : matplotlib Axes, optional
        Draw into this axes (a colour bar is added beside it).
    suppress_small : bool
        Hide the values of small cells (for published outputs).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> from scoreaudit import plots
    >>> rng = np.random.default_rng(1)
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 2000),
    ...                   "status": rng.choice(["alone", "couple"], 2000),
    ...                   "score": rng.random(2000)})
    >>> res = sa.audit(sa.Population(f, protected=["gender", "status"]), "score",
    ...                sa.Budget(share=0.1))
    >>> fig = plots.intersection_heatmap(res, "gender", "status")
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['alone', 'couple']
    """
    _check(result, lang)
    _check_ax(ax)
    singles = _single_attributes(result)
    for which, val in (("rows", rows), ("cols", cols)):
        if not isinstance(val, str) or val not in singles:
            raise DataError(
                f"Unknown attribute {plain(val)!r} for {which}. Available: "
                f"{', '.join(map(repr, singles))}."
            )
    if rows == cols:
        raise DataError(f"rows and cols must be two different attributes, not {rows!r} twice.")
    names = _attribute_names(result)
    name = next((n for n in names if sorted(n.split(SEP)) == sorted([rows, cols])), None)
    if name is None:
        raise DataError(
            f"The audit has no intersection of {rows!r} and {cols!r}: run sa.audit(..., "
            f"intersections=True). Audited: {', '.join(map(repr, names))}."
        )
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
            small[i, j] = bool(g.at[label, "small_cell"])
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
        if ax is None:
            col_w = max(1.0, _label_inches(col_lv) + 0.2)
            fig = _new_figure(
                max(5.5, 2.2 + _label_inches(row_lv) + col_w * shape[1]), 2.3 + 0.55 * shape[0]
            )
            ax = fig.add_subplot()
        else:
            fig = _figure_of(ax)
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
        cbar.set_label(_t(lang, "heatmap_cbar"))
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


# -- 6. precision and false-positive rate ----------------------------------------------------
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
    attribute : str, optional
        An audited attribute or intersection; None draws every single attribute.
    lang : {"en", "fr"}
        Language of the texts and numbers.
    suppress_small : bool
        Hide the values of small cells (for published outputs).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        If the audit had no outcome labels.

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> from scoreaudit import plots
    >>> rng = np.random.default_rng(1)
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
        raise DataError(
            "precision_fpr needs control outcomes: this audit has no labels. Build the "
            "population with label='<column>' (1 = irregularity found, 0 = none, empty = not "
            "controlled) and run the audit again."
        )
    attrs = _attributes(result, attribute)
    blocks, data = [], []
    for a in attrs:
        rows = g[g["attribute"] == a].reset_index(drop=True)
        ref = _reference(result, a)
        blocks.append(
            (a, [str(x) + (_t(lang, "ref_suffix") if str(x) == ref else "") for x in rows["group"]])
        )
        data.append((rows, ref))
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
                is_ref = (
                    (rows["group"].astype(str) == ref).to_numpy()
                    if ref
                    else np.zeros(len(rows), bool)
                )
                ok = ~hide & np.isfinite(v)
                his.append(hi[ok])
                axk.errorbar(
                    v[ok],
                    y[ok],
                    xerr=_xerr(v, lo, hi)[:, ok],
                    fmt="none",
                    ecolor=_GREY,
                    elinewidth=1.4,
                    capsize=2.5,
                    zorder=2,
                )
                for mask, marker, colour, gid in (
                    (ok & ~is_ref, "o", OKABE_ITO["blue"], "points"),
                    (ok & is_ref, "D", "black", "points-reference"),
                ):
                    if mask.any():
                        (line,) = axk.plot(
                            v[mask],
                            y[mask],
                            linestyle="none",
                            marker=marker,
                            color=colour,
                            markersize=6,
                            zorder=3,
                            clip_on=False,
                        )
                        line.set_gid(f"{metric}-{gid}")
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
                for i in np.flatnonzero(hide):
                    axk.text(
                        0.01,
                        y[i],
                        _t(lang, "suppressed"),
                        va="center",
                        fontsize=7,
                        bbox=_NOTE_BOX,
                        style="italic",
                        color="#333333",
                        transform=trans,
                    )
            if math.isfinite(overall[metric]):
                axk.axvline(
                    overall[metric],
                    color=OKABE_ITO["vermillion"],
                    linestyle="--",
                    linewidth=1.2,
                    zorder=1,
                    gid=f"{metric}-overall",
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
            handles=[
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    color=OKABE_ITO["blue"],
                    label=_t(lang, "group_marker", level=_level_text(result, lang)),
                ),
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="D",
                    color="black",
                    label=_t(lang, "reference_marker"),
                ),
                Line2D(
                    [],
                    [],
                    color=OKABE_ITO["vermillion"],
                    linestyle="--",
                    label=_t(lang, "all_files"),
                ),
            ],
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


# -- saving ---------------------------------------------------------------------------------
#: Salt of the SVG element ids, so that the same figure gives the same bytes.
SVG_HASHSALT = "scoreaudit"


def save_figure(
    fig: Figure, path_without_suffix: str | Path, formats: tuple[str, ...] = ("svg", "png")
) -> list[Path]:
    """Write ``fig`` as ``<path>.svg`` and/or ``<path>.png`` (150 dpi); return the paths.

    The SVG is deterministic (fixed id salt, no date, text as paths): saving the same figure
    twice gives identical bytes. Parent directories are created. A ``.svg`` or ``.png``
    suffix on the path is replaced rather than doubled.

    Examples
    --------
    >>> import tempfile, os
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(); _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = save_figure(fig, os.path.join(tmp, "figures", "demo"))
    ...     [p.name for p in paths]
    ['demo.svg', 'demo.png']
    """
    if not isinstance(fig, Figure):
        raise DataError(f"save_figure needs a matplotlib Figure, not {type(fig).__name__}.")
    base = Path(path_without_suffix)
    if base.suffix.lower() in (".svg", ".png"):
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    out = []
    with mpl.rc_context(
        {"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path", "text.usetex": False}
    ):
        if "svg" in formats:
            out.append(base.parent / (base.name + ".svg"))
            fig.savefig(out[-1], format="svg", metadata={"Date": None})
        if "png" in formats:
            out.append(base.parent / (base.name + ".png"))
            fig.savefig(out[-1], format="png", dpi=150)
    return out
