"""Headline findings as plain sentences, from the (published) disparities table.

A finding compares one group with its reference at the agency's budget. Ratios below 1 are
turned around (the reference is selected ``1/ratio`` times as often as the group, with the
interval inverted), so that every sentence reads "X times as often" with X above 1. A finding
whose gap is not significant says so and gives the minimum detectable ratio
(``min_detectable_ratio``): "with these group sizes, a ratio below 1.4 would probably have
gone undetected". Suppressed and undefined comparisons never make a headline.

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

from .i18n import fmt_int, fmt_p, fmt_pct, fmt_ratio, t

__all__ = ["Finding", "findings", "noun_phrase"]

SEP = " × "

# -- noun phrases of the bundled data's groups ------------------------------------------------
_HEAD = {"en": {"woman": "women", "man": "men", None: "people"},
         "fr": {"woman": "femmes", "man": "hommes", None: "personnes"}}
_SINGLE_PARENT = {"en": {"woman": "single mothers", "man": "single fathers", None: "single parents"},
                  "fr": {"woman": "mères isolées", "man": "pères isolés", None: "parents isolés"}}
_FAMILY = {
    "en": {"alone": "living alone", "couple_no_child": "in a couple without children",
           "couple_with_children": "in a couple with children",
           "other": "in another family situation"},
    "fr": {"alone": "vivant {seul}", "couple_no_child": "en couple sans enfant",
           "couple_with_children": "en couple avec enfants",
           "other": "dans une autre situation familiale"},
}


def _age(label: str, lang: str) -> str:
    lab = str(label).strip()
    if lab.endswith("+") and lab[:-1].isdigit():
        return f"aged {lab[:-1]} or over" if lang == "en" else f"de {lab[:-1]} ans ou plus"
    parts = lab.split("-")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        a, b = (p.strip() for p in parts)
        return f"aged {a}-{b}" if lang == "en" else f"de {a} à {b} ans"
    return f"in the age band “{lab}”" if lang == "en" else f"de la tranche d’âge « {lab} »"


def noun_phrase(cell: Mapping[str, str], lang: str) -> str:
    """Plain-language noun phrase for a group given as ``{attribute: label}``.

    Known attributes of the bundled data (gender, age_band, family_status) are phrased
    ("single mothers aged 25-34"); other attributes are quoted as they are. French phrases
    start with their article ("des hommes vivant seuls").

    Examples
    --------
    >>> noun_phrase({"age_band": "65+"}, "en")
    'people aged 65 or over'
    >>> noun_phrase({"region": "Nord"}, "fr")
    'des personnes avec region « Nord »'
    """
    gender = cell.get("gender")
    if gender not in ("woman", "man"):
        gender_known = False
        gender_key = None
    else:
        gender_known = True
        gender_key = gender
    fam = cell.get("family_status")
    fam_known = fam is None or fam in _FAMILY["en"] or fam == "single_parent"
    if fam == "single_parent":
        head = _SINGLE_PARENT[lang][gender_key]
    else:
        head = _HEAD[lang][gender_key]
    suffixes = []
    if "age_band" in cell:
        suffixes.append(_age(cell["age_band"], lang))
    if fam is not None and fam != "single_parent" and fam_known:
        text = _FAMILY[lang][fam]
        if lang == "fr":
            text = text.format(seul="seuls" if gender_key == "man" else "seules")
        suffixes.append(text)
    for attr, label in cell.items():
        if attr == "age_band" or (attr == "gender" and gender_known) or \
                (attr == "family_status" and fam_known):
            continue
        if lang == "en":
            suffixes.append(f"with {attr} “{label}”")
        else:
            suffixes.append(f"avec {attr} « {label} »")
    phrase = " ".join([head, *suffixes])
    if lang == "fr":
        phrase = "des " + phrase
    return phrase


def _cell(attribute: str, group: str) -> dict[str, str] | None:
    attrs = str(attribute).split(SEP)
    groups = str(group).split(SEP)
    if len(attrs) != len(groups):
        return None
    return dict(zip(attrs, groups, strict=False))


def _phrase(attribute: str, group: str, lang: str) -> str:
    from ..audit import REST

    if str(group) == REST:
        return t("np_rest", lang)
    cell = _cell(attribute, group)
    if cell is None:
        return t("np_group", lang, label=str(group))
    return noun_phrase(cell, lang)


@dataclass
class Finding:
    """One headline comparison, with the numbers exactly as the sentence shows them."""

    kind: str  # "ratio" or "zero_reference"
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _sentence(row: pd.Series, lang: str, level: str,
              selected_of: Mapping[tuple[str, str], Any] | None = None) -> Finding | None:
    ratio = _f(row["ratio"])
    p1, p0 = _f(row["selection_rate"]), _f(row["reference_rate"])
    if p1 is None or p0 is None:
        return None
    significant = bool(row["significant"]) if row["significant"] is not None else False
    p_adj = _f(row["p_adjusted"])
    mdr = _f(row.get("min_detectable_ratio"))
    four_fifths = bool(row.get("below_four_fifths") or False)
    common = dict(attribute=str(row["attribute"]), group=str(row["group"]),
                  reference=str(row["reference"]), significant=significant, p_adjusted=p_adj,
                  min_detectable_ratio=mdr, below_four_fifths=four_fifths,
                  selection_rate=p1, reference_rate=p0)
    n, ref_n = _f(row["n"]), _f(row["reference_n"])
    if p0 == 0 and p1 > 0:
        sel = (selected_of or {}).get((str(row["attribute"]), str(row["group"])))
        selected = None if _f(sel) is None else int(_f(sel))
        text = t("s_zero_reference", lang, rate=fmt_pct(p1, lang),
                 group=_phrase(row["attribute"], row["group"], lang),
                 selected=fmt_int(selected, lang), n=fmt_int(n, lang),  # counts of files
                 reference_n=fmt_int(ref_n, lang),
                 reference=_phrase(row["attribute"], row["reference"], lang))
        return Finding(kind="zero_reference", subject=str(row["group"]),
                       compared_to=str(row["reference"]), flipped=False, ratio=None,
                       ratio_low=None, ratio_high=None, n=None if n is None else int(n),
                       reference_n=None if ref_n is None else int(ref_n),
                       selected=selected, text=text, **common)
    if ratio is None or not math.isfinite(ratio) or ratio <= 0:
        return None
    low, high = _f(row["ratio_low"]), _f(row["ratio_high"])
    flipped = ratio < 1
    if flipped:
        ratio = 1 / ratio
        low, high = (None if high in (None, 0) else 1 / high), (None if low in (None, 0) else 1 / low)
        subject, other = str(row["reference"]), str(row["group"])
    else:
        subject, other = str(row["group"]), str(row["reference"])
    shown = fmt_ratio(ratio, lang)
    times = (t("as_often", lang) if shown in ("1.0", "1,0")
             else t("times_as_often", lang, ratio=shown))
    text = t("s_ratio", lang, group=_phrase(row["attribute"], subject, lang), times=times,
             reference=_phrase(row["attribute"], other, lang), level=level,
             low=fmt_ratio(low, lang), high=fmt_ratio(high, lang))
    if not significant:
        text += " " + t("s_not_significant", lang, p=fmt_p(p_adj, lang))
        if mdr is not None:
            text += " " + t("s_min_detectable", lang, mdr=fmt_ratio(mdr, lang))
    return Finding(kind="ratio", subject=subject, compared_to=other, flipped=flipped,
                   ratio=ratio, ratio_low=low, ratio_high=high,
                   n=None if n is None else int(n), reference_n=None if ref_n is None else int(ref_n),
                   selected=None, text=text, **common)


def _strength(d: pd.DataFrame) -> np.ndarray:
    """|log ratio|; a group selected against a reference with none selected ranks above all
    finite ratios, by its selection rate; undefined comparisons get -1."""
    r = pd.to_numeric(d["ratio"], errors="coerce").to_numpy(float)
    p1 = pd.to_numeric(d["selection_rate"], errors="coerce").to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.abs(np.log(r))
    s = np.where(np.isposinf(r), 1e6 + np.nan_to_num(p1), s)
    return np.nan_to_num(s, nan=-1.0, posinf=1e9)


def findings(published: Any, lang: str = "en", max_findings: int = 6) -> list[Finding]:
    """Headline findings of a published (suppressed) result, strongest first.

    One finding per single attribute (its strongest significant gap, or, when no gap is
    significant, its largest one with the minimum detectable ratio), then the strongest
    significant gap of each intersection, strongest first, up to ``max_findings``.

    Parameters
    ----------
    published : AuditResult
        Preferably the copy returned by :func:`scoreaudit.report.suppress.publish`.
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
    Files of women are selected for control 2.2 times as often as files of men (95% interval 1.7 to 2.9).
    """
    d = published.disparities.reset_index(drop=True)
    if "suppressed" in d.columns:
        d = d[~d["suppressed"].astype(bool)]
    level = fmt_pct(float(published.config.get("confidence", 0.95)), lang, 0)
    d = d.assign(_strength=_strength(d),
                 _sig=d["significant"].astype("boolean").fillna(False).astype(bool),
                 _inter=d["attribute"].astype(str).str.contains(SEP, regex=False))
    d = d[d["_strength"] >= 0]
    g = published.groups
    selected_of = dict(zip(zip(g["attribute"].astype(str), g["group"].astype(str), strict=False), g["selected"], strict=False))
    out: list[Finding] = []
    used: set[int] = set()
    for _attr, sub in d[~d["_inter"]].groupby("attribute", sort=False):
        sub = sub.sort_values(["_sig", "_strength"], ascending=[False, False])
        for idx, row in sub.iterrows():
            f = _sentence(row, lang, level, selected_of)
            if f is not None:
                out.append(f)
                used.add(int(idx))
                break
    inter = d[d["_inter"] & d["_sig"]].sort_values("_strength", ascending=False)
    seen: set[str] = set()  # one finding per intersection, strongest intersections first
    for idx, row in inter.iterrows():
        if len(out) >= max_findings:
            break
        if int(idx) in used or str(row["attribute"]) in seen:
            continue
        f = _sentence(row, lang, level, selected_of)
        if f is not None:
            out.append(f)
            seen.add(str(row["attribute"]))
    return out[:max_findings]
