"""Neutralising inputs (permute, marginal draw, fixed value) and re-scoring the files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from scoreaudit.errors import DataError, ModelError, Part
from scoreaudit.explain._common import _constant_like, _is_categorical, _model_name
from scoreaudit.models.base import validate_scores
from scoreaudit.models.scorecard import InteractionTerm, Scorecard

# =============================================================================================
# Scoring after neutralisation
# =============================================================================================


def _term_variables(card: Scorecard) -> list[tuple[str, ...]]:
    out = []
    for t in card.spec.terms:
        if isinstance(t, InteractionTerm):
            out.append(tuple(dict.fromkeys(f.variable for f in t.factors)))
        else:
            out.append((t.variable,))
    return out


class _Scorer:
    """Re-score the population with some columns replaced."""

    def __init__(self, model: Any, frame: pd.DataFrame, base_scores: np.ndarray) -> None:
        self.model, self.frame, self.n = model, frame, len(frame)
        self.base_scores = base_scores
        self.additive = False
        if isinstance(model, Scorecard):
            contrib = model.contributions(frame)
            self.labels = model.term_labels
            self.cols = [contrib[lab].to_numpy(dtype=np.float64) for lab in self.labels]
            self.vars = _term_variables(model)
            self.intercept = float(model.intercept)
            self.link = model.link
            self.additive = np.array_equal(self.link_fn(self.eta({})), base_scores)

    # -- scorecard path --------------------------------------------------------------------
    def eta(self, replaced: Mapping[int, np.ndarray]) -> np.ndarray:
        eta = np.full(self.n, self.intercept, dtype=np.float64)
        for i, c in enumerate(self.cols):  # same order of additions as Scorecard.score
            eta += replaced.get(i, c)
        return eta

    def link_fn(self, eta: np.ndarray) -> np.ndarray:
        return expit(eta) if self.link == "logistic" else eta

    def _recompute(self, terms: list[int], new: Mapping[str, pd.Series]) -> dict[int, np.ndarray]:
        card: Scorecard = self.model
        spec = card.spec.model_copy(
            update={"terms": [card.spec.terms[i] for i in terms], "intercept": 0.0}
        )
        sub = Scorecard(spec)
        data = {c: (new[c] if c in new else self.frame[c]).array for c in sub.features}
        contrib = sub.contributions(pd.DataFrame(data, index=self.frame.index))
        return {i: contrib[self.labels[i]].to_numpy(dtype=np.float64) for i in terms}

    # -- any model ---------------------------------------------------------------------------
    def scores(
        self, columns: Sequence[str], new: Mapping[str, pd.Series], index: np.ndarray | None
    ) -> np.ndarray:
        """Scores with ``columns`` replaced by ``new`` (``index``: the row map used, if any)."""
        if self.additive:
            touched = [i for i, vs in enumerate(self.vars) if set(vs) & set(columns)]
            if not touched:
                return self.base_scores
            replaced: dict[int, np.ndarray] = {}
            recompute = []
            for i in touched:
                if index is not None and set(self.vars[i]) <= set(columns):
                    replaced[i] = self.cols[i][index]  # row-wise: a permuted contribution
                else:
                    recompute.append(i)
            if recompute:
                replaced.update(self._recompute(recompute, new))
            return self.link_fn(self.eta(replaced))
        frame = self.frame.assign(**{c: new[c] for c in columns})
        return validate_scores(
            self.model.score(frame), self.n, Part("err_model_named", name=_model_name(self.model))
        )

    def scores_without_term(self, term: int, replacement: np.ndarray) -> np.ndarray:
        return self.link_fn(self.eta({term: replacement}))


# =============================================================================================
# Neutralising draws
# =============================================================================================


class _Neutraliser:
    """Row maps (permute / marginal) or fixed values, shared by every input."""

    def __init__(
        self,
        frame: pd.DataFrame,
        method: str,
        stratum: Any,
        fixed: Mapping | None,
        n_repeats: int,
        random_state: Any,
        weights: np.ndarray | None,
    ) -> None:
        self.frame, self.method, self.fixed = frame, method, dict(fixed or {})
        n = len(frame)
        strata = None
        self.stratum = None
        if stratum is not None:
            cols = [stratum] if isinstance(stratum, str) else list(stratum)
            DataError.require_columns("err_explain_stratum_missing", frame.columns, cols)
            self.stratum = cols
            strata = frame.groupby(cols, observed=True, sort=True, dropna=False).ngroup()
            strata = strata.to_numpy(dtype=np.int64)
        rng = np.random.default_rng(random_state)
        self.indices: list[np.ndarray] = []
        if method == "fixed":
            return
        for _ in range(n_repeats):
            if method == "permute":
                self.indices.append(_permutation(n, strata, rng))
            else:
                self.indices.append(_bootstrap(n, strata, weights, rng))

    def replace(
        self, columns: Sequence[str], repeat: int
    ) -> tuple[dict[str, pd.Series], np.ndarray | None]:
        if self.method == "fixed":
            new = {}
            for c in columns:
                col = self.frame[c]
                value = self.fixed[c] if c in self.fixed else _default_fixed(col)
                new[c] = _constant_like(col, value, f"fixed[{c!r}]")
            return new, None
        idx = self.indices[repeat]
        return {c: self.frame[c].take(idx).set_axis(self.frame.index) for c in columns}, idx


def _permutation(n: int, strata: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Row map: row i takes the value of row idx[i]; a permutation within each stratum."""
    if strata is None:
        return rng.permutation(n)
    shuffled = np.lexsort((rng.random(n), strata))  # rows by stratum, random within
    grouped = np.argsort(strata, kind="stable")  # rows by stratum, in order
    idx = np.empty(n, dtype=np.int64)
    idx[grouped] = shuffled
    return idx


