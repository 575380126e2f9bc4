"""Page machinery shared by every route: state, language, CSRF-checked forms, rendering, errors."""

from __future__ import annotations

import ipaddress
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import pandas as pd
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    Response,
)

from scoreaudit.errors import ScoreAuditError
from scoreaudit.web import csrf as _csrf
from scoreaudit.web.jobs import Job, JobStore
from scoreaudit.web.strings import translate_error, w
from scoreaudit.web.uploads import (
    BodyLimit,
    UploadRefused,
)

__all__ = ["Guard", "WebState", "is_loopback_host", "page_lang", "render"]

LANGS = ("fr", "en")
LANG_COOKIE = "scoreaudit_lang"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
#: The report page inside the result page: its own inline CSS and data: figures, nothing else.
REPORT_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox"
)
KINDS = ("audit", "controls", "counts", "spec", "funnel")
SAMPLES = {
    "audit": "c2sg_sample.csv",
    "controls": "c2sg_controls.csv",
    "counts": "c2sg_confusion_counts.csv",
    "spec": "c2sg_sample.csv",
    "funnel": "c2sg_funnel.csv",
}
DEFAULT_PROTECTED = (
    "gender",
    "age_band",
    "family_status",
    "sexe",
    "tranche_age",
    "situation_familiale",
)


# ------------------------------------------------------------------------------------------
# Guard: loopback only, body limit, security headers
# ------------------------------------------------------------------------------------------


def is_loopback_host(host: str | None) -> bool:
    """Whether a client address is this computer (127.0.0.0/8, ::1).

    Examples
    --------
    >>> is_loopback_host("127.0.0.1"), is_loopback_host("::1"), is_loopback_host("192.168.1.5")
    (True, True, False)
    """
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


def host_header_ok(value: str) -> bool:
    """Whether a Host header names this computer: localhost, 127.0.0.1 or [::1], any port.

    Examples
    --------
    >>> host_header_ok("127.0.0.1:8000"), host_header_ok("localhost"), host_header_ok("evil.com")
    (True, True, False)
    """
    host = value.strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host in ("localhost", "127.0.0.1", "::1")


