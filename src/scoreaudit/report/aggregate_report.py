"""Reports of the audits that start from counts: control logs and published confusion matrices.

:func:`scoreaudit.audit_controls` (``kind == "controls"``) and :func:`scoreaudit.audit_counts`
(``kind == "counts"``) end in an :class:`~scoreaudit.engines.aggregate.AggregateResult`: a ``groups``
table and a ``disparities`` table with one row per group *and metric*. This module publishes
them through the gate of results from counts (:func:`scoreaudit.gate.aggregate.publish_aggregate`,
the core report's small-cell rule on every observed count) and renders one page: key findings
per metric in plain sentences, a table per metric, the method and the estimator's
assumptions, the warnings and the manifest.

Examples
--------
>>> import pandas as pd, scoreaudit as sa
>>> res = sa.audit_counts(pd.DataFrame({"g": ["a", "b"], "tp": [50, 30], "fp": [200, 100],
...                                     "tn": [700, 800], "fn": [50, 70]}),
...                       "g", tp="tp", fp="fp", tn="tn", fn="fn")
>>> "Key findings" in render_aggregate_markdown(res)
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.format import num_or_none
from scoreaudit.core.vocab import SEP
from scoreaudit.engines.controls import PSEUDO_REFERENCES
from scoreaudit.gate.aggregate import publish_aggregate
from scoreaudit.present.catalogue import (
    CATALOGUE,
    attribute_label,
    fmt_int,
    fmt_level,
    fmt_p,
    fmt_pct,
    fmt_ratio_ci,
    group_label,
    kv_sep,
    t,
)
from scoreaudit.present.findings import group_phrase
from scoreaudit.present.notes import note_text
from scoreaudit.report._page import Page
from scoreaudit.report.context import (
    Cell,
    Row,
    Table,
    column_headers,
    method_tests_sentence,
    rate_cells,
    ratio_cells,
    warnings_context,
)

__all__ = [
    "AGGREGATE_KINDS",
    "AGGREGATE_PAGE",
    "aggregate_context",
    "aggregate_results_json",
    "publish_aggregate",
    "render_aggregate_html",
    "render_aggregate_markdown",
    "write_aggregate_report",
]

#: Kinds of results rendered here.
AGGREGATE_KINDS = ("controls", "counts")

#: Metrics with a key-finding sentence, in the order of the report.
FINDING_METRICS = ("representation", "selection_rate", "precision", "fdr", "fpr", "fnr", "burden")
#: Pseudo-references of the controls audit: totals, not groups.
_PSEUDO_REFERENCES = tuple(PSEUDO_REFERENCES)


# ------------------------------------------------------------------------------------------
# Sentences
# ------------------------------------------------------------------------------------------


def metric_label(metric: str, lang: str) -> str:
    key = f"metric_{metric}"
    return t(key, lang) if key in CATALOGUE else metric


def _finding(row: Mapping[str, Any], lang: str, level: str) -> str | None:
    metric = str(row["metric"])
    attr, grp, ref = str(row["attribute"]), str(row["group"]), str(row["reference"])
    rate, ref_rate = num_or_none(row.get("rate")), num_or_none(row.get("reference_rate"))
    ratio = num_or_none(row.get("ratio"))
    if rate is None or ref_rate is None or ratio is None or not math.isfinite(ratio):
        return None
    significant = bool(row.get("significant") is True)
    group = group_phrase(attr, grp, lang)
    reference = (
        t("ref_mark_end", lang, group=group_phrase(attr, ref, lang))
        if ref not in _PSEUDO_REFERENCES
        else ""
    )
    r, lo, hi = fmt_ratio_ci(ratio, row.get("ratio_low"), row.get("ratio_high"), lang, 1)
    if "–" in (lo, hi):  # an interval with a missing bound is not quoted
        ci = t("agg_ratio_only", lang, ratio=r)
    else:
        ci = t("agg_ratio_ci", lang, ratio=r, level=level, low=lo, high=hi)
    key = f"agg_{metric}"
    if key not in CATALOGUE:
        return None
    direction = t("agg_more_often" if ratio >= 1 else "agg_less_often", lang)
    text = t(
        key,
        lang,
        group=group,
        reference=reference,
        rate=fmt_pct(rate, lang),
        reference_rate=fmt_pct(ref_rate, lang),
        ci=ci,
        direction=direction,
    )
    if not significant:
        text += " " + t("s_not_significant", lang, p=fmt_p(row.get("p_adjusted"), lang))
    return text


def aggregate_findings(published: Any, lang: str) -> list[dict[str, Any]]:
    """One sentence per metric: its strongest significant gap among single attributes (or,
    when none is significant, its largest gap, said not to be significant)."""
    d = published.disparities
    d = d[
        ~d["attribute"].astype(str).str.contains(SEP, regex=False) & ~d["suppressed"].astype(bool)
    ]
    level = fmt_level(float(published.config.get("confidence", 0.95)), lang)
    out = []
    for metric in FINDING_METRICS:
        sub = d[d["metric"].astype(str) == metric]
        if sub.empty:
            continue
        r = pd.to_numeric(sub["ratio"], errors="coerce").to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            strength = np.where(np.isfinite(r) & (r > 0), np.abs(np.log(r)), -1.0)
        sig = sub["significant"].astype("boolean").fillna(False).astype(bool).to_numpy()
        order = np.lexsort((-strength, ~sig))
        for i in order:
            if strength[i] < 0:
                continue
            text = _finding(sub.iloc[i].to_dict(), lang, level)
            if text:
                out.append(
                    {
                        "metric": metric,
                        "label": metric_label(metric, lang),
                        "text": text,
                        "significant": bool(sig[i]),
                        "attribute": str(sub.iloc[i]["attribute"]),
                        "group": str(sub.iloc[i]["group"]),
                    }
                )
                break
    return out


# ------------------------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------------------------


def metric_tables(published: Any, lang: str, marker: str) -> list[Table]:
    """One table per metric and single attribute: rate, reference rate, ratio, interval, p."""
    d = published.disparities
    d = d[~d["attribute"].astype(str).str.contains(SEP, regex=False)]
    level = fmt_level(float(published.config.get("confidence", 0.95)), lang)
    tables = []
    for metric in dict.fromkeys(d["metric"].astype(str)):
        sub = d[d["metric"].astype(str) == metric]
        rows = []
        for rec in sub.to_dict(orient="records"):
            sup = bool(rec.get("suppressed"))
            attr = str(rec["attribute"])
            rate, _ = rate_cells(rec.get("rate"), None, None, lang)
            ref_rate, _ = rate_cells(rec.get("reference_rate"), None, None, lang)
            ratio, ratio_ci = ratio_cells(
                rec.get("ratio"), rec.get("ratio_low"), rec.get("ratio_high"), lang
            )
            ref = str(rec["reference"])
            ref_text = (
                t(PSEUDO_REFERENCES[ref], lang)
                if ref in PSEUDO_REFERENCES
                else group_label(attr, ref, lang)
            )
            flags = []
            if sup:
                flags.append(t("flag_suppressed", lang))
            else:
                if rec.get("significant") is True:
                    flags.append(t("flag_significant", lang))
                if rec.get("below_four_fifths") is True:
                    flags.append(t("flag_four_fifths", lang))
                if rec.get("small_cell") is True:
                    flags.append(t("flag_small", lang))
                if rec.get("note"):
                    flags.append(note_text(rec["note"], lang, published.notes))

            def m(x: str, sup: bool = sup) -> str:
                return marker if sup else x

            cells = [
                Cell("reference", ref_text, False),
                Cell("rate", m(rate)),
                Cell("reference_rate", m(ref_rate)),
                Cell("ratio", m(ratio)),
                Cell("ratio_interval", m(ratio_ci)),
                Cell("p_adjusted", m(fmt_p(rec.get("p_adjusted"), lang))),
            ]
            rows.append(
                Row(
                    attribute=attr,
                    group=str(rec["group"]),
                    label=f"{attribute_label(attr, lang)}{kv_sep(lang)}"
                    f"{group_label(attr, str(rec['group']), lang)}",
                    cells=cells,
                    suppressed=sup,
                    flags=flags,
                )
            )
        headers = column_headers(
            lang,
            level,
            "col_group",
            "col_compared_to",
            "col_rate_metric",
            "col_reference_rate",
            "col_ratio",
            "col_interval",
            "col_p",
            "col_notes",
        )
        tables.append(
            Table(
                table_id=f"metric-{metric}",
                caption=metric_label(metric, lang),
                headers=headers,
                rows=rows,
                attribute="",
                note=t(f"metric_note_{metric}", lang)
                if f"metric_note_{metric}" in CATALOGUE
                else "",
            )
        )
    return tables


# ------------------------------------------------------------------------------------------
# Page
# ------------------------------------------------------------------------------------------


def _summary_lines(result: Any, lang: str) -> list[str]:
    s = result.data_summary or {}
    if result.kind == "controls":
        lines = [
            t(
                "agg_controls_summary",
                lang,
                controls=fmt_int(s.get("controls"), lang),
                random=fmt_int(s.get("random_controls"), lang),
                random_errors=fmt_int(s.get("random_errors_found"), lang),
                score=fmt_int(s.get("score_controls"), lang),
                score_errors=fmt_int(s.get("score_errors_found"), lang),
            )
        ]
        if s.get("population_size"):
            lines.append(t("agg_population_size", lang, n=fmt_int(s["population_size"], lang)))
        else:
            lines.append(t("agg_no_population_size", lang))
        found = s.get("random_errors_found")
        min_cell = int((getattr(result, "config", {}) or {}).get("min_cell", 11))
        if found is None and "random_errors_found" in s:  # hidden by the gate: small
            lines.append(t("agg_few_random_errors_hidden", lang, min_cell=min_cell))
        elif found is not None and found < 2 * min_cell:  # no two groups can both be published
            lines.append(
                t("agg_few_random_errors", lang, k=fmt_int(found, lang), min_cell=min_cell)
            )
        return lines
    lines = [
        t(
            "agg_counts_summary",
            lang,
            files=fmt_int(s.get("files"), lang),
            rows=fmt_int(s.get("rows"), lang),
        )
    ]
    if s.get("reconstructed_from_rates"):
        lines.append(t("agg_counts_rebuilt", lang))
    return lines


def _aggregate_body(pub: Any, head: Mapping[str, Any]) -> dict[str, Any]:
    """The aggregate page's own entries: summary, findings, a table per metric, method."""
    lang = head["lang"]
    method = [
        t(f"agg_method_{pub.kind}", lang),
        method_tests_sentence("agg_method_tests", pub, len(pub.disparities), lang),
        t("method_causality", lang),
    ]
    if pub.kind == "controls":
        method.insert(1, t("agg_assumptions", lang))
    n_inter = int(pub.disparities["attribute"].astype(str).str.contains(SEP, regex=False).sum())
    return {
        "summary": _summary_lines(pub, lang),
        "findings": aggregate_findings(pub, lang),
        "tables": metric_tables(pub, lang, head["marker"]),
        "intersections_note": (
            t("agg_intersections", lang, n=fmt_int(n_inter, lang)) if n_inter else ""
        ),
        "warnings": warnings_context(pub, lang),
        "method": method,
    }


