"""AuditResult: the one object that plots, reports and users read."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import intersection_mask
from scoreaudit.core.warning import active_notes
from scoreaudit.selection.policies import Selection
from scoreaudit.stats.evidence import headline_order

#: Version of the layout of :meth:`AuditResult.to_dict` (and ``results.json``).
SCHEMA_VERSION = 2


def json_safe(value: Any) -> Any:
    """JSON-safe, deterministic: numpy scalars to Python, NaN/inf to None.

    Examples
    --------
    >>> json_safe({"n": np.int64(3), "rate": np.float64("nan"), "ok": np.bool_(True)})
    {'n': 3, 'rate': None, 'ok': True}
    """
    kind = type(value)  # exact types first: most values are already plain (results.json)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is pd.NA or value is None:
        return None
    return value


def table_records(table: pd.DataFrame | None) -> list[dict] | None:
    """A data frame as a list of JSON-safe records (column order kept).

    Examples
    --------
    >>> table_records(pd.DataFrame({"g": ["a"], "x": [float("inf")]}))
    [{'g': 'a', 'x': None}]
    """
    if table is None:
        return None
    cols = list(table.columns)
    return [
        {c: json_safe(v) for c, v in zip(cols, row, strict=True)}
        for row in table.itertuples(index=False, name=None)
    ]


def result_dict(
    kind: str, config: dict, data: dict, tables: Mapping[str, pd.DataFrame | None], warnings: list
) -> dict:
    """The JSON-safe ``to_dict`` of a result from counts: the schema version, its kind, config
    and data summary, then its ``tables`` as records and its warnings.

    Examples
    --------
    >>> sorted(result_dict("counts", {}, {}, {"groups": pd.DataFrame({"n": [1]})}, []))
    ['config', 'data', 'groups', 'kind', 'schema_version', 'warnings']
    """
    head = {"schema_version": SCHEMA_VERSION, "kind": kind, "config": config, "data": data}
    records = {name: table_records(table) for name, table in tables.items()}
    return json_safe({**head, **records, "warnings": list(warnings)})


#: The interval columns of a disparities table, in their order.
INTERVAL_COLUMNS = (
    "ratio",
    "ratio_low",
    "ratio_high",
    "difference",
    "difference_low",
    "difference_high",
)


def interval_columns(ratio: tuple, difference: tuple) -> dict[str, Any]:
    """The columns ``ratio``, ``ratio_low``, ... ``difference_high`` of a disparities table
    from the (estimate, low, high) of the ratio and of the difference.

    Examples
    --------
    >>> interval_columns((2.0, 1.5, 2.5), (0.1, 0.05, 0.15))["ratio_high"]
    2.5
    """
    return dict(zip(INTERVAL_COLUMNS, (*ratio, *difference), strict=True))


#: The columns of a comparison a notebook summary shows after the result's own key columns.
HTML_COMPARISON_COLUMNS = (
    "reference_rate",
    "ratio",
    "ratio_low",
    "ratio_high",
    "p_adjusted",
    "small_cell",
)


def html_table(frame: pd.DataFrame) -> str:
    """A table of a notebook summary: no index, three significant digits, escaped text.

    Examples
    --------
    >>> "&lt;b&gt;" in html_table(pd.DataFrame({"g": ["<b>"], "r": [1.23456]}))
    True
    """
    return frame.to_html(index=False, float_format=lambda x: f"{x:.3g}", escape=True)


def html_warnings(warnings: list[str]) -> str:
    """A result's warnings as an escaped HTML list ('' when there is none).

    Examples
    --------
    >>> html_warnings(["a < b"]), html_warnings([])
    ('<ul><li>a &lt; b</li></ul>', '')
    """
    items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
    return f"<ul>{items}</ul>" if items else ""


def _json_text(data: dict, indent: int | None) -> str:
    """A result's ``to_dict`` as JSON text (strict: no NaN, non-ASCII kept)."""
    return json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)


def rows_of_attribute(d: pd.DataFrame, attribute: str | None) -> pd.DataFrame:
    """The rows of the disparities ``d`` for ``attribute`` (all when None); a clear KeyError
    naming the audited attributes when it is not one of them.

    Examples
    --------
    >>> d = pd.DataFrame({"attribute": ["gender", "age"], "ratio": [1.2, 0.9]})
    >>> rows_of_attribute(d, "age")["ratio"].tolist()
    [0.9]
    """
    if attribute is None:
        return d
    if attribute not in set(d["attribute"]):
        raise KeyError(f"No attribute {attribute!r}; audited: {sorted(set(d['attribute']))}")
    return d[d["attribute"] == attribute]


