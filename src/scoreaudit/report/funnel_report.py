"""Report of a funnel audit (:func:`scoreaudit.audit_funnel`): page and files.

The published numbers pass the funnel's publication gate (:mod:`scoreaudit.gate.funnel`).

Page: the findings (one sentence per step), the funnel figure (each group's share of the
files at each stage against its share of the start population), one section per step with
a sentence in plain words and its table, the stratified decomposition (per-stratum ratios,
Mantel-Haenszel, unstratified, side by side, with a sentence per step), warnings, method,
manifest. Every string comes from the catalogue (:mod:`scoreaudit.present.catalogue`, French and English).

Examples
--------
>>> import pandas as pd, scoreaudit as sa
>>> res = sa.audit_funnel(pd.DataFrame({"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2,
...                                     "n": [1000, 200, 1000, 300]}),
...                       "g", "stage", "n", [("hit", "hit", "all")])
>>> page = render_funnel_html(res, "fr")
>>> page.startswith("<!DOCTYPE html>") and 'lang="fr"' in page
True
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.format import num_or_none
from scoreaudit.gate.funnel import publish_funnel
from scoreaudit.present.catalogue import (
    check_lang,
    fmt_int,
    fmt_p,
    fmt_pct,
    fmt_ratio,
    fmt_ratio_ci,
    kv_sep,
    t,
)
from scoreaudit.present.notes import funnel_note
from scoreaudit.report._page import Page, check_formats
from scoreaudit.report.context import column_headers
from scoreaudit.report.manifest import build_manifest

__all__ = [
    "FUNNEL_PAGE",
    "funnel_context",
    "funnel_figure",
    "publish_funnel",
    "render_funnel_html",
    "render_funnel_markdown",
    "write_funnel_report",
]

# ------------------------------------------------------------------------------------------
# Sentences, tables, figure
# ------------------------------------------------------------------------------------------


def _step_sentence(row: Mapping[str, Any], lang: str, level: str) -> str | None:
    ratio, lo, hi = (num_or_none(row.get(k)) for k in ("ratio", "ratio_low", "ratio_high"))
    group, ref = str(row["group"]), str(row["reference"])
    if ratio is None:
        if lo is None or hi is None or row.get("suppressed"):
            return None
        return t(
            "fn_sentence_bounds",
            lang,
            group=group,
            step=row["step"],
            reference=ref,
            low=fmt_ratio(lo, lang, 2),
            high=fmt_ratio(hi, lang, 2),
            level=level,
        )
    r, low, high = fmt_ratio_ci(ratio, lo, hi, lang, 2)
    text = t(
        "fn_sentence",
        lang,
        base=row["base"],
        stage=row["stage"],
        rate=fmt_pct(row.get("rate"), lang),
        group=group,
        reference_rate=fmt_pct(row.get("reference_rate"), lang),
        reference=ref,
        times=t("fn_times", lang, ratio=r),
        level=level,
        low=low,
        high=high,
    )
    key = "fn_significant" if row.get("significant") is True else "s_not_significant"
    return f"{text} {t(key, lang, p=fmt_p(row.get('p_adjusted'), lang))}"


def _step_sections(pub: Any, lang: str, level: str, marker: str) -> list[dict[str, Any]]:
    d = pub.steps
    stratified = pub.combined is not None
    out = []
    for name in dict.fromkeys(d["step"].astype(str)):
        sub = d[d["step"].astype(str) == name]
        first = sub.iloc[0]
        sentences = []
        if not stratified:
            for rec in sub[sub["group"] != sub["reference"]].to_dict(orient="records"):
                s = _step_sentence(rec, lang, level)
                if s:
                    sentences.append(s)
        rows = [
            _step_row(rec, lang, marker, stratified, pub.notes) for rec in sub.to_dict("records")
        ]
        out.append(
            {
                "id": f"step-{len(out) + 1}",
                "sentences": sentences,
                "heading": t(
                    "fn_step_heading", lang, step=name, stage=first["stage"], base=first["base"]
                ),
                "headers": _step_headers(lang, level, stratified),
                "rows": rows,
            }
        )
    return out


def _step_headers(lang: str, level: str, stratified: bool) -> list[str]:
    h = [t("col_group", lang)] + ([t("col_stratum", lang)] if stratified else [])
    return h + column_headers(
        lang,
        level,
        "col_at_stage",
        "col_at_base",
        "col_step_rate",
        "col_interval",
        "col_ratio",
        "col_interval",
        "col_p",
        "col_notes",
    )


def _count(x: Any, lo: Any, hi: Any, lang: str) -> str:
    v = num_or_none(x)
    if v is not None:
        return fmt_int(v, lang)
    lo, hi = num_or_none(lo), num_or_none(hi)
    if lo is not None and hi is not None:
        return f"{fmt_int(lo, lang)}–{fmt_int(hi, lang)}"
    return "–"


def _step_row(
    rec: Mapping[str, Any], lang: str, marker: str, stratified: bool, notes: Mapping[str, Any]
) -> list[str]:
    cells = [str(rec["group"])] + ([str(rec["stratum"])] if stratified else [])
    if rec.get("suppressed"):
        return cells + [marker] * 7 + [t("flag_suppressed", lang)]
    rate = fmt_pct(rec.get("rate"), lang)
    r_lo, r_hi = fmt_pct(rec.get("rate_low"), lang), fmt_pct(rec.get("rate_high"), lang)
    ratio, lo, hi = fmt_ratio_ci(
        rec.get("ratio"), rec.get("ratio_low"), rec.get("ratio_high"), lang, 2
    )
    flags = [
        x
        for x in (
            t("flag_significant", lang) if rec.get("significant") is True else "",
            t("flag_small", lang) if rec.get("small_cell") is True else "",
            funnel_note(rec.get("note"), lang, notes),
        )
        if x
    ]
    if str(rec["group"]) == str(rec["reference"]):
        flags.append(t("fn_note_reference", lang))
        ratio = lo = hi = ""
    return cells + [
        _count(rec.get("numerator"), rec.get("numerator_low"), rec.get("numerator_high"), lang),
        _count(
            rec.get("denominator"), rec.get("denominator_low"), rec.get("denominator_high"), lang
        ),
        rate,
        "–" if r_lo == "–" else f"{r_lo} – {r_hi}",
        ratio,
        "" if not ratio and not lo else ("–" if lo == "–" else f"{lo} – {hi}"),
        fmt_p(rec.get("p_adjusted"), lang) if ratio else "",
        ", ".join(flags),
    ]


def _decomposition(pub: Any, lang: str, level: str, marker: str) -> dict[str, Any] | None:
    if pub.combined is None:
        return None
    stratum = str(pub.config.get("stratum"))
    d, c = pub.steps, pub.combined
    strata = list(dict.fromkeys(d["stratum"].astype(str)))
    headers = [t("col_group", lang)] + [
        f"{t('col_stratum', lang)}{kv_sep(lang)}{s}" for s in strata
    ]
    headers += [t("col_mh", lang), t("col_unstratified", lang), t("col_homogeneity", lang)]
    blocks, sentences = [], []
    for name in dict.fromkeys(c["step"].astype(str)):
        rows = []
        for rec in c[(c["step"].astype(str) == name) & (c["group"] != c["reference"])].to_dict(
            "records"
        ):
            per = d[(d["step"].astype(str) == name) & (d["group"] == rec["group"])]
            per_ratio = dict(
                zip(
                    per["stratum"].astype(str),
                    zip(per["ratio"], per["suppressed"], strict=True),
                    strict=True,
                )
            )
            cells = [str(rec["group"])]
            for s in strata:
                v, sup = per_ratio.get(s, (np.nan, False))
                cells.append(marker if sup else fmt_ratio(v, lang, 2))
            if rec.get("suppressed"):
                cells += [marker] * 3
            else:
                cells += [
                    _ci(rec, "mh_ratio", "mh_low", "mh_high", lang),
                    _ci(rec, "unstratified_ratio", "unstratified_low", "unstratified_high", lang),
                    fmt_p(rec.get("homogeneity_p"), lang),
                ]
                sentences += _decomposition_sentences(rec, stratum, lang, level)
            rows.append(cells)
        blocks.append({"step": name, "rows": rows})
    return {
        "intro": t("fn_decomposition_intro", lang, stratum=stratum),
        "headers": headers,
        "blocks": blocks,
        "sentences": sentences,
    }


def _ci(rec: Mapping[str, Any], point: str, low: str, high: str, lang: str) -> str:
    r, lo, hi = fmt_ratio_ci(rec.get(point), rec.get(low), rec.get(high), lang, 2)
    if lo == "–" and hi == "–":
        return r
    return f"{r} ({lo} – {hi})"


def _decomposition_sentences(
    rec: Mapping[str, Any], stratum: str, lang: str, level: str
) -> list[str]:
    mh, crude = num_or_none(rec.get("mh_ratio")), num_or_none(rec.get("unstratified_ratio"))
    if mh is None or crude is None or not (math.isfinite(mh) and math.isfinite(crude)):
        return []
    _, lo, hi = fmt_ratio_ci(mh, rec.get("mh_low"), rec.get("mh_high"), lang, 2)
    out = [
        t(
            "fn_decomposition_sentence",
            lang,
            step=rec["step"],
            group=rec["group"],
            reference=rec["reference"],
            stratum=stratum,
            crude=t("fn_times", lang, ratio=fmt_ratio(crude, lang, 2)),
            mh=t("fn_times", lang, ratio=fmt_ratio(mh, lang, 2)),
            level=level,
            low=lo,
            high=hi,
        )
    ]
    p = num_or_none(rec.get("homogeneity_p"))
    if p is not None and p < 0.05:
        out.append(t("fn_heterogeneous", lang, p=fmt_p(p, lang)))
    return out


def funnel_figure(published: Any, lang: str, fmt: str = "svg") -> bytes | None:
    """SVG (or ``fmt="png"``, 150 dpi) of each group's share of the files at each stage
    (published numbers only), with its share of the start population as a dotted line."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rep = published.representation
    if rep.empty or rep["share"].notna().sum() == 0:
        return None
    stages = list(dict.fromkeys(rep["stage"].astype(str)))
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for i, (grp, sub) in enumerate(rep.groupby("group", sort=False)):
        color = f"C{i % 10}"
        x = np.arange(len(sub))
        y = sub["share"].to_numpy(float)
        ax.plot(x, y, marker="o", color=color, label=str(grp))
        lo, hi = sub["share_low"].to_numpy(float), sub["share_high"].to_numpy(float)
        ax.fill_between(x, lo, hi, color=color, alpha=0.15, linewidth=0)
        start = num_or_none(sub["start_share"].iloc[0])
        if start is not None:
            ax.axhline(start, color=color, linestyle=":", linewidth=1)
    ax.set_xticks(np.arange(len(stages)), stages, rotation=30, ha="right")
    ax.set_ylabel(t("fig_share", lang))
    ax.set_xlabel(t("fig_stage", lang))
    ax.set_ylim(0, 1)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, metadata=meta, dpi=150)
    plt.close(fig)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------
