"""What the gate lets out of the explanation and the disparity table about hidden groups.

Found by an attack on the published files: a hidden group's proxy AUC (``U / (n_g (N - n_g))``)
gave its size back; the ``test`` column (Fisher's exact test for small expected counts) told
small hidden rows from complements; the neutralisation table's ranks and order on a hidden
comparison came from its hidden ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import scoreaudit as sa
from scoreaudit.gate.publish import publish
from scoreaudit.models.scorecard import Scorecard

CARD = {
    "name": "leaks",
    "intercept": -2.0,
    "terms": [
        {"kind": "linear", "variable": "kids", "coefficient": 1.0},
        {"kind": "linear", "variable": "noise", "coefficient": 0.5},
    ],
}


@pytest.fixture(scope="module")
def explained():
    """A region with two tiny groups (7 and 9 files), which the gate hides."""
    rng = np.random.default_rng(5)
    n = 6_000
    region = rng.choice(["north", "south", "east"], n).astype(object)
    region[:7] = "island"
    region[7:16] = "cape"
    frame = pd.DataFrame(
        {
            "gender": rng.choice(["man", "woman"], n),
            "region": region,
            "kids": rng.integers(0, 3, n) + (region == "island") * 3,
            "noise": rng.normal(size=n),
        }
    )
    result = sa.audit(
        sa.Population(frame, protected=["gender", "region"]),
        Scorecard.from_dict(CARD),
        sa.Budget(share=0.1),
        reference={"gender": "man", "region": "north"},
        threshold_free=False,
    )
    result.explanation = result.explain()
    return frame, result, publish(result, 11)


def _hidden(pub) -> set[tuple[str, str]]:
    """Groups whose size is hidden."""
    g = pub.result.groups
    h = g[pd.to_numeric(g["n"], errors="coerce").isna()]
    return set(zip(h["attribute"], h["group"], strict=True))


def test_the_tiny_regions_are_hidden(explained):
    _, _, pub = explained
    assert {("region", "island"), ("region", "cape")} <= _hidden(pub)


def test_proxy_auc_is_the_best_published_group(explained):
    frame, result, pub = explained
    raw = result.explanation.proxies
    # the raw table names the tiny island as the group the number of kids predicts best
    row = raw[(raw["input"] == "kids") & (raw["attribute"] == "region")].iloc[0]
    assert row["auc_group"] == "island"
    proxies = pub.result.explanation.proxies
    region = proxies[proxies["attribute"] == "region"]
    assert not set(region["auc_group"]) & {"island", "cape"}
    assert region["association"].isna().all()  # computed from every group's files
    shown = [g for g in ("north", "south", "east") if ("region", g) not in _hidden(pub)]
    assert shown  # (the gate hides a third region too, as a complement)
    for _, r in region.iterrows():  # independent oracle: one-vs-rest AUC of each group shown
        x = frame[r["input"]].to_numpy(float)
        aucs = {}
        for g in shown:
            a = roc_auc_score(frame["region"] == g, x)
            aucs[g] = max(a, 1 - a)  # direction-free, as the proxy table
        assert r["auc"] == pytest.approx(max(aucs.values()), abs=1e-12)
        assert r["auc_group"] == max(aucs, key=aucs.get)
        assert r["auc_mean"] == pytest.approx(np.mean(list(aucs.values())), abs=1e-12)
    per = pub.result.explanation.proxy_groups
    pairs = zip(per["attribute"], per["group"], strict=True)
    hidden = np.array([pair in _hidden(pub) for pair in pairs])
    assert hidden.sum() == 6  # cape, island and south, for each input
    assert per.loc[hidden, "auc"].isna().all() and per.loc[hidden, "suppressed"].all()
    assert per.loc[~hidden, "auc"].notna().all()
    # an attribute with nothing hidden keeps its raw row (association included)
    assert proxies[proxies["attribute"] == "gender"].equals(raw[raw["attribute"] == "gender"])


def test_test_column_blank_on_every_hidden_comparison(explained):
    _, result, pub = explained
    d = pub.result.disparities
    hidden = d["suppressed"].astype(bool)
    assert hidden.any() and (~hidden).any()
    assert d.loc[hidden, "test"].isna().all()
    raw = result.disparities.set_index(["attribute", "group"])["test"]
    shown = d.loc[~hidden].set_index(["attribute", "group"])["test"]
    assert shown.tolist() == raw.loc[shown.index].tolist()
    assert set(raw.loc[d.loc[hidden].set_index(["attribute", "group"]).index]) == {
        "fisher",
        "score",
    }  # the column told the two apart before it was blanked


def test_neutralisation_of_a_hidden_comparison_says_nothing_by_its_order(explained):
    _, result, pub = explained
    t = pub.result.explanation.neutralisation
    raw = result.explanation.neutralisation
    hidden = t["suppressed"].astype(bool)
    assert hidden.any()
    assert t.loc[hidden, "rank"].isna().all()
    for (a, g), block in t[hidden].groupby(["attribute", "group"], sort=False):
        assert block["input"].tolist() == sorted(block["input"])
        assert (raw["attribute"] == a).any() and (raw["group"] == g).any()
    # published comparisons keep their rows, ranks and order
    keep = t.loc[~hidden, ["attribute", "group", "input", "rank"]].reset_index(drop=True)
    raw_keep = raw.merge(keep[["attribute", "group"]].drop_duplicates())
    pd.testing.assert_frame_equal(
        keep, raw_keep[["attribute", "group", "input", "rank"]], check_dtype=False
    )
