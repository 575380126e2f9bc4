"""`scoreaudit audit` end to end: outputs, schema, HTML numbers = JSON numbers, determinism,
failures leave nothing behind, exit codes, --config."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from scoreaudit.cli import main
from scoreaudit.present import catalogue as i18n
from scoreaudit.report import schema

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "synthetic" / "c2sg_100k.parquet"
SAMPLE_ROWS = 20_000


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory) -> Path:
    """A 20,000-row sample of the bundled synthetic data (keeps the tests fast)."""
    if not BUNDLED.exists():  # pragma: no cover - the data set is committed
        pytest.skip(f"bundled data {BUNDLED} is missing")
    frame = pd.read_parquet(BUNDLED).sample(SAMPLE_ROWS, random_state=0).reset_index(drop=True)
    path = tmp_path_factory.mktemp("data") / "c2sg_synthetic_sample.parquet"
    frame.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def small_data(sample_data, tmp_path_factory) -> Path:
    """5,000 rows, for the tests about files and exit codes rather than numbers."""
    path = tmp_path_factory.mktemp("small") / "c2sg_synthetic_small.parquet"
    pd.read_parquet(sample_data).head(5_000).to_parquet(path, index=False)
    return path


def _audit_args(data: Path, out: Path, lang: str, *extra: str) -> list[str]:
    return [
        "audit",
        "--data",
        str(data),
        "--model",
        "c2sg-reconstruction",
        "--budget",
        "5%",
        "--reference",
        "gender=man",
        "--lang",
        lang,
        "--out",
        str(out),
        *extra,
    ]


@pytest.fixture(scope="module", params=["fr", "en"])
def report_dir(request, sample_data, tmp_path_factory) -> tuple[str, Path]:
    lang = request.param
    out = tmp_path_factory.mktemp(f"cli-{lang}") / "report-c2sg"
    assert main(_audit_args(sample_data, out, lang)) == 0
    return lang, out


class _Cells(HTMLParser):
    """Collects table cells (data-table / data-attribute / data-group / data-col) and findings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.table: str | None = None
        self.row: tuple[str, str] | None = None
        self.col: str | None = None
        self.finding: int | None = None
        self.cells: dict[tuple[str, str, str, str], str] = {}
        self.findings: dict[int, str] = {}
        self.buf = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("data-table")
        elif tag == "tr" and "data-group" in a:
            self.row = (a["data-attribute"], a["data-group"])
        elif tag == "td" and "data-col" in a:
            self.col, self.buf = a["data-col"], ""
        elif tag == "li" and "data-finding" in a:
            self.finding, self.buf = int(a["data-finding"]), ""

    def handle_endtag(self, tag):
        if tag == "td" and self.col is not None:
            self.cells[(self.table, *self.row, self.col)] = self.buf
            self.col = None
        elif tag == "li" and self.finding is not None:
            self.findings[self.finding] = self.buf
            self.finding = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.col is not None or self.finding is not None:
            self.buf += data


def test_outputs_exist(report_dir):
    lang, out = report_dir
    for name in (
        "report.html",
        "report.md",
        "results.json",
        "tables/groups.csv",
        "tables/disparities.csv",
        "tables/curve.csv",
    ):
        assert (out / name).is_file(), name
    svgs = sorted(p.stem for p in (out / "figures").glob("*.svg"))
    # figures are drawn once, in one format, unless PNG is asked for (--formats ...,png)
    assert not list((out / "figures").glob("*.png"))
    assert {"selection_rates", "disparity_forest", "budget_curve"} <= set(svgs)
    assert (out / "summary.html").is_file()
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["report"]["lang"] == lang
    assert not [p for p in out.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_results_json_matches_schema(report_dir):
    jsonschema = pytest.importorskip("jsonschema")
    _lang, out = report_dir
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema())
    assert data["schema_version"] == 2
    assert data["manifest"]["data"]["sha256"] and data["manifest"]["config"]["budget"] == "5%"
    assert "out" not in data["manifest"]["config"]


