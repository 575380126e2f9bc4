"""Argument checks and small helpers shared by the explanations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import View
from scoreaudit.core.vocab import normalise_key
from scoreaudit.data.population import Population
from scoreaudit.errors import DataError, ModelError, Part, PolicyError, quoted
from scoreaudit.selection.policies import Budget, Selection, Threshold

#: The ways an input can be neutralised.
NEUTRALISE_METHODS = ("permute", "marginal", "fixed")


#: A numeric column with at most this many distinct values is treated as categorical.
MAX_CATEGORICAL_LEVELS = 20


# =============================================================================================
# Shared helpers
# =============================================================================================


def _model_name(model: Any) -> str:
    return str(getattr(model, "name", type(model).__name__))


def _check_model(model: Any) -> None:
    if not hasattr(model, "score"):
        raise ModelError.from_key("err_explain_not_model", kind=type(model).__name__)


def _check_population(population: Any, where: str) -> Population:
    if not isinstance(population, Population):
        raise DataError.from_key(
            "err_explain_not_population", where=where, kind=type(population).__name__
        )
    return population


def _check_policy(policy: Any) -> Budget | Threshold:
    policy = Budget(share=0.05) if policy is None else policy
    if not isinstance(policy, (Budget, Threshold)):
        raise PolicyError.from_key("err_explain_policy_type", kind=type(policy).__name__)
    return policy


def _is_categorical(col: pd.Series) -> bool:
    """Categorical for the purposes of this module: non-numeric, boolean or few values."""
    if isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(col):
        return True
    if not pd.api.types.is_numeric_dtype(col):
        return True
    return col.nunique(dropna=True) <= MAX_CATEGORICAL_LEVELS


def _constant_like(col: pd.Series, value: Any, where: str | Part) -> pd.Series:
    """A column of ``len(col)`` copies of ``value`` with the dtype of ``col``."""
    n = len(col)
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        matches = [i for i, c in enumerate(cats) if c == value or str(c) == str(value)]
        if not matches:
            raise DataError.from_key(
                "err_explain_not_category",
                where=where,
                value=value,
                column=col.name,
                categories=quoted(cats),
            )
        codes = np.full(n, matches[0], dtype=np.int32)
        return pd.Series(
            pd.Categorical.from_codes(codes, dtype=col.dtype), index=col.index, name=col.name
        )
    out = pd.Series(
        np.full(n, value, dtype=object if isinstance(value, str) else None),
        index=col.index,
        name=col.name,
    )
    try:
        if not (isinstance(value, str) and pd.api.types.is_numeric_dtype(col)):
            out = out.astype(col.dtype)
    except (TypeError, ValueError):
        pass
    return out


def _selection_probability(scores: np.ndarray, selection: Selection) -> np.ndarray:
    """Probability that a file with this score is selected, judged against a cut-off.

    1 above the cut-off score, 0 below, and at the cut-off the share of tied files that the
    policy selected (the tie lottery's probability; 1 for a threshold or ``ties="all"``).
    """
    cut = selection.cutoff
    tie_share = (
        selection.tied_selected / selection.tied_at_cutoff if selection.tied_at_cutoff else 1.0
    )
    return np.where(scores > cut, 1.0, np.where(scores == cut, tie_share, 0.0))


def _select_views(views: list[View], attributes: Any) -> list[View]:
    by_name = {v.name: v for v in views}
    if attributes is None:
        return [v for v in views if len(v.members) == 1]
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    out = []
    for a in names:
        key = normalise_key(a)
        if key not in by_name:
            raise DataError.from_key(
                "err_explain_attribute_not_audited", key=key, audited=", ".join(sorted(by_name))
            )
        out.append(by_name[key])
    return out
