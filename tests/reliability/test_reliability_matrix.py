"""Bad-input matrix (issue 10): every case through the Python API and the CLI.

Each case writes its input files into a fresh directory, then

* **API**: ``read_data`` -> ``Population`` -> ``audit`` (-> ``write_report``) either works with
  the same numbers as the audit of the original frame, or raises a :class:`ScoreAuditError`
  whose message names the file / column / row / value and says what to do;
* **CLI**: ``scoreaudit audit ... --out DIR`` (or ``scoreaudit controls``) returns 0 with the
  same numbers in ``results.json``, or returns 2 with that message on stderr, no traceback,
  and **no partial output**: no ``DIR``, no temporary ``.DIR.tmp-*`` left behind.

Write failures (disk full, permission denied) are simulated by monkeypatching the writer,
since the tests run as root and a read-only directory would not stop them.
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.cli import main, parse_budget
from scoreaudit.data.io import read_data
from scoreaudit.errors import DataError, ModelError, PolicyError, ScoreAuditError
from scoreaudit.models import load_model

N = 120
FAMILY = ["célibataire", "couple", "monoparentale"]


def base_frame() -> pd.DataFrame:
    """A small population with accented labels, probabilities, weights and labels."""
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "household_id": np.arange(1, N + 1),
            "gender": rng.choice(["femme", "homme"], N),
            "family": rng.choice(FAMILY, N),
            "score": np.round(rng.random(N), 4),
            "w": np.round(rng.uniform(0.5, 2.0, N), 3),
            "y": rng.integers(0, 2, N),
        }
    )


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps messages at the terminal width; a wide one keeps paths on one line."""
    import scoreaudit.cli.terminal as cli

    monkeypatch.setenv("COLUMNS", "1000")
    for console in (cli.console, cli.err_console):
        monkeypatch.setattr(console, "_width", 1000)


def _flat(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------------------------
# The two paths
# ------------------------------------------------------------------------------------------


def api_audit(path: Path, opts: dict[str, Any]) -> Any:
    """What a notebook user does: read, validate, audit."""
    frame = read_data(path)
    pop = sa.Population(
        frame,
        protected=opts.get("protected", ["gender", "family"]),
        label=opts.get("label"),
        weight=opts.get("weight"),
    )
    if "model" in opts:
        model = load_model(opts["model"])
    else:
        model = sa.ScoreColumn(
            opts.get("score_column", "score"), probability=opts.get("probability", False)
        )
    budget = opts.get("api_budget") or parse_budget(opts.get("budget", "10%"))
    return sa.audit(
        pop, model, budget, reference=opts.get("reference"), min_cell=0, threshold_free=False
    )


def cli_args(path: Path, opts: dict[str, Any], out: Path) -> list[str]:
    """The same options as a ``scoreaudit audit`` command line."""
    args = [
        "audit",
        "--data",
        str(path),
        "--protected",
        ",".join(opts.get("protected", ["gender", "family"])),
        "--budget",
        opts.get("budget", "10%"),
        "--min-cell",
        "0",
        "--allow-small-cells",
        "--out",
        str(out),
        "--formats",
        "json,csv",
    ]
    if "model" in opts:
        args += ["--model", opts["model"]]
    else:
        args += ["--score-column", opts.get("score_column", "score")]
    for k, v in (opts.get("reference") or {}).items():
        args += ["--reference", f"{k}={v}"]
    for key in ("label", "weight"):
        if opts.get(key):
            args += [f"--{key}", opts[key]]
    return args


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, _flat(captured.out), _flat(captured.err)


def leftovers(directory: Path, out: Path) -> list[str]:
    """Output or temporary directories a failed run must not leave."""
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.name == out.name or p.name.startswith(f".{out.name}.")
    )


# ------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One bad (or awkward but valid) input."""

    write: Callable[[Path], Path]
    opts: dict[str, Any] = field(default_factory=dict)
    error: type[Exception] | None = None
    match: str = ""  # regex the message must match (API and CLI)
    names: tuple[str, ...] = ()  # substrings the message must contain ("{path}" = the file)
    # substrings only one path's message contains: the fix as a Python keyword / a CLI option
    api_names: tuple[str, ...] = ()
    cli_names: tuple[str, ...] = ()
    api: bool = True
    cli: bool = True
    check: Callable[[Any, Path], None] | None = None  # extra check on a successful API result


