"""The publication gate of an audit: a copy of the result safe to publish, and what was hidden.

:func:`publish` applies the rule of :mod:`scoreaudit.gate.rules` (small counts and every number
derived from them hidden, complements chosen by :mod:`~scoreaudit.gate.complements` so that no
hidden count can be narrowed, individual scores rounded) to every table of an audit: groups,
disparities, calibration, the explanation (:mod:`~scoreaudit.gate.explanation`) and the budget
curve (:mod:`~scoreaudit.gate.curve`). :func:`publish_staged` gives the same publication in two
steps (every table but the curve, then the curve's checks), so that a report can draw the other
figures meanwhile.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import REST
from scoreaudit.gate.explanation import gate_explanation
from scoreaudit.gate.rules import (
    DEFAULT_MIN_CELL,
    KEEP_COLUMNS,
    SCORE_DIGITS,
    Suppression,
    blank_hidden,
    blank_rows,
    coarse_score,
    flags_by_key,
    primary_group_mask,
    row_key,
    secondary_suppression,
    small_count,
)
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
    "secondary_suppression",
    "blank_rows",
    "small_count",
    "with_curve",
]


_LABEL_COUNTS = ("controlled_with_label", "positives", "selected_with_label")
_LABEL_PREFIXES = ("positive_rate", "precision", "tpr", "fpr", "fnr")


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
    out = blank_hidden(groups, masks["selection"], sel_cols)
    out = blank_hidden(out, masks["size"], ["n", "share"])
    if "labels" in masks and label_cols:
        out = blank_hidden(out, masks["labels"], label_cols)
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
    gkey = row_key(groups["attribute"], groups["group"])
    hidden = dict(zip(gkey, masks["selection"] | masks["size"], strict=False))
    d_sup = flags_by_key(row_key(d["attribute"], d["group"]), hidden, missing=True)
    is_rest = (d["reference"].astype(str) == REST).to_numpy()
    ref_sup = row_key(d["attribute"], d["reference"]).map(hidden).to_numpy(object)
    if is_rest.any():
        tot = groups.groupby("attribute", sort=False)[["n", "selected"]].sum()
        g_n = row_key(d["attribute"], d["group"]).map(dict(zip(gkey, groups["n"], strict=False)))
        g_s = row_key(d["attribute"], d["group"]).map(
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
    pub = blank_hidden(d, d_mask)
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
    primary = dict(zip(gkey, masks["primary"], strict=False))
    prim = flags_by_key(row_key(d["attribute"], d["group"]), primary, missing=False)
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
    gkey = row_key(groups["attribute"], groups["group"])
    lab = masks.get("labels", masks["selection"]) | masks["selection"] | masks["size"]
    ckey = row_key(cal["attribute"], cal["group"])
    cm |= flags_by_key(ckey, dict(zip(gkey, lab, strict=False)), missing=True)
    cm = ckey.map(pd.Series(cm).groupby(ckey.to_numpy()).any()).to_numpy(bool)  # whole group
    keep = [col for col in cal.columns if col in KEEP_COLUMNS or col in ("score_low", "score_high")]
    pub_cal = blank_hidden(cal, cm, [col for col in cal.columns if col not in keep])
    pub_cal["suppressed"] = cm
    for col in ("score_low", "score_high"):  # quantile edges are individual files' scores
        if col in pub_cal.columns:
            pub_cal[col] = coarse_score(pub_cal[col])
    return pub_cal, int(cm.sum())
