"""A hidden row publishes nothing about its counts: no small-cell flag, no note, no warning
naming it.

The attackers read the published counts, rates and totals; a flag ("fewer than 11") or a
note ("absent from the random controls", "fewer than 10 random controls") on a row whose
counts are hidden gives a bound they do not read, and narrowed hidden counts to [8, 10]
(control logs), [0, 10] (count tables, funnels) or gave back a suppressed zero exactly."""

from __future__ import annotations

import pandas as pd
import pytest
import test_gate_controls_attack as controls
import test_gate_counts_attack as counts
import test_gate_funnel_attack as funnel

import scoreaudit as sa
from scoreaudit.gate.aggregate import publish_aggregate

FLAGS = ("small_cell", "note")


def _hidden_rows(groups: pd.DataFrame, columns) -> pd.Series:
    present = [c for c in columns if c in groups.columns]
    return groups[present].isna().any(axis=1)


def _assert_flags_blank(table: pd.DataFrame, hidden: pd.Series) -> None:
    for flag in FLAGS:
        if flag in table.columns:
            shown = table.loc[hidden, flag]
            assert shown.isna().all() or (shown.astype(str) == "").all(), (flag, shown)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("suppress_zero", [False, True])
def test_count_tables_hide_the_flags_of_hidden_rows(seed, suppress_zero):
    table = counts._table(seed)
    result = sa.audit_counts(table, ["gender", "age"], tp="tp", fp="fp", tn="tn", fn="fn")
    g = publish_aggregate(result, counts.MIN_CELL, suppress_zero=suppress_zero)[0].groups
    hidden = _hidden_rows(g, ["n", "tp", "fp", "tn", "fn", "selected"])
    assert hidden.any()
    _assert_flags_blank(g, hidden)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("suppress_zero", [False, True])
def test_control_logs_hide_the_flags_notes_and_warnings_of_hidden_rows(seed, suppress_zero):
    log, _ = controls._log(seed)
    log = sa.ControlLog(log, ["gender", "age"], population_size=100_000)
    result = sa.audit_controls(log, n_boot=20)
    published = publish_aggregate(result, controls.MIN_CELL, suppress_zero=suppress_zero)[0]
    g = published.groups
    hidden = _hidden_rows(g, ["random_controls", "score_controls", "random_errors"])
    assert hidden.any()
    _assert_flags_blank(g, hidden)
    if suppress_zero:  # a warning naming the groups with no random control names a zero
        named = [w for w in published.warnings if getattr(w, "code", "") == "warn_controls_absent"]
        assert not named


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("strata", [2, 0])
def test_funnels_hide_the_flags_of_hidden_steps(seed, strata):
    _, published = funnel._published(seed, strata)
    steps = published.steps
    _assert_flags_blank(steps, steps["suppressed"].astype(bool))
