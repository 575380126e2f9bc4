"""Untrusted files: each attack is reproduced, then shown refused with exit 2 and a message.

Attacks (issue 15, "Untrusted inputs"):

* ``--force`` replaced any directory, e.g. one named by a config file (``out: ../victim``);
* a ``--config`` file lowered ``min-cell`` to 0 and pointed ``data`` / ``out`` anywhere;
* deeply nested config YAML, weights of 1e-320 or 1e308, Parquet list/struct columns ended
  in internal errors (exit 1) or passed silently;
* 20,000 one-file categories and 200,000-character labels ran for minutes and gigabytes;
* look-alike labels (``man`` / ``mаn`` with a Cyrillic ``а``) and right-to-left overrides
  passed silently;
* SIGKILL left ``.out.tmp-*`` folders behind forever.

Every bad input ends as a :class:`~scoreaudit.errors.ScoreAuditError` in Python and, through
``scoreaudit audit``, as exit code 2 with the message, no traceback and nothing written.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import scoreaudit as sa
from scoreaudit.cli import main
from scoreaudit.cli.audit import ConfigError, check_config_safety
from scoreaudit.data.io import read_data
from scoreaudit.data.population import lookalike_key
from scoreaudit.errors import DataError, ScoreAuditError
from scoreaudit.report import write_report
from scoreaudit.report.output import (
    MARKER,
    NotAReportError,
    atomic_output_dir,
    clean_stale_temporaries,
)

ROOT = Path(__file__).resolve().parents[2]
N = 400


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps messages at the terminal width; a wide one keeps paths on one line."""
    import scoreaudit.cli.terminal as cli

    monkeypatch.setenv("COLUMNS", "1000")
    for console in (cli.console, cli.err_console):
        monkeypatch.setattr(console, "_width", 1000)


def frame(n: int = N, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "gender": rng.choice(["man", "woman"], n),
            "family": rng.choice(["alone", "couple", "single parent"], n),
            "score": rng.random(n),
            "w": rng.uniform(0.5, 2.0, n),
            "y": rng.integers(0, 2, n),
        }
    )


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(args)
    err = " ".join(capsys.readouterr().err.split())
    return code, err


def audit_args(data: Path, out: Path | None, *extra: str) -> list[str]:
    args = ["audit", "--data", str(data), "--score-column", "score"]
    args += ["--protected", "gender,family", "--formats", "json,csv"]
    return args + (["--out", str(out)] if out is not None else []) + list(extra)


def leftovers(parent: Path, out: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{out.name}."))


def assert_refused(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "Internal error" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)


# ------------------------------------------------------------------------------------------
# 1. --force replaces only a scoreaudit report
# ------------------------------------------------------------------------------------------


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    frame().to_csv(path, index=False)
    return path


def test_force_refuses_a_directory_that_is_not_a_report(
    tmp_path: Path, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "file.txt").write_text("precious", encoding="utf-8")
    code, err = run(audit_args(data_csv, victim, "--force"), capsys)
    assert_refused(code, err, str(victim), "not a scoreaudit report", "nothing was changed")
    assert sorted(p.name for p in victim.iterdir()) == ["file.txt"]
    assert (victim / "file.txt").read_text(encoding="utf-8") == "precious"
    assert leftovers(tmp_path, victim) == []
    # the Python API refuses the same way, with a ScoreAuditError subclass
    result = sa.audit(sa.Population(frame(), ["gender"]), "score", sa.Budget(share=0.1))
    with pytest.raises(NotAReportError, match="not a scoreaudit report") as info:
        write_report(result, victim, formats=("json",), force=True)
    assert isinstance(info.value, ScoreAuditError)
    assert sorted(p.name for p in victim.iterdir()) == ["file.txt"]


def test_force_refuses_a_report_holding_files_it_did_not_write(
    tmp_path: Path, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    assert run(audit_args(data_csv, out), capsys)[0] == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "tables" / "my_analysis.xlsx").write_bytes(b"PK")
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    code, err = run(audit_args(data_csv, out, "--force"), capsys)
    assert_refused(code, err, str(out), "notes.txt", "tables/my_analysis.xlsx")
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert leftovers(tmp_path, out) == []
    (out / "notes.txt").unlink()
    (out / "tables" / "my_analysis.xlsx").unlink()
    assert run(audit_args(data_csv, out, "--force"), capsys)[0] == 0


def test_reports_are_recognised_with_and_without_json(
    tmp_path: Path, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    # without results.json the marker identifies the report
    assert run(audit_args(data_csv, out, "--formats", "csv"), capsys)[0] == 0
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["scoreaudit"] == "report"
    assert run(audit_args(data_csv, out, "--formats", "json", "--force"), capsys)[0] == 0
    # with results.json its manifest identifies it, and no marker is left
    assert sorted(p.name for p in out.iterdir()) == ["results.json"]
    assert run(audit_args(data_csv, out, "--formats", "csv", "--force"), capsys)[0] == 0
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "tables"]
    # a results.json not written by scoreaudit does not count
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "results.json").write_text('{"manifest": {"package": {"name": "x"}}}')
    code, err = run(audit_args(data_csv, fake, "--force"), capsys)
    assert_refused(code, err, "not a scoreaudit report")
    assert sorted(p.name for p in fake.iterdir()) == ["results.json"]


