"""The explanation's tables as published: every row about a hidden comparison blanked, the
proxy table retaken without the groups whose size is hidden (part of the publication gate,
:func:`scoreaudit.gate.publish.publish`)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.order import rank_within
from scoreaudit.gate.rules import blank_hidden, flags_by_key, row_key, small_count

__all__ = ["gate_explanation"]

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
            row_key(pub_d["attribute"], pub_d["group"]) + "\x00" + pub_d["reference"].astype(str),
            pub_d["suppressed"].to_numpy(bool),
            strict=False,
        )
    )
    n_by = dict(
        zip(row_key(pub_d["attribute"], pub_d["group"]), pub_d.get("n", pd.Series()), strict=False)
    )
    new = {}
    for name, frame in frames.items():
        if not {"attribute", "group", "reference"} <= set(frame.columns) or frame.empty:
            new[name] = frame
            continue
        f = frame.reset_index(drop=True)
        k = row_key(f["attribute"], f["group"]) + "\x00" + f["reference"].astype(str)
        mask = flags_by_key(k, sup, missing=True)
        if "selection_rate_after" in f.columns:
            n = pd.to_numeric(
                row_key(f["attribute"], f["group"]).map(n_by), errors="coerce"
            ).to_numpy(float)
            after = np.round(pd.to_numeric(f["selection_rate_after"], errors="coerce") * n)
            mask |= small_count(after, min_cell) | small_count(n - after, min_cell)
        cols = [c for c in f.columns if c not in _EXPLAIN_KEEP]
        out = blank_hidden(f, mask, cols)
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
    block = row_key(table["attribute"], table["group"]) + "\x00" + table["reference"].astype(str)
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
    hidden = set(row_key(hidden_rows["attribute"], hidden_rows["group"]))
    per = per.copy()
    per["suppressed"] = row_key(per["attribute"], per["group"]).isin(hidden).to_numpy()
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
