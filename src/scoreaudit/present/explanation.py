"""Plain sentences from an explanation: which inputs carry each headline gap, and how much the
gap shrinks when each is neutralised (its values shuffled across files, files re-scored and
re-selected).

The share of a gap an input carries is measured on the log scale, where a ratio of 1 is no
gap: ``1 - log(ratio without the input) / log(ratio)``. 100% means the gap disappears without
the input, 0% that it does not move; an input whose removal widens the gap is not said to
carry it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import intersection_mask
from scoreaudit.present.catalogue import (
    CATALOGUE,
    attribute_label,
    fmt_level,
    fmt_pct,
    fmt_ratio,
    t,
    variable_label,
)
from scoreaudit.present.findings import group_phrase

__all__ = ["explanation_notes", "explanation_sentences", "gap_shares"]

#: Inputs carrying less than this share of a gap are not named.
MIN_SHARE = 0.10


def gap_shares(neutralisation: pd.DataFrame) -> pd.Series:
    """Share of each comparison's log gap removed by neutralising each input.

    Examples
    --------
    >>> d = pd.DataFrame({"ratio_before": [4.0, 4.0], "ratio_after": [2.0, 4.0]})
    >>> gap_shares(d).round(3).tolist()
    [0.5, 0.0]
    """
    before = pd.to_numeric(neutralisation["ratio_before"], errors="coerce").to_numpy(float)
    after = pd.to_numeric(neutralisation["ratio_after"], errors="coerce").to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = 1.0 - np.log(after) / np.log(before)
        share = np.where(np.isfinite(share) & (np.abs(np.log(before)) > 1e-9), share, np.nan)
    return pd.Series(share, index=neutralisation.index)


def _published_pairs(published: Any) -> set[tuple[str, str]] | None:
    d = getattr(published, "disparities", None)
    if d is None:
        return None
    if "suppressed" in d.columns:
        d = d[~d["suppressed"].astype("boolean").fillna(False).astype(bool)]
    return set(zip(d["attribute"].astype(str), d["group"].astype(str), strict=False))


def _sentence(row: Any, share: float, lang: str, level: str) -> str:
    attr = str(row.attribute)
    key = "expl_covers_1" if bool(getattr(row, "after_covers_1", False)) else "expl_input"
    return t(
        key,
        lang,
        input=variable_label(str(row.input), lang),
        group=group_phrase(attr, str(row.group), lang),
        reference=group_phrase(attr, str(row.reference), lang),
        attribute=attribute_label(attr, lang),
        before=fmt_ratio(row.ratio_before, lang),
        after=fmt_ratio(row.ratio_after, lang),
        low=fmt_ratio(row.ratio_after_low, lang),
        high=fmt_ratio(row.ratio_after_high, lang),
        level=level,
        share=fmt_pct(min(share, 1.0), lang, 0),
    )


def explanation_sentences(
    published: Any, lang: str = "en", *, max_comparisons: int = 4, max_inputs: int = 3
) -> tuple[list[str], list[str]]:
    """Sentences on the inputs that carry the largest single-attribute gaps.

    Returns ``(sentences, summary)``: the sentences of the explanation section (per comparison,
    the inputs carrying at least 10% of its gap, strongest first, and what the ratio becomes
    without each), and one short sentence per comparison for the key findings. Comparisons
    hidden by the publication gate are left out.

    Examples
    --------
    >>> class Pub:
    ...     config = {"confidence": 0.95}
    ...     disparities = pd.DataFrame({"attribute": ["gender"], "group": ["woman"]})
    ...     explanation = type("E", (), {"neutralisation": pd.DataFrame({
    ...         "input": ["gender", "age"], "attribute": "gender", "group": "woman",
    ...         "reference": "man", "ratio_before": 4.0, "ratio_after": [1.5, 3.9],
    ...         "ratio_after_low": [1.2, 3.1], "ratio_after_high": [1.9, 4.8],
    ...         "after_covers_1": False})})()
    >>> sentences, summary = explanation_sentences(Pub(), "en")
    >>> print(sentences[0])
    Without the input gender, files of women are selected 1.5 times as often as files of men (95% interval 1.2 to 1.9), against 4.0 times with it: gender carries 71% of this gap.
    """
    neut = getattr(getattr(published, "explanation", None), "neutralisation", None)
    if not isinstance(neut, pd.DataFrame) or neut.empty:
        return [], []
    level = fmt_level(float(published.config.get("confidence", 0.95)), lang)
    allowed = _published_pairs(published)
    d = neut[~intersection_mask(neut["attribute"])].copy()
    if allowed is not None:
        keep = [
            (a, g) in allowed
            for a, g in zip(d["attribute"].astype(str), d["group"].astype(str), strict=False)
        ]
        d = d[keep]
    d["carried_share"] = gap_shares(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        d["log_gap"] = np.abs(
            np.log(pd.to_numeric(d["ratio_before"], errors="coerce").to_numpy(float))
        )
    sentences: list[str] = []
    summary: list[str] = []
    order = (
        d.groupby(["attribute", "group"], sort=False)["log_gap"].max().sort_values(ascending=False)
    )
    for attr, group in list(order.index)[:max_comparisons]:
        part = d[
            (d["attribute"] == attr) & (d["group"] == group) & (d["carried_share"] >= MIN_SHARE)
        ]
        part = part.sort_values("carried_share", ascending=False).head(max_inputs)
        if part.empty or not math.isfinite(float(part["log_gap"].iloc[0])):
            continue
        rows = list(part.itertuples(index=False))
        sentences.extend(_sentence(r, float(r.carried_share), lang, level) for r in rows)
        top = rows[0]
        summary.append(
            t(
                "expl_summary",
                lang,
                group=group_phrase(str(attr), str(group), lang),
                reference=group_phrase(str(attr), str(top.reference), lang),
                input=variable_label(str(top.input), lang),
                before=fmt_ratio(top.ratio_before, lang),
                after=fmt_ratio(top.ratio_after, lang),
            )
        )
    return sentences, summary


def explanation_notes(explanation: Any, lang: str = "en") -> list[str]:
    """How the explanation was computed, in ``lang``: read from its ``config`` and tables.

    An object without the configuration :func:`scoreaudit.explain.explain` records (a
    user's own tables) gives its own ``notes`` in English only.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ex = SimpleNamespace(config={"neutralise": "permute", "stratum": None, "n_repeats": 1,
    ...                              "additive_fast_path": False}, proxies=pd.DataFrame())
    >>> explanation_notes(ex, "fr")[0]
    'Neutraliser une variable : ses valeurs ont été mélangées entre les dossiers ; les dossiers ont été notés et sélectionnés à nouveau avec la politique de sélection de l’audit.'
    """
    config = getattr(explanation, "config", None) or {}
    method = config.get("neutralise")
    if f"expl_note_how_{method}" not in CATALOGUE:
        given = [str(n) for n in getattr(explanation, "notes", []) or []]
        return given if lang == "en" else []
    how = t(f"expl_note_how_{method}", lang)
    stratum = config.get("stratum")
    if stratum is not None and method != "fixed":
        how += t("expl_note_within", lang, stratum=variable_label(str(stratum), lang))
    repeats = int(config.get("n_repeats") or 1)
    notes = [
        t("expl_note_method", lang, how=how),
        t("expl_note_intervals_repeats", lang, repeats=repeats)
        if repeats > 1
        else t("expl_note_intervals", lang),
    ]
    if config.get("additive_fast_path"):
        notes.append(t("expl_note_additive", lang))
    proxies = getattr(explanation, "proxies", None)
    if proxies is not None and len(proxies) and "many_levels" in proxies.columns:
        many = list(dict.fromkeys(proxies.loc[proxies["many_levels"].astype(bool), "input"]))
        if many:
            inputs = ", ".join(variable_label(str(i), lang) for i in many)
            notes.append(t("expl_note_many_levels", lang, inputs=inputs))
    return notes
