"""The HTML report in headless Chromium: it renders (phone-sized screenshot kept in
tests/artifacts/, git-ignored), a <script> group label shows as text and runs nothing, and the
page makes no network request."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.report import write_report

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
BUNDLED = ROOT / "data" / "synthetic" / "c2sg_100k.parquet"
HOSTILE = "<script>document.title='pwned';alert(1)</script>"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary (Debian package 'chromium'; .ci/run installs it when missing)",
)


def _run(args: list[str], tmp: Path, timeout: int = 90) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    """The French report of the bundled data (a sample), with one group label made hostile."""
    if BUNDLED.exists():
        frame = pd.read_parquet(BUNDLED).sample(20_000, random_state=1).reset_index(drop=True)
    else:  # pragma: no cover - fallback while the data set is missing
        frame = sa.synthetic.c2sg_population(20_000, random_state=1)
    frame["commune"] = np.where(np.arange(len(frame)) % 3 == 0, HOSTILE, "Lille")
    pop = sa.Population(frame, protected=["gender", "family_status", "commune"])
    result = sa.audit(
        pop,
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference={"gender": "man"},
        threshold_free=False,
    )
    out = tmp_path_factory.mktemp("browser") / "report"
    write_report(result, out, lang="fr", formats=("html",), manifest_extra={"synthetic": True})
    return out / "report.html"


def test_static_page_has_no_external_resource(hostile_report):
    page = hostile_report.read_text(encoding="utf-8")
    assert not re.search(
        r"""(src|href|action|poster|data)\s*=\s*["']?\s*(https?:)?//""", page, re.I
    )
    assert not re.search(r"<(script|link|iframe|object|embed|base)\b", page, re.I)
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page  # Content-Security-Policy: nothing may be fetched


def test_renders_label_as_text_and_runs_no_script(hostile_report, tmp_path):
    proc = _run(["--dump-dom", hostile_report.as_uri()], tmp_path)
    dom = proc.stdout
    assert "<body" in dom and "Principaux constats" in dom, proc.stderr[-2000:]
    assert "&lt;script&gt;document.title='pwned';alert(1)&lt;/script&gt;" in dom
    assert "<script" not in dom.lower()  # no element was injected
    assert "<title>pwned</title>" not in dom


def test_phone_screenshot_and_no_network_request(hostile_report, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report_fr_phone.png"
    shot.unlink(missing_ok=True)
    proc = _run(
        [
            "--screenshot=" + str(shot),
            "--window-size=412,915",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=1",
            hostile_report.as_uri(),
        ],
        tmp_path,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    # verbose network logging: no http(s) request other than the browser's own background
    # services (update checks, accounts: Google hosts, which the page never names)
    browser_own = re.compile(
        r"https?://[^/\s]*(google\.com|googleapis\.com|gvt1\.com|gstatic\.com)/"
    )
    urls = re.findall(r"NotifyBeforeURLRequest: (\S+)", proc.stderr)
    assert "NotifyBeforeURLRequest" in proc.stderr or "VERBOSE1" in proc.stderr  # logging on
    page_requests = [u for u in urls if u.startswith("http") and not browser_own.match(u)]
    assert page_requests == []
    # the screenshot is an artefact for people: kept out of git by .gitignore
    ignored = subprocess.run(["git", "check-ignore", "-q", str(shot)], cwd=ROOT, check=False)
    assert ignored.returncode == 0


def test_rendered_page_has_no_figure_failure(hostile_report):
    page = hostile_report.read_text(encoding="utf-8")
    assert page.count('<img src="data:image/svg+xml;base64,') >= 3
    assert "n’a pas pu être tracée" not in page
