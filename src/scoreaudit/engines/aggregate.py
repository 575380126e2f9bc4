"""Shared machinery of the audits that start from counts instead of a model.

:func:`scoreaudit.audit_controls` (control logs) and :func:`scoreaudit.audit_counts`
(published confusion matrices) both end in the same tidy tables as the core
:class:`~scoreaudit.AuditResult`: ``groups`` (one row per attribute and group) and
``disparities`` (one row per compared group *and metric*: the ``metric`` column says which
rate is compared). :class:`AggregateResult` holds them and serialises them like the core
result; the helpers below build the comparison rows with the core's intervals and tests
(:mod:`scoreaudit.stats.metrics`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import intersection_mask
from scoreaudit.core.warning import note
from scoreaudit.gate.aggregate import CountRules
from scoreaudit.results import (
    HTML_COMPARISON_COLUMNS,
    INTERVAL_COLUMNS,
    ResultBase,
    html_table,
    html_warnings,
    interval_columns,
    notes_field,
    result_dict,
    rows_of_attribute,
)
from scoreaudit.stats import metrics as M

__all__ = ["AggregateResult", "comparison_frame", "finish_disparities", "woolf_ratio_interval"]

#: Columns of every ``disparities`` table of the aggregate audits, in order.
DISPARITY_COLUMNS = [
    "attribute",
    "group",
    "reference",
    "metric",
    "n",
    "reference_n",
    "rate",
    "reference_rate",
    *INTERVAL_COLUMNS,
    "interval",
    "test",
    "p_value",
    "p_adjusted",
    "significant",
    "below_four_fifths",
    "agency_rule",
    "small_cell",
    "note",
]


def woolf_ratio_interval(a, b, c, d, confidence: float = 0.95):
    """Ratio ``(a / b) / (c / d)`` of four independent counts with Woolf's log interval.

    ``exp(log(r) +/- z * sqrt(1/a + 1/b + 1/c + 1/d))``; when a count is zero, 0.5 is added to
    all four for the interval only (Haldane). It is the odds-ratio interval of the 2x2 table
    ``[[a, b], [c, d]]``. Returns ``(ratio, low, high)``; the ratio is ``inf`` when only the
    denominator is zero and NaN when ``b`` or ``d`` is zero with nothing to compare.

    As in :func:`~scoreaudit.stats.metrics.katz_ratio_interval`, the point estimate stays the raw
    ratio and the interval is widened to contain it: the lower limit is 0 when ``a == 0`` (the
    ratio is 0) and the upper limit infinite when ``c == 0`` (the ratio is infinite, or
    undefined when ``a == 0`` too).

    Examples
    --------
    >>> r, lo, hi = woolf_ratio_interval(40, 20, 60, 60)
    >>> round(float(r), 3), round(float(lo), 3), round(float(hi), 3)
    (2.0, 1.049, 3.812)
    >>> r, lo, hi = woolf_ratio_interval(0, 1, 526, 39)
    >>> float(r), float(lo), round(float(hi), 3)
    (0.0, 0.0, 0.624)
    """
    a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
    with np.errstate(divide="ignore", invalid="ignore"):
        num = np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)
        den = np.where(d > 0, c / np.where(d > 0, d, 1), np.nan)
        ratio = np.where(
            den > 0, num / np.where(den > 0, den, 1), np.where(num > 0, np.inf, np.nan)
        )
        add = np.where((a <= 0) | (b <= 0) | (c <= 0) | (d <= 0), 0.5, 0.0)
        a2, b2, c2, d2 = a + add, b + add, c + add, d + add
        log_r = np.log((a2 / b2) / (c2 / d2))
        se = np.sqrt(1 / a2 + 1 / b2 + 1 / c2 + 1 / d2)
    z = M.confidence_z(confidence)
    bad = ~((b > 0) & (d > 0))
    low = np.where(a <= 0, 0.0, np.exp(log_r - z * se))
    high = np.where(c <= 0, np.inf, np.exp(log_r + z * se))
    return (np.where(bad, np.nan, ratio), np.where(bad, np.nan, low), np.where(bad, np.nan, high))


def _four_fifths(ratio: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        low_over_high = np.minimum(ratio, 1 / ratio)
    return np.nan_to_num(low_over_high, nan=1.0) < 0.8


def comparison_frame(
    *,
    attribute: str,
    groups: list[str],
    references: list[str],
    metric: str,
    x1,
    n1,
    x0,
    n0,
    confidence: float,
    min_cell: int,
    small: np.ndarray | None = None,
    notes: list[str] | np.ndarray | None = None,
    exact: bool = True,
) -> pd.DataFrame:
    """Comparison rows of rate ``x1 / n1`` (group) against ``x0 / n0`` (reference).

    Katz ratio interval, Newcombe difference interval, :func:`~scoreaudit.stats.metrics.
    two_proportion_p_value` (Fisher for small expected counts, else the score test). ``small``
    defaults to any of the four counts' bases below ``min_cell`` or either event count below it.
    """
    x1, n1, x0, n0 = (np.asarray(v, dtype=float) for v in (x1, n1, x0, n0))
    p1, p0 = M._div(x1, n1), M._div(x0, n0)
    ratio_ci = M.katz_ratio_interval(x1, n1, x0, n0, confidence)
    diff_ci = M.newcombe_difference_interval(x1, n1, x0, n0, confidence)
    if x1.size:
        p, test = M.two_proportion_p_value(x1, n1, x0, n0, exact=exact)
    else:
        p, test = np.array([]), np.array([], dtype=str)
    if small is None:
        small = (n1 < min_cell) | (n0 < min_cell)
    text = (
        np.array(["" for _ in groups], dtype=object)
        if notes is None
        else np.asarray(notes, dtype=object)
    )
    empty = (n1 <= 0) | (n0 <= 0)
    text = np.where(empty & (text == ""), note("nothing_to_compare"), text)
    return pd.DataFrame(
        {
            "attribute": attribute,
            "group": list(groups),
            "reference": list(references),
            "metric": metric,
            "n": n1,
            "reference_n": n0,
            "rate": p1,
            "reference_rate": p0,
            **interval_columns(ratio_ci, diff_ci),
            "interval": "katz/newcombe",
            "test": test,
            "p_value": p,
            "below_four_fifths": _four_fifths(ratio_ci[0]),
            "agency_rule": pd.array([pd.NA] * len(groups), dtype="boolean"),
            "small_cell": np.asarray(small, dtype=bool),
            "note": text,
        }
    )


def finish_disparities(
    frames: list[pd.DataFrame], correction: str, confidence: float
) -> pd.DataFrame:
    """Concatenate comparison rows, adjust p-values over the whole family, flag significance.

    The family is every comparison with a p-value in the audit (all metrics, attributes and
    intersections), as in the core audit. Rows sharing a ``_test_key`` are one test.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        out = pd.DataFrame({c: [] for c in DISPARITY_COLUMNS})
        return out
    out = pd.concat(frames, ignore_index=True)
    p = out["p_value"].to_numpy(float)
    if "_test_key" in out.columns:
        # rows with the same key are one test (e.g. precision and its complement, the FDR):
        # counted once in the family
        keys = out["_test_key"].fillna("").to_numpy(dtype=object)
        keys = np.where(keys == "", np.arange(len(out)).astype(str), keys)
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        out["p_adjusted"] = M.adjust_p_values(p[first], correction)[inverse]
        out = out.drop(columns="_test_key")
    else:
        out["p_adjusted"] = M.adjust_p_values(p, correction)
    out["significant"] = (out["p_adjusted"] < 1 - confidence).to_numpy(bool)
    out["agency_rule"] = out["agency_rule"].astype("boolean")
    for c in ("n", "reference_n"):
        vals = out[c].to_numpy(float)
        if np.all(np.isfinite(vals)) and np.all(vals == np.round(vals)):
            out[c] = vals.astype(np.int64)
    return out[DISPARITY_COLUMNS + [c for c in out.columns if c not in DISPARITY_COLUMNS]]


