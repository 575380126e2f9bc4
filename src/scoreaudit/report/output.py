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
['.scoreaudit-report', 'a.txt']
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import socket
import stat
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from scoreaudit.errors import Part, ScoreAuditError

__all__ = [
    "FORMULA_PREFIXES",
    "MARKER",
    "STALE_AFTER_SECONDS",
    "NotAReportError",
    "OutputWriteError",
    "atomic_output_dir",
    "check_output_dir",
    "clean_stale_temporaries",
    "neutralise_cell",
    "replaceable_report",
    "write_csv",
]

#: Cell prefixes that spreadsheets read as formulas (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


#: File that marks a directory written by scoreaudit. In a temporary directory it names the
#: writing process (pid, host); in a finished output it stays only when the output has no
#: ``results.json`` (whose manifest identifies a report otherwise).
MARKER = ".scoreaudit-report"

#: A temporary directory left by a killed run is removed by a later run once it is older than
#: this and its process is gone.
STALE_AFTER_SECONDS = 3600

#: What a report directory may hold: top-level files, and the files of its subdirectories.
_REPORT_FILES = frozenset({"report.html", "summary.html", "report.md", "results.json", MARKER})
_REPORT_DIRS = {"tables": (".csv",), "figures": (".svg", ".png")}
#: Files that file managers add by themselves (never written by users on purpose).
_SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_MAX_LISTED = 100_000  # entries examined before giving up on a huge directory
_MAX_RESULTS_BYTES = 1 << 30
_TEMP_NAME = re.compile(r"\.(?:tmp|old)-(\d+)-[0-9a-f]{8}")


class OutputExistsError(ScoreAuditError):
    """The output directory exists and ``force`` was not given."""


class NotAReportError(OutputExistsError):
    """``force`` was given but the existing output is not (only) a scoreaudit report."""