def test_force_does_not_replace_a_symbolic_link(
    tmp_path: Path, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real"
    assert run(audit_args(data_csv, real), capsys)[0] == 0
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    code, err = run(audit_args(data_csv, link, "--force"), capsys)
    assert_refused(code, err, "symbolic link")
    assert link.is_symlink() and (real / "results.json").exists()


def test_force_on_counts_and_controls_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "file.txt").write_text("precious", encoding="utf-8")
    counts = ["counts", str(ROOT / "data" / "synthetic" / "c2sg_confusion_counts.csv")]
    counts += ["--group", "gender,age_band", "--tp", "tp", "--fp", "fp", "--tn", "tn"]
    counts += ["--fn", "fn", "--reference", "gender=man", "--out"]
    code, err = run([*counts, str(victim), "--force"], capsys)
    assert_refused(code, err, str(victim), "not a scoreaudit report")
    assert sorted(p.name for p in victim.iterdir()) == ["file.txt"]
    out = tmp_path / "counts_report"
    assert run([*counts, str(out)], capsys)[0] == 0
    assert run([*counts, str(out), "--force"], capsys)[0] == 0  # a counts report: replaced
    log = ROOT / "data" / "synthetic" / "c2sg_controls.csv"
    controls = ["controls", str(log), "--protected", "gender,age_band"]
    controls += ["--population-size", "100000", "--n-boot", "20"]
    code, err = run([*controls, "--out", str(victim), "--force"], capsys)
    assert_refused(code, err, str(victim), "not a scoreaudit report")
    assert sorted(p.name for p in victim.iterdir()) == ["file.txt"]


# ------------------------------------------------------------------------------------------
# 2. --config cannot lower protection nor reach outside the working directory
# ------------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/proj (the working directory) with data.csv; tmp/victim next to it."""
    proj = tmp_path / "proj"
    proj.mkdir()
    frame().to_csv(proj / "data.csv", index=False)
    frame().to_csv(tmp_path / "outside.csv", index=False)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "file.txt").write_text("precious", encoding="utf-8")
    monkeypatch.chdir(proj)
    return proj


def _config(proj: Path, text: str) -> Path:
    base = "score-column: score\nprotected: gender,family\nformats: json\n"
    path = proj / "audit.yaml"
    path.write_text(base + text, encoding="utf-8")
    return path


def test_the_reported_config_attack_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(project, "data: data.csv\nmin-cell: 0\nout: ../victim\n")
    code, err = run(["audit", "--config", str(cfg), "--force"], capsys)
    assert_refused(code, err, str(cfg), "min-cell: 0", "--min-cell 0 on the command line")
    victim = project.parent / "victim"
    assert sorted(p.name for p in victim.iterdir()) == ["file.txt"]
    assert leftovers(project.parent, victim) == []


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("data: data.csv\nmin-cell: 0\n", ("min-cell: 0", "below the default 11")),
        ("data: data.csv\nmin-cell: 10\n", ("min-cell: 10",)),
        ("data: data.csv\nmin-cell: '20'\n", ("whole number",)),
        ("data: ../outside.csv\n", ("data:", "outside the current directory", "--data")),
        ("data: /etc/hostname\n", ("outside the current directory",)),
        ("data: data.csv\nout: ../victim\n", ("out:", "outside the current directory", "--out")),
        ("data: data.csv\nout: .\n", ("out:", "outside the current directory")),
        ("data: link.csv\n", ("resolves to", "outside.csv")),
        ("data: data.csv\nout: linkdir/report\n", ("resolves to", "victim")),
    ],
)
def test_config_alone_cannot_lower_protection_or_leave_the_directory(
    project: Path, text: str, needles: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "link.csv").symlink_to(project.parent / "outside.csv")
    (project / "linkdir").symlink_to(project.parent / "victim", target_is_directory=True)
    code, err = run(["audit", "--config", str(_config(project, text))], capsys)
    assert_refused(code, err, *needles)
    assert sorted(p.name for p in (project.parent / "victim").iterdir()) == ["file.txt"]