def notes_field() -> Any:
    """The ``notes`` field of a result: the row notes the engine recorded while it ran
    (:func:`~scoreaudit.core.warning.active_notes`), left out of ``repr`` and comparisons.
    It is declared last in each result (a dataclass field with a default).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class R:
    ...     notes: dict = notes_field()
    >>> R().notes, R() == R(notes={"x": "y"})
    ({}, True)
    """
    return field(default_factory=active_notes, repr=False, compare=False)


class ResultBase:
    """What every result shares: ``kind``, a JSON description and the lazy HTML report.

    Each result gives its ``to_dict``. The report is drawn by :mod:`scoreaudit.report`,
    imported on first use: with :meth:`AuditResult.explain`, the only imports of the package
    that go up its layers (the notebook conveniences).
    """

    kind: ClassVar[str] = "audit"

    def to_dict(self) -> dict:
        """JSON-serialisable, deterministic description of the result."""
        raise NotImplementedError

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as a JSON string (keys in a stable order)."""
        return _json_text(self.to_dict(), indent)

    def _report(self, lang: str, **options: Any) -> Any:
        """The HTML report in ``lang`` (published: small cells suppressed), shown inline in
        Jupyter; ``options`` are the renderer's keywords."""
        from scoreaudit.report import ReportDisplay, render_result_html

        return ReportDisplay(render_result_html(self, lang, **options))


