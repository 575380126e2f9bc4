"""Reading beneficiary data files (CSV, Parquet) with clear errors.

French administrative CSV files often use semicolons, Latin-1 (or Windows-1252) encoding,
a byte-order mark and decimal commas; :func:`read_data` detects these instead of silently
reading one column of text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import DataError

__all__ = ["file_sha256", "read_data"]


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (for the reproducibility manifest)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_path(path: Path) -> None:
    if not path.exists():
        raise DataError(f"File {str(path)!r} does not exist.")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a directory; give the path of a CSV or Parquet file.")
    if path.stat().st_size == 0:
        raise DataError(f"File {str(path)!r} is empty.")


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DataError(f"Cannot decode {str(path)!r} as UTF-8 or Latin-1 text.")  # pragma: no cover


def read_data(path: str | os.PathLike, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV or Parquet file into a data frame, detecting CSV dialects.

    CSV: encoding (UTF-8 with or without BOM, else Windows-1252/Latin-1), separator
    (``,``, ``;``, tab or ``|``) and decimal comma (when the separator is ``;`` and numbers
    look like ``1,5``) are detected. Parquet keeps types and categories.

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
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            return pd.read_parquet(path, **kwargs)
        except Exception as exc:  # pyarrow raises many types
            raise DataError(
                f"Cannot read Parquet file {str(path)!r}: {exc}. The file may be truncated "
                "or not Parquet."
            ) from None
    if suffix not in (".csv", ".txt", ".tsv"):
        raise DataError(
            f"Unknown data file type {suffix!r} for {str(path)!r}; use .csv or .parquet."
        )
    text, _encoding = _decode(path.read_bytes(), path)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DataError(f"File {str(path)!r} has no header line.")
    sample = "\n".join(lines[:50])
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    decimal = "."
    if sep == ";":
        body = "\n".join(lines[1:50])
        import re

        if re.search(r"(^|;)-?\d+,\d+(;|$)", body, flags=re.M):
            decimal = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal, **kwargs)
    except pd.errors.ParserError as exc:
        raise DataError(f"Cannot parse CSV file {str(path)!r}: {exc}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"File {str(path)!r} has no data.") from None
    if frame.columns.duplicated().any() or any(str(c).endswith(".1") for c in frame.columns):
        header = next(csv.reader([lines[0]], delimiter=sep))
        dups = sorted({h for h in header if header.count(h) > 1})
        if dups:
            raise DataError(f"File {str(path)!r} has duplicated column name(s): {', '.join(dups)}.")
    if len(frame) == 0:
        raise DataError(f"File {str(path)!r} has a header but no rows.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