# Page
# ------------------------------------------------------------------------------------------


def _summary(pub: Any, lang: str) -> list[str]:
    s, cfg = pub.data_summary, pub.config
    steps = cfg["steps"]
    lines = [
        t(
            "fn_summary",
            lang,
            files=fmt_int(s.get("start_files"), lang),
            start=steps[0][2],
            groups=fmt_int(len(s["groups"]), lang),
            steps=fmt_int(len(steps), lang),
            reference=cfg["reference"],
        )
    ]
    if s.get("row_level_log"):
        lines.append(t("fn_summary_log", lang, rows=fmt_int(s.get("rows"), lang)))
    if cfg.get("rounding"):
        b = int(cfg["rounding"])
        lines.append(
            t(
                "fn_rounding",
                lang,
                base=fmt_int(b, lang),
                half=fmt_int(b / 2, lang) if b % 2 == 0 else str(b / 2),
            )
        )
    if cfg.get("stratum"):
        lines.append(t("fn_stratum", lang, stratum=cfg["stratum"]))
    return lines


def _warnings(pub: Any, lang: str) -> list[str]:
    s = pub.data_summary
    out = []
    for key, name in (
        ("unusable_rows", "fn_warn_unusable"),
        ("omitted_rows", "fn_warn_omitted"),
        ("hidden_cells", "fn_warn_hidden"),
        ("not_multiples", "fn_warn_multiples"),
    ):
        if s.get(key):
            out.append(t(name, lang, n=fmt_int(s[key], lang)))
    return out


