"""Hostile files (issue 10): code never runs, bombs are refused fast, payloads are inert.

* Pickle / joblib payloads under any file name, and skops files holding an untrusted type,
  are refused by ``scoreaudit audit --model`` and ``scoreaudit model check`` (exit 2) and a
  marker file proves their code did not run. (``tests/models/test_model_loading.py`` covers the
  Python API; here the CLI and disguised names.)
* YAML with Python tags (spec and ``--config``), alias bombs ("billion laughs", millions of
  terms) and oversized specs are refused within a few seconds and a bounded amount of memory.
* Labels and column names carrying HTML, JavaScript, Markdown or spreadsheet-formula payloads
  come out escaped in ``report.html`` / ``report.md`` / SVG figures and neutralised in
  ``tables/*.csv`` of a full ``scoreaudit audit`` run.
"""

from __future__ import annotations

import csv
import json
import pickle
import re
import time
import tracemalloc
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoreaudit.cli import main

TIME_LIMIT = 5.0  # seconds, loosely: the point is "not minutes"
MEMORY_LIMIT = 150e6  # bytes traced by tracemalloc


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps messages at the terminal width; a wide one keeps paths on one line."""
    import scoreaudit.cli.terminal as cli

    monkeypatch.setenv("COLUMNS", "1000")
    for console in (cli.console, cli.err_console):
        monkeypatch.setattr(console, "_width", 1000)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(args)
    return code, " ".join(capsys.readouterr().err.split())


def _data(directory: Path) -> Path:
    rng = np.random.default_rng(0)
    path = directory / "data.csv"
    pd.DataFrame({"gender": rng.choice(["woman", "man"], 200), "score": rng.random(200)}).to_csv(
        path, index=False
    )
    return path


class _Payload:
    """Unpickling this runs open(marker, 'w'), which creates the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (self.marker, "w"))


class Evil:
    """A type skops does not trust: loading it would run __setstate__ (writes a file)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __setstate__(self, state: dict[str, Any]) -> None:  # pragma: no cover - must not run
        Path(state["marker"]).write_text("ran")
        self.__dict__.update(state)


# ------------------------------------------------------------------------------------------
# Code execution
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "model.pkl",
        "MODEL.PKL",
        "model.pickle",
        "model.joblib",
        "model.bin",
        "model.yaml",
        "model.json",
        "model.skops",
        "model.onnx",
        "model",
    ],
)
def test_pickle_payload_refused_by_the_cli_under_any_name(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    model = tmp_path / name
    model.write_bytes(pickle.dumps(_Payload(marker)))
    out = tmp_path / "report"
    code, err = _run(
        [
            "audit",
            "--data",
            str(_data(tmp_path)),
            "--model",
            str(model),
            "--protected",
            "gender",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 2, err
    assert "Traceback" not in err and "Internal error" not in err
    assert not marker.exists(), "the pickle payload ran"
    assert not out.exists()
    if name.lower().endswith((".pkl", ".pickle", ".joblib")):
        assert "--trust-pickle" in err and str(model) in err
    code, err = _run(["model", "check", str(model)], capsys)
    assert code == 2 and not marker.exists()


def test_the_payload_is_real(tmp_path: Path) -> None:
    """Control: the same bytes do run their code when unpickled, so the tests above matter."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_Payload(marker)))
    assert marker.exists()