class Guard:
    """ASGI middleware: refuse non-local requests, limit body size, add security headers."""

    def __init__(self, app: Any, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        client = (scope.get("client") or ("", 0))[0]
        if not is_loopback_host(client) or not host_header_ok(headers.get("host", "")):
            text = f"{w('err_forbidden_host', 'fr')}\n{w('err_forbidden_host', 'en')}\n"
            await PlainTextResponse(text, status_code=403)(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                hdrs = list(message.get("headers", []))
                names = {k.lower() for k, _ in hdrs}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"x-frame-options": b"SAMEORIGIN",
                    b"cache-control": b"no-store",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"cross-origin-resource-policy": b"same-origin",
                }
                hdrs += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": hdrs}
            await send(message)

        await self.app(scope, BodyLimit(receive, self.max_body), send_with_headers)


# ------------------------------------------------------------------------------------------
# State
# ------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """An uploaded file, read once to fill the forms (columns, values)."""

    id: str
    path: Path
    name: str
    frame: pd.DataFrame
    columns: list[dict[str, Any]]
    synthetic: bool = False  # the bundled synthetic sample (the report says so)


@dataclass
class SavedSpec:
    id: str
    name: str
    path: Path


@dataclass
class WebState:
    """Everything the app holds: the work directory (removed at exit) and what is in it."""

    workdir: Path
    max_upload_mb: int
    default_lang: str
    guard: _csrf.CsrfGuard = field(default_factory=_csrf.CsrfGuard)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    specs: dict[str, SavedSpec] = field(default_factory=dict)
    jobs: JobStore = field(default_factory=JobStore)

    def cleanup(self) -> None:
        self.jobs.shutdown()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _summary(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for i, col in enumerate(frame.columns):
        s = frame[col]
        values = pd.unique(s.dropna())
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        levels = sorted(str(v) for v in values[:200]) if len(values) <= 30 else []
        out.append(
            {
                "index": i,
                "name": str(col),
                "numeric": bool(numeric),
                "n_levels": int(len(values)),
                "levels": levels,
                "examples": ", ".join(str(v) for v in values[:6])
                + (", …" if len(values) > 6 else ""),
            }
        )
    return out


def _sample_dir() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "data" / "synthetic"
        if (cand / "c2sg_sample.csv").is_file():
            return cand
    return None


def _funnel_available() -> bool:
    """Hook for the process (funnel) audit: shown when ``scoreaudit.engines.funnel`` exists."""
    import importlib.util

    return importlib.util.find_spec("scoreaudit.engines.funnel") is not None


# ------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------


def _template_text(name: str) -> str:
    return (resources.files("scoreaudit.web") / "templates" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_text),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _state(request: Request) -> WebState:
    return request.app.state.web


def page_lang(request: Request) -> str:
    """The page's language: ``?lang=`` first, then the cookie, then the server's default."""
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    c = request.cookies.get(LANG_COOKIE)
    return c if c in LANGS else _state(request).default_lang


def _session(request: Request) -> tuple[str, bool]:
    sid = request.cookies.get(_csrf.COOKIE)
    if sid and 16 <= len(sid) <= 64:
        return sid, False
    return _csrf.CsrfGuard.new_session(), True


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a page with the frame's context (language, switch link, CSRF token)."""
    st = _state(request)
    lang = ctx.pop("lang", None) or page_lang(request)
    sid, new = _session(request)
    other = "en" if lang == "fr" else "fr"
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    base = {
        "lang": lang,
        "w": lambda key, **kw: w(key, lang, **kw),
        "csrf_field": _csrf.FIELD,
        "csrf": st.guard.token(sid),
        "switch_url": f"/lang/{other}?next={quote(_strip_lang(here), safe='')}",
        "funnel": _funnel_available(),
        "limit_mb": st.max_upload_mb,
        "path": request.url.path,
    }
    html = _env().get_template(template).render(**base, **ctx)
    resp = HTMLResponse(html, status_code=status)
    if new:
        resp.set_cookie(_csrf.COOKIE, sid, httponly=True, samesite="strict", path="/")
    if request.query_params.get("lang") in LANGS:
        resp.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict", path="/")
    return resp


def _strip_lang(path: str) -> str:
    if "?" not in path:
        return path
    base, query = path.split("?", 1)
    kept = "&".join(p for p in query.split("&") if not p.startswith("lang="))
    return base + (f"?{kept}" if kept else "")


def _error_text(exc: BaseException, lang: str) -> tuple[str, str | None]:
    """The message to show for a bad-input error, and the untranslated original if any."""
    if isinstance(exc, UploadRefused):
        values = dict(exc.values)
        if isinstance(values.get("why"), tuple):
            key, kw = values["why"]
            values["why"] = w(key, lang, **kw)
        return w(exc.key, lang, **values), None
    text, done = translate_error(str(exc), lang)
    if not done and isinstance(exc, ScoreAuditError) and exc.message_key:
        return exc.render(lang), None  # a message from the catalogue: in the page's language
    return (text, None) if done else (w("err_untranslated", lang), str(exc))


async def _form(request: Request) -> Any:
    """The request's form, after the CSRF check (403 page raised as _Refused)."""
    origin = request.headers.get("origin")
    if origin and not host_header_ok(origin.split("://", 1)[-1]):
        raise _Refused()
    form = await request.form(max_files=4, max_fields=2000)
    sid = request.cookies.get(_csrf.COOKIE)
    if not _state(request).guard.valid(sid, form.get(_csrf.FIELD)):
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()
        raise _Refused()
    return form


class _Refused(Exception):
    """A POST without a valid CSRF token."""


def _message_page(request: Request, status: int, title: str, message: str, **kw: Any) -> Response:
    """The plain message page of an HTTP error: ``title`` and ``message`` are catalogue keys."""
    lang = page_lang(request)
    return render(
        request,
        "message.html.j2",
        status=status,
        title=w(title, lang),
        message=w(message, lang, **kw),
    )


async def _refused(request: Request, exc: Exception) -> Response:
    return _message_page(request, 403, "refused_title", "err_csrf")


async def _too_large(request: Request, exc: Exception) -> Response:
    limit = _state(request).max_upload_mb
    return _message_page(request, 413, "error_title", "err_upload_too_large", limit=limit)


class _NotFound(Exception):
    """A page for something that does not exist (another session's dataset, say): 404."""


def _dataset(request: Request, key: str = "ds") -> Dataset:
    ds = _state(request).datasets.get(request.path_params.get(key, ""))
    if ds is None:
        raise _NotFound()
    return ds


def _job_error(job: Job, lang: str) -> tuple[str, str | None]:
    """The page's message for a job that failed, and the original text when translated."""
    if job.internal:
        return w("error_internal", lang, kind=job.internal), job.error
    if isinstance(job.exception, ScoreAuditError):
        return _error_text(job.exception, lang)
    return _error_text(ScoreAuditError(job.error or ""), lang)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _message_page(request, 404, "error_title", "err_not_found")


# ------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------
