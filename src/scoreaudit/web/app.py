"""The Starlette app of ``scoreaudit serve``: pages, forms, uploads, jobs and reports.

Every page is rendered on the server (jinja2, autoescape on: data-derived strings such as
column names, levels and error messages are escaped); no script is needed. Requests go
through :class:`Guard`, which answers only loopback clients addressing ``127.0.0.1`` or
``localhost`` (DNS-rebinding protection), limits the body size while it streams in and adds
the security headers (``Content-Security-Policy: default-src 'self'``). Every POST carries a
CSRF token (:mod:`.csrf`).

Examples
--------
>>> import tempfile, pathlib
>>> from starlette.testclient import TestClient
>>> app = create_app(pathlib.Path(tempfile.mkdtemp()))
>>> client = TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 5000))
>>> page = client.get("/")
>>> page.status_code, "Audit d’un modèle" in page.text
(200, True)
"""

from __future__ import annotations

import secrets
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from scoreaudit.errors import ScoreAuditError
from scoreaudit.options import COUNT_COLUMNS
from scoreaudit.web import csrf as _csrf
from scoreaudit.web.jobs import Job, zip_folder
from scoreaudit.web.strings import w
from scoreaudit.web.uploads import (
    DATA_SUFFIXES,
    SPEC_SUFFIXES,
    UploadRefused,
    UploadTooLarge,
    copy_file,
    read_table,
    store_upload,
)

__all__ = ["Guard", "WebState", "create_app", "is_loopback_host"]

from scoreaudit.web.pages import (  # noqa: F401
    CSP,
    DEFAULT_PROTECTED,
    KINDS,
    LANG_COOKIE,
    LANGS,
    REPORT_CSP,
    SAMPLES,
    Dataset,
    Guard,
    SavedSpec,
    WebState,
    _dataset,
    _env,
    _error_text,
    _form,
    _funnel_available,
    _job_error,
    _not_found,
    _NotFound,
    _Refused,
    _refused,
    _sample_dir,
    _session,
    _state,
    _strip_lang,
    _summary,
    _template_text,
    _too_large,
    host_header_ok,
    is_loopback_host,
    page_lang,
    render,
)


async def home(request: Request) -> Response:
    return render(request, "home.html.j2")


async def switch_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    nxt = request.query_params.get("next", "/")
    if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        nxt = "/"
    resp = RedirectResponse(nxt, status_code=303)
    if lang in LANGS:
        resp.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict", path="/")
    return resp


async def css(request: Request) -> Response:
    text = (resources.files("scoreaudit.web") / "static" / "web.css").read_text(encoding="utf-8")
    return Response(text, media_type="text/css")


def _kind(request: Request) -> str:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise _NotFound()
    return kind


async def upload_page(request: Request) -> Response:
    kind = _kind(request)
    return render(
        request,
        "upload.html.j2",
        kind=kind,
        sample=_sample_dir() is not None,
        error=None,
        original=None,
    )


async def upload_post(request: Request) -> Response:
    kind = _kind(request)
    form = await _form(request)
    st = _state(request)
    lang = page_lang(request)
    ds_id = secrets.token_urlsafe(12)
    try:
        if form.get("sample") and _sample_dir() is not None:
            path = copy_file(_sample_dir() / SAMPLES[kind], st.workdir / f"data-{ds_id}")
        else:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise UploadRefused("err_no_file")
            path = await store_upload(upload, st.workdir / f"data-{ds_id}", suffixes=DATA_SUFFIXES)
        frame = await run_in_threadpool(read_table, path)
    except ScoreAuditError as exc:
        shutil.rmtree(st.workdir / f"data-{ds_id}", ignore_errors=True)
        message, original = _error_text(exc, lang)
        return render(
            request,
            "upload.html.j2",
            status=400,
            kind=kind,
            sample=_sample_dir() is not None,
            error=message,
            original=original,
        )
    synthetic = bool(form.get("sample")) and _sample_dir() is not None
    st.datasets[ds_id] = Dataset(ds_id, path, path.name, frame, _summary(frame), synthetic)
    target = f"/spec?data={ds_id}" if kind == "spec" else f"/{kind}/{ds_id}"
    return RedirectResponse(target, status_code=303)


def _models() -> list[str]:
    from scoreaudit.models.shipped import list_models

    return list_models()


