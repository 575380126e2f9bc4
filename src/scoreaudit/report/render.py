"""Rendering helpers shared by every report: escaping, jinja environments, the results schema."""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

__all__ = ["html_env", "md_env", "md_escape", "schema", "template_text", "when_text"]


# ------------------------------------------------------------------------------------------
# Escaping
# ------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#~!$])")


class _Raw(str):
    """Text already rendered as Markdown by the template (a macro's output): not re-escaped."""


def _md_finalize(value: Any) -> str:
    return value if isinstance(value, _Raw) else md_escape(value)


def md_escape(value: Any) -> str:
    """Escape text for Markdown: HTML is neutralised, Markdown syntax is shown literally.

    ``<`` ``>`` ``&`` become entities (Markdown passes raw HTML through), Markdown punctuation
    is backslash-escaped, line breaks become spaces (they would break a table row) and
    ``://`` is broken so that no auto-link is made from data.

    Examples
    --------
    >>> md_escape("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> md_escape("a|b *c* [x](http://y)")
    'a\\\\|b \\\\*c\\\\* \\\\[x\\\\](http:\\\\/\\\\/y)'
    """
    if value is None:
        return ""
    s = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = re.sub(r"[\r\n]+", " ", s)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("://", r":\/\/")


# ------------------------------------------------------------------------------------------
# Templates
# ------------------------------------------------------------------------------------------


def template_text(name: str) -> str:
    return (resources.files("scoreaudit.report") / "templates" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def html_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(template_text),
        autoescape=True,  # every {{ value }} is HTML-escaped, including data labels
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@lru_cache(maxsize=1)
def md_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(template_text),
        autoescape=False,
        finalize=_md_finalize,  # every {{ value }} is Markdown-escaped (macros: |raw)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["raw"] = lambda text: _Raw(text)
    return env


def load_templates(*templates: str) -> None:
    """Compile templates ahead of :func:`render_page` (jinja keeps them; the report does it
    while its figures are drawn).

    Examples
    --------
    >>> load_templates("report.html.j2", "report.md.j2")
    """
    for template in templates:
        _env(template).get_template(template)


def _env(template: str) -> jinja2.Environment:
    """``*.html.j2`` templates are HTML-escaped, anything else Markdown-escaped."""
    return html_env() if template.endswith(".html.j2") else md_env()


def render_page(template: str, ctx: Mapping[str, Any]) -> str:
    """Render a report template: ``*.html.j2`` HTML-escaped with the inline style sheet,
    anything else (``*.md.j2``) Markdown-escaped.

    Examples
    --------
    >>> render_page("report.css", {}) == template_text("report.css")  # no placeholder in it
    True
    """
    page = _env(template).get_template(template)
    if template.endswith(".html.j2"):
        return page.render(css=template_text("report.css"), **ctx)
    return page.render(**ctx)


def schema() -> dict[str, Any]:
    """The JSON schema of ``results.json`` (documented in docs/results-schema.md).

    Examples
    --------
    >>> schema()["properties"]["schema_version"]["const"]
    2
    """
    text = (resources.files("scoreaudit.report") / "results.schema.json").read_text(
        encoding="utf-8"
    )
    return json.loads(text)


def when_text(iso: Any, lang: str) -> str:
    """The manifest time as a readable date: ``2026-11-22 08:24 UTC`` / ``22/11/2026 08:24 UTC``."""
    try:
        when = _dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso or "")
    return when.strftime("%d/%m/%Y %H:%M UTC" if lang == "fr" else "%Y-%m-%d %H:%M UTC")
