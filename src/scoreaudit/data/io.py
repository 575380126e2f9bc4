"""Reading beneficiary data files (CSV, Parquet) with clear errors.

French administrative CSV files often use semicolons, Latin-1 (or Windows-1252) encoding,
a byte-order mark, decimal commas and spaces between thousands; :func:`read_data` detects
these instead of silently reading one column of text, and refuses what it cannot read
safely (an Excel workbook saved as ``.csv``, UTF-16 without a byte-order mark, a file mixing
UTF-8 and Latin-1, duplicated column names) with a message naming the file, the line and
what to do.

Rules (each tested in ``tests/reliability/test_reliability_matrix.py``):

* **Encoding**: a UTF-8, UTF-16 or UTF-32 byte-order mark is honoured; otherwise UTF-8 is
  tried, then Windows-1252 (a superset of Latin-1 for printable text), then Latin-1. A file
  that is partly UTF-8 and partly Latin-1 is refused (its accented labels would be garbled
  into ``Ã©`` and split a group in two). NUL bytes mean the file is not text: refused.
* **Separator**: the one of ``;`` ``,`` tab ``|`` that splits the header line into the most
  fields (quotes respected); ties are settled by :class:`csv.Sniffer` on the first lines.
* **Numbers**: in a file separated by ``;``, tab or ``|`` whose first 200 lines hold a
  decimal comma (``0,5``), the comma is the decimal mark (the French convention; ``1,234``
  is then 1.234). Otherwise numbers are read with ``.``; then a text column whose
  every value is a French number (``0,5``, ``-12,25``, ``1 234,5`` with a space, no-break
  space or narrow no-break space between thousands) is converted. A column whose only
  comma numbers look like English thousands (``1,234``: one to three digits, a comma,
  three digits) is left as text: it is ambiguous, and a model that reads it then stops
  with an error naming the value rather than using a number that may be 1000 times off.
  A column mixing ``0,5`` and ``0.25`` is left as text too.
* **Header**: duplicated names (also after removing surrounding spaces) are refused;
  empty trailing columns made by a separator at the end of each line are dropped.

The frame returned carries ``frame.attrs["scoreaudit_source"]`` (the file name, and for a
plain CSV file the line of the first data row) so that validation errors can name the file
and line: see :func:`describe_row`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from scoreaudit.errors import DataError, Part

__all__ = [
    "MAX_DATA_BYTES",
    "SOURCE_ATTR",
    "describe_row",
    "file_sha256",
    "read_data",
    "read_xlsx",
    "source_name",
]

#: Key of ``DataFrame.attrs`` where :func:`read_data` records where the frame came from.
SOURCE_ATTR = "scoreaudit_source"

#: Largest data file :func:`read_data` opens, in bytes (20 GB), unless ``max_bytes=`` or the
#: environment variable ``SCOREAUDIT_MAX_DATA_BYTES`` says otherwise. A national file of 13
#: million households with 100 columns is 2-5 GB as Parquet and about 10 GB as CSV; a CSV
#: file is read into memory (about three times its size), so larger files should be Parquet.
MAX_DATA_BYTES = 20 * 10**9
_MAX_BYTES_ENV = "SCOREAUDIT_MAX_DATA_BYTES"

_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_DELIMITERS = (";", ",", "\t", "|")

# A French number: optional sign, digits (optionally grouped by thousands with a space,
# a no-break space or a narrow no-break space), optional decimal comma.
_FR_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,\d+)?(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+(?:[eE][+-]?\d+)?")
# A value that could be an English number with thousands separators: 1,234 or 12,500.
_AMBIGUOUS_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (for the reproducibility manifest)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_name(frame: pd.DataFrame) -> str | None:
    """The file a frame was read from by :func:`read_data`, or None.

    Examples
    --------
    >>> source_name(pd.DataFrame({"a": [1]})) is None
    True
    """
    info = frame.attrs.get(SOURCE_ATTR) if isinstance(frame, pd.DataFrame) else None
    return str(info["path"]) if isinstance(info, dict) and info.get("path") else None


def describe_row(frame: pd.DataFrame, pos: int) -> str:
    """``row position 3`` or, for a frame read from a plain CSV file, ``row position 3 (line 5)``.

    The line number is given only while the frame still has the rows :func:`read_data`
    returned (same number of rows and default index), so that it cannot point at the wrong
    line after rows were filtered. Row positions count from 0, the first row after the header.

    Examples
    --------
    >>> describe_row(pd.DataFrame({"a": [1, 2]}), 1)
    'row position 1'
    """
    return str(row_part(frame, pos))


def row_part(frame: pd.DataFrame, pos: int) -> Part:
    """:func:`describe_row` as a message part, shown in the language of its error message.

    Examples
    --------
    >>> row_part(pd.DataFrame({"a": [1, 2]}), 1).render("fr")
    'ligne de données 1 (en comptant de 0)'
    """
    info = frame.attrs.get(SOURCE_ATTR) if isinstance(frame, pd.DataFrame) else None
    if not isinstance(info, dict) or info.get("first_data_line") is None:
        return Part("err_row", pos=pos)
    if info.get("rows") != len(frame) or not frame.index.equals(pd.RangeIndex(len(frame))):
        return Part("err_row", pos=pos)
    return Part("err_row_line", pos=pos, line=pos + int(info["first_data_line"]))


def _max_bytes(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return int(max_bytes)
    env = os.environ.get(_MAX_BYTES_ENV, "").strip().replace("_", "")
    if not env:
        return MAX_DATA_BYTES
    try:
        return int(float(env))
    except ValueError:
        raise DataError.from_key("err_max_bytes_env", name=_MAX_BYTES_ENV, value=env) from None


def _human(n: float) -> str:
    """``20 GB``, ``3.5 MB``, ``900 bytes``."""
    for unit, size in (("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:,.3g} {unit}"
    return f"{int(n):,} bytes"


def _check_size(path: Path, limit: int) -> None:
    size = path.stat().st_size
    if size > limit:
        raise DataError.from_key(
            "err_file_too_large",
            file=str(path),
            size=_human(size),
            limit=_human(limit),
            env=_MAX_BYTES_ENV,
        )


def _csv_rows(text: str, sep: str, path: Path, stop: int | None = None) -> list[list[str]]:
    """Rows of the CSV text (up to ``stop``), with a clear error for an oversized field."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        return list(itertools.islice(reader, stop))
    except csv.Error as exc:
        raise DataError.from_key(
            "err_csv_field_too_long", file=str(path), line=reader.line_num, detail=exc
        ) from None


