"""Uploaded files: size limit while streaming, type checks by content, reading into a frame.

The body of every request is counted as it arrives (:class:`BodyLimit`): past the limit the
rest is read and discarded (so that the browser shows the page's answer rather than a reset
connection) and :class:`UploadTooLarge` is raised, which the app turns into a 413 page.

A file's type is checked from its first bytes, not from its name only: a Python pickle is
refused whatever its name (it would run code if anyone unpickled it), a binary file named
``.csv`` is refused, an ``.xlsx`` must be a zip archive and a ``.parquet`` file must start with
``PAR1``. Text files are then read by :func:`scoreaudit.data.io.read_data`, whose errors (naming
the file, line and column) are shown on the page.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pandas as pd

from scoreaudit.errors import DataError

__all__ = [
    "DATA_SUFFIXES",
    "BodyLimit",
    "UploadRefused",
    "UploadTooLarge",
    "read_table",
    "safe_name",
    "sniff",
    "store_upload",
]

DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet", ".pq")
SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_CHUNK = 1 << 20


class UploadTooLarge(Exception):
    """The request body is larger than the configured limit."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"request body larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


class UploadRefused(DataError):
    """An uploaded file is not of an accepted type; ``key`` and ``values`` give the page text."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(f"{key}: {values}")
        self.key = key
        self.values = values


class BodyLimit:
    """Wrap an ASGI ``receive`` so that a body over ``limit`` bytes raises UploadTooLarge.

    Examples
    --------
    >>> import asyncio
    >>> chunks = [{"type": "http.request", "body": b"x" * 6, "more_body": True},
    ...           {"type": "http.request", "body": b"x" * 6, "more_body": False}]
    >>> async def receive():
    ...     return chunks.pop(0)
    >>> limited = BodyLimit(receive, 10)
    >>> async def run():
    ...     await limited()
    ...     await limited()
    >>> try:
    ...     asyncio.run(run())
    ... except UploadTooLarge as exc:
    ...     print(exc.limit_bytes)
    10
    """

    def __init__(self, receive: Callable[[], Awaitable[dict]], limit: int) -> None:
        self._receive = receive
        self.limit = limit
        self.seen = 0

    async def __call__(self) -> dict:
        message = await self._receive()
        if message.get("type") == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                more = message.get("more_body", False)
                while more:  # read and discard the rest
                    nxt = await self._receive()
                    more = nxt.get("type") == "http.request" and nxt.get("more_body", False)
                raise UploadTooLarge(self.limit)
        return message


def safe_name(name: str | None, default: str = "data.csv") -> str:
    """A file name safe to use in the work directory: no path, only plain characters.

    Examples
    --------
    >>> safe_name("../../etc/passwd"), safe_name("Données 2024.CSV"), safe_name(None)
    ('passwd', 'Données_2024.CSV', 'data.csv')
    """
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = re.sub(r"[^\w.\-]+", "_", base).strip("._")
    return base[:120] or default


def sniff(head: bytes) -> str:
    """What a file's first bytes say it is: pickle, zip, parquet, ole, binary, text.

    Examples
    --------
    >>> import pickle
    >>> sniff(pickle.dumps({"a": 1})), sniff(b"PAR1...."), sniff(b"a;b\\n1;2\\n")
    ('pickle', 'parquet', 'text')
    """
    if len(head) >= 2 and head[0] == 0x80 and head[1] in (2, 3, 4, 5):
        return "pickle"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "text"  # UTF-16 with a byte-order mark: read_data decodes it
    if b"\x00" in head or head.startswith((b"\x7fELF", b"MZ")):
        return "binary"
    if _looks_like_text_pickle(head):
        return "pickle"
    return "text"


def _looks_like_text_pickle(head: bytes) -> bool:
    """Protocol-0 pickles are ASCII: ``(dp0``, ``(lp0``, ``ccopy_reg`` ... ending with ``.``."""
    return bool(re.match(rb"^(\(dp0|\(lp0|\(tp0|c[a-z_]+\n|\(i[a-z_]+\n|cos\nsystem)", head))


def _check_kind(name: str, head: bytes, suffixes: tuple[str, ...]) -> None:
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise UploadRefused(
            "err_file_type", name=name, why=("why_extension", {"ext": suffix or "–"})
        )
    kind = sniff(head)
    if kind == "pickle":
        raise UploadRefused("err_file_type", name=name, why=("why_pickle", {}))
    expected = {".xlsx": "zip", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "text")
    if expected == "text" and kind == "parquet" and suffix in (".csv", ".txt", ".tsv"):
        return  # read_data reads a Parquet file named .csv as what it is
    if kind == expected:
        return
    if expected == "text" and kind in ("binary", "ole", "zip"):
        raise UploadRefused("err_file_type", name=name, why=("why_binary", {}))
    raise UploadRefused(
        "err_file_type",
        name=name,
        why=("why_mismatch", {"found": kind.upper(), "expected": suffix}),
    )


async def store_upload(
    upload: Any, directory: Path, *, suffixes: tuple[str, ...] = DATA_SUFFIXES
) -> Path:
    """Check an uploaded file (starlette ``UploadFile``) by content and copy it to ``directory``.

    Raises
    ------
    UploadRefused
        No file, an extension not in ``suffixes``, or content that does not match it.
    """
    name = safe_name(getattr(upload, "filename", None), default="")
    if not name:
        raise UploadRefused("err_no_file")
    await upload.seek(0)
    head = await upload.read(4096)
    if not head:
        raise UploadRefused("err_no_file")
    _check_kind(name, head, suffixes)
    directory.mkdir(parents=True, exist_ok=True)
    dest = directory / name
    await upload.seek(0)
    with open(dest, "wb") as fh:
        while True:
            chunk = await upload.read(_CHUNK)
            if not chunk:
                break
            fh.write(chunk)
    return dest


def read_table(path: Path) -> pd.DataFrame:
    """Read an uploaded data file: CSV and Parquet by :func:`scoreaudit.data.io.read_data`,
    ``.xlsx`` (first sheet) with openpyxl, then the same header checks.

    Raises
    ------
    DataError
        With the file name, and the line or column at fault.
    """
    from scoreaudit.data.io import read_data

    if path.suffix.lower() != ".xlsx":
        return read_data(path)
    return _read_xlsx(path)


def _read_xlsx(path: Path) -> pd.DataFrame:
    from scoreaudit.data.io import read_xlsx

    frame = read_xlsx(path, shown=path.name)
    if len(frame) == 0:
        raise DataError.from_key("err_no_rows", file=path.name)
    return frame


def copy_file(src: Path, directory: Path) -> Path:
    """Copy a file (e.g. the bundled sample) into the work directory."""
    directory.mkdir(parents=True, exist_ok=True)
    dest = directory / safe_name(src.name)
    shutil.copyfile(src, dest)
    return dest
