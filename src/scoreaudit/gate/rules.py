"""The publication rule: which counts are small, how hidden rows are blanked, and the record.

Every gate (:mod:`scoreaudit.gate.publish` for audits, :mod:`~scoreaudit.gate.aggregate` for
results from counts, :mod:`~scoreaudit.gate.funnel` for funnels) applies these.

Rule (primary suppression)
--------------------------
A published row describes a group (or a comparison of two groups) through counts: the files
of the group ``n``, the files selected ``s`` and, implicitly, the files not selected ``n - s``.
When any of these counts is between 1 and ``min_cell - 1`` (default: 1 to 10, the usual
French publication threshold of health and social data), the row's counts **and every number
derived from them** (shares, rates, intervals, ratios, differences, tests, mean scores) are
blanked (``NaN`` or a null count in tables, ``null`` in JSON, a dash in the report) and the
row is flagged ``suppressed``. A comparison is suppressed when either of its two
groups is. Zero counts are published by default: "none of the 6,955 files was selected"
singles nobody out and is often the finding itself; pass ``suppress_zero=True`` for the
stricter rule. With labels, the outcome block (irregularity rate, precision, error rates) is
suppressed separately (``suppressed_labels``) when its counts are small, so that three
positives do not hide the selection rate of a group of 5,000 files.

Secondary suppression
---------------------
A hidden count can be given back by published ones (``woman`` minus the other ``woman × ...``
cells of a published margin) or narrowed by several of them together. Every gate therefore
hides complements, chosen by integer programming (:mod:`scoreaudit.gate.complements`), until
an attacker who knows every published number and that counts are non-negative integers
(:mod:`scoreaudit.gate.attack`) cannot narrow any hidden count to an interval shorter than
``min_cell``. :func:`secondary_suppression` does this for a count table that is not an audit
(a funnel's stage table), one margin at a time.

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

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_MIN_CELL",
    "KEEP_COLUMNS",
    "SCORE_DIGITS",
    "Suppression",
    "blank_hidden",
    "blank_rows",
    "coarse_score",
    "flags_by_key",
    "primary_group_mask",
    "row_key",
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
    }
)


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


def blank_hidden(
    table: pd.DataFrame, mask: np.ndarray, columns: list[str] | None = None
) -> pd.DataFrame:
    """A copy of ``table`` with ``columns`` (default: all but :data:`KEEP_COLUMNS`) emptied on
    the rows of ``mask``, as the published tables are: counts stay integers (null), other
    numbers become NaN, flags and text None.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "b"], "n": [3, 40], "rate": [0.5, 0.1]})
    >>> out = blank_hidden(t, np.array([True, False]))
    >>> str(out["n"].dtype), out["n"].isna().tolist(), out["rate"].tolist()
    ('Int64', [True, False], [nan, 0.1])
    """
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


def row_key(a: pd.Series, g: pd.Series) -> pd.Series:
    """One text key per (attribute, group) row, to match rows across tables."""
    return a.astype(str) + "\x00" + g.astype(str)


def flags_by_key(keys: Any, flags: Any, missing: bool) -> np.ndarray:
    """``flags[key]`` for each of ``keys`` (a Series or an Index), ``missing`` where a key has
    no flag: one boolean per key.

    The mapped values are filled as objects: when no key is found they are all NaN, a float
    column, which pandas will no longer fill with a boolean.

    Examples
    --------
    >>> flags_by_key(pd.Series(["a", "b", "z"]), {"a": True, "b": False}, missing=True).tolist()
    [True, False, True]
    >>> flags_by_key(pd.Index(["z"]), {"a": True}, missing=False).tolist()
    [False]
    """
    return pd.Series(keys.map(flags), dtype=object).fillna(missing).to_numpy(bool)


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
