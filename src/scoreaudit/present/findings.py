"""Headline findings as plain sentences, from the (published) disparities table.

A finding compares one group with its attribute's reference group (the tables' reference,
named in the sentence) at the agency's budget. Being controlled is the burden: each attribute's
first finding is its strongest significant gap where a group is selected MORE often than the
reference, and a gap the other way is added only when it is at least as strong (see
:func:`findings`). Ratios below 1 are turned around (the reference
is selected ``1/ratio`` times as often as the group, with the interval inverted), so that every
sentence reads "X times as often" with X above 1. A group with no selected file gets its own
sentence ("None of the 300 files of ... are selected, against 5.2% ..."). A finding whose gap
is not significant says so and gives the detectable ratio in the sentence's direction
(``min_detectable_ratio`` for an increase, ``1 / min_detectable_ratio_decrease`` for a
turned-round ratio), rounded towards 1 so that it stays true: "with these group sizes, a ratio
below 1.8 would probably have gone undetected". Suppressed and undefined comparisons never make
a headline.

Examples
--------
>>> noun_phrase({"gender": "woman", "age_band": "25-34", "family_status": "single_parent"}, "en")
'single mothers aged 25-34'
>>> noun_phrase({"gender": "man", "family_status": "alone"}, "fr")
'des hommes vivant seuls'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.format import num_or_none
from scoreaudit.core.vocab import REST, SEP
from scoreaudit.present.catalogue import (
    attribute_label,
    fmt_int,
    fmt_level,
    fmt_number,
    fmt_p,
    fmt_pct,
    fmt_ratio_ci,
    group_label,
    t,
)
from scoreaudit.stats.evidence import evidence_strength, small_with_selections
from scoreaudit.stats.power_text import conservative_ratio

__all__ = ["Finding", "detectable_text", "findings", "noun_phrase"]


# -- noun phrases of the bundled data's groups ------------------------------------------------
#: Family situations of the bundled data with a phrase of their own (``np_family_*`` keys).
_FAMILY = ("alone", "couple_no_child", "couple_with_children", "other")


def _age(label: str, lang: str) -> str:
    lab = str(label).strip()
    if lab.endswith("+") and lab[:-1].isdigit():
        return t("np_age_over", lang, age=lab[:-1])
    parts = lab.split("-")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        low, high = (p.strip() for p in parts)
        return t("np_age_range", lang, low=low, high=high)
    return t("np_age_band", lang, band=group_label("age_band", lab, lang))


def noun_phrase(cell: Mapping[str, str], lang: str) -> str:
    """Plain-language noun phrase for a group given as ``{attribute: label}``.

    Known attributes of the bundled data (gender, age_band, family_status) are phrased
    ("single mothers aged 25-34"); other attributes are named by their display names (the
    user's labels, else as they are). French phrases start with their article ("des hommes
    vivant seuls").

    Examples
    --------
    >>> noun_phrase({"age_band": "65+"}, "en")
    'people aged 65 or over'
    >>> noun_phrase({"region": "Nord"}, "fr")
    'des personnes avec region « Nord »'
    """
    gender = cell.get("gender")
    gender_known = gender in ("woman", "man")
    who = gender if gender_known else "any"
    fam = cell.get("family_status")
    fam_known = fam is None or fam in _FAMILY or fam == "single_parent"
    head = t(f"np_single_parent_{who}" if fam == "single_parent" else f"np_head_{who}", lang)
    suffixes = []
    if "age_band" in cell:
        suffixes.append(_age(cell["age_band"], lang))
    if fam is not None and fam != "single_parent" and fam_known:
        key = "np_family_alone_man" if fam == "alone" and who == "man" else f"np_family_{fam}"
        suffixes.append(t(key, lang))
    for attr, label in cell.items():
        if (
            attr == "age_band"
            or (attr == "gender" and gender_known)
            or (attr == "family_status" and fam_known)
        ):
            continue
        suffixes.append(
            t(
                "np_with",
                lang,
                attribute=attribute_label(attr, lang),
                label=group_label(attr, str(label), lang),
            )
        )
    return t("np_phrase", lang, phrase=" ".join([head, *suffixes]))


def _cell(attribute: str, group: str) -> dict[str, str] | None:
    attrs = str(attribute).split(SEP)
    groups = str(group).split(SEP)
    if len(attrs) != len(groups):
        return None
    return dict(zip(attrs, groups, strict=False))


def group_phrase(attribute: str, group: str, lang: str) -> str:
    """The group as the sentences name it ("women living alone", "everyone else").

    Examples
    --------
    >>> group_phrase("gender", "woman", "en"), group_phrase("gender", "(rest)", "en")
    ('women', 'everyone else')
    """
    if str(group) == REST:
        return t("np_rest", lang)
    cell = _cell(attribute, group)
    if cell is None:
        return t("np_group", lang, label=str(group))
    return noun_phrase(cell, lang)


@dataclass
class Finding:
    """One headline comparison, with the numbers exactly as the sentence shows them.

    ``kind`` is "ratio" (a finite ratio, turned round when below 1), "zero_group" (the group
    has no selected file, the reference has some) or "zero_reference" (the reverse). The
    comparison is always the group against its attribute's reference (the tables' reference).
    ``min_detectable_ratio`` is the detectable ratio *in the direction of the sentence*
    (above 1): for a turned-round ratio it is ``1 / min_detectable_ratio_decrease``.
    """

    kind: str  # "ratio", "zero_group" or "zero_reference"
    attribute: str
    group: str
    reference: str
    subject: str  # the group the sentence speaks about (the more selected one)
    compared_to: str
    flipped: bool
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    selection_rate: float | None
    reference_rate: float | None
    n: int | None
    reference_n: int | None
    selected: int | None
    significant: bool
    p_adjusted: float | None
    min_detectable_ratio: float | None
    below_four_fifths: bool
    text: str
    reference_selected: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _toward_one(ratio: float) -> tuple[float, int] | None:
    """``ratio`` rounded towards 1 (conservative) with one or two decimals; None when even two
    decimals reach 1 (the data detect any gap of 1% or more)."""
    value, decimals = conservative_ratio(float(ratio))
    if decimals > 2 or value == 1:
        return None
    return value, decimals


def detectable_text(mdr: float | None, lang: str) -> str:
    """The sentence about the detectable ratio (above 1, in the sentence's direction).

    Rounded towards 1, so that it stays true: 1.48 gives "below 1.4", never "1.5".

    Examples
    --------
    >>> detectable_text(1.48, "en")
    'With these group sizes, a ratio below 1.4 would probably have gone undetected (less than 80% chance of detecting it).'
    >>> detectable_text(1.004, "en")[:60]
    'With these group sizes, even a 1% gap would probably have be'
    """
    if mdr is None or not math.isfinite(mdr) or mdr <= 0:
        return ""
    shown = _toward_one(mdr)
    if shown is None:
        return t("s_detect_any", lang)
    value, decimals = shown
    return t("s_min_detectable", lang, mdr=fmt_number(value, lang, decimals))


def _ref(attribute: str, group: str, lang: str, end: bool = True) -> str:
    """The reference's noun phrase, marked as the reference (subject: in brackets; end of the
    clause: after a comma)."""
    return t(
        "ref_mark_end" if end else "ref_mark", lang, group=group_phrase(attribute, group, lang)
    )


def _sentence(
    row: pd.Series,
    lang: str,
    level: str,
    counts_of: Mapping[tuple[str, str], tuple[Any, Any]] | None = None,
) -> Finding | None:
    ratio = num_or_none(row["ratio"])
    p1, p0 = num_or_none(row["selection_rate"]), num_or_none(row["reference_rate"])
    if p1 is None or p0 is None:
        return None
    significant = bool(row["significant"]) if row["significant"] is not None else False
    p_adj = num_or_none(row["p_adjusted"])
    mdr_up = num_or_none(row.get("min_detectable_ratio"))
    mdr_down = num_or_none(row.get("min_detectable_ratio_decrease"))
    four_fifths = bool(row.get("below_four_fifths") or False)
    attr, grp, ref = str(row["attribute"]), str(row["group"]), str(row["reference"])
    common = dict(
        attribute=attr,
        group=grp,
        reference=ref,
        significant=significant,
        p_adjusted=p_adj,
        below_four_fifths=four_fifths,
        selection_rate=p1,
        reference_rate=p0,
    )
    n, ref_n = num_or_none(row["n"]), num_or_none(row["reference_n"])
    counts_of = counts_of or {}

    def selected(group: str) -> int | None:
        sel = num_or_none((counts_of.get((attr, group)) or (None, None))[1])
        return None if sel is None else int(sel)

    n_i = None if n is None else int(n)
    ref_n_i = None if ref_n is None else int(ref_n)
    common.update(n=n_i, reference_n=ref_n_i)
    words = dict(
        group=group_phrase(attr, grp, lang),
        n=fmt_int(n, lang),  # counts of files
        reference_n=fmt_int(ref_n, lang),
        reference=_ref(attr, ref, lang),
    )
    if p0 == 0 and p1 > 0:  # the reference has no selected file
        sel = selected(grp)
        return _zero_finding(
            "zero_reference", p1, sel, (grp, ref, sel, 0, mdr_up), words, lang, common
        )
    if p1 == 0 and p0 > 0:  # the group has no selected file
        sel, inv = selected(ref), None if mdr_down in (None, 0) else 1 / mdr_down
        return _zero_finding("zero_group", p0, sel, (ref, grp, 0, sel, inv), words, lang, common)
    if ratio is None or not math.isfinite(ratio) or ratio <= 0:
        return None
    low, high = num_or_none(row["ratio_low"]), num_or_none(row["ratio_high"])
    flipped = ratio < 1
    if flipped:
        ratio = 1 / ratio
        low, high = (
            (None if high in (None, 0) else 1 / high),
            (None if low in (None, 0) else 1 / low),
        )
        # the detectable ratio in the sentence's direction: the smallest detectable DECREASE,
        # turned round like the ratio (never the detectable increase)
        mdr = None if mdr_down in (None, 0) else 1 / mdr_down
        subject, other = ref, grp
        subject_text, other_text = _ref(attr, ref, lang, end=False), group_phrase(attr, grp, lang)
    else:
        mdr = mdr_up
        subject, other = grp, ref
        subject_text, other_text = group_phrase(attr, grp, lang), _ref(attr, ref, lang)
    shown, low_s, high_s = fmt_ratio_ci(ratio, low, high, lang, 1)
    times = (
        t("as_often", lang) if shown in ("1.0", "1,0") else t("times_as_often", lang, ratio=shown)
    )
    text = t(
        "s_ratio",
        lang,
        group=subject_text,
        times=times,
        reference=other_text,
        level=level,
        low=low_s,
        high=high_s,
    )
    if not significant:
        text += " " + t("s_not_significant", lang, p=fmt_p(p_adj, lang))
        extra = detectable_text(mdr, lang)
        if extra:
            text += " " + extra
    return Finding(
        kind="ratio",
        subject=subject,
        compared_to=other,
        flipped=flipped,
        ratio=ratio,
        ratio_low=low,
        ratio_high=high,
        selected=None,
        min_detectable_ratio=mdr,
        text=text,
        **common,
    )


def _zero_finding(
    kind: str,
    rate: float,
    shown_selected: int | None,
    sides: tuple[str, str, int | None, int | None, float | None],
    words: dict[str, str],
    lang: str,
    common: dict[str, Any],
) -> Finding:
    """A comparison in which one side has no selected file (``kind`` ``"zero_reference"`` or
    ``"zero_group"``): no ratio; the sentence gives the other side's ``rate`` and counts.
    ``sides``: subject, compared_to, selected, reference_selected, min_detectable_ratio."""
    text = t(
        f"s_{kind}", lang, rate=fmt_pct(rate, lang), selected=fmt_int(shown_selected, lang), **words
    )
    if not common["significant"]:
        text += " " + t("s_not_significant", lang, p=fmt_p(common["p_adjusted"], lang))
    subject, other, sel, ref_sel, mdr = sides
    return Finding(
        kind=kind,
        subject=subject,
        compared_to=other,
        flipped=kind == "zero_group",
        ratio=None,
        ratio_low=None,
        ratio_high=None,
        selected=sel,
        reference_selected=ref_sel,
        min_detectable_ratio=mdr,
        text=text,
        **common,
    )


def _strength(d: pd.DataFrame) -> np.ndarray:
    """How strongly each comparison's gap is established, to choose the headline.

    The smallest gap the interval admits (:func:`scoreaudit.stats.evidence.evidence_strength`:
    ``|log|`` of the bound nearest 1), so that a large group's established gap comes before a
    wide interval around an extreme ratio; a gap whose interval contains 1 ranks after every
    established one, by ``|log ratio|``; small cells rank after all others. A group selected
    against a reference with none selected ranks above all finite ratios, by its selection
    rate. Undefined comparisons get -1.
    """
    r = pd.to_numeric(d["ratio"], errors="coerce").to_numpy(float)
    p1 = pd.to_numeric(d["selection_rate"], errors="coerce").to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(np.log(r))
    evidence = evidence_strength(d)
    s = np.where(evidence > 0, 1.0 + evidence, np.minimum(np.nan_to_num(gap, posinf=0.0), 50) / 100)
    s = np.where(np.isnan(r), np.nan, s)
    s = np.where(small_with_selections(d), s * 1e-6, s)
    s = np.where(np.isposinf(r), 1e6 + np.nan_to_num(p1), s)
    return np.nan_to_num(s, nan=-1.0, posinf=1e9)


def _direction(d: pd.DataFrame) -> np.ndarray:
    """+1 where the group is selected more often than its reference, -1 less often, 0 equal
    or undefined."""
    p1 = pd.to_numeric(d["selection_rate"], errors="coerce").to_numpy(float)
    p0 = pd.to_numeric(d["reference_rate"], errors="coerce").to_numpy(float)
    return np.where(p1 > p0, 1, np.where(p1 < p0, -1, 0))


def _attribute_findings(
    sub: pd.DataFrame,
    lang: str,
    level: str,
    counts_of: Mapping[tuple[str, str], tuple[Any, Any]],
    fallback: bool,
) -> list[tuple[float, Finding]]:
    """The findings of one attribute (or intersection), in the headline rule's order.

    First the strongest significant gap where the group is selected MORE often than its
    reference (if any); then the strongest significant gap in the other direction, only if
    there is no first sentence or it is at least as strong (``_strength``). With no
    significant gap and ``fallback``, the largest gap, said not to be significant. Returns
    ``(strength, finding)`` pairs.
    """
    sub = sub.sort_values("_strength", ascending=False, kind="stable")
    chosen: list[tuple[float, Finding]] = []
    for direction in (1, -1):
        rows = sub[sub["_sig"] & (sub["_dir"] == direction)]
        for _, row in rows.iterrows():
            f = _sentence(row, lang, level, counts_of)
            if f is None:
                continue
            if not chosen or float(row["_strength"]) >= chosen[0][0]:
                chosen.append((float(row["_strength"]), f))
            break
    if not chosen and fallback:
        for _, row in sub.iterrows():
            f = _sentence(row, lang, level, counts_of)
            if f is not None:
                return [(float(row["_strength"]), f)]
    return chosen


def findings(published: Any, lang: str = "en", max_findings: int = 10) -> list[Finding]:
    """Headline findings of a published (suppressed) result.

    Every finding compares a group with its attribute's reference group (the reference of the
    tables), and names the reference. Being selected for control is the burden, so the rule
    looks first for who is selected MORE often. Per attribute: first the strongest
    significant gap where a group is selected more often than the reference (if any); a
    second sentence for the strongest significant gap in the other direction (a group
    selected less often, or never) only when it is at least as strong (``|log ratio|``; a
    group with no selected file ranks by its interval's upper bound). An attribute with no
    significant gap gets its largest gap, with the detectable ratio. Single attributes come
    first, in order; then each intersection with a significant gap (same rule, no fallback),
    strongest first, up to ``max_findings`` sentences in all.

    Parameters
    ----------
    published : AuditResult
        Preferably the copy returned by :func:`scoreaudit.gate.publish.publish`.
    lang : {"en", "fr"}
    max_findings : int

    Returns
    -------
    list of Finding

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"gender": ["woman"] * 500 + ["man"] * 500,
    ...                   "score": np.r_[rng.random(500) + 0.1, rng.random(500)]})
    >>> r = sa.audit(sa.Population(f, protected=["gender"]), "score", sa.Budget(share=0.2),
    ...              reference={"gender": "man"}, threshold_free=False)
    >>> print(findings(r)[0].text)  # doctest: +ELLIPSIS
    Files of women are selected for control 2.2 times as often as files of men, the reference group (95% interval 1.7 to 2.9).
    """
    d = published.disparities.reset_index(drop=True)
    if "suppressed" in d.columns:
        d = d[~d["suppressed"].astype("boolean").fillna(False).astype(bool)]
    level = fmt_level(float(published.config.get("confidence", 0.95)), lang)
    d = d.assign(
        _strength=_strength(d),
        _dir=_direction(d),
        _sig=d["significant"].astype("boolean").fillna(False).astype(bool),
        _inter=d["attribute"].astype(str).str.contains(SEP, regex=False),
    )
    d = d[d["_strength"] >= 0]
    g = published.groups
    counts_of = dict(
        zip(
            zip(g["attribute"].astype(str), g["group"].astype(str), strict=False),
            zip(g["n"], g["selected"], strict=False),
            strict=False,
        )
    )
    out: list[Finding] = []
    for _attr, sub in d[~d["_inter"]].groupby("attribute", sort=False):
        out.extend(f for _, f in _attribute_findings(sub, lang, level, counts_of, fallback=True))
    blocks = []
    for _attr, sub in d[d["_inter"] & d["_sig"]].groupby("attribute", sort=False):
        found = _attribute_findings(sub, lang, level, counts_of, fallback=False)
        if found:
            blocks.append(found)
    # strongest first sentence first (stable: ties keep the tables' order)
    for found in sorted(blocks, key=lambda b: -b[0][0]):
        out.extend(f for _, f in found)
    return out[:max_findings]