@dataclass
class AggregateResult(ResultBase):
    """Result of an audit from counts (control log or published confusion matrices).

    It has the core :class:`~scoreaudit.AuditResult`'s tidy tables and serialisation, but no
    model, budget curve or per-file selection (``curve``, ``calibration``, ``selection`` and
    ``selected`` are ``None``). Renderers tell the kinds apart with :attr:`kind`.

    Attributes
    ----------
    groups : DataFrame
        One row per (attribute, group): counts, rates and their ``_low`` / ``_high``
        intervals.
    disparities : DataFrame
        One row per (attribute, group, metric): ``reference``, ``rate``, ``reference_rate``,
        ``ratio`` / ``difference`` with intervals, ``p_value``, ``p_adjusted``,
        ``significant``, ``below_four_fifths``, ``agency_rule``, ``small_cell``, ``note``.
    config : dict
        Options of the audit (reference groups used, confidence, correction, ...).
    data_summary : dict
        What was audited (numbers of controls or of files per table).
    warnings : list of str
        Everything the user must know before reading a number.
    """

    kind = "aggregate"
    #: What the publication gate checks (the engine of each kind declares it).
    count_rules: ClassVar[CountRules | None] = None

    groups: pd.DataFrame
    disparities: pd.DataFrame
    config: dict
    data_summary: dict
    warnings: list[str] = field(default_factory=list)
    curve: Any = None
    calibration: Any = None
    selection: Any = None
    selected: Any = None
    #: The row notes of the tables by English text, with their codes (not in results.json).
    notes: dict = notes_field()

    # -- accessors ---------------------------------------------------------------------
    @property
    def alpha(self) -> float:
        return 1 - float(self.config["confidence"])

    @property
    def metrics(self) -> list[str]:
        """The metrics compared in :attr:`disparities`, in order of appearance."""
        return list(dict.fromkeys(self.disparities["metric"]))

    def ratio(self, attribute: str | None = None, metric: str | None = None) -> pd.Series:
        """Ratios to the reference, indexed by (attribute, group, metric)."""
        return self._disp("ratio", attribute, metric)

    def difference(self, attribute: str | None = None, metric: str | None = None) -> pd.Series:
        """Differences to the reference, indexed by (attribute, group, metric)."""
        return self._disp("difference", attribute, metric)

    def _disp(self, column: str, attribute: str | None, metric: str | None) -> pd.Series:
        d = rows_of_attribute(self.disparities, attribute)
        if metric is not None:
            if metric not in set(d["metric"]):
                raise KeyError(f"No metric {metric!r}; compared: {self.metrics}")
            d = d[d["metric"] == metric]
        return d.set_index(["attribute", "group", "metric"])[column]

    def summary(self, top: int = 5) -> pd.DataFrame:
        """The ``top`` largest significant ratios (the headline comparisons)."""
        d = self.disparities
        d = d[d["significant"]].copy()
        d["_strength"] = np.abs(np.log(d["ratio"].astype(float).replace(0, np.nan)))
        return d.sort_values("_strength", ascending=False).drop(columns="_strength").head(top)

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-safe, deterministic description (same layout family as the core result)."""
        tables = {"groups": self.groups, "disparities": self.disparities}
        return result_dict(self.kind, self.config, self.data_summary, tables, self.warnings)

    # -- display --------------------------------------------------------------------------
    def _headline(self) -> str:
        return f"{len(self.groups)} groups"

    def __repr__(self) -> str:
        d = self.disparities
        return (
            f"{type(self).__name__}({self._headline()}; {len(d)} comparisons over "
            f"{len(self.metrics)} metrics, {int(d['significant'].sum())} significant; "
            f"{len(self.warnings)} warnings)"
        )

    def _repr_html_(self) -> str:
        cols = ["attribute", "group", "reference", "metric", "rate", *HTML_COMPARISON_COLUMNS]
        d = self.disparities
        d = d[~intersection_mask(d["attribute"])][[*cols, "note"]]
        return (
            f"<div><strong>scoreaudit {html.escape(self.kind)} result</strong>"
            f"<p>{html.escape(self._headline())}</p>"
            f"{html_table(d)}{html_warnings(self.warnings)}</div>"
        )
