"""Shared test data builders."""

import numpy as np
import pandas as pd


def random_frame(seed: int, n: int = 2000, groups=(2, 4, 3)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {}
    for j, k in enumerate(groups):
        cols[f"a{j}"] = rng.choice([f"g{i}" for i in range(k)], n)
    cols["score"] = rng.random(n)
    return pd.DataFrame(cols)


def cli_text(captured) -> str:
    """What a command printed (stdout and stderr), whitespace collapsed to single spaces."""
    return " ".join((captured.out + captured.err).split())
