"""The publication gate of a funnel audit (:func:`scoreaudit.audit_funnel`).

Publication gate (same rule as the other reports)
-------------------------------------------------
The published numbers rest on *cells*: the files of one group (in one stratum) at one stage.
A cell is suppressed when its count is from 1 to ``min_cell - 1`` (or, for a hidden count
bounded from the margins, when its upper bound is), and the cell of a stage is suppressed
when the files at its base that do *not* reach it are that few. Then complementary cells
are suppressed with :func:`~scoreaudit.gate.publish.secondary_suppression` along every
published total: the groups of a stage (within a stratum, and summed over strata) add up to
the stage's total, and the strata of a group add up to the group's total; the passes repeat
until nothing changes. A step row is suppressed when a cell it rests on (group or reference,
stage or base) is; a row of the decomposition when an unstratified cell it rests on is; a
representation row when its cell is.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.gate.publish import Suppression, blank_rows, secondary_suppression, small_count

__all__ = ["publish_funnel"]


def _cells(steps: pd.DataFrame) -> pd.DataFrame:
    """Every (group, stratum, stage) cell a step row rests on, with its count and bounds."""
    num = steps[["group", "stratum", "stage", "numerator", "numerator_high"]].set_axis(
        ["group", "stratum", "stage", "n", "high"], axis=1
    )
    den = steps[["group", "stratum", "base", "denominator", "denominator_high"]].set_axis(
        ["group", "stratum", "stage", "n", "high"], axis=1
    )
    cells = pd.concat([num, den], ignore_index=True)
    return cells.drop_duplicates(["group", "stratum", "stage"]).reset_index(drop=True)


def _primary(
    cells: pd.DataFrame, steps: pd.DataFrame, min_cell: int, suppress_zero: bool
) -> np.ndarray:
    n = cells["n"].to_numpy(float)
    high = cells["high"].to_numpy(float)
    mask = small_count(n, min_cell, suppress_zero)
    mask |= np.isnan(n) & small_count(high, min_cell, suppress_zero)
    # files at the base that do not reach the stage: few of them hide the stage's cell
    rest = steps["denominator"].to_numpy(float) - steps["numerator"].to_numpy(float)
    few = small_count(rest, min_cell, suppress_zero)
    if few.any():
        key = _key(cells, "stage")
        hit = set(_key(steps[few], "stage"))
        mask |= key.isin(hit).to_numpy()
    return mask


def _key(frame: pd.DataFrame, stage_col: str) -> pd.Series:
    return (
        frame["group"].astype(str)
        + "\x00"
        + frame["stratum"].astype(str)
        + "\x00"
        + frame[stage_col].astype(str)
    )


def _protect(cells: pd.DataFrame, mask: np.ndarray, min_cell: int, stratified: bool) -> np.ndarray:
    """Complementary suppression along every published total, to a fixed point."""
    if not mask.any():
        return mask
    crude = cells.groupby(["group", "stage"], sort=False)["n"].sum(min_count=1).reset_index()
    for _ in range(20):
        before = mask.copy()
        lines = pd.DataFrame(
            {
                "attribute": cells["stage"].astype(str) + " | " + cells["stratum"].astype(str),
                "group": cells["group"].astype(str),
                "n": cells["n"].fillna(0.0),
            }
        )
        mask = secondary_suppression(lines, pd.Series(mask), min_cell).to_numpy(bool)
        if stratified:
            by_group = pd.DataFrame(
                {
                    "attribute": cells["stage"].astype(str) + " | " + cells["group"].astype(str),
                    "group": cells["stratum"].astype(str),
                    "n": cells["n"].fillna(0.0),
                }
            )
            mask = secondary_suppression(by_group, pd.Series(mask), min_cell).to_numpy(bool)
            mask = _protect_crude(cells, crude, mask, min_cell)
        if np.array_equal(before, mask):
            break
    return mask


def _protect_crude(
    cells: pd.DataFrame, crude: pd.DataFrame, mask: np.ndarray, min_cell: int
) -> np.ndarray:
    """Unstratified cells (published in the decomposition and the representation): a small
    or recoverable one hides every stratum cell of it."""
    hidden = cells.assign(h=mask).groupby(["group", "stage"], sort=False)["h"].any()
    c_mask = np.array(crude.set_index(["group", "stage"]).index.map(hidden), dtype=bool)
    c_mask |= small_count(crude["n"].to_numpy(float), min_cell)
    lines = pd.DataFrame(
        {
            "attribute": crude["stage"].astype(str),
            "group": crude["group"],
            "n": crude["n"].fillna(0.0),
        }
    )
    c_mask = secondary_suppression(lines, pd.Series(c_mask), min_cell).to_numpy(bool)
    gone = set(crude.loc[c_mask, ["group", "stage"]].itertuples(index=False, name=None))
    return mask | np.array(
        [(g, s) in gone for g, s in zip(cells["group"], cells["stage"], strict=True)], dtype=bool
    )


def _blank(frame: pd.DataFrame, mask: np.ndarray, labels: tuple[str, ...]) -> pd.DataFrame:
    out = blank_rows(frame, mask, [c for c in frame.columns if c not in labels])
    out["suppressed"] = mask
    return out


def _blank_start_share(
    pub_rep: pd.DataFrame, rep: pd.DataFrame, r_mask: np.ndarray, start: str
) -> pd.DataFrame:
    """Blank ``start_share`` and ``representation`` on every row of a group whose start cell
    is hidden: they repeat that cell's share on the group's other (published) rows, and the
    start total is published, so they would give the hidden count back."""
    at_start = rep["stage"].astype(str).to_numpy() == str(start)
    hidden_groups = set(rep.loc[at_start & r_mask, "group"].astype(str))
    rows = rep["group"].astype(str).isin(hidden_groups).to_numpy() & ~r_mask
    if rows.any():
        for c in ("start_share", "representation"):
            pub_rep[c] = pub_rep[c].astype(float)
            pub_rep.loc[rows, c] = np.nan
    return pub_rep


def publish_funnel(
    result: Any, min_cell: int | None = None, *, suppress_zero: bool = False
) -> tuple[Any, Suppression]:
    """A copy of a funnel result safe to publish, and what was suppressed (see the module
    docstring for the rule; the result's ``label_columns`` name its rows and stay).

    Examples
    --------
    >>> import pandas as pd, scoreaudit as sa
    >>> t = pd.DataFrame({"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2,
    ...                   "n": [1000, 200, 1000, 5]})
    >>> res = sa.audit_funnel(t, "g", "stage", "n", [("hit", "hit", "all")], reference="a")
    >>> pub, info = publish_funnel(res)
    >>> pub.steps["suppressed"].tolist(), info.primary
    ([True, True], 1)
    """
    min_cell = int(result.config.get("min_cell", 11) if min_cell is None else min_cell)
    labels = tuple(result.label_columns)
    steps = result.steps.reset_index(drop=True)
    cells = _cells(steps)
    primary = _primary(cells, steps, min_cell, suppress_zero)
    stratified = result.combined is not None
    final = _protect(cells, primary, min_cell, stratified)
    hidden = dict(zip(_key(cells, "stage"), final, strict=True))

    def rests_on_hidden(frame: pd.DataFrame, stratum: Any = None) -> np.ndarray:
        f = frame if stratum is None else frame.assign(stratum=stratum)
        out = np.zeros(len(f), dtype=bool)
        for who in ("group", "reference"):
            for col in ("stage", "base"):
                g = f.assign(group=f[who])
                out |= _key(g, col).map(hidden).fillna(False).to_numpy(bool)
        return out

    pub_steps = _blank(steps, rests_on_hidden(steps), labels)
    pub_comb = None
    if stratified:
        crude_hidden = cells.assign(h=final).groupby(["group", "stage"])["h"].any()
        comb = result.combined.reset_index(drop=True)
        m = np.zeros(len(comb), dtype=bool)
        for who in ("group", "reference"):
            for col in ("stage", "base"):
                idx = pd.MultiIndex.from_arrays([comb[who], comb[col]])
                m |= idx.map(crude_hidden).to_series().fillna(True).to_numpy(bool)
        pub_comb = _blank(comb, m, labels)
    rep = result.representation.reset_index(drop=True)
    rep_hidden = cells.assign(h=final).groupby(["group", "stage"])["h"].any()
    r_mask = np.array(
        pd.MultiIndex.from_arrays([rep["group"], rep["stage"]])
        .map(rep_hidden)
        .to_series()
        .fillna(False),
        dtype=bool,
    )
    r_mask |= small_count(rep["count"].to_numpy(float), min_cell, suppress_zero)
    pub_rep = _blank(rep, r_mask, labels)
    pub_rep = _blank_start_share(pub_rep, rep, r_mask, result.config["steps"][0][2])
    info = Suppression(
        min_cell=min_cell,
        suppress_zero=suppress_zero,
        primary=int(primary.sum()),
        secondary=int(final.sum() - primary.sum()),
        rows={
            "steps": int(pub_steps["suppressed"].sum()),
            "combined": int(0 if pub_comb is None else pub_comb["suppressed"].sum()),
            "representation": int(r_mask.sum()),
        },
    )
    published = dataclasses.replace(
        result, steps=pub_steps, combined=pub_comb, representation=pub_rep
    )
    return published, info
