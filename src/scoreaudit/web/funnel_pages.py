"""The process (funnel) audit form of ``scoreaudit serve``.

Upload a count table (long: one row per group, stage and count; or wide: one row per stage
and one column of counts per group) or a row-level log (one row per file and stage reached),
then pick the columns and the steps. The steps' stages are chosen in lists of the stages
found in the file's stage column (rendered by the server; after changing the stage column,
"Update the list" re-renders them, no script needed). The options go through the parsers the
command line uses (:func:`scoreaudit.options.funnel_step`, :func:`~scoreaudit.options.run_funnel`),
and the report is :func:`scoreaudit.report.funnel_report.write_funnel_report`'s, as
``scoreaudit funnel --out`` writes it (same view model and publication gate).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from scoreaudit.errors import ScoreAuditError
from scoreaudit.web import csrf as _csrf
from scoreaudit.web.pages import (
    DEFAULT_PROTECTED,
    Dataset,
    _dataset,
    _error_text,
    _form,
    _job_error,
    _state,
    page_lang,
)
from scoreaudit.web.pages import render as _render
from scoreaudit.web.strings import w

__all__ = ["LAYOUTS", "funnel_defaults", "funnel_options", "funnel_page", "funnel_post", "stages"]

LAYOUTS = ("long", "wide", "log")
#: Step rows shown beyond the filled ones (blank rows are ignored).
_SPARE = 2
_MAX_STAGES = 60
_COUNT_NAMES = ("n", "count", "counts", "effectif", "effectifs", "nombre", "files", "dossiers")
_LISTS = ("group", "step_name", "step_stage", "step_base")
_FIELDS = ("layout", "stage", "count", "stratum", "group_name", "reference", "rounding")
_FIELDS += ("confidence", "min_cell")


def stages(ds: Dataset, column: str) -> list[str]:
    """The stages named in ``column``, in order of first appearance (at most 60).

    Examples
    --------
    >>> import pandas as pd, pathlib
    >>> f = pd.DataFrame({"stage": ["all", "hit", "all", " hit"], "n": [1, 2, 3, 4]})
    >>> stages(Dataset("x", pathlib.Path("x.csv"), "x.csv", f, []), "stage")
    ['all', 'hit']
    """
    if column not in ds.frame.columns:
        return []
    s = ds.frame[column].dropna().astype(str).str.strip()
    return list(dict.fromkeys(v for v in s.iloc[:200_000] if v))[:_MAX_STAGES]


def _names(ds: Dataset) -> list[str]:
    return [c["name"] for c in ds.columns]


def _guess_stage(ds: Dataset) -> str:
    names = _names(ds)
    for cand in ("stage", "etape", "étape", "stade"):
        if cand in names:
            return cand
    text = [c["name"] for c in ds.columns if not c["numeric"] and 2 <= c["n_levels"] <= 30]
    return text[0] if text else (names[0] if names else "")


def _chain(found: list[str]) -> list[tuple[str, str, str]]:
    return [(b, b, a) for a, b in zip(found, found[1:], strict=False)]


def funnel_defaults(ds: Dataset) -> dict[str, Any]:
    """The form's first values: stage column, count column, groups, consecutive steps."""
    names = _names(ds)
    stage = _guess_stage(ds)
    count = next((c for c in _COUNT_NAMES if c in names), "")
    if not count:
        count = next((c["name"] for c in ds.columns if c["numeric"] and c["name"] != stage), "")
    stratum = next((c for c in ("score_band", "tranche_score", "band") if c in names), "")
    group = [c for c in DEFAULT_PROTECTED if c in names]
    if not group:
        group = [
            c["name"] for c in ds.columns if not c["numeric"] and c["name"] not in (stage, stratum)
        ][:1]
    levels = {c["name"]: c["levels"] for c in ds.columns}
    reference = "gender=man" if group == ["gender"] and "man" in levels.get("gender", []) else ""
    steps = _chain(stages(ds, stage))
    return {
        "layout": "long" if count else "log",
        "stage": stage,
        "count": count,
        "stratum": stratum,
        "group": group,
        "group_name": "group",
        "reference": reference,
        "rounding": "",
        "confidence": "0.95",
        "min_cell": "11",
        "step_name": [s[0] for s in steps],
        "step_stage": [s[1] for s in steps],
        "step_base": [s[2] for s in steps],
    }


def _values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: "" for k in _FIELDS}
    values.update({k: [] for k in _LISTS})
    for key in form:
        if key == _csrf.FIELD:
            continue
        items = [str(v) for v in form.getlist(key) if isinstance(v, str)]
        if key in _LISTS:
            values[key] = items
        elif key in _FIELDS:
            values[key] = items[0] if items else ""
    if values["layout"] not in LAYOUTS:
        values["layout"] = "long"
    return values


def _step_rows(values: dict[str, Any]) -> list[dict[str, str]]:
    names, st, base = (list(values.get(k) or []) for k in ("step_name", "step_stage", "step_base"))
    n = max(len(names), len(st), len(base))
    rows = [
        {
            "name": names[i] if i < len(names) else "",
            "stage": st[i] if i < len(st) else "",
            "base": base[i] if i < len(base) else "",
        }
        for i in range(n)
    ]
    rows = [r for r in rows if any(v.strip() for v in r.values())]
    return rows + [{"name": "", "stage": "", "base": ""} for _ in range(_SPARE)]


