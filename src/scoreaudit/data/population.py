"""The audited population: beneficiary rows with validated protected attributes.

A :class:`Population` wraps a data frame (one row per file / household) and records which
columns are protected attributes, which column (if any) holds the outcome of a control, and
which column (if any) holds row weights. Validation happens once, here, so that everything
downstream can trust integer group codes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import present_codes
from scoreaudit.core.vocab import MISSING_LABEL, SEP
from scoreaudit.data.io import row_part, source_name
from scoreaudit.errors import DataError, Part, Parts

#: A numeric protected attribute with more distinct values than this must be banded.
MAX_UNBANDED_LEVELS = 20

#: Most groups per protected attribute (``Population(max_categories=...)`` changes it). A
#: national audit has a few to a few hundred groups per attribute (departments: 101); more
#: means an identifier or free text, which made an audit run for minutes and gigabytes.
MAX_CATEGORIES = 10_000
#: Longest group label, in characters (``Population(max_label_chars=...)``).
MAX_LABEL_CHARS = 200
#: Weights must lie in ``[MIN_WEIGHT, MAX_WEIGHT]`` with ``max / min <= MAX_WEIGHT_RATIO``.
#: A weight is how many files a row stands for: above 1e15 it is no count of people (sums of
#: such weights lose whole files to rounding, and 1e308 overflows the total), below 1e-9 it
#: is not a share of a real population (1e-320 is a subnormal number whose products vanish),
#: and a ratio above 1e12 lets one row outweigh a trillion others (a unit or export error;
#: survey weights differ by factors of 10 to 10,000).
MIN_WEIGHT = 1e-9
MAX_WEIGHT = 1e15
MAX_WEIGHT_RATIO = 1e12

#: Bidirectional-control characters (they reorder the text around them when displayed, so a
#: label can show as another): refused in group labels and protected column names.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Letters of other scripts that look like Latin ones (a subset of Unicode's confusables,
#: the letters of Cyrillic, Greek and Armenian that render like a Latin letter).
_LOOKALIKE = str.maketrans(
    "АВЕКМНОРСТХУІЈЅҮӀаеорсухѕіјԁһӏԛԝүɡɑıΑΒΕΖΗΙΚΜΝΟΡΤΥΧοινυρκαօսցզհո",
    "ABEKMHOPCTXYIJSYIaeopcyxsijdhlqwygaiABEZHIKMNOPTYXoivupkaougqhn",
)


def _narrow(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """``codes`` in the smallest signed integer type holding ``0..n_levels - 1`` (a row's
    code is kept for the whole audit: int8 instead of int32 is 3 bytes less per row and
    attribute)."""
    dtype = np.int8 if n_levels <= 127 else np.int16 if n_levels <= 32767 else np.int32
    return codes.astype(dtype, copy=False)


@dataclass(frozen=True)
class Attribute:
    """A validated protected attribute: integer codes per row and the label of each code."""

    name: str
    codes: np.ndarray  # one per row, 0..len(levels)-1, the smallest signed integer type
    levels: tuple[str, ...]

    @property
    def n_levels(self) -> int:
        return len(self.levels)


def band_labels(edges: Sequence[float] | np.ndarray) -> list[str]:
    """Labels for the bands cut at ``edges``: ``<25``, ``25-34``, ..., ``65+``.

    Bands are closed on the left: ``[25, 35)`` is labelled ``25-34`` when the edges are
    integers (ages), ``25-35`` otherwise.

    Examples
    --------
    >>> band_labels([25, 35, 50, 65])
    ['<25', '25-34', '35-49', '50-64', '65+']
    """
    edges = [float(e) for e in edges]
    integer = all(e == int(e) for e in edges)

    def fmt(x: float) -> str:
        return str(int(x)) if x == int(x) else f"{x:g}"

    labels = [f"<{fmt(edges[0])}"]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        labels.append(f"{fmt(lo)}-{fmt(hi - 1) if integer else fmt(hi)}")
    labels.append(f"{fmt(edges[-1])}+")
    return labels


def _band(
    name: str, values: pd.Series, edges: Sequence[float], data: pd.DataFrame | None = None
) -> tuple[np.ndarray, tuple]:
    edges_arr = np.asarray(list(edges), dtype=float)
    if edges_arr.ndim != 1 or edges_arr.size == 0 or not np.all(np.isfinite(edges_arr)):
        raise DataError.from_key("err_bands_not_numbers", name=name)
    if np.any(np.diff(edges_arr) <= 0):
        raise DataError.from_key("err_bands_not_increasing", name=name, edges=list(edges))
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() & values.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        row = row_part(data, pos) if data is not None else Part("err_row", pos=pos)
        where = _in_file(data) if data is not None else ""
        raise DataError.from_key(
            "err_band_not_number",
            name=name,
            where=where,
            value=_show(values.iloc[pos]),
            row=row,
            n=int(bad.sum()),
        )
    arr = numeric.to_numpy(dtype=float, na_value=np.nan)
    codes = np.searchsorted(edges_arr, arr, side="right").astype(np.int32)
    codes[np.isnan(arr)] = -1
    return codes, tuple(band_labels(edges_arr))


def _encode(name: str, values: pd.Series) -> tuple[np.ndarray, tuple]:
    """Integer codes (-1 for missing) and string labels, in the column's natural order."""
    try:
        cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    except TypeError:  # unhashable values: lists or records further down the column
        raise DataError.from_key("err_protected_nested", name=name) from None
    # pandas' own smallest type (int8 below 128 levels), copied: with pandas 2 the codes are
    # a view of the user's column, and an edit of the frame must not move a built population
    codes = cat.cat.codes.to_numpy().copy()
    levels = [str(c) for c in cat.cat.categories]
    # drop unused categories (``remove_unused_categories`` sorts every row)
    used = present_codes(codes, len(levels))
    if not used.all():
        remap = np.where(used, np.cumsum(used) - 1, -1).astype(np.int32)
        codes = np.where(codes >= 0, remap[codes], -1).astype(codes.dtype)
        levels = [lv for lv, u in zip(levels, used, strict=True) if u]
    if len(set(levels)) != len(levels):
        raise DataError.from_key("err_levels_print_same", name=name, levels=levels)
    return codes, tuple(levels)


