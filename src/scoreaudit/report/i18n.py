"""French and English text of the report, and number formatting per language.

Why a Python dictionary and not gettext ``.po`` files
-----------------------------------------------------
* Two languages, a few hundred strings, written by the maintainers themselves: a ``.po``
  toolchain (extraction, ``msgfmt`` compilation to binary ``.mo`` files at build time, or
  binary files committed to git) adds steps and failure modes without helping anyone.
* Both languages sit side by side under one key, so a reviewer reads each French sentence next
  to its English original; a test checks that both languages have exactly the same keys and the
  same ``{placeholders}`` (gettext would silently fall back to English for a missing entry; a
  report that switches language mid-sentence is a bug here).
* Placeholders are named (``{ratio}``), so word order can differ between languages.
* The number formats are French typographic conventions written out (decimal comma, narrow
  no-break space U+202F as thousands separator and before ``%``), tested against literal
  strings; this avoids a dependency on Babel/CLDR data for four functions.

Adding a language: add a column to every entry of :data:`CATALOGUE` and a branch to the
number formatters; the catalogue test lists what is missing.

Examples
--------
>>> fmt_ratio(3.21, "fr"), fmt_ratio(3.21, "en")
('3,2', '3.2')
>>> fmt_pct(0.05, "fr") == "5,0\\u202f%"
True
>>> fmt_int(12265, "fr") == "12\\u202f265", fmt_int(12265, "en")
(True, '12,265')
>>> t("times_as_often", "fr", ratio="3,2")
'3,2 fois plus souvent'
"""

from __future__ import annotations

import math
import string
from typing import Any

__all__ = [
    "CATALOGUE",
    "LANGUAGES",
    "NNBSP",
    "attribute_label",
    "check_lang",
    "fmt_int",
    "fmt_interval",
    "fmt_number",
    "fmt_p",
    "fmt_pct",
    "fmt_ratio",
    "group_label",
    "t",
]

LANGUAGES = ("en", "fr")

#: Narrow no-break space (French thousands separator and space before %, CLDR convention).
NNBSP = "\u202f"
#: Shown for a missing number (not computed or not defined).
MISSING = "–"

