"""Errors name the fix in the user's language of work: a CLI option on the command line, a
keyword in Python."""

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.cli import main


@pytest.fixture()
def data(tmp_path):
    frame = pd.DataFrame(
        {
            "gender": ["a", "b", None, "a"] * 50,
            "Âge": np.arange(200),
            "score": np.random.default_rng(0).random(200),
        }
    )
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return frame, path


def test_missing_values(data, tmp_path, capsys):
    frame, path = data
    with pytest.raises(sa.DataError, match=r"pass missing='category'\.$"):
        sa.Population(frame, protected=["gender"])
    args = ["audit", "--data", str(path), "--score-column", "score", "--protected", "gender"]
    assert main([*args, "--out", str(tmp_path / "r")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "add --missing category" in err and "missing='category'" not in err
    assert not (tmp_path / "r").exists()
    assert main([*args, "--missing", "category", "--out", str(tmp_path / "r")]) == 0


def test_bands(data, tmp_path, capsys):
    frame, path = data
    with pytest.raises(sa.DataError, match=r"bands=\{'Âge': \[25, 35, 50, 65\]\}"):
        sa.Population(frame.dropna(), protected=["Âge"])
    args = ["audit", "--data", str(path), "--score-column", "score", "--protected", "Âge"]
    assert main([*args, "--out", str(tmp_path / "r")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--bands Âge=25,35,50,65" in err and "bands={" not in err
