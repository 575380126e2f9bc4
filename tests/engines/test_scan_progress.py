"""Long engine scans report their progress (rows done of all rows) to a listener, else to nobody."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from typer.testing import CliRunner

import scoreaudit as sa
from scoreaudit.core.progress import listening
from scoreaudit.engines import sql as engine_sql


def _frame(n: int = 3_000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "gender": rng.choice(["woman", "man"], n),
            "x": rng.normal(size=n),
            "cont": rng.random(n),  # distinct scores: the ordered rank pass runs
        }
    )


def test_rank_scan_reports_every_row_once(monkeypatch):
    # beyond MAX_LEVEL_ROWS distinct scores the AUC / KS come from the ordered pass
    monkeypatch.setattr(engine_sql, "MAX_LEVEL_ROWS", 100)
    frame = _frame()
    seen: list[tuple[str, int, int | None]] = []
    pop = sa.Population(duckdb.from_df(frame), protected=["gender"])
    with listening(lambda *event: seen.append(event)):
        sa.audit(pop, "cont", sa.Budget(share=0.1))
    rank = [e for e in seen if e[0] == "rank"]
    assert rank, seen
    done = [d for _, d, _ in rank]
    assert done == sorted(done) and done[-1] == len(frame)  # monotone, ends at all rows
    assert {t for *_, t in rank} == {len(frame)}


def test_model_scan_reports_rows_scored():
    from sklearn.linear_model import LogisticRegression

    frame = _frame()
    y = (frame["x"] > 0.5).astype(int)
    model = sa.SklearnModel(LogisticRegression().fit(frame[["x"]], y), features=["x"])
    seen: list[tuple[str, int, int | None]] = []
    pop = sa.Population(duckdb.from_df(frame), protected=["gender"])
    with listening(lambda *event: seen.append(event)):
        sa.audit(pop, model, sa.Budget(share=0.1))
    assert [e for e in seen if e[0] == "score"][-1] == ("score", len(frame), len(frame))


def test_nobody_listening_prints_nothing(capsys):
    pop = sa.Population(duckdb.from_df(_frame(500)), protected=["gender"])
    sa.audit(pop, "cont", sa.Budget(share=0.1))
    assert capsys.readouterr() == ("", "")


def test_cli_shows_the_scan_bar(tmp_path, monkeypatch):
    from scoreaudit.cli import app

    monkeypatch.setattr(engine_sql, "MAX_LEVEL_ROWS", 100)
    path = tmp_path / "rows.parquet"
    _frame().to_parquet(path)
    args = ["audit", "--data", str(path), "--engine", "duckdb", "--score-column", "cont"]
    args += ["--protected", "gender", "--budget", "0.1", "--lang", "en"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Ranking the scores (AUC, KS)" in res.output
