"""Small-cell suppression for published outputs (report, tables, results.json, figures).

Rule (primary suppression)
--------------------------
A published row describes a group (or a comparison of two groups) through counts: the files
of the group ``n``, the files selected ``s`` and, implicitly, the files not selected ``n - s``.
When any of these counts is between 1 and ``min_cell - 1`` (default: 1 to 10, the usual
French publication threshold of health and social data), the row's counts **and every number
derived from them** (shares, rates, intervals, ratios, differences, tests, mean scores) are
replaced by a marker (``NaN`` in tables, ``null`` in JSON, ``[c]`` / ``[s]`` in the report)
and the row is flagged ``suppressed``. A comparison is suppressed when either of its two
groups is. Zero counts are published by default: "none of the 6,955 files was selected"
singles nobody out and is often the finding itself; pass ``suppress_zero=True`` for the
stricter rule. With labels, the outcome block (irregularity rate, precision, error rates) is
suppressed separately (``suppressed_labels``) when its counts are small, so that three
positives do not hide the selection rate of a group of 5,000 files.

Secondary suppression
---------------------
A suppressed cell of an intersection can sometimes be recovered by subtracting the published
cells of its row from a published margin (``woman`` minus the other ``woman × ...`` cells).
:func:`secondary_suppression` is the hook where that protection belongs: it receives every
published group row with its primary mask and returns the final mask. It currently applies
the classic one-cell rule per margin (when a margin has exactly one suppressed cell, the
smallest other cell of that margin is suppressed too) and iterates to a fixed point; the
reliability work of issue 10 may replace it with a complete method.

Individual scores
-----------------
No row of the data is published. Two numbers are nevertheless scores of particular files:
the selection cut-off (the score of the last file selected) and the calibration bin edges
(quantiles of the scores). They are published rounded to :data:`SCORE_DIGITS` significant
digits (:func:`coarse_score`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> g = pd.DataFrame({"attribute": ["gender"] * 2, "group": ["woman", "man"],
...                   "n": [500, 8], "selected": [40, 1], "selection_rate": [0.08, 0.125]})
>>> primary_group_mask(g, 11).tolist()
[False, True]
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.order import rank_within
from scoreaudit.core.vocab import REST
from scoreaudit.gate.warnings import gate_warnings, hidden_pairs

__all__ = [
    "DEFAULT_MIN_CELL",
    "KEEP_COLUMNS",
    "SCORE_DIGITS",
    "Suppression",
    "coarse_score",
    "primary_group_mask",
    "publish",
    "publish_staged",
    "Staged",
    "PublishedResult",
    "gate_explanation",
    "keep_rows",
    "small_count",
    "with_curve",
]

DEFAULT_MIN_CELL = 11

#: Columns never blanked: labels and flags that the marker itself already conveys.
KEEP_COLUMNS = frozenset(
    {
        "attribute",
        "group",
        "reference",
        "budget",
        "realised_share",
        "n_selected",
        "bin",
        "suppressed",
        "suppressed_labels",
        "suppression",
        "small_cell",
    }
)

_LABEL_COUNTS = ("controlled_with_label", "positives", "selected_with_label")
_LABEL_PREFIXES = ("positive_rate", "precision", "tpr", "fpr", "fnr")


#: Significant digits of individual score values that are published (the selection cut-off
#: and calibration bin edges are scores of particular files).
SCORE_DIGITS = 3


def coarse_score(values: Any, digits: int = SCORE_DIGITS) -> np.ndarray:
    """Round scores to ``digits`` significant digits, so that no file's exact score is published.

    Examples
    --------
    >>> coarse_score([0.7767554401669716, 12345.678, -0.000123456, float("nan")]).tolist()
    [0.777, 12300.0, -0.000123, nan]
    """
    arr = np.asarray(values, dtype=float)
    out = arr.copy()
    finite = np.isfinite(arr) & (arr != 0)
    mag = np.floor(np.log10(np.abs(arr[finite])))
    scale = 10.0 ** (digits - 1 - mag)
    out[finite] = np.round(arr[finite] * scale) / scale
    return out


def small_count(count: Any, min_cell: int, suppress_zero: bool = False) -> np.ndarray:
    """True where a count would single out fewer than ``min_cell`` people.

    Examples
    --------
    >>> small_count([0, 1, 10, 11], 11).tolist()
    [False, True, True, False]
    >>> small_count([0], 11, suppress_zero=True).tolist()
    [True]
    """
    c = np.asarray(count, dtype=float)
    low = 0 if suppress_zero else 1
    with np.errstate(invalid="ignore"):
        return np.isfinite(c) & (c >= low) & (c < min_cell)


def primary_group_mask(
    groups: pd.DataFrame, min_cell: int, suppress_zero: bool = False
) -> pd.Series:
    """Rows of a groups table whose selection counts are small (n, selected, not selected)."""
    n = groups["n"].to_numpy(float)
    s = groups["selected"].to_numpy(float)
    mask = (
        small_count(n, min_cell, suppress_zero)
        | small_count(s, min_cell, suppress_zero)
        | small_count(n - s, min_cell, suppress_zero)
    )
    return pd.Series(mask, index=groups.index)


@dataclass
class Suppression:
    """What was suppressed in a published result, and how to explain it.

    ``primary`` (rows hidden because a count is small) and ``secondary`` (rows hidden only to
    protect them) are the gate's record for the data holder: :meth:`to_dict`, which goes into
    ``results.json``, and the reports give only their sum. Saying how many hidden rows are
    small would tell a reader, when there are no complements, that every hidden count is
    below ``min_cell``, and otherwise that so many of them are: knowledge the protection
    against narrowing (checked by integer programming) does not give an attacker.
    """

    min_cell: int
    suppress_zero: bool
    primary: int
    secondary: int
    rows: dict[str, int] = field(default_factory=dict)
    unsuppressed: bool = False
    unprotectable: int = 0
    curve_budgets_left_out: int = 0

    def to_dict(self) -> dict[str, Any]:
        if self.unsuppressed:
            rule = (
                "synthetic data published without suppression at the user's request "
                "(--publish-synthetic-unsuppressed): they describe nobody"
            )
        else:
            rule = (
                f"counts from {0 if self.suppress_zero else 1} to {self.min_cell - 1} (group "
                "sizes, selected and not selected files, outcome-label counts, calibration "
                "bins) and every number derived from them are replaced by null; other counts "
                "are hidden too (complements) so that no small count can be narrowed, from all "
                "published numbers together and knowing that counts are non-negative integers, "
                f"to an interval shorter than {self.min_cell} (checked by integer programming); "
                "which hidden counts are small is not published; adjusted p-values count "
                "hidden comparisons in the family as p = 1"
            )
        return {
            "min_cell": self.min_cell,
            "suppress_zero": self.suppress_zero,
            "unsuppressed": self.unsuppressed,
            "rule": rule,
            "protection_range": self.min_cell,
            "hidden_rows": self.primary + self.secondary,
            "unprotectable": self.unprotectable,
            "rows_by_table": dict(self.rows),
            "curve_budgets_left_out": self.curve_budgets_left_out,
        }


def blank_rows(table: pd.DataFrame, mask: np.ndarray, columns: Iterable[str]) -> pd.DataFrame:
    """A copy of ``table`` with ``columns`` emptied on the rows of ``mask``: numbers become
    NaN (the column turns float), flags and text None (the column turns object).

    Examples
    --------
    >>> t = pd.DataFrame({"g": ["a", "b"], "n": [3, 40], "ok": [True, False]})
    >>> blank_rows(t, np.array([True, False]), ["n", "ok"]).to_dict("list")
    {'g': ['a', 'b'], 'n': [nan, 40.0], 'ok': [None, False]}
    """
    out = table.copy()
    if not mask.any():
        return out
    for c in columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            out[c] = col.astype(object)
            out.loc[mask, c] = None
        else:
            out[c] = col.astype(float)
            out.loc[mask, c] = np.nan
    return out


def _blank(table: pd.DataFrame, mask: np.ndarray, columns: list[str] | None = None) -> pd.DataFrame:
    out = table.copy()
    cols = columns if columns is not None else [c for c in out.columns if c not in KEEP_COLUMNS]
    if not mask.any():
        return out
    for c in cols:
        col = out[c]
        if pd.api.types.is_integer_dtype(col):  # counts stay integers (null when suppressed)
            out[c] = col.astype("Int64")
            out.loc[mask, c] = pd.NA
        elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            out[c] = col.astype(float)
            out.loc[mask, c] = np.nan
        else:  # flags and text: None (null in JSON, empty in CSV)
            out[c] = col.astype(object)
            out.loc[mask, c] = None
    return out


def _key(a: pd.Series, g: pd.Series) -> pd.Series:
    return a.astype(str) + "\x00" + g.astype(str)


@dataclass
class PublishedResult:
    """What the gate lets out: a copy of the result with hidden numbers blank, and the record.

    Unpacks as ``(result, suppression)`` for older callers.
    """

    result: Any
    suppression: Suppression
    masks: dict[str, Any] = field(default_factory=dict)
    #: Why each hidden row is hidden (``"small"`` or ``"complement"``), by table: the
    #: gate's record, never published (the published tables say ``"hidden"`` for both).
    reasons: dict[str, Any] = field(default_factory=dict)

    def __iter__(self):
        yield self.result
        yield self.suppression

    def __getitem__(self, i: int) -> Any:
        return (self.result, self.suppression)[i]


def keep_rows(groups: pd.DataFrame, keep: Any) -> np.ndarray:
    """Rows named by ``keep``: ``"label"``, ``"attribute=label"`` or an intersection label.

    Examples
    --------
    >>> g = pd.DataFrame({"attribute": ["a", "a", "a × b"], "group": ["x", "y", "x × u"]})
    >>> keep_rows(g, ["y", "a × b=x × u"]).tolist()
    [False, True, True]
    """
    from scoreaudit.errors import ScoreAuditError

    names = [keep] if isinstance(keep, str) else list(keep or [])
    attrs = groups["attribute"].astype(str).to_numpy()
    labels = groups["group"].astype(str).to_numpy()
    out = np.zeros(len(groups), dtype=bool)
    for name in names:
        attr, _, label = str(name).rpartition("=")
        hit = labels == label
        if attr:
            hit &= attrs == attr
        if not hit.any():
            raise ScoreAuditError.from_key("err_keep_unknown", name=name)
        out |= hit
    return out


def _adjusted_published(d: pd.DataFrame, hidden: np.ndarray, n_groups: Mapping, method: str):
    """Adjusted p-values from the published comparisons only (hidden tests count as p = 1).

    The family size ``m`` is that of the audit (hidden comparisons included), and each hidden
    comparison enters as ``p = 1``: Holm's and Benjamini-Hochberg's adjusted p-values can only
    grow when a p-value grows, so these are conservative (never more significant than the
    audit's own) and depend on nothing hidden.
    """
    from scoreaudit.stats.metrics import adjust_p_values

    p = pd.to_numeric(d["p_value"], errors="coerce").to_numpy(float)
    rest = d["reference"].astype(str).to_numpy() == REST
    binary = d["attribute"].astype(str).map(n_groups).fillna(0).to_numpy() == 2
    keys = np.where(rest & binary, d["attribute"].astype(str), d.index.astype(str))
    keys = pd.Series(keys)
    first = ~keys.duplicated().to_numpy()
    fam = first & np.isfinite(p)
    q = np.where(hidden, 1.0, p)
    adj_first = adjust_p_values(np.where(fam, q, np.nan), method)
    adj = pd.Series(adj_first).groupby(keys.to_numpy()).transform("first").to_numpy(float)
    return np.where(hidden | ~np.isfinite(p), np.nan, adj)


def _flags(primary: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    return np.where(primary, "small", np.where(hidden, "complement", "")).astype(object)


def secondary_suppression(groups: pd.DataFrame, mask: Any, min_cell: int) -> pd.Series:
    """Extend a mask of hidden sizes so that no hidden size can be narrowed below ``min_cell``.

    For count tables that are not audits (the funnel's stage tables): ``groups`` has
    ``attribute`` (the margin a row adds up to), ``group`` and ``n``; rows in ``mask`` and
    rows with a small ``n`` are protected by :func:`scoreaudit.gate.complements.protect_groups`.

    Examples
    --------
    >>> g = pd.DataFrame({"attribute": ["s"] * 3, "group": ["x", "y", "z"],
    ...                   "n": [100, 5, 40]})
    >>> secondary_suppression(g, [False, True, False], 11).tolist()
    [False, True, True]
    """
    from scoreaudit.gate.complements import protect_groups

    frame = groups[["attribute", "group", "n"]].reset_index(drop=True)
    hidden = np.asarray(mask, dtype=bool).copy()
    small = small_count(frame["n"].to_numpy(float), min_cell)
    # each margin adds up to its own published total: protected one margin at a time
    for _, rows in frame.groupby(frame["attribute"].astype(str), sort=False).indices.items():
        if not (hidden[rows].any() or small[rows].any()):
            continue
        sub = frame.iloc[rows].reset_index(drop=True)
        totals = {"n": float(sub["n"].sum())}
        size = protect_groups(sub, min_cell, totals=totals, hidden=hidden[rows])["size"]
        hidden[rows] |= size
    return pd.Series(hidden, index=groups.index)


def publish(
    result: Any,
    min_cell: int | None = None,
    *,
    keep: Any = (),
    allow_unsuppressed: bool = False,
    synthetic: bool = False,
    suppress_zero: bool = False,
    secondary: bool = True,
) -> PublishedResult:
    """The publication gate: a copy of ``result`` safe to publish, and what was hidden.

    Every output (report, tables, ``results.json``, figures, explanation, calibration,
    curve, terminal table, :meth:`AuditResult.published`, :meth:`AuditResult.to_dict`) is
    made from the copy returned here.

    Parameters
    ----------
    result : AuditResult
    min_cell : int, optional
        Smallest count published and protection range (default: the audit's ``min_cell``).
    keep : str or list of str
        Groups that complements must not hide (``"18-24"``, ``"age_band=18-24"``).
    allow_unsuppressed : bool
        Publish without suppression; only with ``synthetic=True`` (synthetic data describes
        nobody), refused otherwise.
    synthetic : bool
        The caller checked that the data are synthetic.
    suppress_zero : bool
        Zero counts are small too.
    secondary : bool
        Complementary suppression (turning it off is for tests only).

    Returns
    -------
    PublishedResult
        ``.result`` (tables with a ``suppressed`` flag and a ``suppression`` column that
        says ``"hidden"``, never why), ``.suppression``, the masks and ``.reasons`` (the
        gate's record of why: ``"small"`` or ``"complement"``, not published).

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"g": ["a"] * 300 + ["b"] * 5, "score": rng.random(305)})
    >>> r = sa.audit(sa.Population(f, protected=["g"]), "score", sa.Budget(share=0.1),
    ...              threshold_free=False)
    >>> out = publish(r)
    >>> out.result.groups["suppression"].tolist(), out.reasons["groups"].tolist()
    (['hidden', 'hidden'], ['complement', 'small'])
    """
    options = {
        "keep": keep,
        "allow_unsuppressed": allow_unsuppressed,
        "synthetic": synthetic,
        "suppress_zero": suppress_zero,
        "secondary": secondary,
    }
    min_cell, key, cached = _cached(result, min_cell, **options)
    if cached is not None:
        return cached
    out = _publish(result, min_cell, keep, suppress_zero, secondary, allow_unsuppressed)
    _remember(result, key, out)
    return out


def publish_staged(result: Any, min_cell: int | None = None, **options: Any) -> tuple[Any, Staged]:
    """The publication in two steps: the copy without its budget curve, then the whole.

    The curve's checks (its budgets against the groups table's hidden counts, by linear and
    integer programs) take most of the gate's time, and only the budget-curve figure needs
    them: the report draws its other figures from the first copy meanwhile. The second
    step gives what :func:`publish` gives with the same arguments (the same copy, cached
    the same way: a later :func:`publish` returns it at once).

    Parameters
    ----------
    result : AuditResult
    min_cell : int, optional
    **options
        The keywords of :func:`publish`.

    Returns
    -------
    first : AuditResult
        The published copy with an empty curve (no row of the curve, published or not).
    finish : Staged
        ``finish()`` returns ``publish(result, min_cell, **options)``, the tables' masks
        reused; ``finish.provisional()`` its curve if the checks hide nothing more.

    Examples
    --------
    >>> import pandas as pd, scoreaudit as sa
    >>> f = pd.DataFrame({"g": ["a"] * 300 + ["b"] * 30, "score": range(330)})
    >>> r = sa.audit(sa.Population(f, protected="g"), "score", sa.Budget(count=33))
    >>> first, finish = publish_staged(r)
    >>> len(first.curve), first.groups.equals(finish().result.groups)
    (0, True)
    """
    defaults = _publish_defaults()
    opts = {**defaults, **options}
    if set(opts) != set(defaults):
        raise TypeError(f"unexpected keywords: {sorted(set(opts) - set(defaults))}")
    mc, key, cached = _cached(result, min_cell, **opts)
    if cached is not None:
        return _without_curve(cached.result), Staged(result, min_cell, opts, None, cached)
    stage = _tables(result, mc, opts["keep"], opts["suppress_zero"], opts["secondary"])
    first = _finish(result, stage, _no_curve(result), opts["allow_unsuppressed"]).result
    return first, Staged(result, min_cell, opts, stage)


class Staged:
    """The second step of :func:`publish_staged`: call it for the whole publication."""

    def __init__(self, result, min_cell, opts, stage, cached=None) -> None:
        self._result, self._min_cell, self._opts = result, min_cell, opts
        self._stage, self._cached = stage, cached
        self._plan: Any = None

    def __call__(self) -> PublishedResult:
        """``publish(result, min_cell, **options)`` (cached for it)."""
        if self._cached is not None:  # published before the first step
            return self._cached
        key, again = _cached(self._result, self._min_cell, **self._opts)[1:]
        if again is not None:
            return again
        curve = self._curve_plan().checked()
        out = _finish(self._result, self._stage, curve, self._opts["allow_unsuppressed"])
        _remember(self._result, key, out)
        return out

    def provisional(self) -> pd.DataFrame:
        """The curve ``self()`` publishes if the programs checking its budgets against the
        groups table's hidden counts hide nothing more (most audits), without solving them.

        Not a publication: something drawn from it may stand for what is drawn from the
        published curve only once the two curves are found equal.
        """
        again = _cached(self._result, self._min_cell, **self._opts)[2] or self._cached
        if again is None:  # made as the publication is, all but the programs
            curve = self._curve_plan().provisional()
            again = _finish(self._result, self._stage, curve, self._opts["allow_unsuppressed"])
        return again.result.curve

    def _curve_plan(self) -> Any:
        if self._plan is None:
            from scoreaudit.gate.curve import CurvePlan

            t = self._stage
            self._plan = CurvePlan(self._result, t.groups, t.masks, t.min_cell, t.suppress_zero)
        return self._plan


def with_curve(first: Any, curve: pd.DataFrame) -> Any:
    """The first copy of :func:`publish_staged` with the published ``curve`` put back: the
    copy :func:`publish` gives (for a process that has the first copy and is sent the curve).

    Examples
    --------
    >>> import pandas as pd, scoreaudit as sa
    >>> pop = sa.Population(pd.DataFrame({"g": list("ab") * 99, "s": range(198)}), protected="g")
    >>> first, finish = publish_staged(sa.audit(pop, "s", sa.Budget(count=20)))
    >>> curve = finish().result.curve
    >>> len(first.curve), with_curve(first, curve).curve.equals(curve)
    (0, True)
    """
    changes = {"curve": curve}
    if hasattr(first, "curve_at_levels"):
        changes["curve_at_levels"] = curve
    out = dataclasses.replace(first, **changes)
    if hasattr(first, "explanation"):  # set on the copy, not a field
        object.__setattr__(out, "explanation", first.explanation)
    return out


def _publish_defaults() -> dict[str, Any]:
    """The keywords of :func:`publish` and their defaults (read from its signature)."""
    params = inspect.signature(publish).parameters.values()
    return {p.name: p.default for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _cached(
    result, min_cell, *, keep, allow_unsuppressed, synthetic, suppress_zero, secondary
) -> tuple[int, tuple, PublishedResult | None]:
    """``(min_cell, cache key, the cached publication or None)``, the options checked."""
    from scoreaudit.errors import ScoreAuditError

    if min_cell is None:
        min_cell = int(getattr(result, "config", {}).get("min_cell", DEFAULT_MIN_CELL))
    min_cell = int(min_cell)
    if allow_unsuppressed and not synthetic:
        raise ScoreAuditError.from_key("err_unsuppressed_not_synthetic")
    key = (min_cell, repr(keep), bool(allow_unsuppressed), bool(suppress_zero), bool(secondary))
    # The explanation can be attached after a first publication: the cached copy is only
    # reused for the very same explanation object.
    explanation = getattr(result, "explanation", None)
    cache = getattr(result, "_gate_cache", None)
    if isinstance(cache, dict) and key in cache and cache[key][0] is explanation:
        return min_cell, key, cache[key][1]
    return (0 if allow_unsuppressed else min_cell), key, None


def _remember(result: Any, key: tuple, out: PublishedResult) -> None:
    cache = getattr(result, "_gate_cache", None)
    try:
        if not isinstance(cache, dict):
            cache = {}
            object.__setattr__(result, "_gate_cache", cache)
        cache[key] = (getattr(result, "explanation", None), out)
    except (AttributeError, TypeError):  # pragma: no cover - frozen objects without __dict__
        pass


def _reference_rows(result: Any, groups: pd.DataFrame) -> np.ndarray:
    """Rows that are the reference of some comparison: hiding one loses its whole attribute."""
    d = getattr(result, "disparities", None)
    if d is None or d.empty or "reference" not in d.columns:
        return np.zeros(len(groups), dtype=bool)
    refs = set(zip(d["attribute"].astype(str), d["reference"].astype(str), strict=True))
    return np.array(
        [
            (a, g) in refs
            for a, g in zip(
                groups["attribute"].astype(str), groups["group"].astype(str), strict=True
            )
        ],
        dtype=bool,
    )


def _group_masks(groups, min_cell, keep, suppress_zero, secondary, prefer=None):
    from scoreaudit.gate.complements import protect_groups, sensitive

    n = len(groups)
    if min_cell <= 1 and not suppress_zero:
        z = np.zeros(n, dtype=bool)
        return {"size": z, "selection": z.copy(), "labels": z.copy(), "primary": z.copy()}
    if not secondary:
        sens = sensitive(groups, min_cell, suppress_zero)
        m = {"size": sens.get("n", np.zeros(n, bool))}
        m["selection"] = m["size"] | sens["selected"] | sens["not_selected"]
        lab = np.zeros(n, dtype=bool)
        for k in ("controlled_with_label", "positives", "negatives", "selected_with_label"):
            lab |= sens.get(k, np.zeros(n, bool))
        m["labels"] = lab | m["selection"]
        m["primary"] = m["selection"] | lab
        return m
    return protect_groups(
        groups, min_cell, keep=keep_rows(groups, keep), suppress_zero=suppress_zero, prefer=prefer
    )


def _blank_groups(groups: pd.DataFrame, masks: Mapping[str, np.ndarray]) -> pd.DataFrame:
    label_cols = [c for c in groups.columns if c in _LABEL_COUNTS or c.startswith(_LABEL_PREFIXES)]
    sel_cols = [
        c
        for c in groups.columns
        if c not in KEEP_COLUMNS and c not in ("n", "share") and c not in label_cols
    ]
    out = _blank(groups, masks["selection"], sel_cols)
    out = _blank(out, masks["size"], ["n", "share"])
    if "labels" in masks and label_cols:
        out = _blank(out, masks["labels"], label_cols)
    hidden = masks["selection"] | masks["size"]
    out["suppressed"] = hidden
    if "controlled_with_label" in groups.columns:
        out["suppressed_labels"] = masks.get("labels", hidden) | hidden
    out["suppression"] = _flags(
        masks["primary"] & (hidden | masks.get("labels", hidden)),
        hidden | masks.get("labels", hidden),
    )
    return out


def _blank_disparities(result, groups, masks, min_cell, suppress_zero):
    d = result.disparities.reset_index(drop=True)
    gkey = _key(groups["attribute"], groups["group"])
    hidden = dict(zip(gkey, masks["selection"] | masks["size"], strict=False))
    d_sup = _key(d["attribute"], d["group"]).map(hidden).fillna(True).to_numpy(bool)
    is_rest = (d["reference"].astype(str) == REST).to_numpy()
    ref_sup = _key(d["attribute"], d["reference"]).map(hidden).to_numpy(object)
    if is_rest.any():
        tot = groups.groupby("attribute", sort=False)[["n", "selected"]].sum()
        g_n = _key(d["attribute"], d["group"]).map(dict(zip(gkey, groups["n"], strict=False)))
        g_s = _key(d["attribute"], d["group"]).map(
            dict(zip(gkey, groups["selected"], strict=False))
        )
        rn = d["attribute"].map(tot["n"]).to_numpy(float) - g_n.to_numpy(float)
        rs = d["attribute"].map(tot["selected"]).to_numpy(float) - g_s.to_numpy(float)
        rest_small = (
            small_count(rn, min_cell, suppress_zero)
            | small_count(rs, min_cell, suppress_zero)
            | small_count(rn - rs, min_cell, suppress_zero)
        )
        ref_sup = np.where(is_rest, rest_small, ref_sup)
    ref_sup = pd.Series(ref_sup).fillna(True).to_numpy(bool)
    d_mask = d_sup | ref_sup
    pub = _blank(d, d_mask)
    if "p_adjusted" in d.columns and min_cell > 1:
        n_groups = groups.groupby("attribute", sort=False).size().to_dict()
        method = str(result.config.get("correction", "holm"))
        pub["p_adjusted"] = _adjusted_published(d, d_mask, n_groups, method)
        if "significant" in pub.columns:
            alpha = 1 - float(result.config.get("confidence", 0.95))
            sig = pub["p_adjusted"].to_numpy(float) < alpha
            pub["significant"] = np.where(d_mask, None, sig).astype(object)
    if "note" in pub.columns:
        pub.loc[d_mask, "note"] = ""
    pub["suppressed"] = d_mask
    prim = (
        _key(d["attribute"], d["group"])
        .map(dict(zip(gkey, masks["primary"], strict=False)))
        .fillna(False)
        .to_numpy(bool)
    )
    pub["suppression"] = _flags(d_mask & prim, d_mask)
    return pub, d_mask


@dataclass
class _Tables:
    """The gate's first step: every table but the curve (whose checks need these masks)."""

    groups: pd.DataFrame
    masks: dict[str, Any]
    pub_groups: pd.DataFrame
    pub_d: Any
    d_mask: np.ndarray
    pub_cal: Any
    n_cal: int
    explanation: Any
    min_cell: int
    suppress_zero: bool


def _publish(result, min_cell, keep, suppress_zero, secondary, unsuppressed) -> PublishedResult:
    from scoreaudit.gate.curve import gate_curve

    t = _tables(result, min_cell, keep, suppress_zero, secondary)
    curve = gate_curve(result, t.groups, t.masks, min_cell, suppress_zero)
    return _finish(result, t, curve, unsuppressed)


def _tables(result, min_cell, keep, suppress_zero, secondary) -> _Tables:
    groups = result.groups.reset_index(drop=True)
    masks = _group_masks(
        groups, min_cell, keep, suppress_zero, secondary, _reference_rows(result, groups)
    )
    pub_groups = _blank_groups(groups, masks)
    pub_d, d_mask = _blank_disparities(result, groups, masks, min_cell, suppress_zero)
    pub_cal, n_cal = _gate_calibration(result, groups, masks, min_cell, suppress_zero)
    explanation = gate_explanation(
        getattr(result, "explanation", None), pub_d, min_cell, pub_groups
    )
    return _Tables(
        groups,
        masks,
        pub_groups,
        pub_d,
        d_mask,
        pub_cal,
        n_cal,
        explanation,
        min_cell,
        suppress_zero,
    )


def _no_curve(result: Any) -> tuple[pd.DataFrame, np.ndarray, int]:
    """What :func:`_finish` takes for the curve when it is withheld: no row at all, the
    curve's columns (so that code reading them does not fail)."""
    empty = result.curve.iloc[0:0].copy()
    empty["suppressed"] = np.zeros(0, dtype=bool)
    empty["suppression"] = np.zeros(0, dtype=object)
    return empty, np.zeros(0, dtype=bool), 0


def _without_curve(published: Any) -> Any:
    """A published copy whose curve has no row (:func:`publish_staged`'s first copy when
    the whole publication is already cached)."""
    curve = published.curve
    return with_curve(published, curve.iloc[0:0] if isinstance(curve, pd.DataFrame) else None)


def _finish(result, t: _Tables, curve, unsuppressed) -> PublishedResult:
    """The published copy from the tables' step and the curve's ``(table, mask, budgets
    left out)``."""
    pub_c, c_mask, left_out = curve
    masks, pub_groups, pub_d, d_mask = t.masks, t.pub_groups, t.pub_d, t.d_mask
    pub_cal, n_cal, explanation = t.pub_cal, t.n_cal, t.explanation
    min_cell, suppress_zero = t.min_cell, t.suppress_zero
    primary_rows = int(masks["primary"].sum())
    hidden_rows = masks["selection"] | masks["size"] | masks.get("labels", masks["size"])
    info = Suppression(
        min_cell=min_cell,
        suppress_zero=suppress_zero,
        primary=primary_rows,
        secondary=int(hidden_rows.sum()) - primary_rows,
        rows={
            "groups": int((masks["selection"] | masks["size"]).sum()),
            "groups_outcomes": int(
                (masks.get("labels", masks["size"]) & ~masks["selection"]).sum()
            ),
            "disparities": int(d_mask.sum()),
            "curve": int(c_mask.sum()),
            "calibration": n_cal,
        },
        unsuppressed=bool(unsuppressed),
        unprotectable=int(np.asarray(masks.get("unprotectable", [])).sum()),
        curve_budgets_left_out=left_out,
    )
    selection = result.selection
    if (
        selection is not None
        and dataclasses.is_dataclass(selection)
        and hasattr(selection, "cutoff")
        and not unsuppressed
    ):  # the cut-off is the score of one file
        selection = dataclasses.replace(
            selection, cutoff=float(coarse_score([selection.cutoff])[0])
        )
    hidden = pub_groups["suppressed"].to_numpy(bool)
    published = dataclasses.replace(
        result,
        groups=pub_groups,
        disparities=pub_d,
        curve=pub_c,
        calibration=pub_cal,
        selection=selection,
        warnings=gate_warnings(
            getattr(result, "warnings", []), hidden_pairs(pub_groups, hidden), bool(hidden.any())
        ),
    )
    if hasattr(result, "explanation"):
        object.__setattr__(published, "explanation", explanation)
    reasons = {}
    for name in ("groups", "disparities", "curve"):
        table = getattr(published, name, None)
        if isinstance(table, pd.DataFrame) and "suppression" in table.columns:
            reasons[name] = table["suppression"].to_numpy(object).copy()
            object.__setattr__(published, name, _without_reasons(table))
    if hasattr(published, "curve_at_levels"):  # the analyst's would travel with the copy
        object.__setattr__(published, "curve_at_levels", published.curve)
    return PublishedResult(published, info, masks, reasons)


def _without_reasons(table: pd.DataFrame) -> pd.DataFrame:
    """A published table that does not say why a row is hidden, nor whether its counts
    reach ``min_cell`` (``small_cell`` is True on every hidden row): "small" would bound a hidden count to [0, min_cell - 1] and
    "complement" to 0 or at least ``min_cell``, which with a published margin narrows the
    small counts it protects."""
    out = table.copy()
    flagged = out["suppression"].fillna("").astype(str).to_numpy() != ""
    out["suppression"] = np.where(flagged, "hidden", "").astype(object)
    hidden = out["suppressed"].to_numpy(bool)
    if "small_cell" in out.columns:  # every hidden row says True: nothing about its counts
        out["small_cell"] = out["small_cell"].astype(bool) | hidden
    return out


def _gate_calibration(result, groups, masks, min_cell, suppress_zero):
    """Calibration bins: a group's bins are all published or all hidden.

    Hidden when the group's outcomes are hidden, or when any of its bins has a small count
    (files, labelled files, positives, negatives): the bins of a group then add up to its
    published outcome totals only, and no single bin is left alone.
    """
    if result.calibration is None:
        return None, 0
    cal = result.calibration.reset_index(drop=True)
    cm = np.zeros(len(cal), dtype=bool)
    for col in ("n", "n_labelled", "positives"):
        if col in cal.columns:
            cm |= small_count(cal[col], min_cell, suppress_zero)
    if "n_labelled" in cal.columns and "positives" in cal.columns:
        neg = pd.to_numeric(cal["n_labelled"], errors="coerce") - pd.to_numeric(
            cal["positives"], errors="coerce"
        )
        cm |= small_count(neg, min_cell, suppress_zero)
    gkey = _key(groups["attribute"], groups["group"])
    lab = masks.get("labels", masks["selection"]) | masks["selection"] | masks["size"]
    ckey = _key(cal["attribute"], cal["group"])
    cm |= ckey.map(dict(zip(gkey, lab, strict=False))).fillna(True).to_numpy(bool)
    cm = ckey.map(pd.Series(cm).groupby(ckey.to_numpy()).any()).to_numpy(bool)  # whole group
    keep = [col for col in cal.columns if col in KEEP_COLUMNS or col in ("score_low", "score_high")]
    pub_cal = _blank(cal, cm, [col for col in cal.columns if col not in keep])
    pub_cal["suppressed"] = cm
    for col in ("score_low", "score_high"):  # quantile edges are individual files' scores
        if col in pub_cal.columns:
            pub_cal[col] = coarse_score(pub_cal[col])
    return pub_cal, int(cm.sum())


_EXPLAIN_KEEP = frozenset(
    {
        "input",
        "columns",
        "attribute",
        "group",
        "reference",
        "term",
        "input_kind",
        "auc_method",
        "association_measure",
        "is_attribute",
        "model_reads_attribute",
        "note",
        "levels",
        "many_levels",
        "auc_group",
        "suppressed",
    }
)


def gate_explanation(
    explanation: Any, pub_d: pd.DataFrame, min_cell: int, pub_groups: pd.DataFrame | None = None
) -> Any:
    """The explanation tables with every row about a hidden comparison blanked.

    Rows carry ``attribute``, ``group`` and ``reference``: they are blanked when the matching
    published comparison is suppressed (or missing); rates after neutralisation are counts
    of real files too, blanked when they rest on fewer than ``min_cell`` files. A blanked
    row's rank is blanked too, and the rows of a hidden comparison are listed by input name
    (their order came from the hidden ratios). The proxy table is retaken from the groups
    published in ``pub_groups`` (:func:`_gate_proxies`).
    """
    if explanation is None:
        return None
    explanation = _gate_proxies(explanation, pub_groups)
    frames = (
        {k: v for k, v in vars(explanation).items() if isinstance(v, pd.DataFrame)}
        if hasattr(explanation, "__dict__")
        else {}
    )
    if not frames:
        return explanation
    sup = dict(
        zip(
            _key(pub_d["attribute"], pub_d["group"]) + "\x00" + pub_d["reference"].astype(str),
            pub_d["suppressed"].to_numpy(bool),
            strict=False,
        )
    )
    n_by = dict(
        zip(_key(pub_d["attribute"], pub_d["group"]), pub_d.get("n", pd.Series()), strict=False)
    )
    new = {}
    for name, frame in frames.items():
        if not {"attribute", "group", "reference"} <= set(frame.columns) or frame.empty:
            new[name] = frame
            continue
        f = frame.reset_index(drop=True)
        k = _key(f["attribute"], f["group"]) + "\x00" + f["reference"].astype(str)
        mask = k.map(sup).fillna(True).to_numpy(bool).copy()
        if "selection_rate_after" in f.columns:
            n = pd.to_numeric(_key(f["attribute"], f["group"]).map(n_by), errors="coerce").to_numpy(
                float
            )
            after = np.round(pd.to_numeric(f["selection_rate_after"], errors="coerce") * n)
            mask |= small_count(after, min_cell) | small_count(n - after, min_cell)
        cols = [c for c in f.columns if c not in _EXPLAIN_KEEP]
        out = _blank(f, mask, cols)
        out["suppressed"] = mask
        new[name] = _hidden_by_input(out, mask)
    return (
        dataclasses.replace(explanation, **new)
        if dataclasses.is_dataclass(explanation)
        else explanation
    )


def _hidden_by_input(table: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """Rows of each hidden comparison sorted by input (the table's order within a comparison
    follows its ratios); the other rows and the comparisons' places are unchanged."""
    if "input" not in table.columns or not mask.any():
        return table
    block = _key(table["attribute"], table["group"]) + "\x00" + table["reference"].astype(str)
    first = pd.Series(np.arange(len(table)), index=table.index).groupby(block).transform("min")
    key = np.where(mask, table["input"].astype(str), "")
    order = np.lexsort((np.arange(len(table)), key, first.to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def _gate_proxies(explanation: Any, pub_groups: pd.DataFrame | None) -> Any:
    """The proxy table retaken without the single attributes' groups whose size is hidden.

    A group's one-vs-rest AUC is ``U / (n_g (N - n_g))`` for an integer ``U``: published for a
    group whose size ``n_g`` is hidden, its digits give ``n_g`` back. The best and mean AUC are
    taken again over the other groups (``proxy_groups``, whose hidden rows are blanked), and
    the association, computed from every group's files, is blanked for such an attribute. A
    group whose selection alone is hidden keeps its AUC: it does not depend on selection.
    """
    per = getattr(explanation, "proxy_groups", None)
    proxies = getattr(explanation, "proxies", None)
    if not dataclasses.is_dataclass(explanation) or pub_groups is None:
        return explanation
    if per is None or per.empty or proxies is None or proxies.empty:
        return explanation
    hidden_rows = pub_groups[pd.to_numeric(pub_groups["n"], errors="coerce").isna()]
    hidden = set(_key(hidden_rows["attribute"], hidden_rows["group"]))
    per = per.copy()
    per["suppressed"] = _key(per["attribute"], per["group"]).isin(hidden).to_numpy()
    if not per["suppressed"].any():
        return dataclasses.replace(explanation, proxy_groups=per)
    per.loc[per["suppressed"], "auc"] = np.nan
    shown = per.dropna(subset=["auc"])
    best = shown.loc[shown.groupby(["input", "attribute"], sort=False)["auc"].idxmax()]
    best = best.set_index(["input", "attribute"])
    mean = shown.groupby(["input", "attribute"], sort=False)["auc"].mean()
    at = pd.MultiIndex.from_frame(proxies[["input", "attribute"]])
    t = proxies.copy()
    # (only the attributes with a hidden group: the others keep their values to the bit)
    touched = t["attribute"].isin(set(per.loc[per["suppressed"], "attribute"])).to_numpy()
    t["auc"] = np.where(touched, best["auc"].reindex(at).to_numpy(), t["auc"])
    t["auc_group"] = np.where(touched, best["group"].reindex(at).to_numpy(), t["auc_group"])
    t["auc_mean"] = np.where(touched, mean.reindex(at).to_numpy(), t["auc_mean"])
    t.loc[touched, "association"] = np.nan
    t = rank_within(t, "attribute", "auc", list(dict.fromkeys(t["attribute"])))
    return dataclasses.replace(explanation, proxies=t, proxy_groups=per)
