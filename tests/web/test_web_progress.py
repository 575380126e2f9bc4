"""Long runs show their progress: while a job runs, its page names the current step and
refreshes itself (a ``Refresh`` header and a ``<meta http-equiv=refresh>``, no script), then
sends the browser on to the result. The job is held on an event, so no timing is involved."""

from __future__ import annotations

import re
import threading
import warnings

import pytest

pytest.importorskip("starlette")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from scoreaudit.web.app import create_app

LOCAL = {"base_url": "http://127.0.0.1", "client": ("127.0.0.1", 50000)}


@pytest.mark.parametrize(("lang", "words"), [("fr", "Audit en cours"), ("en", "running")])
def test_running_page_names_the_step_and_refreshes_until_done(tmp_path, lang, words):
    app = create_app(tmp_path / "work", lang=lang)
    client = TestClient(app, **LOCAL)
    st = app.state.web
    started, release = threading.Event(), threading.Event()

    def work(job):
        job.step = "step_audit"
        started.set()
        assert release.wait(60), "the test never released the job"
        job.reports[lang] = tmp_path  # as if the report were written

    job = st.jobs.new("audit", "ds", {}, st.workdir)
    st.jobs.submit(job, work)
    assert started.wait(60)
    page = client.get(f"/jobs/{job.id}", follow_redirects=False)
    assert page.status_code == 200
    assert page.headers["refresh"] == "2"
    assert re.search(r'<meta http-equiv="refresh" content="2">', page.text)
    assert words.lower() in page.text.lower()
    from scoreaudit.web.strings import w

    assert w("step_audit", lang) in page.text
    assert "<script" not in page.text
    release.set()
    st.jobs.shutdown()  # waits for nothing new; the job finishes on its thread
    for _ in range(600):
        if job.status == "done":
            break
        threading.Event().wait(0.05)
    assert job.status == "done"
    done = client.get(f"/jobs/{job.id}", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/results/{job.id}"
