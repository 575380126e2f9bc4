"""French and English text of the local web page (``scoreaudit serve``).

Kept apart from the report's catalogue (:mod:`scoreaudit.present.catalogue`) because these are the
page's labels, help texts and errors, not the report's sentences; same layout (one key, both
languages side by side, named ``{placeholders}``) and the same check in the tests: both
languages have the same keys and placeholders.

Examples
--------
>>> w("nav_audit", "fr")
'Audit d’un modèle'
>>> w("err_upload_too_large", "en", limit=200)
'The file is larger than the limit of 200 MB. Send a smaller file, or restart with scoreaudit serve --max-upload-mb N.'
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["STRINGS", "translate_error", "w"]

STRINGS: dict[str, dict[str, str]] = {
    # -- frame of every page -----------------------------------------------------------------
    "app_name": {
        "en": "scoreaudit — audit of a fraud-scoring model",
        "fr": "scoreaudit — audit d’un modèle de score de fraude",
    },
    "switch_lang": {"en": "Français", "fr": "English"},
    "switch_lang_title": {
        "en": "Afficher cette page en français",
        "fr": "Show this page in English",
    },
    "nav_home": {"en": "Home", "fr": "Accueil"},
    "nav_audit": {"en": "Audit a model", "fr": "Audit d’un modèle"},
    "nav_controls": {"en": "Control log", "fr": "Journal de contrôles"},
    "nav_counts": {"en": "Count table", "fr": "Tableau de comptages"},
    "nav_spec": {"en": "Model editor", "fr": "Éditeur de modèle"},
    "nav_funnel": {"en": "Process (funnel)", "fr": "Processus (entonnoir)"},
    "footer_local": {
        "en": "Everything runs on this computer: your files are not sent anywhere, and are "
        "deleted when you stop scoreaudit (close the terminal window or press Ctrl+C).",
        "fr": "Tout se passe sur cet ordinateur : vos fichiers ne sont envoyés nulle part et "
        "sont effacés quand vous arrêtez scoreaudit (fermez la fenêtre du terminal ou "
        "appuyez sur Ctrl+C).",
    },
    # -- home ---------------------------------------------------------------------------------
    "home_title": {
        "en": "Audit a scoring model for discrimination",
        "fr": "Auditer un modèle de score pour discrimination",
    },
    "home_intro": {
        "en": "Choose what you have. Each audit measures who is selected for control, by "
        "gender, age and family status, and writes a report you can print or share.",
        "fr": "Choisissez selon ce dont vous disposez. Chaque audit mesure qui est sélectionné "
        "pour contrôle, selon le sexe, l’âge et la situation familiale, et produit un "
        "rapport à imprimer ou à partager.",
    },
    "home_audit": {
        "en": "Beneficiary data (a spreadsheet) and a model: a shipped model, a "
        "table of odds ratios, or a column of scores.",
        "fr": "Des données d’allocataires (un tableur) et un modèle : un modèle "
        "fourni, un tableau de rapports de cotes, ou une colonne de scores.",
    },
    "home_controls": {
        "en": "A log of controls: files picked at random and files picked by "
        "the score, with their results.",
        "fr": "Un journal de contrôles : dossiers tirés au hasard et dossiers "
        "choisis par le score, avec leurs résultats.",
    },
    "home_counts": {
        "en": "A published table of counts or rates per group (confusion matrices).",
        "fr": "Un tableau publié de comptages ou de taux par groupe (matrices de confusion).",
    },
    "home_spec": {
        "en": "Type or paste a table of odds ratios as an agency discloses it, "
        "and save it as a model.",
        "fr": "Saisissez ou collez un tableau de rapports de cotes tel qu’un "
        "organisme le publie, et enregistrez-le comme modèle.",
    },
    "home_funnel": {
        "en": "The selection process, step by step (funnel).",
        "fr": "Le processus de sélection, étape par étape (entonnoir).",
    },
    "funnel_missing": {
        "en": "The process (funnel) audit is not available in this version.",
        "fr": "L’audit du processus (entonnoir) n’est pas disponible dans cette version.",
    },
    # -- upload -------------------------------------------------------------------------------
    "upload_title_audit": {
        "en": "Audit a model: 1. your data",
        "fr": "Audit d’un modèle : 1. vos données",
    },
    "upload_title_controls": {
        "en": "Control log: 1. the file",
        "fr": "Journal de contrôles : 1. le fichier",
    },
    "upload_title_counts": {
        "en": "Count table: 1. the file",
        "fr": "Tableau de comptages : 1. le fichier",
    },
    "upload_title_spec": {
        "en": "Model editor: data to check against (optional)",
        "fr": "Éditeur de modèle : données de vérification (facultatif)",
    },
    "upload_label": {
        "en": "File (CSV, Excel .xlsx or Parquet)",
        "fr": "Fichier (CSV, Excel .xlsx ou Parquet)",
    },
    "upload_help": {
        "en": "One row per file (household), one column per variable, names on the first "
        "line. Semicolons, decimal commas and accented letters are fine. Limit: {limit} MB.",
        "fr": "Une ligne par dossier (foyer), une colonne par variable, les noms sur la "
        "première ligne. Points-virgules, virgules décimales et accents sont acceptés. "
        "Limite : {limit} Mo.",
    },
    "upload_button": {"en": "Send the file", "fr": "Envoyer le fichier"},
    "or_sample": {
        "en": "No data at hand? Try the bundled synthetic sample (5,000 invented households).",
        "fr": "Pas de données sous la main ? Essayez l’échantillon synthétique "
        "fourni (5 000 foyers inventés).",
    },
    "use_sample": {"en": "Use the synthetic sample", "fr": "Utiliser l’échantillon synthétique"},
    "dataset_summary": {
        "en": "File “{name}”: {rows} rows, {cols} columns.",
        "fr": "Fichier « {name} » : {rows} lignes, {cols} colonnes.",
    },
    "change_file": {"en": "Use another file", "fr": "Changer de fichier"},
    # -- audit form ---------------------------------------------------------------------------
    "audit_title": {"en": "Audit a model: 2. settings", "fr": "Audit d’un modèle : 2. réglages"},
    "protected_legend": {"en": "Protected attributes", "fr": "Attributs protégés"},
    "protected_help": {
        "en": "Tick the columns to compare groups on (e.g. gender, age band, family status).",
        "fr": "Cochez les colonnes selon lesquelles comparer les groupes (par "
        "ex. sexe, tranche d’âge, situation familiale).",
    },
    "col_column": {"en": "Column", "fr": "Colonne"},
    "col_examples": {"en": "Values (first ones)", "fr": "Valeurs (premières)"},
    "col_bands": {"en": "Age bands (cut points)", "fr": "Tranches (bornes)"},
    "col_reference": {"en": "Reference group", "fr": "Groupe de référence"},
    "bands_help": {
        "en": "For a numeric column such as age: cut points separated by commas "
        "or semicolons, e.g. 25; 35; 50; 65.",
        "fr": "Pour une colonne numérique comme l’âge : des bornes séparées par des "
        "points-virgules, par ex. 25 ; 35 ; 50 ; 65.",
    },
    "largest_group": {"en": "(largest group)", "fr": "(groupe le plus nombreux)"},
    "model_legend": {"en": "The model", "fr": "Le modèle"},
    "model_shipped": {"en": "A shipped model", "fr": "Un modèle fourni"},
    "model_saved": {"en": "A model from the editor", "fr": "Un modèle de l’éditeur"},
    "model_upload": {
        "en": "A spec file (.yaml or .json)",
        "fr": "Un fichier de spécification (.yaml ou .json)",
    },
    "model_score": {
        "en": "Scores already in the data (column)",
        "fr": "Scores déjà dans les données (colonne)",
    },
    "shipped_note": {
        "en": "The shipped models are reconstructions from publicly reported "
        "criteria: their coefficients are assumptions.",
        "fr": "Les modèles fournis sont des reconstructions à partir de critères "
        "rendus publics : leurs coefficients sont des hypothèses.",
    },
    "no_saved_spec": {
        "en": "(none yet: use the model editor)",
        "fr": "(aucun pour l’instant : utilisez l’éditeur de modèle)",
    },
    "policy_legend": {"en": "Selection policy", "fr": "Politique de sélection"},
    "budget_label": {
        "en": "Budget: share of files controlled (e.g. 5%) or a number of files (e.g. 500 files)",
        "fr": "Volume de contrôles : part des dossiers contrôlés (par ex. 5 %) ou "
        "nombre de dossiers (par ex. 500 dossiers)",
    },
    "more_legend": {"en": "More settings", "fr": "Autres réglages"},
    "intersections_label": {
        "en": "Also compare combinations (e.g. women × single parents)",
        "fr": "Comparer aussi les croisements (par ex. femmes × familles monoparentales)",
    },
    "explain_label": {
        "en": "Explain which inputs carry the gaps (slower)",
        "fr": "Expliquer quelles variables portent les écarts (plus long)",
    },
    "confidence_label": {
        "en": "Confidence level of the intervals",
        "fr": "Niveau de confiance des intervalles",
    },
    "min_cell_label": {
        "en": "Smallest count published (smaller cells are hidden)",
        "fr": "Plus petit effectif publié (les cases plus petites sont masquées)",
    },
    "label_label": {
        "en": "Outcome column (1 fraud found, 0 none, empty: not controlled)",
        "fr": "Colonne de résultat (1 fraude trouvée, 0 aucune, vide : non contrôlé)",
    },
    "weight_label": {"en": "Weight column", "fr": "Colonne de poids"},
    "none_option": {"en": "(none)", "fr": "(aucune)"},
    "run_button": {"en": "Run the audit", "fr": "Lancer l’audit"},
    # -- controls / counts forms ---------------------------------------------------------------
    "controls_title": {
        "en": "Control log: 2. settings",
        "fr": "Journal de contrôles : 2. réglages",
    },
    "selected_by_label": {
        "en": "Column saying how each file was picked",
        "fr": "Colonne indiquant comment chaque dossier a été choisi",
    },
    "random_value_label": {
        "en": "Its value for files picked at random",
        "fr": "Sa valeur pour les dossiers tirés au hasard",
    },
    "outcome_label": {
        "en": "Column with the result of the control",
        "fr": "Colonne du résultat du contrôle",
    },
    "positive_label": {
        "en": "Its value when errors were found",
        "fr": "Sa valeur quand des erreurs ont été trouvées",
    },
    "population_size_label": {
        "en": "Number of files the controls were drawn from (optional)",
        "fr": "Nombre de dossiers parmi lesquels les contrôles ont été tirés (facultatif)",
    },
    "counts_title": {"en": "Count table: 2. settings", "fr": "Tableau de comptages : 2. réglages"},
    "group_cols_label": {"en": "Group columns", "fr": "Colonnes des groupes"},
    "counts_cols_legend": {
        "en": "Which column holds what (leave empty what the table does not have)",
        "fr": "Quelle colonne contient quoi (laissez vide ce que le tableau n’a pas)",
    },
    "c_tp": {
        "en": "True positives (controlled, fraud found)",
        "fr": "Vrais positifs (contrôlés, fraude trouvée)",
    },
    "c_fp": {
        "en": "False positives (controlled, nothing found)",
        "fr": "Faux positifs (contrôlés, rien trouvé)",
    },
    "c_tn": {"en": "True negatives", "fr": "Vrais négatifs"},
    "c_fn": {"en": "False negatives", "fr": "Faux négatifs"},
    "c_n": {"en": "Group size", "fr": "Taille du groupe"},
    "c_selected": {"en": "Files flagged", "fr": "Dossiers signalés"},
    "c_positives": {"en": "Irregular files", "fr": "Dossiers irréguliers"},
    "c_selection_rate": {"en": "Rate: flagged / n", "fr": "Taux : signalés / n"},
    "c_precision": {"en": "Rate: precision", "fr": "Taux : précision"},
    "c_prevalence": {"en": "Rate: prevalence", "fr": "Taux : prévalence"},
    "c_fpr": {"en": "Rate: false positive rate", "fr": "Taux : taux de faux positifs"},
    "fractions_label": {
        "en": "Rates are fractions (0 to 1), not percentages",
        "fr": "Les taux sont des fractions (0 à 1), pas des pourcentages",
    },
    "reference_text_label": {
        "en": "Reference groups, e.g. gender=man (one per line; empty: largest group)",
        "fr": "Groupes de référence, par ex. gender=man (un par ligne ; "
        "vide : le groupe le plus nombreux)",
    },
    # -- spec editor --------------------------------------------------------------------------
    "spec_title": {
        "en": "Model editor: a table of odds ratios",
        "fr": "Éditeur de modèle : un tableau de rapports de cotes",
    },
    "spec_intro": {
        "en": "Copy the table the agency disclosed: one line per level, with the variable "
        "(column of your data), the level, and the odds ratio. You can paste three "
        "columns from a spreadsheet into the box. Numeric variables take intervals as "
        "levels: <25, >=25, [0.7;0.9[ (or <=25, >25 for intervals closed on the right); an "
        "odds ratio per unit (e.g. per child) takes the level “per unit”.",
        "fr": "Recopiez le tableau publié par l’organisme : une ligne par modalité, avec la "
        "variable (colonne de vos données), la modalité et le rapport de cotes. Vous "
        "pouvez coller trois colonnes depuis un tableur dans la zone. Les variables "
        "numériques prennent des intervalles comme modalités : <25, >=25, [0,7;0,9[ "
        "(ou <=25, >25 pour des intervalles fermés à droite) ; un rapport de cotes par unité "
        "(par ex. par enfant) prend la modalité « par unité ».",
    },
    "spec_name": {"en": "Name of the model", "fr": "Nom du modèle"},
    "spec_description": {
        "en": "Source (document, table, date)",
        "fr": "Source (document, tableau, date)",
    },
    "spec_intercept": {
        "en": "Intercept (log-odds of the reference profile; 0 if unknown: "
        "it does not change who is selected)",
        "fr": "Constante (log-cote du profil de référence ; 0 si inconnue : "
        "elle ne change pas qui est sélectionné)",
    },
    "spec_paste": {
        "en": "Paste here (variable, level, odds ratio; tab-separated from a "
        "spreadsheet, or separated by ; )",
        "fr": "Collez ici (variable, modalité, rapport de cotes ; séparés par des "
        "tabulations depuis un tableur, ou par ; )",
    },
    "spec_rows": {"en": "Or type in the table", "fr": "Ou saisissez dans le tableau"},
    "spec_var": {"en": "Variable", "fr": "Variable"},
    "spec_level": {"en": "Level", "fr": "Modalité"},
    "spec_or": {"en": "Odds ratio", "fr": "Rapport de cotes"},
    "spec_check": {"en": "Check", "fr": "Vérifier"},
    "spec_save": {"en": "Check and save the model", "fr": "Vérifier et enregistrer le modèle"},
    "spec_checked_against": {
        "en": "Checked against the data “{name}”.",
        "fr": "Vérifié sur les données « {name} ».",
    },
    "spec_no_data": {
        "en": "No data to check against: levels are not compared with a file. "
        "Send your data first to check them.",
        "fr": "Aucune donnée de vérification : les modalités ne sont pas "
        "comparées à un fichier. Envoyez d’abord vos données pour les "
        "vérifier.",
    },
    "spec_comma_note": {
        "en": "Decimal commas were read as decimal points ({n} values, e.g. "
        "{example} read as {value}).",
        "fr": "Les virgules décimales ont été lues comme des points ({n} "
        "valeurs, par ex. {example} lu {value}).",
    },
    "spec_ok": {
        "en": "The model “{name}” is valid and saved ({terms} variables). Use it in an "
        "audit, or download the spec file for the command line.",
        "fr": "Le modèle « {name} » est valide et enregistré ({terms} variables). "
        "Utilisez-le dans un audit, ou téléchargez le fichier de spécification "
        "pour la ligne de commande.",
    },
    "spec_download": {
        "en": "Download the spec (YAML)",
        "fr": "Télécharger la spécification (YAML)",
    },
    "spec_use": {"en": "Audit with this model", "fr": "Auditer avec ce modèle"},
    "spec_problems": {"en": "Problems to fix:", "fr": "Problèmes à corriger :"},
    "se_line_fields": {
        "en": "Line {line}: expected 3 values (variable, level, odds ratio), found {n}.",
        "fr": "Ligne {line} : 3 valeurs attendues (variable, modalité, rapport de cotes), {n} trouvée(s).",
    },
    "se_bad_number": {
        "en": "Line {line}: the odds ratio {value} is not a number.",
        "fr": "Ligne {line} : le rapport de cotes {value} n’est pas un nombre.",
    },
    "se_not_positive": {
        "en": "Line {line}: the odds ratio {value} must be above 0.",
        "fr": "Ligne {line} : le rapport de cotes {value} doit être supérieur à 0.",
    },
    "se_empty": {
        "en": "The table is empty: give at least one line.",
        "fr": "Le tableau est vide : donnez au moins une ligne.",
    },
    "se_dup_level": {
        "en": "Line {line}: the level {level} of {variable} is listed twice.",
        "fr": "Ligne {line} : la modalité {level} de {variable} figure deux fois.",
    },
    "se_unknown_column": {
        "en": "Line {line}: the variable {variable} is not a column of the "
        "data. Columns: {columns}.",
        "fr": "Ligne {line} : la variable {variable} n’est pas une colonne "
        "des données. Colonnes : {columns}.",
    },
    "se_unknown_level": {
        "en": "Line {line}: the level {level} of {variable} does not occur "
        "in the data. Its values are: {levels}.",
        "fr": "Ligne {line} : la modalité {level} de {variable} n’existe pas "
        "dans les données. Ses valeurs sont : {levels}.",
    },
    "se_missing_level": {
        "en": "The variable {variable} has values in the data that the table "
        "does not list: {levels}. Every value needs an odds ratio (1 for "
        "the reference).",
        "fr": "La variable {variable} a dans les données des valeurs absentes "
        "du tableau : {levels}. Chaque valeur doit avoir un rapport de "
        "cotes (1 pour la référence).",
    },
    "se_no_reference": {
        "en": "The variable {variable} has no level with odds ratio 1 (the reference level).",
        "fr": "La variable {variable} n’a aucune modalité de rapport de cotes 1 "
        "(la modalité de référence).",
    },
    "se_mixed_levels": {
        "en": "The variable {variable} mixes intervals ({interval}) and categories ({category}).",
        "fr": "La variable {variable} mélange des intervalles ({interval}) et "
        "des catégories ({category}).",
    },
    "se_bins": {
        "en": "The intervals of {variable} do not cover every number exactly once: "
        "{detail}. Example: <25, [25;50[, >=50.",
        "fr": "Les intervalles de {variable} ne couvrent pas chaque nombre une seule "
        "fois : {detail}. Exemple : <25, [25;50[, >=50.",
    },
    "se_linear_alone": {
        "en": "Line {line}: {variable} has an odds ratio per unit; it cannot also "
        "have other levels.",
        "fr": "Ligne {line} : {variable} a un rapport de cotes par unité ; elle ne "
        "peut pas avoir d’autres modalités.",
    },
    "se_bad_intercept": {
        "en": "The intercept {value} is not a number.",
        "fr": "La constante {value} n’est pas un nombre.",
    },
    "se_spec": {
        "en": "The model is not valid: {detail}",
        "fr": "Le modèle n’est pas valide : {detail}",
    },
    # -- jobs and results -------------------------------------------------------------------
    "running_title": {"en": "Audit running…", "fr": "Audit en cours…"},
    "running_text": {
        "en": "This page refreshes by itself every 2 seconds. Current step: {step}.",
        "fr": "Cette page se met à jour toute seule toutes les 2 secondes. Étape en "
        "cours : {step}.",
    },
    "running_refresh": {"en": "Refresh now", "fr": "Actualiser maintenant"},
    "step_queued": {"en": "waiting to start", "fr": "en attente"},
    "step_read": {"en": "reading the file", "fr": "lecture du fichier"},
    "step_audit": {"en": "scoring and auditing", "fr": "calcul des scores et audit"},
    "step_explain": {"en": "explaining the disparities", "fr": "explication des écarts"},
    "step_report": {"en": "writing the report", "fr": "rédaction du rapport"},
    "result_title": {"en": "Result of the audit", "fr": "Résultat de l’audit"},
    "result_download": {
        "en": "Download the whole report (zip: page, tables, figures, JSON)",
        "fr": "Télécharger tout le rapport (zip : page, tableaux, figures, JSON)",
    },
    "result_open": {
        "en": "Open the report on its own page (to print or save as PDF)",
        "fr": "Ouvrir le rapport seul (pour l’imprimer ou l’enregistrer en PDF)",
    },
    "result_frame": {"en": "The report", "fr": "Le rapport"},
    "result_again": {
        "en": "Change the settings and run again",
        "fr": "Modifier les réglages et relancer",
    },
    "error_title": {"en": "The audit could not run", "fr": "L’audit n’a pas pu être lancé"},
    "error_internal": {
        "en": "Internal error ({kind}). This is a bug in scoreaudit: please "
        "report it with the steps that led here.",
        "fr": "Erreur interne ({kind}). C’est un défaut de scoreaudit : "
        "signalez-le avec les étapes qui y ont mené.",
    },
    "err_untranslated": {
        "en": "scoreaudit could not use the file or the settings:",
        "fr": "scoreaudit n’a pas pu utiliser le fichier ou les réglages. Le "
        "message ci-dessous, en anglais, nomme la colonne, la valeur ou "
        "la ligne en cause :",
    },
    "back": {"en": "Back", "fr": "Retour"},
    # -- errors of the page -------------------------------------------------------------------
    "refused_title": {"en": "Request refused", "fr": "Demande refusée"},
    "err_csrf": {
        "en": "This form is out of date or was sent from another site (security "
        "check failed). Reload the page and send it again.",
        "fr": "Ce formulaire est périmé ou a été envoyé depuis un autre site "
        "(contrôle de sécurité échoué). Rechargez la page et renvoyez-le.",
    },
    "err_upload_too_large": {
        "en": "The file is larger than the limit of {limit} MB. Send a "
        "smaller file, or restart with scoreaudit serve "
        "--max-upload-mb N.",
        "fr": "Le fichier dépasse la limite de {limit} Mo. Envoyez un "
        "fichier plus petit, ou relancez avec scoreaudit serve "
        "--max-upload-mb N.",
    },
    "err_no_file": {"en": "Choose a file to send.", "fr": "Choisissez un fichier à envoyer."},
    "err_file_type": {
        "en": "The file “{name}” is not a CSV, Excel (.xlsx) or Parquet file ({why}).",
        "fr": "Le fichier « {name} » n’est pas un fichier CSV, Excel (.xlsx) ou Parquet ({why}).",
    },
    "why_extension": {"en": "its name ends with {ext}", "fr": "son nom se termine par {ext}"},
    "why_pickle": {
        "en": "it is a Python pickle, which could run code when opened: refused",
        "fr": "c’est un « pickle » Python, qui pourrait exécuter du code à l’ouverture : refusé",
    },
    "why_binary": {
        "en": "its content is binary, not text",
        "fr": "son contenu est binaire, pas du texte",
    },
    "why_mismatch": {
        "en": "its content is a {found} file, not {expected}",
        "fr": "son contenu est un fichier {found}, pas {expected}",
    },
    "err_spec_type": {
        "en": "The model file “{name}” must be a .yaml, .yml or .json spec.",
        "fr": "Le fichier de modèle « {name} » doit être une spécification .yaml, .yml ou .json.",
    },
    "err_not_found": {
        "en": "This page does not exist (or the server was restarted, which "
        "deletes the files sent).",
        "fr": "Cette page n’existe pas (ou le serveur a été redémarré, ce qui "
        "efface les fichiers envoyés).",
    },
    "err_no_protected": {
        "en": "Tick at least one protected attribute.",
        "fr": "Cochez au moins un attribut protégé.",
    },
    "err_choose_model": {
        "en": "Choose the model: a shipped model, a model from the editor, a "
        "spec file or a score column.",
        "fr": "Choisissez le modèle : un modèle fourni, un modèle de "
        "l’éditeur, un fichier de spécification ou une colonne de scores.",
    },
    "err_number": {
        "en": "“{field}”: {value} is not a number.",
        "fr": "« {field} » : {value} n’est pas un nombre.",
    },
    "err_forbidden_host": {
        "en": "Refused: scoreaudit only answers this computer (http://127.0.0.1).",
        "fr": "Refusé : scoreaudit ne répond qu’à cet ordinateur (http://127.0.0.1).",
    },
    # -- translated library errors (French versions of the commonest messages) ---------------
    "le_protected_missing": {
        "en": "Protected column(s) {cols} not found in the data. Available columns: {available}",
        "fr": "Colonne(s) protégée(s) {cols} introuvable(s) dans les "
        "données. Colonnes disponibles : {available}",
    },
    "le_needs_bands": {
        "en": "Protected column {col} is numeric with {n} distinct values: "
        "fill its “Age bands (cut points)” box, e.g. 25; 35; 50; 65.",
        "fr": "La colonne protégée {col} est numérique avec {n} valeurs "
        "distinctes : remplissez sa case « Tranches (bornes) », par ex. "
        "25 ; 35 ; 50 ; 65.",
    },
    "le_missing_values": {
        "en": "Protected column {col} has {n} missing value(s), first at "
        "{where}. Fill them or drop those rows.",
        "fr": "La colonne protégée {col} a {n} valeur(s) manquante(s), la "
        "première à {where}. Complétez-les ou supprimez ces lignes.",
    },
    "le_single_group": {
        "en": "Protected column {col} has a single group ({group}): there is "
        "nothing to compare. Untick it.",
        "fr": "La colonne protégée {col} n’a qu’un seul groupe ({group}) : il "
        "n’y a rien à comparer. Décochez-la.",
    },
    "le_unknown_level": {"en": "{detail}", "fr": "{detail}"},
    "le_budget": {
        "en": "Cannot read the budget {value}: write a share like 5% or a number of "
        "files like 500 files.",
        "fr": "Le volume de contrôles {value} est illisible : écrivez une part comme "
        "5 % ou un nombre de dossiers comme 500 dossiers.",
    },
    "le_budget_ambiguous": {
        "en": "The budget {value} is ambiguous: write {n}% for a share of "
        "files, or {n} files for a number of files.",
        "fr": "Le volume de contrôles {value} est ambigu : écrivez {n} % "
        "pour une part des dossiers, ou {n} dossiers pour un nombre "
        "de dossiers.",
    },
    "le_model_levels": {
        "en": "Column {col} has values that the model does not list: {values}. "
        "Levels in the model: {levels}. Add them to the model (model "
        "editor) or correct the data.",
        "fr": "La colonne {col} a des valeurs que le modèle ne liste pas : "
        "{values}. Modalités du modèle : {levels}. Ajoutez-les au modèle "
        "(éditeur de modèle) ou corrigez les données.",
    },
    "le_model_column": {
        "en": "The model reads the column(s) {col}, which the data lacks. Columns of the data: "
        "{available}. Choose a model written for these data, or add the missing columns.",
        "fr": "Le modèle lit la ou les colonnes {col}, absentes des données. Colonnes des "
        "données : {available}. Choisissez un modèle écrit pour ces données, ou ajoutez les "
        "colonnes manquantes.",
    },
}


def w(key: str, lang: str, **values: Any) -> str:
    """The page text ``key`` in ``lang`` (``"fr"`` or ``"en"``), placeholders filled.

    Examples
    --------
    >>> w("nav_controls", "en")
    'Control log'
    """
    text = STRINGS[key]["en" if lang == "en" else "fr"]
    return text.format(**values) if values else text


_Q = r"(?P<{0}>'[^']*'|\"[^\"]*\")"
#: Shapes of the library's commonest bad-input messages and the catalogue key of their
#: translation; groups are passed as placeholders.
_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^Protected column\(s\) (?P<cols>.+?) not found in the data.*?Available columns: "
            r"(?P<available>.*)$",
            re.S,
        ),
        "le_protected_missing",
    ),
    (
        re.compile(
            r"^Protected column " + _Q.format("col") + r" is numeric with (?P<n>\d+) "
            r"distinct values"
        ),
        "le_needs_bands",
    ),
    (
        re.compile(
            r"^Protected column " + _Q.format("col") + r".*? has (?P<n>\d+) missing "
            r"value\(s\), first at (?P<where>.+?)\. Fill",
            re.S,
        ),
        "le_missing_values",
    ),
    (
        re.compile(
            r"^Protected column " + _Q.format("col") + r".*? has a single group \((?P<group>"
            r"[^)]*)\)"
        ),
        "le_single_group",
    ),
    (
        re.compile(
            r"^Model '[^']*' .*?needs column(?:\(s\))? (?P<col>.+?), which the data "
            r"lacks\. Available columns: (?P<available>.+?)\. Use a model",
            re.S,
        ),
        "le_model_column",
    ),
    (
        re.compile(
            r"^Column " + _Q.format("col") + r" has value\(s\) that model .*? does not list: "
            r"(?P<values>.+?), in \d+ of \d+ rows\. Levels in the spec: (?P<levels>.+?)"
            r"(?: \(YAML|\. Add)",
            re.S,
        ),
        "le_model_levels",
    ),
    (re.compile(r"^Cannot read the budget (?P<value>.+?): write"), "le_budget"),
    (
        re.compile(r"^The budget (?P<value>.+?) is ambiguous: write (?P<n>\d+)%"),
        "le_budget_ambiguous",
    ),
]


def translate_error(message: str, lang: str) -> tuple[str, bool]:
    """A library error message in the page's language, and whether it was translated.

    The library's messages are English and name the column, value or line; the commonest
    shapes have a French version here (and an English one that names the form's field
    instead of a Python argument). Others are returned unchanged (``False``): the page then
    shows them under "Message de scoreaudit (en anglais)".

    Examples
    --------
    >>> translate_error("Protected column 'age' is numeric with 60 distinct values; give "
    ...                 "bands, e.g. bands={'age': [25, 35, 50, 65]}.", "fr")[0][:40]
    'La colonne protégée « age » est numériqu'
    >>> translate_error("Something else.", "fr")
    ('Something else.', False)
    """
    text = str(message)
    for pattern, key in _ERRORS:
        m = pattern.search(text)
        if m is None:
            continue
        values = {k: _requote(v, lang) for k, v in m.groupdict().items()}
        return w(key, lang, **values), True
    return text, lang == "en"


def _requote(value: str, lang: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"" and v[0] not in v[1:-1]:
        inner = v[1:-1]
        return f"« {inner} »" if lang == "fr" else f"“{inner}”"
    if lang == "fr":
        v = re.sub(r"\((\d+) rows?\)", r"(\1 lignes)", v)
    return v