def _bootstrap(
    n: int, strata: np.ndarray | None, weights: np.ndarray | None, rng: np.random.Generator
) -> np.ndarray:
    """Row map of i.i.d. draws (with the row weights), within each stratum."""
    s = np.zeros(n, dtype=np.int64) if strata is None else strata
    grouped = np.argsort(s, kind="stable")
    w = np.ones(n) if weights is None else weights
    cw = np.cumsum(w[grouped])
    sizes = np.bincount(s)
    ends = np.cumsum(sizes)
    hi = cw[ends - 1]
    lo = np.concatenate([[0.0], hi[:-1]])
    target = lo[s] + rng.random(n) * (hi[s] - lo[s])
    pos = np.searchsorted(cw, target, side="right")
    pos = np.clip(pos, (ends - sizes)[s], ends[s] - 1)  # guard against rounding at the edges
    return grouped[pos]


def _default_fixed(col: pd.Series) -> Any:
    if _is_categorical(col):
        counts = col.value_counts(dropna=True, sort=True)
        return counts.index[0]
    return float(col.median())


# =============================================================================================
# explain()
# =============================================================================================


def _input_sets(inputs: Any, model: Any, frame: pd.DataFrame) -> dict[str, list[str]]:
    if inputs is None:
        features = list(getattr(model, "features", []) or [])
        if not features:
            raise ModelError.from_key("err_explain_model_no_features", model=_model_name(model))
        sets = {f: [f] for f in features}
    elif isinstance(inputs, str):
        sets = {inputs: [inputs]}
    elif isinstance(inputs, Mapping):
        sets = {}
        for k, v in inputs.items():
            cols = [v] if isinstance(v, str) else list(v)
            if not cols:
                raise DataError.from_key("err_explain_empty_input_set", name=k)
            sets[str(k)] = cols
    else:
        sets = {}
        for item in inputs:
            if isinstance(item, str):
                sets[item] = [item]
            else:
                cols = list(item)
                sets[" + ".join(map(str, cols))] = cols
    if not sets:
        raise DataError.from_key("err_explain_no_inputs")
    features = set(getattr(model, "features", []) or [])
    for name, cols in sets.items():
        for c in cols:
            if c not in frame.columns:
                raise DataError.from_key(
                    "err_explain_unknown_input",
                    input=c,
                    where="" if name == c else Part("err_explain_in_input_set", name=name),
                    features=", ".join(sorted(map(str, features)))
                    or Part("err_explain_no_listed_features"),
                )
    return sets