def test_the_same_settings_typed_on_the_command_line_are_accepted(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(project, "data: ../outside.csv\nmin-cell: 5\nout: ../report\n")
    args = ["audit", "--config", str(cfg), "--min-cell", "5", "--allow-small-cells"]
    args += ["--data", "../outside.csv"]
    code, err = run([*args, "--out", "../report"], capsys)
    assert code == 0, err
    assert (project.parent / "report" / "results.json").exists()
    # and a config file inside the directory with a higher min-cell is fine
    cfg = _config(project, "data: data.csv\nmin-cell: 20\nout: sub/report\n")
    (project / "sub").mkdir()
    assert run(["audit", "--config", str(cfg)], capsys)[0] == 0


def test_suppression_options_cannot_be_changed_by_a_config_file() -> None:
    """Any option about suppression or publication keeps its default unless typed."""
    assert issubclass(ConfigError, ScoreAuditError)
    for key, value in (("suppress_zero", False), ("synthetic", True), ("unsafe_publish", 1)):
        with pytest.raises(ConfigError, match=f"sets {key}.*command line"):
            check_config_safety({key: value}, {}, "audit.yaml")
        check_config_safety({key: value}, {key: value}, "audit.yaml")  # typed: accepted


@pytest.mark.parametrize("depth", [12, 5_000])
def test_deeply_nested_config_is_a_clear_error(
    tmp_path: Path, depth: int, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "audit.yaml"
    cfg.write_text("reference: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    code, err = run(["audit", "--config", str(cfg)], capsys)
    assert_refused(code, err, str(cfg), "nested too deeply")


# ------------------------------------------------------------------------------------------
# 3. Limits on data: categories, labels, file size, weights, nested columns
# ------------------------------------------------------------------------------------------


def _set(column: str, rows: slice, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(f: pd.DataFrame) -> pd.DataFrame:
        f = f.copy()
        f[column] = f[column].astype(object)
        f.loc[rows, column] = value
        return f

    return edit


def _many_categories(f: pd.DataFrame) -> pd.DataFrame:
    n = 20_000
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "gender": [f"g{i}" for i in range(n)],
            "family": rng.choice(["a", "b"], n),
            "score": rng.random(n),
        }
    )


def _weights(*values: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(f: pd.DataFrame) -> pd.DataFrame:
        f = f.copy()
        f.loc[: len(values) - 1, "w"] = values
        return f

    return edit


BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068"]
BIDI += ["\u2069", "\u200e", "\u200f"]

# name -> (edit of the frame, weight column?, substrings of the message)
CASES: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], bool, tuple[str, ...]]] = {
    "20000 categories": (_many_categories, False, ("20,000 distinct values", "10,000")),
    "label of 201 characters": (_set("gender", slice(0, 20), "x" * 201), False, ("201",)),
    "label of 200,000 characters": (
        _set("gender", slice(0, 20), "x" * 200_000),
        False,
        ("200,000 characters", "limit of 200"),
    ),
    "cyrillic look-alike": (
        _set("gender", slice(0, 5), "m\u0430n"),
        False,
        ("look alike", "U+0430 CYRILLIC SMALL LETTER A"),
    ),
    "greek look-alike": (
        _set("family", slice(0, 5), "c\u03bfuple"),
        False,
        ("look alike", "U+03BF GREEK SMALL LETTER OMICRON"),
    ),
    "full-width look-alike": (_set("gender", slice(0, 5), "\uff4d\uff41\uff4e"), False, ()),
    "zero-width look-alike": (_set("gender", slice(0, 5), "ma\u200bn"), False, ("U+200B",)),
    "weight 1e308": (_weights(1e308), True, ("above 1e+15", "1e+308")),
    "weight 1e-320": (_weights(1e-320), True, ("below 1e-09",)),
    "all weights 1e-320": (lambda f: f.assign(w=1e-320), True, ("below 1e-09",)),
    "weight 1e16": (_weights(1e16), True, ("above 1e+15",)),
    "weight ratio above 1e12": (_weights(1e-3, 1e10), True, ("more than 1e+12 times",)),
    "negative weight": (_weights(-1.0), True, ("negative",)),
}
for _c in BIDI:
    CASES[f"bidi U+{ord(_c):04X}"] = (
        _set("gender", slice(0, 20), f"wo{_c}man"),
        False,
        (f"U+{ord(_c):04X}", "Bidirectional"),
    )