def _method(pub: Any, lang: str, level: str) -> list[str]:
    stratified = pub.combined is not None
    m = int(pub.steps["p_value"].notna().sum() + pub.steps["suppressed"].sum())
    out = [
        t(
            "fn_method",
            lang,
            m=fmt_int(m, lang),
            level=level,
            per_stratum=t("fn_per_stratum", lang) if stratified else "",
        )
    ]
    if stratified:
        out.append(t("fn_method_mh", lang))
    out += [t("fn_method_hidden", lang), t("fn_method_causality", lang)]
    return out


def _funnel_body(pub: Any, head: Mapping[str, Any]) -> dict[str, Any]:
    """The funnel page's own entries: summary, findings, figure, a section per step, the
    stratified decomposition, warnings, method."""
    import base64

    lang, level, marker = head["lang"], head["level"], head["marker"]
    svg = funnel_figure(pub, lang)
    sections = _step_sections(pub, lang, level, marker)
    decomposition = _decomposition(pub, lang, level, marker)
    findings = [s for sec in sections for s in sec["sentences"]]
    if decomposition:
        findings += decomposition["sentences"]
    return {
        "summary": _summary(pub, lang),
        "findings": findings,
        "figure": None
        if svg is None
        else {
            "caption": t("fig_funnel", lang),
            "uri": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
        },
        "svg": svg,
        "sections": sections,
        "decomposition": decomposition,
        "warnings": _warnings(pub, lang),
        "method": _method(pub, lang, level),
    }


