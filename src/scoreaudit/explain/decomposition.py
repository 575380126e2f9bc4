"""Tables of the explanation: additive decomposition, neutralisation rows and ranks, notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.explain._compare import _Comparisons
from scoreaudit.explain._neutralise import _Neutraliser, _Scorer


def _remaining(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        lb = np.log(before)
        out = np.where(np.abs(lb) > 0, np.log(after) / np.where(np.abs(lb) > 0, lb, 1.0), np.nan)
    return np.where(np.isfinite(out), out, np.nan)


def _neutral_rows(
    comp: _Comparisons, name: str, cols: list[str], before: dict, after: dict, sd: np.ndarray
) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        log_change = np.log(after["ratio"]) - np.log(before["ratio"])
        ratio_change = after["ratio"] - before["ratio"]
        gap_share = np.where(
            before["difference"] != 0,
            1
            - after["difference"] / np.where(before["difference"] != 0, before["difference"], 1.0),
            np.nan,
        )
    t = comp.keys.copy()
    t.insert(0, "columns", ", ".join(cols))
    t.insert(0, "input", name)
    sides = (("before", before), ("after", after))
    for when, values in sides:
        for part in ("", "_low", "_high"):
            t[f"ratio_{when}{part}"] = values[f"ratio{part}"]
    t["ratio_change"] = ratio_change
    t["log_ratio_change"] = log_change
    for column, key in (
        ("selection_rate", "rate"),
        ("reference_rate", "reference_rate"),
        ("difference", "difference"),
    ):
        for when, values in sides:
            t[f"{column}_{when}"] = values[key]
    t["rate_gap_share"] = gap_share
    t["ratio_after_sd"] = sd
    t["after_covers_1"] = (after["ratio_low"] <= 1) & (after["ratio_high"] >= 1)
    return t


def _rank(t: pd.DataFrame) -> pd.DataFrame:
    """Rank inputs per comparison: 1 = brings the ratio closest to 1 (largest fall of |log r|)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        toward = np.abs(np.log(t["ratio_before"].to_numpy(float))) - np.abs(
            np.log(t["ratio_after"].to_numpy(float))
        )
    t = t.copy()
    t["_toward"] = np.nan_to_num(toward, nan=-np.inf)
    t["rank"] = (
        t.groupby(["attribute", "group"], sort=False)["_toward"]
        .rank(method="first", ascending=False)
        .astype(np.int64)
    )
    order = {a: i for i, a in enumerate(dict.fromkeys(t["attribute"]))}
    t["_a"] = t["attribute"].map(order)
    t = t.sort_values(["_a", "group", "rank"], kind="stable")
    return t.drop(columns=["_toward", "_a"]).reset_index(drop=True)


def _decomposition(
    model: Any,
    frame: pd.DataFrame,
    comp: _Comparisons,
    scorer: _Scorer,
    neut: _Neutraliser,
    method: str,
    repeats: int,
    before: dict,
    after_stats: Callable,
    weights: np.ndarray | None,
) -> pd.DataFrame:
    columns = [
        "attribute",
        "group",
        "reference",
        "term",
        "mean_group",
        "mean_reference",
        "gap",
        "total_gap",
        "share",
        "ratio_before",
        "ratio_without_term",
        "rate_gap_share",
    ]
    if not hasattr(model, "contributions"):
        return pd.DataFrame(columns=columns)
    if scorer.additive:
        labels, cols = scorer.labels, scorer.cols
        eta = scorer.eta({})
    else:
        contrib = model.contributions(frame)
        labels = [c for c in contrib.columns if c != "intercept"]
        cols = [contrib[c].to_numpy(dtype=np.float64) for c in labels]
        eta = contrib.to_numpy(dtype=np.float64).sum(axis=1)
    g_eta, r_eta = comp.group_means(eta)
    total = g_eta - r_eta
    frames = []
    for i, lab in enumerate(labels):
        g, r = comp.group_means(cols[i])
        row = comp.keys.copy()
        row["term"] = lab
        row["mean_group"] = g
        row["mean_reference"] = r
        row["gap"] = g - r
        row["total_gap"] = total
        with np.errstate(divide="ignore", invalid="ignore"):
            row["share"] = np.where(total != 0, (g - r) / np.where(total != 0, total, 1), np.nan)
        row["ratio_before"] = before["ratio"]
        if scorer.additive:
            if method == "fixed":
                w = np.ones(len(frame)) if weights is None else weights
                const = np.full(len(frame), float(np.sum(cols[i] * w) / np.sum(w)))

                def score_fn(r_: int, i=i, const=const) -> np.ndarray:
                    return scorer.scores_without_term(i, const)
            else:

                def score_fn(r_: int, i=i) -> np.ndarray:
                    return scorer.scores_without_term(i, cols[i][neut.indices[r_]])

            after, _ = after_stats(score_fn)
            row["ratio_without_term"] = after["ratio"]
            with np.errstate(divide="ignore", invalid="ignore"):
                d0 = before["difference"]
                row["rate_gap_share"] = np.where(
                    d0 != 0, 1 - after["difference"] / np.where(d0 != 0, d0, 1.0), np.nan
                )
        else:
            row["ratio_without_term"] = np.nan
            row["rate_gap_share"] = np.nan
        frames.append(row)
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    order = {a: k for k, a in enumerate(dict.fromkeys(out["attribute"]))}
    out["_a"] = out["attribute"].map(order)
    out["_t"] = out["term"].map({lab: k for k, lab in enumerate(labels)})
    out = out.sort_values(["_a", "group", "_t"], kind="stable").drop(columns=["_a", "_t"])
    return out.reset_index(drop=True)


def _notes(
    method: str, stratum: Any, repeats: int, additive: bool, selection_mode: str, policy: Any
) -> list[str]:
    how = {
        "permute": "its values were shuffled across files"
        + (f" within strata of {stratum}" if stratum is not None else ""),
        "marginal": "every file drew a value at random from its population distribution"
        + (f" within strata of {stratum}" if stratum is not None else ""),
        "fixed": "every file was given the same value (the mode, or the median of a "
        "continuous input, unless given)",
    }[method]
    notes = [
        f"Neutralising an input: {how}; the files were re-scored and re-selected with the "
        f"same policy ({policy.describe()}).",
        "Intervals after neutralisation are Katz intervals on the selected counts, "
        "conditional on the neutralising draw"
        + (f" (counts averaged over {repeats} draws)." if repeats > 1 else "."),
    ]
    if additive:
        notes.append(
            "The model is additive on the link scale and its link is monotone, so the "
            "selection at a budget depends only on the linear predictor: neutralising an input "
            "replaces only the contributions of the terms that read it."
        )
    return notes
