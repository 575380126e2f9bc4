"""Simulated control logs and the synth command function."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.synthetic import c2sg_population, control_log, control_split, synth


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return c2sg_population(200_000, random_state=21, scenario="planted")


def test_control_split():
    assert control_split(100_000, 0.05, 0.1) == (4500, 500)
    assert control_split(1_000, 0.05, 0.0) == (50, 0)
    assert control_split(1_000, 0.05, 1.0) == (0, 50)
    for bad in ({"budget": 0}, {"budget": 1.5}, {"random_share": -0.1}, {"budget": True}):
        with pytest.raises(sa.PolicyError):
            control_split(1_000, **({"budget": 0.05, "random_share": 0.1} | bad))
    with pytest.raises(sa.PolicyError, match="no file"):
        control_split(5, 0.05)


def test_control_log_shape_and_columns(planted):
    log = control_log(planted, sa.ScoreColumn("score"), budget=0.05, random_share=0.1)
    assert len(log) == 10_000
    assert list(log.columns) == [
        "control_id",
        "household_id",
        "gender",
        "age",
        "age_band",
        "family_status",
        "score",
        "score_rank",
        "selection_method",
        "result",
        "irregular",
    ]
    assert log["household_id"].is_unique and log["household_id"].is_monotonic_increasing
    assert log["control_id"].tolist() == list(range(1, 10_001))
    assert log["selection_method"].value_counts().to_dict() == {"score": 9000, "random": 1000}
    assert list(log["result"].cat.categories) == ["errors found", "no error"]
    for col in ("gender", "age_band", "family_status"):
        assert log[col].dtype == planted[col].dtype
    # results come from the truth (detection_rate=1)
    assert ((log["result"] == "errors found") == (log["irregular"] == 1)).all()
    merged = log.merge(
        planted[["household_id", "irregular", "score"]], on="household_id", suffixes=("", "_pop")
    )
    assert (merged["irregular"] == merged["irregular_pop"]).all()
    assert np.array_equal(merged["score"], merged["score_pop"])


def test_score_controls_are_the_top_of_the_files_not_drawn_at_random(planted):
    log = control_log(planted, sa.ScoreColumn("score"), budget=0.05, random_share=0.1)
    by_score = log[log["selection_method"] == "score"]
    drawn = set(log.loc[log["selection_method"] == "random", "household_id"])
    rest = planted[~planted["household_id"].isin(drawn)]
    top = rest.nlargest(len(by_score), "score")["household_id"]
    assert set(top) == set(by_score["household_id"])
    assert (
        by_score["score"].min()
        >= rest.loc[~rest["household_id"].isin(by_score["household_id"]), "score"].max()
    )


def test_random_controls_estimate_the_population_error_rate(planted):
    log = control_log(
        planted, sa.ScoreColumn("score"), budget=0.05, random_share=0.5, random_state=3
    )
    random = log[log["selection_method"] == "random"]
    p = planted["irregular"].mean()
    rate = (random["result"] == "errors found").mean()
    se = np.sqrt(p * (1 - p) / len(random))
    assert abs(rate - p) < 3.5 * se
    # ... and the population share of women (unbiased sample of the whole population)
    w = (planted["gender"] == "woman").mean()
    assert abs((random["gender"] == "woman").mean() - w) < 3.5 * np.sqrt(w * (1 - w) / len(random))
    # score controls find errors far more often than random ones (informative score)
    by_score = log[log["selection_method"] == "score"]
    assert (by_score["result"] == "errors found").mean() > 3 * rate


def test_control_log_is_reproducible_and_seeded(planted):
    small = planted.iloc[:20_000]
    a = control_log(small, sa.ScoreColumn("score"), random_state=1)
    b = control_log(small, sa.ScoreColumn("score"), random_state=1)
    c = control_log(small, sa.ScoreColumn("score"), random_state=2)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a["household_id"].equals(c["household_id"])


def test_detection_rate_misses_errors(planted):
    log = control_log(planted, sa.ScoreColumn("score"), detection_rate=0.5, random_state=0)
    found = (log["result"] == "errors found").sum()
    assert 0.4 * log["irregular"].sum() < found < 0.6 * log["irregular"].sum()
    assert not ((log["result"] == "errors found") & (log["irregular"] == 0)).any()


def test_control_log_errors():
    pop = c2sg_population(1_000, random_state=0, scenario="neutral")
    with pytest.raises(sa.DataError, match="irregular"):
        control_log(pop.drop(columns="irregular"), sa.ScoreColumn("score"))
    with pytest.raises(sa.ModelError, match="nope"):
        control_log(pop, sa.ScoreColumn("nope"))
    with pytest.raises(sa.PolicyError):
        control_log(pop, sa.ScoreColumn("score"), budget=2.0)
    with pytest.raises(sa.DataError, match="detection_rate"):
        control_log(pop, sa.ScoreColumn("score"), detection_rate=1.5)


def test_synth_writes_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "pop.parquet"
    synth(n=500, seed=3, out=out)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out), c2sg_population(500, random_state=3), check_exact=True
    )
    before = out.read_bytes()
    with pytest.raises(sa.DataError, match="force=True"):
        synth(n=600, seed=4, out=out)
    assert out.read_bytes() == before
    synth(n=600, seed=4, out=out, force=True)
    assert len(pd.read_parquet(out)) == 600
    csv = synth(n=200, seed=0, out=tmp_path / "pop.csv", scenario="planted")
    frame = pd.read_csv(csv)
    assert len(frame) == 200 and "score" in frame.columns
    with pytest.raises(sa.DataError, match=r"\.parquet or \.csv"):
        synth(n=10, seed=0, out=tmp_path / "pop.xlsx")
    with pytest.raises(sa.DataError, match="does not exist"):
        synth(n=10, seed=0, out=tmp_path / "missing" / "pop.csv")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# -- the committed data files are what the documented commands produce ----------------------
DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "synthetic"


def _assert_same_data(committed: pd.DataFrame, fresh: pd.DataFrame) -> None:
    """Same rows and values; floats rounded to 6 decimals may differ by one unit in the last
    place across numpy versions (their libm differs), never more."""
    floats = [c for c in fresh.columns if pd.api.types.is_float_dtype(fresh[c])]
    pd.testing.assert_frame_equal(
        committed.drop(columns=floats), fresh.drop(columns=floats), check_exact=True
    )
    pd.testing.assert_frame_equal(
        committed[floats], fresh[floats], check_exact=False, rtol=0, atol=1.01e-6
    )


def test_committed_population_matches_generator():
    path = DATA / "c2sg_100k.parquet"
    if not path.exists():
        pytest.skip("data/synthetic/c2sg_100k.parquet not present")
    _assert_same_data(pd.read_parquet(path), c2sg_population(100_000, random_state=0))


def test_committed_csv_files_match_generator():
    from scoreaudit.synthetic import synth_controls

    sample, controls = DATA / "c2sg_sample.csv", DATA / "c2sg_controls.csv"
    if not (sample.exists() and controls.exists()):
        pytest.skip("committed CSV files not present")
    _assert_same_data(
        pd.read_csv(sample),
        pd.read_csv(
            __import__("io").StringIO(
                c2sg_population(5_000, random_state=0).to_csv(index=False, lineterminator="\n")
            )
        ),
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fresh = synth_controls(n=100_000, seed=0, out=__import__("pathlib").Path(tmp) / "c.csv")
        _assert_same_data(pd.read_csv(controls), pd.read_csv(fresh))