def _check_path(path: Path) -> None:
    if not path.exists():
        hint: Part | str = ""
        if path.parent.is_dir():
            close = [
                p.name
                for p in sorted(path.parent.iterdir())
                if p.name.casefold() == path.name.casefold()
            ]
            if close:
                hint = Part("err_file_missing_close", close=close[0])
        raise DataError.from_key("err_file_missing", file=str(path), hint=hint)
    if path.is_dir():
        raise DataError.from_key("err_path_is_dir", file=str(path))
    if not path.is_file():
        raise DataError.from_key("err_path_not_file", file=str(path))
    if path.stat().st_size == 0:
        raise DataError.from_key("err_file_empty", file=str(path))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:
        raise DataError.from_key("err_permission", file=str(path)) from None
    except OSError as exc:
        raise DataError.from_key(
            "err_cannot_read", file=str(path), why=exc.strerror or exc
        ) from None


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _refuse_non_text(raw: bytes, path: Path) -> None:
    name = str(path)
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError.from_key("err_excel", file=name)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise DataError.from_key("err_nul_bytes", file=name, byte=nul, line=_line_of(raw, nul))


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode the bytes of a CSV file; return the text and the encoding used."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DataError.from_key(
                    "err_decode_bom",
                    file=str(path),
                    encoding=encoding.upper(),
                    reason=exc.reason,
                    start=exc.start,
                ) from None
    _refuse_non_text(raw, path)
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    utf8_seq = re.search(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}", raw)
    if utf8_seq is not None:
        raise DataError.from_key(
            "err_mixed_encodings",
            file=str(path),
            utf8_line=_line_of(raw, utf8_seq.start()),
            bad_line=_line_of(raw, bad),
        )
    for encoding in ("cp1252", "latin-1"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DataError.from_key("err_decode", file=str(path))  # pragma: no cover


def _fields(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sep))
    except (csv.Error, StopIteration):
        return []


def _separator(lines: list[str]) -> str:
    """The delimiter that splits the header into the most fields (ties: csv.Sniffer)."""
    header = lines[0]
    counts = {sep: len(_fields(header, sep)) for sep in _DELIMITERS}
    best = max(counts.values())
    if best <= 1:
        return ","  # a single column
    tied = [sep for sep in _DELIMITERS if counts[sep] == best]
    if len(tied) == 1:
        return tied[0]
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters="".join(tied)).delimiter
        if sniffed in tied:
            return sniffed
    except csv.Error:
        pass
    return tied[0]


