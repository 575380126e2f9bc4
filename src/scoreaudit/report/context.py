"""The view model shared by the HTML and Markdown renderers.

Everything the templates show is computed here, once, from the *published* (suppressed)
result: every number is already formatted for the language, every table cell carries the key
of the column it comes from (``data-col`` in the HTML, so a test can check it against
``results.json``). Strings from the data are left as they are: the templates escape them
(Jinja2 autoescape for HTML, :func:`md_escape` for Markdown).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.format import num_or_none
from scoreaudit.core.vocab import REST, SEP
from scoreaudit.models.terms import term_table
from scoreaudit.present.catalogue import (
    CATALOGUE,
    MISSING,
    attribute_label,
    fmt_int,
    fmt_level,
    fmt_number,
    fmt_p,
    fmt_pct,
    fmt_rate_ci,
    fmt_ratio_ci,
    group_label,
    kv_sep,
    list_sep,
    render_warning,
    t,
    variable_label,
)
from scoreaudit.present.findings import Finding
from scoreaudit.present.notes import note_code

#: Budgets shown in the budget-curve table (when on the audit's grid).
CURVE_BUDGETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


@dataclass
class Cell:
    key: str
    text: str
    numeric: bool = True


@dataclass
class Row:
    attribute: str
    group: str
    label: str
    cells: list[Cell]
    is_reference: bool = False
    suppressed: bool = False
    flags: list[str] = field(default_factory=list)


@dataclass
class Table:
    table_id: str
    caption: str
    headers: list[str]
    rows: list[Row]
    note: str = ""
    attribute: str = ""


def attribute_table(
    table_id: str, attribute: str, lang: str, headers: list[str], rows: list[Row], note: str = ""
) -> Table:
    """The table of one attribute's groups, captioned with the attribute's label.

    Examples
    --------
    >>> attribute_table("population-g", "g", "en", ["Group"], []).caption
    'g'
    """
    return Table(table_id, attribute_label(attribute, lang), headers, rows, note, attribute)


def group_row(attribute: str, group: Any, lang: str, cells: list[Cell], **flags: Any) -> Row:
    """The row of one group, labelled for ``lang``; ``flags``: ``is_reference``, ``suppressed``,
    ``flags`` of :class:`Row`.

    Examples
    --------
    >>> group_row("g", 1, "en", [], suppressed=True).label, group_row("g", 1, "en", []).group
    ('1', '1')
    """
    group = str(group)
    return Row(attribute, group, group_label(attribute, group, lang), cells, **flags)


def _is_inter(attr: str) -> bool:
    return SEP in str(attr)


def _records(frame: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(r["attribute"]), str(r["group"])): r for r in frame.to_dict(orient="records")}


def _interval(low: str, high: str) -> str:
    if low == MISSING and high == MISSING:
        return MISSING
    return f"{low} – {high}"


def rate_cells(rate: Any, low: Any, high: Any, lang: str) -> tuple[str, str]:
    """A rate and its interval, with the same decimals."""
    r, lo, hi = fmt_rate_ci(rate, low, high, lang)
    return r, _interval(lo, hi)


def ratio_cells(ratio: Any, low: Any, high: Any, lang: str, base: int = 2) -> tuple[str, str]:
    """A ratio and its interval, with the same decimals."""
    r, lo, hi = fmt_ratio_ci(ratio, low, high, lang, base)
    return r, _interval(lo, hi)


def toward_one(x: Any, decimals: int = 2) -> float | None:
    """Round towards 1 (floor above 1, ceil below): a detectable ratio stays true when rounded."""
    v = num_or_none(x)
    if v is None or not math.isfinite(v) or v <= 0:
        return None
    scale = 10.0**decimals
    return (math.floor(v * scale + 1e-9) if v > 1 else math.ceil(v * scale - 1e-9)) / scale


def detectable_cell(dis: Mapping[str, Any], lang: str) -> str:
    """The detectable ratio in the direction of the observed gap, on the ratio's scale.

    Above 1 (``min_detectable_ratio``) for a group selected more often than its reference (or
    as often); below 1 (``min_detectable_ratio_decrease``) for a group selected less often,
    including a group with no selected file. Rounded towards 1; "–" when not computed.
    """
    ratio = num_or_none(dis.get("ratio"))
    down = ratio is not None and ratio < 1
    value = dis.get("min_detectable_ratio_decrease") if down else dis.get("min_detectable_ratio")
    v = toward_one(value)
    if v is None:
        return MISSING
    return fmt_number(v, lang, 2)


def column_headers(lang: str, level: str, *keys: str) -> list[str]:
    """The headers ``keys`` of a table in ``lang``; an interval column names its ``level``.

    Examples
    --------
    >>> column_headers("en", "95%", "col_ratio", "col_interval") == [
    ...     t("col_ratio", "en"), t("col_interval", "en", level="95%")]
    True
    """
    return [t(k, lang, level=level) if k == "col_interval" else t(k, lang) for k in keys]


def group_table(pub: Any, attribute: str, lang: str, marker: str, table_id: str) -> Table:
    """Groups of one attribute (or intersection): sizes, selection, ratio to the reference."""
    g = pub.groups[pub.groups["attribute"].astype(str) == attribute]
    d = _records(pub.disparities[pub.disparities["attribute"].astype(str) == attribute])
    ref = str(pub.config.get("references_used", {}).get(attribute, ""))
    level = fmt_level(float(pub.config.get("confidence", 0.95)), lang)
    headers = column_headers(
        lang,
        level,
        "col_group",
        "col_files",
        "col_share",
        "col_selected",
        "col_rate",
        "col_interval",
        "col_ratio",
        "col_interval",
        "col_p",
        "col_mdr",
        "col_notes",
    )
    rows = []
    for rec in g.to_dict(orient="records"):
        grp = str(rec["group"])
        sup = bool(rec.get("suppressed", False))
        dis = d.get((attribute, grp))
        is_ref = grp == ref

        def m(text: str, sup_here: bool) -> str:
            return marker if sup_here else text

        rate, rate_ci = rate_cells(
            rec["selection_rate"], rec["selection_rate_low"], rec["selection_rate_high"], lang
        )
        cells = [
            Cell("n", m(fmt_int(rec["n"], lang), sup)),
            Cell("share", m(fmt_pct(rec["share"], lang), sup)),
            Cell("selected", m(fmt_int(rec["selected"], lang), sup)),
            Cell("selection_rate", m(rate, sup)),
            Cell("selection_rate_interval", m(rate_ci, sup)),
        ]
        flags: list[str] = []
        if is_ref:
            cells += [
                Cell("ratio", t("reference_row", lang), False),
                Cell("ratio_interval", ""),
                Cell("p_adjusted", ""),
                Cell("min_detectable_ratio", ""),
            ]
        elif dis is not None:
            dsup = bool(dis.get("suppressed", False))
            ratio, ratio_ci = ratio_cells(dis["ratio"], dis["ratio_low"], dis["ratio_high"], lang)
            cells += [
                Cell("ratio", m(ratio, dsup)),
                Cell("ratio_interval", m(ratio_ci, dsup)),
                Cell("p_adjusted", m(fmt_p(dis["p_adjusted"], lang), dsup)),
                Cell("min_detectable_ratio", m(detectable_cell(dis, lang), dsup)),
            ]
            if not dsup:
                if dis.get("significant") is True:
                    flags.append(t("flag_significant", lang))
                if dis.get("below_four_fifths") is True:
                    flags.append(t("flag_four_fifths", lang))
                code = note_code(dis.get("note"), pub.notes)
                if code == "note_reference_none_selected":
                    flags.append(t("flag_no_reference_selected", lang))
                elif code == "note_none_selected":
                    flags.append(t("flag_none_selected", lang))
            else:
                flags.append(t("flag_suppressed", lang))
        else:
            cells += [
                Cell("ratio", ""),
                Cell("ratio_interval", ""),
                Cell("p_adjusted", ""),
                Cell("min_detectable_ratio", ""),
            ]
        if sup and t("flag_suppressed", lang) not in flags:
            flags.append(t("flag_suppressed", lang))
        elif bool(rec.get("small_cell", False)):
            flags.append(t("flag_small", lang))
        rows.append(
            group_row(attribute, grp, lang, cells, is_reference=is_ref, suppressed=sup, flags=flags)
        )
    ref_text = t("reference_rest", lang) if ref == REST else group_label(attribute, ref, lang)
    note = t("reference_is", lang, reference=ref_text)
    return attribute_table(table_id, attribute, lang, headers, rows, note)


def population_table(pub: Any, attribute: str, lang: str, marker: str) -> Table:
    g = pub.groups[pub.groups["attribute"].astype(str) == attribute]
    rows = []
    for rec in g.to_dict(orient="records"):
        sup = bool(rec.get("suppressed", False))
        cells = [
            Cell("n", marker if sup else fmt_int(rec["n"], lang)),
            Cell("share", marker if sup else fmt_pct(rec["share"], lang)),
        ]
        rows.append(group_row(attribute, rec["group"], lang, cells, suppressed=sup))
    headers = [t("col_group", lang), t("col_files", lang), t("col_share", lang)]
    return attribute_table(f"population-{attribute}", attribute, lang, headers, rows)


def at_tie_edges(pub: Any) -> bool:
    """True when the published curve has budgets off the audit's grid: the gate moved those
    that fell inside a block of tied scores to the block's edge."""
    grid = np.asarray(pub.config.get("budgets") or [], dtype=float)
    budgets = np.unique(pd.to_numeric(pub.curve["budget"], errors="coerce").to_numpy(float))
    if grid.size == 0 or budgets.size == 0:
        return False
    return bool((np.abs(budgets[:, None] - grid[None, :]).min(axis=1) > 1e-9).any())


