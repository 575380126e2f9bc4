"""A background job's bad-input error is shown in the page's language, from its key."""

from __future__ import annotations

from pathlib import Path

from scoreaudit.errors import DataError
from scoreaudit.web.app import _job_error
from scoreaudit.web.jobs import Job, JobStore


def _failed_job(exc: Exception) -> Job:
    job = Job(id="j", kind="audit", dataset="d", form={}, directory=Path("."))

    def work(_job: Job) -> None:
        raise exc

    JobStore._run(job, work)
    return job


def test_keyed_job_error_in_french_and_english():
    job = _failed_job(DataError.from_key("err_file_empty", file="x.csv"))
    assert job.status == "error"
    fr, original = _job_error(job, "fr")
    assert fr == "Le fichier « x.csv » est vide (0 octet). A-t-il été copié en entier ?"
    assert original is None
    en, _ = _job_error(job, "en")
    assert en == "File 'x.csv' is empty (0 bytes). Was it copied completely?"


def test_unkeyed_job_error_keeps_its_original_text():
    job = _failed_job(DataError("Something only said in English."))
    _text, original = _job_error(job, "fr")
    assert original == "Something only said in English."