def _french_number_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Text columns whose every value is a French number, converted to floats."""
    out: dict[str, pd.Series] = {}
    for col in frame.columns:
        s = frame[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        head = s.iloc[:1000].dropna().astype(str).str.strip()
        head = head[head != ""]
        if head.empty or not head.str.fullmatch(_FR_NUMBER).all():
            continue
        values = s.dropna().astype(str).str.strip()
        values = values[values != ""]
        if not values.str.fullmatch(_FR_NUMBER).all():
            continue
        has_comma = values.str.contains(",", regex=False)
        grouped = values.str.contains(r"\d[ \u00a0\u202f]\d", regex=True)
        if not has_comma.any() and not grouped.any():
            continue  # integers kept as text by pandas: leave alone
        if not grouped.any() and values[has_comma].str.fullmatch(_AMBIGUOUS_THOUSANDS).all():
            continue  # 1,234: French 1.234 or English 1234? Leave as text.
        cleaned = (
            s.astype(object)
            .where(s.notna(), None)
            .astype("string")
            .str.strip()
            .str.replace(r"[ \u00a0\u202f]", "", regex=True)
            .str.replace(",", ".", regex=False)
            .replace("", None)
        )
        out[str(col)] = pd.to_numeric(cleaned, errors="raise").astype(float)
    return out


def _check_extra_fields(text: str, sep: str, n_header: int, path: Path) -> None:
    """Refuse data lines with more (non-empty) fields than the header."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        next(reader, None)
        for row in reader:
            if len(row) > n_header and any(f.strip() for f in row[n_header:]):
                raise DataError.from_key(
                    "err_field_count",
                    line=reader.line_num,
                    file=str(path),
                    n=len(row),
                    n_header=n_header,
                    sep=sep,
                )
    except csv.Error:
        _csv_rows(text, sep, path)  # raises the clear error


def _read_parquet(path: Path, **kwargs: Any) -> pd.DataFrame:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
            fh.seek(max(path.stat().st_size - 4, 0))
            tail = fh.read(4)
    except PermissionError:
        raise DataError.from_key("err_permission_short", file=str(path)) from None
    if head != b"PAR1" or tail != b"PAR1":
        what = Part("err_parquet_start" if head != b"PAR1" else "err_parquet_truncated")
        raise DataError.from_key("err_parquet_bad", file=str(path), what=what)
    try:
        frame = pd.read_parquet(path, **kwargs)
    except Exception as exc:  # pyarrow raises many types
        raise DataError.from_key("err_parquet_damaged", file=str(path), why=exc) from None
    frame.attrs[SOURCE_ATTR] = {"path": str(path), "rows": len(frame), "first_data_line": None}
    return _check_frame(frame, path, None)


def _check_frame(frame: pd.DataFrame, path: Path, header: list[str] | None) -> pd.DataFrame:
    name = str(path)
    names = [str(c) for c in frame.columns] if header is None else header
    stripped = [n.strip() for n in names]
    dups = sorted({n for n in stripped if stripped.count(n) > 1})
    if dups:
        raise DataError.from_key("err_dup_columns", file=name, dups=", ".join(map(repr, dups)))
    if len(frame) == 0:
        raise DataError.from_key("err_no_rows", file=name)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_xlsx(path: str | os.PathLike, shown: str | None = None) -> pd.DataFrame:
    """The first sheet of an Excel workbook, column names stripped of spaces and unique.

    Parameters
    ----------
    path
        The ``.xlsx`` file.
    shown
        How errors name the file (default: the path), e.g. the name of an uploaded file.

    Raises
    ------
    DataError
        A workbook that cannot be read, or duplicated column names (after stripping).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     pd.DataFrame({" stage ": ["all"], "n": [3]}).to_excel(f"{tmp}/t.xlsx", index=False)
    ...     read_xlsx(f"{tmp}/t.xlsx").columns.tolist()
    ['stage', 'n']
    """
    file = str(path) if shown is None else shown
    try:
        frame = pd.read_excel(path, sheet_name=0, engine="openpyxl")
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise DataError.from_key("err_xlsx_openpyxl") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DataError.from_key("err_xlsx_read", file=file, detail=exc) from None
    names = [str(c).strip() for c in frame.columns]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise DataError.from_key("err_dup_columns", file=file, dups=", ".join(map(repr, dups)))
    frame.columns = names
    return frame


