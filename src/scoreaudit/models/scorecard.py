"""Declarative scorecards: a model written down as a table of coefficients or odds ratios.

Agencies disclose their fraud scores as documents listing variables and coefficients (or odds
ratios), not as Python objects. A :class:`Scorecard` turns such a table, written as YAML or
JSON, into a model that scoreaudit can score.

Spec format
-----------
Top level keys (only ``name`` and ``terms`` are required)::

    name: example                 # identifier, shown in reports
    version: "1"
    description: What this model is and how far its numbers can be trusted.
    sources:                      # plain strings, or mappings (citation, date, url,
      - "Publication, date, page" #   disclosed: [...], assumed: [...], note)
    link: logistic                # logistic (default): score = 1 / (1 + exp(-eta))
                                  # identity: score = eta
    intercept: -2.0               # log-odds (link scale); default 0
    terms: [...]                  # 1 to 10,000 terms, see below
    labels:                       # optional display names for the report (the layout of a
      variables:                  #   --labels file; a user's --labels file overrides them)
        rent_share: {fr: "Part du loyer", en: "Rent share"}
    translations:                 # optional: the report's words in French for the texts
      fr:                         #   above; each key of ``texts`` is a citation, a disclosed
        description: ...          #   or assumed item, a note or a term's source, as written
        texts: {"disclosed criterion": "critère divulgué"}

A French report shows a text in English, and says so, where the spec gives no translation; a
translation of a text the spec does not have is an error (the English was edited).

Every term may also carry ``name`` (the label of its column in :meth:`Scorecard.contributions`;
defaults to the variable, or ``var1:var2`` for an interaction), ``source`` (where the term comes
from) and ``note`` (e.g. "disclosed criterion, assumed coefficient"). Coefficients are on the
link scale (log-odds for ``link: logistic``); with ``link: logistic`` every coefficient may be
given instead as an odds ratio (``odds_ratios`` / ``odds_ratio``), converted with ``log``.

``kind: categorical``
    ``variable``, ``reference`` and ``coefficients`` *or* ``odds_ratios``: a mapping level ->
    value listing every level the data may hold. The reference level must be listed with
    coefficient 0 (odds ratio 1). Levels are matched as text, so the YAML keys ``0:`` / ``1:``
    match an integer 0/1 column, ``true:`` matches a boolean column (as ``"True"``), and
    pandas categoricals work. A data value that is not a listed level is an error, never a
    silent 0.
``kind: bins``
    ``variable``, ``edges`` (finite, strictly increasing), ``closed`` and ``coefficients`` *or*
    ``odds_ratios``: one value per bin, ``len(edges) + 1`` values. With ``closed: left`` (the
    default) edges ``[25, 35]`` make the bins ``(-inf, 25)``, ``[25, 35)``, ``[35, +inf)``;
    with ``closed: right`` they make ``(-inf, 25]``, ``(25, 35]``, ``(35, +inf)``. The outer
    bins always extend to ``-inf`` and ``+inf`` (infinite values fall in them).
``kind: linear``
    ``variable``, ``coefficient`` *or* ``odds_ratio`` (per unit), optional ``clip: [lo, hi]``
    (either bound may be ``null``): contribution = coefficient * clip(x, lo, hi).
``kind: interaction``
    ``factors``: two factors, each ``{kind: categorical, variable, levels: [...]}``,
    ``{kind: bins, variable, edges, closed}`` or ``{kind: linear, variable, clip}``; and
    ``coefficients`` *or* ``odds_ratios``: a table with one value per cell, nested in factor
    order. A categorical factor is a mapping by level, a bins factor a list by bin, and a linear
    factor takes no dimension (its value multiplies the cell). For example gender x minors-bins
    is ``{man: [0, 0], woman: [0, 0.18]}``; gender x a linear factor is ``{man: 0, woman: 0.1}``;
    linear x linear is a single number.

Missing values (NaN) in any input column are an error naming the column.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError
from scipy.special import expit

from scoreaudit.errors import ModelError, Part, Parts
from scoreaudit.models.base import check_features, validate_scores
from scoreaudit.models.scorecard_spec import FACTOR_KINDS as FACTOR_KINDS
from scoreaudit.models.scorecard_spec import (
    MAX_TERMS,
    BinsFactor,
    BinsTerm,
    CategoricalFactor,
    CategoricalTerm,
    FactorSpec,
    InteractionTerm,
    ScorecardSpec,
    TermSpec,
    _bin_labels,
    _fmt,
    _parse_table,
    _spec_error,
    _term_label,
    level_key,
)
from scoreaudit.models.scorecard_spec import TERM_KINDS as TERM_KINDS
from scoreaudit.models.scorecard_spec import Factor as Factor
from scoreaudit.models.scorecard_spec import LinearFactor as LinearFactor
from scoreaudit.models.scorecard_spec import LinearTerm as LinearTerm
from scoreaudit.models.scorecard_spec import SourceEntry as SourceEntry
from scoreaudit.models.scorecard_spec import SourceItem as SourceItem
from scoreaudit.models.scorecard_spec import Term as Term

__all__ = ["MAX_TERMS", "Scorecard", "ScorecardSpec", "level_key"]


# --------------------------------------------------------------------------------------------
# Compiled model
# --------------------------------------------------------------------------------------------


class _Inputs:
    """Per-call cache of the input columns, converted and checked once."""

    def __init__(self, frame: pd.DataFrame, model_name: str) -> None:
        self.frame = frame
        self.model_name = model_name
        self._numeric: dict[str, np.ndarray] = {}
        self._factorized: dict[str, tuple[np.ndarray, list[str]]] = {}

    def _column(self, var: str, where: str) -> pd.Series:
        if var not in self.frame.columns:
            raise ModelError.from_key(
                "err_scorecard_term_column", name=self.model_name, where=where, column=var
            )
        col = self.frame[var]
        if isinstance(col, pd.DataFrame):
            raise ModelError.from_key(
                "err_scorecard_dup_column", n=col.shape[1], column=var, name=self.model_name
            )
        na = col.isna().to_numpy()
        if na.any():
            first = int(np.flatnonzero(na)[0])
            raise ModelError.from_key(
                "err_scorecard_missing",
                column=var,
                n=int(na.sum()),
                total=len(col),
                first=first,
                name=self.model_name,
                where=where,
            )
        return col

    def numeric(self, var: str, where: str) -> np.ndarray:
        if var not in self._numeric:
            col = self._column(var, where)
            if isinstance(col.dtype, pd.CategoricalDtype):
                col = col.astype(object)
            if pd.api.types.is_bool_dtype(col):
                arr = col.to_numpy(dtype=np.float64)
            elif pd.api.types.is_numeric_dtype(col):
                arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                converted = pd.to_numeric(col, errors="coerce")
                bad = converted.isna().to_numpy()
                if bad.any():
                    pos = int(np.flatnonzero(bad)[0])
                    raise ModelError.from_key(
                        "err_scorecard_not_numeric",
                        column=var,
                        name=self.model_name,
                        where=where,
                        value=col.iloc[pos],
                        pos=pos,
                        n=int(bad.sum()),
                    )
                arr = converted.to_numpy(dtype=np.float64)
            self._numeric[var] = arr
        return self._numeric[var]

    def codes(self, var: str, levels: tuple[str, ...], where: str) -> np.ndarray:
        if var not in self._factorized:
            col = self._column(var, where)
            if isinstance(col.dtype, pd.CategoricalDtype):
                # the categorical's own codes (no hashing); unused categories are dropped
                # below so that, as with factorize, only values present in the data count
                codes = col.cat.codes.to_numpy()
                uniques = list(col.cat.categories)
            else:
                codes, found = pd.factorize(col)
                codes, uniques = np.asarray(codes), list(found)
            self._factorized[var] = (codes, [level_key(u) for u in uniques])
        codes, keys = self._factorized[var]
        lookup = pd.Index(levels).get_indexer(keys)
        if (lookup < 0).any():  # unused categories are not an error
            used = np.bincount(codes, minlength=len(keys)) > 0
            lookup = np.where(used, lookup, 0)
        unknown = np.flatnonzero(lookup < 0)
        if unknown.size:
            counts = np.bincount(codes, minlength=len(keys))[unknown]
            order = np.argsort(-counts, kind="stable")
            shown = Parts(
                [
                    Part("err_value_rows", value=keys[unknown[j]], n=int(counts[j]))
                    for j in order[:5]
                ],
                sep=", ",
            )
            more = Part("err_and_more", n=unknown.size - 5) if unknown.size > 5 else ""
            hint = Part("err_scorecard_yaml_bool") if {"True", "False"} & set(levels) else ""
            raise ModelError.from_key(
                "err_scorecard_unknown_levels",
                column=var,
                name=self.model_name,
                where=where,
                shown=shown,
                more=more,
                n=int(counts.sum()),
                total=len(codes),
                levels=", ".join(map(repr, levels)),
                hint=hint,
            )
        small = np.int8 if len(levels) < 128 else np.int16 if len(levels) < 32768 else np.intp
        return lookup.astype(small)[codes]


#: Up to this many bin edges, a bin index is a sum of comparisons (faster than a binary search
#: per row, and equal to it: ``searchsorted(edges, x, "right")`` counts the edges <= x).
_FEW_EDGES = 8


#: Largest number of joint cells (combinations of all factors' cells) scored through a table.
MAX_JOINT_CELLS = 1_000_000


@dataclass(frozen=True, eq=False)
class _Factor:
    kind: str
    variable: str
    levels: tuple[str, ...] = ()
    edges: tuple[float, ...] = ()
    closed: str = "left"
    clip: tuple[float | None, float | None] | None = None

    @classmethod
    def from_spec(cls, spec: FactorSpec | TermSpec) -> _Factor:
        if isinstance(spec, (CategoricalTerm, CategoricalFactor)):
            levels = (
                tuple(spec.levels)
                if isinstance(spec, CategoricalFactor)
                else tuple(spec.coefficients or spec.odds_ratios or {})
            )
            return cls("categorical", spec.variable, levels=levels)
        if isinstance(spec, (BinsTerm, BinsFactor)):
            return cls("bins", spec.variable, edges=tuple(spec.edges), closed=spec.closed)
        assert isinstance(spec, (LinearTerm, LinearFactor))  # the kinds left once parsed
        clip = (spec.clip[0], spec.clip[1]) if spec.clip is not None else None
        return cls("linear", spec.variable, clip=clip)

    @property
    def n_cells(self) -> int:
        """Cells of the factor's axis in a term's table (1 for a linear factor)."""
        if self.kind == "categorical":
            return len(self.levels)
        return len(self.edges) + 1 if self.kind == "bins" else 1

    def cell_labels(self) -> list[str]:
        if self.kind == "categorical":
            return list(self.levels)
        if self.kind == "bins":
            return _bin_labels(self.edges, self.closed)
        if self.clip is None:
            return [self.variable]
        lo, hi = self.clip
        left = "(-inf" if lo is None else f"[{_fmt(lo)}"
        right = "+inf)" if hi is None else f"{_fmt(hi)}]"
        return [f"{self.variable} clipped to {left}, {right}"]

    def encode(self, inputs: _Inputs, where: str) -> tuple[np.ndarray, np.ndarray | None]:
        """Return (cell index per row, multiplier per row or None for all ones)."""
        if self.kind == "categorical":
            return inputs.codes(self.variable, self.levels, where), None
        x = inputs.numeric(self.variable, where)
        if self.kind == "bins":
            if len(self.edges) <= _FEW_EDGES:
                # closed left: bin = number of edges <= x; closed right: edges < x
                idx = np.zeros(len(x), dtype=np.int8)
                for e in self.edges:
                    idx += (x >= e) if self.closed == "left" else (x > e)
                return idx, None
            side: Literal["left", "right"] = "right" if self.closed == "left" else "left"
            return np.searchsorted(np.asarray(self.edges), x, side=side), None
        if self.clip is not None:
            lo, hi = self.clip
            x = np.clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi)
        inf = np.isinf(x)
        if inf.any():
            raise ModelError.from_key(
                "err_scorecard_infinite",
                column=self.variable,
                n=int(inf.sum()),
                pos=int(np.flatnonzero(inf)[0]),
                name=inputs.model_name,
                where=where,
            )
        return np.zeros(len(x), dtype=np.intp), x


@dataclass(frozen=True, eq=False)
class _Term:
    index: int
    label: str
    kind: str
    factors: tuple[_Factor, ...]
    table: np.ndarray  # log scale, one axis per factor
    spec: BaseModel

    def contribution(self, inputs: _Inputs) -> np.ndarray:
        where = f"(terms[{self.index}], {self.label!r})"
        encoded = [f.encode(inputs, where) for f in self.factors]
        out = self.table[tuple(idx for idx, _ in encoded)]
        for _, mult in encoded:
            if mult is not None:
                out = out * mult
        return np.asarray(out, dtype=np.float64)

    def cells(self) -> Iterator[tuple[str, float]]:
        """Yield (cell label, coefficient) for every cell of the table."""
        labels = [f.cell_labels() for f in self.factors]
        if len(self.factors) == 1:
            for lab, c in zip(labels[0], self.table, strict=True):
                yield lab, float(c)
        else:
            for i, a in enumerate(labels[0]):
                for j, b in enumerate(labels[1]):
                    yield f"{a} x {b}", float(self.table[i, j])


def _compile(spec: ScorecardSpec) -> list[_Term]:
    terms = []
    for i, t in enumerate(spec.terms):
        if isinstance(t, InteractionTerm):
            field = "coefficients" if t.coefficients is not None else "odds_ratios"
            table = _parse_table(getattr(t, field), t.factors, field, field == "odds_ratios")
            factors = tuple(_Factor.from_spec(f) for f in t.factors)
        else:
            factors = (_Factor.from_spec(t),)
            if isinstance(t, CategoricalTerm):
                values = (
                    t.coefficients
                    if t.coefficients is not None
                    else {k: math.log(v) for k, v in (t.odds_ratios or {}).items()}
                )
                table = np.array([values[lv] for lv in factors[0].levels], dtype=np.float64)
            elif isinstance(t, BinsTerm):
                values_l = (
                    t.coefficients
                    if t.coefficients is not None
                    else [math.log(v) for v in (t.odds_ratios or [])]
                )
                table = np.array(values_l, dtype=np.float64)
            else:
                if t.coefficient is not None:
                    coef = t.coefficient
                else:
                    assert t.odds_ratio is not None  # the spec requires one of the two
                    coef = math.log(t.odds_ratio)
                table = np.array([coef], dtype=np.float64)
        table.setflags(write=False)
        terms.append(_Term(i, _term_label(t), t.kind, factors, table, t))
    return terms


class Scorecard:
    """A scoring model written as a declarative table of coefficients or odds ratios.

    Parameters
    ----------
    spec : mapping or ScorecardSpec
        The spec (see :mod:`scoreaudit.models.scorecard` for the format).
    source : str, optional
        Where the spec came from (file name), used in error messages.

    Raises
    ------
    ModelError
        If the spec is invalid; the message lists every problem with its path in the spec,
        e.g. ``terms[3].edges: must be increasing ...``.

    Examples
    --------
    >>> import pandas as pd
    >>> card = Scorecard.from_dict({
    ...     "name": "example", "link": "logistic", "intercept": -2.0,
    ...     "terms": [
    ...         {"kind": "categorical", "variable": "gender", "reference": "man",
    ...          "odds_ratios": {"man": 1.0, "woman": 1.5}},
    ...         {"kind": "bins", "variable": "age", "edges": [25, 35, 50],
    ...          "coefficients": [0.0, 0.3, 0.1, -0.2]},
    ...         {"kind": "linear", "variable": "n_minors", "coefficient": 0.3, "clip": [0, 5]},
    ...     ],
    ... })
    >>> frame = pd.DataFrame({"gender": ["man", "woman"], "age": [20, 30], "n_minors": [0, 9]})
    >>> card.linear_predictor(frame).round(4)
    array([-2.    ,  0.2055])
    >>> card.features
    ['gender', 'age', 'n_minors']
    """

    def __init__(self, spec: Mapping[str, Any] | ScorecardSpec, *, source: str | None = None):
        if isinstance(spec, ScorecardSpec):
            self._spec = spec
        else:
            if not isinstance(spec, Mapping):
                where = Part("err_spec_in", source=source) if source else ""
                raise ModelError.from_key(
                    "err_scorecard_spec_type", where=where, type=type(spec).__name__
                )
            try:
                self._spec = ScorecardSpec.model_validate(dict(spec))
            except ValidationError as exc:
                raise _spec_error(exc, source) from None
        self.source = source
        self._terms = _compile(self._spec)
        self._features = list(dict.fromkeys(f.variable for t in self._terms for f in t.factors))

    # ---- construction and serialisation ------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Scorecard:
        """Build a scorecard from a spec mapping (e.g. parsed YAML or JSON).

        Examples
        --------
        >>> card = Scorecard.from_dict({"name": "m", "terms": [
        ...     {"kind": "linear", "variable": "x", "coefficient": 1.0}]})
        >>> card.name
        'm'
        """
        return cls(data, source=source)

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a plain mapping, keys as written (defaults not added).

        ``Scorecard.from_dict(d).to_dict() == d`` for a spec ``d`` whose level keys are text;
        level keys such as ``0`` are returned as text (``"0"``).

        Examples
        --------
        >>> d = {"name": "m", "terms": [{"kind": "linear", "variable": "x", "odds_ratio": 2.0}]}
        >>> Scorecard.from_dict(d).to_dict() == d
        True
        """
        return self._spec.model_dump(mode="python", exclude_unset=True)

    @property
    def spec(self) -> ScorecardSpec:
        """The validated spec."""
        return self._spec

    # ---- attributes --------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The model's name."""
        return self._spec.name

    @property
    def version(self) -> str:
        """The model's version."""
        return self._spec.version

    @property
    def description(self) -> str:
        """What the model is and how far its numbers can be trusted."""
        return self._spec.description

    @property
    def link(self) -> str:
        """``"logistic"`` or ``"identity"``."""
        return self._spec.link

    @property
    def labels(self) -> dict[str, Any] | None:
        """Display names the spec gives (``labels:``: attributes, groups, variables), or None.

        Examples
        --------
        >>> d = {"name": "m", "terms": [{"kind": "linear", "variable": "x", "odds_ratio": 2.0}],
        ...      "labels": {"variables": {"x": {"fr": "revenu", "en": "income"}}}}
        >>> Scorecard.from_dict(d).labels["variables"]
        {'x': {'fr': 'revenu', 'en': 'income'}}
        """
        given = self._spec.labels
        return None if given is None else given.model_dump(mode="python")

    @property
    def intercept(self) -> float:
        """The intercept, on the link scale."""
        return float(self._spec.intercept)

    @property
    def features(self) -> list[str]:
        """The input columns the model reads, in order of first use."""
        return list(self._features)

    @property
    def term_labels(self) -> list[str]:
        """Labels of the terms (the columns of :meth:`contributions` after ``intercept``)."""
        return [t.label for t in self._terms]

    # ---- scoring -----------------------------------------------------------------------

    def _contribution_arrays(self, frame: pd.DataFrame) -> list[np.ndarray]:
        if not isinstance(frame, pd.DataFrame):
            raise ModelError.from_key(
                "err_scorecard_frame", name=self.name, type=type(frame).__name__
            )
        check_features(self, frame)
        inputs = _Inputs(frame, self.name)
        return [t.contribution(inputs) for t in self._terms]

    def linear_predictor(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the linear predictor (intercept + sum of terms, link scale) of every row.

        Examples
        --------
        >>> import pandas as pd
        >>> card = Scorecard.from_dict({"name": "m", "intercept": 1.0, "terms": [
        ...     {"kind": "linear", "variable": "x", "coefficient": 2.0}]})
        >>> card.linear_predictor(pd.DataFrame({"x": [0.0, 1.5]}))
        array([1., 4.])
        """
        joint = self._joint(frame)
        if joint is not None:
            cell, table = joint
            return table[cell]
        eta = np.full(len(frame), self.intercept, dtype=np.float64)
        for c in self._contribution_arrays(frame):
            eta += c
        return eta

    def _joint(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
        """Joint cell of every row and the linear predictor of every joint cell, or None.

        Without linear terms a row's linear predictor depends only on the cell it falls in for
        every factor (a level or a bin), so it is computed once per combination of cells
        (adding the terms in the same order as row by row: bit-identical) and looked up per
        row. None when a term is linear or the combinations exceed :data:`MAX_JOINT_CELLS`.
        """
        factors: dict[tuple, tuple[int, _Factor, str]] = {}
        for term in self._terms:
            for f in term.factors:
                if f.kind == "linear":
                    return None
                key = (f.kind, f.variable, f.levels, f.edges, f.closed)
                if key not in factors:
                    factors[key] = (len(factors), f, f"(terms[{term.index}], {term.label!r})")
        sizes = [f.n_cells for _, f, _ in factors.values()]
        total = math.prod(sizes)
        if total > MAX_JOINT_CELLS:
            return None
        if not isinstance(frame, pd.DataFrame):
            raise ModelError.from_key(
                "err_scorecard_frame", name=self.name, type=type(frame).__name__
            )
        check_features(self, frame)
        inputs = _Inputs(frame, self.name)
        cell = np.zeros(len(frame), dtype=np.int32)
        for (_, f, where), size in zip(factors.values(), sizes, strict=True):
            idx, _ = f.encode(inputs, where)
            cell *= size
            cell += idx
        grid = np.indices(sizes).reshape(len(sizes), total)  # cells of each factor, C order
        table = np.full(total, self.intercept, dtype=np.float64)
        for term in self._terms:
            pos = [
                factors[(f.kind, f.variable, f.levels, f.edges, f.closed)][0] for f in term.factors
            ]
            table += term.table[tuple(grid[p] for p in pos)]
        return cell, table

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the score of every row: a probability for ``link: logistic``.

        Examples
        --------
        >>> import pandas as pd
        >>> card = Scorecard.from_dict({"name": "m", "terms": [
        ...     {"kind": "categorical", "variable": "g", "reference": "a",
        ...      "odds_ratios": {"a": 1.0, "b": 3.0}}]})
        >>> card.score(pd.DataFrame({"g": ["a", "b"]}))
        array([0.5 , 0.75])
        """
        joint = self._joint(frame)
        if joint is not None:  # the link once per joint cell, then one lookup per row
            cell, table = joint
            out = (expit(table) if self.link == "logistic" else table)[cell]
        else:
            eta = self.linear_predictor(frame)
            out = expit(eta) if self.link == "logistic" else eta
        return validate_scores(out, len(frame), Part("err_model_named", name=self.name))

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return every row's contribution of each term, on the link scale.

        Columns are ``intercept`` then one per term (labelled as :attr:`term_labels`); each
        row sums to :meth:`linear_predictor` (to rounding, about 1e-15).

        Examples
        --------
        >>> import pandas as pd
        >>> card = Scorecard.from_dict({"name": "m", "intercept": -1.0, "terms": [
        ...     {"kind": "linear", "variable": "x", "coefficient": 2.0}]})
        >>> card.contributions(pd.DataFrame({"x": [0.5]}))
           intercept    x
        0       -1.0  1.0
        """
        arrays = self._contribution_arrays(frame)
        data = {"intercept": np.full(len(frame), self.intercept, dtype=np.float64)}
        data.update({t.label: a for t, a in zip(self._terms, arrays, strict=True)})
        return pd.DataFrame(data, index=frame.index)

    # ---- description -------------------------------------------------------------------

    def cells(self) -> list[dict[str, Any]]:
        """Return one record per coefficient: term index, label, kind, cell, coefficient.

        ``odds_ratio`` is ``exp(coefficient)`` for ``link: logistic`` and ``None`` otherwise.

        Examples
        --------
        >>> card = Scorecard.from_dict({"name": "m", "terms": [
        ...     {"kind": "bins", "variable": "x", "edges": [1], "coefficients": [0, 0.5]}]})
        >>> [c["cell"] for c in card.cells()]
        ['(-inf, 1)', '[1, +inf)']
        """
        rows = []
        for t in self._terms:
            for cell, coef in t.cells():
                rows.append(
                    {
                        "term": t.index,
                        "label": t.label,
                        "kind": t.kind,
                        "cell": cell,
                        "coefficient": coef,
                        "odds_ratio": math.exp(coef) if self.link == "logistic" else None,
                        "reference": getattr(t.spec, "reference", None) == cell,
                    }
                )
        return rows

    def describe(self) -> str:
        """Return a readable plain-text summary of the model and every term.

        Examples
        --------
        >>> card = Scorecard.from_dict({"name": "m", "terms": [
        ...     {"kind": "linear", "variable": "x", "odds_ratio": 2.0}]})
        >>> print(card.describe().splitlines()[0])
        Scorecard 'm' (version 1), link logistic, intercept 0 (baseline probability 50%)
        """
        s = self._spec
        head = (
            f"Scorecard {s.name!r} (version {s.version}), link {s.link}, intercept "
            f"{_fmt(self.intercept)}"
        )
        if s.link == "logistic":
            head += f" (baseline probability {100 * float(expit(self.intercept)):.3g}%)"
        lines = [head]
        if s.description:
            lines.append(s.description.strip())
        lines.append(f"Reads {len(self._features)} column(s): {', '.join(self._features)}")
        lines.append(f"Terms ({len(self._terms)}):")
        for t in self._terms:
            kind = t.kind
            if isinstance(t.spec, CategoricalTerm):
                kind += f", reference {t.spec.reference!r}"
            elif isinstance(t.spec, BinsTerm):
                kind += f", closed {t.spec.closed}"
            elif isinstance(t.spec, InteractionTerm):
                kind += " of " + " x ".join(f"{f.variable} ({f.kind})" for f in t.spec.factors)
            lines.append(f"  [{t.index}] {t.label} ({kind})")
            for extra in ("source", "note"):
                if getattr(t.spec, extra):
                    lines.append(f"      {extra}: {getattr(t.spec, extra)}")
            width = max(len(c) for c, _ in t.cells())
            for cell, coef in t.cells():
                ratio = f"  odds ratio {math.exp(coef):.3g}" if s.link == "logistic" else ""
                lines.append(f"      {cell:<{width}}  {coef:+.4f}{ratio}")
        if s.sources:
            lines.append("Sources:")
            for src in s.sources:
                if isinstance(src, str):
                    lines.append(f"  - {src}")
                    continue
                lines.append(f"  - {src.citation}" + (f" ({src.date})" if src.date else ""))
                for key in ("url", "note"):
                    if getattr(src, key):
                        lines.append(f"      {key}: {getattr(src, key)}")
                for key in ("disclosed", "assumed"):
                    for item in getattr(src, key) or []:
                        lines.append(f"      {key}: {item}")
        return "\n".join(lines)

    # ---- dunder ------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scorecard):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Scorecard(name={self.name!r}, version={self.version!r}, link={self.link!r}, "
            f"terms={len(self._terms)}, features={self._features!r})"
        )