def _audit_defaults(ds: Dataset, request: Request) -> dict[str, Any]:
    protected = [str(c["index"]) for c in ds.columns if c["name"] in DEFAULT_PROTECTED]
    spec = request.query_params.get("spec")
    saved = spec if spec in _state(request).specs else ""
    return {
        "protected": protected,
        "model_source": "saved" if saved else "shipped",
        "shipped_model": "c2sg-reconstruction",
        "saved_spec": saved,
        "score_column": "",
        "budget": "5%",
        "intersections": "1",
        "explain": "",
        "confidence": "0.95",
        "min_cell": "11",
        "label": "",
        "weight": "",
    }


_BLANK = {
    "protected": [],
    "model_source": "",
    "shipped_model": "",
    "saved_spec": "",
    "score_column": "",
    "budget": "",
    "intersections": "",
    "explain": "",
    "confidence": "",
    "min_cell": "",
    "label": "",
    "weight": "",
}


def _form_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(_BLANK)
    for key in form:
        items = [v for v in form.getlist(key) if isinstance(v, str)]
        values[key] = items if key == "protected" else (items[0] if items else "")
    values.setdefault("protected", [])
    return values


async def audit_page(request: Request) -> Response:
    ds = _dataset(request)
    job = _state(request).jobs.get(request.query_params.get("job", ""))
    values = job.form if job is not None and job.dataset == ds.id else _audit_defaults(ds, request)
    error = original = None
    if job is not None and job.status == "error":
        error, original = _job_error(job, page_lang(request))
    return _audit_form(request, ds, values, error, original)


def _audit_form(
    request: Request,
    ds: Dataset,
    values: dict[str, Any],
    error: str | None,
    original: str | None,
    status: int = 200,
) -> Response:
    st = _state(request)
    return render(
        request,
        "audit.html.j2",
        status=status,
        ds=ds,
        v=values,
        models=_models(),
        specs=list(st.specs.values()),
        error=error,
        original=original,
    )


def _number(text: str, field_key: str, lang: str) -> float:
    from scoreaudit.web.spec_editor import parse_number

    value, _ = parse_number(str(text).replace("%", ""))
    if value is None:
        raise ScoreAuditError(w("err_number", lang, field=w(field_key, lang), value=text))
    return value


async def _model_option(
    form: Any, values: dict[str, Any], ds: Dataset, st: WebState, job_dir: Path, lang: str
) -> dict[str, Any]:
    source = values.get("model_source")
    if source == "shipped" and values.get("shipped_model") in _models():
        return {"model": values["shipped_model"]}
    if source == "saved" and values.get("saved_spec") in st.specs:
        return {"model": str(st.specs[values["saved_spec"]].path)}
    if (
        source == "upload"
        and isinstance(form.get("spec_file"), UploadFile)
        and form["spec_file"].filename
    ):
        upload = form["spec_file"]
        try:
            path = await store_upload(upload, job_dir / "model", suffixes=SPEC_SUFFIXES)
        except UploadRefused as exc:
            if exc.values.get("why", ("",))[0] == "why_extension":
                raise UploadRefused("err_spec_type", name=exc.values.get("name", "")) from None
            raise
        return {"model": str(path)}
    if source == "score" and values.get("score_column") in [c["name"] for c in ds.columns]:
        return {"score_column": values["score_column"]}
    raise ScoreAuditError(w("err_choose_model", lang))


def _audit_options(values: dict[str, Any], ds: Dataset, lang: str) -> dict[str, Any]:
    by_index = {str(c["index"]): c["name"] for c in ds.columns}
    protected = [by_index[i] for i in values.get("protected", []) if i in by_index]
    if not protected:
        raise ScoreAuditError(w("err_no_protected", lang))
    bands, reference = {}, {}
    for i in values.get("protected", []):
        if i not in by_index:
            continue
        b = str(values.get(f"bands_{i}", "")).strip()
        if b:
            bands[by_index[i]] = b.replace(";", ",").replace(" ", "")
        r = str(values.get(f"ref_{i}", "")).strip()
        if r:
            reference[by_index[i]] = r
    confidence = _number(values.get("confidence") or "0.95", "confidence_label", lang)
    min_cell = _number(values.get("min_cell") or "11", "min_cell_label", lang)
    cols = set(by_index.values())
    return {
        "protected": ",".join(protected),
        "bands": bands,
        "reference": reference,
        "budget": values.get("budget") or "5%",
        "intersections": values.get("intersections") == "1",
        "explain": values.get("explain") == "1",
        "confidence": confidence / 100 if confidence > 1 else confidence,
        "min_cell": int(min_cell),
        "lang": lang,
        "label": values.get("label") if values.get("label") in cols else None,
        "weight": values.get("weight") if values.get("weight") in cols else None,
    }


