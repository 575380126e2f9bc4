"""Texts of the figures in English and French, and the number formats of their labels."""

from __future__ import annotations

import math
from typing import Any

from matplotlib import ticker

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
