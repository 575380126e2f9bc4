"""The explanation's gate (gate/explanation.py) on tables made by hand, with known answers.

A region has a hidden group ``a`` (its size is blank in the published groups table) and a
hidden comparison ``a`` against ``d``. What must come out: the proxy table retaken from the
groups whose size is published, every row of a hidden comparison blanked and listed by input
name, a row whose after-neutralisation counts are small blanked, everything else as it was.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from scoreaudit.core.order import rank_within
from scoreaudit.gate.explanation import _gate_proxies, _hidden_by_input, gate_explanation


@dataclasses.dataclass
class _Explanation:
    # a table without comparisons comes first: the gate must go on to the ones after it
    proxies: pd.DataFrame
    proxy_groups: pd.DataFrame
    neutralisation: pd.DataFrame
    note: str = "kept"


def _proxy_groups() -> pd.DataFrame:
    aucs = {  # (not in the proxy table's order: the gate must match rows by their keys)
        ("noise", "gender"): [0.55, 0.55],
        ("noise", "region"): [0.51, 0.58, 0.53, 0.50],
        ("kids", "region"): [0.90, 0.52, 0.51, 0.50],
        ("kids", "gender"): [0.60, 0.60],
    }
    levels = {"region": ["a", "b", "c", "d"], "gender": ["man", "woman"]}
    rows = [
        {"input": i, "attribute": a, "group": g, "auc": v}
        for (i, a), values in aucs.items()
        for g, v in zip(levels[a], values, strict=True)
    ]
    return pd.DataFrame(rows)


def _proxies() -> pd.DataFrame:
    """The explanation's own table (best group, mean, association), ranked as it ranks."""
    rows = [
        ("kids", "region", 0.90, "a", (0.90 + 0.52 + 0.51 + 0.50) / 4, 0.30),
        ("noise", "region", 0.58, "b", (0.51 + 0.58 + 0.53 + 0.50) / 4, 0.05),
        ("kids", "gender", 0.60, "man", 0.60, 0.20),
        ("noise", "gender", 0.55, "man", 0.55, 0.10),
    ]
    cols = ["input", "attribute", "auc", "auc_group", "auc_mean", "association"]
    return rank_within(pd.DataFrame(rows, columns=cols), "attribute", "auc", ["region", "gender"])


def _neutralisation() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "input": ["noise", "z_input", "kids", "kids", "m_noise", "kids"],
            "attribute": ["region", "region", "region", "region", "region", "gender"],
            "group": ["b", "a", "a", "b", "a", "woman"],
            "reference": ["d", "d", "d", "d", "d", "man"],
            "rank": [1, 1, 2, 2, 3, 1],
            "ratio_before": [1.4, 3.0, 2.0, 1.2, 1.5, 1.1],
            # b: 200 files, 0.02 x 200 = 4 selected after neutralising (small)
            "selection_rate_after": [0.10, 0.5, 0.5, 0.02, 0.5, 0.2],
        }
    )


def _published() -> tuple[pd.DataFrame, pd.DataFrame]:
    groups = pd.DataFrame(
        {
            "attribute": ["region"] * 4 + ["gender"] * 2,
            "group": ["a", "b", "c", "d", "man", "woman"],
            "n": pd.array([pd.NA, 200, 300, 400, 900, 1000], dtype="Int64"),
        }
    )
    disparities = pd.DataFrame(
        {
            "attribute": ["region", "region", "region", "gender"],
            "group": ["a", "b", "c", "woman"],
            "reference": ["d", "d", "d", "man"],
            "n": [np.nan, 200.0, 300.0, 1000.0],
            "suppressed": [True, False, False, False],
        }
    )
    return groups, disparities


def test_proxies_retaken_without_the_hidden_group():
    groups, _ = _published()
    raw = _Explanation(_proxies(), _proxy_groups(), _neutralisation())
    out = _gate_proxies(raw, groups)
    per = out.proxy_groups
    hidden = (per["attribute"] == "region") & (per["group"] == "a")
    assert per["suppressed"].tolist() == hidden.tolist()
    assert per.loc[hidden, "auc"].isna().all()
    pd.testing.assert_series_equal(per.loc[~hidden, "auc"], raw.proxy_groups.loc[~hidden, "auc"])
    t = out.proxies
    region = t[t["attribute"] == "region"]
    # by hand: kids' best shown group is b (0.52), noise's b (0.58); means over b, c, d;
    # ranked again within region (noise now first); the association, computed from every
    # group's files (the hidden one too), blank
    assert region["input"].tolist() == ["noise", "kids"]
    assert region["rank"].tolist() == [1, 2]
    assert region["auc"].tolist() == [0.58, 0.52]
    assert region["auc_group"].tolist() == ["b", "b"]
    np.testing.assert_allclose(region["auc_mean"], [1.61 / 3, 1.53 / 3], rtol=1e-12)
    assert region["association"].isna().all()
    # an attribute with nothing hidden keeps its rows to the bit, association included
    raw_gender = raw.proxies[raw.proxies["attribute"] == "gender"].reset_index(drop=True)
    pd.testing.assert_frame_equal(t[t["attribute"] == "gender"].reset_index(drop=True), raw_gender)
    assert list(t.columns) == list(raw.proxies.columns)
    assert out.neutralisation is raw.neutralisation and out.note == "kept"