# the full-width and decomposed cases need the original spelling present too
CASES["decomposed accent"] = (
    lambda f: f.assign(family=f["family"].replace({"couple": "alon\u00e9"})).pipe(
        _set("family", slice(0, 5), "alone\u0301")
    ),
    False,
    ("look alike", "U+0301 COMBINING ACUTE ACCENT"),
)


def _population(f: pd.DataFrame, weighted: bool) -> sa.Population:
    return sa.Population(f, ["gender", "family"], weight="w" if weighted else None)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_data_refused_in_python_and_by_the_cli(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, weighted, needles = CASES[name]
    bad = edit(frame())
    with pytest.raises(DataError) as info:
        _population(bad, weighted)
    for needle in needles:
        assert needle in info.value.args[0], (needle, info.value.args[0])
    path = tmp_path / "bad.parquet"
    bad.to_parquet(path, index=False)
    out = tmp_path / "report"
    extra = ("--weight", "w") if weighted else ()
    code, err = run(audit_args(path, out, *extra), capsys)
    assert_refused(code, err, *needles)
    assert "\u202e" not in err  # bidi characters are shown escaped, never printed
    assert not out.exists() and leftovers(tmp_path, out) == []


def test_reasonable_data_still_passes() -> None:
    """Limits leave real data alone: accents, other scripts, wide but sane weights."""
    f = frame()
    f["family"] = f["family"].map(
        {"alone": "célibataire", "couple": "couple", "single parent": "monoparentale"}
    )
    f["gender"] = np.where(f["gender"] == "man", "мужчина", "женщина")  # Cyrillic only
    f.loc[:2, "w"] = [1e-9, 1e3, 5.0]  # ratio exactly 1e12
    pop = sa.Population(f, ["gender", "family"], weight="w")
    assert pop.attributes["gender"].levels == ("женщина", "мужчина")
    f.loc[:20, "gender"] = "x" * 200  # 200 characters is allowed
    sa.Population(f, ["gender"])
    many = _many_categories(f)
    assert sa.Population(many, ["gender"], max_categories=20_000).attributes["gender"].n_levels
    assert lookalike_key("Femme") != lookalike_key("Homme")


def test_category_limit_is_configurable_and_checked_before_anything_costly() -> None:
    many = _many_categories(frame())
    with pytest.raises(DataError, match="more than the limit of 100 groups"):
        sa.Population(many.head(101), ["gender"], max_categories=100)
    with pytest.raises(DataError, match="120 characters long.*limit of 100"):
        long = frame()
        long.loc[:10, "gender"] = "y" * 120
        sa.Population(long, ["gender"], max_label_chars=100)


@pytest.mark.parametrize(
    ("column", "role", "array"),
    [
        ("gender", "a protected attribute", pa.array([["a"], ["b"]] * (N // 2))),
        ("w", "the weight", pa.array([{"x": 1.0}] * N)),
        ("y", "the label", pa.array([[1]] * N)),
        ("score", "a model input", pa.array([[0.5]] * N)),
    ],
)
def test_parquet_list_and_struct_columns_are_named_and_refused(
    column: str, role: str, array: pa.Array, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = pa.Table.from_pandas(frame(), preserve_index=False).replace_schema_metadata(None)
    table = table.set_column(table.schema.get_field_index(column), column, array)
    table = table.append_column("unused", pa.array([[1, 2]] * N))  # never used: no error
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path)
    out = tmp_path / "report"
    code, err = run(audit_args(path, out, "--weight", "w", "--label", "y"), capsys)
    assert_refused(code, err, f"Column {column!r}, used as {role}")
    assert not out.exists()
    with pytest.raises(DataError, match=f"Column {column!r}, used as {role}"):
        f = read_data(path)
        pop = sa.Population(f, ["gender", "family"], weight="w", label="y")
        sa.audit(pop, "score", sa.Budget(share=0.1))


def test_a_list_further_down_a_protected_column_is_a_clear_error() -> None:
    f = frame().astype({"gender": object})
    f.at[5, "gender"] = ["man"]
    with pytest.raises(DataError, match="'gender'.*lists or records"):
        sa.Population(f, ["gender"])


def test_file_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "data.csv"
    frame().to_csv(path, index=False)
    size = path.stat().st_size
    with pytest.raises(DataError, match=f"{size:,} bytes, more than the limit of 1,000 bytes"):
        read_data(path, max_bytes=1_000)
    assert len(read_data(path, max_bytes=size)) == N
    monkeypatch.setenv("SCOREAUDIT_MAX_DATA_BYTES", "1000")
    out = tmp_path / "report"
    code, err = run(audit_args(path, out), capsys)
    assert_refused(code, err, "SCOREAUDIT_MAX_DATA_BYTES", str(path))
    assert not out.exists()


def test_an_oversized_csv_field_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "long.csv"
    frame().assign(gender="x" * 200_000).to_csv(path, index=False)
    with pytest.raises(DataError, match="line 2.*field larger than field limit"):
        read_data(path)
    code, err = run(audit_args(path, tmp_path / "report"), capsys)
    assert_refused(code, err, "line 2")


# ------------------------------------------------------------------------------------------
# 4. Temporary folders left by a killed run are cleaned
# ------------------------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_sigkilled_run_leaves_a_folder_the_next_run_removes(tmp_path: Path) -> None:
    out = tmp_path / "report"
    script = (
        "import os, signal, sys\n"
        "from scoreaudit.report.output import atomic_output_dir\n"
        "with atomic_output_dir(sys.argv[1]) as tmp:\n"
        "    (tmp / 'results.json').write_text('{}')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", script, str(out)], env=env)
    assert proc.wait() == -9
    (stale,) = [p for p in tmp_path.iterdir() if p.name.startswith(".report.tmp-")]
    assert stale.name.startswith(f".report.tmp-{proc.pid}-")
    info = json.loads((stale / MARKER).read_text(encoding="utf-8"))
    assert info["pid"] == proc.pid and info["state"] == "writing"
    assert clean_stale_temporaries(out) == []  # recent: another run may be writing it
    _age(stale, 2 * 3600)
    result = sa.audit(sa.Population(frame(), ["gender"]), "score", sa.Budget(share=0.1))
    write_report(result, out, formats=("json",))
    assert not stale.exists()
    assert leftovers(tmp_path, out) == []


def test_only_stale_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "report"
    dead = _dead_pid()
    host = socket.gethostname()

    def fake(name: str, pid: int, host_name: str = host, age: float = 7200) -> Path:
        path = tmp_path / name
        path.mkdir()
        marker = {"scoreaudit": "report", "state": "writing", "pid": pid, "host": host_name}
        (path / MARKER).write_text(json.dumps(marker), encoding="utf-8")
        (path / "results.json").write_text("{}", encoding="utf-8")
        _age(path, age)
        return path

    stale = fake(f".report.tmp-{dead}-0123abcd", dead)
    old = fake(f".report.old-{dead}-0123abcd", dead)
    alive = fake(f".report.tmp-{os.getpid()}-0123abcd", os.getpid())
    young = fake(f".report.tmp-{dead}-4567abcd", dead, age=60)
    elsewhere = fake(f".report.tmp-{dead}-89abcdef", dead, host_name="another-host")
    wrong_pid = fake(f".report.tmp-{dead}-deadbeef", dead + 1)
    other_name = fake(f".reports.tmp-{dead}-0123abcd", dead)
    target = fake("target", dead)
    link = tmp_path / f".report.tmp-{dead}-01234567"
    link.symlink_to(target, target_is_directory=True)
    removed = clean_stale_temporaries(out)
    assert sorted(p.name for p in removed) == sorted([stale.name, old.name])
    for kept in (alive, young, elsewhere, wrong_pid, other_name, target, link):
        assert kept.exists() or kept.is_symlink(), kept
    assert (target / "results.json").exists()


def test_temporary_folder_names_its_process(tmp_path: Path) -> None:
    out = tmp_path / "report"
    with atomic_output_dir(out) as tmp:
        assert tmp.name.startswith(f".report.tmp-{os.getpid()}-")
        assert json.loads((tmp / MARKER).read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["state"] == "complete"
