"""French and English text of the funnel report (same rules as :mod:`scoreaudit.present.catalogue`).

Kept apart from the main catalogue while the package is restructured; :func:`ft` looks a key
up here first, then in :data:`scoreaudit.present.catalogue.CATALOGUE`.

Examples
--------
>>> ft("fn_title", "fr")
'Audit d’un processus de contrôle, étape par étape'
>>> ft("sec_method", "en")
'Method and limits'
"""

from __future__ import annotations

from typing import Any

from scoreaudit.present.catalogue import CATALOGUE, check_lang

__all__ = ["FUNNEL_CATALOGUE", "ft"]

FUNNEL_CATALOGUE: dict[str, dict[str, str]] = {
    "fn_title": {
        "en": "Audit of a control process, stage by stage",
        "fr": "Audit d’un processus de contrôle, étape par étape",
    },
    "fn_summary": {
        "en": "The table describes {files} files at the start stage “{start}”, {groups} "
        "groups and {steps} steps; each group is compared with {reference}.",
        "fr": "Le tableau décrit {files} dossiers à l’étape de départ « {start} », {groups} "
        "groupes et {steps} étapes ; chaque groupe est comparé à {reference}.",
    },
    "fn_summary_log": {
        "en": "Counts were taken from a row-level log ({rows} rows).",
        "fr": "Les effectifs ont été comptés dans un journal ligne à ligne ({rows} lignes).",
    },
    "fn_rounding": {
        "en": "The counts were published rounded to multiples of {base}: each published count "
        "stands for any number within {half} of it, and every interval covers all the "
        "tables of true counts consistent with the rounding (so intervals are wider than "
        "for exact counts). A step whose counts are below {base} is not usable.",
        "fr": "Les effectifs ont été publiés arrondis à des multiples de {base} : chaque "
        "effectif publié représente tout nombre à moins de {half} de lui, et chaque "
        "intervalle couvre tous les tableaux d’effectifs réels compatibles avec "
        "l’arrondi (les intervalles sont donc plus larges que pour des effectifs exacts). "
        "Une étape dont les effectifs sont inférieurs à {base} n’est pas exploitable.",
    },
    "fn_stratum": {
        "en": "Each step is also computed within each level of “{stratum}” and combined across "
        "them (Mantel-Haenszel): see the decomposition section.",
        "fr": "Chaque étape est aussi calculée à l’intérieur de chaque niveau de « {stratum} » "
        "puis combinée (Mantel-Haenszel) : voir la section de décomposition.",
    },
    "sec_funnel": {"en": "The funnel", "fr": "L’entonnoir"},
    "fig_funnel": {
        "en": "Share of each group among the files at each stage; dotted line: its share of "
        "the start population",
        "fr": "Part de chaque groupe parmi les dossiers à chaque étape ; pointillés : sa part "
        "dans la population de départ",
    },
    "fig_share": {"en": "Share of the files at the stage", "fr": "Part des dossiers à l’étape"},
    "fig_stage": {"en": "Stage", "fr": "Étape"},
    "sec_steps": {"en": "Step by step", "fr": "Étape par étape"},
    "fn_step_heading": {
        "en": "Step “{step}”: {stage} among {base}",
        "fr": "Étape « {step} » : {stage} parmi {base}",
    },
    "fn_sentence": {
        "en": "Among the files at stage “{base}”, {rate} of {group} reach stage “{stage}”, "
        "against {reference_rate} of {reference}: {times} ({level} interval {low} to "
        "{high}).",
        "fr": "Parmi les dossiers à l’étape « {base} », {rate} des dossiers {group} atteignent "
        "l’étape « {stage} », contre {reference_rate} pour {reference} : {times} "
        "(intervalle à {level} : {low} à {high}).",
    },
    "fn_sentence_bounds": {
        "en": "For {group} at step “{step}”, a hidden count leaves only bounds: the ratio to "
        "{reference} is between {low} and {high} ({level} interval).",
        "fr": "Pour {group} à l’étape « {step} », une case masquée ne laisse que des bornes : "
        "le rapport à {reference} est compris entre {low} et {high} (intervalle à {level}).",
    },
    "fn_times": {"en": "{ratio} times as often", "fr": "{ratio} fois plus souvent"},
    "fn_no_sentence": {
        "en": "No comparison of this step can be published (suppressed, unusable or hidden "
        "counts).",
        "fr": "Aucune comparaison de cette étape ne peut être publiée (effectifs masqués, "
        "inexploitables ou cachés).",
    },
    "fn_significant": {
        "en": "The gap is statistically significant (adjusted p = {p}).",
        "fr": "L’écart est statistiquement significatif (p ajustée = {p}).",
    },
    "col_stratum": {"en": "Stratum", "fr": "Strate"},
    "col_at_stage": {"en": "Reaching the stage", "fr": "Atteignant l’étape"},
    "col_at_base": {"en": "At the base stage", "fr": "À l’étape de base"},
    "col_step_rate": {"en": "Rate", "fr": "Taux"},
    "sec_decomposition": {"en": "Stratified decomposition", "fr": "Décomposition par strate"},
    "fn_decomposition_intro": {
        "en": "How much of each gap comes from the composition of “{stratum}” (e.g. the score "
        "band) and how much is added within the same level: the ratio in each level, "
        "their Mantel-Haenszel combination, and the ratio ignoring “{stratum}”, side by "
        "side.",
        "fr": "Quelle part de chaque écart vient de la composition selon « {stratum} » (par "
        "exemple la tranche de score) et quelle part s’ajoute à niveau égal : le rapport "
        "dans chaque niveau, leur combinaison de Mantel-Haenszel et le rapport sans tenir "
        "compte de « {stratum} », côte à côte.",
    },
    "fn_decomposition_sentence": {
        "en": "Step “{step}”, {group} against {reference}: {crude} ignoring “{stratum}”, "
        "{mh} within the same level of “{stratum}” (Mantel-Haenszel, {level} interval "
        "{low} to {high}).",
        "fr": "Étape « {step} », {group} par rapport à {reference} : {crude} sans tenir "
        "compte de « {stratum} », {mh} à niveau égal de « {stratum} » (Mantel-Haenszel, "
        "intervalle à {level} : {low} à {high}).",
    },
    "fn_heterogeneous": {
        "en": "The ratios differ between levels (homogeneity test p = {p}): the combined ratio "
        "summarises different situations.",
        "fr": "Les rapports diffèrent selon les niveaux (test d’homogénéité p = {p}) : le "
        "rapport combiné résume des situations différentes.",
    },
    "col_unstratified": {"en": "Ignoring the stratum", "fr": "Sans tenir compte de la strate"},
    "col_mh": {"en": "Within strata (Mantel-Haenszel)", "fr": "À strate égale (Mantel-Haenszel)"},
    "col_homogeneity": {"en": "Homogeneity p", "fr": "p d’homogénéité"},
    "fn_method": {
        "en": "Each step's rate is the number of files reaching the stage divided by the number "
        "at its base stage, with a Wilson interval; each group is compared with the "
        "reference by the ratio of rates (Katz log interval) and a test of equal rates "
        "(Fisher's exact test for small expected counts, the score test otherwise), with "
        "Holm's correction over the {m} comparisons (one per group, step{per_stratum}). "
        "Intervals are at {level} and not adjusted.",
        "fr": "Le taux de chaque étape est le nombre de dossiers atteignant l’étape divisé par "
        "le nombre à l’étape de base, avec un intervalle de Wilson ; chaque groupe est "
        "comparé à la référence par le rapport des taux (intervalle de Katz sur le "
        "logarithme) et un test d’égalité des taux (test exact de Fisher pour de petits "
        "effectifs attendus, test du score sinon), avec la correction de Holm sur les {m} "
        "comparaisons (une par groupe et étape{per_stratum}). Les intervalles sont à "
        "{level} et ne sont pas ajustés.",
    },
    "fn_per_stratum": {"en": " and stratum", "fr": " et strate"},
    "fn_method_mh": {
        "en": "Across strata, the Mantel-Haenszel risk ratio with the Greenland-Robins interval "
        "and Cochran's Q test of homogeneity of the per-stratum ratios; these and the "
        "unstratified ratios are descriptive and not part of the corrected family.",
        "fr": "Entre strates, le rapport de risques de Mantel-Haenszel avec l’intervalle de "
        "Greenland-Robins et le test Q de Cochran d’homogénéité des rapports par strate ; "
        "ces rapports et les rapports non stratifiés sont descriptifs et hors de la "
        "famille corrigée.",
    },
    "fn_method_hidden": {
        "en": "Hidden counts are recovered from published totals when one cell of a total is "
        "hidden, bounded from the totals and the nesting of stages otherwise (only bounds "
        "are then given), and the measure is omitted when no bound exists.",
        "fr": "Les cases masquées sont retrouvées à partir des totaux publiés quand une seule "
        "case d’un total est masquée, bornées par les totaux et l’emboîtement des étapes "
        "sinon (seules des bornes sont alors données), et la mesure est omise faute de "
        "borne.",
    },
    "fn_method_causality": {
        "en": "A gap at a step says where in the process a disparity appears, not why: it can "
        "come from the files themselves (different situations) as well as from how they "
        "are treated.",
        "fr": "Un écart à une étape dit où le processus crée une disparité, pas pourquoi : il "
        "peut venir des dossiers eux-mêmes (situations différentes) comme de la façon "
        "dont ils sont traités.",
    },
    # warnings and notes
    "fn_warn_unusable": {
        "en": "{n} row(s) rest on counts below the rounding base and are not usable (their "
        "rates would read as 0 or 1).",
        "fr": "{n} ligne(s) reposent sur des effectifs inférieurs à la base d’arrondi et ne "
        "sont pas exploitables (leurs taux se liraient 0 ou 1).",
    },
    "fn_warn_omitted": {
        "en": "{n} row(s) rest on hidden counts that no published total bounds: omitted.",
        "fr": "{n} ligne(s) reposent sur des cases masquées qu’aucun total publié ne borne : "
        "omises.",
    },
    "fn_warn_hidden": {
        "en": "{n} count(s) were hidden in the published table.",
        "fr": "{n} effectif(s) étaient masqués dans le tableau publié.",
    },
    "fn_warn_multiples": {
        "en": "{n} count(s) are not multiples of the rounding base; they were read as rounded.",
        "fr": "{n} effectif(s) ne sont pas des multiples de la base d’arrondi ; ils ont été lus "
        "comme arrondis.",
    },
    "fn_note_unusable": {
        "en": "below the rounding base: unusable",
        "fr": "sous la base d’arrondi : inexploitable",
    },
    "fn_note_bounds": {"en": "hidden count: bounds only", "fr": "case masquée : bornes seules"},
    "fn_note_omitted": {"en": "hidden count: omitted", "fr": "case masquée : omis"},
    "fn_note_reference": {"en": "reference group", "fr": "groupe de référence"},
    "fn_all_strata": {"en": "all", "fr": "toutes"},
}


def ft(key: str, lang: str, **values: Any) -> str:
    """The funnel text ``key`` in ``lang`` (falling back on the main catalogue).

    Examples
    --------
    >>> ft("fn_times", "en", ratio="1.5")
    '1.5 times as often'
    """
    entry = FUNNEL_CATALOGUE.get(key) or CATALOGUE[key]
    text = entry[check_lang(lang)]
    return text.format(**values) if values else text