def read_data(
    path: str | os.PathLike, *, max_bytes: int | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Read a CSV or Parquet file into a data frame, detecting CSV dialects.

    CSV: encoding (UTF-8 with or without BOM, UTF-16/32 with a BOM, else
    Windows-1252/Latin-1), separator (``,``, ``;``, tab or ``|``) and French numbers (decimal
    comma, spaces between thousands) are detected; see the module docstring for the rules.
    Parquet keeps types and categories. Extra keyword arguments go to
    :func:`pandas.read_csv` or :func:`pandas.read_parquet` (``sep`` or ``decimal`` given
    there override the detection).

    ``max_bytes`` (default :data:`MAX_DATA_BYTES`, 20 GB, or the environment variable
    ``SCOREAUDIT_MAX_DATA_BYTES``) is the largest file size read; a larger file is refused
    before it is opened.

    Raises
    ------
    DataError
        Missing, empty, unreadable, truncated, ambiguous or oversized files, with the file
        name, the line where it helps, and what to do.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("sexe;score\\nfemme;0,5\\nhomme;0,25\\n", encoding="latin-1")
    >>> read_data(p)["score"].tolist()
    [0.5, 0.25]
    """
    path = Path(path)
    _check_path(path)
    _check_size(path, _max_bytes(max_bytes))
    try:
        return _read_checked(path, **kwargs)
    except MemoryError:
        raise DataError.from_key(
            "err_no_memory", file=str(path), size=_human(path.stat().st_size)
        ) from None


def _read_checked(path: Path, **kwargs: Any) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in _PARQUET_SUFFIXES:
        return _read_parquet(path, **kwargs)
    if suffix not in _CSV_SUFFIXES:
        raise DataError.from_key("err_file_type", suffix=suffix, file=str(path))
    raw = _read_bytes(path)
    if raw[:4] == b"PAR1":  # a Parquet file with a .csv name: read it as what it is
        return _read_parquet(path, **kwargs)
    text, _encoding = _decode(raw, path)
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DataError.from_key("err_no_header", file=str(path))
    sep = kwargs.pop("sep", None) or _separator(lines)
    header = _fields(lines[0], sep)
    first_rows = _csv_rows(text, sep, path, 200)[1:]
    if (
        "decimal" not in kwargs
        and sep != ","
        and any(_DECIMAL_COMMA.fullmatch(f.strip()) for r in first_rows for f in r)
    ):
        kwargs["decimal"] = ","  # fast path of the French convention (';' and '0,5')
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, **kwargs)
    except pd.errors.ParserError as exc:
        detail = str(exc).strip()
        raise DataError.from_key("err_csv_parse", file=str(path), sep=sep, detail=detail) from None
    except pd.errors.EmptyDataError:
        raise DataError.from_key("err_no_data", file=str(path)) from None
    except UnicodeError as exc:  # pragma: no cover - text is already decoded
        raise DataError.from_key("err_read_text", file=str(path), detail=exc) from None
    if "index_col" not in kwargs and any(len(r) > len(header) for r in first_rows):
        # pandas turns the first column into an index when rows have more fields than the
        # header: accept only empty extra fields (a separator at the end of each data line)
        _check_extra_fields(text, sep, len(header), path)
        frame = pd.read_csv(io.StringIO(text), sep=sep, index_col=False, **kwargs)
    # a separator at the end of every line makes an empty, unnamed last column
    padded = header + [""] * max(len(frame.columns) - len(header), 0)
    empty_tail = [
        c
        for c, h in zip(frame.columns, padded[: len(frame.columns)], strict=True)
        if h.strip() == "" and frame[c].isna().all()
    ]
    if empty_tail:
        keep = [i for i, c in enumerate(frame.columns) if c not in empty_tail]
        frame = frame.iloc[:, keep]
        header = [h for i, h in enumerate(header) if i in keep]
    frame = _check_frame(frame, path, header if len(header) == frame.shape[1] else None)
    if kwargs.get("decimal", ",") == ",":
        for col, values in _french_number_columns(frame).items():
            frame[col] = values
    body = [ln for ln in lines[1:] if ln.strip()]
    exact = '"' not in text and len(body) == len(frame) and len(lines) - 1 == len(body)
    frame.attrs[SOURCE_ATTR] = {
        "path": str(path),
        "rows": len(frame),
        "first_data_line": 2 if exact else None,
    }
    return frame