def _results(ctx: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, Any]:
    data = ctx["published"].to_dict()
    data.update(
        {
            "suppression": ctx["suppression_info"].to_dict(),
            "findings": ctx["findings"],
            "manifest": manifest,
            "report": {"lang": ctx["lang"]},
        }
    )
    return data


def _tables(pub: Any) -> dict[str, pd.DataFrame]:
    tables = {"steps": pub.steps, "representation": pub.representation}
    if pub.combined is not None:
        tables["combined"] = pub.combined
    return tables


def _write_figures(ctx: Mapping[str, Any], tmp: Path, formats: tuple[str, ...]) -> None:
    if ctx["svg"] is None:
        return
    (tmp / "figures").mkdir()
    (tmp / "figures" / "funnel.svg").write_bytes(ctx["svg"])
    if "png" in formats:
        png = funnel_figure(ctx["published"], ctx["lang"], fmt="png")
        (tmp / "figures" / "funnel.png").write_bytes(png or b"")


#: The page of a funnel audit.
FUNNEL_PAGE = Page(
    name="funnel",
    publish=publish_funnel,
    title=lambda _result, lang: t("fn_title", lang),
    hidden_rows=lambda info: sum(info.rows.values()),
    body=_funnel_body,
    tables=_tables,
    results=_results,
    figures=_write_figures,
)


funnel_context = FUNNEL_PAGE.context
render_funnel_html = FUNNEL_PAGE.renderer(
    "html", "The self-contained HTML report of a funnel audit."
)
render_funnel_markdown = FUNNEL_PAGE.renderer("md", "The report of a funnel audit as Markdown.")


def write_funnel_report(
    result: Any,
    out_dir: Any,
    *,
    lang: str | None = "en",
    formats: tuple[str, ...] = ("html", "md", "json", "csv", "figures"),
    force: bool = False,
    min_cell: int | None = None,
    data_path: Any = None,
    config: Mapping[str, Any] | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``report.html``, ``report.md``, ``results.json``, ``tables/*.csv`` and
    ``figures/funnel.svg`` (``"png"`` in ``formats``: also ``figures/funnel.png``) into
    ``out_dir``, all or nothing (published numbers only). Also reached through
    :func:`scoreaudit.report.write_report`.

    Examples
    --------
    >>> import pandas as pd, scoreaudit as sa, tempfile, pathlib
    >>> t = pd.DataFrame({"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2,
    ...                   "n": [1000, 200, 1000, 100]})
    >>> res = sa.audit_funnel(t, "g", "stage", "n", [("hit", "hit", "all")])
    >>> d = write_funnel_report(res, pathlib.Path(tempfile.mkdtemp()) / "r", formats=("csv",))
    >>> sorted(p.name for p in (d / "tables").iterdir())
    ['representation.csv', 'steps.csv']
    """
    manifest = build_manifest(result, data_path=data_path, config=config, extra=manifest_extra)
    return FUNNEL_PAGE.write_to(
        out_dir,
        result,
        manifest,
        formats=check_formats(formats),
        lang=check_lang(lang),
        force=force,
        min_cell=min_cell,
    )