def test_html_numbers_equal_json_numbers(report_dir):
    lang, out = report_dir
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    parser = _Cells()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    marker = i18n.t("suppression_marker", lang)
    checked = 0
    disp = {(d["attribute"], d["group"]): d for d in data["disparities"]}
    for g in data["groups"]:
        key = (g["attribute"], g["group"])
        table = "intersections" if " × " in g["attribute"] else "groups"
        cell = lambda col, table=table, key=key: parser.cells[(table, *key, col)]  # noqa: E731
        if g["suppressed"]:
            assert cell("selection_rate") == marker
            continue
        assert cell("n") == i18n.fmt_int(g["n"], lang)
        assert cell("selected") == i18n.fmt_int(g["selected"], lang)
        assert cell("share") == i18n.fmt_pct(g["share"], lang)
        # a rate and its interval with the same decimals
        rate, lo, hi = i18n.fmt_rate_ci(
            g["selection_rate"], g["selection_rate_low"], g["selection_rate_high"], lang
        )
        assert cell("selection_rate") == rate
        assert cell("selection_rate_interval") == f"{lo} – {hi}"
        decimals = {
            len(x.split("." if lang == "en" else ",")[-1].rstrip("%\u202f")) for x in (rate, lo, hi)
        }
        assert len(decimals) == 1
        d = disp.get(key)
        if d is not None and not d["suppressed"]:
            infinite = d["ratio"] is None and d["note"] == "reference group has no selected file"
            # JSON has no infinity: an infinite ratio is null there, with the note, and "∞" here
            ratio, lo, hi = i18n.fmt_ratio_ci(d["ratio"], d["ratio_low"], d["ratio_high"], lang)
            assert cell("ratio") == ("∞" if infinite else ratio)
            if not infinite:
                assert cell("ratio_interval") == f"{lo} – {hi}"
            assert cell("p_adjusted") == i18n.fmt_p(d["p_adjusted"], lang)
        checked += 1
    assert checked > 20
    # headline sentences: same text, and they show the JSON's numbers
    # (the sample is small: most comparisons rest on hidden counts, so few headlines remain)
    assert len(parser.findings) == len(data["findings"]) >= 1
    for i, f in enumerate(data["findings"]):
        text = parser.findings[i]
        assert " ".join(text.split()) == " ".join(f["text"].split())
        if f["kind"] == "ratio":
            for x in i18n.fmt_ratio_ci(f["ratio"], f["ratio_low"], f["ratio_high"], lang, 1):
                assert x in text
        elif f["kind"] == "zero_group":  # "None of the N files of X ... against R% of ..."
            assert f["selected"] == 0 and i18n.fmt_int(f["n"], lang) in text
            assert i18n.fmt_pct(f["reference_rate"], lang) in text
        else:
            assert i18n.fmt_pct(f["selection_rate"], lang) in text


def test_report_language_and_format(report_dir):
    lang, out = report_dir
    page = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    if lang == "fr":
        assert '<html lang="fr">' in page and "Principaux constats" in page
        assert re.search(r"\d,\d fois plus souvent", page)
        assert "\u202f%" in page and "\u202f" in i18n.fmt_int(20000, "fr")
        assert "## Principaux constats" in md
    else:
        assert "Key findings" in page and re.search(r"\d\.\d times as often as", page)
        assert "## Key findings" in md
    assert "synthetic-banner" in page  # the data path says synthetic
    assert "assumption-warning" in page  # the shipped spec's coefficients are assumptions


def test_determinism_apart_from_time(small_data, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(_audit_args(small_data, out, "en", "--formats", "json,csv")) == 0
    ja = json.loads((a / "results.json").read_text(encoding="utf-8"))
    jb = json.loads((b / "results.json").read_text(encoding="utf-8"))
    assert ja["manifest"].pop("time") and jb["manifest"].pop("time")
    assert ja == jb
    for name in ("groups.csv", "disparities.csv", "curve.csv"):
        assert (a / "tables" / name).read_bytes() == (b / "tables" / name).read_bytes()


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


def test_bad_model_leaves_nothing_and_exits_2(small_data, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["audit", "--data", str(small_data), "--model", "no-such-model", "--out", str(out)])
    assert code == 2
    assert _leftovers(tmp_path) == []
    assert "no-such-model" in capsys.readouterr().err


def test_failure_while_writing_leaves_nothing(small_data, tmp_path, monkeypatch):
    import scoreaudit.report.writer as report

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "render_markdown", boom)
    out = tmp_path / "report"
    assert main(_audit_args(small_data, out, "en", "--formats", "json,md")) == 1
    assert _leftovers(tmp_path) == []


def test_existing_output_refused_then_replaced_with_force(small_data, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "keep.txt").write_text("previous report")
    assert main(_audit_args(small_data, out, "en", "--formats", "json")) == 2
    assert (out / "keep.txt").read_text() == "previous report"
    # --force replaces only a scoreaudit report (tests/test_untrusted_inputs.py)
    assert main(_audit_args(small_data, out, "en", "--formats", "json", "--force")) == 2
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    (out / "keep.txt").unlink()
    out.rmdir()
    assert main(_audit_args(small_data, out, "en", "--formats", "md")) == 0
    assert main(_audit_args(small_data, out, "en", "--formats", "json", "--force")) == 0
    assert sorted(p.name for p in out.iterdir()) == ["results.json"]
    assert _leftovers(tmp_path) == ["report"]