def budget_headings(budgets: list[float], lang: str) -> list[str]:
    """Budgets as a reader takes them in: a grid budget as it is (5%, 12.5%), one moved to a
    tie edge with the fewest decimals (from one) that keep the headings apart; the exact
    share is in the curve's table.

    Examples
    --------
    >>> budget_headings([0.05, 0.241730, 0.2421], "en")
    ['5%', '24.17%', '24.21%']
    """
    for d in range(1, 5):
        texts = [
            fmt_level(b, lang) if abs(round(b * 100, 1) - b * 100) < 1e-9 else fmt_pct(b, lang, d)
            for b in budgets
        ]
        if len(set(texts)) == len(texts):
            break
    return texts


def curve_budgets(pub: Any) -> int:
    """How many budgets the published curve has."""
    return int(pd.to_numeric(pub.curve["budget"], errors="coerce").nunique())


def curve_table(
    pub: Any, attribute: str, lang: str, marker: str, thinned: bool = False
) -> Table | None:
    """The ratios at the usual budgets; the nearest published ones when the gate moved
    budgets to tie edges or published the curve at fewer budgets (``thinned``)."""
    c = pub.curve[pub.curve["attribute"].astype(str) == attribute]
    if c.empty:
        return None
    grid = sorted({float(b) for b in c["budget"]})
    policy = pub.config.get("policy", {})
    wanted = list(CURVE_BUDGETS)
    if policy.get("kind") == "budget" and policy.get("share"):
        wanted.append(float(policy["share"]))
    if thinned or at_tie_edges(pub):  # the nearest point to each budget, headed with its own
        budgets = sorted({min(grid, key=lambda b, w=w: abs(b - w)) for w in wanted})
    else:
        budgets = sorted({b for b in grid if any(abs(b - w) < 1e-9 for w in wanted)})
    if not budgets:
        return None
    ref = str(pub.config.get("references_used", {}).get(attribute, ""))
    rows = []
    for grp, sub in c.groupby("group", sort=False):
        by_b = {float(r["budget"]): r for r in sub.to_dict(orient="records")}
        cells = []
        for b in budgets:
            r = by_b.get(b)
            if r is None:
                cells.append(Cell(f"ratio@{b:g}", ""))
            elif str(grp) == ref:
                cells.append(Cell(f"ratio@{b:g}", "1", False))
            elif bool(r.get("suppressed")) and num_or_none(r.get("ratio")) is None:
                cells.append(Cell(f"ratio@{b:g}", marker))
            else:
                cells.append(Cell(f"ratio@{b:g}", ratio_cells(r.get("ratio"), None, None, lang)[0]))
        rows.append(group_row(attribute, grp, lang, cells, is_reference=str(grp) == ref))
    headers = [t("col_group", lang)] + [
        f"{t('col_budget', lang)} {text}" for text in budget_headings(budgets, lang)
    ]
    note = t("curve_legend", lang)
    return attribute_table(f"curve-{attribute}", attribute, lang, headers, rows, note)


