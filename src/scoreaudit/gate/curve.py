"""The budget curve through the publication gate.

The curve gives, for each budget, every group's selected count. A group's selected count
never falls when the budget grows, so hiding one budget is not enough: the budgets on either
side bound it. The gate therefore publishes the curve

* for the single attributes only (intersections are not published in the curve: their cells
  are small at most budgets, and the groups table gives them at the audit's own budget);
* all or nothing per attribute and budget: an attribute's groups at a budget are hidden
  together when one of them has a small selected or not-selected count, when a group's size
  is hidden, or (at the audit's own budget) when a group's selection is hidden in the groups
  table;
* then checked by the integer-programming attacker: for each run of hidden budgets, with
  the published neighbours as bounds, monotonicity, the group sizes and the budget totals,
  every small hidden count must keep an interval of width ``min_cell``; when it does not,
  the run grows by one budget on each side.

Examples
--------
>>> import numpy as np, pandas as pd, scoreaudit as sa
>>> rng = np.random.default_rng(1)
>>> f = pd.DataFrame({"g": ["a"] * 400 + ["b"] * 400, "s": rng.random(800)})
>>> r = sa.audit(sa.Population(f, protected=["g"]), "s", sa.Budget(share=0.1),
...              threshold_free=False)
>>> pub = sa.gate.publish.publish(r).result
>>> bool(pub.curve["suppressed"].iloc[0]), bool(pub.curve["suppressed"].iloc[-1])
(True, False)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.vocab import SEP
from scoreaudit.gate.attack import System, narrow

__all__ = ["CURVE_BLANK", "gate_curve"]

#: Columns of the curve that describe a group at a budget (blank when hidden).
CURVE_BLANK = (
    "selected",
    "selection_rate",
    "selection_rate_low",
    "selection_rate_high",
    "ratio",
    "ratio_low",
    "ratio_high",
)


def _small(x: np.ndarray, m: int, zero: bool) -> np.ndarray:
    low = 0 if zero else 1
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & (x >= low) & (x < m)


def gate_curve(
    result: Any, groups: pd.DataFrame, masks: dict, min_cell: int, suppress_zero: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """The published curve and its hidden-row mask (see the module docstring)."""
    c = result.curve
    c = c[~c["attribute"].astype(str).str.contains(SEP, regex=False)].reset_index(drop=True)
    flags = np.zeros(len(c), dtype=bool)
    if c.empty or min_cell <= 1 and not suppress_zero:
        out = c.copy()
        out["suppressed"] = flags
        out["suppression"] = np.where(flags, "small", "")
        return out, flags
    key = groups["attribute"].astype(str) + "\x00" + groups["group"].astype(str)
    ckey = c["attribute"].astype(str) + "\x00" + c["group"].astype(str)
    n = ckey.map(dict(zip(key, groups["n"].astype(float), strict=False))).to_numpy(float)
    size_hidden = ckey.map(dict(zip(key, masks["size"], strict=False))).fillna(True)
    sel_hidden = ckey.map(dict(zip(key, masks["selection"], strict=False))).fillna(True)
    s = c["selected"].to_numpy(float)
    small = _small(s, min_cell, suppress_zero) | _small(n - s, min_cell, suppress_zero)
    share = float(getattr(result.selection, "share", np.nan))
    at_audit = np.isclose(c["budget"].to_numpy(float), share, atol=1e-12)
    cause = small | size_hidden.to_numpy(bool) | (at_audit & sel_hidden.to_numpy(bool))
    frame = pd.DataFrame({"a": c["attribute"].astype(str), "b": c["budget"], "cause": cause})
    hide = frame.groupby(["a", "b"], sort=False)["cause"].transform("any").to_numpy(bool).copy()
    frame["size_hidden"] = size_hidden.to_numpy(bool)
    hide |= frame.groupby("a", sort=False)["size_hidden"].transform("any").to_numpy(bool)
    hide = _verify(c, n, s, hide, small, min_cell)
    out = c.copy()
    cols = [col for col in CURVE_BLANK if col in out.columns]
    for col in cols:
        out[col] = out[col].astype(float)
        out.loc[hide, col] = np.nan
    out["suppressed"] = hide
    out["suppression"] = np.where(small & hide, "small", np.where(hide, "complement", ""))
    return out, hide


def _verify(c, n, s, hide, small, m) -> np.ndarray:
    """Grow runs of hidden budgets until the attacker cannot narrow any small count."""
    hide = hide.copy()
    attrs = c["attribute"].astype(str).to_numpy()
    for attr in dict.fromkeys(attrs):
        rows = np.flatnonzero(attrs == attr)
        sub = c.iloc[rows]
        budgets = np.sort(sub["budget"].unique())
        for _ in range(len(budgets) + 1):
            hb = np.array([hide[rows[(sub["budget"] == b).to_numpy()]].any() for b in budgets])
            bad = _bad_runs(sub, rows, budgets, hb, n, s, small, m)
            if not bad:
                break
            for lo, hi in bad:  # grow each failing run by a budget on either side
                for b in budgets[max(lo - 1, 0) : hi + 2]:
                    hide[rows[(sub["budget"] == b).to_numpy()]] = True
    return hide


def _runs(hb: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, h in enumerate(hb):
        if h and start is None:
            start = i
        if not h and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(hb) - 1))
    return out


def _bad_runs(sub, rows, budgets, hb, n, s, small, m) -> list[tuple[int, int]]:
    groups = list(dict.fromkeys(sub["group"].astype(str)))
    pos = {
        (str(g), b): r
        for g, b, r in zip(sub["group"].astype(str), sub["budget"], rows, strict=True)
    }
    bad = []
    for lo, hi in _runs(hb):
        system = System()
        targets = []
        for g in groups:
            prev = s[pos[(g, budgets[lo - 1])]] if lo > 0 else 0.0
            nxt = s[pos[(g, budgets[hi + 1])]] if hi + 1 < len(budgets) else np.inf
            cap = n[pos[(g, budgets[lo])]]
            last = None
            for j in range(lo, hi + 1):
                r = pos[(g, budgets[j])]
                v = system.var(f"{g}:{j}", prev, min(cap, nxt))
                if last is not None:
                    system.le({last: 1.0, v: -1.0}, 0.0)
                last = v
                if small[r]:
                    targets.append({v: 1.0})
        for j in range(lo, hi + 1):
            total = sum(s[pos[(g, budgets[j])]] for g in groups)
            system.eq({system.index(f"{g}:{j}"): 1.0 for g in groups}, total)
        if targets and narrow(system.intervals(targets), m).any():
            bad.append((lo, hi))
    return bad
