"""How well each input predicts a protected attribute: AUC and association (the proxy table)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.order import rank_within
from scoreaudit.explain._common import MAX_CATEGORICAL_LEVELS

#: Number of quantile bins for the mutual information of a continuous input.
MI_BINS = 20


#: Seed of the fixed split of the rows into two halves for the cross-fitted AUC of
#: unordered inputs (the proxy table is deterministic).
PROXY_SPLIT_SEED = 20_130_701


#: An unordered input is flagged ``many_levels`` with more than sqrt(n) levels or fewer than
#: this many rows per level on average.
MIN_ROWS_PER_LEVEL = 10


# =============================================================================================
# Proxy strength
# =============================================================================================


def _input_codes(col: pd.Series) -> tuple[np.ndarray, int, bool, str]:
    """(codes, number of codes, ordered?, kind) of an input column for proxy measures.

    Codes are -1 for missing values; for ordered inputs, codes follow the values' order.
    Hash-based (:func:`pandas.factorize`), then only the distinct values are sorted.
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy().astype(np.int64)
        kind = "ordinal" if col.cat.ordered else "categorical"
        return codes, len(col.cat.categories), bool(col.cat.ordered), kind
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        codes, uniq = pd.factorize(col, use_na_sentinel=True)
        return np.asarray(codes, dtype=np.int64), len(uniq), False, "categorical"
    if pd.api.types.is_integer_dtype(col):  # hash, then sort the few distinct values only
        raw, uniq = pd.factorize(col, use_na_sentinel=True)
        remap = np.empty(len(uniq) + 1, dtype=np.int64)
        remap[np.argsort(np.asarray(uniq))] = np.arange(len(uniq))
        remap[-1] = -1
        codes = remap[np.asarray(raw, dtype=np.int64)]
        kind = "numeric (few values)" if len(uniq) <= MAX_CATEGORICAL_LEVELS else "numeric"
        return codes, len(uniq), True, kind
    x = col.to_numpy(dtype=np.float64, na_value=np.nan)
    order = np.argsort(x)  # one sort; NaN last
    xs = x[order]
    n_ok = int(np.count_nonzero(~np.isnan(xs)))
    new_value = np.empty(n_ok, dtype=bool)
    new_value[:1] = True
    new_value[1:] = xs[1:n_ok] != xs[: n_ok - 1]
    codes = np.full(x.size, -1, dtype=np.int64)
    codes[order[:n_ok]] = np.cumsum(new_value) - 1
    uniq = range(int(new_value.sum()))
    kind = "numeric (few values)" if len(uniq) <= MAX_CATEGORICAL_LEVELS else "numeric"
    return codes, len(uniq), True, kind


def _midranks(codes: np.ndarray, k: int) -> np.ndarray:
    """1-based mid-rank of every row from its ordered value code."""
    counts = np.bincount(codes, minlength=k).astype(float)
    return (np.cumsum(counts) - (counts - 1) / 2)[codes]


def _auc_ordered(ranks: np.ndarray, groups: np.ndarray, L: int) -> np.ndarray:
    """Direction-free one-vs-rest AUC of an ordered input, for every level (rank sums).

    Mann-Whitney with mid-ranks: ``P(X_member > X_other) + 0.5 P(=)``; O(n).
    """
    n1 = np.bincount(groups, minlength=L).astype(float)
    rank_sum = np.bincount(groups, weights=ranks, minlength=L)
    n0 = ranks.size - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)
    return np.where((n1 > 0) & (n0 > 0), np.maximum(auc, 1 - auc), np.nan)


def _auc_scored(score: np.ndarray, table: np.ndarray) -> np.ndarray:
    """One-vs-rest AUC of input levels scored by ``score`` (levels x attribute levels).

    ``score[:, g]`` orders the input levels for attribute level ``g``; levels with equal scores
    are ties (counted 1/2). Not made direction-free: the direction is part of the score.
    """
    total = table.sum(axis=1)
    L = table.shape[1]
    out = np.full(L, np.nan)
    for g in range(L):  # a loop over attribute levels, never over rows
        pos = table[:, g]
        neg = total - pos
        P, N = pos.sum(), neg.sum()
        if P == 0 or N == 0:
            continue
        _, tie = np.unique(score[:, g], return_inverse=True)  # sorted distinct scores
        pos = np.bincount(tie, weights=pos)
        neg = np.bincount(tie, weights=neg)
        below = np.cumsum(neg) - neg
        out[g] = float(np.sum(pos * (below + 0.5 * neg)) / (P * N))
    return out