def outcomes_table(pub: Any, attribute: str, lang: str, marker: str) -> Table | None:
    g = pub.groups[pub.groups["attribute"].astype(str) == attribute]
    if "precision" not in g.columns:
        return None
    level = fmt_level(float(pub.config.get("confidence", 0.95)), lang)
    rows = []
    for rec in g.to_dict(orient="records"):
        sup = bool(rec.get("suppressed_labels", rec.get("suppressed", False)))
        prec, prec_ci = rate_cells(
            rec["precision"], rec["precision_low"], rec["precision_high"], lang
        )
        fpr, fpr_ci = rate_cells(rec["fpr"], rec["fpr_low"], rec["fpr_high"], lang)

        def m(x: str, sup: bool = sup) -> str:
            return marker if sup else x

        cells = [
            Cell("positive_rate", m(fmt_pct(rec["positive_rate"], lang))),
            Cell("precision", m(prec)),
            Cell("precision_interval", m(prec_ci)),
            Cell("fpr", m(fpr)),
            Cell("fpr_interval", m(fpr_ci)),
        ]
        rows.append(group_row(attribute, rec["group"], lang, cells, suppressed=sup))
    headers = column_headers(
        lang,
        level,
        "col_group",
        "col_positive_rate",
        "col_precision",
        "col_interval",
        "col_fpr",
        "col_interval",
    )
    return attribute_table(f"outcomes-{attribute}", attribute, lang, headers, rows)