def csv_writer(
    name: str, frame_fn: Callable[[pd.DataFrame], pd.DataFrame] | None = None, **to_csv: Any
) -> Callable[[Path], Path]:
    def write(d: Path) -> Path:
        f = base_frame()
        if frame_fn is not None:
            f = frame_fn(f)
        p = d / name
        f.to_csv(p, index=False, **to_csv)
        return p

    return write


def bytes_writer(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], Path]:
    def write(d: Path) -> Path:
        p = d / name
        p.write_bytes(data() if callable(data) else data)
        return p

    return write


def text_of(frame: pd.DataFrame, sep: str = ",", decimal: str = ".") -> str:
    return frame.to_csv(index=False, sep=sep, decimal=decimal, lineterminator="\n")


def set_cell(col: str, row: int, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def fn(f: pd.DataFrame) -> pd.DataFrame:
        f = f.astype({col: object})
        f.loc[row, col] = value
        return f

    return fn


def parquet_writer(name: str, cut: float | None = None) -> Callable[[Path], Path]:
    def write(d: Path) -> Path:
        p = d / name
        base_frame().to_parquet(p)
        if cut is not None:
            raw = p.read_bytes()
            p.write_bytes(raw[: int(len(raw) * cut)])
        return p

    return write


def same_numbers(result: Any, path: Path) -> None:
    """The audit of the file equals the audit of the frame it was written from."""
    expected = api_audit_frame(base_frame())
    cols = ["attribute", "group", "n", "selected", "selection_rate"]
    pd.testing.assert_frame_equal(
        result.groups[cols].reset_index(drop=True), expected.groups[cols].reset_index(drop=True)
    )
    frame = read_data(path)
    np.testing.assert_array_equal(frame["score"].to_numpy(float), base_frame()["score"].to_numpy())
    np.testing.assert_array_equal(frame["w"].to_numpy(float), base_frame()["w"].to_numpy())
    assert sorted(frame["family"].unique()) == sorted(FAMILY)


def api_audit_frame(frame: pd.DataFrame) -> Any:
    pop = sa.Population(frame, protected=["gender", "family"])
    return sa.audit(
        pop, sa.ScoreColumn("score"), sa.Budget(share=0.1), min_cell=0, threshold_free=False
    )


def controls_log(d: Path) -> Path:
    f = base_frame()
    f["selection_method"] = "score"
    f["result"] = np.where(f["y"] == 1, "errors found", "no error")
    p = d / "controls.csv"
    f.to_csv(p, index=False)
    return p


CASES: dict[str, Case] = {
    # --- awkward but valid files: they must WORK, with the right numbers ----------------
    "latin1_semicolon_decimal_comma": Case(
        bytes_writer("fr.csv", lambda: text_of(base_frame(), ";", ",").encode("latin-1")),
        check=same_numbers,
    ),
    "cp1252_semicolon": Case(
        bytes_writer("cp.csv", lambda: text_of(base_frame(), ";", ",").encode("cp1252")),
        check=same_numbers,
    ),
    "utf8_bom_comma": Case(
        bytes_writer("bom.csv", lambda: b"\xef\xbb\xbf" + text_of(base_frame()).encode()),
        check=same_numbers,
    ),
    "utf16_bom_tab": Case(
        bytes_writer("u16.tsv", lambda: text_of(base_frame(), "\t").encode("utf-16")),
        check=same_numbers,
    ),
    "crlf_pipe": Case(
        bytes_writer("crlf.csv", lambda: text_of(base_frame(), "|").replace("\n", "\r\n").encode()),
        check=same_numbers,
    ),
    "separator_at_end_of_lines": Case(
        bytes_writer(
            "trail.csv",
            lambda: "".join(
                ln + ";\n" for ln in text_of(base_frame(), ";", ",").splitlines()
            ).encode(),
        ),
        check=same_numbers,
    ),
    "quoted_decimal_commas_in_comma_file": Case(
        bytes_writer(
            "q.csv",
            lambda: text_of(
                base_frame()
                .astype({"score": str, "w": str})
                .assign(
                    score=lambda f: f["score"].str.replace(".", ",", regex=False),
                    w=lambda f: f["w"].str.replace(".", ",", regex=False),
                )
            ).encode(),
        ),
        check=same_numbers,
    ),
    # --- files that cannot be read ------------------------------------------------------
    "empty_file": Case(
        bytes_writer("empty.csv", b""), error=DataError, match="is empty", names=("{path}",)
    ),
    "blank_first_line": Case(
        bytes_writer("blank.csv", b"\n\n  \n"),
        error=DataError,
        match="no header line",
        names=("{path}",),
    ),
    "header_only": Case(
        bytes_writer("head.csv", b"gender,family,score\n"),
        error=DataError,
        match="header but no rows",
        names=("{path}",),
    ),
    "duplicated_column_names": Case(
        bytes_writer("dup.csv", b"gender,family,score,score\nfemme,couple,0.1,0.2\n"),
        error=DataError,
        match="duplicated column name",
        names=("{path}", "'score'"),
    ),
    "duplicated_after_spaces": Case(
        bytes_writer("dup2.csv", b"gender,family,score, score\nfemme,couple,0.1,0.2\n"),
        error=DataError,
        match="duplicated column name",
        names=("'score'",),
    ),
    "rows_wider_than_header": Case(
        bytes_writer("wide.csv", b"gender,score\n1,femme,0.5\n2,homme,0.25\n"),
        error=DataError,
        match=r"Line 2 .* has 3 fields but the header has 2",
        names=("{path}",),
    ),
    "excel_workbook_named_csv": Case(
        bytes_writer("book.csv", b"PK\x03\x04" + b"\x00" * 40),
        error=DataError,
        match="Excel workbook",
        names=("{path}", "CSV UTF-8"),
    ),
    "nul_bytes_utf16_without_bom": Case(
        bytes_writer("u16.csv", lambda: text_of(base_frame()).encode("utf-16-le")),
        error=DataError,
        match="NUL bytes",
        names=("{path}",),
    ),
    "mixed_utf8_and_latin1": Case(
        bytes_writer(
            "mixed.csv",
            lambda: (
                text_of(base_frame().head(60)).encode("utf-8")
                + text_of(base_frame().tail(60)).split("\n", 1)[1].encode("latin-1")
            ),
        ),
        error=DataError,
        match="mixes two text encodings",
        names=("{path}", "line"),
    ),
    "unknown_extension": Case(
        bytes_writer("data.xlsx", b"x"),
        error=DataError,
        match="Unknown data file type",
        names=("'.xlsx'",),
    ),
    "truncated_parquet": Case(
        parquet_writer("cut.parquet", cut=0.6),
        error=DataError,
        match="truncated",
        names=("{path}",),
    ),
    "not_parquet": Case(
        bytes_writer("fake.parquet", b"gender,score\nfemme,0.5\n"),
        error=DataError,
        match="does not start like a Parquet file",
        names=("{path}",),
    ),
    "directory_instead_of_file": Case(
        lambda d: (d / "folder.csv").mkdir() or d / "folder.csv",
        error=DataError,
        match="is a directory",
        names=("{path}",),
    ),
    "path_does_not_exist": Case(
        lambda d: d / "nowhere.csv", error=DataError, match="does not exist", names=("{path}",)
    ),
    # --- columns and values ---------------------------------------------------------------
    "missing_protected_column": Case(
        csv_writer("a.csv"),
        {"protected": ["gender", "sexe"]},
        error=DataError,
        match="not found",
        names=("'sexe'", "Available columns", "{path}"),
    ),
    "protected_column_case_differs": Case(
        csv_writer("a.csv", lambda f: f.rename(columns={"gender": "Gender"})),
        error=DataError,
        match="may be 'Gender'",
        names=("'gender'",),
    ),
    "protected_column_all_missing": Case(
        csv_writer("a.csv", lambda f: f.assign(gender=np.nan)),
        error=DataError,
        match="entirely missing",
        names=("'gender'", "{path}"),
    ),
    "protected_value_missing_named_with_line": Case(
        csv_writer("a.csv", set_cell("family", 7, np.nan)),
        error=DataError,
        match=r"1 missing value.*row position 7 \(line 9 of the file\)",
        names=("'family'",),
        api_names=("missing='category'",),
        cli_names=("--missing category",),
    ),
    "category_trailing_space_and_case": Case(
        csv_writer(
            "a.csv", lambda f: f.assign(gender=np.where(np.arange(N) % 2 == 0, "Femme", "femme "))
        ),
        error=DataError,
        match="differ only by case or spaces",
        names=("'Femme'", "'femme '"),
    ),
    "group_label_with_intersection_separator": Case(
        csv_writer(
            "a.csv",
            lambda f: f.assign(family=f["family"].str.replace("couple", "couple × enfants")),
        ),
        error=DataError,
        match="contains ' × '",
        names=("'couple × enfants'",),
    ),
    "single_value_attribute": Case(
        csv_writer("a.csv", lambda f: f.assign(gender="femme")),
        error=DataError,
        match="single group",
        names=("'gender'", "'femme'"),
    ),
    "population_of_one": Case(
        csv_writer("a.csv", lambda f: f.head(1)),
        error=DataError,
        match="single row",
        names=("{path}",),
    ),
    "text_in_score_column": Case(
        csv_writer("a.csv", set_cell("score", 5, "élevé")),
        error=ModelError,
        match="not numeric",
        names=("'score'", "'élevé'", "row position 5"),
    ),
    "nan_score": Case(
        csv_writer("a.csv", set_cell("score", 4, np.nan)),
        error=ModelError,
        match=r"1 missing \(NaN\).*row position 4",
        names=("'score'",),
    ),
    "inf_score": Case(
        csv_writer("a.csv", set_cell("score", 3, np.inf)),
        error=ModelError,
        match=r"1 infinite.*row position 3",
        names=("'score'",),
    ),
    "english_thousands_left_ambiguous": Case(
        bytes_writer(
            "en.csv",
            lambda: (
                text_of(
                    base_frame().assign(
                        score=[f'"{v}"' for v in np.where(np.arange(N) % 2 == 0, "1,234", "12,500")]
                    ),
                )
                .replace('"""', '"')
                .encode()
            ),
        ),
        error=ModelError,
        match="not numeric",
        names=("'1,234'",),
    ),
    "label_not_binary": Case(
        csv_writer("a.csv", set_cell("y", 2, 2)),
        {"label": "y"},
        error=DataError,
        match=r"value 2 at row position 2 \(line 4",
        names=("'y'", "{path}"),
    ),
    "weights_negative": Case(
        csv_writer("a.csv", set_cell("w", 6, -1.5)),
        {"weight": "w"},
        error=DataError,
        match=r"1 negative.*-1\.5 at row position 6",
        names=("'w'", "{path}", "line 8"),
    ),
    "weights_zero": Case(
        csv_writer("a.csv", set_cell("w", 0, 0)),
        {"weight": "w"},
        error=DataError,
        match=r"1 zero.*row position 0",
        names=("'w'",),
    ),
    "weight_column_missing": Case(
        csv_writer("a.csv"),
        {"weight": "poids"},
        error=DataError,
        match="Weight column 'poids' not found",
        names=("{path}",),
    ),
    # --- options -------------------------------------------------------------------------
    "budget_zero": Case(
        csv_writer("a.csv"),
        {"budget": "0", "api_budget": None},
        error=PolicyError,
        match=r"\(0, 1\]",
    ),
    "budget_120_percent": Case(
        csv_writer("a.csv"),
        {"budget": "120%"},
        error=PolicyError,
        match="at most 100%",
        names=("'120%'",),
    ),
    "budget_5_is_ambiguous": Case(
        csv_writer("a.csv"),
        {"budget": "5"},
        error=PolicyError,
        match="ambiguous",
        names=("5%", "'5 files'"),
    ),
    "budget_unreadable": Case(
        csv_writer("a.csv"),
        {"budget": "cinq pour cent"},
        error=PolicyError,
        match="Cannot read the budget",
    ),
    "reference_group_absent": Case(
        csv_writer("a.csv"),
        {"reference": {"gender": "man"}},
        error=DataError,
        match="does not exist",
        names=("'man'", "'femme'", "'homme'"),
    ),
    "model_for_another_population": Case(
        csv_writer("a.csv"),
        {"model": "c2sg-reconstruction"},
        error=ModelError,
        match="needs column",
        names=("'n_minors'", "Use a model built for this"),
    ),
    # a documented decision: a budget audit only ranks scores, so scores outside [0, 1] work,
    # with a warning when calibration reads them as probabilities; declared probabilities
    # outside [0, 1] are an error (API: ScoreColumn(..., probability=True))
    "scores_outside_unit_interval_declared_probabilities": Case(
        csv_writer("a.csv", lambda f: f.assign(score=f["score"] * 100)),
        {"probability": True},
        error=ModelError,
        match="declares probabilities",
        names=("outside [0, 1]",),
        cli=False,
    ),
}


def _names(case: Case, path: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return [n.replace("{path}", str(path)) for n in (*case.names, *extra)]


@pytest.mark.parametrize("name", list(CASES))
def test_api(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    if not case.api:
        pytest.skip("CLI-only case")
    path = case.write(tmp_path)
    opts = dict(case.opts)
    if name == "budget_zero":
        with pytest.raises(PolicyError, match=case.match):
            sa.Budget(share=0)
        return
    if name == "budget_120_percent":
        with pytest.raises(PolicyError, match=r"\(0, 1\]"):
            sa.Budget(share=1.2)
    if case.error is None:
        result = api_audit(path, opts)
        if case.check is not None:
            case.check(result, path)
        return
    with pytest.raises(case.error, match=case.match) as exc:
        api_audit(path, opts)
    assert isinstance(exc.value, ScoreAuditError)
    for needle in _names(case, path, case.api_names):
        assert needle in str(exc.value), (needle, str(exc.value))


@pytest.mark.parametrize("name", list(CASES))
def test_cli(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[name]
    if not case.cli:
        pytest.skip("API-only case")
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = case.write(inputs)
    out = tmp_path / "report"
    code, stdout, stderr = run_cli(cli_args(path, case.opts, out), capsys)
    if case.error is None:
        assert code == 0, stderr
        published = json.loads((out / "results.json").read_text(encoding="utf-8"))
        expected = api_audit_frame(base_frame()).groups
        got = pd.DataFrame(published["groups"])
        assert got["n"].astype(int).tolist() == expected["n"].tolist()
        assert got["selected"].astype(int).tolist() == expected["selected"].tolist()
        np.testing.assert_allclose(
            got["selection_rate"].astype(float), expected["selection_rate"], rtol=1e-12
        )
        return
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stderr and "Internal error" not in stderr
    assert "Error:" in stderr, stderr
    assert re.search(case.match, stderr), (case.match, stderr)
    for needle in _names(case, path, case.cli_names):
        assert needle in stderr, (needle, stderr)
    assert leftovers(tmp_path, out) == []


# ------------------------------------------------------------------------------------------
# Cases that do not fit the table: scores outside [0, 1], control logs, output directories
# ------------------------------------------------------------------------------------------


def test_scores_outside_unit_interval_warn_when_calibration_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = csv_writer("pct.csv", lambda f: f.assign(score=f["score"] * 100))(tmp_path)
    result = api_audit(path, {"label": "y"})
    assert any("outside [0, 1]" in w and "calibration" in w for w in result.warnings)
    # a budget audit ranks the scores: same selection as with the original probabilities
    base = api_audit(csv_writer("p.csv")(tmp_path), {"label": "y"})
    assert np.array_equal(result.selected, base.selected)
    code, _out, err = run_cli(cli_args(path, {"label": "y"}, tmp_path / "r"), capsys)
    assert code == 0 and "Warning:" in err and "outside [0, 1]" in err
    published = json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))
    assert any("outside [0, 1]" in w for w in published["warnings"])


def test_control_log_without_random_controls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = controls_log(tmp_path)
    with pytest.raises(DataError, match="no random controls") as exc:
        sa.ControlLog(read_data(path), protected=["gender", "family"])
    assert "'selection_method'" in str(exc.value)
    out = tmp_path / "ctrl"
    code, _o, err = run_cli(
        ["controls", str(path), "--protected", "gender,family", "--out", str(out)], capsys
    )
    assert code == 2 and "no random controls" in err and "Traceback" not in err
    assert leftovers(tmp_path, out) == []


@pytest.fixture(scope="module")
def small_result() -> Any:
    return api_audit_frame(base_frame())


def _old_report(tmp_path: Path) -> tuple[Path, Path]:
    """A previous report (--force replaces only a directory marked as a scoreaudit report)."""
    from scoreaudit.report.output import MARKER

    out = tmp_path / "report"
    out.mkdir()
    marker = out / "report.html"
    marker.write_text("OLD REPORT", encoding="utf-8")
    (out / MARKER).write_text('{"scoreaudit": "report"}', encoding="utf-8")
    return out, marker


def test_existing_output_directory_is_refused_and_kept(
    tmp_path: Path, small_result: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from scoreaudit.report import write_report

    out, marker = _old_report(tmp_path)
    with pytest.raises(ScoreAuditError, match="already exists.*--force"):
        write_report(small_result, out, formats=("json",))
    data = csv_writer("a.csv")(tmp_path)
    code, _o, err = run_cli(cli_args(data, {}, out), capsys)
    assert code == 2 and "already exists" in err and str(out) in err and "--force" in err
    assert marker.read_text(encoding="utf-8") == "OLD REPORT"
    assert sorted(p.name for p in out.iterdir()) == [".scoreaudit-report", "report.html"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report.")] == []
    # with --force the old report is replaced, once the new one is complete
    code, _o, err = run_cli(cli_args(data, {}, out) + ["--force"], capsys)
    assert code == 0, err
    assert (out / "results.json").exists() and not marker.exists()


def _disk_full_on_second_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """tables/groups.csv is written, then the disk is 'full' (results.json already exists)."""
    import scoreaudit.report.writer as report

    real = report.write_csv
    calls = {"n": 0}

    def write_csv(frame: pd.DataFrame, path: Any) -> Path:
        calls["n"] += 1
        if calls["n"] >= 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(frame, path)

    monkeypatch.setattr(report, "write_csv", write_csv)


@pytest.mark.parametrize("force", [False, True])
def test_disk_full_while_writing_leaves_nothing(
    tmp_path: Path,
    small_result: Any,
    force: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from scoreaudit.report import write_report

    data = csv_writer("a.csv")(tmp_path)
    out = tmp_path / "report"
    marker = _old_report(tmp_path)[1] if force else None
    _disk_full_on_second_table(monkeypatch)
    with pytest.raises(ScoreAuditError, match="disk is full.*disparities.csv.*Nothing was written"):
        write_report(small_result, out, formats=("json", "csv"), force=force)
    extra = ["--force"] if force else []
    code, _o, err = run_cli(cli_args(data, {}, out) + extra, capsys)
    assert code == 2 and "disk is full" in err and str(out) in err, err
    assert "Traceback" not in err
    if force:  # the previous report is untouched
        assert marker is not None and marker.read_text(encoding="utf-8") == "OLD REPORT"
        assert "previous report is unchanged" in err
        assert sorted(p.name for p in out.iterdir()) == [".scoreaudit-report", "report.html"]
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report.")] == []
    else:
        assert leftovers(tmp_path, out) == []


def test_permission_denied_on_the_final_move(
    tmp_path: Path,
    small_result: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from scoreaudit.report import output, write_report

    def deny(src: Any, dst: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(output.os, "replace", deny)
    out = tmp_path / "report"
    with pytest.raises(ScoreAuditError, match="permission denied"):
        write_report(small_result, out, formats=("json",))
    assert leftovers(tmp_path, out) == []
    code, _o, err = run_cli(cli_args(csv_writer("a.csv")(tmp_path), {}, out), capsys)
    assert code == 2 and "permission denied" in err and "choose a directory" in err
    assert leftovers(tmp_path, out) == []


def test_output_parent_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = csv_writer("a.csv")(tmp_path)
    out = tmp_path / "no" / "such" / "report"
    code, _o, err = run_cli(cli_args(data, {}, out), capsys)
    assert code == 2 and "does not exist" in err and not (tmp_path / "no").exists()


def test_matrix_is_large_enough() -> None:
    error_cases = [c for c in CASES.values() if c.error is not None]
    assert len(CASES) + 6 >= 30 and len(error_cases) >= 25
