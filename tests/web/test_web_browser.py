"""``scoreaudit serve`` end to end in real headless Chromium (the system's, driven by Playwright;
no browser download): the bundled sample audited with the shipped model at 5%, French findings,
switch to English, zip download; the model editor (typo, error, fix, run); hostile files (HTML
and script in labels, a formula payload, an oversized file, a pickle renamed .csv).

The main flows run with JavaScript disabled (the page must work without it); the hostile-file
test runs with JavaScript enabled and counts dialogs (none may open). Every request the page
makes must go to the local server. Screenshots at 1280 and 412 pixels wide go to
``$SCOREAUDIT_SCREENSHOTS`` (default ``tests/artifacts/web``, git-ignored).
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "synthetic" / "c2sg_sample.csv"
FUNNEL = ROOT / "data" / "synthetic" / "c2sg_funnel_rounded10.csv"
SHOTS = Path(os.environ.get("SCOREAUDIT_SCREENSHOTS", ROOT / "tests" / "artifacts" / "web"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM = _chromium()
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no chromium binary (Debian package 'chromium'; .ci/run installs it when missing)",
    ),
    pytest.mark.skipif(not SAMPLE.exists(), reason="bundled sample CSV missing"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``scoreaudit serve`` in a subprocess (free port, 3 MB upload limit); its temporary
    directory must be gone once it is stopped with Ctrl+C (SIGINT)."""
    tmp = tmp_path_factory.mktemp("serve-tmp")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "TMPDIR": str(tmp),
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "scoreaudit", "serve", "--no-browser", "--max-upload-mb", "3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if match is None:
        proc.kill()
        pytest.fail(f"server did not start: {line}{proc.stdout.read()}")
    assert list(tmp.glob("scoreaudit-web-*")), "work directory not in TMPDIR"
    yield match.group(0).rstrip("/")
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    assert not list(tmp.glob("scoreaudit-web-*")), "work directory left behind"


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, server, *, javascript: bool = False):
    context = browser.new_context(
        java_script_enabled=javascript,
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(120_000)  # generous: CI machines may be busy (no timing asserted)
    foreign: list[str] = []
    page.on(
        "request",
        lambda req: None if req.url.startswith((server, "data:")) else foreign.append(req.url),
    )
    page.foreign = foreign  # type: ignore[attr-defined]
    return page


def shoot(page, name: str) -> None:
    """Screenshots at desktop (1280 px) and phone (412 px) widths; the page must fit the
    width (a full-page screenshot wider than the window means a sideways scroll on a phone)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (412, 915)):
        page.set_viewport_size({"width": width, "height": height})
        png = page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert int.from_bytes(png[16:20], "big") == width, f"{name} is wider than {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def check_running_page(page, title: str, name: str) -> None:
    """The running page's title and screenshots, while there is a running page.

    It reloads itself every 2 seconds (a meta refresh) and becomes the result page when the
    audit ends: a reading that such a navigation interrupts is taken again on the page that
    loaded, as long as it is still the running page (an audit may end before any reading).
    """
    for _ in range(10):
        if "/jobs/" not in page.url:
            return
        try:
            shown = page.inner_text("h1")
            if "/jobs/" not in page.url:
                return
            assert title in shown
            shoot(page, name)
            return
        except playwright_api.Error:
            page.wait_for_load_state()
    pytest.fail(f"{name}: the running page navigated during every attempt to read it")


def wait_result(page, timeout: float = 600_000) -> None:
    page.wait_for_url(re.compile(r"/results/[^/]+$"), timeout=timeout)


def test_audit_sample_french_then_english_and_zip(browser, server, tmp_path):
    page = _page(browser, server)
    page.goto(server + "/")
    assert "Auditer un modèle de score" in page.inner_text("h1")
    shoot(page, "01-home")
    page.click("nav >> text=Audit d’un modèle")
    page.set_input_files("#file", str(SAMPLE))
    shoot(page, "02-upload")
    page.click("#send")
    page.wait_for_url(re.compile(r"/audit/"))
    assert "5\u202f000 lignes" in page.inner_text(".dataset")
    for name in ("gender", "age_band", "family_status"):  # ticked by default
        assert page.is_checked(f"tr:has-text('{name}') input[name=protected]")
    page.select_option("select[aria-label='Groupe de référence gender']", "man")
    page.select_option("#shipped_model", "c2sg-reconstruction")
    page.fill("#budget", "5%")
    shoot(page, "03-audit-form")
    page.click("#run")
    check_running_page(page, "Audit en cours", "04-running")
    wait_result(page)
    report = page.frame_locator("#report")
    assert "Principaux constats" in report.locator("body").inner_text()
    findings = report.locator("body").inner_text()
    assert re.search(r"sélectionnés pour contrôle .*fois plus souvent", findings)
    assert "hommes" in findings and "femmes" in findings
    shoot(page, "05-result-fr")

    page.click("#switch-lang")
    wait_result(page)
    assert "Result of the audit" in page.inner_text("h1")
    english = page.frame_locator("#report").locator("body").inner_text()
    assert "Key findings" in english and "times as often as" in english
    shoot(page, "06-result-en")
    with page.expect_download() as info:
        page.click("#download")
    path = tmp_path / "report.zip"
    info.value.save_as(path)
    names = zipfile.ZipFile(path).namelist()
    for expected in (
        "report-en/report.html",
        "report-en/report.md",
        "report-en/results.json",
        "report-en/tables/groups.csv",
        "report-en/tables/disparities.csv",
    ):
        assert expected in names
    assert any(n.startswith("report-en/figures/") and n.endswith(".svg") for n in names)
    assert page.foreign == []


def test_spec_editor_typo_error_fix_and_run(browser, server):
    page = _page(browser, server)
    page.goto(server + "/upload/spec")
    page.set_input_files("#file", str(SAMPLE))
    page.click("#send")
    page.wait_for_url(re.compile(r"/spec\?data="))
    table = (
        "variable\tmodalité\trapport de cotes\n"
        "gender\twoman\t1,3\ngender\tman\t1\n"
        "family_status\talone\t1\nfamily_status\tcouple_no_child\t0,9\n"
        "family_status\tcouple_with_children\t1,1\nfamily_status\tsingel_parent\t1,4\n"
        "family_status\tother\t1\nage\t<=25\t1\nage\t>25\t1,25\n"
    )
    page.fill("#name", "organisme-2024")
    page.fill("#paste", table)
    page.click("#spec-save")
    error = page.inner_text("#error")
    assert "singel_parent" in error and "single_parent" in error
    assert "virgules décimales" in page.inner_text("#comma-note")
    shoot(page, "07-spec-error")
    typo = page.locator("input[name=level]").filter(has=page.locator("xpath=self::*"))
    for i in range(typo.count()):
        if typo.nth(i).input_value() == "singel_parent":
            typo.nth(i).fill("single_parent")
    page.click("#spec-save")
    assert "est valide et enregistré" in page.inner_text("#saved")
    shoot(page, "08-spec-saved")
    page.click("#spec-use")
    page.wait_for_url(re.compile(r"/audit/"))
    assert page.is_checked("input[name=model_source][value=saved]")
    page.fill("#budget", "5%")
    page.click("#run")
    wait_result(page)
    body = page.frame_locator("#report").locator("body").inner_text()
    assert "organisme-2024" in body and "Principaux constats" in body
    assert page.foreign == []


def test_hostile_files_are_refused_or_inert(browser, server, tmp_path):
    page = _page(browser, server, javascript=True)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    rng = np.random.default_rng(0)
    n = 3000
    hostile = "<script>alert('pwned')</script>"
    formula = "=cmd|' /C calc'!A0"
    frame = pd.DataFrame(
        {
            "gender": np.where(np.arange(n) % 2 == 0, hostile, formula),
            "<img src=x onerror=alert(2)>": rng.choice(["a", "b"], n),
            "score": rng.random(n),
        }
    )
    path = tmp_path / "hostile.csv"
    frame.to_csv(path, index=False)
    page.goto(server + "/upload/audit")
    page.set_input_files("#file", str(path))
    page.click("#send")
    page.wait_for_url(re.compile(r"/audit/"))
    assert hostile in page.inner_text("table.columns")  # shown as text
    assert page.locator("table.columns script, table.columns img").count() == 0
    page.check("tr:has-text('gender') input[name=protected]")
    for other in ("age_band", "family_status"):
        assert page.locator(f"tr:has-text('{other}')").count() == 0
    page.check("input[name=model_source][value=score]")
    page.select_option("#score_column", "score")
    page.fill("#budget", "10%")
    page.click("#run")
    wait_result(page)
    report = page.frame_locator("#report").locator("body")
    assert hostile in report.inner_text()
    assert page.frame_locator("#report").locator("script").count() == 0

    big = tmp_path / "big.csv"
    big.write_bytes(b"gender,score\n" + b"woman,0.5\n" * 400_000)  # 4 MB > 3 MB
    page.goto(server + "/upload/audit")
    page.set_input_files("#file", str(big))
    page.click("#send")
    assert "dépasse la limite de 3 Mo" in page.inner_text("#error")
    shoot(page, "09-too-large")

    pkl = tmp_path / "données.csv"
    pkl.write_bytes(pickle.dumps(frame))
    page.goto(server + "/upload/audit")
    page.set_input_files("#file", str(pkl))
    page.click("#send")
    assert "pickle" in page.inner_text("#error")
    shoot(page, "10-pickle-refused")
    assert dialogs == [] and page.foreign == []


def test_funnel_rounded_table_french_then_english_zip_and_hostile(browser, server, tmp_path):
    """The process audit: the published rounded table, steps picked from the stages found in
    the file, French findings, English, zip; a bad count named by line and stage; a pickle."""
    page = _page(browser, server)
    page.goto(server + "/")
    page.click("nav >> text=Processus (entonnoir)")
    page.set_input_files("#file", str(FUNNEL))
    page.click("#send")
    page.wait_for_url(re.compile(r"/funnel/"))
    assert "population, high_risk, picked" in page.inner_text("#stages-found")
    page.select_option("#stratum", "score_band")
    page.fill("#rounding", "10")
    page.fill("#reference", "gender=man")
    stages = page.locator("select[name=step_stage]")
    bases = page.locator("select[name=step_base]")
    names = page.locator("input[name=step_name]")
    assert stages.nth(1).input_value() == "picked" and bases.nth(1).input_value() == "high_risk"
    for i in range(stages.count()):  # keep two steps: agent pick, suspension
        names.nth(i).fill("")
        stages.nth(i).select_option("")
        bases.nth(i).select_option("")
    names.nth(0).fill("choix de l’agent")
    stages.nth(0).select_option("picked")
    bases.nth(0).select_option("high_risk")
    stages.nth(1).select_option("suspended")
    bases.nth(1).select_option("anomaly")
    shoot(page, "11-funnel-form")
    page.click("#run")
    wait_result(page)
    body = page.frame_locator("#report").locator("body").inner_text()
    assert "Principaux constats" in body and "Étape « choix de l’agent »" in body
    assert "multiples de 10" in body and "Mantel-Haenszel" in body
    shoot(page, "12-funnel-result-fr")
    page.click("#switch-lang")
    wait_result(page)
    english = page.frame_locator("#report").locator("body").inner_text()
    assert "Key findings" in english and "suspended" in english
    shoot(page, "13-funnel-result-en")
    with page.expect_download() as info:
        page.click("#download")
    path = tmp_path / "funnel.zip"
    info.value.save_as(path)
    names_in_zip = zipfile.ZipFile(path).namelist()
    for expected in ("report.html", "results.json", "tables/steps.csv", "figures/funnel.svg"):
        assert f"report-en/{expected}" in names_in_zip

    bad = pd.read_csv(FUNNEL, dtype=str, keep_default_na=False)
    bad.loc[4, "n"] = "<img src=x onerror=alert(1)>"
    hostile = tmp_path / "entonnoir.csv"
    bad.to_csv(hostile, index=False)
    page.goto(server + "/lang/fr?next=/upload/funnel")
    page.set_input_files("#file", str(hostile))
    page.click("#send")
    page.wait_for_url(re.compile(r"/funnel/"))
    page.select_option("#stratum", "score_band")
    page.click("#run")
    error = page.inner_text("#error")
    assert "<img src=x onerror=alert(1)>" in error and "ligne 6 du fichier" in error
    assert f"étape '{bad.loc[4, 'stage']}'" in error
    assert page.locator("#error img").count() == 0
    shoot(page, "14-funnel-error")
    pkl = tmp_path / "comptes.csv"
    pkl.write_bytes(pickle.dumps(bad))
    page.goto(server + "/upload/funnel")
    page.set_input_files("#file", str(pkl))
    page.click("#send")
    assert "pickle" in page.inner_text("#error")
    assert page.foreign == []