def frame_table(frame: pd.DataFrame, lang: str, table_id: str, caption: str) -> Table:
    """Any data frame (explanations) as a table: numbers formatted, text kept (and escaped later)."""
    headers = [str(c) for c in frame.columns]
    rows = []
    for rec in frame.head(200).itertuples(index=False, name=None):
        cells = []
        for c, v in zip(headers, rec, strict=False):
            if isinstance(v, bool) or v is None:
                cells.append(Cell(c, "" if v is None else str(v), False))
            elif isinstance(v, int) or (
                hasattr(v, "dtype") and "int" in str(getattr(v, "dtype", ""))
            ):
                cells.append(Cell(c, fmt_int(v, lang)))
            elif isinstance(v, float) or hasattr(v, "dtype"):
                x = num_or_none(v)
                cells.append(
                    Cell(
                        c,
                        fmt_number(x, lang, 3)
                        if x is not None and abs(x) < 1e6
                        else fmt_number(x, lang, 0),
                    )
                )
            else:
                cells.append(Cell(c, str(v), False))
        rows.append(Row(attribute="", group="", label="", cells=cells))
    return Table(table_id=table_id, caption=caption, headers=headers, rows=rows)


def explanation_tables(explanation: Any, lang: str) -> list[Table]:
    """Tables of ``result.explanation``: a frame, a mapping of frames, or an object with them."""
    if explanation is None:
        return []
    items: list[tuple[str, pd.DataFrame]] = []
    if isinstance(explanation, pd.DataFrame):
        items = [("explanation", explanation)]
    elif isinstance(explanation, Mapping):
        items = [(str(k), v) for k, v in explanation.items() if isinstance(v, pd.DataFrame)]
    else:
        tables = getattr(explanation, "tables", None)
        if callable(tables):
            tables = tables()
        if isinstance(tables, Mapping):
            items = [(str(k), v) for k, v in tables.items() if isinstance(v, pd.DataFrame)]
        else:
            items = (
                [(str(k), v) for k, v in vars(explanation).items() if isinstance(v, pd.DataFrame)]
                if hasattr(explanation, "__dict__")
                else []
            )
    return [
        frame_table(_readable(f, lang), lang, f"explanation-{i}", _words("xtab", name, lang))
        for i, (name, f) in enumerate(items)
    ]


#: Explanation columns holding an attribute, a group of the row's attribute, a model input.
_ATTRIBUTE_COLUMNS = ("attribute",)
_GROUP_COLUMNS = ("group", "reference", "auc_group")
_INPUT_COLUMNS = ("input", "term", "columns")


