"""Scoring described personas (typical profiles) with a model."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.data.population import Population
from scoreaudit.errors import DataError, Part, quoted
from scoreaudit.explain._common import (
    _check_model,
    _check_policy,
    _check_population,
    _model_name,
    _selection_probability,
)
from scoreaudit.models.base import check_features, validate_scores
from scoreaudit.selection.policies import Budget, Threshold

# =============================================================================================
# Personas
# =============================================================================================


def _load_personas(personas: Any) -> list[dict]:
    if isinstance(personas, (str, os.PathLike)):
        path = Path(personas)
        if not path.is_file():
            raise DataError.from_key("err_personas_file_missing", path=str(path))
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DataError.from_key("err_personas_yaml", path=str(path), detail=exc) from None
        if isinstance(data, Mapping) and "personas" in data:
            data = data["personas"]
        personas = data
    if isinstance(personas, Mapping):
        personas = [personas]
    if not isinstance(personas, (list, tuple)) or not personas:
        raise DataError.from_key("err_personas_type")
    out = []
    for i, p in enumerate(personas):
        if not isinstance(p, Mapping):
            raise DataError.from_key("err_persona_not_mapping", number=i + 1, kind=type(p).__name__)
        if "name" not in p or p["name"] in (None, ""):
            raise DataError.from_key("err_persona_no_name", number=i + 1)
        out.append(dict(p))
    names = [str(p["name"]) for p in out]
    dups = sorted({x for x in names if names.count(x) > 1})
    if dups:
        raise DataError.from_key("err_personas_duplicate", names=", ".join(map(repr, dups)))
    return out


def _persona_frame(rows: list[dict], population: Population, features: list[str]) -> pd.DataFrame:
    """Persona values as a frame with the population's dtypes (categories kept)."""
    frame = population.frame
    data: dict[str, Any] = {}
    cols = list(dict.fromkeys(c for r in rows for c in r if c != "name"))
    for c in cols:
        vals = [r.get(c) for r in rows]
        if c in frame.columns and isinstance(frame[c].dtype, pd.CategoricalDtype):
            cats = frame[c].cat.categories
            by_text = {str(x): x for x in cats}
            mapped = []
            for r, x in zip(rows, vals, strict=True):
                if x is None or str(x) not in by_text:
                    if c in features:
                        raise DataError.from_key(
                            "err_persona_value",
                            name=r["name"],
                            value=x,
                            column=c,
                            values=quoted(cats),
                        )
                    mapped.append(None)
                else:
                    mapped.append(by_text[str(x)])
            data[c] = pd.Categorical(mapped, dtype=frame[c].dtype)
        elif (
            c in frame.columns
            and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])
        ):
            try:
                data[c] = pd.to_numeric(pd.Series(vals, dtype=object), errors="raise")
            except (TypeError, ValueError):
                bad = next(
                    r
                    for r, x in zip(rows, vals, strict=True)
                    if not isinstance(x, (int, float)) or isinstance(x, bool)
                )
                raise DataError.from_key(
                    "err_persona_not_number", name=bad["name"], column=c, value=bad.get(c)
                ) from None
            if pd.api.types.is_integer_dtype(frame[c]) and np.all(
                np.mod(data[c].to_numpy(float), 1) == 0
            ):
                data[c] = data[c].astype(frame[c].dtype)
        else:
            data[c] = pd.Series(vals, dtype=object)
    return pd.DataFrame(data)