@pytest.mark.parametrize("name", ["data.csv", "data.parquet", "data.pkl"])
def test_pickle_as_data_file_never_runs(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    data = tmp_path / name
    data.write_bytes(pickle.dumps(_Payload(marker)))
    code, err = _run(
        ["audit", "--data", str(data), "--score-column", "score", "--protected", "gender"], capsys
    )
    assert code == 2 and not marker.exists() and str(data) in err


def test_skops_untrusted_type_refused_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sio = pytest.importorskip("skops.io")
    marker = tmp_path / "ran"
    model = tmp_path / "evil.skops"
    sio.dump(Evil(str(marker)), model)
    code, err = _run(
        [
            "audit",
            "--data",
            str(_data(tmp_path)),
            "--model",
            str(model),
            "--protected",
            "gender",
            "--out",
            str(tmp_path / "r"),
        ],
        capsys,
    )
    assert code == 2 and "Evil" in err and "does not trust" in err
    assert not marker.exists() and not (tmp_path / "r").exists()
    code, err = _run(["model", "check", str(model)], capsys)
    assert code == 2 and not marker.exists()


def test_yaml_python_tags_refused_in_spec_and_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    tag = f"!!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]"
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: evil\nterms: []\ndescription: {tag}\n", encoding="utf-8")
    code, err = _run(
        ["audit", "--data", str(_data(tmp_path)), "--model", str(spec), "--protected", "gender"],
        capsys,
    )
    assert code == 2 and "python/object/apply" in err and "safe YAML" in err
    assert not marker.exists()
    config = tmp_path / "audit.yaml"
    config.write_text(
        f"data: data.csv\nscore-column: score\nprotected: gender\nbudget: {tag}\n", encoding="utf-8"
    )
    code, err = _run(["audit", "--config", str(config)], capsys)
    assert code == 2 and str(config) in err and not marker.exists()


# ------------------------------------------------------------------------------------------
# Bombs: bounded time and memory
# ------------------------------------------------------------------------------------------


def _laughs(levels: int = 9, width: int = 9, leaf: str = '"lol"') -> str:
    lines = [f"a0: &a0 [{', '.join([leaf] * width)}]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines)


def _bounded(fn: Any) -> tuple[Any, float, float]:
    """Run ``fn`` twice: timed (without tracing, which slows Python down), then traced."""
    t0 = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - t0
    tracemalloc.start()
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return value, elapsed, peak


def test_billion_laughs_spec_and_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "laughs.yaml"
    spec.write_text(_laughs() + "\nname: laughs\nterms: *a8\n", encoding="utf-8")
    data = _data(tmp_path)
    (code, err), elapsed, peak = _bounded(
        lambda: _run(
            ["audit", "--data", str(data), "--model", str(spec), "--protected", "gender"], capsys
        )
    )
    assert code == 2 and "billion laughs" in err
    assert elapsed < TIME_LIMIT and peak < MEMORY_LIMIT, (elapsed, peak)
    config = tmp_path / "audit.yaml"
    config.write_text(
        _laughs() + f"\ndata: {data}\nscore-column: score\nprotected: gender\nreference: *a8\n",
        encoding="utf-8",
    )
    (code, err), elapsed, peak = _bounded(lambda: _run(["audit", "--config", str(config)], capsys))
    assert code == 2 and "expands to more than" in err, err
    assert elapsed < TIME_LIMIT and peak < MEMORY_LIMIT, (elapsed, peak)


def test_a_million_terms_through_aliases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    term = "{kind: linear, variable: x, coefficient: 1.0}"
    spec = tmp_path / "million.yaml"
    spec.write_text(
        _laughs(levels=6, width=10, leaf="*t").replace("a0: &a0", f"t: &t {term}\na0: &a0")
        + "\nname: million\nterms: *a5\n",
        encoding="utf-8",
    )
    (code, err), elapsed, peak = _bounded(lambda: _run(["model", "check", str(spec)], capsys))
    assert code == 2 and "expands to more than" in err, err
    assert elapsed < TIME_LIMIT and peak < MEMORY_LIMIT, (elapsed, peak)


def test_a_huge_plain_spec_is_refused_before_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """4.9 MB of YAML (100,000 terms) took minutes and 500 MB to parse before the limit."""
    line = "  - {kind: linear, variable: x, coefficient: 1}\n"
    spec = tmp_path / "huge.yaml"
    spec.write_text("name: huge\nterms:\n" + line * 100_000, encoding="utf-8")
    (code, err), elapsed, peak = _bounded(lambda: _run(["model", "check", str(spec)], capsys))
    assert code == 2 and "Refused before parsing" in err, err
    assert elapsed < TIME_LIMIT and peak < MEMORY_LIMIT, (elapsed, peak)
    terms = [{"kind": "linear", "variable": f"x{i}", "coefficient": 1.0} for i in range(20_000)]
    big_json = tmp_path / "huge.json"
    big_json.write_text(json.dumps({"name": "huge", "terms": terms}), encoding="utf-8")
    (code, err), elapsed, peak = _bounded(lambda: _run(["model", "check", str(big_json)], capsys))
    assert code == 2 and "at most 10,000" in err, err
    assert elapsed < TIME_LIMIT, elapsed


# ------------------------------------------------------------------------------------------
# Payloads in labels and column names, through a full `scoreaudit audit` run
# ------------------------------------------------------------------------------------------

COLUMN_HTML = "<img src=x onerror=alert(1)>"
COLUMN_FORMULA = '=HYPERLINK("http://evil.example")'
LABELS = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example","clic")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-1+2",
    "[clic](javascript:alert(1))",
    "**gras** _x_ `code` # titre | pipe",
    "\t=1+1",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(5)
    n = 60 * len(LABELS)
    frame = pd.DataFrame(
        {
            COLUMN_HTML: np.repeat(LABELS, 60),
            COLUMN_FORMULA: rng.choice(["a", "b"], n),
            "score": rng.random(n),
        }
    )
    data = d / "x<img src=y onerror=alert(3)>.csv"
    frame.to_csv(data, index=False)
    out = d / "report"
    import os

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "1000"
    try:
        code = main(
            [
                "audit",
                "--data",
                str(data),
                "--score-column",
                "score",
                "--protected",
                f"{COLUMN_HTML},{COLUMN_FORMULA}",
                "--budget",
                "30%",
                "--out",
                str(out),
            ]
        )
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    assert code == 0
    return out


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_html_shows_payloads_as_text(hostile_report: Path) -> None:
    page = (hostile_report / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "iframe", "object", "embed"), tag
        for key, value in attrs:
            assert not key.startswith("on"), (tag, key)
            if key in ("href", "src", "action", "formaction", "xlink:href"):
                assert "javascript:" not in (value or "").lower(), (tag, key, value)


def test_markdown_shows_payloads_as_text(hostile_report: Path) -> None:
    md = (hostile_report / "report.md").read_text(encoding="utf-8")
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    assert "[clic](javascript" not in md and r"\[clic\](javascript" in md
    assert "**gras**" not in md and r"\*\*gras\*\*" in md
    # a '|' from the data cannot add a column to a Markdown table
    for line in md.splitlines():
        if "titre" in line and line.startswith("|"):
            assert r"titre \| pipe" in line


def _csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_csv_tables_neutralise_formulas(hostile_report: Path) -> None:
    tables = sorted((hostile_report / "tables").glob("*.csv"))
    assert tables
    seen = set()
    for path in tables:
        for cell in _csv_cells(path):
            if cell.startswith(FORMULA_START):
                assert _is_number(cell), (path.name, cell)
            seen.add(cell)
    assert "'" + LABELS[1] in seen and "'" + LABELS[4] in seen and "'" + LABELS[7] in seen
    assert any(c.startswith("'=HYPERLINK") for c in seen)


def test_svg_figures_and_json_are_inert(hostile_report: Path) -> None:
    import xml.etree.ElementTree as ET

    svgs = sorted((hostile_report / "figures").glob("*.svg"))
    assert svgs
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        assert "<script" not in text and "<img" not in text, svg.name
        for element in ET.fromstring(text).iter():  # well-formed: no comment was broken out of
            assert not element.tag.endswith(("script", "foreignObject")), (svg.name, element.tag)
            assert not any(k.lower().startswith("on") for k in element.attrib), svg.name
    data = json.loads((hostile_report / "results.json").read_text(encoding="utf-8"))
    assert LABELS[0] in {g["group"] for g in data["groups"]}  # JSON keeps the data as data


def test_payloads_at_least_reached_the_outputs(hostile_report: Path) -> None:
    """Guard against a vacuous pass: the hostile labels are in every output."""
    md = (hostile_report / "report.md").read_text(encoding="utf-8")
    page = (hostile_report / "report.html").read_text(encoding="utf-8")
    assert "HYPERLINK" in md and "HYPERLINK" in page and "cmd|" in page.replace("\\", "")
    assert re.search(r"-1\+2", page)