def _words(prefix: str, name: str, lang: str) -> str:
    """The catalogue's words for a table or column name (``xtab_``/``xcol_``/``xval_``), else
    the name itself (a column this version does not know is still shown)."""
    key = f"{prefix}_{name}"
    return t(key, lang) if key in CATALOGUE else str(name)


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def _is_yes_no(values: pd.Series) -> bool:
    """A column of booleans, possibly with missing values (an object column)."""
    if pd.api.types.is_bool_dtype(values):
        return True
    given = [v for v in values if not _missing(v)]
    return bool(given) and all(isinstance(v, (bool, np.bool_)) for v in given)


def _readable(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """An explanation frame for the report: headers, attributes, groups, inputs, yes/no and
    method names in words of ``lang``; numbers untouched (formatted by :func:`frame_table`)."""
    out = frame.copy()
    attrs = out["attribute"].astype(str) if "attribute" in out.columns else None
    for col in out.columns:
        values = out[col]
        if col in _ATTRIBUTE_COLUMNS:
            out[col] = [attribute_label(str(v), lang) for v in values]
        elif col in _GROUP_COLUMNS and attrs is not None:
            out[col] = [
                v if v is None or v != v else group_label(a, str(v), lang)
                for a, v in zip(attrs, values, strict=True)
            ]
        elif col in _INPUT_COLUMNS:
            out[col] = [
                ", ".join(variable_label(x.strip(), lang) for x in str(v).split(","))
                for v in values
            ]
        elif col == "note" and "many_levels" in out.columns:  # the one note proxies write
            out[col] = [
                t("xval_note_many_levels", lang) if bool(m) else "" for m in frame["many_levels"]
            ]
        elif _is_yes_no(values):
            out[col] = [None if _missing(v) else t("yes" if v else "no", lang) for v in values]
        elif pd.api.types.is_string_dtype(values) or values.dtype == object:
            out[col] = [_words("xval", v, lang) if isinstance(v, str) else v for v in values]
    out.columns = [_words("xcol", str(c), lang) for c in out.columns]
    return out


def explanation_records(explanation: Any) -> dict[str, Any] | None:
    """JSON form of the explanation tables (None when there is no explanation)."""
    from scoreaudit.results import table_records

    if explanation is None:
        return None
    to_dict = getattr(explanation, "to_dict", None)
    if callable(to_dict) and not isinstance(explanation, (pd.DataFrame, Mapping)):
        try:
            out = to_dict()
            json.dumps(out, allow_nan=False, default=None)
            return out
        except (TypeError, ValueError):
            pass
    tables = explanation_tables(explanation, "en")
    if isinstance(explanation, pd.DataFrame):
        return {"explanation": table_records(explanation)}
    if isinstance(explanation, Mapping):
        return {
            str(k): table_records(v) for k, v in explanation.items() if isinstance(v, pd.DataFrame)
        }
    return {tb.caption: [{c.key: c.text for c in r.cells} for r in tb.rows] for tb in tables}


class _SpecWords:
    """The spec's texts in the report's language: its translation where it gives one, else
    the spec's own (English) text, remembered so that the report can say so."""

    def __init__(self, info: Mapping[str, Any], lang: str) -> None:
        own = (info.get("translations") or {}).get(lang) or {}
        self.description = own.get("description")
        self.texts = dict(own.get("texts") or {})
        self.untranslated = False

    def __call__(self, text: Any) -> Any:
        if not text:
            return text
        if text in self.texts:
            return self.texts[text]
        self.untranslated = True
        return text


def model_context(pub: Any, lang: str) -> dict[str, Any]:
    info = dict(pub.model_info or {})
    words = _SpecWords(info, lang) if lang != "en" else None
    say = words or (lambda text: text)
    sources = []
    assumed_any = False
    for s in info.get("sources") or []:
        if isinstance(s, str):
            s = {"citation": s}
        assumed = [say(x) for x in s.get("assumed") or []]
        assumed_any = assumed_any or bool(assumed)
        sources.append(
            {
                "citation": say(s.get("citation")),
                "date": s.get("date"),
                "url": s.get("url"),
                "disclosed": [say(x) for x in s.get("disclosed") or []],
                "assumed": assumed,
                "note": say(s.get("note")),
            }
        )
    english = str(info.get("description") or "")
    description = english
    english_description = False  # the description shown in the spec's English
    if words is not None and english:
        description = words.description or english
        english_description = words.description is None
    lowered = (english + " " + description).lower()
    warn = assumed_any or "assumption" in lowered or "hypothès" in lowered
    model = getattr(pub, "model", None)
    features = list(getattr(model, "features", []) or [])
    terms = []
    for term in info.get("terms") or []:
        if isinstance(term, Mapping):
            terms.append(
                {
                    "label": str(term.get("name") or term.get("variable") or term.get("kind")),
                    "kind": str(term.get("kind", "")),
                    "note": str(say(term.get("note")) or ""),
                    "source": str(say(term.get("source")) or ""),
                }
            )
    kind = info.get("kind") or ("scorecard" if "terms" in info else type(model).__name__)
    column = getattr(model, "column", None)
    return {
        "term_table": _term_rows(model, lang, say),
        "name": str(info.get("name", "")),
        "version": str(info.get("version", "") or ""),
        "kind": t(f"kind_{kind}", lang) if f"kind_{kind}" in CATALOGUE else str(kind),
        "link": (
            t(f"link_{info.get('link')}", lang)
            if f"link_{info.get('link')}" in CATALOGUE
            else str(info.get("link", "") or "")
        ),
        "description": description,
        "sources": sources,
        "assumption_warning": warn,
        "features": [{"label": variable_label(str(f), lang), "code": str(f)} for f in features],
        "terms": terms,
        "score_column": str(column) if kind == "ScoreColumn" or (column and not terms) else "",
        # texts the spec does not translate stay in its (English) words: said so, beside the
        # description and above the sources
        "description_note": t("spec_note", lang) if english_description else "",
        "spec_note": t("spec_note", lang) if words is not None and words.untranslated else "",
    }


def _level_label(variables: tuple[str, ...], level: str, lang: str) -> str:
    """A term's level in words: each variable's level by its group label when it has one
    (``woman x [1, +inf)`` → ``femmes x [1, +inf)``); bins and unknown levels as written."""
    parts = level.split(" x ") if len(variables) > 1 else [level]
    if len(parts) != len(variables):
        return level
    return " x ".join(group_label(v, p, lang) for v, p in zip(variables, parts, strict=True))


def _term_rows(model: Any, lang: str, say: Any) -> dict[str, Any] | None:
    """Each term with its levels and odds ratios (or coefficients), as disclosed tables show
    them, so a reader can check the transcription."""
    tab = term_table(model)
    if tab.empty:
        return None
    odds = bool(tab["odds_ratio"].notna().all())
    rows = []
    for term, part in tab.groupby("term", sort=False):
        first = part.iloc[0]
        for i, r in enumerate(part.itertuples(index=False)):
            value = r.odds_ratio if odds else r.coefficient
            rows.append(
                {
                    "term": variable_label(str(term), lang) if i == 0 else "",
                    "code": str(term) if i == 0 and variable_label(str(term), lang) != term else "",
                    "span": len(part) if i == 0 else 0,
                    "level": _level_label(r.variables, str(r.level), lang),
                    "value": fmt_number(value, lang, 4, trim=True),
                    "source": str(say(first.source or first.note)) if i == 0 else "",
                }
            )
    return {
        "headers": [
            t("col_term", lang),
            t("col_level", lang),
            t("col_odds_ratio" if odds else "col_coefficient", lang),
            t("col_term_source", lang),
        ],
        "rows": rows,
    }


def policy_context(pub: Any, lang: str) -> dict[str, Any]:
    policy = pub.config.get("policy", {})
    sel = pub.selection.summary()
    if policy.get("kind") == "threshold":
        text = t("policy_threshold", lang, threshold=fmt_number(policy.get("threshold"), lang, 3))
    else:
        budget = (
            t("policy_share", lang, share=fmt_pct(policy["share"], lang))
            if policy.get("share") is not None
            else t("policy_count", lang, count=fmt_int(policy.get("count"), lang))
        )
        text = t("policy_budget", lang, budget=budget)
    rule = (
        t("ties_random", lang, seed=policy.get("random_state"))
        if policy.get("ties") == "random"
        else t("ties_all", lang)
        if policy.get("ties") == "all"
        else t("ties_proportional", lang)
    )
    ties = (
        t(
            "policy_ties",
            lang,
            tied=fmt_int(sel["tied_at_cutoff"], lang),
            tied_selected=fmt_int(sel["tied_selected"], lang),
            rule=rule,
        )
        if sel.get("tied_at_cutoff", 0) and sel["tied_at_cutoff"] > 1
        else ""
    )
    items = [
        (t("policy_selected", lang), fmt_int(sel["n_selected"], lang)),
        (t("policy_realised", lang), fmt_pct(sel["share"], lang)),
        (t("policy_cutoff", lang), fmt_number(sel["cutoff"], lang, 4)),
    ]
    return {"text": text, "ties": ties, "items": items}


def budget_text(pub: Any, lang: str) -> str:
    policy = pub.config.get("policy", {})
    if policy.get("kind") == "budget" and policy.get("share") is not None:
        return fmt_pct(policy["share"], lang)
    if policy.get("kind") == "budget":
        return t("policy_count", lang, count=fmt_int(policy.get("count"), lang))
    return fmt_pct(pub.selection.share, lang)


def method_tests_sentence(key: str, pub: Any, m: int, lang: str) -> str:
    """The method's sentence ``key`` on the ``m`` tests: the interval level, the correction
    for multiple testing (its name from the catalogue when it has one) and the level it keeps.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> pub = SimpleNamespace(config={"confidence": 0.9, "correction": "holm"})
    >>> method_tests_sentence("method_tests", pub, 12, "en") == t("method_tests", "en", m="12",
    ...     level="90%", correction=t("correction_holm", "en"), alpha="0.10")
    True
    """
    conf = float(pub.config.get("confidence", 0.95))
    correction = str(pub.config.get("correction", "holm"))
    return t(
        key,
        lang,
        m=fmt_int(m, lang),
        level=fmt_level(conf, lang),
        correction=t(f"correction_{correction}", lang)
        if f"correction_{correction}" in CATALOGUE
        else correction,
        alpha=fmt_number(1 - conf, lang, 2),
    )


def method_context(pub: Any, lang: str, n_comparisons: int, synthetic: bool = False) -> list[str]:
    """The method paragraphs; the one on synthetic data only when the data are synthetic."""
    level = fmt_level(float(pub.config.get("confidence", 0.95)), lang)
    refs = pub.config.get("references_used", {})
    ref_list = list_sep(lang).join(
        f"{attribute_label(a, lang)}{kv_sep(lang)}"
        f"{t('reference_rest', lang) if r == '(rest)' else group_label(a, r, lang)}"
        for a, r in refs.items()
        if not _is_inter(a)
    )
    out = [
        t("method_rates", lang, level=level),
        method_tests_sentence("method_tests", pub, n_comparisons, lang),
        t("method_power", lang),
        t("method_reference", lang, references=ref_list),
        t("method_causality", lang),
    ]
    if synthetic:
        out.append(t("method_synthetic", lang))
    return out


def warnings_context(pub: Any, lang: str) -> list[str]:
    """The audit's warnings in the report's language, with the tables' labels."""
    return [render_warning(w, lang) for w in (getattr(pub, "warnings", None) or [])]


def manifest_items(manifest: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    items = [
        (t("manifest_package", lang), str(manifest.get("package", {}).get("version", ""))),
        (t("manifest_python", lang), str(manifest.get("python", ""))),
        (t("manifest_platform", lang), str(manifest.get("platform", ""))),
    ]
    for key, label in (("data", "manifest_data"), ("model", "manifest_model")):
        entry = manifest.get(key)
        if entry:
            items.append((t(label, lang), str(entry.get("name") or entry.get("path"))))
            items.append(
                (f"{t(label, lang)} – {t('manifest_sha', lang)}", str(entry.get("sha256")))
            )
    seeds = manifest.get("seeds") or {}
    items.append(
        (
            t("manifest_seeds", lang),
            ", ".join(f"{k} = {v}" for k, v in sorted(seeds.items())) or "–",
        )
    )
    items.append((t("manifest_time", lang), str(manifest.get("time", ""))))
    return items


def findings_context(found: list[Finding]) -> list[dict[str, Any]]:
    return [{"index": i, "text": f.text, "significant": f.significant} for i, f in enumerate(found)]
