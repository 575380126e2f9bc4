"""The declarative description of a scorecard: validated terms, tables and readable errors.

The spec classes are re-exported by :mod:`scoreaudit.models.scorecard`, where :class:`Scorecard`
compiles them into vectorised lookups.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from scoreaudit.errors import ModelError

MAX_TERMS = 10_000


TERM_KINDS = ("categorical", "bins", "linear", "interaction")


FACTOR_KINDS = ("categorical", "bins", "linear")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def level_key(value: object) -> str:
    """Return the text under which a categorical level is matched.

    Integers and integral floats become their integer text (``1`` and ``1.0`` -> ``"1"``),
    booleans ``"True"`` / ``"False"``, other floats their ``repr`` and anything else ``str``.

    Examples
    --------
    >>> level_key(1), level_key(1.0), level_key(True), level_key("woman")
    ('1', '1', 'True', 'woman')
    """
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isfinite(f) and f.is_integer():
            return str(int(f))
        return repr(f)
    return str(value)


def _fmt(x: float) -> str:
    """Short text for an edge or a coefficient."""
    if math.isinf(x):
        return "+inf" if x > 0 else "-inf"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.10g}"


def _normalise_levels(mapping: Mapping, what: str = "level") -> dict[str, Any]:
    out: dict[str, Any] = {}
    written: dict[str, object] = {}
    for key, value in mapping.items():
        if key is None:
            raise ValueError(f"a {what} cannot be null (YAML '~' or 'null'); quote it if meant")
        norm = level_key(key)
        if norm in out:
            raise ValueError(
                f"duplicate {what} {norm!r} (written as {written[norm]!r} and {key!r}); "
                "list each level once"
            )
        out[norm] = value
        written[norm] = key
    return out


def _normalise_table(value: Any) -> Any:
    """Normalise every mapping key of a nested interaction table (recursively)."""
    if isinstance(value, Mapping):
        return {k: _normalise_table(v) for k, v in _normalise_levels(value).items()}
    if isinstance(value, (list, tuple)):
        return [_normalise_table(v) for v in value]
    return value


def _check_finite(x: float) -> float:
    if not math.isfinite(x):
        raise ValueError(f"must be a finite number, got {x!r}")
    return x


def _check_edge(x: float) -> float:
    if not math.isfinite(x):
        raise ValueError(
            f"edges must be finite numbers, got {x!r}; the outer bins already extend to -inf "
            "and +inf, so leave infinite edges out"
        )
    return x


def _check_odds(x: float) -> float:
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"an odds ratio must be a finite number > 0, got {x!r}")
    return x


Finite = Annotated[float, Field(strict=True), AfterValidator(_check_finite)]


OddsRatio = Annotated[float, Field(strict=True), AfterValidator(_check_odds)]


Edge = Annotated[float, Field(strict=True), AfterValidator(_check_edge)]


Text = Annotated[str, Field(min_length=1)]


def _bin_labels(edges: Sequence[float], closed: str) -> list[str]:
    pts = [-math.inf, *edges, math.inf]
    labels = []
    for i in range(len(pts) - 1):
        lo, hi = pts[i], pts[i + 1]
        left = "[" if (closed == "left" and i > 0) else "("
        right = "]" if (closed == "right" and i < len(pts) - 2) else ")"
        labels.append(f"{left}{_fmt(lo)}, {_fmt(hi)}{right}")
    return labels


# --------------------------------------------------------------------------------------------
# Schema (pydantic v2). Cross-field errors are raised as "@sub.path: message" and the
# formatter appends the sub-path to the location pydantic reports.
# --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [k for k in data if k not in cls.model_fields]
            if unknown:
                raise ValueError(
                    f"unknown key(s) {', '.join(map(repr, unknown))}; allowed keys here: "
                    f"{', '.join(cls.model_fields)}"
                )
        return data


class SourceEntry(_Strict):
    """A source of the spec, with what it discloses and what the spec assumes."""

    citation: Text
    date: str | None = None
    url: str | None = None
    disclosed: list[str] | None = None
    assumed: list[str] | None = None
    note: str | None = None


SourceItem = Annotated[
    Union[Annotated[str, Tag("text")], Annotated[SourceEntry, Tag("entry")]],  # noqa: UP007
    Discriminator(lambda v: "text" if isinstance(v, str) else "entry"),
]


class _TermCommon(_Strict):
    name: Text | None = None
    source: str | None = None
    note: str | None = None


class _Edges(BaseModel):
    """Mixin validating ``edges``."""

    @field_validator("edges", check_fields=False)
    @classmethod
    def _increasing(cls, edges: list[float]) -> list[float]:
        for i in range(1, len(edges)):
            if not edges[i] > edges[i - 1]:
                raise ValueError(
                    f"must be increasing (each edge strictly above the previous one), got "
                    f"[{', '.join(map(_fmt, edges))}]: edge {i} ({_fmt(edges[i])}) is not above "
                    f"edge {i - 1} ({_fmt(edges[i - 1])})"
                )
        return edges


def _one_of(obj: BaseModel, a: str, b: str) -> str:
    has_a, has_b = getattr(obj, a) is not None, getattr(obj, b) is not None
    if has_a and has_b:
        raise ValueError(f"@{b}: give either {a} (log-odds) or {b}, not both")
    if not (has_a or has_b):
        raise ValueError(f"give {a} (link scale, log-odds for link: logistic) or {b}")
    return a if has_a else b


class CategoricalTerm(_TermCommon):
    """One coefficient per level, relative to a reference level."""

    kind: Literal["categorical"]
    variable: Text
    reference: str
    coefficients: dict[str, Finite] | None = None
    odds_ratios: dict[str, OddsRatio] | None = None

    @field_validator("reference", mode="before")
    @classmethod
    def _ref_key(cls, v: Any) -> Any:
        return v if v is None or isinstance(v, str) else level_key(v)

    @field_validator("coefficients", "odds_ratios", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            if not v:
                raise ValueError("needs at least one level")
            return _normalise_levels(v)
        return v

    @model_validator(mode="after")
    def _check(self) -> CategoricalTerm:
        field = _one_of(self, "coefficients", "odds_ratios")
        values: dict[str, float] = getattr(self, field)
        if self.reference not in values:
            raise ValueError(
                f"@reference: reference level {self.reference!r} is not among the levels "
                f"listed in {field} ({', '.join(map(repr, values))}); list it there with "
                "coefficient 0 (odds ratio 1)"
            )
        neutral = 0.0 if field == "coefficients" else 1.0
        if values[self.reference] != neutral:
            raise ValueError(
                f"@{field}.{self.reference}: the reference level must have "
                f"{'coefficient 0' if neutral == 0 else 'odds ratio 1'}, got "
                f"{values[self.reference]!r}"
            )
        return self


class BinsTerm(_TermCommon, _Edges):
    """One coefficient per interval of a numeric variable."""

    kind: Literal["bins"]
    variable: Text
    edges: Annotated[list[Edge], Field(min_length=1)]
    closed: Literal["left", "right"] = "left"
    coefficients: list[Finite] | None = None
    odds_ratios: list[OddsRatio] | None = None

    @model_validator(mode="after")
    def _check(self) -> BinsTerm:
        field = _one_of(self, "coefficients", "odds_ratios")
        n_bins = len(self.edges) + 1
        got = len(getattr(self, field))
        if got != n_bins:
            raise ValueError(
                f"@{field}: {got} value(s) given for {n_bins} bins; edges "
                f"[{', '.join(map(_fmt, self.edges))}] (closed {self.closed}) make the bins "
                f"{' '.join(_bin_labels(self.edges, self.closed))}"
            )
        return self


Clip = Annotated[list[Union[Finite, None]], Field(min_length=2, max_length=2)]  # noqa: UP007


def _check_clip(clip: list[float | None] | None) -> None:
    if clip is not None and clip[0] is not None and clip[1] is not None and clip[0] > clip[1]:
        raise ValueError(f"@clip: lower bound {clip[0]!r} is above upper bound {clip[1]!r}")


class LinearTerm(_TermCommon):
    """A coefficient times the (optionally clipped) value of a numeric variable."""

    kind: Literal["linear"]
    variable: Text
    coefficient: Finite | None = None
    odds_ratio: OddsRatio | None = None
    clip: Clip | None = None

    @model_validator(mode="after")
    def _check(self) -> LinearTerm:
        _one_of(self, "coefficient", "odds_ratio")
        _check_clip(self.clip)
        return self


class CategoricalFactor(_Strict):
    """A categorical factor of an interaction: one table row or column per level."""

    kind: Literal["categorical"]
    variable: Text
    levels: Annotated[list[str], Field(min_length=1)]

    @field_validator("levels", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        if not isinstance(v, (list, tuple)):
            return v
        out: list[str] = []
        for lv in v:
            if lv is None:
                raise ValueError("a level cannot be null (YAML '~' or 'null'); quote it if meant")
            key = level_key(lv)
            if key in out:
                raise ValueError(f"duplicate level {key!r}; list each level once")
            out.append(key)
        return out


class BinsFactor(_Strict, _Edges):
    """A binned factor of an interaction: one table row or column per bin."""

    kind: Literal["bins"]
    variable: Text
    edges: Annotated[list[Edge], Field(min_length=1)]
    closed: Literal["left", "right"] = "left"


class LinearFactor(_Strict):
    """A numeric factor of an interaction: its (clipped) value multiplies the cell."""

    kind: Literal["linear"]
    variable: Text
    clip: Clip | None = None

    @model_validator(mode="after")
    def _check(self) -> LinearFactor:
        _check_clip(self.clip)
        return self


Factor = Annotated[Union[CategoricalFactor, BinsFactor, LinearFactor], Field(discriminator="kind")]  # noqa: UP007
#: A parsed factor of an interaction (the type checkers see; ``Factor`` is what pydantic parses).
FactorSpec = Union[CategoricalFactor, BinsFactor, LinearFactor]  # noqa: UP007


def _table_dims(factors: Sequence[FactorSpec]) -> list[tuple[int, FactorSpec]]:
    return [(i, f) for i, f in enumerate(factors) if not isinstance(f, LinearFactor)]


def number_hint(value: Any) -> str:
    """A hint for the usual ways a number typed from a French table goes wrong in YAML.

    Examples
    --------
    >>> number_hint("1,4")
    ' (a decimal comma? write 1.4 with a point)'
    >>> number_hint(None)[:30]
    ' (empty: in {...} or [...], 1,'
    """
    if value is None:
        return (
            " (empty: in {...} or [...], 1,4 is read as two entries 1 and 4; write decimals "
            "with a point, 1.4)"
        )
    text = str(value).strip()
    if re.fullmatch(r"[-+]?\d+,\d+", text):
        return f" (a decimal comma? write {text.replace(',', '.')} with a point)"
    return ""


def _parse_table(raw: Any, factors: Sequence[FactorSpec], field: str, odds: bool) -> np.ndarray:
    """Parse a nested interaction table into an array of shape (size1, size2), log scale."""

    def cells(value: Any, dims: list[tuple[int, FactorSpec]], path: str) -> np.ndarray:
        if not dims:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"@{path}: must be a number, got {value!r}{number_hint(value)}")
            x = float(value)
            if odds and (not math.isfinite(x) or x <= 0):
                raise ValueError(f"@{path}: an odds ratio must be a finite number > 0, got {x!r}")
            if not math.isfinite(x):
                raise ValueError(f"@{path}: must be a finite number, got {x!r}")
            return np.array(math.log(x) if odds else x)
        which, factor = dims[0]
        if isinstance(factor, CategoricalFactor):
            levels = factor.levels
            if not isinstance(value, Mapping):
                raise ValueError(
                    f"@{path}: expected a mapping with one entry per level of factors[{which}] "
                    f"({factor.variable}: {', '.join(levels)}), got {value!r}"
                )
            missing = [lv for lv in levels if lv not in value]
            extra = [k for k in value if k not in levels]
            if missing or extra:
                parts = []
                if missing:
                    parts.append(f"missing level(s) {', '.join(map(repr, missing))}")
                if extra:
                    parts.append(
                        f"level(s) {', '.join(map(repr, extra))} not listed in "
                        f"factors[{which}].levels"
                    )
                raise ValueError(f"@{path}: {'; '.join(parts)}; give one entry per level")
            return np.stack([cells(value[lv], dims[1:], f"{path}.{lv}") for lv in levels])
        assert isinstance(factor, BinsFactor)
        n = len(factor.edges) + 1
        if not isinstance(value, (list, tuple)) or len(value) != n:
            raise ValueError(
                f"@{path}: expected a list of {n} values, one per bin of factors[{which}] "
                f"({factor.variable}: {' '.join(_bin_labels(factor.edges, factor.closed))}), "
                f"got {value!r}"
            )
        return np.stack([cells(v, dims[1:], f"{path}[{i}]") for i, v in enumerate(value)])

    arr = cells(raw, _table_dims(factors), field)
    shape = tuple(
        1
        if isinstance(f, LinearFactor)
        else len(f.levels)
        if isinstance(f, CategoricalFactor)
        else len(f.edges) + 1
        for f in factors
    )
    return np.asarray(arr, dtype=np.float64).reshape(shape)


class InteractionTerm(_TermCommon):
    """Interaction of two factors, with one coefficient per cell of their table."""

    kind: Literal["interaction"]
    factors: Annotated[list[Factor], Field(min_length=2, max_length=2)]
    coefficients: Any = None
    odds_ratios: Any = None

    @field_validator("coefficients", "odds_ratios", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        return _normalise_table(v)

    @model_validator(mode="after")
    def _check(self) -> InteractionTerm:
        field = _one_of(self, "coefficients", "odds_ratios")
        _parse_table(getattr(self, field), self.factors, field, field == "odds_ratios")
        return self


Term = Annotated[
    Union[CategoricalTerm, BinsTerm, LinearTerm, InteractionTerm],  # noqa: UP007
    Field(discriminator="kind"),
]
#: A parsed term (the type checkers see; ``Term`` is what pydantic parses).
TermSpec = Union[CategoricalTerm, BinsTerm, LinearTerm, InteractionTerm]  # noqa: UP007


def _term_label(term: TermSpec) -> str:
    if term.name is not None:
        return term.name
    if isinstance(term, InteractionTerm):
        return ":".join(f.variable for f in term.factors)
    return term.variable


class ScorecardSpec(_Strict):
    """The validated content of a scorecard spec (see the module docstring for the format)."""

    name: Text
    version: str = "1"
    description: str = ""
    sources: list[SourceItem] = Field(default_factory=list)
    link: Literal["logistic", "identity"] = "logistic"
    intercept: Finite = 0.0
    terms: Annotated[list[Term], Field(min_length=1, max_length=MAX_TERMS)]

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _check(self) -> ScorecardSpec:
        if self.link != "logistic":
            for i, t in enumerate(self.terms):
                field = "odds_ratio" if isinstance(t, LinearTerm) else "odds_ratios"
                if getattr(t, field) is not None:
                    raise ValueError(
                        f"@terms[{i}].{field}: odds ratios need link: logistic (they are "
                        f"converted to log-odds); with link: {self.link} give coefficients"
                    )
        seen: dict[str, int] = {}
        for i, t in enumerate(self.terms):
            label = _term_label(t)
            if label == "intercept":
                raise ValueError(
                    f"@terms[{i}].name: 'intercept' is reserved; give the term another name"
                )
            if label in seen:
                raise ValueError(
                    f"@terms[{i}]: label {label!r} is already used by terms[{seen[label]}]; "
                    "give one of them a distinct `name:` (it labels its contributions column)"
                )
            seen[label] = i
        return self


# --------------------------------------------------------------------------------------------
# Validation error formatting
# --------------------------------------------------------------------------------------------

_TAGS = {*TERM_KINDS, "text", "entry"}


def _format_loc(loc: Sequence[int | str]) -> str:
    out = ""
    prev_index = False
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            prev_index = True
            continue
        if prev_index and part in _TAGS:  # discriminated-union tag, not a key of the file
            prev_index = False
            continue
        prev_index = False
        if part.startswith("function-"):
            continue
        out += ("." if out else "") + part
    return out


def _format_error(err: Mapping[str, Any]) -> str:
    path = _format_loc(err["loc"])
    msg: str = err["msg"]
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
        if msg.startswith("@"):
            sub, _, msg = msg[1:].partition(": ")
            path = f"{path}.{sub}" if path and not sub.startswith("[") else f"{path}{sub}"
    elif kind == "union_tag_invalid":
        allowed = TERM_KINDS if path.count("factors") == 0 else FACTOR_KINDS
        msg = f"unknown term kind {ctx.get('tag')!r}; use one of: {', '.join(allowed)}"
    elif kind == "union_tag_not_found":
        msg = "missing key 'kind' (categorical, bins, linear or interaction)"
    elif kind == "missing":
        msg = "required key is missing"
    elif kind in ("float_type", "float_parsing"):
        msg = f"must be a number, got {err.get('input')!r}{number_hint(err.get('input'))}"
    elif kind == "string_type":
        msg = f"must be text, got {err.get('input')!r}"
    elif kind == "literal_error":
        msg = f"{msg.replace('Input should be', 'must be')}, got {err.get('input')!r}"
    elif kind == "too_long" and path == "terms":
        msg = f"a spec may have at most {MAX_TERMS:,} terms, got {len(err.get('input') or [])}"
    elif kind == "model_attributes_type" or kind == "model_type" or kind == "dict_type":
        msg = f"must be a mapping (key: value), got {err.get('input')!r}"
    return f"{path or '(top level)'}: {msg}"


def _spec_error(exc: ValidationError, source: str | None) -> ModelError:
    lines = [_format_error(e) for e in exc.errors()]
    where = f" in {source}" if source else ""
    return ModelError(
        f"Invalid model spec{where}: {len(lines)} problem(s):\n  - "
        + "\n  - ".join(lines)
        + "\nFix the spec and check it with `scoreaudit model check SPEC`."
    )
