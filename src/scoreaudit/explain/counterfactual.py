"""Paired testing: the same files scored again with a protected attribute changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from scoreaudit.data.population import Population
from scoreaudit.errors import DataError, Part
from scoreaudit.explain._common import (
    _check_model,
    _check_policy,
    _check_population,
    _constant_like,
    _is_categorical,
    _model_name,
    _selection_probability,
)
from scoreaudit.models.base import check_features, validate_scores
from scoreaudit.selection.policies import Budget, Threshold
from scoreaudit.stats import metrics as M

# =============================================================================================
# Counterfactual paired testing
# =============================================================================================


def _attribute_values(population: Population, attribute: str, values: Any) -> list[Any]:
    col = population.frame[attribute]
    if values is not None:
        vals = list(values) if not isinstance(values, (str, bytes)) else [values]
        if not vals:
            raise DataError.from_key("err_explain_values_empty")
        return vals
    if attribute in population.bands:
        raise DataError.from_key("err_explain_banded", attribute=attribute)
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(pd.unique(col.dropna()))
        return [c for c in col.cat.categories if c in present]
    if _is_categorical(col):
        uniq = pd.unique(col.dropna())
        try:
            return sorted(uniq.tolist())
        except TypeError:
            return list(uniq)
    raise DataError.from_key("err_explain_many_values", attribute=attribute)


def _group_mean(a: np.ndarray, codes: np.ndarray, G: int, w: np.ndarray | None) -> np.ndarray:
    ww = np.ones(a.size) if w is None else w
    return np.bincount(codes, weights=a * ww, minlength=G) / np.bincount(
        codes, weights=ww, minlength=G
    )


def _paired_summary(
    d: np.ndarray, codes: np.ndarray, G: int, w: np.ndarray | None, confidence: float
) -> tuple[np.ndarray, ...]:
    """Per group: mean of paired differences, and its interval (t quantile, Kish n_eff)."""
    ww = np.ones(d.size) if w is None else w
    sw = np.bincount(codes, weights=ww, minlength=G)
    sw2 = np.bincount(codes, weights=ww * ww, minlength=G)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(codes, weights=d * ww, minlength=G) / sw
        dev = d - mean[codes]
        var = np.bincount(codes, weights=ww * dev * dev, minlength=G) / sw
        n_eff = sw * sw / sw2
        var = var * n_eff / (n_eff - 1)  # unbiased (Bessel) on the effective size
        se = np.sqrt(var / n_eff)
        q = sps.t.ppf(0.5 + confidence / 2, np.maximum(n_eff - 1, 1))
    se = np.where(var == 0, 0.0, se)  # exactly zero change -> a zero-width interval
    return mean, mean - q * se, mean + q * se, n_eff


def counterfactual(
    population: Population,
    model: Any,
    policy: Budget | Threshold | None = None,
    *,
    attribute: str,
    implies: Mapping[Any, Mapping[str, Any]] | None = None,
    values: Sequence[Any] | None = None,
    sample: int | float | None = None,
    random_state: int | None = 0,
    confidence: float = 0.95,
    return_pairs: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Paired counterfactual testing: the same files with only the attribute changed.

    Every file (or a random sample) is copied once per value of ``attribute``; in each copy the
    attribute is set to that value, together with the inputs it implies, and the copy is
    re-scored. The copy's selection is judged against the cut-off of the ORIGINAL population
    (the policy applied to the original scores): a copy is selected if its score is above the
    cut-off score, with the original tie lottery's probability if it equals it. Comparing each
    copy with its own original (a paired difference) removes every other difference between
    files.

    Parameters
    ----------
    population : Population
    model : ScoringModel
    policy : Budget or Threshold
        Default ``Budget(share=0.05)``.
    attribute : str
        The column to change (usually a protected attribute, e.g. ``"gender"``).
    implies : dict value -> {column: value or callable(frame) -> Series}, optional
        Inputs that follow from the attribute's value, e.g. ``{"alone": {"n_minors": 0}}`` for
        ``attribute="family_status"``. A callable receives the original files (the sample)
        and returns the new column.
    values : list, optional
        Values to set (default: every value of the column; required for a banded attribute).
    sample : int or float, optional
        Number (int) or share (float in (0, 1]) of files to copy, drawn without replacement.
    random_state : int
        Seed of the sample.
    confidence : float
        Level of the paired intervals: mean of paired differences
        ``± t(n_eff - 1) × sd / sqrt(n_eff)`` (Kish ``n_eff`` with weights).
    return_pairs : bool
        Also return the paired scores of every copy (for :func:`plot_paired_shift`).

    Returns
    -------
    DataFrame, or (DataFrame, DataFrame) with ``return_pairs``
        One row per (original group, value set): ``n``, mean original and counterfactual
        score, ``score_change`` with its interval, ``selection_original`` and
        ``selection_counterfactual`` (mean probability of being selected),
        ``selection_change`` with its interval, ``share_changed`` (files whose score moved).
        The pairs table has one row per copy: ``row`` (position in the population), ``group``,
        ``value``, ``score_original``, ``score_counterfactual``, ``score_change``,
        ``selected_original``, ``selected_counterfactual`` (probabilities).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"gender": rng.choice(["man", "woman"], 500),
    ...                       "x": rng.normal(size=500)})
    >>> card = sa.models.Scorecard.from_dict({"name": "m", "terms": [
    ...     {"kind": "linear", "variable": "x", "coefficient": 1.0}]})
    >>> t = counterfactual(sa.Population(frame, protected=["gender"]), card,
    ...                    sa.Budget(share=0.1), attribute="gender")
    >>> float(t["score_change"].abs().max()), float(t["selection_change"].abs().max())
    (0.0, 0.0)
    """
    population = _check_population(population, "counterfactual()")
    _check_model(model)
    policy = _check_policy(policy)
    M.confidence_z(confidence)
    frame = population.frame
    if attribute not in frame.columns:
        raise DataError.from_key(
            "err_explain_attribute_missing",
            attribute=attribute,
            protected=", ".join(population.protected),
        )
    check_features(model, frame)
    name = _model_name(model)
    scores = validate_scores(model.score(frame), len(frame), Part("err_model_named", name=name))
    weights = population.weights
    selection = policy.select(scores, weights)
    vals = _attribute_values(population, attribute, values)
    implies = dict(implies or {})
    lookup = {str(v): v for v in vals}
    for key in implies:
        if str(key) not in lookup:
            raise DataError.from_key(
                "err_explain_implies_key", key=key, values=", ".join(map(repr, vals))
            )

    n = len(frame)
    rng = np.random.default_rng(random_state)
    if sample is None:
        rows = np.arange(n)
    else:
        if isinstance(sample, bool) or not isinstance(
            sample, (int, float, np.integer, np.floating)
        ):
            raise DataError.from_key("err_explain_sample_type", sample=sample)
        if isinstance(sample, (float, np.floating)):
            if not 0 < sample <= 1:
                raise DataError.from_key("err_explain_sample_share", sample=sample)
            k = max(1, int(round(sample * n)))
        else:
            if sample < 1:
                raise DataError.from_key("err_explain_sample_size", sample=sample)
            k = min(int(sample), n)
        rows = np.sort(rng.choice(n, size=k, replace=False))
    sub = frame.iloc[rows]
    w = None if weights is None else weights[rows]
    if attribute in population.attributes:
        attr = population.attributes[attribute]
        codes, labels = attr.codes[rows].astype(np.int64), list(attr.levels)
    else:
        c, uniq = pd.factorize(sub[attribute], sort=True)
        codes, labels = np.asarray(c, dtype=np.int64), [str(u) for u in uniq]
    G = len(labels)
    # scores of the very rows that are copied, with the same call shape as the copies
    s0 = validate_scores(model.score(sub), len(sub), Part("err_model_named", name=name))
    p0 = _selection_probability(s0, selection)

    out, pairs = [], []
    for v in vals:
        new = {
            attribute: _constant_like(
                sub[attribute], v, Part("err_explain_where_attribute", attribute=attribute)
            )
        }
        spec = implies.get(v, implies.get(str(v), {})) if implies else {}
        for col, how in spec.items():
            if col not in frame.columns:
                raise DataError.from_key("err_explain_implies_column", value=v, column=col)
            if callable(how):
                value = how(sub)
                value = (
                    pd.Series(value, index=sub.index)
                    if not isinstance(value, pd.Series)
                    else value.set_axis(sub.index)
                )
                if len(value) != len(sub):
                    raise DataError.from_key(
                        "err_explain_implies_length",
                        value=v,
                        column=col,
                        got=len(value),
                        n=len(sub),
                    )
                new[col] = value
            else:
                new[col] = _constant_like(sub[col], how, f"implies[{v!r}][{col!r}]")
        s1 = validate_scores(
            model.score(sub.assign(**new)), len(sub), Part("err_model_named", name=name)
        )
        p1 = _selection_probability(s1, selection)
        d = s1 - s0
        ds = p1 - p0
        m, lo, hi, n_eff = _paired_summary(d, codes, G, w, confidence)
        sm, slo, shi, _ = _paired_summary(ds, codes, G, w, confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(
                pd.DataFrame(
                    {
                        "attribute": attribute,
                        "group": labels,
                        "value": str(v),
                        "n": np.bincount(codes, minlength=G).astype(np.int64),
                        "score_original": _group_mean(s0, codes, G, w),
                        "score_counterfactual": _group_mean(s1, codes, G, w),
                        "score_change": m,
                        "score_change_low": lo,
                        "score_change_high": hi,
                        "selection_original": _group_mean(p0, codes, G, w),
                        "selection_counterfactual": _group_mean(p1, codes, G, w),
                        "selection_change": sm,
                        "selection_change_low": slo,
                        "selection_change_high": shi,
                        "share_changed": _group_mean((d != 0).astype(float), codes, G, w),
                    }
                )
            )
        if return_pairs:
            pairs.append(
                pd.DataFrame(
                    {
                        "row": rows,
                        "group": np.asarray(labels, dtype=object)[codes],
                        "value": str(v),
                        "score_original": s0,
                        "score_counterfactual": s1,
                        "score_change": d,
                        "selected_original": p0,
                        "selected_counterfactual": p1,
                    }
                )
            )
    table = pd.concat(out, ignore_index=True)
    table = table[table["n"] > 0].reset_index(drop=True)
    table.attrs["cutoff"] = selection.cutoff
    table.attrs["policy"] = policy.describe()
    if return_pairs:
        return table, pd.concat(pairs, ignore_index=True)
    return table
