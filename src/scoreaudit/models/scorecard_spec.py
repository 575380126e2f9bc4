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

from scoreaudit.core.messages import LANGUAGES
from scoreaudit.errors import ModelError, Part, Parts

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


def _bad(key: str, /, at: str | None = None, **params: Any) -> ModelError:
    """A spec problem from the catalogue; ``at`` is its sub-path below the field validated."""
    return ModelError.from_key(key, at=at, **params)


def _normalise_levels(mapping: Mapping) -> dict[str, Any]:
    out: dict[str, Any] = {}
    written: dict[str, object] = {}
    for key, value in mapping.items():
        if key is None:
            raise _bad("err_spec_level_null")
        norm = level_key(key)
        if norm in out:
            raise _bad("err_spec_level_twice", level=norm, first=written[norm], second=key)
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
        raise _bad("err_spec_not_finite", value=x)
    return x


def _check_edge(x: float) -> float:
    if not math.isfinite(x):
        raise _bad("err_spec_edge_infinite", value=x)
    return x


def _check_odds(x: float) -> float:
    if not math.isfinite(x) or x <= 0:
        raise _bad("err_spec_odds", value=x)
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
                raise _bad(
                    "err_spec_unknown_keys",
                    keys=", ".join(map(repr, unknown)),
                    allowed=", ".join(cls.model_fields),
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
    """Mixin: a numeric variable cut at ``edges`` (binned term or factor), edges validated."""

    kind: Literal["bins"]
    variable: Text
    edges: Annotated[list[Edge], Field(min_length=1)]
    closed: Literal["left", "right"] = "left"

    @field_validator("edges", check_fields=False)
    @classmethod
    def _increasing(cls, edges: list[float]) -> list[float]:
        for i in range(1, len(edges)):
            if not edges[i] > edges[i - 1]:
                raise _bad(
                    "err_spec_edges_order",
                    edges=", ".join(map(_fmt, edges)),
                    i=i,
                    edge=_fmt(edges[i]),
                    j=i - 1,
                    before=_fmt(edges[i - 1]),
                )
        return edges


def _one_of(obj: BaseModel, a: str, b: str) -> str:
    has_a, has_b = getattr(obj, a) is not None, getattr(obj, b) is not None
    if has_a and has_b:
        raise _bad("err_spec_both", at=b, a=a, b=b)
    if not (has_a or has_b):
        raise _bad("err_spec_neither", a=a, b=b)
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
                raise _bad("err_spec_no_level")
            return _normalise_levels(v)
        return v

    @model_validator(mode="after")
    def _check(self) -> CategoricalTerm:
        field = _one_of(self, "coefficients", "odds_ratios")
        values: dict[str, float] = getattr(self, field)
        if self.reference not in values:
            raise _bad(
                "err_spec_reference_missing",
                at="reference",
                level=self.reference,
                field=field,
                levels=", ".join(map(repr, values)),
            )
        neutral = 0.0 if field == "coefficients" else 1.0
        if values[self.reference] != neutral:
            key = "err_spec_reference_coef" if neutral == 0 else "err_spec_reference_odds"
            raise _bad(key, at=f"{field}.{self.reference}", value=values[self.reference])
        return self


class BinsTerm(_Edges, _TermCommon):  # _Edges first: its fields follow name/source/note
    """One coefficient per interval of a numeric variable."""

    coefficients: list[Finite] | None = None
    odds_ratios: list[OddsRatio] | None = None

    @model_validator(mode="after")
    def _check(self) -> BinsTerm:
        field = _one_of(self, "coefficients", "odds_ratios")
        n_bins = len(self.edges) + 1
        got = len(getattr(self, field))
        if got != n_bins:
            raise _bad(
                "err_spec_bins_count",
                at=field,
                got=got,
                n=n_bins,
                edges=", ".join(map(_fmt, self.edges)),
                closed=self.closed,
                bins=" ".join(_bin_labels(self.edges, self.closed)),
            )
        return self


Clip = Annotated[list[Union[Finite, None]], Field(min_length=2, max_length=2)]  # noqa: UP007


def _check_clip(clip: list[float | None] | None) -> None:
    if clip is not None and clip[0] is not None and clip[1] is not None and clip[0] > clip[1]:
        raise _bad("err_spec_clip_order", at="clip", lower=clip[0], upper=clip[1])


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
                raise _bad("err_spec_level_null")
            key = level_key(lv)
            if key in out:
                raise _bad("err_spec_level_duplicate", level=key)
            out.append(key)
        return out


class BinsFactor(_Edges, _Strict):
    """A binned factor of an interaction: one table row or column per bin."""


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
    return str(_number_hint(value))


def _number_hint(value: Any) -> Part | str:
    if value is None:
        return Part("err_spec_hint_empty", number="1.4")
    text = str(value).strip()
    if re.fullmatch(r"[-+]?\d+,\d+", text):
        return Part("err_spec_hint_comma", number=text.replace(",", "."))
    return ""


def _parse_table(raw: Any, factors: Sequence[FactorSpec], field: str, odds: bool) -> np.ndarray:
    """Parse a nested interaction table into an array of shape (size1, size2), log scale."""

    def cells(value: Any, dims: list[tuple[int, FactorSpec]], path: str) -> np.ndarray:
        if not dims:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _bad("err_spec_number", at=path, value=value, hint=_number_hint(value))
            x = float(value)
            if odds and (not math.isfinite(x) or x <= 0):
                raise _bad("err_spec_odds", at=path, value=x)
            if not math.isfinite(x):
                raise _bad("err_spec_not_finite", at=path, value=x)
            return np.array(math.log(x) if odds else x)
        which, factor = dims[0]
        if isinstance(factor, CategoricalFactor):
            levels = factor.levels
            if not isinstance(value, Mapping):
                raise _bad(
                    "err_spec_table_mapping",
                    at=path,
                    which=which,
                    variable=factor.variable,
                    levels=", ".join(levels),
                    value=value,
                )
            missing = [lv for lv in levels if lv not in value]
            extra = [k for k in value if k not in levels]
            if missing or extra:
                parts = []
                if missing:
                    parts.append(
                        Part("err_spec_levels_missing", levels=", ".join(map(repr, missing)))
                    )
                if extra:
                    extra_levels = ", ".join(map(repr, extra))
                    parts.append(Part("err_spec_levels_extra", levels=extra_levels, which=which))
                raise _bad(
                    "err_spec_table_levels",
                    at=path,
                    problems=Parts(parts, sep=Part("err_sep_semicolon")),
                )
            return np.stack([cells(value[lv], dims[1:], f"{path}.{lv}") for lv in levels])
        assert isinstance(factor, BinsFactor)
        n = len(factor.edges) + 1
        if not isinstance(value, (list, tuple)) or len(value) != n:
            raise _bad(
                "err_spec_table_list",
                at=path,
                n=n,
                which=which,
                variable=factor.variable,
                bins=" ".join(_bin_labels(factor.edges, factor.closed)),
                value=value,
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


def _check_label_names(value: Any) -> Any:
    """A display name: one text for both languages, or ``{en: ..., fr: ...}`` (one line of
    at most 200 characters each)."""
    names = value if isinstance(value, Mapping) else {"en": value}
    bad_lang = [str(k) for k in names if k not in ("en", "fr")]
    if bad_lang or not names:
        raise _bad("err_spec_label_lang", got=", ".join(bad_lang) or "{}")
    for text in names.values():
        if not isinstance(text, str) or not text.strip():
            raise _bad("err_spec_label_text", value=text)
        if len(text) > 200 or any(ord(c) < 32 for c in text):
            raise _bad("err_spec_label_line", value=text[:40])
    return value


LabelNames = Annotated[Any, AfterValidator(_check_label_names)]


class SpecLabels(_Strict):
    """Display names the spec gives its inputs, attributes and groups (the report's words;
    the user's ``--labels`` file overrides them). Same layout as a labels file."""

    attributes: dict[str, LabelNames] = Field(default_factory=dict)
    groups: dict[str, dict[str, LabelNames]] = Field(default_factory=dict)
    variables: dict[str, LabelNames] = Field(default_factory=dict)


class SpecTranslation(_Strict):
    """The spec's texts in another language: its description, and each other text (a
    source's citation, what it discloses or assumes, a term's source or note) keyed by the
    text as the spec writes it."""

    description: str | None = None
    texts: dict[str, str] = Field(default_factory=dict)


def spec_texts(spec: ScorecardSpec) -> list[str]:
    """Every text of a spec that a translation may give (the description aside).

    Examples
    --------
    >>> spec = ScorecardSpec.model_validate({"name": "m", "sources": ["a report"], "terms": [
    ...     {"kind": "linear", "variable": "x", "coefficient": 1, "note": "assumed"}]})
    >>> spec_texts(spec)
    ['a report', 'assumed']
    """
    out: list[str] = []
    for src in spec.sources:
        if isinstance(src, str):
            out.append(src)
            continue
        out += [src.citation, *(src.disclosed or []), *(src.assumed or [])]
        out += [src.note] if src.note else []
    for term in spec.terms:
        out += [x for x in (term.source, term.note) if x]
    return out


class ScorecardSpec(_Strict):
    """The validated content of a scorecard spec (see the module docstring for the format)."""

    name: Text
    version: str = "1"
    description: str = ""
    sources: list[SourceItem] = Field(default_factory=list)
    link: Literal["logistic", "identity"] = "logistic"
    intercept: Finite = 0.0
    terms: Annotated[list[Term], Field(min_length=1, max_length=MAX_TERMS)]
    labels: SpecLabels | None = None
    translations: dict[str, SpecTranslation] = Field(default_factory=dict)

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
                    raise _bad("err_spec_odds_link", at=f"terms[{i}].{field}", link=self.link)
        seen: dict[str, int] = {}
        for i, t in enumerate(self.terms):
            label = _term_label(t)
            if label == "intercept":
                raise _bad("err_spec_intercept_name", at=f"terms[{i}].name")
            if label in seen:
                raise _bad("err_spec_label_used", at=f"terms[{i}]", label=label, j=seen[label])
            seen[label] = i
        self._check_translations()
        return self

    def _check_translations(self) -> None:
        """A translation is of a language the reports speak, and of texts the spec has (so
        that editing a text without its translation is an error, not a silent English)."""
        known = set(spec_texts(self))
        for lang, tr in self.translations.items():
            if lang not in LANGUAGES or lang == "en":
                raise _bad("err_spec_translation_lang", at=f"translations.{lang}", lang=lang)
            if tr.description is not None and not self.description:
                raise _bad("err_spec_translation_no_text", at=f"translations.{lang}.description")
            for text in tr.texts:
                if text not in known:
                    raise _bad(
                        "err_spec_translation_unknown",
                        at=f"translations.{lang}.texts",
                        text=text if len(text) <= 60 else text[:57] + "...",
                    )


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


def _join_path(path: str, sub: str | None) -> str:
    if not sub:
        return path
    return f"{path}.{sub}" if path and not sub.startswith("[") else f"{path}{sub}"


#: Catalogue key of pydantic's own errors, by error type.
_PYDANTIC_KEYS = {
    "union_tag_not_found": "err_spec_kind_missing",
    "missing": "err_spec_required",
    "float_type": "err_spec_number",
    "float_parsing": "err_spec_number",
    "string_type": "err_spec_text",
    "model_attributes_type": "err_spec_mapping",
    "model_type": "err_spec_mapping",
    "dict_type": "err_spec_mapping",
    "list_type": "err_spec_list",
    "extra_forbidden": "err_spec_extra",
}


def _pydantic_problem(kind: str, path: str, err: Mapping[str, Any]) -> Part:
    """The catalogue message for one of pydantic's own errors (its English text otherwise)."""
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "union_tag_invalid":
        allowed = TERM_KINDS if path.count("factors") == 0 else FACTOR_KINDS
        return Part("err_spec_kind_unknown", kind=ctx.get("tag"), allowed=", ".join(allowed))
    if kind == "literal_error":
        return Part("err_spec_literal", expected=ctx.get("expected"), value=value)
    if kind == "too_long" and path == "terms":
        return Part("err_spec_too_many_terms", max=f"{MAX_TERMS:,}", n=len(value or []))
    if kind == "too_short" and "min_length" in ctx:
        n = ctx["min_length"]
        return Part("err_spec_too_short", n=n, s="" if n == 1 else "s")
    if kind in _PYDANTIC_KEYS:
        return Part(_PYDANTIC_KEYS[kind], value=value, hint=_number_hint(value))
    return Part("err_spec_other", msg=err["msg"])


def _format_error(err: Mapping[str, Any]) -> Part:
    """One validation problem, ``path: message``, in the catalogue."""
    path = _format_loc(err["loc"])
    error = (err.get("ctx") or {}).get("error")
    if isinstance(error, ModelError) and error.message_key:
        params = dict(error.message_params)
        path = _join_path(path, params.pop("at", None))
        problem = Part(error.message_key, **params)
    else:
        problem = _pydantic_problem(err["type"], path, err)
    where: Part | str = path or Part("err_spec_top_level")
    return Part("err_spec_problem", path=where, problem=problem)


def _spec_error(exc: ValidationError, source: str | None) -> ModelError:
    lines = [_format_error(e) for e in exc.errors()]
    return ModelError.from_key(
        "err_spec_invalid",
        where=Part("err_spec_in", source=source) if source else "",
        n=len(lines),
        problems=Parts(lines, sep="\n  - "),
    )
