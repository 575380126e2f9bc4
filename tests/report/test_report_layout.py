"""The HTML report's layout in a real browser (headless Chromium driven by Playwright): tables
fit a 1280 px window and reflow at phone width (412 px) with no column off-screen, and the French
report shows no English text from the catalogue."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.present import catalogue
from scoreaudit.report import render_html

playwright = pytest.importorskip("playwright.sync_api")
ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "synthetic" / "c2sg_100k.parquet"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary (Debian package 'chromium'; .ci/run installs it)"
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

MEASURE = """() => {
  const doc = document.documentElement, vw = doc.clientWidth;
  const wide = [...document.querySelectorAll('.table-wrap')]
    .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.querySelector('table').id);
  const off = [...document.querySelectorAll('td, th')]
    .filter(el => el.getBoundingClientRect().right > vw + 1).length;
  return {page: doc.scrollWidth - vw, wide: wide, off: off};
}"""


@pytest.fixture(scope="module")
def report_fr(tmp_path_factory) -> Path:
    frame = pd.read_parquet(BUNDLED).sample(20_000, random_state=2).reset_index(drop=True)
    pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
    res = sa.audit(
        pop,
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference={"gender": "man"},
    )
    path = tmp_path_factory.mktemp("layout") / "report.html"
    path.write_text(render_html(res, "fr"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("width", [1280, 412])
def test_tables_fit_the_window(report_fr, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(report_fr.as_uri())
    got = page.evaluate(MEASURE)
    page.close()
    assert got["page"] == 0, f"the page scrolls sideways by {got['page']} px at {width} px"
    assert got["wide"] == [], f"tables scrolling sideways at {width} px: {got['wide']}"
    assert got["off"] == 0, f"{got['off']} table cells off-screen at {width} px"


def test_french_report_has_no_english_catalogue_text(report_fr):
    text = html.unescape(re.sub(r"<[^>]+>", " ", report_fr.read_text(encoding="utf-8")))
    text = " ".join(text.split())
    leaks = []
    for key, entry in catalogue.CATALOGUE.items():
        en = " ".join(re.split(r"\{[^}]*\}", entry["en"])[0].split())
        if len(en) >= 16 and en != " ".join(entry["fr"].split()) and en in text:
            leaks.append((key, en))
    assert not leaks, leaks[:10]


@pytest.fixture(scope="module")
def summary_fr(tmp_path_factory) -> Path:
    from scoreaudit.report.writer import render_summary

    frame = pd.read_parquet(BUNDLED).sample(20_000, random_state=2).reset_index(drop=True)
    pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
    res = sa.audit(
        pop,
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference={"gender": "man"},
    )
    path = tmp_path_factory.mktemp("summary") / "summary.html"
    path.write_text(render_summary(res, "fr"), encoding="utf-8")
    return path


def test_summary_prints_on_at_most_two_a4_pages(summary_fr, browser):
    page = browser.new_page()
    page.goto(summary_fr.as_uri())
    headers = page.eval_on_selector_all(
        "#summary-table th[scope=col]", "els => els.map(e => e.textContent)"
    )
    assert headers[0].startswith("Rapport (intervalle à 95")
    assert page.eval_on_selector_all("ol.method-lines li", "els => els.length") == 4
    pdf = page.pdf(format="A4", print_background=True)
    page.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, f"{pages} A4 pages"
