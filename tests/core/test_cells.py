"""Finest cells of the protected attributes: known answers and a pandas oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.core.cells import build_cells


def _cells(frame: pd.DataFrame):
    pop = sa.Population(frame.assign(score=0.0), protected=list(frame), max_categories=1000)
    return build_cells(list(pop.attributes.values()))


def test_known_cells_all_present_and_some_absent():
    # 2 x 2 combinations, all present: the combined codes are the cells
    c = _cells(pd.DataFrame({"a": ["x", "y", "x", "y"], "b": ["p", "p", "q", "q"]}))
    assert c.cell.tolist() == [0, 2, 1, 3]
    assert c.levels.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    # (y, q) absent: 3 cells, renumbered in combination order
    c = _cells(pd.DataFrame({"a": ["x", "y", "x"], "b": ["p", "p", "q"]}))
    assert c.cell.tolist() == [0, 2, 1]
    assert c.levels.tolist() == [[0, 0], [0, 1], [1, 0]]


@pytest.mark.parametrize(
    ("sizes", "keep"), [((4, 4), 1.0), ((4, 4), 0.7), ((9, 9), 0.7), ((9, 9), 1.0)]
)
def test_cells_equal_pandas_groups(sizes, keep):
    # up to 16 combinations are found by comparisons, more by a bincount: both give the cells
    # of pandas' groupby (sorted combinations), with absent combinations left out
    rng = np.random.default_rng(sizes[0] * 10 + int(keep * 10))
    n = 5_000
    frame = pd.DataFrame({f"a{i}": rng.integers(0, s, n) for i, s in enumerate(sizes)})
    combos = frame.drop_duplicates().sample(frac=keep, random_state=0)
    frame = frame.merge(combos, how="inner")
    frame = frame.astype(str).apply(lambda col: col.str.zfill(2))
    c = _cells(frame)
    want = frame.groupby(list(frame), sort=True).ngroup().to_numpy()
    assert c.cell.tolist() == want.tolist()
    assert c.n_cells == len(combos)


@pytest.mark.parametrize("n_codes", [3, 16, 40])
@pytest.mark.parametrize("n", [1_000, 300_000, 1_000_001])
def test_present_codes_equal_numpy_isin_with_rare_codes(n, n_codes):
    # large arrays are read from a sample first: codes a sample misses (a single row, the
    # last row, a missing value -1) must still be found in the full rows
    from scoreaudit.core.cells import present_codes

    rng = np.random.default_rng(n + n_codes)
    for trial in range(4):
        codes = rng.integers(0, n_codes - 2, n).astype(np.int8)
        rare = rng.choice(np.arange(n_codes - 2, n_codes), size=trial % 3, replace=False)
        for k in rare:
            codes[rng.integers(0, n) if trial < 2 else n - 1] = k
        if trial == 3:
            codes[rng.integers(0, n, 5)] = -1
        want = np.isin(np.arange(n_codes), codes)
        assert present_codes(codes, n_codes).tolist() == want.tolist()
        assert present_codes(codes.astype(np.int32), n_codes).tolist() == want.tolist()