def _group_values(ds: Dataset, values: dict[str, Any]) -> str:
    chosen = [g for g in values.get("group", []) if g in _names(ds)]
    if values.get("layout") == "wide":
        return ", ".join(chosen)
    levels = {c["name"]: c["levels"] for c in ds.columns}
    parts = [f"{g}: {', '.join(levels[g][:12])}" for g in chosen if levels.get(g)]
    return " ; ".join(parts)


def _page(
    request: Request,
    ds: Dataset,
    values: dict[str, Any],
    error: str | None = None,
    original: str | None = None,
    status: int = 200,
) -> Response:
    found = stages(ds, values.get("stage", ""))
    return _render(
        request,
        "funnel.html.j2",
        status=status,
        ds=ds,
        v=values,
        layouts=LAYOUTS,
        stages=found,
        steps=_step_rows(values),
        groups_found=_group_values(ds, values),
        error=error,
        original=original,
    )


def _number(text: str, field_key: str, lang: str) -> float:
    from scoreaudit.web.spec_editor import parse_number

    value, _ = parse_number(str(text).strip())
    if value is None:
        raise ScoreAuditError(w("err_number", lang, field=w(field_key, lang), value=text))
    return value


def _steps(values: dict[str, Any], lang: str) -> list[tuple[str, str, str]]:
    from scoreaudit.options import funnel_step

    out = []
    for i, row in enumerate(r for r in _step_rows(values) if any(r.values())):
        if not row["stage"].strip() or not row["base"].strip():
            raise ScoreAuditError(w("err_step_fields", lang, n=i + 1))
        out.append(funnel_step(row["name"], row["stage"], row["base"]))
    if not out:
        raise ScoreAuditError(w("err_no_steps", lang))
    return out


def funnel_options(values: dict[str, Any], ds: Dataset, lang: str) -> dict[str, Any]:
    """The options of :func:`scoreaudit.options.run_funnel` from the form (bad ones refused).

    The layout (``long``, ``wide``, ``log``) and, for a wide table, the group columns to melt
    and the name of the group column are returned too.
    """
    names = _names(ds)
    layout = values.get("layout") if values.get("layout") in LAYOUTS else "long"
    stage = values.get("stage", "")
    if stage not in names:
        raise ScoreAuditError(w("err_stage_column", lang))
    group = [g for g in values.get("group", []) if g in names and g != stage]
    if not group:
        raise ScoreAuditError(w("err_no_group", lang))
    count = values.get("count", "")
    if layout == "long" and count not in names:
        raise ScoreAuditError(w("err_count_column", lang))
    stratum = values.get("stratum") if values.get("stratum") in names else None
    rounding = str(values.get("rounding") or "").strip()
    rounded = _number(rounding, "rounding_label", lang) if rounding else None
    confidence = _number(values.get("confidence") or "0.95", "confidence_label", lang)
    min_cell = _number(values.get("min_cell") or "11", "min_cell_label", lang)
    reference = str(values.get("reference") or "").replace(";", "\n").splitlines()
    return {
        "layout": layout,
        "group": group,
        "group_name": str(values.get("group_name") or "").strip() or "group",
        "stage": stage,
        "count": count if layout == "long" else None,
        "steps": _steps(values, lang),
        "stratum": stratum,
        "reference": [r.strip() for r in reference if r.strip()],
        "rounding": None
        if rounded is None
        else (int(rounded) if float(rounded).is_integer() else rounded),
        "confidence": confidence / 100 if confidence > 1 else confidence,
        "min_cell": int(min_cell),
    }


def _refresh_steps(values: dict[str, Any], found: list[str]) -> None:
    """Keep the steps whose stages are in ``found``; none left: the chain of ``found``."""
    rows = [r for r in _step_rows(values) if r["stage"] in found and r["base"] in found]
    steps = [(r["name"], r["stage"], r["base"]) for r in rows] or _chain(found)
    values.update(
        step_name=[s[0] for s in steps],
        step_stage=[s[1] for s in steps],
        step_base=[s[2] for s in steps],
    )


async def funnel_page(request: Request) -> Response:
    ds = _dataset(request)
    job = _state(request).jobs.get(request.query_params.get("job", ""))
    values = job.form if job is not None and job.dataset == ds.id else funnel_defaults(ds)
    error = original = None
    if job is not None and job.status == "error":
        error, original = _job_error(job, page_lang(request))
    return _page(request, ds, values, error, original)


async def funnel_post(request: Request) -> Response:
    from scoreaudit.web.runner import run_funnel_job

    ds = _dataset(request)
    form = await _form(request)
    st, lang = _state(request), page_lang(request)
    values = _values(form)
    if form.get("action") == "refresh":
        _refresh_steps(values, stages(ds, values["stage"]))
        return _page(request, ds, values)
    try:
        options = funnel_options(values, ds, lang)
    except ScoreAuditError as exc:
        message, original = _error_text(exc, lang)
        return _page(request, ds, values, message, original, status=400)
    job = st.jobs.new("funnel", ds.id, values, st.workdir)
    job.manifest_extra = {"synthetic": True} if ds.synthetic else {}
    st.jobs.submit(job, lambda j: run_funnel_job(j, data_path=ds.path, options=options, lang=lang))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
