"""Figures of an audit: one function per figure, each returns a matplotlib ``Figure``.

Every function takes an :class:`~scoreaudit.results.AuditResult` and keyword options
(``attribute``, ``lang="en"`` or ``"fr"``, ``ax`` where a single panel makes sense). Figures
are built with the object-oriented API (:class:`matplotlib.figure.Figure`): nothing here
touches pyplot's global state or selects a backend, so the functions are safe in scripts,
servers and notebooks (a returned figure displays in Jupyter as it is).

Design rules, shared by all figures
-----------------------------------
- Colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies),
  and nothing is told by colour alone: groups also differ by marker and line style,
  significance by marker shape, small cells by hollow markers or hatching.
- Every text is in the requested language (``"en"`` or ``"fr"``); French numbers use the
  decimal comma (``1,5``), a non-breaking space before ``%`` (``5 %``) and between
  thousands (``9 983``).
- Labels that come from the data (attribute names, group labels) are shown as literal text:
  dollar signs are escaped so that matplotlib never reads them as mathtext, and TeX is off.
- Infinite or undefined ratios (a reference group with no selected file) never crash a
  figure: they are drawn as arrows at the edge of the axis, with a note.
- ``suppress_small=True`` (for published outputs) hides the values of small cells (fewer than
  the audit's ``min_cell`` files, or selected files) and says so on the figure.

:func:`save_figure` writes a figure as SVG and PNG; the SVG is byte-for-byte reproducible
(:func:`figure_bytes`: the same bytes, in memory; :func:`write_figure_bytes` writes them).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import scoreaudit as sa
>>> from scoreaudit import plots
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame({"gender": rng.choice(["woman", "man"], 2000),
...                       "score": rng.random(2000)})
>>> res = sa.audit(sa.Population(frame, protected=["gender"]), "score",
...                sa.Budget(share=0.1), reference={"gender": "man"})
>>> fig = plots.disparity_forest(res, lang="fr")
>>> fig.axes[0].get_xlabel().startswith("Rapport")
True
"""

from __future__ import annotations

from scoreaudit.plots._style import OKABE_ITO as OKABE_ITO
from scoreaudit.plots._text import LANGUAGES as LANGUAGES
from scoreaudit.plots._text import format_count as format_count
from scoreaudit.plots._text import format_number as format_number
from scoreaudit.plots._text import format_percent as format_percent
from scoreaudit.plots._text import plain as plain
from scoreaudit.plots.curve import budget_curve, precision_fpr
from scoreaudit.plots.distribution import score_ecdf
from scoreaudit.plots.heatmap import intersection_heatmap
from scoreaudit.plots.rates import disparity_forest, selection_rates
from scoreaudit.plots.save import SVG_HASHSALT as SVG_HASHSALT
from scoreaudit.plots.save import figure_bytes, save_figure, write_figure_bytes

__all__ = [
    "budget_curve",
    "disparity_forest",
    "figure_bytes",
    "intersection_heatmap",
    "precision_fpr",
    "save_figure",
    "score_ecdf",
    "selection_rates",
    "write_figure_bytes",
]
