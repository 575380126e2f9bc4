"""The audit report: HTML, Markdown, results.json, CSV tables and figures, in French or English.

Everything published goes through :func:`scoreaudit.gate.publish.publish` first (small
cells suppressed), then is rendered from one view model (:mod:`.context`), so the HTML, the
Markdown, the JSON and the CSV tables show the same numbers.

Examples
--------
>>> import numpy as np, pandas as pd, scoreaudit as sa, tempfile, pathlib
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame({"gender": rng.choice(["woman", "man"], 2000),
...                       "score": rng.random(2000)})
>>> res = sa.audit(sa.Population(frame, protected=["gender"]), "score", sa.Budget(share=0.1),
...                reference={"gender": "man"}, threshold_free=False)
>>> html = render_html(res, "fr")
>>> "Principaux constats" in html and "<script" not in html
True
>>> out = write_report(res, pathlib.Path(tempfile.mkdtemp()) / "rep", formats=("html", "json"))
>>> sorted(p.name for p in out.iterdir())
['report.html', 'results.json', 'summary.html']
"""

from scoreaudit.report.render import md_escape, schema
from scoreaudit.report.writer import (
    FORMATS,
    SUPPORTED_KINDS,
    ReportDisplay,
    make_figures,
    render_html,
    render_markdown,
    render_result_html,
    results_json,
    write_report,
)

__all__ = [
    "FORMATS",
    "SUPPORTED_KINDS",
    "ReportDisplay",
    "make_figures",
    "md_escape",
    "render_html",
    "render_markdown",
    "render_result_html",
    "results_json",
    "schema",
    "write_report",
]
