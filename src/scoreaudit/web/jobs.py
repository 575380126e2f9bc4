"""Background audits: one worker thread, a job per run, polled by a 'running…' page.

A job records its step (shown on the page), its result, the report folder written per
language by :func:`scoreaudit.report.write_report` (the CLI's writer, hence the same view
model and publication gate), or the bad-input error to show on the form.
"""

from __future__ import annotations

import secrets
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Job", "JobStore", "zip_folder"]


@dataclass
class Job:
    """One audit run."""

    id: str
    kind: str  # "audit", "controls", "counts"
    dataset: str
    form: dict[str, Any]
    directory: Path
    step: str = "step_queued"
    status: str = "queued"  # queued, running, done, error
    result: Any = None
    reports: dict[str, Path] = field(default_factory=dict)
    error: str | None = None
    internal: str | None = None  # exception type of an internal error
    #: The bad-input error itself, so the page shows it in its own language (from its key).
    exception: BaseException | None = None
    write_args: dict[str, Any] = field(default_factory=dict)
    manifest_extra: dict[str, Any] = field(default_factory=dict)


class JobStore:
    """Jobs by id, run one at a time on a worker thread (matplotlib draws in one thread)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoreaudit-job")
        self._lock = threading.Lock()

    def new(self, kind: str, dataset: str, form: dict[str, Any], root: Path) -> Job:
        job_id = secrets.token_urlsafe(12)
        job = Job(job_id, kind, dataset, form, root / f"job-{job_id}")
        job.directory.mkdir(parents=True)
        with self._lock:
            self._jobs[job_id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def submit(self, job: Job, work: Callable[[Job], None]) -> None:
        """Run ``work(job)`` in the background; bad input becomes ``job.error``."""
        job.status = "queued"
        self._pool.submit(self._run, job, work)

    @staticmethod
    def _run(job: Job, work: Callable[[Job], None]) -> None:
        from scoreaudit.errors import ScoreAuditError

        job.status = "running"
        try:
            work(job)
        except ScoreAuditError as exc:
            job.error, job.exception, job.status = str(exc), exc, "error"
        except (OSError, ValueError) as exc:  # unreadable files, bad numbers from the library
            job.error, job.status = str(exc), "error"
        except Exception as exc:
            job.error, job.internal, job.status = str(exc), type(exc).__name__, "error"
        else:
            job.status = "done"

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def zip_folder(folder: Path, dest: Path) -> Path:
    """Zip every file of ``folder`` (paths relative to its parent) into ``dest``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "report").mkdir(); _ = (root / "report" / "a.txt").write_text("x")
    >>> z = zip_folder(root / "report", root / "r.zip")
    >>> zipfile.ZipFile(z).namelist()
    ['report/a.txt']
    """
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder.parent).as_posix())
    return dest