# Every sentence, label and header of the report. {name} placeholders are filled by t().
CATALOGUE: dict[str, dict[str, str]] = {
    # -- title, navigation -------------------------------------------------------------------
    "title": {"en": "Audit of the scoring model “{model}”",
              "fr": "Audit du modèle de score « {model} »"},
    "subtitle": {"en": "Who is selected for control, by gender, age and family status",
                 "fr": "Qui est sélectionné pour contrôle, selon le sexe, l’âge et la situation familiale"},
    "generated": {"en": "Report produced by scoreaudit {version} on {time}.",
                  "fr": "Rapport produit par scoreaudit {version} le {time}."},
    "contents": {"en": "Contents", "fr": "Sommaire"},
    "synthetic_banner": {
        "en": "These data are synthetic: they imitate the statistical profile of real "
              "beneficiaries but describe no real person. The findings show what this model and "
              "selection policy do to such a population, not what happened to real people.",
        "fr": "Ces données sont synthétiques : elles imitent le profil statistique des "
              "allocataires réels mais ne décrivent aucune personne réelle. Les résultats montrent "
              "ce que ce modèle et cette règle de sélection font à une telle population, pas ce "
              "qui est arrivé à des personnes réelles."},
    # -- section titles ---------------------------------------------------------------------
    "sec_findings": {"en": "Key findings", "fr": "Principaux constats"},
    "sec_population": {"en": "The population", "fr": "La population"},
    "sec_model": {"en": "The model", "fr": "Le modèle"},
    "sec_policy": {"en": "The selection policy", "fr": "La règle de sélection"},
    "sec_groups": {"en": "Selection by group", "fr": "Sélection par groupe"},
    "sec_intersections": {"en": "Intersections", "fr": "Croisements"},
    "sec_curve": {"en": "Across control budgets", "fr": "Selon le volume de contrôles"},
    "sec_explanations": {"en": "Explanations: which inputs carry the gaps",
                         "fr": "Explications : quelles variables portent les écarts"},
    "sec_warnings": {"en": "Data quality warnings", "fr": "Avertissements sur les données"},
    "sec_method": {"en": "Method and limits", "fr": "Méthode et limites"},
    "sec_manifest": {"en": "Reproducibility", "fr": "Reproductibilité"},
    "sec_distributions": {"en": "Score distributions", "fr": "Distributions des scores"},
    "sec_labels": {"en": "Control outcomes", "fr": "Résultats des contrôles"},
    # -- findings ----------------------------------------------------------------------------
    "findings_intro": {
        "en": "The model scored {rows} files; the policy selects {selected} of them ({share}) "
              "for control: those with the highest scores.",
        "fr": "Le modèle a noté {rows} dossiers ; la règle en sélectionne {selected} ({share}) "
              "pour contrôle : ceux qui ont les scores les plus élevés."},
    "findings_none": {"en": "No comparison can be published (all are small cells or undefined).",
                      "fr": "Aucune comparaison ne peut être publiée (toutes portent sur de "
                            "petits effectifs ou ne sont pas définies)."},
    "findings_more": {"en": "All comparisons are in the tables below and in results.json.",
                      "fr": "Toutes les comparaisons figurent dans les tableaux ci-dessous et "
                            "dans results.json."},
    "s_ratio": {
        "en": "Files of {group} are selected for control {times} files of {reference} "
              "({level} interval {low} to {high}).",
        "fr": "Les dossiers {group} sont sélectionnés pour contrôle {times} que ceux "
              "{reference} (intervalle à {level} : {low} à {high})."},
    "times_as_often": {"en": "{ratio} times as often as", "fr": "{ratio} fois plus souvent"},
    "as_often": {"en": "about as often as", "fr": "à peu près aussi souvent"},
    "s_zero_reference": {
        "en": "{rate} of the files of {group} are selected for control ({selected} of {n}), "
              "against none of the {reference_n} files of {reference}.",
        "fr": "{rate} des dossiers {group} sont sélectionnés pour contrôle ({selected} sur "
              "{n}), contre aucun des {reference_n} dossiers {reference}."},
    "s_not_significant": {
        "en": "The gap is not statistically significant (adjusted p = {p}).",
        "fr": "L’écart n’est pas statistiquement significatif (p ajustée = {p})."},
    "s_min_detectable": {
        "en": "With these group sizes, a ratio below {mdr} would probably have gone undetected "
              "(less than 80% chance of detecting it).",
        "fr": "Avec ces effectifs, un rapport inférieur à {mdr} serait probablement passé "
              "inaperçu (moins de 80 % de chances de le détecter)."},
    # -- noun phrases of groups ("files of ...") --------------------------------------------
    "np_group": {"en": "the group “{label}”", "fr": "du groupe « {label} »"},
    "np_rest": {"en": "everyone else", "fr": "de toutes les autres personnes"},
    # -- population ----------------------------------------------------------------------
    "pop_intro": {
        "en": "{rows} files, described by {k} protected attribute(s): {attributes}.",
        "fr": "{rows} dossiers, décrits par {k} attribut(s) protégé(s) : {attributes}."},
    "pop_labels": {"en": "{labelled} files carry a control outcome (column “{label}”).",
                   "fr": "{labelled} dossiers portent un résultat de contrôle (colonne « {label} »)."},
    "pop_weights": {"en": "Rows are weighted by the column “{weight}” (total weight {total}).",
                    "fr": "Les lignes sont pondérées par la colonne « {weight} » (poids total {total})."},
    "pop_bands": {"en": "Banded: {bands}.", "fr": "Découpage en tranches : {bands}."},
    # -- model ---------------------------------------------------------------------------
    "model_name": {"en": "Name", "fr": "Nom"},
    "model_version": {"en": "Version", "fr": "Version"},
    "model_kind": {"en": "Kind", "fr": "Type"},
    "model_link": {"en": "Link", "fr": "Fonction de lien"},
    "model_features": {"en": "Columns read", "fr": "Colonnes lues"},
    "model_sources": {"en": "Sources", "fr": "Sources"},
    "model_disclosed": {"en": "Disclosed", "fr": "Publié"},
    "model_assumed": {"en": "Assumed", "fr": "Supposé"},
    "model_terms": {"en": "Terms", "fr": "Termes"},
    "assumption_warning": {
        "en": "The coefficients of this model are assumptions, not the agency’s disclosed "
              "numbers. The audit shows what a score built on these criteria does, not what the "
              "agency’s score does.",
        "fr": "Les coefficients de ce modèle sont des hypothèses, pas les valeurs publiées par "
              "l’organisme. L’audit montre ce que fait un score construit sur ces critères, pas "
              "ce que fait le score de l’organisme."},
    "model_score_column": {"en": "Scores were read from the column “{column}” of the data.",
                           "fr": "Les scores ont été lus dans la colonne « {column} » des données."},
    # -- policy --------------------------------------------------------------------------
    "policy_budget": {
        "en": "The files with the highest scores are controlled, up to a budget of {budget}.",
        "fr": "Les dossiers aux scores les plus élevés sont contrôlés, dans la limite de {budget}."},
    "policy_threshold": {
        "en": "Every file with a score of at least {threshold} is controlled.",
        "fr": "Tout dossier dont le score atteint au moins {threshold} est contrôlé."},
    "policy_share": {"en": "{share} of the files", "fr": "{share} des dossiers"},
    "policy_count": {"en": "{count} files", "fr": "{count} dossiers"},
    "policy_selected": {"en": "Files selected", "fr": "Dossiers sélectionnés"},
    "policy_realised": {"en": "Share of files selected", "fr": "Part des dossiers sélectionnés"},
    "policy_cutoff": {"en": "Cut-off score", "fr": "Score de coupure"},
    "policy_ties": {
        "en": "{tied} files had exactly the cut-off score; {tied_selected} of them were selected "
              "({rule}).",
        "fr": "{tied} dossiers avaient exactement le score de coupure ; {tied_selected} d’entre "
              "eux ont été sélectionnés ({rule})."},
    "ties_random": {"en": "by a lottery with seed {seed}, so that exactly the budget is used",
                    "fr": "par tirage au sort de graine {seed}, pour respecter exactement le budget"},
    "ties_all": {"en": "all tied files are selected", "fr": "tous les dossiers à égalité sont sélectionnés"},
    # -- tables --------------------------------------------------------------------------
    "col_attribute": {"en": "Attribute", "fr": "Attribut"},
    "col_group": {"en": "Group", "fr": "Groupe"},
    "col_files": {"en": "Files", "fr": "Dossiers"},
    "col_share": {"en": "Share", "fr": "Part"},
    "col_selected": {"en": "Selected", "fr": "Sélectionnés"},
    "col_rate": {"en": "Selection rate", "fr": "Taux de sélection"},
    "col_interval": {"en": "{level} interval", "fr": "Intervalle à {level}"},
    "col_ratio": {"en": "Ratio to reference", "fr": "Rapport à la référence"},
    "col_p": {"en": "Adjusted p", "fr": "p ajustée"},
    "col_mdr": {"en": "Min. detectable ratio", "fr": "Rapport min. détectable"},
    "col_notes": {"en": "Notes", "fr": "Remarques"},
    "col_budget": {"en": "Budget", "fr": "Budget"},
    "col_key": {"en": "Item", "fr": "Élément"},
    "col_value": {"en": "Value", "fr": "Valeur"},
    "col_precision": {"en": "Precision", "fr": "Précision"},
    "col_fpr": {"en": "False-positive rate", "fr": "Taux de faux positifs"},
    "col_positive_rate": {"en": "Irregularity rate", "fr": "Taux d’irrégularité"},
    "reference_row": {"en": "reference", "fr": "référence"},
    "reference_is": {"en": "Reference group: {reference}.", "fr": "Groupe de référence : {reference}."},
    "reference_rest": {"en": "all other files", "fr": "tous les autres dossiers"},
    "flag_significant": {"en": "significant", "fr": "significatif"},
    "flag_four_fifths": {"en": "beyond 4/5", "fr": "au-delà de 4/5"},
    "flag_small": {"en": "small cell", "fr": "petit effectif"},
    "flag_suppressed": {"en": "suppressed", "fr": "masqué"},
    "flag_no_reference_selected": {"en": "no file of the reference selected",
                                   "fr": "aucun dossier de la référence sélectionné"},
    "flag_none_selected": {"en": "no file selected in either group",
                           "fr": "aucun dossier sélectionné dans les deux groupes"},
    "groups_legend": {
        "en": "Selection rate: share of the group’s files selected for control. Ratio: the "
              "group’s rate divided by the reference group’s rate (2 = selected twice as often). "
              "“significant”: the adjusted p-value is below {alpha}. “beyond 4/5”: the lower "
              "of the two rates is under 80% of the higher. “small cell”: fewer than {min_cell} "
              "files or selected files; read with caution.",
        "fr": "Taux de sélection : part des dossiers du groupe sélectionnés pour contrôle. "
              "Rapport : taux du groupe divisé par celui du groupe de référence (2 = sélectionné "
              "deux fois plus souvent). « significatif » : la p-valeur ajustée est inférieure à "
              "{alpha}. « au-delà de 4/5 » : le plus faible des deux taux est inférieur à 80 % "
              "du plus élevé. « petit effectif » : moins de {min_cell} dossiers ou dossiers "
              "sélectionnés ; à lire avec prudence."},
    "intersections_intro": {
        "en": "Combinations of attributes: a gap can hit one combination (for instance young "
              "single mothers) harder than any attribute alone shows.",
        "fr": "Combinaisons d’attributs : un écart peut frapper une combinaison (par exemple les "
              "jeunes mères isolées) plus durement qu’aucun attribut pris seul ne le montre."},
    "curve_intro": {
        "en": "The same model with other control budgets: the ratio of each group’s selection "
              "rate to the reference group’s, when the top 1% to 100% of files are controlled. "
              "The policy’s budget is {budget}.",
        "fr": "Le même modèle avec d’autres volumes de contrôle : rapport du taux de sélection de "
              "chaque groupe à celui du groupe de référence, quand 1 % à 100 % des dossiers les "
              "mieux notés sont contrôlés. Le budget de la règle est de {budget}."},
    "curve_table_caption": {"en": "Ratio to the reference group at selected budgets",
                            "fr": "Rapport au groupe de référence pour quelques budgets"},
    "labels_intro": {
        "en": "Where controls found an irregularity (column “{label}”): precision of the "
              "selection and false-positive rate (share of files without irregularity that "
              "were selected) by group.",
        "fr": "Là où les contrôles ont trouvé une irrégularité (colonne « {label} ») : précision "
              "de la sélection et taux de faux positifs (part des dossiers sans irrégularité qui "
              "ont été sélectionnés) par groupe."},
    "explanations_none": {"en": "No explanation was computed for this audit (use --explain).",
                          "fr": "Aucune explication n’a été calculée pour cet audit (option --explain)."},
    "warnings_none": {"en": "No data quality warning.", "fr": "Aucun avertissement sur les données."},
    # -- suppression ------------------------------------------------------------------------
    "suppression_marker": {"en": "[c]", "fr": "[s]"},
    "suppression_text": {
        "en": "Statistical confidentiality: counts between 1 and {max} and every number that "
              "would reveal them (rates, ratios, intervals, tests) are replaced by {marker}, "
              "so that no small group of people can be singled out. {n} published row(s) are "
              "affected. The complete figures remain with the data holder.",
        "fr": "Secret statistique : les effectifs compris entre 1 et {max}, et tout nombre qui "
              "permettrait de les retrouver (taux, rapports, intervalles, tests), sont remplacés "
              "par {marker}, afin qu’aucun petit groupe de personnes ne puisse être isolé. "
              "{n} ligne(s) publiée(s) sont concernées. Les chiffres complets restent chez le "
              "détenteur des données."},
    "suppression_secondary": {
        "en": "Cells that could be recovered by subtracting published cells from a published "
              "total are suppressed too ({n} more row(s)).",
        "fr": "Les cases qui pourraient être retrouvées en soustrayant des cases publiées d’un "
              "total publié sont masquées aussi ({n} ligne(s) de plus)."},
    "suppression_none": {"en": "No cell needed to be suppressed (minimum published count: {min_cell}).",
                         "fr": "Aucune case n’a dû être masquée (effectif minimal publié : {min_cell})."},
    # -- figures ------------------------------------------------------------------------------
    "fig_selection_rates": {"en": "Selection rate by group, with 95% intervals",
                            "fr": "Taux de sélection par groupe, avec intervalles à 95 %"},
    "fig_disparity_forest": {"en": "Ratio to the reference group, with the four-fifths lines",
                             "fr": "Rapport au groupe de référence, avec les lignes des quatre cinquièmes"},
    "fig_budget_curve": {"en": "Ratio across control budgets (the policy’s budget is marked)",
                         "fr": "Rapport selon le volume de contrôles (le budget de la règle est marqué)"},
    "fig_score_ecdf": {"en": "Distribution of scores by {attribute}",
                       "fr": "Distribution des scores selon {attribute}"},
    "fig_intersection_heatmap": {"en": "Ratios for {rows} × {cols}",
                                 "fr": "Rapports pour {rows} × {cols}"},
    "fig_precision_fpr": {"en": "Precision and false-positive rate by group",
                          "fr": "Précision et taux de faux positifs par groupe"},
    "fig_failed": {"en": "The figure “{name}” could not be drawn: {error}",
                   "fr": "La figure « {name} » n’a pas pu être tracée : {error}"},
    "fig_unavailable": {"en": "Figures are not available in this installation.",
                        "fr": "Les figures ne sont pas disponibles dans cette installation."},
    # -- method and limits --------------------------------------------------------------
    "method_rates": {
        "en": "Every rate comes with a {level} confidence interval (Wilson): the range of values "
              "compatible with the data. Ratios have Katz’s log interval and differences "
              "Newcombe’s interval. A ratio of 2 means twice as often; an interval that excludes 1 "
              "means the gap is unlikely to be chance alone.",
        "fr": "Chaque taux est accompagné d’un intervalle de confiance à {level} (Wilson) : "
              "l’ensemble des valeurs compatibles avec les données. Les rapports ont l’intervalle "
              "logarithmique de Katz et les différences celui de Newcombe. Un rapport de 2 signifie "
              "deux fois plus souvent ; un intervalle qui exclut 1 signifie que l’écart ne "
              "s’explique probablement pas par le seul hasard."},
    "method_tests": {
        "en": "Each gap is tested (Fisher’s exact test for small counts, the two-proportion score "
              "test otherwise). Because the audit makes {m} comparisons, p-values are adjusted "
              "({correction}); a gap is called significant when the adjusted p-value is below "
              "{alpha}. Intervals are not adjusted.",
        "fr": "Chaque écart est testé (test exact de Fisher pour les petits effectifs, test du "
              "score à deux proportions sinon). Comme l’audit fait {m} comparaisons, les "
              "p-valeurs sont ajustées ({correction}) ; un écart est dit significatif quand la "
              "p-valeur ajustée est inférieure à {alpha}. Les intervalles ne sont pas ajustés."},
    "method_power": {
        "en": "“Not significant” does not mean “no gap”: beside every comparison the tables give "
              "the smallest ratio the test would have detected with 80% probability.",
        "fr": "« Non significatif » ne veut pas dire « pas d’écart » : à côté de chaque "
              "comparaison, les tableaux donnent le plus petit rapport que le test aurait détecté "
              "avec une probabilité de 80 %."},
    "method_causality": {
        "en": "The audit measures who the model selects, not why, and not whether controls are "
              "deserved. A gap can come from a protected attribute used directly or from inputs "
              "that stand in for it (number of children, income).",
        "fr": "L’audit mesure qui le modèle sélectionne, pas pourquoi, ni si les contrôles sont "
              "justifiés. Un écart peut venir d’un attribut protégé utilisé directement ou de "
              "variables qui en tiennent lieu (nombre d’enfants, revenus)."},
    "method_synthetic": {
        "en": "What synthetic data can show: what this model and this policy do to a population "
              "with these characteristics (who would be selected, and how much). What they "
              "cannot show: how many real people were controlled, whether the agency’s real "
              "score behaves the same, or whether fraud is more frequent in any group.",
        "fr": "Ce que des données synthétiques peuvent montrer : ce que ce modèle et cette règle "
              "font à une population ayant ces caractéristiques (qui serait sélectionné, et dans "
              "quelle proportion). Ce qu’elles ne peuvent pas montrer : combien de personnes "
              "réelles ont été contrôlées, si le vrai score de l’organisme se comporte de la même "
              "façon, ni si la fraude est plus fréquente dans un groupe."},
    "method_reference": {
        "en": "Reference groups: {references}.",
        "fr": "Groupes de référence : {references}."},
    "correction_holm": {"en": "Holm’s method", "fr": "méthode de Holm"},
    "correction_bh": {"en": "Benjamini-Hochberg", "fr": "Benjamini-Hochberg"},
    "correction_bonferroni": {"en": "Bonferroni", "fr": "Bonferroni"},
    "correction_none": {"en": "no adjustment", "fr": "sans ajustement"},
    # -- manifest --------------------------------------------------------------------------
    "manifest_intro": {
        "en": "Everything needed to rerun this audit and get the same results.json (only the "
              "time differs).",
        "fr": "Tout ce qu’il faut pour refaire cet audit et obtenir le même results.json (seule "
              "la date diffère)."},
    "manifest_package": {"en": "scoreaudit version", "fr": "Version de scoreaudit"},
    "manifest_python": {"en": "Python", "fr": "Python"},
    "manifest_platform": {"en": "Platform", "fr": "Plateforme"},
    "manifest_data": {"en": "Data file", "fr": "Fichier de données"},
    "manifest_model": {"en": "Model file", "fr": "Fichier du modèle"},
    "manifest_sha": {"en": "SHA-256", "fr": "SHA-256"},
    "manifest_seeds": {"en": "Seeds", "fr": "Graines aléatoires"},
    "manifest_time": {"en": "Time", "fr": "Date"},
    "manifest_config": {"en": "Effective configuration", "fr": "Configuration effective"},
    "manifest_versions": {"en": "Dependency versions", "fr": "Versions des dépendances"},
    # -- attribute names and group labels of the bundled data -------------------------------
    "attr_gender": {"en": "gender", "fr": "sexe"},
    "attr_age_band": {"en": "age band", "fr": "tranche d’âge"},
    "attr_family_status": {"en": "family status", "fr": "situation familiale"},
    "g_gender_woman": {"en": "women", "fr": "femmes"},
    "g_gender_man": {"en": "men", "fr": "hommes"},
    "g_family_status_alone": {"en": "living alone", "fr": "vivant seul(e)s"},
    "g_family_status_couple_no_child": {"en": "in a couple without children",
                                        "fr": "en couple sans enfant"},
    "g_family_status_couple_with_children": {"en": "in a couple with children",
                                             "fr": "en couple avec enfants"},
    "g_family_status_single_parent": {"en": "single parents", "fr": "familles monoparentales"},
    "g_family_status_other": {"en": "other family situations",
                              "fr": "autres situations familiales"},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise a ValueError naming the languages.

    Examples
    --------
    >>> check_lang("fr")
    'fr'
    """
    if lang not in LANGUAGES:
        from ..errors import ScoreAuditError

        raise ScoreAuditError(f"Unknown report language {lang!r}; use one of: {', '.join(LANGUAGES)}.")
    return lang


def t(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    Examples
    --------
    >>> t("sec_findings", "fr")
    'Principaux constats'
    """
    text = CATALOGUE[key][check_lang(lang)]
    return text.format(**values) if values else text


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# ------------------------------------------------------------------------------------------
# Numbers
# ------------------------------------------------------------------------------------------

def _bad(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def fmt_number(x: float | None, lang: str, decimals: int = 2) -> str:
    """A number with ``decimals`` decimals, in the language's convention.

    Examples
    --------
    >>> fmt_number(1234.5, "en", 1), fmt_number(1234.5, "fr", 1) == "1\\u202f234,5"
    ('1,234.5', True)
    >>> fmt_number(None, "en")
    '–'
    """
    if _bad(x):
        return MISSING
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    text = f"{x:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text.replace("-", "−")


def fmt_int(x: float | None, lang: str) -> str:
    """A count, with thousands separators (French: narrow no-break space).

    Examples
    --------
    >>> fmt_int(1000, "en"), fmt_int(7, "fr")
    ('1,000', '7')
    """
    if _bad(x):
        return MISSING
    return fmt_number(round(float(x)), lang, 0)


def pct_decimals(x: float) -> int:
    """Decimals used for a percentage: 1 from 1%, 2 below (0.14%), 3 below 0.1%."""
    a = abs(x) * 100
    if a == 0 or a >= 1:
        return 1
    return 2 if a >= 0.1 else 3


def fmt_pct(x: float | None, lang: str, decimals: int | None = None) -> str:
    """A share as a percentage: ``8.1%`` / ``8,1 %`` (narrow no-break space before %).

    Examples
    --------
    >>> fmt_pct(0.0806, "en"), fmt_pct(0.001422, "en")
    ('8.1%', '0.14%')
    >>> fmt_pct(0.05, "fr", 0) == "5\\u202f%"
    True
    """
    if _bad(x):
        return MISSING
    d = pct_decimals(float(x)) if decimals is None else decimals
    body = fmt_number(float(x) * 100, lang, d)
    return f"{body}{NNBSP}%" if lang == "fr" else f"{body}%"


def fmt_ratio(x: float | None, lang: str, decimals: int = 1) -> str:
    """A ratio of rates: ``3.2`` / ``3,2``; ratios below 1 get two significant decimals.

    Examples
    --------
    >>> fmt_ratio(3.21, "en"), fmt_ratio(0.167, "fr"), fmt_ratio(float("inf"), "en")
    ('3.2', '0,17', '∞')
    """
    if _bad(x):
        return MISSING
    x = float(x)
    if math.isfinite(x) and 0 < abs(x) < 1:
        decimals = max(decimals, 2)
        if abs(x) < 0.01:
            decimals = max(decimals, 3)
    return fmt_number(x, lang, decimals)


def fmt_p(p: float | None, lang: str) -> str:
    """A p-value: ``< 0.001`` or two significant digits.

    Examples
    --------
    >>> fmt_p(1e-12, "en"), fmt_p(0.0432, "fr"), fmt_p(1.0, "en")
    ('< 0.001', '0,043', '1')
    """
    if _bad(p):
        return MISSING
    p = float(p)
    if p < 0.001:
        return "< " + fmt_number(0.001, lang, 3)
    if p >= 0.995:
        return "1"
    decimals = 2 if p >= 0.1 else 3
    return fmt_number(p, lang, decimals)


def fmt_interval(low: float | None, high: float | None, lang: str, kind: str = "ratio") -> str:
    """An interval ``low – high`` formatted as ratios or percentages.

    Examples
    --------
    >>> fmt_interval(3.01, 3.44, "en")
    '3.0 – 3.4'
    """
    f = fmt_pct if kind == "pct" else fmt_ratio
    if _bad(low) and _bad(high):
        return MISSING
    if kind == "pct":
        d = max(pct_decimals(float(low or 0)), pct_decimals(float(high or 0)))
        return f"{fmt_pct(low, lang, d)} – {fmt_pct(high, lang, d)}"
    return f"{f(low, lang)} – {f(high, lang)}"


# ------------------------------------------------------------------------------------------
# Labels of the bundled data's attributes and groups (others are shown as they are)
# ------------------------------------------------------------------------------------------

def attribute_label(name: str, lang: str) -> str:
    """Readable name of an attribute or intersection (``gender × age_band`` → ``gender × age band``).

    Examples
    --------
    >>> attribute_label("gender × family_status", "fr")
    'sexe × situation familiale'
    """
    parts = [p.strip() for p in str(name).split(" × ")]
    out = []
    for p in parts:
        key = f"attr_{p}"
        out.append(CATALOGUE[key][check_lang(lang)] if key in CATALOGUE else p)
    return " × ".join(out)


def group_label(attribute: str, group: str, lang: str) -> str:
    """Readable label of a group (``woman × 25-34`` → ``women × 25-34``); unknown labels kept.

    Examples
    --------
    >>> group_label("gender", "woman", "fr")
    'femmes'
    >>> group_label("region", "<b>", "en")
    '<b>'
    """
    attrs = [p.strip() for p in str(attribute).split(" × ")]
    groups = [g.strip() for g in str(group).split(" × ")]
    if len(attrs) != len(groups):
        return str(group)
    out = []
    for a, g in zip(attrs, groups, strict=False):
        key = f"g_{a}_{g}"
        out.append(CATALOGUE[key][check_lang(lang)] if key in CATALOGUE else g)
    return " × ".join(out)
