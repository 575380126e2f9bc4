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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import REST

__all__ = [
    "DEFAULT_MIN_CELL",
    "KEEP_COLUMNS",
    "SCORE_DIGITS",
    "Suppression",
    "coarse_score",
    "primary_group_mask",
    "publish",
    "secondary_suppression",
    "small_count",
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
        "test",
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


def _label_mask(groups: pd.DataFrame, min_cell: int, suppress_zero: bool) -> pd.Series:
    if "controlled_with_label" not in groups.columns:
        return pd.Series(False, index=groups.index)
    lab = groups["controlled_with_label"].to_numpy(float)
    pos = groups["positives"].to_numpy(float)
    sel = groups["selected_with_label"].to_numpy(float)
    mask = np.zeros(len(groups), dtype=bool)
    for c in (lab, pos, lab - pos, sel):
        mask |= small_count(c, min_cell, suppress_zero)
    return pd.Series(mask, index=groups.index)


def secondary_suppression(groups: pd.DataFrame, mask: pd.Series, min_cell: int) -> pd.Series:
    """Extend the primary mask so that no suppressed cell is recoverable from a margin.

    Parameters
    ----------
    groups : DataFrame
        Group rows (single attributes and intersections) with ``attribute``, ``group`` and
        ``n`` (the size used to choose which extra cell to give up).
    mask : Series of bool
        Primary suppression, aligned with ``groups``.
    min_cell : int
        The publication threshold.

    Returns
    -------
    Series of bool
        The final mask (a superset of ``mask``).

    Notes
    -----
    Margins: for a single attribute, all its groups (they add up to the published total);
    for an intersection (``a × b [× c]``), every set of cells sharing the labels of all
    members but one (they add up to a published coarser group). A margin with exactly one
    suppressed cell gets its smallest other cell suppressed too, since the margin total minus
    the published cells would reveal it; the loop runs until nothing changes. Then an exact
    check finds hidden cells that a chain of subtractions across margins would still reveal
    and hides one more cell for each (:func:`scoreaudit.present.secondary.protect`).

    Examples
    --------
    >>> g = pd.DataFrame({"attribute": ["a", "a", "a × b", "a × b", "a × b", "a × b"],
    ...                   "group": ["x", "y", "x × u", "x × v", "y × u", "y × v"],
    ...                   "n": [100, 90, 5, 95, 40, 50]})
    >>> m = pd.Series([False, False, True, False, False, False])
    >>> secondary_suppression(g, m, 11).tolist()  # a 2 x 2 table: one small cell hides all four
    [False, False, True, True, True, True]
    """
    # the one-cell rule to a fixed point, then an exact (linear-algebra) recoverability
    # check: see scoreaudit.present.secondary (issue 10) for the algorithm and its limits
    from scoreaudit.present.secondary import protect

    return protect(groups, mask)


@dataclass
class Suppression:
    """What was suppressed in a published result, and how to explain it."""

    min_cell: int
    suppress_zero: bool
    primary: int
    secondary: int
    rows: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_cell": self.min_cell,
            "suppress_zero": self.suppress_zero,
            "rule": (
                f"counts from {0 if self.suppress_zero else 1} to {self.min_cell - 1} and every "
                "number derived from them are replaced by null; a comparison is suppressed "
                "when either group is; intersection cells recoverable from a margin are "
                "suppressed too (secondary suppression)"
            ),
            "primary_rows": self.primary,
            "secondary_rows": self.secondary,
            "rows_by_table": dict(self.rows),
        }


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


