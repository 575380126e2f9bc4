"""The translation catalogue: every user-facing text in English and French, and its lookup."""

from __future__ import annotations

import string
from typing import Any

LANGUAGES = ("en", "fr")


#: Narrow no-break space (French thousands separator and space before %, CLDR convention).
NNBSP = "\u202f"


#: Shown for a missing number (not computed or not defined).
MISSING = "–"


# Every sentence, label and header of the report. {name} placeholders are filled by t().
CATALOGUE: dict[str, dict[str, str]] = {
    # -- title, navigation -------------------------------------------------------------------
    "title": {
        "en": "Audit of the scoring model “{model}”",
        "fr": "Audit du modèle de score « {model} »",
    },
    "subtitle": {
        "en": "Who is selected for control, by {attributes}",
        "fr": "Qui est sélectionné pour contrôle, selon : {attributes}",
    },
    "and": {"en": "and", "fr": "et"},
    "generated": {
        "en": "Report produced by scoreaudit {version} on {time}.",
        "fr": "Rapport produit par scoreaudit {version} le {time}.",
    },
    "contents": {"en": "Contents", "fr": "Sommaire"},
    "synthetic_banner": {
        "en": "These data are synthetic: they imitate the statistical profile of real "
        "beneficiaries but describe no real person. The findings show what this model and "
        "selection policy do to such a population, not what happened to real people.",
        "fr": "Ces données sont synthétiques : elles imitent le profil statistique des "
        "allocataires réels mais ne décrivent aucune personne réelle. Les résultats montrent "
        "ce que ce modèle et cette politique de sélection font à une telle population, pas ce "
        "qui est arrivé à des personnes réelles.",
    },
    # -- section titles ---------------------------------------------------------------------
    "sec_findings": {"en": "Key findings", "fr": "Principaux constats"},
    "sec_population": {"en": "The population", "fr": "La population"},
    "sec_model": {"en": "The model", "fr": "Le modèle"},
    "sec_policy": {"en": "The selection policy", "fr": "La politique de sélection"},
    "sec_groups": {"en": "Selection by group", "fr": "Sélection par groupe"},
    "sec_intersections": {"en": "Intersections", "fr": "Croisements"},
    "sec_curve": {"en": "Across control budgets", "fr": "Selon le volume de contrôles"},
    "expl_input": {
        "en": "Without the input {input}, files of {group} are selected {after} times as often "
        "as files of {reference} ({level} interval {low} to {high}), against {before} times "
        "with it: {input} carries {share} of this gap.",
        "fr": "Sans la variable {input}, les dossiers {group} sont sélectionnés {after} fois "
        "plus souvent que ceux {reference} (intervalle à {level} : {low} à {high}), contre "
        "{before} fois avec elle : {input} porte {share} de cet écart.",
    },
    "expl_covers_1": {
        "en": "Without the input {input}, files of {group} are selected {after} times as often "
        "as files of {reference} ({level} interval {low} to {high}, compatible with no gap), "
        "against {before} times with it: {input} carries {share} of this gap.",
        "fr": "Sans la variable {input}, les dossiers {group} sont sélectionnés {after} fois "
        "plus souvent que ceux {reference} (intervalle à {level} : {low} à {high}, "
        "compatible avec l’absence d’écart), contre {before} fois avec elle : {input} porte "
        "{share} de cet écart.",
    },
    "expl_summary": {
        "en": "The gap between files of {group} and files of {reference} is carried mostly by the input {input}: "
        "without it the ratio falls from {before} to {after}.",
        "fr": "L’écart entre les dossiers {group} et ceux {reference} est porté surtout par la variable "
        "{input} : sans elle, le rapport passe de {before} à {after}.",
    },
    "expl_summary_title": {
        "en": "What carries these gaps (explanation section):",
        "fr": "Ce qui porte ces écarts (section Explications) :",
    },
    "fig_explanation": {
        "en": "Ratio for {group} after neutralising each input of the model (one bar per input; "
        "the dashed line is the ratio with every input).",
        "fr": "Rapport pour {group} après neutralisation de chaque variable du modèle (une barre "
        "par variable ; la ligne en tirets est le rapport avec toutes les variables).",
    },
    "summary_full_report": {
        "en": "One-page summary; the full report (report.html) gives every table, figure and "
        "the method.",
        "fr": "Résumé en une page ; le rapport complet (report.html) donne tous les tableaux, "
        "les figures et la méthode.",
    },
    "summary_table_title": {
        "en": "Selection rates by group, against the reference group",
        "fr": "Taux de sélection par groupe, comparés au groupe de référence",
    },
    "summary_col_ratio": {"en": "Ratio ({level} interval)", "fr": "Rapport (intervalle à {level})"},
    "summary_col_group": {"en": "Group", "fr": "Groupe"},
    "summary_col_reference": {"en": "Compared with", "fr": "Comparé à"},
    "summary_col_rate": {"en": "Selected", "fr": "Sélectionnés"},
    "summary_col_reference_rate": {"en": "Selected (reference)", "fr": "Sélectionnés (référence)"},
    "summary_col_n": {"en": "Files", "fr": "Dossiers"},
    "summary_table_note": {
        "en": "A ratio of 2 means the group's files are selected twice as often as the "
        "reference group's. {marker}: hidden to protect small groups.",
        "fr": "Un rapport de 2 signifie que les dossiers du groupe sont sélectionnés deux fois "
        "plus souvent que ceux du groupe de référence. {marker} : masqué pour protéger les "
        "petits groupes.",
    },
    "summary_method_title": {"en": "Method in four lines", "fr": "La méthode en quatre lignes"},
    "summary_method_1": {
        "en": "The model scored {rows} files; the policy selects {policy}.",
        "fr": "Le modèle a noté {rows} dossiers ; la politique sélectionne {policy}.",
    },
    "summary_method_2": {
        "en": "For each group: the share of its files selected, with a {level} interval.",
        "fr": "Pour chaque groupe : la part de ses dossiers sélectionnés, avec un intervalle à "
        "{level}.",
    },
    "summary_method_3": {
        "en": "Each group is compared with a reference group (ratio of the two shares); the "
        "tests are corrected for the {m} comparisons made.",
        "fr": "Chaque groupe est comparé à un groupe de référence (rapport des deux parts) ; "
        "les tests sont corrigés pour les {m} comparaisons faites.",
    },
    "summary_method_4": {
        "en": "Counts below {min_cell} are hidden. The audit shows who the score selects, not "
        "why, nor whether the controls were justified.",
        "fr": "Les effectifs inférieurs à {min_cell} sont masqués. L’audit montre qui le score "
        "sélectionne, pas pourquoi, ni si les contrôles étaient justifiés.",
    },
    "expl_details": {
        "en": "Detailed tables (column names as in results.json and the CSV files)",
        "fr": "Tableaux détaillés (noms de colonnes tels que dans results.json et les fichiers "
        "CSV, en anglais)",
    },
    "expl_intro": {
        "en": "Each input of the model is neutralised in turn (its values shuffled across "
        "files), the files are re-scored and re-selected with the same policy, and the ratio "
        "is measured again. The share of a gap an input carries is how much of it (on the "
        "log scale) disappears without it. The detailed tables follow.",
        "fr": "Chaque variable du modèle est neutralisée à tour de rôle (ses valeurs sont "
        "mélangées entre les dossiers), les dossiers sont notés et sélectionnés à nouveau "
        "avec la même politique, et le rapport est mesuré de nouveau. La part d’un écart "
        "portée par une variable est ce qui en disparaît sans elle (en échelle "
        "logarithmique). Les tableaux détaillés suivent.",
    },
    "sec_explanations": {
        "en": "Explanations: which inputs carry the gaps",
        "fr": "Explications : quelles variables portent les écarts",
    },
    "sec_warnings": {"en": "Data quality warnings", "fr": "Avertissements sur les données"},
    "sec_method": {"en": "Method and limits", "fr": "Méthode et limites"},
    "sec_manifest": {"en": "Reproducibility", "fr": "Reproductibilité"},
    "sec_distributions": {"en": "Score distributions", "fr": "Distributions des scores"},
    "sec_labels": {"en": "Control outcomes", "fr": "Résultats des contrôles"},
    # -- findings ----------------------------------------------------------------------------
    "findings_intro": {
        "en": "The model scored {rows} files; the policy selects {selected} of them ({share}) "
        "for control: those with the highest scores.",
        "fr": "Le modèle a noté {rows} dossiers ; la politique de sélection en retient {selected} ({share}) "
        "pour contrôle : ceux qui ont les scores les plus élevés.",
    },
    "findings_none": {
        "en": "No comparison can be published (all are small cells or undefined).",
        "fr": "Aucune comparaison ne peut être publiée (toutes portent sur de "
        "petits effectifs ou ne sont pas définies).",
    },
    "findings_more": {
        "en": "All comparisons are in the tables below and in results.json.",
        "fr": "Toutes les comparaisons figurent dans les tableaux ci-dessous et dans results.json.",
    },
    "s_ratio": {
        "en": "Files of {group} are selected for control {times} files of {reference} "
        "({level} interval {low} to {high}).",
        "fr": "Les dossiers {group} sont sélectionnés pour contrôle {times} que ceux "
        "{reference} (intervalle à {level} : {low} à {high}).",
    },
    "times_as_often": {"en": "{ratio} times as often as", "fr": "{ratio} fois plus souvent"},
    "as_often": {"en": "about as often as", "fr": "à peu près aussi souvent"},
    "ref_mark": {"en": "{group} (the reference group)", "fr": "{group} (groupe de référence)"},
    "ref_mark_end": {"en": "{group}, the reference group", "fr": "{group}, groupe de référence"},
    "s_zero_group": {
        "en": "None of the {n} files of {group} are selected for control, against {rate} "
        "({selected} of {reference_n}) of the files of {reference}.",
        "fr": "Aucun des {n} dossiers {group} n’est sélectionné pour contrôle, contre {rate} "
        "({selected} sur {reference_n}) des dossiers {reference}.",
    },
    "s_detect_any": {
        "en": "With these group sizes, even a 1% gap would probably have been detected (at least "
        "80% chance).",
        "fr": "Avec ces effectifs, même un écart de 1 % aurait probablement été détecté (au moins "
        "80 % de chances).",
    },
    "s_zero_reference": {
        "en": "{rate} of the files of {group} are selected for control ({selected} of {n}), "
        "against none of the {reference_n} files of {reference}.",
        "fr": "{rate} des dossiers {group} sont sélectionnés pour contrôle ({selected} sur "
        "{n}), contre aucun des {reference_n} dossiers {reference}.",
    },
    "s_not_significant": {
        "en": "The gap is not statistically significant (adjusted p = {p}).",
        "fr": "L’écart n’est pas statistiquement significatif (p ajustée = {p}).",
    },
    "s_min_detectable": {
        "en": "With these group sizes, a ratio below {mdr} would probably have gone undetected "
        "(less than 80% chance of detecting it).",
        "fr": "Avec ces effectifs, un rapport inférieur à {mdr} serait probablement passé "
        "inaperçu (moins de 80 % de chances de le détecter).",
    },
    # -- noun phrases of groups ("files of ...") --------------------------------------------
    "np_group": {"en": "the group “{label}”", "fr": "du groupe « {label} »"},
    "np_rest": {"en": "everyone else", "fr": "de toutes les autres personnes"},
    # -- population ----------------------------------------------------------------------
    "pop_intro": {
        "en": "{rows} files, described by {k} protected attribute(s): {attributes}.",
        "fr": "{rows} dossiers, décrits par {k} attribut(s) protégé(s) : {attributes}.",
    },
    "pop_labels": {
        "en": "{labelled} files carry a control outcome (column “{label}”).",
        "fr": "{labelled} dossiers portent un résultat de contrôle (colonne « {label} »).",
    },
    "pop_weights": {
        "en": "Rows are weighted by the column “{weight}” (total weight {total}).",
        "fr": "Les lignes sont pondérées par la colonne « {weight} » (poids total {total}).",
    },
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
    "model_terms_intro": {
        "en": "Each term of the score with its levels and values, to check against the table "
        "the agency disclosed.",
        "fr": "Chaque terme du score avec ses modalités et ses valeurs, à comparer au tableau "
        "publié par l’organisme.",
    },
    "col_term": {"en": "Term", "fr": "Terme"},
    "col_level": {"en": "Level", "fr": "Modalité"},
    "col_odds_ratio": {"en": "Odds ratio", "fr": "Rapport de cotes"},
    "col_coefficient": {"en": "Coefficient", "fr": "Coefficient"},
    "col_term_source": {"en": "Source or note", "fr": "Source ou remarque"},
    "assumption_warning": {
        "en": "The coefficients of this model are assumptions, not the agency’s disclosed "
        "numbers. The audit shows what a score built on these criteria does, not what the "
        "agency’s score does.",
        "fr": "Les coefficients de ce modèle sont des hypothèses, pas les valeurs publiées par "
        "l’organisme. L’audit montre ce que fait un score construit sur ces critères, pas "
        "ce que fait le score de l’organisme.",
    },
    "model_score_column": {
        "en": "Scores were read from the column “{column}” of the data.",
        "fr": "Les scores ont été lus dans la colonne « {column} » des données.",
    },
    # -- policy --------------------------------------------------------------------------
    "policy_budget": {
        "en": "The files with the highest scores are controlled, up to a budget of {budget}.",
        "fr": "Les dossiers aux scores les plus élevés sont contrôlés, dans la limite de {budget}.",
    },
    "policy_threshold": {
        "en": "Every file with a score of at least {threshold} is controlled.",
        "fr": "Tout dossier dont le score atteint au moins {threshold} est contrôlé.",
    },
    "policy_share": {"en": "{share} of the files", "fr": "{share} des dossiers"},
    "policy_count": {"en": "{count} files", "fr": "{count} dossiers"},
    "policy_selected": {"en": "Files selected", "fr": "Dossiers sélectionnés"},
    "policy_realised": {"en": "Share of files selected", "fr": "Part des dossiers sélectionnés"},
    "policy_cutoff": {"en": "Cut-off score", "fr": "Score de coupure"},
    "policy_ties": {
        "en": "{tied} files had exactly the cut-off score; {tied_selected} of them were selected "
        "({rule}).",
        "fr": "{tied} dossiers avaient exactement le score de coupure ; {tied_selected} d’entre "
        "eux ont été sélectionnés ({rule}).",
    },
    "ties_random": {
        "en": "by a lottery with seed {seed}, so that exactly the budget is used",
        "fr": "par tirage au sort de graine {seed}, pour respecter exactement le budget",
    },
    "ties_proportional": {
        "en": "shared among the groups of the tied files (protected cell and label) in proportion "
        "to their numbers, largest remainders first, with no draw, so that the published "
        "numbers do not depend on the order of the rows; the range a fair lottery could give "
        "each ratio is in ratio_lottery_low and ratio_lottery_high of tables/disparities.csv",
        "fr": "répartis entre les groupes des dossiers à égalité (cellule protégée et étiquette) "
        "au prorata de leurs effectifs, plus forts restes d’abord, sans tirage, si bien que les "
        "chiffres publiés ne dépendent pas de l’ordre des lignes ; l’intervalle qu’un tirage au "
        "sort équitable pourrait donner à chaque rapport figure dans ratio_lottery_low et "
        "ratio_lottery_high de tables/disparities.csv",
    },
    "ties_all": {
        "en": "all tied files are selected",
        "fr": "tous les dossiers à égalité sont sélectionnés",
    },
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
    "col_mdr": {"en": "Detectable ratio (80% power)", "fr": "Rapport détectable (puissance 80 %)"},
    "col_notes": {"en": "Notes", "fr": "Remarques"},
    "col_budget": {"en": "Budget", "fr": "Budget"},
    "col_key": {"en": "Item", "fr": "Élément"},
    "col_value": {"en": "Value", "fr": "Valeur"},
    "col_precision": {"en": "Precision", "fr": "Précision"},
    "col_fpr": {"en": "False-positive rate", "fr": "Taux de faux positifs"},
    "col_positive_rate": {"en": "Irregularity rate", "fr": "Taux d’irrégularité"},
    "reference_row": {"en": "reference", "fr": "référence"},
    "reference_is": {
        "en": "Reference group: {reference}.",
        "fr": "Groupe de référence : {reference}.",
    },
    "reference_rest": {"en": "all other files", "fr": "tous les autres dossiers"},
    "flag_significant": {"en": "significant", "fr": "significatif"},
    "flag_four_fifths": {"en": "beyond 4/5", "fr": "au-delà de 4/5"},
    "flag_small": {"en": "small cell", "fr": "petit effectif"},
    "flag_suppressed": {"en": "suppressed", "fr": "masqué"},
    "flag_no_reference_selected": {
        "en": "no file of the reference selected",
        "fr": "aucun dossier de la référence sélectionné",
    },
    "flag_none_selected": {
        "en": "no file selected in either group",
        "fr": "aucun dossier sélectionné dans les deux groupes",
    },
    "groups_legend": {
        "en": "Selection rate: share of the group’s files selected for control. Ratio: the "
        "group’s rate divided by the reference group’s rate (2 = selected twice as often). "
        "“significant”: the adjusted p-value is below {alpha}. “beyond 4/5”: the lower "
        "of the two rates is under 80% of the higher. “small cell”: fewer than {min_cell} "
        "files or selected files; read with caution. Detectable ratio: the smallest gap, in the "
        "direction observed, that the test would detect with 80% chance (below 1 for a "
        "group selected less often than the reference), rounded towards 1.",
        "fr": "Taux de sélection : part des dossiers du groupe sélectionnés pour contrôle. "
        "Rapport : taux du groupe divisé par celui du groupe de référence (2 = sélectionné "
        "deux fois plus souvent). « significatif » : la p-valeur ajustée est inférieure à "
        "{alpha}. « au-delà de 4/5 » : le plus faible des deux taux est inférieur à 80 % "
        "du plus élevé. « petit effectif » : moins de {min_cell} dossiers ou dossiers "
        "sélectionnés ; à lire avec prudence. Rapport détectable : le plus petit écart, dans le "
        "sens observé, que le test détecterait avec 80 % de chances (inférieur à 1 pour un "
        "groupe moins sélectionné que la référence), arrondi vers 1.",
    },
    "intersections_intro": {
        "en": "Combinations of attributes: a gap can hit one combination (for instance young "
        "single mothers) harder than any attribute alone shows.",
        "fr": "Combinaisons d’attributs : un écart peut frapper une combinaison (par exemple les "
        "jeunes mères isolées) plus durement qu’aucun attribut pris seul ne le montre.",
    },
    "curve_intro": {
        "en": "The same model with other control budgets: the ratio of each group’s selection "
        "rate to the reference group’s, when the top 1% to 100% of files are controlled. "
        "The policy’s budget is {budget}.",
        "fr": "Le même modèle avec d’autres volumes de contrôle : rapport du taux de sélection de "
        "chaque groupe à celui du groupe de référence, quand 1 % à 100 % des dossiers les "
        "mieux notés sont contrôlés. Le budget de la politique de sélection est de {budget}.",
    },
    "curve_legend": {
        "en": "∞: the reference group has no selected file at that budget (the group has some). "
        "0: no file of the group selected (the reference has some). –: no file selected in "
        "either group. 1: the reference group itself.",
        "fr": "∞ : le groupe de référence n’a aucun dossier sélectionné à ce budget (le groupe "
        "en a). 0 : aucun dossier du groupe sélectionné (la référence en a). – : aucun dossier "
        "sélectionné dans les deux groupes. 1 : le groupe de référence lui-même.",
    },
    "link_logistic": {"en": "logistic", "fr": "logistique"},
    "link_identity": {"en": "identity", "fr": "identité"},
    "kind_scorecard": {"en": "scorecard", "fr": "grille de score (scorecard)"},
    "spec_note": {
        "en": "(text of the model specification)",
        "fr": "(texte de la spécification du modèle, en anglais)",
    },
    "curve_table_caption": {
        "en": "Ratio to the reference group at selected budgets",
        "fr": "Rapport au groupe de référence pour quelques budgets",
    },
    "labels_intro": {
        "en": "Where controls found an irregularity (column “{label}”): precision of the "
        "selection and false-positive rate (share of files without irregularity that "
        "were selected) by group.",
        "fr": "Là où les contrôles ont trouvé une irrégularité (colonne « {label} ») : précision "
        "de la sélection et taux de faux positifs (part des dossiers sans irrégularité qui "
        "ont été sélectionnés) par groupe.",
    },
    "explanations_none": {
        "en": "No explanation was computed for this audit (use --explain).",
        "fr": "Aucune explication n’a été calculée pour cet audit (option --explain).",
    },
    "warnings_none": {
        "en": "No data quality warning.",
        "fr": "Aucun avertissement sur les données.",
    },
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
        "détenteur des données.",
    },
    "suppression_secondary": {
        "en": "Cells that could be recovered by subtracting published cells from a published "
        "total are suppressed too ({n} more row(s)).",
        "fr": "Les cases qui pourraient être retrouvées en soustrayant des cases publiées d’un "
        "total publié sont masquées aussi ({n} ligne(s) de plus).",
    },
    "suppression_none": {
        "en": "No cell needed to be suppressed (minimum published count: {min_cell}).",
        "fr": "Aucune case n’a dû être masquée (effectif minimal publié : {min_cell}).",
    },
    # -- figures ------------------------------------------------------------------------------
    "fig_selection_rates": {
        "en": "Selection rate by group, with 95% intervals",
        "fr": "Taux de sélection par groupe, avec intervalles à 95 %",
    },
    "fig_disparity_forest": {
        "en": "Ratio to the reference group, with the four-fifths lines",
        "fr": "Rapport au groupe de référence, avec les lignes des quatre cinquièmes",
    },
    "fig_budget_curve": {
        "en": "Ratio across control budgets (the policy’s budget is marked)",
        "fr": "Rapport selon le volume de contrôles (le budget de la politique de sélection est marqué)",
    },
    "fig_score_ecdf": {
        "en": "Distribution of scores by {attribute}",
        "fr": "Distribution des scores selon {attribute}",
    },
    "fig_intersection_heatmap": {
        "en": "Ratios for {rows} × {cols}",
        "fr": "Rapports pour {rows} × {cols}",
    },
    "fig_precision_fpr": {
        "en": "Precision and false-positive rate by group",
        "fr": "Précision et taux de faux positifs par groupe",
    },
    "fig_failed": {
        "en": "The figure “{name}” could not be drawn: {error}",
        "fr": "La figure « {name} » n’a pas pu être tracée : {error}",
    },
    "fig_unavailable": {
        "en": "Figures are not available in this installation.",
        "fr": "Les figures ne sont pas disponibles dans cette installation.",
    },
    # -- method and limits --------------------------------------------------------------
    "method_rates": {
        "en": "Every rate comes with a {level} confidence interval (Wilson): the range of values "
        "compatible with the data. Ratios have Katz’s log interval and differences "
        "Newcombe’s interval. A ratio of 2 means twice as often.",
        "fr": "Chaque taux est accompagné d’un intervalle de confiance à {level} (Wilson) : "
        "l’ensemble des valeurs compatibles avec les données. Les rapports ont l’intervalle "
        "logarithmique de Katz et les différences celui de Newcombe. Un rapport de 2 signifie "
        "deux fois plus souvent.",
    },
    "method_tests": {
        "en": "Each gap is tested (Fisher’s exact test for small counts, the two-proportion score "
        "test otherwise). Because the audit makes {m} comparisons, p-values are adjusted "
        "({correction}); a gap is called significant when the adjusted p-value is below "
        "{alpha}. The intervals are not adjusted for multiple comparisons (in the findings "
        "and tables alike): each one alone covers the true value with {level} "
        "confidence. So an interval can exclude 1 while the adjusted test is not "
        "significant: the data lean towards a gap, but among so many comparisons it could "
        "be chance; read it as a lead to check, not as an established gap.",
        "fr": "Chaque écart est testé (test exact de Fisher pour les petits effectifs, test du "
        "score à deux proportions sinon). Comme l’audit fait {m} comparaisons, les "
        "p-valeurs sont ajustées ({correction}) ; un écart est dit significatif quand la "
        "p-valeur ajustée est inférieure à {alpha}. Les intervalles ne sont pas ajustés pour "
        "les comparaisons multiples (dans les constats comme dans les tableaux) : chacun, "
        "pris seul, couvre la vraie valeur avec une confiance de {level}. Un intervalle "
        "peut donc exclure 1 alors que le test ajusté n’est pas significatif : les données "
        "penchent vers un écart, mais parmi tant de comparaisons il pourrait être dû au "
        "hasard ; c’est une piste à vérifier, pas un écart établi.",
    },
    "method_power": {
        "en": "“Not significant” does not mean “no gap”: beside every comparison the tables give "
        "the detectable ratio, the smallest gap in the observed direction that the test "
        "would have detected with 80% probability (above 1 for a group selected more "
        "often than its reference, below 1 for one selected less often; rounded towards "
        "1).",
        "fr": "« Non significatif » ne veut pas dire « pas d’écart » : à côté de chaque "
        "comparaison, les tableaux donnent le rapport détectable, le plus petit écart dans "
        "le sens observé que le test aurait détecté avec une probabilité de 80 % "
        "(au-dessus de 1 pour un groupe plus sélectionné que sa référence, au-dessous de 1 "
        "pour un groupe moins sélectionné ; arrondi vers 1).",
    },
    "method_causality": {
        "en": "The audit measures who the model selects, not why, and not whether controls are "
        "deserved. A gap can come from a protected attribute used directly or from inputs "
        "that stand in for it (number of children, income).",
        "fr": "L’audit mesure qui le modèle sélectionne, pas pourquoi, ni si les contrôles sont "
        "justifiés. Un écart peut venir d’un attribut protégé utilisé directement ou de "
        "variables qui en tiennent lieu (nombre d’enfants, revenus).",
    },
    "method_synthetic": {
        "en": "What synthetic data can show: what this model and this policy do to a population "
        "with these characteristics (who would be selected, and how much). What they "
        "cannot show: how many real people were controlled, whether the agency’s real "
        "score behaves the same, or whether fraud is more frequent in any group.",
        "fr": "Ce que des données synthétiques peuvent montrer : ce que ce modèle et cette "
        "politique de sélection font à une population ayant ces caractéristiques (qui serait sélectionné, et dans "
        "quelle proportion). Ce qu’elles ne peuvent pas montrer : combien de personnes "
        "réelles ont été contrôlées, si le vrai score de l’organisme se comporte de la même "
        "façon, ni si la fraude est plus fréquente dans un groupe.",
    },
    "method_reference": {
        "en": "Reference groups: {references}.",
        "fr": "Groupes de référence : {references}.",
    },
    "correction_holm": {"en": "Holm’s method", "fr": "méthode de Holm"},
    "correction_bh": {"en": "Benjamini-Hochberg", "fr": "Benjamini-Hochberg"},
    "correction_bonferroni": {"en": "Bonferroni", "fr": "Bonferroni"},
    "correction_none": {"en": "no adjustment", "fr": "sans ajustement"},
    # -- reports of control logs and published confusion matrices -------------------------
    "agg_title_controls": {
        "en": "Audit from a log of controls",
        "fr": "Audit à partir d’un journal de contrôles",
    },
    "agg_title_counts": {
        "en": "Audit from published confusion matrices",
        "fr": "Audit à partir de matrices de confusion publiées",
    },
    "agg_controls_summary": {
        "en": "{controls} controls: {random} picked at random ({random_errors} found errors) and "
        "{score} picked by the score ({score_errors} found errors).",
        "fr": "{controls} contrôles : {random} tirés au hasard ({random_errors} ont trouvé des "
        "erreurs) et {score} choisis par le score ({score_errors} ont trouvé des erreurs).",
    },
    "agg_population_size": {
        "en": "The controls were drawn from {n} files.",
        "fr": "Les contrôles ont été tirés parmi {n} dossiers.",
    },
    "agg_no_population_size": {
        "en": "No population size was given: the false-positive and false-negative rates, which "
        "need it, are not estimated.",
        "fr": "Aucune taille de population n’a été donnée : les taux de faux positifs et de faux "
        "négatifs, qui en ont besoin, ne sont pas estimés.",
    },
    "agg_counts_summary": {
        "en": "{files} files, in {rows} rows of the published table.",
        "fr": "{files} dossiers, en {rows} lignes du tableau publié.",
    },
    "agg_counts_rebuilt": {
        "en": "Counts were rebuilt from published rates: they carry the table’s rounding.",
        "fr": "Les effectifs ont été reconstitués à partir de taux publiés : ils portent "
        "l’arrondi du tableau.",
    },
    "sec_metrics": {"en": "Comparisons by measure", "fr": "Comparaisons par indicateur"},
    "agg_findings_intro": {
        "en": "For each measure, the strongest gap between a group and its comparison (a "
        "single attribute at a time):",
        "fr": "Pour chaque indicateur, l’écart le plus marqué entre un groupe et sa comparaison "
        "(un attribut à la fois) :",
    },
    "agg_ratio_ci": {
        "en": "ratio {ratio}, {level} interval {low} to {high}",
        "fr": "rapport {ratio}, intervalle à {level} : {low} à {high}",
    },
    "agg_ratio_only": {"en": "ratio {ratio}", "fr": "rapport {ratio}"},
    "agg_more_often": {"en": "more often than", "fr": "plus souvent que"},
    "agg_less_often": {"en": "less often than", "fr": "moins souvent que"},
    "agg_representation": {
        "en": "Files of {group} make up {rate} of the controls picked by the score, against "
        "{reference_rate} of the random controls ({ci}).",
        "fr": "Les dossiers {group} représentent {rate} des contrôles choisis par le score, "
        "contre {reference_rate} des contrôles aléatoires ({ci}).",
    },
    "agg_selection_rate": {
        "en": "Files of {group} are picked by the score {direction} files of {reference} ({ci}).",
        "fr": "Les dossiers {group} sont choisis par le score {direction} ceux {reference} ({ci}).",
    },
    "agg_precision": {
        "en": "When the score picks a file of {group}, the control finds errors in {rate} of "
        "cases, against {reference_rate} for files of {reference} ({ci}).",
        "fr": "Quand le score choisit un dossier {group}, le contrôle trouve des erreurs dans "
        "{rate} des cas, contre {reference_rate} pour les dossiers {reference} ({ci}).",
    },
    "agg_fdr": {
        "en": "Of the files of {group} flagged by the score, {rate} had no error, against "
        "{reference_rate} for files of {reference} ({ci}).",
        "fr": "Parmi les dossiers {group} signalés par le score, {rate} n’avaient pas d’erreur, "
        "contre {reference_rate} pour les dossiers {reference} ({ci}).",
    },
    "agg_fpr": {
        "en": "Among files of {group} without errors, the score picks {rate}, against "
        "{reference_rate} for files of {reference} ({ci}): the false-positive rate.",
        "fr": "Parmi les dossiers {group} sans erreur, le score en choisit {rate}, contre "
        "{reference_rate} pour les dossiers {reference} ({ci}) : le taux de faux positifs.",
    },
    "agg_fnr": {
        "en": "Among files of {group} with errors, the score misses {rate}, against "
        "{reference_rate} for files of {reference} ({ci}): the false-negative rate.",
        "fr": "Parmi les dossiers {group} avec erreurs, le score en manque {rate}, contre "
        "{reference_rate} pour les dossiers {reference} ({ci}) : le taux de faux "
        "négatifs.",
    },
    "agg_burden": {
        "en": "Files of {group} make up {rate} of the controls picked by the score but "
        "{reference_rate} of the files with errors, as estimated from the random controls "
        "({ci}).",
        "fr": "Les dossiers {group} représentent {rate} des contrôles choisis par le score mais "
        "{reference_rate} des dossiers avec erreurs, estimés par les contrôles aléatoires "
        "({ci}).",
    },
    "metric_representation": {
        "en": "Representation among the controls picked by the score",
        "fr": "Représentation parmi les contrôles choisis par le score",
    },
    "metric_selection_rate": {"en": "Selection by the score", "fr": "Sélection par le score"},
    "metric_base_error_rate": {
        "en": "Error rate (random controls)",
        "fr": "Taux d’erreur (contrôles aléatoires)",
    },
    "metric_precision": {
        "en": "Precision: errors found among files picked by the score",
        "fr": "Précision : erreurs trouvées parmi les dossiers choisis par le score",
    },
    "metric_fdr": {"en": "Flagged files without error", "fr": "Dossiers signalés sans erreur"},
    "metric_fpr": {"en": "False-positive rate", "fr": "Taux de faux positifs"},
    "metric_fnr": {"en": "False-negative rate", "fr": "Taux de faux négatifs"},
    "metric_burden": {
        "en": "Burden: share of the score’s controls against share of the errors",
        "fr": "Charge : part des contrôles du score face à la part des erreurs",
    },
    "pseudo_random": {"en": "random controls", "fr": "contrôles aléatoires"},
    "pseudo_errors": {"en": "files with errors", "fr": "dossiers avec erreurs"},
    "col_compared_to": {"en": "Compared with", "fr": "Comparé à"},
    "col_rate_metric": {"en": "Rate", "fr": "Taux"},
    "col_reference_rate": {"en": "Rate compared with", "fr": "Taux de comparaison"},
    "agg_intersections": {
        "en": "{n} comparisons of intersections (combinations of attributes) are in results.json "
        "and tables/disparities.csv.",
        "fr": "{n} comparaisons de croisements (combinaisons d’attributs) figurent dans "
        "results.json et tables/disparities.csv.",
    },
    "agg_method_controls": {
        "en": "The audit starts from a log of controls: for each control, the group, how the file "
        "was picked (by the score or at random) and what the control found. Shares and "
        "rates observed directly have Wilson intervals, ratios Katz’s interval (Woolf’s for "
        "the relative selection rate), differences Newcombe’s. Rates of the whole "
        "population (false-positive and false-negative rates, selection rates) are "
        "estimated by expanding the random controls to the population, with percentile "
        "bootstrap intervals (the log resampled within each way of picking files).",
        "fr": "L’audit part d’un journal de contrôles : pour chaque contrôle, le groupe, la façon "
        "dont le dossier a été choisi (par le score ou au hasard) et ce que le contrôle a "
        "trouvé. Les parts et taux observés directement ont des intervalles de Wilson, les "
        "rapports celui de Katz (de Woolf pour le taux de sélection relatif), les "
        "différences celui de Newcombe. Les taux de toute la population (faux positifs, "
        "faux négatifs, taux de sélection) sont estimés en extrapolant les contrôles "
        "aléatoires à la population, avec des intervalles bootstrap percentiles (le journal "
        "rééchantillonné au sein de chaque mode de sélection).",
    },
    "agg_assumptions": {
        "en": "These estimates rest on three assumptions. 1. The random controls are a simple "
        "random sample of the whole population, including files the score would pick (if "
        "they were drawn only among files the score did not pick, missed errors are "
        "overestimated). 2. Files are picked before the outcome is known, and a control "
        "finds the errors there are, or misses them at the same rate however the file was "
        "picked. 3. The log holds every file the score picked in the period. When a group "
        "has few random controls, estimated counts can come out negative: they are kept, "
        "the rates derived from them are clipped to [0, 1] and flagged.",
        "fr": "Ces estimations reposent sur trois hypothèses. 1. Les contrôles aléatoires sont un "
        "échantillon aléatoire simple de toute la population, y compris les dossiers que "
        "le score choisirait (s’ils n’ont été tirés que parmi les dossiers non choisis par "
        "le score, les erreurs manquées sont surestimées). 2. Les dossiers sont choisis "
        "avant que le résultat soit connu, et un contrôle trouve les erreurs qui existent, "
        "ou les manque au même taux quelle que soit la façon dont le dossier a été choisi. "
        "3. Le journal contient tous les dossiers choisis par le score sur la période. "
        "Quand un groupe a peu de contrôles aléatoires, des effectifs estimés peuvent être "
        "négatifs : ils sont gardés, les taux qui en découlent sont ramenés dans [0, 1] et "
        "signalés.",
    },
    "agg_method_counts": {
        "en": "The audit starts from a published table of confusion matrices per group (true and "
        "false positives and negatives). Rates have Wilson intervals, ratios Katz’s "
        "interval and differences Newcombe’s. When the table gives percentages, counts are "
        "rebuilt from them and carry the table’s rounding.",
        "fr": "L’audit part d’un tableau publié de matrices de confusion par groupe (vrais et faux "
        "positifs et négatifs). Les taux ont des intervalles de Wilson, les rapports celui "
        "de Katz et les différences celui de Newcombe. Quand le tableau donne des "
        "pourcentages, les effectifs en sont reconstitués et portent son arrondi.",
    },
    "agg_method_tests": {
        "en": "Each gap is tested (Fisher’s exact test for small counts, the two-proportion score "
        "test otherwise, a Wald test on the bootstrap replicates for estimated rates). "
        "Because the audit makes {m} comparisons, p-values are adjusted ({correction}); a "
        "gap is called significant when the adjusted p-value is below {alpha}. The "
        "intervals are not adjusted for multiple comparisons: each covers the true value "
        "with {level} confidence on its own, so an interval can exclude 1 while the "
        "adjusted test is not significant (a lead to check, not an established gap).",
        "fr": "Chaque écart est testé (test exact de Fisher pour les petits effectifs, test du "
        "score à deux proportions sinon, test de Wald sur les réplications bootstrap pour "
        "les taux estimés). Comme l’audit fait {m} comparaisons, les p-valeurs sont "
        "ajustées ({correction}) ; un écart est dit significatif quand la p-valeur ajustée "
        "est inférieure à {alpha}. Les intervalles ne sont pas ajustés pour les "
        "comparaisons multiples : chacun couvre la vraie valeur avec une confiance de "
        "{level} pris seul, si bien qu’un intervalle peut exclure 1 alors que le test "
        "ajusté n’est pas significatif (une piste à vérifier, pas un écart établi).",
    },
    # -- manifest --------------------------------------------------------------------------
    "manifest_intro": {
        "en": "Everything needed to rerun this audit and get the same results.json (only the "
        "time differs).",
        "fr": "Tout ce qu’il faut pour refaire cet audit et obtenir le même results.json (seule "
        "la date diffère).",
    },
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
    "g_family_status_couple_no_child": {
        "en": "in a couple without children",
        "fr": "en couple sans enfant",
    },
    "g_family_status_couple_with_children": {
        "en": "in a couple with children",
        "fr": "en couple avec enfants",
    },
    "g_family_status_single_parent": {"en": "single parents", "fr": "familles monoparentales"},
    "g_family_status_other": {
        "en": "other family situations",
        "fr": "autres situations familiales",
    },
}


def check_lang(lang: str | None) -> str:
    """The supported language code for ``lang`` (case and region ignored), else an error.

    ``None`` means the ``SCOREAUDIT_LANG`` environment variable, else English.

    Examples
    --------
    >>> check_lang("fr"), check_lang("FR"), check_lang(" fr_FR "), check_lang("en-GB")
    ('fr', 'fr', 'fr', 'en')
    """
    import os

    from scoreaudit.errors import ScoreAuditError

    raw = os.environ.get("SCOREAUDIT_LANG") or "en" if lang is None else lang
    code = str(raw).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ScoreAuditError(
            f"Unknown report language {raw!r}; use one of: {', '.join(LANGUAGES)} "
            "(CLI: --lang fr; Python: lang='fr'; or the SCOREAUDIT_LANG environment variable)."
        )
    return code


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