def _member_share(table: np.ndarray) -> np.ndarray:
    """Share of each attribute level among the rows of each input level (levels x L).

    An input level without rows gets the overall share (it tells nothing).
    """
    total = table.sum(axis=1, keepdims=True)
    overall = table.sum(axis=0) / max(float(table.sum()), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = table / np.where(total > 0, total, 1.0)
    return np.where(total > 0, share, overall[None, :])


def _auc_cross_fitted(table_a: np.ndarray, table_b: np.ndarray) -> np.ndarray:
    """Cross-fitted one-vs-rest AUC of an unordered input for each attribute level.

    ``table_a`` and ``table_b`` are the (input levels x attribute levels) counts of two
    disjoint halves of the rows. The levels are ordered by their share of members in one half
    (a level absent from it gets that half's overall share) and the AUC of that ordering is
    measured on the other half; then the halves swap and the two AUCs are averaged (a half
    where the AUC is undefined is left out). Not folded to ``max(AUC, 1 - AUC)``: the
    direction is learned on the other half, so an input unrelated to the attribute scores
    about 0.5 (slightly below or above by chance) whatever its number of levels.
    """
    one = _auc_scored(_member_share(table_b), table_a)
    two = _auc_scored(_member_share(table_a), table_b)
    both = np.vstack([one, two])
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(both)
        return np.where(
            ok.any(axis=0),
            np.where(ok, both, 0.0).sum(axis=0) / np.maximum(ok.sum(axis=0), 1),
            np.nan,
        )


def _cramers_v(table: np.ndarray) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013, J. Korean Stat. Soc. 42:323-328).

    ``phi2 = chi2 / n`` is shrunk by its expectation under independence, ``(r-1)(c-1)/(n-1)``
    (floored at 0), and the table's dimensions are corrected likewise: ``r~ = r -
    (r-1)^2/(n-1)``, ``c~ = c - (c-1)^2/(n-1)``, ``V~ = sqrt(phi2~ / min(r~-1, c~-1))``. Raw V
    of an input with many levels is large even when the input is independent of the attribute
    (about ``sqrt((r-1)/n)`` for a binary attribute); the corrected V is about 0.
    """
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    r, c = table.shape
    if n <= 1 or min(r, c) < 2:
        return 0.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    phi2 = max(0.0, chi2 / n - (r - 1) * (c - 1) / (n - 1))
    r_c = r - (r - 1) ** 2 / (n - 1)
    c_c = c - (c - 1) ** 2 / (n - 1)
    den = min(r_c - 1, c_c - 1)
    return math.sqrt(min(1.0, phi2 / den)) if den > 0 else 0.0


def _normalised_mi(table: np.ndarray) -> float:
    n = table.sum()
    if n == 0:
        return 0.0
    p = table / n
    px, pa = p.sum(axis=1), p.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / np.outer(px, pa)), 0.0)
        ha = -np.sum(np.where(pa > 0, pa * np.log(pa), 0.0))
    return float(np.sum(terms) / ha) if ha > 0 else 0.0


def proxy_table(
    frame: pd.DataFrame, inputs: Sequence[str], attributes: Mapping[str, Any]
) -> pd.DataFrame:
    """Proxy strength of each input for each protected attribute (see the module docstring).

    The first table of :func:`proxy_tables` (which also gives the AUC of every group).

    Parameters
    ----------
    frame : DataFrame
    inputs : list of str
        Columns of ``frame``.
    attributes : dict name -> Attribute
        Validated protected attributes (``population.attributes``).

    Returns
    -------
    DataFrame
        One row per (input, attribute), ranked by ``auc`` within each attribute.

    Examples
    --------
    >>> import scoreaudit as sa
    >>> frame = pd.DataFrame({"g": ["a", "b"] * 50, "x": [0.0, 1.0] * 50, "y": range(100)})
    >>> pop = sa.Population(frame, protected=["g"])
    >>> proxy_table(frame, ["x", "y"], pop.attributes)[["input", "auc"]].values.tolist()
    [['x', 1.0], ['y', 0.51]]
    """
    return proxy_tables(frame, inputs, attributes)[0]


def proxy_tables(
    frame: pd.DataFrame, inputs: Sequence[str], attributes: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The proxy table and the one-vs-rest AUC of every group behind it.

    Returns
    -------
    (DataFrame, DataFrame)
        :func:`proxy_table`'s table, and one row per (input, attribute, group) with the
        group's ``auc``: the publication gate recomputes the table's best and mean AUC from
        the groups it publishes (a hidden group's AUC would give its size back).

    Examples
    --------
    >>> import scoreaudit as sa
    >>> frame = pd.DataFrame({"g": ["a", "b"] * 50, "x": [0.0, 1.0] * 50})
    >>> pop = sa.Population(frame, protected=["g"])
    >>> proxy_tables(frame, ["x"], pop.attributes)[1].values.tolist()
    [['x', 'g', 'a', 1.0], ['x', 'g', 'b', 1.0]]
    """
    rows, per_group = [], []
    # one fixed split of the rows into two halves, shared by every input (cross-fitting)
    n_rows = len(frame)
    half = np.zeros(n_rows, dtype=np.int64)
    half[np.random.default_rng(PROXY_SPLIT_SEED).permutation(n_rows)[: n_rows // 2]] = 1
    for c in inputs:
        codes, k, ordered, kind = _input_codes(frame[c])
        ok = codes >= 0
        codes_ok = codes[ok]
        half_ok = half[ok]
        n_ok = int(codes_ok.size)
        k_seen = int(np.count_nonzero(np.bincount(codes_ok, minlength=k))) if n_ok else 0
        continuous = kind == "numeric"
        many = (
            (not continuous)
            and k_seen > 1
            and (k_seen > math.sqrt(n_ok) or n_ok < MIN_ROWS_PER_LEVEL * k_seen)
        )
        ranks = _midranks(codes_ok, k) if ordered else None
        if continuous:  # quantile bins of the ranks, for the mutual information
            cut = np.unique(np.quantile(codes_ok, np.linspace(0, 1, MI_BINS + 1)[1:-1]))
            bins = np.searchsorted(cut, codes_ok, side="right")
            nb = cut.size + 1
        for a_name, attr in attributes.items():
            L = attr.n_levels
            g = attr.codes[ok].astype(np.int64)
            if continuous:
                btable = np.bincount(bins * L + g, minlength=nb * L).reshape(nb, L)
                assoc, measure = _normalised_mi(btable.astype(float)), "normalised_mi"
            else:
                table = np.bincount(codes_ok * L + g, minlength=k * L).reshape(k, L)
                assoc, measure = _cramers_v(table.astype(float)), "cramers_v"
            if ranks is not None:
                aucs, method = _auc_ordered(ranks, g, L), "ordered"
            else:
                halves = (
                    np.bincount((half_ok * k + codes_ok) * L + g, minlength=2 * k * L)
                    .reshape(2, k, L)
                    .astype(float)
                )
                aucs, method = _auc_cross_fitted(halves[0], halves[1]), "cross-fitted"
            best = int(np.nanargmax(aucs)) if np.isfinite(aucs).any() else 0
            per_group.extend(
                {"input": c, "attribute": a_name, "group": attr.levels[j], "auc": float(aucs[j])}
                for j in range(L)
            )
            rows.append(
                {
                    "input": c,
                    "attribute": a_name,
                    "input_kind": kind,
                    "auc": float(aucs[best]),
                    "auc_group": attr.levels[best],
                    "auc_mean": float(np.nanmean(aucs)) if np.isfinite(aucs).any() else np.nan,
                    "auc_method": method,
                    "association": assoc,
                    "association_measure": measure,
                    "levels": k_seen,
                    "many_levels": bool(many),
                    "note": (
                        f"{k_seen:,} levels for {n_ok:,} rows ({n_ok / k_seen:.1f} rows per "
                        "level): few rows per level; the measures are corrected for "
                        "overfitting but imprecise"
                        if many
                        else ""
                    ),
                    "is_attribute": c == a_name,
                }
            )
    cols = [
        "input",
        "attribute",
        "input_kind",
        "auc",
        "auc_group",
        "auc_mean",
        "auc_method",
        "association",
        "association_measure",
        "levels",
        "many_levels",
        "note",
        "is_attribute",
        "rank",
    ]
    groups = pd.DataFrame(per_group, columns=["input", "attribute", "group", "auc"])
    if not rows:
        return pd.DataFrame(columns=cols), groups
    t = rank_within(pd.DataFrame(rows), "attribute", "auc", list(attributes))
    return t[cols], groups