def publish(
    result: Any, min_cell: int | None = None, *, suppress_zero: bool = False, secondary: bool = True
) -> tuple[Any, Suppression]:
    """A copy of ``result`` safe to publish, and a description of what was suppressed.

    Parameters
    ----------
    result : AuditResult
    min_cell : int, optional
        Smallest count published (default: the audit's ``min_cell``, else 11).
    suppress_zero : bool
        Also suppress zero counts.
    secondary : bool
        Apply :func:`secondary_suppression` to intersections.

    Returns
    -------
    (AuditResult, Suppression)
        The tables of the copy carry a ``suppressed`` column; suppressed numbers are NaN.

    Examples
    --------
    >>> import numpy as np, pandas as pd, scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"g": ["a"] * 300 + ["b"] * 5, "score": rng.random(305)})
    >>> r = sa.audit(sa.Population(f, protected=["g"]), "score", sa.Budget(share=0.1),
    ...              threshold_free=False)
    >>> pub, info = publish(r)
    >>> pub.groups["suppressed"].tolist(), info.primary, info.secondary  # 'a' = total - 'b'
    ([True, True], 1, 1)
    """
    if min_cell is None:
        min_cell = int(getattr(result, "config", {}).get("min_cell", DEFAULT_MIN_CELL))
    min_cell = int(min_cell)
    groups = result.groups.reset_index(drop=True)
    # sizes (n, share) are hidden only when the group itself is small; everything about the
    # selection when any of n, selected, not selected is small. Both with secondary protection.
    size_prim = pd.Series(small_count(groups["n"], min_cell, suppress_zero), index=groups.index)
    prim = primary_group_mask(groups, min_cell, suppress_zero)
    second = (lambda m: secondary_suppression(groups, m, min_cell)) if secondary else (lambda m: m)
    size_final = second(size_prim)
    final = second(prim | size_final)
    n_primary_groups = int(prim.sum())
    n_secondary = int(final.sum() - prim.sum())
    label_mask = _label_mask(groups, min_cell, suppress_zero) & ~final

    pub_groups = _blank(
        groups,
        final.to_numpy(),
        [c for c in groups.columns if c not in KEEP_COLUMNS and c not in ("n", "share")],
    )
    pub_groups = _blank(pub_groups, size_final.to_numpy(), ["n", "share"])
    if label_mask.any():
        label_cols = [
            c for c in groups.columns if c in _LABEL_COUNTS or c.startswith(_LABEL_PREFIXES)
        ]
        pub_groups = _blank(pub_groups, label_mask.to_numpy(), label_cols)
    pub_groups["suppressed"] = final.to_numpy()
    if "controlled_with_label" in groups.columns:
        pub_groups["suppressed_labels"] = (final | label_mask).to_numpy()

    gkey = _key(groups["attribute"], groups["group"])
    sup_by_key = dict(zip(gkey, final.to_numpy(), strict=False))

    # comparisons: suppressed when either side is (the '(rest)' side from attribute totals)
    d = result.disparities.reset_index(drop=True)

    d_sup = _key(d["attribute"], d["group"]).map(sup_by_key).fillna(True).to_numpy(bool)
    is_rest = d["reference"].astype(str) == REST
    ref_sup = _key(d["attribute"], d["reference"]).map(sup_by_key).to_numpy(object)
    if is_rest.any():
        tot = groups.groupby("attribute", sort=False)[["n", "selected"]].sum()
        g_n = (
            _key(d["attribute"], d["group"])
            .map(dict(zip(gkey, groups["n"], strict=False)))
            .to_numpy(float)
        )
        g_s = (
            _key(d["attribute"], d["group"])
            .map(dict(zip(gkey, groups["selected"], strict=False)))
            .to_numpy(float)
        )
        rn = d["attribute"].map(tot["n"]).to_numpy(float) - g_n
        rs = d["attribute"].map(tot["selected"]).to_numpy(float) - g_s
        rest_small = (
            small_count(rn, min_cell, suppress_zero)
            | small_count(rs, min_cell, suppress_zero)
            | small_count(rn - rs, min_cell, suppress_zero)
        )
        ref_sup = np.where(is_rest.to_numpy(), rest_small, ref_sup)
    ref_sup = pd.Series(ref_sup).fillna(True).to_numpy(bool)
    d_mask = d_sup | ref_sup
    pub_d = _blank(d, d_mask)
    if "note" in pub_d.columns:
        pub_d.loc[d_mask, "note"] = ""
    pub_d["suppressed"] = d_mask

    # budget curve: the counts at each budget, for the group and its reference
    c = result.curve.reset_index(drop=True)
    n_by_key = dict(zip(gkey, groups["n"].astype(float), strict=False))
    ckey = _key(c["attribute"], c["group"])
    c_n = ckey.map(n_by_key).to_numpy(float)
    c_s = c["selected"].to_numpy(float)
    c_small = (
        ckey.map(sup_by_key).fillna(True).to_numpy(bool)
        | small_count(c_s, min_cell, suppress_zero)
        | small_count(c_n - c_s, min_cell, suppress_zero)
    )
    # reference side, at the same budget
    side = pd.DataFrame({"budget": c["budget"], "key": ckey, "small": c_small})
    small_at = dict(
        zip(zip(side["budget"], side["key"], strict=False), side["small"], strict=False)
    )
    rkey = _key(c["attribute"], c["reference"])
    r_small = np.array(
        [small_at.get((b, k), False) for b, k in zip(c["budget"], rkey, strict=False)], dtype=bool
    )
    if (c["reference"].astype(str) == REST).any():
        tot_n = c.assign(_n=c_n).groupby(["attribute", "budget"], sort=False)
        sums_n = tot_n["_n"].transform("sum").to_numpy(float)
        sums_s = tot_n["selected"].transform("sum").to_numpy(float)
        rn, rs = sums_n - c_n, sums_s - c_s
        rest_small = (
            small_count(rn, min_cell, suppress_zero)
            | small_count(rs, min_cell, suppress_zero)
            | small_count(rn - rs, min_cell, suppress_zero)
        )
        r_small = np.where((c["reference"].astype(str) == REST).to_numpy(), rest_small, r_small)
    rate_cols = [
        col
        for col in ("selected", "selection_rate", "selection_rate_low", "selection_rate_high")
        if col in c.columns
    ]
    ratio_cols = [col for col in ("ratio", "ratio_low", "ratio_high") if col in c.columns]
    if secondary and c_small.any():
        # at each budget the groups' selected counts add up to the published n_selected
        frame = pd.DataFrame({"attribute": c["attribute"], "group": c["group"], "n": c_s})
        c_mask = pd.Series(c_small)
        for _b, idx in c.groupby("budget", sort=False).groups.items():
            sub_mask = c_mask.loc[idx]
            if sub_mask.any():
                c_mask.loc[idx] = secondary_suppression(frame.loc[idx], sub_mask, min_cell)
        c_small = c_mask.to_numpy(bool)
        small_at = dict(zip(zip(c["budget"], ckey, strict=False), c_small, strict=False))
        r_small = np.where(
            (c["reference"].astype(str) == REST).to_numpy(),
            r_small,
            np.array(
                [small_at.get((b, k), False) for b, k in zip(c["budget"], rkey, strict=False)],
                dtype=bool,
            ),
        )
    pub_c = _blank(c, c_small, rate_cols + ratio_cols)
    pub_c = _blank(pub_c, r_small & ~c_small, ratio_cols)
    pub_c["suppressed"] = c_small | r_small

    pub_cal = None
    n_cal = 0
    if result.calibration is not None:
        cal = result.calibration.reset_index(drop=True)
        cm = np.zeros(len(cal), dtype=bool)
        for col in ("n", "n_labelled"):
            if col in cal.columns:
                cm |= small_count(cal[col], min_cell, suppress_zero)
        cm |= _key(cal["attribute"], cal["group"]).map(sup_by_key).fillna(False).to_numpy(bool)
        keep = [
            col for col in cal.columns if col in KEEP_COLUMNS or col in ("score_low", "score_high")
        ]
        pub_cal = _blank(cal, cm, [col for col in cal.columns if col not in keep])
        pub_cal["suppressed"] = cm
        for col in ("score_low", "score_high"):  # quantile edges are individual files' scores
            if col in pub_cal.columns:
                pub_cal[col] = coarse_score(pub_cal[col])
        n_cal = int(cm.sum())

    info = Suppression(
        min_cell=min_cell,
        suppress_zero=suppress_zero,
        primary=n_primary_groups,
        secondary=n_secondary,
        rows={
            "groups": int(final.sum()),
            "groups_outcomes": int(label_mask.sum()),
            "disparities": int(d_mask.sum()),
            "curve": int(pub_c["suppressed"].sum()),
            "calibration": n_cal,
        },
    )
    selection = result.selection
    if (
        selection is not None
        and dataclasses.is_dataclass(selection)
        and hasattr(selection, "cutoff")
    ):  # the cut-off is the score of one file
        selection = dataclasses.replace(
            selection, cutoff=float(coarse_score([selection.cutoff])[0])
        )
    published = dataclasses.replace(
        result,
        groups=pub_groups,
        disparities=pub_d,
        curve=pub_c,
        calibration=pub_cal,
        selection=selection,
    )
    if hasattr(result, "explanation"):
        object.__setattr__(published, "explanation", result.explanation)
    return published, info