def test_config_file(small_data, tmp_path, monkeypatch):
    import shutil

    # a config file may only point inside the working directory (test_untrusted_inputs.py)
    monkeypatch.chdir(tmp_path)
    shutil.copy(small_data, tmp_path / "data.parquet")
    cfg = tmp_path / "audit.yaml"
    cfg.write_text(
        "data: data.parquet\nmodel: c2sg-reconstruction\nbudget: 10%\n"
        "reference: {gender: man}\nlang: fr\nout: rep\nformats: [json]\n",
        encoding="utf-8",
    )
    assert main(["audit", "--config", str(cfg), "--budget", "5%"]) == 0  # command line wins
    data = json.loads((tmp_path / "rep" / "results.json").read_text(encoding="utf-8"))
    assert data["config"]["policy"]["share"] == 0.05 and data["report"]["lang"] == "fr"
    assert data["manifest"]["config"]["budget"] == "5%"
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: x.csv\nbugdet: 5%\n", encoding="utf-8")
    assert main(["audit", "--config", str(bad)]) == 2
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("data: x.csv\ntrust_pickle: true\n", encoding="utf-8")
    assert main(["audit", "--config", str(unsafe)]) == 2


def test_help_shows_example(capsys):
    assert main(["audit", "--help"]) == 0
    text = capsys.readouterr().out
    assert "Example: scoreaudit audit" in text and "--config" in text


def test_escaped_labels_through_the_cli(tmp_path):
    frame = pd.DataFrame(
        {
            "<b>group</b>": ["<script>alert(1)</script>"] * 300 + ['=HYPERLINK("http://x")'] * 300,
            "score": list(range(600)),
        }
    )
    data = tmp_path / "hostile.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "rep"
    assert (
        main(
            [
                "audit",
                "--data",
                str(data),
                "--score-column",
                "score",
                "--protected",
                "<b>group</b>",
                "--budget",
                "10%",
                "--out",
                str(out),
                "--formats",
                "html,md,csv,json",
            ]
        )
        == 0
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>group</b>" not in page and "&lt;b&gt;group&lt;/b&gt;" in page
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "<b>" not in md
    csv_text = (out / "tables" / "groups.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv_text
    assert not re.search(r'(^|,)"?=HYPERLINK', csv_text, flags=re.M)
    assert html.unescape("&lt;script&gt;") == "<script>"


# -- review findings: CLI output ----------------------------------------------------------


def test_last_line_points_to_the_first_written_format(small_data, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(_audit_args(small_data, out, "en", "--formats", "md")) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "report.html" not in text
    assert f"open {out / 'report.md'}".replace(" ", "") in text.replace(" ", "")
    assert "budget: top 5% of scores" in text and "0.05 share" not in text


def test_print_result_formats():
    from scoreaudit.cli import fmt_p_cli, fmt_ratio_cli

    assert fmt_p_cli(0.0) == "<0.0001" and fmt_p_cli(2e-9) == "<0.0001"
    assert fmt_p_cli(0.0432) == "0.043" and fmt_p_cli(float("nan")) == "–"
    assert fmt_ratio_cli(float("nan")) == "–"
    assert fmt_ratio_cli(float("inf")) == "∞ (reference: none selected)"


def test_help_has_no_stray_dots(capsys):
    assert main(["audit", "--help"]) == 0
    text = capsys.readouterr().out
    assert not re.search(r"\s\.(\s|$)", text), "a help string lost its [default: ...] to markup"
    assert "Default: 5%." in " ".join(text.replace("│", " ").split())


def test_no_spinner_left_above_an_error():
    import io

    from rich.console import Console

    from scoreaudit.cli.audit import _progress

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=80)
    with pytest.raises(ValueError), _progress(console) as step:
        step("Reading data.csv")
        step("Scoring and auditing")
        raise ValueError("bad reference")
    text = buf.getvalue()
    final = text.split("\x1b[2K")[-1] if "\x1b[2K" in text else text
    assert "Scoring and auditing" not in final  # the failed step's spinner line is gone
    assert not re.search("[\u2800-\u28ff] Scoring", final)


def test_controls_cli_writes_the_report_and_prints_intervals(tmp_path, capsys):
    from scoreaudit.cli.terminal import fmt_interval_cli as _interval

    assert _interval(0.56, float("nan")) == "0.56 – –" and _interval(None, None) == "–"
    out = tmp_path / "rep"
    log = ROOT / "data" / "synthetic" / "c2sg_controls.csv"
    assert (
        main(
            [
                "controls",
                str(log),
                "--protected",
                "gender,age_band",
                "--population-size",
                "100000",
                "--n-boot",
                "50",
                "--no-intersections",
                "--reference",
                "gender=man",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert not re.search(r"\d--|---", printed.replace("━", "").replace("─", ""))
    assert (out / "report.html").exists() and (out / "report.md").exists()
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "These data are synthetic" in md and "Key findings" in md