class Population:
    """Beneficiary files to audit, with their protected attributes validated.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame, pyarrow.Table, or a CSV / Parquet path
        One row per file (household). Other columns (model inputs, scores) are kept as is.
        Other tables are converted once to pandas through Arrow, keeping column names and
        categories (see :mod:`scoreaudit.data.inputs`).
    protected : list of str
        Columns holding protected attributes (e.g. gender, age band, family status).
    label : str, optional
        Outcome of a control: 1/True when irregularities were found, 0/False when none were,
        missing (NaN) for files never controlled.
    weight : str, optional
        Positive, finite row weights (e.g. survey weights: a row stands for ``w`` files).
    bands : dict, optional
        Cut points for numeric protected attributes, e.g. ``{"age": [25, 35, 50, 65]}`` gives
        groups ``<25``, ``25-34``, ``35-49``, ``50-64``, ``65+`` (closed on the left). The frame
        keeps the numeric column; only the group codes are banded.
    missing : {"error", "category"}
        What to do with missing values in a protected attribute: raise an error (default) or
        treat them as an explicit group labelled ``"(missing)"``.
    engine : {"duckdb", "spark"}, optional
        Keep the data in an engine (a path is then not read into memory). Globs,
        ``"duckdb:PATH::TABLE"``, ibis tables, DuckDB relations and Spark DataFrames always
        stay in their engine (see :mod:`scoreaudit.data.sources`); ``sa.audit`` then computes
        its counts there and only small tables come back.
    max_categories : int, optional
        Most groups per protected attribute (default :data:`MAX_CATEGORIES`, 10,000).
    max_label_chars : int, optional
        Longest group label (default :data:`MAX_LABEL_CHARS`, 200 characters).

    Group labels are checked: no bidirectional-control characters, and no two labels that
    look alike (same text after Unicode NFKC normalisation, case folding, removing invisible
    characters and reading Cyrillic, Greek or Armenian look-alikes as Latin letters).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"gender": ["woman", "man", "woman"], "age": [23, 41, 67],
    ...                       "score": [0.9, 0.1, 0.5]})
    >>> pop = Population(frame, protected=["gender", "age"], bands={"age": [25, 65]})
    >>> pop.attributes["age"].levels
    ('<25', '25-64', '65+')
    >>> len(pop)
    3
    """

    def __init__(
        self,
        data: pd.DataFrame,
        protected: Sequence[str],
        *,
        label: str | None = None,
        weight: str | None = None,
        bands: Mapping[str, Sequence[float]] | None = None,
        missing: str = "error",
        engine: str | None = None,
        max_categories: int | None = None,
        max_label_chars: int | None = None,
    ) -> None:
        from scoreaudit.data import sources

        self.max_categories = MAX_CATEGORIES if max_categories is None else int(max_categories)
        self.max_label_chars = MAX_LABEL_CHARS if max_label_chars is None else int(max_label_chars)
        if sources.is_lazy(data, engine):  # stays in its engine: metadata only
            src = sources.lazy_source(data, engine)
            sources.init_lazy_population(self, src, protected, label, weight, bands or {}, missing)
            return
        if not isinstance(data, pd.DataFrame):
            data = _to_pandas(data)
        if isinstance(protected, str):
            protected = [protected]
        protected = list(protected)
        bands = dict(bands or {})
        if missing not in ("error", "category"):
            raise DataError.from_key("err_missing_option", value=missing)
        where = _in_file(data)
        if len(data) == 0:
            raise DataError.from_key("err_population_empty", where=where)
        if len(data) == 1:
            raise DataError.from_key("err_population_one_row", where=where)
        if data.columns.duplicated().any():
            dups = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
            raise DataError.from_key(
                "err_population_dup_columns", where=where, dups=", ".join(dups)
            )
        if not protected:
            raise DataError.from_key("err_no_protected")
        if len(set(protected)) != len(protected):
            raise DataError.from_key("err_protected_twice", protected=protected)
        absent = [c for c in protected if c not in data.columns]
        if absent:
            raise DataError.lacking_columns(
                "err_protected_not_found",
                data.columns,
                columns=", ".join(map(repr, absent)),
                where=where,
                hints=_column_hints(absent, data),
            )
        unknown_bands = [c for c in bands if c not in protected]
        if unknown_bands:
            raise DataError.from_key(
                "err_bands_not_protected", bands=unknown_bands, protected=protected
            )

        from scoreaudit.data.inputs import refuse_nested_columns

        refuse_nested_columns(data, protected, Part("err_role_protected"))
        for column, role in ((label, "err_role_label"), (weight, "err_role_weight")):
            if column is not None:
                refuse_nested_columns(data, [column], Part(role))
        self.max_categories = MAX_CATEGORIES if max_categories is None else int(max_categories)
        self.max_label_chars = MAX_LABEL_CHARS if max_label_chars is None else int(max_label_chars)
        self.data = data
        self.protected = protected
        self.bands = {k: [float(e) for e in v] for k, v in bands.items()}
        self.missing = missing
        self.attributes: dict[str, Attribute] = {}
        for name in protected:
            self.attributes[name] = self._attribute(name, data[name])

        self.label_column = label
        if label is not None and label in protected:
            raise DataError.from_key("err_label_is_protected", column=label)
        if weight is not None and weight in protected:
            raise DataError.from_key("err_weight_is_protected", column=weight)
        self.labels = None if label is None else _labels(data, label)
        self.weight_column = weight
        self.weights = None if weight is None else _weights(data, weight)

    # -- validation -----------------------------------------------------------------------
    def _attribute(self, name: str, values: pd.Series) -> Attribute:
        if name in self.bands:
            codes, levels = _band(name, values, self.bands[name], self.data)
        else:
            if (
                pd.api.types.is_numeric_dtype(values)
                and not pd.api.types.is_bool_dtype(values)
                and values.nunique(dropna=True) > MAX_UNBANDED_LEVELS
            ):
                raise DataError.from_key("err_numeric_needs_bands", name=name, n=values.nunique())
            codes, levels = _encode(name, values)
        _check_category_count(name, len(levels), self.max_categories, _in_file(self.data))
        n_missing = int(np.count_nonzero(codes < 0))
        if n_missing:
            where = _in_file(self.data)
            if n_missing == len(codes):
                raise DataError.from_key(
                    "err_protected_all_missing", name=name, where=where, n=n_missing
                )
            if self.missing == "error":
                first = int(np.flatnonzero(codes < 0)[0])
                raise DataError.from_key(
                    "err_missing_values",
                    name=name,
                    where=where,
                    n=n_missing,
                    row=row_part(self.data, first),
                    label=MISSING_LABEL,
                )
            if MISSING_LABEL in levels:
                raise DataError.from_key("err_missing_label_taken", name=name, label=MISSING_LABEL)
            codes = np.where(codes < 0, np.int32(len(levels)), codes)
            levels = (*levels, MISSING_LABEL)
        # drop unused levels (e.g. empty bands) so that every group has members (the codes of
        # a column without bands and without missing values have none: see _encode)
        used = np.ones(len(levels), dtype=bool)
        if name in self.bands or n_missing:
            used = present_codes(codes, len(levels))
        if not used.all():
            remap = np.cumsum(used) - 1
            codes = remap[codes].astype(np.int32)
            levels = tuple(lv for lv, u in zip(levels, used, strict=True) if u)
        if len(levels) < 2:
            raise DataError.from_key(
                "err_single_group", name=name, where=_in_file(self.data), group=levels[0]
            )
        check_labels(name, levels, codes, self.data, self.max_label_chars)
        _warn_near_duplicates(name, levels, codes, _in_file(self.data))
        clash = [lv for lv in levels if SEP in lv]
        if clash or SEP in name:
            raise DataError.from_key(
                "err_label_has_sep",
                name=name,
                where=_in_file(self.data),
                what=Part("err_what_group", group=clash[0]) if clash else Part("err_what_name"),
                sep=SEP,
            )
        return Attribute(name=name, codes=_narrow(codes, len(levels)), levels=levels)

    # -- accessors ------------------------------------------------------------------------
    #: The engine holding the rows (a :class:`scoreaudit.data.sources.LazySource`), or None.
    source = None

    def __getattr__(self, name: str) -> Any:
        # a population kept in its engine is described at its first use (data.sources)
        if self.__dict__.get("_pending_description") and name in _lazy_described():
            from scoreaudit.data import sources

            sources.describe_population(self)
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __len__(self) -> int:
        return self.n_rows if self.source is not None else len(self.data)

    @property
    def frame(self) -> pd.DataFrame:
        """The underlying data frame (passed to scoring models)."""
        if self.source is not None:
            raise DataError.from_key("err_population_in_engine", name=self.source.name)
        return self.data

    def summary(self) -> dict[str, Any]:
        """Plain description: rows, weights, labels, attributes and their groups."""
        if self.source is not None:
            m = self.lazy_meta
            return {
                "rows": len(self),
                "protected": {a.name: list(a.levels) for a in self.attributes.values()},
                "bands": self.bands,
                "label": self.label_column,
                "labelled_rows": m.labelled,
                "weight": self.weight_column,
                "total_weight": m.total_weight,
                "source": self.source.name,
                "engine": self.source.engine,
            }
        return {
            "rows": len(self),
            "protected": {a.name: list(a.levels) for a in self.attributes.values()},
            "bands": self.bands,
            "label": self.label_column,
            "labelled_rows": None if self.labels is None else int(np.isfinite(self.labels).sum()),
            "weight": self.weight_column,
            "total_weight": None if self.weights is None else float(self.weights.sum()),
        }

    def __repr__(self) -> str:
        attrs = ", ".join(f"{a.name}[{a.n_levels}]" for a in self.attributes.values())
        return f"Population({len(self)} rows; protected: {attrs})"