def test_proxies_untouched_when_no_size_is_hidden():
    groups, _ = _published()
    groups["n"] = groups["n"].fillna(50)
    raw = _Explanation(_proxies(), _proxy_groups(), _neutralisation())
    out = _gate_proxies(raw, groups)
    assert out.proxies is raw.proxies
    assert not out.proxy_groups["suppressed"].any()
    pd.testing.assert_series_equal(out.proxy_groups["auc"], raw.proxy_groups["auc"])


@pytest.mark.parametrize(
    "raw, groups",
    [
        (_Explanation(_proxies(), _proxy_groups(), _neutralisation()), None),
        (_Explanation(_proxies(), None, _neutralisation()), _published()[0]),
        (_Explanation(_proxies(), _proxy_groups().iloc[:0], _neutralisation()), _published()[0]),
        (_Explanation(None, _proxy_groups(), _neutralisation()), _published()[0]),
        (_Explanation(_proxies().iloc[:0], _proxy_groups(), _neutralisation()), _published()[0]),
        (SimpleNamespace(proxies=_proxies(), proxy_groups=_proxy_groups()), _published()[0]),
    ],
)
def test_proxies_left_alone_without_both_tables_or_the_groups(raw, groups):
    assert _gate_proxies(raw, groups) is raw


def test_explanation_rows_of_hidden_comparisons_blanked_and_listed_by_input():
    groups, disparities = _published()
    raw = _Explanation(_proxies(), _proxy_groups(), _neutralisation())
    out = gate_explanation(raw, disparities, 11, groups)
    t = out.neutralisation
    # rows 0 and 3 are b against d (3: 4 files selected after neutralising: small), rows
    # 1, 2, 4 the hidden a against d, listed by input name where the block first stood
    order = [0, 3, 2, 4, 1, 5]
    assert t["input"].tolist() == [_neutralisation()["input"][i] for i in order]
    assert t["suppressed"].tolist() == [False, True, True, True, True, False]
    assert t["rank"].isna().tolist() == [False, True, True, True, True, False]
    assert t["ratio_before"].tolist()[0] == 1.4 and t["ratio_before"].tolist()[5] == 1.1
    assert t["ratio_before"].isna().tolist() == [False, True, True, True, True, False]
    assert t["group"].tolist() == ["b", "b", "a", "a", "a", "woman"]  # labels kept
    assert list(t.columns) == [*_neutralisation().columns, "suppressed"]
    assert t.index.tolist() == list(range(6))
    # the proxy table is retaken from the same published groups, the rest kept
    assert out.proxies["auc"].tolist()[:2] == [0.58, 0.52]
    assert out.note == "kept" and isinstance(out, _Explanation)


def test_rows_not_about_a_published_comparison_are_hidden():
    groups, disparities = _published()
    extra = _neutralisation().iloc[[5]].assign(group="other")  # no such comparison
    raw = _Explanation(_proxies(), _proxy_groups(), extra)
    t = gate_explanation(raw, disparities, 11, groups).neutralisation
    assert t["suppressed"].tolist() == [True]
    assert t["rank"].isna().all() and t["ratio_before"].isna().all()


def test_small_counts_after_neutralising_on_both_sides():
    groups, disparities = _published()
    # c has 300 files: 0.99 x 300 = 297 selected leaves 3 not selected (small); 0.5 is not
    table = _neutralisation().iloc[[0, 0]]
    table = table.assign(group="c", input=["Age", "noise"], selection_rate_after=[0.99, 0.5])
    raw = _Explanation(_proxies(), _proxy_groups(), table)
    t = gate_explanation(raw, disparities, 11, groups).neutralisation
    # the blanked row goes after the shown ones of its comparison, whatever its name
    assert t["input"].tolist() == ["noise", "Age"]
    assert t["suppressed"].tolist() == [False, True]
    assert t["selection_rate_after"].isna().tolist() == [False, True]


def test_nothing_to_gate():
    _, disparities = _published()
    assert gate_explanation(None, disparities, 11) is None
    plain = SimpleNamespace(note="no tables")
    assert gate_explanation(plain, disparities, 11) is plain
    # tables without comparisons pass unchanged
    other = pd.DataFrame({"feature": ["f"], "value": [1.0]})
    raw = _Explanation(other, None, other.copy())
    out = gate_explanation(raw, disparities, 11)
    assert out.proxies.equals(other) and out.neutralisation.equals(other)


def test_hidden_by_input_keeps_the_places_of_the_comparisons():
    t = pd.DataFrame(
        {
            "attribute": ["x"] * 5,
            "group": ["q", "p", "q", "p", "q"],
            "reference": ["r"] * 5,
            "input": ["z", "c", "a", "b", "m"],
        },
        index=[10, 11, 12, 13, 14],
    )
    mask = np.array([True, False, True, False, True])  # q against r is hidden
    out = _hidden_by_input(t, mask)
    # q's rows first (where its block starts), by name; then p's in their own order
    assert out["input"].tolist() == ["a", "m", "z", "c", "b"]
    assert out.index.tolist() == [0, 1, 2, 3, 4] and list(out.columns) == list(t.columns)
    assert _hidden_by_input(t, np.zeros(5, bool)) is t
    assert _hidden_by_input(t.drop(columns="input"), mask).equals(t.drop(columns="input"))