async def audit_post(request: Request) -> Response:
    from scoreaudit.web.runner import run_audit_job

    ds = _dataset(request)
    form = await _form(request)
    st, lang = _state(request), page_lang(request)
    values = _form_values(form)
    job = st.jobs.new("audit", ds.id, values, st.workdir)
    try:
        options = _audit_options(values, ds, lang)
        options.update(await _model_option(form, values, ds, st, job.directory, lang))
        from scoreaudit.options import parse_budget

        parse_budget(options["budget"])  # refuse a bad budget before starting
    except ScoreAuditError as exc:
        message, original = _error_text(exc, lang)
        return _audit_form(request, ds, values, message, original, status=400)
    job.manifest_extra = {"synthetic": True} if ds.synthetic else {}
    st.jobs.submit(job, lambda j: run_audit_job(j, data_path=ds.path, options=options, lang=lang))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


# -- control logs and count tables ----------------------------------------------------------


def _pick(values: dict[str, Any], key: str, ds: Dataset) -> str | None:
    v = str(values.get(key) or "").strip()
    return v if v in [c["name"] for c in ds.columns] else None


def _references(text: str) -> dict[str, str]:
    from scoreaudit.options import parse_mapping

    items = [ln.strip() for ln in str(text or "").replace(";", "\n").splitlines() if ln.strip()]
    return parse_mapping(items, "reference")


async def aggregate_page(request: Request) -> Response:
    kind = request.url.path.split("/")[1]
    ds = _dataset(request)
    job = _state(request).jobs.get(request.query_params.get("job", ""))
    names = [c["name"] for c in ds.columns]
    if job is not None and job.dataset == ds.id:
        values = job.form
    elif kind == "controls":
        values = {
            "protected": [c for c in ("gender", "age_band", "family_status") if c in names],
            "selected_by": "selection_method",
            "random_value": "random",
            "outcome": "result",
            "positive": "errors found",
            "population_size": "",
            "reference": "gender=man" if "gender" in names else "",
            "intersections": "1",
        }
    else:
        values = {
            "group": [c for c in ("gender", "age_band") if c in names],
            **{k: k if k in names else "" for k in ("tp", "fp", "tn", "fn")},
            "reference": "gender=man" if "gender" in names else "",
            "intersections": "1",
        }
    error = original = None
    if job is not None and job.status == "error":
        error, original = _job_error(job, page_lang(request))
    return render(request, f"{kind}.html.j2", ds=ds, v=values, error=error, original=original)


async def aggregate_post(request: Request) -> Response:
    from scoreaudit.web.runner import run_controls_job, run_counts_job

    kind = request.url.path.split("/")[1]
    ds = _dataset(request)
    form = await _form(request)
    st, lang = _state(request), page_lang(request)
    values: dict[str, Any] = {k: "" for k in _AGGREGATE_FIELDS}
    values.update({"protected": [], "group": []})
    for k in form:
        if k in ("protected", "group"):
            values[k] = [v for v in form.getlist(k) if isinstance(v, str)]
        elif k != _csrf.FIELD and isinstance(form.get(k), str):
            values[k] = form.get(k)
    job = st.jobs.new(kind, ds.id, values, st.workdir)
    try:
        options = _aggregate_options(kind, values, ds, lang)
    except ScoreAuditError as exc:
        message, original = _error_text(exc, lang)
        return render(
            request,
            f"{kind}.html.j2",
            status=400,
            ds=ds,
            v=values,
            error=message,
            original=original,
        )
    work = run_controls_job if kind == "controls" else run_counts_job
    job.manifest_extra = {"synthetic": True} if ds.synthetic else {}
    st.jobs.submit(job, lambda j: work(j, data_path=ds.path, options=options, lang=lang))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


_AGGREGATE_FIELDS = (
    "selected_by",
    "random_value",
    "outcome",
    "positive",
    "population_size",
    "reference",
    "intersections",
    "fractions",
    *COUNT_COLUMNS,
)


def _aggregate_options(kind: str, values: dict[str, Any], ds: Dataset, lang: str) -> dict:
    names = [c["name"] for c in ds.columns]
    common = {
        "reference": _references(values.get("reference", "")),
        "intersections": values.get("intersections") == "1",
        "min_cell": 11,
    }
    if kind == "controls":
        protected = [p for p in values.get("protected", []) if p in names]
        if not protected:
            raise ScoreAuditError(w("err_no_protected", lang))
        size = str(values.get("population_size") or "").strip()
        return {
            **common,
            "protected": protected,
            "bands": {},
            "selected_by": _pick(values, "selected_by", ds) or str(values.get("selected_by")),
            "random_value": str(values.get("random_value") or "random"),
            "outcome": _pick(values, "outcome", ds) or str(values.get("outcome")),
            "positive": str(values.get("positive") or ""),
            "population_size": int(_number(size, "population_size_label", lang)) if size else None,
        }
    group = [g for g in values.get("group", []) if g in names]
    if not group:
        raise ScoreAuditError(w("err_no_protected", lang))
    cols = {k: _pick(values, k, ds) for k in COUNT_COLUMNS}
    return {**common, **cols, "group": group, "fractions": values.get("fractions") == "1"}