def aggregate_results_json(ctx: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, Any]:
    """``results.json`` of an aggregate report: the published tables, findings, suppression,
    manifest (JSON-safe)."""
    from scoreaudit.results import json_safe

    pub = ctx["published"]
    out = pub.to_dict()
    out["findings"] = [{k: v for k, v in f.items()} for f in ctx["findings"]]
    out["suppression"] = ctx["suppression_info"].to_dict()
    out["report"] = {"lang": ctx["lang"], "figures": []}
    out["manifest"] = dict(manifest)
    return json_safe(out)


#: The page of a control-log or counts audit (no figures).
AGGREGATE_PAGE = Page(
    name="aggregate",
    publish=publish_aggregate,
    title=lambda result, lang: t(f"agg_title_{result.kind}", lang),
    hidden_rows=lambda info: info.rows.get("groups", 0) + info.rows.get("disparities", 0),
    body=_aggregate_body,
    tables=lambda pub: {"groups": pub.groups, "disparities": pub.disparities},
    results=aggregate_results_json,
)


aggregate_context = AGGREGATE_PAGE.context
render_aggregate_html = AGGREGATE_PAGE.renderer(
    "html", "The self-contained HTML report of a control-log or counts audit."
)
render_aggregate_markdown = AGGREGATE_PAGE.renderer(
    "md", "The report of a control-log or counts audit as Markdown."
)
write_aggregate_report = AGGREGATE_PAGE.write
