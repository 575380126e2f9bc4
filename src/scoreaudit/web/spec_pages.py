"""Pages of the model-spec editor (table -> checked YAML spec, saved for the audit form)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from scoreaudit.web import pages
from scoreaudit.web.spec_editor import Draft, Row, build_draft, parse_paste, to_yaml
from scoreaudit.web.strings import w

__all__ = ["spec_download", "spec_page", "spec_post"]

#: Empty rows shown below the filled ones, to type more.
SPARE_ROWS = 6


def _ds(request: Request, key: str | None):
    return pages._state(request).datasets.get(key or "")


def _rows_from_form(form: Any) -> list[Row]:
    variables, levels, odds = form.getlist("var"), form.getlist("level"), form.getlist("odds")
    rows = [
        Row(str(v).strip(), str(lv).strip(), str(o).strip())
        for v, lv, o in zip(variables, levels, odds, strict=False)
    ]
    rows = [r for r in rows if r.variable or r.level or r.odds]
    rows += parse_paste(str(form.get("paste") or ""))
    for i, row in enumerate(rows, start=1):
        row.line = i
    return rows


def _problems(draft: Draft, lang: str) -> list[str]:
    return [
        w(key, lang, **{k: _show(v) for k, v in values.items()}) for key, values in draft.problems
    ]


def _show(value: Any) -> Any:
    return value


def _page(
    request: Request,
    *,
    rows: list[Row],
    values: dict[str, str],
    draft: Draft | None,
    saved: Any = None,
    status: int = 200,
) -> Response:
    lang = pages.page_lang(request)
    ds = _ds(request, values.get("data"))
    shown = list(rows) + [Row("", "", "") for _ in range(SPARE_ROWS)]
    comma = None
    if draft is not None and draft.commas and draft.comma_example:
        ex, value = draft.comma_example
        comma = w("spec_comma_note", lang, n=draft.commas, example=ex, value=f"{value:g}")
    return pages.render(
        request,
        "spec.html.j2",
        status=status,
        rows=shown,
        v=values,
        ds=ds,
        problems=_problems(draft, lang) if draft else [],
        comma=comma,
        saved=saved,
    )


async def spec_page(request: Request) -> Response:
    data = request.query_params.get("data", "")
    values = {
        "name": "my-score",
        "description": "",
        "intercept": "0",
        "data": data if _ds(request, data) else "",
    }
    return _page(request, rows=[], values=values, draft=None)


async def spec_post(request: Request) -> Response:
    form = await pages._form(request)
    st = pages._state(request)
    values = {k: str(form.get(k) or "") for k in ("name", "description", "intercept", "data")}
    name = re.sub(r"[^\w.\- ]+", "", values["name"]).strip() or "my-score"
    values["name"] = name
    rows = _rows_from_form(form)
    ds = _ds(request, values["data"])
    draft = build_draft(
        rows,
        name=name,
        description=values["description"],
        intercept=values["intercept"],
        data=None if ds is None else ds.frame,
    )
    saved = None
    if draft.spec is not None:
        sid = secrets.token_urlsafe(9)
        folder = st.workdir / "specs"
        folder.mkdir(exist_ok=True)
        path = folder / f"{sid}.yaml"
        path.write_text(to_yaml(draft.spec), encoding="utf-8")
        saved = pages.SavedSpec(sid, name, path)
        st.specs[sid] = saved
    status = 200 if draft.spec is not None else 400
    return _page(request, rows=rows, values=values, draft=draft, saved=saved, status=status)


async def spec_download(request: Request) -> Response:
    spec = pages._state(request).specs.get(request.path_params["sid"])
    if spec is None:
        raise pages._NotFound()
    filename = re.sub(r"[^\w.\-]+", "_", spec.name) + ".yaml"
    return FileResponse(spec.path, media_type="application/x-yaml", filename=filename)