@dataclass
class AuditResult(ResultBase):
    """Everything an audit found, as tidy tables.

    Attributes
    ----------
    groups : DataFrame
        One row per (attribute, group): size, share, files selected, selection rate with its
        interval, mean score; with labels, precision and error rates with intervals.
    disparities : DataFrame
        One row per compared group: ratio and difference of selection rates to the reference
        group, intervals, raw and adjusted p-values, flags, minimum detectable disparities and
        threshold-free score gaps (AUC, Kolmogorov-Smirnov).
    curve : DataFrame
        Selection rate and ratio of every group across budgets.
    curve_at_levels : DataFrame or None
        The curve with every budget that falls inside a block of tied scores moved to the
        block's nearer edge (each row's ``budget`` is then the share it selects): no count
        depends on how tied files are shared out. What the publication shows when it hides
        a count; the same table as ``curve`` when no budget falls inside a tie block.
    selected : ndarray of bool
        Which files the policy selected, aligned with the population's rows.
    calibration : DataFrame or None
        Observed positive rate against mean score per score bin and group (with labels).
    selection : Selection
        What the policy realised (count, share, cut-off score, ties).
    """

    groups: pd.DataFrame
    disparities: pd.DataFrame
    curve: pd.DataFrame
    selected: np.ndarray
    calibration: pd.DataFrame | None
    selection: Selection
    config: dict
    population_summary: dict
    model_info: dict
    warnings: list[str] = field(default_factory=list)
    population: Any = field(default=None, repr=False)
    model: Any = field(default=None, repr=False)
    policy: Any = field(default=None, repr=False)
    scores: np.ndarray | None = field(default=None, repr=False)
    curve_at_levels: pd.DataFrame | None = field(default=None, repr=False)
    #: The row notes of the tables by English text, with their codes (not in results.json).
    notes: dict = notes_field()

    # -- fairlearn-like accessors -----------------------------------------------------------
    @property
    def by_group(self) -> pd.Series:
        """Selection rate indexed by (attribute, group), like fairlearn's ``by_group``."""
        return self.groups.set_index(["attribute", "group"])["selection_rate"]

    def ratio(self, attribute: str | None = None) -> pd.Series:
        """Selection-rate ratio to the reference, indexed by (attribute, group)."""
        return self._disp("ratio", attribute)

    def difference(self, attribute: str | None = None) -> pd.Series:
        """Selection-rate difference to the reference, indexed by (attribute, group)."""
        return self._disp("difference", attribute)

    def _disp(self, column: str, attribute: str | None) -> pd.Series:
        d = rows_of_attribute(self.disparities, attribute)
        return d.set_index(["attribute", "group"])[column]

    @property
    def alpha(self) -> float:
        return 1 - float(self.config["confidence"])

    # -- serialisation ------------------------------------------------------------------
    def published(self, min_cell: int | None = None, **gate: Any) -> AuditResult:
        """The copy that passes the publication gate (small counts and complements blank).

        Same as every written output: :func:`scoreaudit.gate.publish.publish` with the
        audit's ``min_cell``; ``gate`` takes its keywords (``keep=``...).
        """
        if "suppressed" in self.groups.columns:
            return self
        from scoreaudit.gate.publish import publish

        return publish(self, min_cell, **gate).result

    def to_dict(self, raw: bool = False) -> dict:
        """JSON-serialisable, deterministic description of the *published* result.

        The numbers are those of :meth:`published` (small counts and their complements are
        ``null``). ``raw=True`` gives the unsuppressed numbers: for the analyst's own use,
        never for publication.
        """
        if not raw and "suppressed" not in self.groups.columns:
            return self.published().to_dict()
        return json_safe(
            {
                "schema_version": SCHEMA_VERSION,
                "config": self.config,
                "population": self.population_summary,
                "model": self.model_info,
                "selection": self.selection.summary(),
                "groups": table_records(self.groups),
                "disparities": table_records(self.disparities),
                "curve": table_records(self.curve),
                "calibration": table_records(self.calibration),
                "warnings": list(self.warnings),
            }
        )

    # -- display ----------------------------------------------------------------------
    def summary(self, top: int = 5) -> pd.DataFrame:
        """The ``top`` headline comparisons: significant gaps the data establish most strongly
        (the interval bound nearest 1 farthest from 1), small cells never first.

        See :func:`scoreaudit.stats.evidence.headline_order`.
        """
        d = self.disparities
        d = d[d["significant"].astype("boolean").fillna(False).to_numpy(bool)]
        return d.iloc[headline_order(d)].head(top)

    def __repr__(self) -> str:
        s = self.selection
        return (
            f"AuditResult({self.population_summary['rows']} files, {s.n_selected} selected "
            f"({s.share:.2%}); {len(self.groups)} groups, {len(self.disparities)} comparisons, "
            f"{int(self.disparities['significant'].sum())} significant)"
        )

    def _repr_html_(self) -> str:
        s = self.selection
        cols = ["attribute", "group", "reference", "selection_rate", *HTML_COMPARISON_COLUMNS]
        d = self.disparities[[c for c in cols if c in self.disparities.columns]]
        d = d[~intersection_mask(d["attribute"])]
        head = html.escape(
            f"{self.population_summary['rows']:,} files; {s.n_selected:,} selected "
            f"({s.share:.2%}) by {s.description}"
        )
        return (
            f"<div><strong>scoreaudit result</strong><p>{head}</p>"
            f"{html_table(d)}"
            f"<p>{len(self.disparities)} comparisons in all (with intersections): see "
            f"<code>result.disparities</code>.</p></div>"
        )

    # -- methods that delegate to other modules (report, explain) are added below ----------
    def report(self, lang: str = "en", *, figures: bool = True, min_cell: int | None = None) -> Any:
        """The full report (as the CLI writes it), displayed inline in Jupyter.

        Small cells are suppressed as in published outputs. ``str(...)`` is the HTML page.

        Examples
        --------
        >>> import numpy as np, pandas as pd, scoreaudit as sa
        >>> frame = pd.DataFrame({"gender": ["man", "woman"] * 100, "x": np.arange(200.0)})
        >>> res = sa.audit(sa.Population(frame, protected=["gender"]), "x",
        ...                sa.Budget(share=0.1), threshold_free=False)
        >>> "Principaux constats" in str(res.report(lang="fr", figures=False))
        True
        """
        return self._report(lang, figures=figures, min_cell=min_cell)

    def to_html(
        self, path: Any, lang: str = "en", *, figures: bool = True, min_cell: int | None = None
    ) -> Any:
        """Write the self-contained HTML report to ``path``; return the path.

        Examples
        --------
        >>> import numpy as np, pandas as pd, scoreaudit as sa, tempfile, os
        >>> frame = pd.DataFrame({"gender": ["man", "woman"] * 100, "x": np.arange(200.0)})
        >>> res = sa.audit(sa.Population(frame, protected=["gender"]), "x",
        ...                sa.Budget(share=0.1), threshold_free=False)
        >>> p = res.to_html(os.path.join(tempfile.mkdtemp(), "r.html"), figures=False)
        >>> p.name
        'r.html'
        """
        return self.report(lang, figures=figures, min_cell=min_cell).save(path)

    def explain(self, **kwargs: Any) -> Any:
        """Explain the disparities (see :func:`scoreaudit.explain.explain` for the arguments).

        The explanation is also kept as ``self.explanation`` for reports.

        Examples
        --------
        >>> import numpy as np, pandas as pd, scoreaudit as sa
        >>> frame = pd.DataFrame({"gender": ["man", "woman"] * 100, "x": np.arange(200.0)})
        >>> res = sa.audit(sa.Population(frame, protected=["gender"]),
        ...                sa.ScoreColumn("x"), sa.Budget(share=0.1))
        >>> res.explain().neutralisation["input"].tolist()
        ['x']
        >>> res.explanation is not None
        True
        """
        from scoreaudit.explain import explain

        self.explanation = explain(self, **kwargs)
        return self.explanation
