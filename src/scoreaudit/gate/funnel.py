"""The publication gate of a funnel audit (:func:`scoreaudit.audit_funnel`).

Publication gate (same rule as the other reports)
-------------------------------------------------
The published numbers rest on *cells*: the files of one group (in one stratum) at one stage.
A cell is suppressed when its count is from 1 to ``min_cell - 1`` (or, for a hidden count
bounded from the margins, when its upper bound is), and the cell of a stage is suppressed
when the files at its base that do *not* reach it are that few. Then complementary cells
are suppressed with :func:`~scoreaudit.gate.rules.secondary_suppression` along every
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

from scoreaudit.gate.attack import System, narrow
from scoreaudit.gate.rules import (
    Suppression,
    blank_rows,
    flags_by_key,
    secondary_suppression,
    small_count,
)
from scoreaudit.gate.verify import Hardening, harden, intervals_or_unknown
from scoreaudit.gate.warnings import gate_warnings

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
    # a hidden row's small-cell flag says whether its four counts reach min_cell: hidden too
    keep = set(labels) - {"small_cell"}
    out = blank_rows(frame, mask, [c for c in frame.columns if c not in keep])
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
    steps = result.steps.reset_index(drop=True)
    cells = _cells(steps)
    primary = _primary(cells, steps, min_cell, suppress_zero)
    stratified = result.combined is not None
    final = _protect(cells, primary, min_cell, stratified)
    tables = _Tables(result, steps, cells, min_cell, suppress_zero)
    unprotectable: list = []
    if primary.any():
        # the exact attacker has the last word on the final masks (gate.verify)
        check = _Attack(tables, steps, cells, min_cell, suppress_zero)
        final, unprotectable = harden(check.problem(), final, min_cell)
    pub_steps, pub_comb, pub_rep, r_mask = tables.publish(final)
    info = Suppression(
        min_cell=min_cell,
        suppress_zero=suppress_zero,
        primary=int(primary.sum()),
        secondary=int(final.sum() - primary.sum()),
        unprotectable=len(unprotectable),
        rows={
            "steps": int(pub_steps["suppressed"].sum()),
            "combined": int(0 if pub_comb is None else pub_comb["suppressed"].sum()),
            "representation": int(r_mask.sum()),
        },
    )
    published = dataclasses.replace(
        result,
        steps=pub_steps,
        combined=pub_comb,
        representation=pub_rep,
        warnings=gate_warnings(getattr(result, "warnings", []), set(), bool(final.any())),
    )
    return published, info


class _Tables:
    """The published steps, stratified comparisons and representation of given hidden cells."""

    def __init__(
        self,
        result: Any,
        steps: pd.DataFrame,
        cells: pd.DataFrame,
        min_cell: int,
        suppress_zero: bool,
    ) -> None:
        self.result, self.steps, self.cells = result, steps, cells
        self.labels = tuple(result.label_columns)
        self.keys = _key(cells, "stage")
        self.rep = result.representation.reset_index(drop=True)
        self.rep_small = small_count(self.rep["count"].to_numpy(float), min_cell, suppress_zero)

    def step_mask(self, final: np.ndarray) -> np.ndarray:
        """Step rows resting on a hidden cell (group or reference, stage or base)."""
        hidden = dict(zip(self.keys, final, strict=True))
        f = self.steps
        out = np.zeros(len(f), dtype=bool)
        for who in ("group", "reference"):
            for col in ("stage", "base"):
                g = f.assign(group=f[who])
                out |= flags_by_key(_key(g, col), hidden, missing=False)
        return out

    def rep_mask(self, final: np.ndarray) -> np.ndarray:
        """Representation rows whose count is small or rests on a hidden cell."""
        rep = self.rep
        rep_hidden = self.cells.assign(h=final).groupby(["group", "stage"])["h"].any()
        keys = pd.MultiIndex.from_arrays([rep["group"], rep["stage"]])
        r_mask = flags_by_key(keys, rep_hidden, missing=False)
        return r_mask | self.rep_small

    def publish(self, final: np.ndarray):
        result, labels = self.result, self.labels
        pub_steps = _blank(self.steps, self.step_mask(final), labels)
        pub_comb = None
        if result.combined is not None:
            crude_hidden = self.cells.assign(h=final).groupby(["group", "stage"])["h"].any()
            comb = result.combined.reset_index(drop=True)
            m = np.zeros(len(comb), dtype=bool)
            for who in ("group", "reference"):
                for col in ("stage", "base"):
                    idx = pd.MultiIndex.from_arrays([comb[who], comb[col]])
                    m |= flags_by_key(idx, crude_hidden, missing=True)
            pub_comb = _blank(comb, m, labels)
        r_mask = self.rep_mask(final)
        pub_rep = _blank(self.rep, r_mask, labels)
        pub_rep = _blank_start_share(pub_rep, self.rep, r_mask, result.config["steps"][0][2])
        return pub_steps, pub_comb, pub_rep, r_mask


class _Attack:
    """The integer-programming attacker of a published funnel.

    It knows every cell count published in a step row (the group's and the reference's, at
    the stage and its base), the representation table's counts (a group's cells at a stage,
    summed over strata) and shares (which give the stage's total back), the number of files
    at the start, that each stage's cell lies within its base's, and that cells are
    non-negative whole counts (a cell the input hid lies within its bounds). It does not
    use the stratified ratios, which are not linear in the counts. Its targets are the
    hidden small cells, the hidden small numbers of files at a base that do not reach the
    stage, and (with strata) the hidden small sums of a group's cells at a stage.
    """

    def __init__(
        self,
        tables: _Tables,
        steps: pd.DataFrame,
        cells: pd.DataFrame,
        min_cell: int,
        suppress_zero: bool,
    ) -> None:
        self.tables, self.min_cell = tables, min_cell
        self.n = cells["n"].to_numpy(float)
        self.high = cells["high"].to_numpy(float)
        self.group = cells["group"].astype(str).to_numpy()
        self.stratum = cells["stratum"].astype(str).to_numpy()
        self.stage = cells["stage"].astype(str).to_numpy()
        pos = {k: i for i, k in enumerate(tables.keys)}
        num = _key(steps, "stage").map(pos).to_numpy()
        den = _key(steps, "base").map(pos).to_numpy()
        self.chain = sorted({(int(a), int(b)) for a, b in zip(num, den, strict=True)})
        self.step_cells = (num, den)
        small = small_count(self.n, min_cell, suppress_zero)
        small |= np.isnan(self.n) & small_count(self.high, min_cell, suppress_zero)
        self.small = small
        rest = self.n[den] - self.n[num]
        few = small_count(rest, min_cell, suppress_zero)
        self.rests = sorted({(int(a), int(b)) for a, b in zip(num[few], den[few], strict=True)})
        self.reference = np.isin(self.group, steps["reference"].astype(str).unique())
        crude = pd.DataFrame({"g": self.group, "s": self.stage, "n": self.n})
        sums = crude.groupby(["g", "s"], sort=False)["n"].sum(min_count=1)
        self.crude = {}
        if tables.result.combined is not None:
            for (g, st), v in sums.items():
                where = (self.group == g) & (self.stage == st)
                if (
                    small_count(np.array([v]), min_cell, suppress_zero)[0]
                    and np.isfinite(self.n[where]).all()
                ):
                    self.crude[(g, st)] = tuple(int(i) for i in np.flatnonzero(where))
        self.start = str(tables.result.config["steps"][0][2])

    def problem(self) -> Hardening:
        return Hardening(self.narrow, self.width, self.candidates, self.hide, hide_all=np.ones_like)

    def _system(self, final: np.ndarray) -> System:
        """Every relation the published tables of ``final`` give; variable ``i`` is cell ``i``."""
        t = self.tables
        s = System()
        for i in range(len(self.n)):
            known = np.isfinite(self.n[i])
            hi = self.high[i] if not known and np.isfinite(self.high[i]) else np.inf
            s.var(str(i), 0.0, hi)
        for a, b in self.chain:  # each stage within its base (where the counts say so)
            if not self.n[a] > self.n[b]:
                s.le({a: 1.0, b: -1.0}, 0.0)
        pub = ~t.step_mask(final)
        num, den = self.step_cells
        for i in np.unique(np.concatenate([num[pub], den[pub]])):
            if np.isfinite(self.n[i]):
                s.eq({int(i): 1.0}, float(self.n[i]))
        ref = t.steps.assign(group=t.steps["reference"])
        pos = {k: j for j, k in enumerate(t.keys)}
        for col in ("stage", "base"):
            for i in _key(ref[pub], col).map(pos).dropna().astype(int):
                if np.isfinite(self.n[i]):
                    s.eq({int(i): 1.0}, float(self.n[i]))

        def at(group: str | None, stage: str) -> dict[int, float]:
            where = self.stage == stage
            if group is not None:
                where &= self.group == group
            out = {int(i): 1.0 for i in np.flatnonzero(where)}
            if group is not None and not out:  # a stage no step rests on: its own unknown
                out = {s.var(f"{group}|{stage}"): 1.0}
            return out

        r_mask = t.rep_mask(final)
        tol = 1e-6 * (1.0 + float(np.nansum(self.n)))
        for rec, hidden in zip(t.rep.to_dict("records"), r_mask, strict=True):
            count, share = rec.get("count"), rec.get("share")
            if hidden or not np.isfinite(count):
                continue
            mine = at(str(rec["group"]), str(rec["stage"]))
            s.eq(mine, float(count))
            if np.isfinite(share) and share > 0:  # the stage's total, count / share
                total = float(count) / float(share)
                if abs(total - round(total)) < 1e-6:  # a whole number: what an attacker reads
                    s.eq(at(None, str(rec["stage"])), float(round(total)))
                    continue
                e = {k: -float(share) * w for k, w in at(None, str(rec["stage"])).items()}
                for k, w in mine.items():
                    e[k] = e.get(k, 0.0) + w
                s.le(e, tol)
                s.le({k: -w for k, w in e.items()}, tol)
        start = (getattr(t.result, "data_summary", None) or {}).get("start_files")
        if isinstance(start, (int, float)) and np.isfinite(start):
            s.eq(at(None, self.start), float(start))
        return s

    def _targets(self, final: np.ndarray) -> list[tuple]:
        out: list[tuple] = [("cell", int(i)) for i in np.flatnonzero(final & self.small)]
        out += [("rest", a, b) for a, b in self.rests if final[a] or final[b]]
        out += [("crude", *k) for k, idx in self.crude.items() if final[list(idx)].any()]
        return out

    def _expr(self, target: tuple) -> dict[int, float]:
        if target[0] == "cell":
            return {target[1]: 1.0}
        if target[0] == "rest":
            return {target[2]: 1.0, target[1]: -1.0}
        return {i: 1.0 for i in self.crude[(target[1], target[2])]}

    def _slack(self, target: tuple) -> float:
        """A cell the input hid is only known to lie in ``[0, high]``: when that is narrower
        than the range, the gate can only keep it so (its width counts up to the range)."""
        if target[0] == "cell" and np.isnan(self.n[target[1]]):
            return max(0.0, self.min_cell - float(self.high[target[1]]))
        return 0.0

    def narrow(self, final: np.ndarray) -> list[tuple]:
        targets = self._targets(final)
        if not targets:
            return []
        iv = intervals_or_unknown(self._system(final), [self._expr(t) for t in targets])
        iv[:, 1] += [self._slack(t) for t in targets]
        return [t for t, bad in zip(targets, narrow(iv, self.min_cell), strict=True) if bad]

    def width(self, final: np.ndarray, target: tuple) -> float:
        lo, hi = intervals_or_unknown(self._system(final), [self._expr(target)])[0]
        return float(hi - lo) + self._slack(target)

    def candidates(self, final: np.ndarray, target: tuple) -> list[int]:
        """Published cells sharing a total or a step with the target's cells (every
        published cell when none is left), cheapest first: not the reference group, able to
        move by the range, the smallest."""
        idx = list(self._expr(target))
        near = np.zeros(len(self.n), dtype=bool)
        for i in idx:
            near |= (self.stage == self.stage[i]) & (
                (self.stratum == self.stratum[i]) | (self.group == self.group[i])
            )
            near |= (self.group == self.group[i]) & (self.stratum == self.stratum[i])
        free = ~final & np.isfinite(self.n)
        pick = near & free if (near & free).any() else free
        order = np.lexsort((self.n, self.n < 2 * self.min_cell, self.reference))
        return [int(i) for i in order if pick[i]]

    def hide(self, final: np.ndarray, cell: int) -> np.ndarray:
        out = final.copy()
        out[cell] = True
        return out
