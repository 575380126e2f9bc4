"""Pieces shared by the three report writers (audit, aggregate, funnel): the suppression
paragraph, the page header of the context, ``results.json``'s serialisation, and the
blanking of suppressed rows of the aggregate and funnel tables."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scoreaudit._version import __version__
from scoreaudit.gate.publish import Suppression
from scoreaudit.present.catalogue import fmt_int, kv_sep, t
from scoreaudit.report.render import when_text


def suppression_lines(
    info: Suppression, n_rows: int, marker: str, lang: str, *, hidden: bool | None = None
) -> list[str]:
    """The report's paragraph on suppressed cells: how many rows were hidden, and how.

    ``n_rows`` is the count of table rows hidden; ``hidden`` (default ``n_rows > 0``) says
    whether anything was hidden at all (a curve point counts for the audit report).

    Examples
    --------
    >>> info = Suppression(min_cell=11, suppress_zero=False, primary=2, secondary=0)
    >>> suppression_lines(info, 2, "*", "en") == [
    ...     t("suppression_text", "en", max=10, marker="*", n="2"),
    ...     t("suppression_complements", "en")]
    True
    >>> suppression_lines(info, 0, "*", "en") == [t("suppression_none", "en", min_cell=11)]
    True
    """
    if not (n_rows if hidden is None else hidden):
        return [t("suppression_none", lang, min_cell=info.min_cell)]
    lines = [
        t(
            "suppression_text",
            lang,
            max=info.min_cell - 1,
            marker=marker,
            n=fmt_int(n_rows, lang),
        )
    ]
    # The same sentence whether complements were needed or not: how many hidden rows are
    # small is not published (see Suppression).
    lines.append(t("suppression_complements", lang))
    return lines


def page_head(
    lang: str, title: str, manifest: Mapping[str, Any], synthetic: bool
) -> dict[str, Any]:
    """The entries every report template starts from: language, translator, title, stamp.

    Examples
    --------
    >>> head = page_head("fr", "Audit", {"time": None}, False)
    >>> head["t"]("suppression_marker") == t("suppression_marker", "fr"), head["title"]
    (True, 'Audit')
    """
    return {
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "kv": kv_sep(lang),
        "title": title,
        "generated": t(
            "generated", lang, version=__version__, time=when_text(manifest.get("time"), lang)
        ),
        "synthetic": synthetic,
    }


def dump_json(data: Mapping[str, Any]) -> str:
    """``results.json``'s text: indented, UTF-8 kept, NaN refused, a final newline.

    Examples
    --------
    >>> print(dump_json({"é": 1}), end="")
    {
      "é": 1
    }
    """
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
