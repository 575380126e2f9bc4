"""Published warnings name no hidden row and count none (found by an attack on the files).

Before the gate passed warnings through ``gate.warnings.gate_warnings``: a count table's
round-trip warning printed a hidden group's ``tp = 3 and selected = 8``, its ratio-range
warning gave the same counts back through the ratios, and a control log's "estimated FN is
negative for ..." list bounded hidden error counts (a group named, or not, in it).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scoreaudit.core.warning import AuditWarning, warning
from scoreaudit.engines.control_log import ControlLog
from scoreaudit.engines.controls import audit_controls
from scoreaudit.engines.counts import audit_counts
from scoreaudit.gate.aggregate import publish_aggregate
from scoreaudit.gate.warnings import gate_warnings

DATA = Path(__file__).parents[2] / "data" / "synthetic"

# group d: 1,400 files, 0.6% selected (8), precision 38% (3 of 8): small, hidden
RATES = pd.DataFrame(
    {
        "g": ["a", "b", "c", "d"],
        "n": [5000, 4000, 3000, 1400],
        "sel": [8.4, 8.5, 8.7, 0.6],
        "prec": [28.6, 26.5, 23.0, 38.0],
        "prev": [6.0, 6.2, 5.0, 5.0],
        "fpr": [6.4, 6.6, 7.0, 0.4],
    }
)


def _counts(table: pd.DataFrame):
    return audit_counts(
        table, "g", n="n", selection_rate="sel", precision="prec", prevalence="prev", fpr="fpr"
    )


def _texts(warnings) -> str:
    return "\n".join(str(w) for w in warnings)


def test_count_table_warnings_do_not_quote_a_hidden_group():
    res = _counts(RATES)
    raw = _texts(res.warnings)
    assert "group 'd'" in raw and "tp = 3 and selected = 8" in raw  # the analyst's view
    pub, info = publish_aggregate(res)
    hidden = pub.groups.loc[pub.groups["tp"].isna(), "group"].tolist()
    assert "d" in hidden and info.primary >= 1
    text = _texts(pub.warnings)
    for g in hidden:
        assert f"group '{g}'" not in text
    assert "tp = 3" not in text and "selected = 8" not in text


def test_ratio_ranges_go_when_something_is_hidden():
    table = RATES.assign(prec=[28.6, 26.5, 23.0, 37.5])  # d round-trips: ranges, no mismatch
    res = _counts(table)
    assert any(getattr(w, "code", "") == "warn_counts_ratio_ranges" for w in res.warnings)
    pub, _ = publish_aggregate(res)
    assert pub.groups["tp"].isna().any()
    assert not any(getattr(w, "code", "") == "warn_counts_ratio_ranges" for w in pub.warnings)


def test_control_log_lists_keep_only_published_groups():
    log = ControlLog(
        pd.read_csv(DATA / "c2sg_controls.csv"),
        ["gender", "age_band", "family_status"],
        population_size=100_000,
    )
    res = audit_controls(log, {"gender": "man"}, n_boot=50)
    listed = [w for w in res.warnings if getattr(w, "code", "") == "warn_controls_negative"]
    assert listed, "the example log has groups with a negative FN estimate"
    pub, _ = publish_aggregate(res)
    g = pub.groups
    hidden = set(zip(g["attribute"], g["group"], strict=True)) - set(
        zip(
            g.loc[
                g[["random_controls", "random_errors", "score_controls", "score_errors"]]
                .notna()
                .all(axis=1),
                "attribute",
            ],
            g.loc[
                g[["random_controls", "random_errors", "score_controls", "score_errors"]]
                .notna()
                .all(axis=1),
                "group",
            ],
            strict=True,
        )
    )
    assert hidden
    named = set()
    for w in pub.warnings:
        for cell in getattr(w, "params", {}).get("cells", []):
            named.add(tuple(cell))
    assert named and not named & hidden
    raw_named = {tuple(c) for w in listed for c in w.params["cells"]}
    assert raw_named & hidden  # the raw list named hidden groups


def test_gate_warnings_rules():
    cells = [["g", "a"], ["g", "b"], ["g", "c"]]
    absent = warning("controls_absent", n=3, cells=cells)
    kept = gate_warnings([absent], {("g", "b")}, True)
    assert kept[0].params == {"n": 2, "cells": [["g", "a"], ["g", "c"]]}
    assert "g = b" not in kept[0] and kept[0].startswith("2 group(s)")
    assert gate_warnings([absent], set(), False) == [absent]  # nothing hidden: unchanged
    named = warning("reference_empty_cell", attr="g", combo="b", largest="a")
    assert gate_warnings([named], {("g", "b")}, True) == []
    assert gate_warnings([named], {("h", "b")}, True) == [named]
    bare = warning(
        "counts_not_additive", group="b", row=1, total="n", value="5", a="x", b="y", sum="6"
    )
    assert gate_warnings([bare], {("g", "b")}, True) == []
    more = warning("counts_more_mismatch", column="prec", n=2)
    assert gate_warnings([more], {("g", "b")}, True) == []
    assert gate_warnings([more], set(), False) == [more]
    assert isinstance(gate_warnings(["plain text"], {("g", "b")}, True)[0], str)
    many = warning("controls_negative", cells=[["g", str(i)] for i in range(12)])
    assert str(many).endswith("...") or "; ..." in str(many)
    assert AuditWarning.__name__ == "AuditWarning"


def test_a_fragment_naming_a_hidden_group_takes_its_warning_away():
    # a warning that quotes another (a fragment) goes when the fragment names a hidden
    # group, and when it names one itself while its fragment names none
    naming = warning("reference_empty_cell", attr="g", combo="b", largest="a")
    outer = warning("small_population", n=naming)
    assert "'b'" in outer  # the fragment's text is in the warning's
    assert gate_warnings([outer], {("g", "b")}, True) == []
    assert gate_warnings([outer], {("g", "x")}, True) == [outer]
    silent_fragment = warning("small_population", n=3)
    named_outside = warning("reference_empty_cell", attr="g", combo="b", largest=silent_fragment)
    assert gate_warnings([named_outside], {("g", "b")}, True) == []
    assert gate_warnings([named_outside], {("g", "a")}, True) == [named_outside]


def test_every_warning_after_one_taken_away_is_still_read():
    named = warning("reference_empty_cell", attr="g", combo="b", largest="a")
    summary = warning("counts_more_mismatch", column="prec", n=2)
    after = warning("small_population", n=40)
    cells = warning("controls_absent", n=2, cells=[["g", "b"], ["g", "c"]])
    got = gate_warnings(["text", summary, after, named, after, cells], {("g", "b")}, True)
    assert got[:3] == ["text", after, after]
    assert got[3].params == {"n": 1, "cells": [["g", "c"]]}
    assert len(got) == 4


def test_control_log_intervals_are_analytic_when_counts_are_hidden():
    """Bootstrap bounds of published rows come from one draw over every cell with a
    published seed: an attack re-ran it for each candidate value of the hidden counts and
    found the true ones (3 and 5 random and score errors of a hidden cell). With anything
    hidden, the publication's intervals are analytic: functions of published counts."""
    import numpy as np

    log = ControlLog(
        pd.read_csv(DATA / "c2sg_controls.csv"),
        ["gender", "age_band", "family_status"],
        population_size=100_000,
    )
    res = audit_controls(log, {"gender": "man"}, n_boot=50)
    assert res.config["intervals"] == "bootstrap"
    pub, info = publish_aggregate(res)
    assert info.primary + info.secondary > 0
    assert pub.config["intervals"].startswith("analytic")
    shown = pub.groups["selection_rate_low"].notna().to_numpy()
    assert shown.any()
    analytic = res._without_resampling().groups  # the same counts, analytic intervals only
    for col in ("selection_rate_low", "selection_rate_high", "fpr_low", "fpr_high"):
        np.testing.assert_array_equal(pub.groups[col][shown], analytic[col][shown])
        assert not np.array_equal(pub.groups[col][shown], res.groups[col][shown])
    for col in ("tp_share_low", "fn_share_high"):  # no analytic interval: none published
        assert pub.groups[col].isna().all()