def _lazy_described() -> frozenset[str]:
    from scoreaudit.data.sources import DESCRIBED

    return DESCRIBED


def _in_file(data: Any) -> Part | str:
    """`` in file 'x.csv'`` for a frame read by :func:`scoreaudit.data.io.read_data`, else ``""``."""
    name = source_name(data) if isinstance(data, pd.DataFrame) else None
    return Part("err_in_file", file=name) if name else ""


def _show(value: Any) -> str:
    """A cell value as the user wrote it: ``-1.0``, ``'abc'`` (no ``np.float64(...)``)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(value.item() if hasattr(value, "item") else value)
    return repr(value) if isinstance(value, str) else repr(str(value))


def _column_hints(absent: Sequence[str], data: pd.DataFrame) -> str:
    """Suggestions for protected columns not found: case/space variants, a wrong separator."""
    import difflib

    hints = []
    columns = [str(c) for c in data.columns]
    folded = {c.strip().casefold(): c for c in columns}
    for name in absent:
        if name.strip().casefold() in folded:
            hints.append(
                f"{name!r} may be {folded[name.strip().casefold()]!r} (names are "
                "case- and space-sensitive)"
            )
            continue
        close = difflib.get_close_matches(name, columns, n=1, cutoff=0.75)
        if close:
            hints.append(f"did you mean {close[0]!r} for {name!r}")
    if len(columns) == 1 and any(sep in columns[0] for sep in (";", ",", "\t", "|")):
        hints.append(
            "the file has a single column whose name contains a separator: it was "
            "probably read with the wrong separator or is not a CSV table"
        )
    return (" Hint: " + "; ".join(hints) + ".") if hints else ""


def _column(data: pd.DataFrame, column: str, not_found: str) -> pd.Series:
    """The column ``column`` of ``data``; the error ``not_found`` (a catalogue key) naming the
    file and the close column names when it is absent."""
    if column not in data.columns:
        raise DataError.from_key(
            not_found, column=column, where=_in_file(data), hints=_column_hints([column], data)
        )
    return data[column]


def _labels(data: pd.DataFrame, column: str) -> np.ndarray:
    raw = _column(data, column, "err_label_not_found")
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype(float).to_numpy()
    values = pd.to_numeric(raw, errors="coerce")
    text_bad = values.isna() & raw.notna()
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    bad = text_bad.to_numpy() | (np.isfinite(arr) & (arr != 0) & (arr != 1)) | np.isinf(arr)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError.from_key(
            "err_label_values",
            column=column,
            where=_in_file(data),
            value=_show(raw.iloc[pos]),
            row=row_part(data, pos),
            n=int(bad.sum()),
        )
    return arr


def _weights(data: pd.DataFrame, column: str) -> np.ndarray:
    raw = _column(data, column, "err_weight_not_found")
    if pd.api.types.is_bool_dtype(raw):
        raise DataError.from_key("err_weight_bool", column=column)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        kinds: list[Part | str] = []
        for label, m in (
            ("err_weight_negative", values < 0),
            ("err_weight_zero", values == 0),
            ("err_weight_nan", np.isnan(values)),
            ("err_weight_infinite", np.isinf(values)),
        ):
            if m.any():
                kinds.append(Part(label, n=int(m.sum())))
        raise DataError.from_key(
            "err_weight_values",
            column=column,
            where=_in_file(data),
            n=int(bad.sum()),
            kinds=Parts(kinds, sep=", "),
            value=_show(raw.iloc[pos]),
            row=row_part(data, pos),
        )
    _check_weight_range(data, column, raw, values)
    return values


def _check_weight_range(
    data: pd.DataFrame, column: str, raw: pd.Series, values: np.ndarray
) -> None:
    """Refuse weights outside ``[MIN_WEIGHT, MAX_WEIGHT]`` or spread more than the ratio."""
    lo, hi = int(np.argmin(values)), int(np.argmax(values))
    where = Part("err_weight_where", column=column, where=_in_file(data))
    tail = Part("err_weight_tail")
    if values[lo] < MIN_WEIGHT:
        raise DataError.from_key(
            "err_weight_small",
            where=where,
            n=int((values < MIN_WEIGHT).sum()),
            limit=f"{MIN_WEIGHT:g}",
            value=_show(raw.iloc[lo]),
            row=row_part(data, lo),
            tail=tail,
        )
    if values[hi] > MAX_WEIGHT:
        raise DataError.from_key(
            "err_weight_large",
            where=where,
            n=int((values > MAX_WEIGHT).sum()),
            limit=f"{MAX_WEIGHT:g}",
            value=_show(raw.iloc[hi]),
            row=row_part(data, hi),
            tail=tail,
        )
    if values[hi] > values[lo] * MAX_WEIGHT_RATIO:
        raise DataError.from_key(
            "err_weight_spread",
            where=where,
            largest=_show(raw.iloc[hi]),
            row_hi=row_part(data, hi),
            ratio=f"{MAX_WEIGHT_RATIO:g}",
            smallest=_show(raw.iloc[lo]),
            row_lo=row_part(data, lo),
            tail=tail,
        )


def _check_category_count(name: str, n: int, limit: int, where: Part | str) -> None:
    if n > limit:
        raise DataError.from_key(
            "err_too_many_categories", name=name, where=where, n=n, limit=limit
        )


def escape_label(text: str, limit: int = 60) -> str:
    """A label safe to print: control and invisible characters as ``\\uXXXX``, cut at ``limit``.

    Examples
    --------
    >>> escape_label("\u202eman")
    "'\\\\u202eman'"
    >>> escape_label("x" * 100, limit=5)
    "'xxxxx...' (100 characters)"
    """
    shown = "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
        for c in text[:limit]
    )
    return f"'{shown}...' ({len(text):,} characters)" if len(text) > limit else f"'{shown}'"


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def check_labels(
    name: str,
    levels: Sequence[str],
    codes: np.ndarray | None = None,
    data: pd.DataFrame | None = None,
    max_chars: int = MAX_LABEL_CHARS,
) -> None:
    """Refuse group labels longer than ``max_chars`` or holding bidirectional controls.

    The protected column's name is checked the same way (it is printed in every report).
    Errors name the column, the label (escaped, cut short) and its first row; a
    bidirectional control is named by its code point.

    Examples
    --------
    >>> check_labels("gender", ["man", "\u202ewoman"])
    Traceback (most recent call last):
    ...
    scoreaudit.errors.DataError: ...U+202E RIGHT-TO-LEFT OVERRIDE...
    """
    where = _in_file(data) if data is not None else ""

    def row_of(i: int) -> Part | str:
        if codes is None or data is None or i < 0:
            return ""
        pos = int(np.flatnonzero(codes == i)[0])
        return Part("err_label_first_at", row=row_part(data, pos))

    column = escape_label(name)
    for what, text, i in [(Part("err_label_its_name"), name, -1)] + [
        (Part("err_label_group", label=escape_label(lv)), lv, i) for i, lv in enumerate(levels)
    ]:
        if len(text) > max_chars:
            raise DataError.from_key(
                "err_label_too_long",
                column=column,
                where=where,
                what=what,
                n=f"{len(text):,}",
                row=row_of(i),
                max=max_chars,
            )
        bidi = _BIDI.search(text)
        if bidi is not None:
            raise DataError.from_key(
                "err_label_bidi",
                column=column,
                where=where,
                what=what,
                char=_code_point(bidi.group()),
                at=bidi.start() + 1,
                row=row_of(i),
            )


def lookalike_key(label: str) -> str:
    """The text a label shows: NFKC, look-alike letters as Latin, no invisible characters.

    Two labels with the same key read the same on screen (``man`` and ``mаn`` with a
    Cyrillic ``а``; ``ｍａｎ`` in full-width letters; ``ma\u200bn`` with a zero-width space).

    Examples
    --------
    >>> lookalike_key("m\u0430n") == lookalike_key("man") == lookalike_key("\uff4d\uff41\uff4e")
    True
    >>> lookalike_key("Femme") == lookalike_key("femme")
    True
    """
    text = unicodedata.normalize("NFKC", label).translate(_LOOKALIKE)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    return " ".join(unicodedata.normalize("NFKC", text.casefold()).split())


def _differing(a: str, b: str) -> str:
    chars = sorted(set(a) ^ set(b), key=lambda c: (c.isascii(), a.find(c) if c in a else 99))
    odd = [c for c in chars if not c.isascii()] or chars
    return ", ".join(_code_point(c) for c in odd[:3])


def _warn_near_duplicates(
    name: str, levels: tuple[str, ...], codes: np.ndarray | None = None, where: Part | str = ""
) -> None:
    """Refuse labels that differ only by case or spaces ("Femme" / "femme "), or look alike.

    Such labels are almost always one group typed two ways (or a label made to pass for
    another: ``mаn`` with a Cyrillic ``а``); auditing them as two groups would publish wrong
    rates for both, so the user must clean the column first.
    """
    seen: dict[str, int] = {}
    lookalike: dict[str, int] = {}
    for i, lv in enumerate(levels):
        key = " ".join(lv.split()).casefold()
        j = seen.get(key, lookalike.get(lookalike_key(lv)))
        if j is not None:  # rows of both groups, counted only for the message
            n: Part | str = ""
            if codes is not None:
                counts = np.bincount(codes, minlength=len(levels))
                n = Part("err_rows_pair", a=int(counts[j]), b=int(counts[i]))
            a, b = escape_label(levels[j]), escape_label(lv)
            if key in seen:
                raise DataError.from_key("err_groups_case", name=name, where=where, a=a, b=b, n=n)
            raise DataError.from_key(
                "err_groups_lookalike",
                name=name,
                where=where,
                a=a,
                b=b,
                n=n,
                chars=_differing(levels[j], lv),
            )
        seen[key] = i
        lookalike.setdefault(lookalike_key(lv), i)


def _to_pandas(data: Any) -> pd.DataFrame:
    """Convert polars / pyarrow tables and CSV / Parquet paths (see :mod:`scoreaudit.data.inputs`)."""
    from scoreaudit.data.inputs import to_pandas

    return to_pandas(data)