def _is_report_json(path: Path) -> bool:
    """True when ``path`` is a ``results.json`` whose manifest names scoreaudit."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > _MAX_RESULTS_BYTES:
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    package = data.get("manifest", {}).get("package", {}) if isinstance(data, dict) else {}
    return isinstance(package, dict) and package.get("name") == "scoreaudit"


def _has_marker(directory: Path) -> bool:
    marker = directory / MARKER
    try:
        if marker.is_symlink() or not marker.is_file() or marker.stat().st_size > 4096:
            return False
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and data.get("scoreaudit") == "report"


def _foreign_entries(directory: Path) -> list[str]:
    """Entries of ``directory`` that a scoreaudit report does not hold (at most 5 named)."""
    foreign: list[str] = []
    seen = 0
    with os.scandir(directory) as top:
        for entry in top:
            seen += 1
            if entry.name in _SYSTEM_FILES:
                continue
            if entry.name in _REPORT_FILES and entry.is_file(follow_symlinks=False):
                continue
            suffixes = _REPORT_DIRS.get(entry.name)
            if suffixes is not None and entry.is_dir(follow_symlinks=False):
                with os.scandir(entry.path) as sub:
                    for item in sub:
                        seen += 1
                        ok = item.is_file(follow_symlinks=False) and item.name.endswith(suffixes)
                        if not ok and item.name not in _SYSTEM_FILES:
                            foreign.append(f"{entry.name}/{item.name}")
                        if len(foreign) >= 5 or seen > _MAX_LISTED:
                            return foreign or ["(more entries than a report holds)"]
                continue
            foreign.append(entry.name)
            if len(foreign) >= 5 or seen > _MAX_LISTED:
                break
    return foreign


def replaceable_report(directory: str | os.PathLike) -> Path:
    """Check that ``directory`` is a scoreaudit report that ``--force`` may replace.

    A report is recognised by its ``results.json`` (whose manifest names scoreaudit) or, when
    it was written without JSON, by the :data:`MARKER` file. It must hold nothing else than
    what scoreaudit writes (``report.html``, ``report.md``, ``results.json``, ``tables/*.csv``,
    ``figures/*.svg`` and ``*.png``), so that a file saved into an old report is never deleted.

    Raises
    ------
    NotAReportError
        Naming the directory, and the files scoreaudit did not write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "notes.txt").write_text("mine")
    >>> replaceable_report(d)
    Traceback (most recent call last):
    ...
    scoreaudit.report.output.NotAReportError: ...
    """
    directory = Path(directory)
    if not (_is_report_json(directory / "results.json") or _has_marker(directory)):
        raise NotAReportError.from_key("err_output_not_report", dir=str(directory), marker=MARKER)
    foreign = _foreign_entries(directory)
    if foreign:
        raise NotAReportError.from_key(
            "err_output_foreign", dir=str(directory), files=", ".join(foreign)
        )
    return directory


def _write_marker(directory: Path, state: str) -> None:
    info = {"scoreaudit": "report", "state": state, "pid": os.getpid(), "host": _host()}
    (directory / MARKER).write_text(json.dumps(info) + "\n", encoding="utf-8")


def _finish_marker(tmp: Path) -> None:
    """Mark the output complete; the marker goes when ``results.json`` identifies it."""
    if _is_report_json(tmp / "results.json"):
        (tmp / MARKER).unlink()
    else:
        _write_marker(tmp, state="complete")


def _host() -> str:
    try:
        return socket.gethostname()
    except OSError:  # pragma: no cover
        return ""


def _pid_alive(pid: int) -> bool:
    """True when process ``pid`` may be running (unknown counts as running)."""
    if pid == os.getpid():
        return True
    if os.name != "posix" or pid <= 0:
        return True  # no safe probe (os.kill on Windows terminates): keep the folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's live process
        return True
    return True


def _stale(path: Path, pid: int, now: float, max_age: float) -> bool:
    try:
        st = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or now - st.st_mtime < max_age:
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    if ".tmp-" in path.name:  # the writer named itself in the marker: same host, same pid
        try:
            info = json.loads((path / MARKER).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return False
        if not isinstance(info, dict) or info.get("host") != _host() or info.get("pid") != pid:
            return False
    return not _pid_alive(pid)


def clean_stale_temporaries(
    out: str | os.PathLike, max_age: float = STALE_AFTER_SECONDS
) -> list[Path]:
    """Remove temporary folders of ``out`` left by killed runs; return those removed.

    A folder ``.<name>.tmp-<pid>-<random>`` (or ``.old-``, the previous report moved aside
    during the final swap) is removed when it is a real directory (not a link) owned by the
    current user, untouched for ``max_age`` seconds, and its process ``pid`` is no longer
    running (for ``.tmp-`` folders, on this host, as recorded in the folder's marker file).
    Anything else is left alone: another run may still be writing it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> clean_stale_temporaries(pathlib.Path(tempfile.mkdtemp()) / "report")
    []
    """
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    removed: list[Path] = []
    prefix = f".{out.name}"
    now = time.time()
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(prefix)]
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name[len(prefix) :])
        path = Path(entry.path)
        if match and _stale(path, int(match.group(1)), now, max_age):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path)
    return removed


def check_output_dir(out: str | os.PathLike, force: bool = False) -> Path:
    """Refuse an existing destination unless ``force`` (call early, before the work).

    With ``force``, the destination must be a scoreaudit report and nothing else (see
    :func:`replaceable_report`): ``--force`` never deletes a directory the tool did not write.

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
        if out.is_symlink():
            raise NotAReportError.from_key("err_output_symlink", path=str(out))
        if not out.is_dir():
            raise OutputExistsError.from_key("err_output_not_dir", path=str(out))
        if not force:
            raise OutputExistsError.from_key("err_output_exists", dir=str(out))
        replaceable_report(out)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.exists():
        raise ScoreAuditError.from_key("err_output_parent", dir=str(parent))
    return out


@contextlib.contextmanager
def atomic_output_dir(out: str | os.PathLike, force: bool = False) -> Iterator[Path]:
    """Yield a temporary directory that becomes ``out`` when the block succeeds.

    The temporary directory is ``.<name>.tmp-<pid>-<random>`` next to ``out`` (same file
    system, so the final move is a rename); it holds :data:`MARKER` naming the process that
    writes it, so that a run killed by SIGKILL (which no ``finally`` survives) leaves a folder
    the next run recognises and removes (:func:`clean_stale_temporaries`). On any exception
    the temporary directory is removed and ``out`` is untouched. With ``force``, an existing
    ``out`` (which must be a scoreaudit report, see :func:`replaceable_report`) is moved
    aside, the new directory renamed into place, then the old one deleted.
    """
    out = check_output_dir(out, force)
    clean_stale_temporaries(out)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = out.parent / f".{out.name}.tmp-{tag}"
    existed = out.exists()
    try:
        tmp.mkdir()
        _write_marker(tmp, state="writing")
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _write_error(out, exc, existed) from exc
    try:
        yield tmp
        _finish_marker(tmp)
        if out.exists():
            check_output_dir(out, force)  # still a report (it may have changed meanwhile)
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

    known = {
        errno.ENOSPC: "err_write_disk_full",
        errno.EDQUOT: "err_write_quota",
        errno.EACCES: "err_write_permission",
        errno.EPERM: "err_write_permission",
        errno.EROFS: "err_write_read_only",
    }.get(exc.errno or 0)
    what = Part(known) if known else exc.strerror or str(exc)  # else the system's own words
    filename = getattr(exc, "filename", None)
    return OutputWriteError.from_key(
        "err_write_output",
        dir=str(out),
        what=what,
        where=Part("err_write_while", file=Path(filename).name) if filename else "",
        kept=Part("err_write_kept") if existed else "",
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