def score_personas(
    personas: Sequence[Mapping[str, Any]] | str | os.PathLike,
    population: Population,
    model: Any,
    policy: Budget | Threshold | None = None,
) -> pd.DataFrame:
    """Score archetypal files and place them on the population's score distribution.

    Parameters
    ----------
    personas : list of dict, or path to a YAML file
        Each persona has a ``name`` and a value for every input of the model (other fields,
        e.g. ``description``, are kept out of the scoring). A YAML file holds a list of such
        mappings, or a mapping with a ``personas`` key.
    population : Population
        The population whose scores and cut-off the personas are compared with.
    model : ScoringModel
    policy : Budget or Threshold
        Default ``Budget(share=0.05)``.

    Returns
    -------
    DataFrame
        One row per persona as given (``variant == "as given"``), then one per other value of
        each protected attribute the persona states (``attribute``, ``value``): ``score``,
        ``score_change`` (from the persona as given), ``percentile`` (share of the population
        scoring lower, plus half of the ties, in %), ``selection_probability`` (1 above the
        population's cut-off score, 0 below, the tie lottery's probability at it) and
        ``selected`` (``"yes"``, ``"no"``, or ``"tie (p=...)"``).

    Raises
    ------
    DataError
        A persona without a name, without a value for a model input (the message names both),
        or with a value the population does not have.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> frame = pd.DataFrame({"gender": ["man", "woman"] * 50, "x": np.arange(100.0)})
    >>> card = sa.models.Scorecard.from_dict({"name": "m", "terms": [
    ...     {"kind": "linear", "variable": "x", "coefficient": 0.1}]})
    >>> t = score_personas([{"name": "high", "gender": "woman", "x": 99.0}],
    ...                    sa.Population(frame, protected=["gender"]), card, sa.Budget(share=0.1))
    >>> t[["persona", "variant", "selected"]].values.tolist()
    [['high', 'as given', 'yes'], ['high', 'gender = man', 'yes']]
    """
    population = _check_population(population, "score_personas()")
    _check_model(model)
    policy = _check_policy(policy)
    rows = _load_personas(personas)
    features = list(getattr(model, "features", []) or [])
    for p in rows:
        missing = [f for f in features if f not in p or p[f] is None]
        if missing:
            raise DataError.from_key(
                "err_persona_missing_inputs",
                name=p["name"],
                missing=", ".join(map(repr, missing)),
                model=_model_name(model),
                features=", ".join(features),
            )
    frame = population.frame
    check_features(model, frame)
    name = _model_name(model)
    pop_scores = validate_scores(model.score(frame), len(frame), Part("err_model_named", name=name))
    weights = population.weights
    selection = policy.select(pop_scores, weights)

    # the personas as given, then each other value of each protected attribute they state
    variants: list[dict] = []
    meta: list[tuple[str, str, str | None, str | None]] = []
    for p in rows:
        variants.append(p)
        meta.append((str(p["name"]), "as given", None, None))
        for a in population.protected:
            if a not in p or a in population.bands:
                continue
            col = frame[a]
            if isinstance(col.dtype, pd.CategoricalDtype):
                present = set(pd.unique(col.dropna()))
                others = [c for c in col.cat.categories if c in present]
            else:
                others = list(pd.unique(col.dropna()))
            for o in others:
                if str(o) == str(p[a]):
                    continue
                variants.append({**p, a: o})
                meta.append((str(p["name"]), f"{a} = {o}", a, str(o)))
    pf = _persona_frame(variants, population, features)
    s = validate_scores(model.score(pf), len(pf), Part("err_model_named", name=name))

    # percentile: weighted share of population scores below, plus half of the ties
    order = np.argsort(pop_scores, kind="stable")
    sorted_s = pop_scores[order]
    cw = np.concatenate(
        [[0.0], np.cumsum(np.ones(len(order)) if weights is None else weights[order])]
    )
    lo = cw[np.searchsorted(sorted_s, s, side="left")]
    hi = cw[np.searchsorted(sorted_s, s, side="right")]
    percentile = 100 * (lo + 0.5 * (hi - lo)) / cw[-1]
    prob = _selection_probability(s, selection)
    selected = np.where(prob >= 1, "yes", np.where(prob <= 0, "no", "tie"))
    selected = [
        f"tie (p={p:.2f})" if t == "tie" else t for t, p in zip(selected, prob, strict=True)
    ]
    t = pd.DataFrame(meta, columns=["persona", "variant", "attribute", "value"])
    t["score"] = s
    base = t.groupby("persona", sort=False)["score"].transform("first")
    t["score_change"] = t["score"] - base
    t["percentile"] = percentile
    t["selection_probability"] = prob
    t["selected"] = selected
    t.attrs["cutoff"] = selection.cutoff
    t.attrs["policy"] = policy.describe()
    return t