# -- jobs and results -----------------------------------------------------------------------


def _job(request: Request) -> Job:
    job = _state(request).jobs.get(request.path_params["job"])
    if job is None:
        raise _NotFound()
    return job


async def job_page(request: Request) -> Response:
    job = _job(request)
    if job.status == "done":
        return RedirectResponse(f"/results/{job.id}", status_code=303)
    if job.status == "error":
        return RedirectResponse(f"/{job.kind}/{job.dataset}?job={job.id}", status_code=303)
    lang = page_lang(request)
    resp = render(request, "running.html.j2", job=job, step=w(job.step, lang))
    resp.headers["Refresh"] = "2"
    return resp


async def result_page(request: Request) -> Response:
    job = _job(request)
    if job.status != "done":
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)
    lang = page_lang(request)
    if lang not in job.reports:  # the other language: written once, in the background
        from scoreaudit.web.runner import render_report

        job.step = "step_report"
        _state(request).jobs.submit(job, lambda j: render_report(j, lang))
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)
    return render(request, "result.html.j2", job=job)


async def report_html(request: Request) -> Response:
    job = _job(request)
    lang = request.query_params.get("lang")
    folder = job.reports.get(lang if lang in LANGS else page_lang(request))
    if folder is None or not (folder / "report.html").is_file():
        raise _NotFound()
    return FileResponse(
        folder / "report.html",
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": REPORT_CSP},
    )


async def report_zip(request: Request) -> Response:
    job = _job(request)
    lang = request.path_params["lang"]
    folder = job.reports.get(lang)
    if folder is None:
        raise _NotFound()
    dest = job.directory / f"scoreaudit-report-{lang}.zip"
    if not dest.is_file():
        await run_in_threadpool(zip_folder, folder, dest)
    return FileResponse(dest, media_type="application/zip", filename=dest.name)


async def funnel_page(request: Request) -> Response:
    return RedirectResponse("/upload/funnel", status_code=303)


def create_app(workdir: Path, *, max_upload_mb: int = 200, lang: str = "fr") -> Starlette:
    """The web application, keeping its files in ``workdir`` (removed at shutdown).

    Parameters
    ----------
    workdir : Path
        A private temporary directory (uploads, specs, reports).
    max_upload_mb : int
        Largest request body accepted, in megabytes (checked while it streams in).
    lang : {"fr", "en"}
        Default language of the pages and reports.
    """
    from scoreaudit.web.funnel_pages import funnel_page as funnel_form
    from scoreaudit.web.funnel_pages import funnel_post
    from scoreaudit.web.spec_pages import spec_download, spec_page, spec_post

    if lang not in LANGS:
        raise ScoreAuditError.from_key("err_web_lang", lang=lang)
    state = WebState(Path(workdir), int(max_upload_mb), lang)
    routes = [
        Route("/", home),
        Route("/static/web.css", css),
        Route("/lang/{lang}", switch_lang),
        Route("/upload/{kind}", upload_page),
        Route("/upload/{kind}", upload_post, methods=["POST"]),
        Route("/audit/{ds}", audit_page),
        Route("/audit/{ds}", audit_post, methods=["POST"]),
        Route("/controls/{ds}", aggregate_page),
        Route("/controls/{ds}", aggregate_post, methods=["POST"]),
        Route("/counts/{ds}", aggregate_page),
        Route("/counts/{ds}", aggregate_post, methods=["POST"]),
        Route("/spec", spec_page),
        Route("/spec", spec_post, methods=["POST"]),
        Route("/spec/{sid}.yaml", spec_download),
        Route("/jobs/{job}", job_page),
        Route("/results/{job}", result_page),
        Route("/results/{job}/report.html", report_html),
        Route("/results/{job}/report-{lang}.zip", report_zip),
        Route("/funnel", funnel_page),
        Route("/funnel/{ds}", funnel_form),
        Route("/funnel/{ds}", funnel_post, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, max_body=int(max_upload_mb) * 1024 * 1024)],
        exception_handlers={
            _Refused: _refused,
            UploadTooLarge: _too_large,
            _NotFound: _not_found,
            404: _not_found,
        },
    )
    app.state.web = state
    return app
