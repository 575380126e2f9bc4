"""The shared output writer: all-or-nothing output directories and formula-safe CSV files.

Every command that writes files (``audit``, ``synth``, ``counts`` ...) writes into a temporary
directory next to the destination and moves it into place only when complete, so a failure
(bad input found late, disk full, Ctrl-C) never leaves a half-written report; an existing
destination is refused unless ``force=True``, and even then is replaced only after the new
output is complete.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "report"
>>> with atomic_output_dir(out) as tmp:
...     _ = (tmp / "a.txt").write_text("done")
>>> sorted(p.name for p in out.iterdir())
['a.txt']
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from scoreaudit.errors import ScoreAuditError

__all__ = [
    "FORMULA_PREFIXES",
    "OutputWriteError",
    "atomic_output_dir",
    "check_output_dir",
    "neutralise_cell",
    "write_csv",
]

#: Cell prefixes that spreadsheets read as formulas (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class OutputExistsError(ScoreAuditError):
    """The output directory exists and ``force`` was not given."""


def check_output_dir(out: str | os.PathLike, force: bool = False) -> Path:
    """Refuse an existing destination unless ``force`` (call early, before the work).

    Examples
    --------
    >>> import tempfile
    >>> check_output_dir(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    scoreaudit.report.output.OutputExistsError: ...
    """
    out = Path(out)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise OutputExistsError(
                f"The output path {str(out)!r} exists and is not a directory; choose another "
                "--out path."
            )
        if not force:
            raise OutputExistsError(
                f"The output directory {str(out)!r} already exists; choose another --out "
                "directory, or add --force to replace it (the old one is replaced only once the "
                "new report is complete)."
            )
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.exists():
        raise ScoreAuditError(f"The parent directory {str(parent)!r} of the output does not exist.")
    return out


@contextlib.contextmanager
def atomic_output_dir(out: str | os.PathLike, force: bool = False) -> Iterator[Path]:
    """Yield a temporary directory that becomes ``out`` when the block succeeds.

    The temporary directory is ``.<name>.tmp-<random>`` next to ``out`` (same file system, so
    the final move is a rename). On any exception it is removed and ``out`` is untouched.
    With ``force``, an existing ``out`` is moved aside, the new directory renamed into place,
    then the old one deleted.
    """
    out = check_output_dir(out, force)
    tag = uuid.uuid4().hex[:8]
    tmp = out.parent / f".{out.name}.tmp-{tag}"
    existed = out.exists()
    try:
        tmp.mkdir()
    except OSError as exc:
        raise _write_error(out, exc, existed) from exc
    try:
        yield tmp
        if out.exists():
            old = out.parent / f".{out.name}.old-{tag}"
            os.replace(out, old)
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except OSError as exc:  # disk full, permission denied, ...: a message, not a traceback
        shutil.rmtree(tmp, ignore_errors=True)
        raise _write_error(out, exc, existed) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class OutputWriteError(ScoreAuditError):
    """Writing the output failed (disk full, permission denied); nothing was left behind."""


def _write_error(out: Path, exc: OSError, existed: bool) -> OutputWriteError:
    import errno

    what = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    where = f" while writing {Path(exc.filename).name!r}" if getattr(exc, "filename", None) else ""
    kept = " and the previous report is unchanged" if existed else ""
    return OutputWriteError(
        f"Could not write the output directory {str(out)!r}: {what}{where}. Nothing was "
        f"written{kept}. Free some disk space or choose a directory you can write to "
        "(--out), then run again."
    )


def neutralise_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    Examples
    --------
    >>> neutralise_cell('=HYPERLINK("http://x")'), neutralise_cell("woman"), neutralise_cell(-1.5)
    ('\\'=HYPERLINK("http://x")', 'woman', -1.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table as UTF-8 CSV with text cells and headers neutralised against formulas.

    Numbers stay numbers (a negative difference is not text); missing or suppressed values
    are empty cells.
    """
    out = frame.copy()
    out.columns = [str(neutralise_cell(str(c))) for c in out.columns]
    for c in out.columns:
        if (
            out[c].dtype == object
            or isinstance(out[c].dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(out[c])
        ):
            out[c] = out[c].astype(object).map(neutralise_cell)
    path = Path(path)
    out.to_csv(
        path,
        index=False,
        encoding="utf-8",
        quoting=csv.QUOTE_MINIMAL,
        lineterminator="\n",
        float_format="%.10g",
    )
    return path
