"""A built population keeps its own group codes: later edits of the frame do not move it."""

from __future__ import annotations

import numpy as np
import pandas as pd

import scoreaudit as sa


def test_population_codes_do_not_follow_edits_of_the_frame():
    # with pandas 2 a categorical's codes are a view of the column: the population copies them
    f = pd.DataFrame(
        {
            "sex": pd.Categorical(["f", "m"] * 6),
            "region": pd.Categorical(["n", "n", "s", "s"] * 3),
            "score": np.arange(12.0),
        }
    )
    pop = sa.Population(f, protected=["sex", "region"])
    codes = pop.attributes["region"].codes
    assert not np.shares_memory(codes, f["region"].cat.codes.to_numpy())
    before = sa.audit(pop, "score", sa.Budget(count=3), min_cell=0).groups
    f.loc[11, "region"] = np.nan
    f.loc[:5, "sex"] = "f"
    after = sa.audit(pop, "score", sa.Budget(count=3), min_cell=0).groups
    pd.testing.assert_frame_equal(
        before[["attribute", "group", "n"]], after[["attribute", "group", "n"]]
    )
    assert before.set_index("group").loc["f", "n"] == 6
