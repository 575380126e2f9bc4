"""Known answers for the publication gate (scoreaudit.gate), worked out by hand.

Written to kill the mutants that benchmarks/mutation.py found alive: small tables whose
expected masks, flags and adjusted p-values are computed in the comments, never by the
function under test.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from scoreaudit.core.vocab import REST
from scoreaudit.errors import ScoreAuditError
from scoreaudit.gate.attack import AttackError, System, narrow
from scoreaudit.gate.curve import _certified, _runs, _small, gate_curve
from scoreaudit.gate.publish import PublishedResult, _adjusted_published, keep_rows, publish
from scoreaudit.gate.rules import (
    Suppression,
    blank_hidden,
    blank_rows,
    coarse_score,
    primary_group_mask,
    secondary_suppression,
    small_count,
)

# --- the rule (rules.py) and publish.py helpers -----------------------------------------------------------------


def test_coarse_score_three_significant_digits():
    got = coarse_score([0.7767554, 12345.678, -0.000123456, 0.0, np.nan, np.inf, 1.0, 0.99949])
    want = [0.777, 12300.0, -0.000123, 0.0, np.nan, np.inf, 1.0, 0.999]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(coarse_score([0.7767554, 4567.0], digits=2), [0.78, 4600.0])


def test_small_count_bounds():
    counts = [-1, 0, 1, 10, 11, 12, np.nan, np.inf]
    assert (
        small_count(counts, 11).tolist() == [False, False, True, True, False, False] + [False] * 2
    )
    assert small_count(counts, 11, suppress_zero=True).tolist() == [
        False,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert small_count([1, 2, 3], 3).tolist() == [True, True, False]


def test_primary_mask_each_count():
    g = pd.DataFrame(
        {
            # n small | selected small | not selected small | zero selected | all selected | fine
            "n": [5, 100, 100, 100, 100, 100],
            "selected": [0, 3, 98, 0, 100, 50],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    got = primary_group_mask(g, 11)
    assert got.tolist() == [True, True, True, False, False, False]
    assert got.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert primary_group_mask(g, 11, suppress_zero=True).tolist() == [True] * 5 + [False]
    # min_cell 3: only 1 and 2 are small
    assert primary_group_mask(g, 3).tolist() == [False, False, True, False, False, False]


def test_suppression_record():
    s = Suppression(min_cell=11, suppress_zero=False, primary=3, secondary=2, rows={"groups": 5})
    d = s.to_dict()
    assert d["rule"].startswith("counts from 1 to 10 (group sizes")
    assert "interval shorter than 11 (checked by integer programming)" in d["rule"]
    assert "adjusted p-values count hidden comparisons in the family as p = 1" in d["rule"]
    assert {k: v for k, v in d.items() if k != "rule"} == {
        "min_cell": 11,
        "suppress_zero": False,
        "unsuppressed": False,
        "protection_range": 11,
        "hidden_rows": 5,
        "unprotectable": 0,
        "rows_by_table": {"groups": 5},
        "curve_budgets_left_out": 0,
    }
    d = Suppression(min_cell=5, suppress_zero=True, primary=0, secondary=0).to_dict()
    assert d["rule"].startswith("counts from 0 to 4 (")
    assert d["rows_by_table"] == {} and d["unprotectable"] == 0
    d = Suppression(11, False, 0, 0, unsuppressed=True, unprotectable=2).to_dict()
    assert d["rule"].startswith("synthetic data published without suppression")
    assert d["unsuppressed"] is True and d["unprotectable"] == 2


def test_blank_by_column_kind():
    t = pd.DataFrame(
        {
            "group": ["a", "b"],
            "n": [100, 5],
            "rate": [0.1, 0.2],
            "note": ["x", "y"],
            "flag": [True, False],
            "suppressed": [False, True],
        }
    )
    out = blank_hidden(t, np.array([False, True]))
    assert str(out["n"].dtype) == "Int64" and out["n"].tolist()[0] == 100
    assert out["n"].isna().tolist() == [False, True]
    assert out["rate"].tolist()[0] == 0.1 and np.isnan(out["rate"][1])
    assert out["note"].tolist() == ["x", None]
    assert out["flag"].tolist() == [True, None]
    assert out["group"].tolist() == ["a", "b"] and out["suppressed"].tolist() == [False, True]
    only = blank_hidden(t, np.array([True, False]), ["rate"])
    assert np.isnan(only["rate"][0]) and only["n"].tolist() == [100, 5]
    same = blank_hidden(t, np.array([False, False]))
    assert same["n"].dtype == t["n"].dtype and same.equals(t)
    assert t["n"].tolist() == [100, 5]  # the input is not modified


def test_published_result_unpacks():
    s = Suppression(11, False, 0, 0)
    p = PublishedResult("res", s)
    res, sup = p
    assert (res, sup) == ("res", s) and p[0] == "res" and p[1] is s and p.masks == {}


def test_keep_rows_forms_and_errors():
    g = pd.DataFrame({"attribute": ["a", "a", "b", "a × b"], "group": ["x", "y", "x", "x × u"]})
    assert keep_rows(g, "x").tolist() == [True, False, True, False]
    assert keep_rows(g, "b=x").tolist() == [False, False, True, False]
    assert keep_rows(g, ["y", "a × b=x × u"]).tolist() == [False, True, False, True]
    assert keep_rows(g, None).tolist() == [False] * 4
    assert keep_rows(g, ()).tolist() == [False] * 4
    with pytest.raises(ScoreAuditError, match=r"--keep 'c=x': no such group"):
        keep_rows(g, ["x", "c=x"])


def test_adjusted_p_values_count_hidden_tests_as_one():
    d = pd.DataFrame(
        {
            "attribute": ["sex", "sex", "age", "age", "age"],
            "group": ["w", "m", "a", "b", "c"],
            "reference": [REST, REST, "x", "x", "x"],
            "p_value": [0.01, 0.01, 0.02, 0.03, np.nan],
        }
    )
    hidden = np.array([False, False, False, True, False])
    # family: sex once (0.01), age a (0.02), age b hidden (as 1); NaN left out: m = 3
    # Holm: 3 x 0.01 = 0.03, max(0.03, 2 x 0.02) = 0.04, max(0.04, 1 x 1) = 1
    got = _adjusted_published(d, hidden, {"sex": 2, "age": 4}, "holm")
    np.testing.assert_allclose(got, [0.03, 0.03, 0.04, np.nan, np.nan])
    # BH: 1 x 3/3 = 1, min(0.02 x 3/2, 1) = 0.03, min(0.01 x 3, 0.03) = 0.03
    got = _adjusted_published(d, hidden, {"sex": 2, "age": 4}, "bh")
    np.testing.assert_allclose(got, [0.03, 0.03, 0.03, np.nan, np.nan])
    # sex not binary (a third group exists): w and m are two tests, m = 4
    # Holm: 4 x 0.01 = 0.04 twice (stable order), max(0.04, 2 x 0.02) = 0.04, 1
    got = _adjusted_published(d, hidden, {"sex": 3, "age": 4}, "holm")
    np.testing.assert_allclose(got, [0.04, 0.04, 0.04, np.nan, np.nan])
    # nothing hidden: age b enters with its own 0.03; Holm over 3: 0.03, 0.04, max(0.04, 0.03)
    got = _adjusted_published(d, np.zeros(5, bool), {"sex": 2, "age": 4}, "holm")
    np.testing.assert_allclose(got, [0.03, 0.03, 0.04, 0.04, np.nan])


def test_secondary_suppression_by_hand():
    g = pd.DataFrame(
        {
            "attribute": ["s", "s", "s", "t", "t"],
            "group": ["x", "y", "z", "u", "v"],
            "n": [100, 5, 40, 60, 70],
        },
        index=[7, 8, 9, 10, 11],
    )
    # y is small: 145 - 100 - 40 would give it back, so the smaller other row (z) is hidden;
    # margin t has nothing hidden and nothing small: untouched
    got = secondary_suppression(g, [False, False, False, False, False], 11)
    assert got.tolist() == [False, True, True, False, False]
    assert got.index.tolist() == [7, 8, 9, 10, 11]
    # a hidden row of t (not small) still needs a complement in its own margin
    got = secondary_suppression(g, [False, False, False, True, False], 11)
    assert got.tolist() == [False, True, True, True, True]
    # a clean margin before one that needs protection: every margin is protected
    first_clean = pd.concat([g.iloc[3:], g.iloc[:3]])
    got = secondary_suppression(first_clean, [False] * 5, 11)
    assert got.tolist() == [False, False, False, True, True]
    assert got.index.tolist() == [10, 11, 7, 8, 9]


def test_blank_rows_by_column_kind():
    t = pd.DataFrame(
        {
            "group": ["a", "b"],
            "n": [100, 5],
            "note": ["x", "y"],
            "flag": [True, False],
        }
    )
    out = blank_rows(t, np.array([False, True]), ["n", "note", "flag"])
    # numbers become NaN (float), text and flags None (object); the rows shown keep theirs
    assert out["n"].dtype == float and out["n"].tolist()[0] == 100.0
    assert np.isnan(out["n"][1])
    assert out["note"].tolist() == ["x", None]
    assert out["flag"].dtype == object and out["flag"].tolist() == [True, None]
    assert out["group"].tolist() == ["a", "b"]
    assert blank_rows(t, np.array([False, False]), ["n"]).equals(t)


# --- curve.py ---------------------------------------------------------------------------


def test_curve_small_and_runs():
    assert _small(np.array([0, 1, 10, 11, np.nan]), 11, False).tolist() == [
        False,
        True,
        True,
        False,
        False,
    ]
    assert _small(np.array([0, -1, 11]), 11, True).tolist() == [True, False, False]
    assert _runs(np.array([False, True, True, False, True])) == [(1, 2), (4, 4)]
    assert _runs(np.array([True])) == [(0, 0)]
    assert _runs(np.array([False, False])) == []


def test_certificate_by_hand():
    # two groups of 100 files, five budgets; the run of budgets 1-2 is hidden
    sel = np.array([[2, 5, 9, 20, 50], [3, 5, 11, 20, 50]], dtype=float)
    size = np.array([100.0, 100.0])
    small = np.zeros_like(sel, dtype=bool)
    small[0, 1] = True  # group 0 has 5 selected at budget 1
    none = np.zeros_like(small)
    # gain since budget 0: [[3, 7], [2, 8]]; room until budget 3: [[15, 11], [15, 9]]
    # rise = min(room, other's gain) = [[2, 8], [3, 7]]; fall = min(gain, other's room)
    # = [[3, 7], [2, 8]]: group 0 at budget 1 moves over 2 + 3 = 5 values; the budget
    # selects 10 files, so at most 10 can be asked.
    assert _certified(sel, size, small, none, (1, 2), 5)
    assert not _certified(sel, size, small, none, (1, 2), 6)
    # the same count as a small not-selected count
    assert not _certified(sel, size, none, small, (1, 2), 6)
    # nothing small in the run: always certified
    assert _certified(sel, size, none, none, (1, 2), 100)
    # first budget: left is 0, right [5, 5]: gain [2, 3], room [3, 2], rise [3, 2],
    # fall [2, 3]: 5 values, all that a budget of 5 files allows, whatever min_cell
    first = np.zeros_like(small)
    first[0, 0] = True
    assert _certified(sel, size, first, none, (0, 0), 100)
    # with a right neighbour of [3, 7] (room [1, 4]): rise [1, 2], fall [2, 1]: 3 < 5
    assert not _certified(np.array([[2.0, 3], [3, 7]]), size, first[:, :2], none[:, :2], (0, 0), 5)
    assert _certified(np.array([[2.0, 3], [3, 7]]), size, first[:, :2], none[:, :2], (0, 0), 3)
    # last budget: right is the group's size (100); gain 30 each, room 50 each: 30 + 30
    last = np.zeros_like(small)
    last[0, 4] = True
    assert _certified(sel, size, last, none, (4, 4), 11)
    # a budget selecting 4 files: a count can only be asked to move over 4 values
    tiny = np.array([[1, 50], [3, 50]], dtype=float)
    t_small = np.array([[True, False], [True, False]])
    # gain [[1], [3]], room [[49], [47]]: rise [[3], [1]], fall [[1], [3]]: 4 = min(4, 11)
    assert _certified(tiny, size, t_small, np.zeros_like(t_small), (0, 0), 11)


def _curve_case(sel_a, sel_b, share=0.1, n=(400, 400), sel_hidden=(False, False)):
    budgets = [0.01, 0.05, 0.1, 0.5]
    rows = []
    for b, sa_, sb_ in zip(budgets, sel_a, sel_b, strict=True):
        rows.append(("g", "a", b, sa_, sa_ / n[0]))
        rows.append(("g", "b", b, sb_, sb_ / n[1]))
        rows.append(("g × h", "a × u", b, 1, 0.01))  # intersections are never in the curve
    curve = pd.DataFrame(
        rows, columns=["attribute", "group", "budget", "selected", "selection_rate"]
    )
    # hand-made counts, declared at tie-block edges (no file shared out at any budget)
    result = SimpleNamespace(
        curve=curve, curve_at_levels=curve, selection=SimpleNamespace(share=share)
    )
    groups = pd.DataFrame({"attribute": ["g", "g"], "group": ["a", "b"], "n": list(n)})
    masks = {"size": np.array([False, False]), "selection": np.array(sel_hidden)}
    return result, groups, masks


def test_gate_curve_hides_small_budgets_with_a_certificate():
    # budget 1%: a 3, b 5 selected (8 files): small, hidden together. The run has a
    # certificate: rise + fall = 8 for each (gain [3, 5], room [17, 15]) = every value the
    # 8 files allow, so the 5% budget stays published.
    result, groups, masks = _curve_case([3, 20, 40, 200], [5, 20, 40, 200])
    out, hide, _ = gate_curve(result, groups, masks, 11)
    assert out["attribute"].tolist() == ["g"] * 8
    assert hide.tolist() == [True, True] + [False] * 6
    assert out["suppression"].tolist() == ["small", "small"] + [""] * 6
    assert out["selected"].isna().tolist() == [True, True] + [False] * 6
    assert out["selection_rate"].isna().tolist() == [True, True] + [False] * 6
    assert out.loc[2, "selected"] == 20.0


def test_gate_curve_grows_runs_without_certificate():
    # 1%: a 3, b 9 (12 files, both small); 5%: a 4 (small), b 36. One run, budgets 0-1,
    # right = the audit budget [40, 40]: gain [[3, 4], [9, 36]], room [[37, 36], [31, 4]],
    # rise [[9, 36], [3, 4]], fall [[3, 4], [9, 36]]: 12 and 40 >= min(total, 11) = 11.
    result, groups, masks = _curve_case([3, 4, 40, 200], [9, 36, 40, 200])
    out, hide, _ = gate_curve(result, groups, masks, 11)
    assert hide.tolist() == [True, True, True, True, False, False, False, False]
    assert out["suppression"].tolist()[:4] == ["small", "small", "small", "complement"]
    # a at 1% has 1 selected and b 11: run 0-1, gain [[1, 4], [11, 36]], room
    # [[39, 36], [29, 4]]: a at 1% rises min(39, 11) = 11 and falls min(1, 29) = 1: 12 >= 11
    result, groups, masks = _curve_case([1, 4, 40, 200], [11, 36, 40, 200])
    assert gate_curve(result, groups, masks, 11)[1].tolist() == [True] * 4 + [False] * 4


def test_gate_curve_run_grows_to_the_next_budget():
    # 1%: a 3, b 9 (small); 5%: a 20, b 20; 10% (audit): 40, 40.
    # Run (0, 0): right [20, 20]: gain [3, 9], room [17, 11]: rise of a = min(17, 9) = 9,
    # fall = min(3, 11) = 3: 12 >= 11; b: rise min(11, 3) = 3, fall min(9, 17) = 9: 12.
    result, groups, masks = _curve_case([3, 20, 40, 200], [9, 20, 40, 200])
    assert gate_curve(result, groups, masks, 11)[1].tolist() == [True] * 2 + [False] * 6
    # 1%: a 3, b 9; 5%: a 11, b 11 (not small). Run (0, 0): gain [3, 9], room [8, 2]:
    # a rises min(8, 9) = 8 and falls min(3, 2) = 2: 10 < 11, no certificate: the run
    # grows to budgets 0-1 (right [40, 40]): a rises min(37, 9) = 9, falls min(3, 31) = 3
    result, groups, masks = _curve_case([3, 11, 40, 200], [9, 11, 40, 200])
    out, hide, _ = gate_curve(result, groups, masks, 11)
    assert hide.tolist() == [True] * 4 + [False] * 4
    assert out["suppression"].tolist()[:4] == ["small", "small", "complement", "complement"]
    # with a at 12 instead of 11: room [9, 2]: 9 + 2 = 11: certified, 5% published
    result, groups, masks = _curve_case([3, 12, 40, 200], [9, 11, 40, 200])
    assert gate_curve(result, groups, masks, 11)[1].tolist() == [True] * 2 + [False] * 6
    # 1%: a 3, b 5; 5%: a 4, b 20: budget 5% has a small count too; run 0-1 up to
    # [40, 40]: gain [[3, 4], [5, 20]], room [[37, 36], [35, 20]]: a at 1% moves over
    # min(37, 5) + min(3, 35) = 8 = total files (8); a at 5%: min(36, 20) + min(4, 20) = 24
    result, groups, masks = _curve_case([3, 4, 40, 200], [5, 20, 40, 200])
    assert gate_curve(result, groups, masks, 11)[1].tolist() == [True] * 4 + [False] * 4


def test_gate_curve_audit_budget_follows_the_groups_table():
    result, groups, masks = _curve_case(
        [30, 20, 40, 200], [50, 20, 40, 200], sel_hidden=(True, False)
    )
    result.curve.loc[result.curve["budget"] == 0.01, "selected"] = [30, 50, 1]
    out, hide, _ = gate_curve(result, groups, masks, 11)
    # nothing small; the audit's budget (10%) is hidden for the whole attribute as complement
    assert hide.tolist() == [False, False, False, False, True, True, False, False]
    assert out["suppression"].tolist()[4:6] == ["complement", "complement"]


def test_gate_curve_off_and_hidden_sizes():
    result, groups, masks = _curve_case([3, 20, 40, 200], [5, 20, 40, 200])
    out, hide, _ = gate_curve(result, groups, masks, 1)
    assert not hide.any() and out["suppression"].tolist() == [""] * 8
    out, hide, _ = gate_curve(result, groups, masks, 1, suppress_zero=True)
    assert not hide.any()  # 1..0 is empty, nothing is zero
    masks["size"] = np.array([False, True])
    out, hide, _ = gate_curve(result, groups, masks, 11)
    assert hide.all() and out["suppression"].tolist() == ["small", "small"] + ["complement"] * 6


def test_gate_curve_protects_zeros_when_asked():
    # n = (16, 11), min_cell 4, suppress_zero. Budgets 5% (the audit's: fixed), 32, 34, 58,
    # 68%; a selects 0, 0, 0, 0, 4 and b 4, 4, 4, 4, 4 (totals 4, 4, 4, 4, 8, public).
    # a's zeros are hidden; on the run 32-58% (left [0, 4] at the audit budget, right [4, 4]
    # at 68%) no file can move (gains 0): a's 0 would be pinned by b's 4 and the totals. So
    # the run has no certificate and grows to 68% (right = the sizes), hidden as complement.
    budgets, a, b = [0.05, 0.32, 0.34, 0.58, 0.68], [0, 0, 0, 0, 4], [4, 4, 4, 4, 4]
    rows = [("g", "a", x, y, y / 16) for x, y in zip(budgets, a, strict=True)]
    rows += [("g", "b", x, y, y / 11) for x, y in zip(budgets, b, strict=True)]
    curve = pd.DataFrame(
        rows, columns=["attribute", "group", "budget", "selected", "selection_rate"]
    )
    curve = curve.sort_values(["budget", "group"], ignore_index=True)
    result = SimpleNamespace(
        curve=curve, curve_at_levels=curve, selection=SimpleNamespace(share=0.05)
    )
    groups = pd.DataFrame({"attribute": ["g", "g"], "group": ["a", "b"], "n": [16, 11]})
    masks = {"size": np.array([False, False]), "selection": np.array([False, False])}
    out, hide, _ = gate_curve(result, groups, masks, 4, suppress_zero=True)
    assert hide.all()
    assert out["suppression"].tolist()[-2:] == ["complement", "complement"]
    # without suppress_zero the zeros are published and nothing is hidden
    assert not gate_curve(result, groups, masks, 4)[1].any()


# --- attack.py --------------------------------------------------------------------------


def test_system_variables_and_bounds():
    s = System()
    assert s.var("x", 2, 9) == 0 and s.var("y") == 1
    assert s.var("x", 3, 20) == 0  # tightened, not replaced
    assert (s.lo, s.hi) == ([3.0, 0.0], [9.0, np.inf])
    assert s.has("y") and not s.has("z") and s.index("y") == 1
    s.eq({0: 1, 1: 0}, 5)
    s.le({1: 2.0}, 7)
    assert s.rows == [({0: 1.0}, 5.0, 5.0), ({1: 2.0}, -np.inf, 7.0)]
    s.eq({}, 0.0)  # nothing to add, consistent
    s.eq({}, 1e-6)  # within rounding of 0
    s.eq({}, -1e-6)
    s.le({0: 0}, 0.0)
    assert len(s.rows) == 2
    with pytest.raises(AttackError, match="^the published numbers contradict each other$"):
        s.eq({}, 1.0)
    with pytest.raises(AttackError, match="contradict"):
        s.le({}, -1.0)


def test_system_components_and_intervals_by_hand():
    s = System()
    a, b, c, d = (s.var(k, 0, 10) for k in "abcd")
    e = s.var("e", 0, 100)
    s.eq({a: 1, b: 1}, 7)  # a + b = 7
    s.le({b: 2}, 5)  # 2b <= 5: b <= 2 over the integers (2.5 relaxed)
    s.eq({c: 1, d: 1, e: -1}, 0)  # c + d = e
    comps = s.components()
    assert sorted(sorted(x.tolist()) for x in comps) == [[0, 1], [2, 3, 4]]
    iv = s.intervals([{b: 1}, {a: 1}, {e: 1}, {c: 1, d: 1}])
    # b in [0, 2] (integral), a = 7 - b in [5, 7], e = c + d in [0, 20]
    np.testing.assert_array_equal(iv, [[0, 2], [5, 7], [0, 20], [0, 20]])
    assert s.intervals([]).shape == (0, 2)
    # optima are rounded to 6 decimals (solver noise), not to integers
    w = System()
    x = w.var("x", 0, 1)
    w.le({x: 1}, 1)
    np.testing.assert_array_equal(w.intervals([{x: 0.1234567}]), [[0.0, 0.123457]])
    # an unbounded count: no upper limit is known
    u = System()
    x = u.var("x")
    u.le({x: -1}, -3)  # x >= 3
    np.testing.assert_array_equal(u.intervals([{x: 1}]), [[3, np.inf]])
    # inconsistent published numbers
    bad = System()
    y = bad.var("y", 0, 5)
    bad.eq({y: 1}, 9)
    with pytest.raises(AttackError, match="contradict"):
        bad.intervals([{y: 1}])


def test_narrow_threshold():
    got = narrow(np.array([[0, 11], [3, 3], [0, 10], [np.nan, 4], [2, np.inf], [0, 12]]), 11)
    assert got.tolist() == [False, True, True, True, False, False]
    assert narrow(np.array([0, 5]), 5).tolist() == [False]
    # the width is hi - lo: [6, 10] spans 4 (narrow), [20, 31] spans 11 (not)
    assert narrow(np.array([[6, 10], [20, 31]]), 11).tolist() == [True, False]


# --- publish(): small audits whose published tables are worked out by hand ---------------


def _audit(sizes, sel, reference=None, confidence=0.95):
    """Groups a, b, c of the given sizes; the top ``sel`` files of each are selected."""
    import scoreaudit as sa

    labels, scores, top = [], [], 1.0
    for name, n, s in zip("abc", sizes, sel, strict=False):
        sc = np.linspace(0.3, 0.05, n)
        sc[:s] = top - np.arange(s) / 1000 - 0.00012  # last selected file: 0.88088
        top -= 0.1
        labels += [name] * n
        scores.append(sc)
    f = pd.DataFrame({"g": labels, "score": np.concatenate(scores)})
    pop = sa.Population(f, protected=["g"])
    budget = sa.Budget(share=sum(sel) / sum(sizes))
    return sa.audit(
        pop, "score", budget, threshold_free=False, reference=reference, confidence=confidence
    )


def test_publish_rest_comparisons_of_a_binary_attribute():
    # a: 30 of 200, b: 20 of 200, each against the rest (= the other group). One test:
    # pooled 50 / 400, z = 0.05 / sqrt(0.125 x 0.875 x 2 / 200) = 1.511858, p = 0.130570;
    # Holm over a family of one leaves it as it is.
    r = _audit([200, 200], [30, 20], reference="rest")
    pub = publish(r)
    d = pub.result.disparities
    assert d["reference"].tolist() == [REST, REST]
    assert d["suppressed"].tolist() == [False, False]
    assert d["suppression"].tolist() == ["", ""]
    np.testing.assert_allclose(d["p_value"].astype(float), [0.130570] * 2, atol=1e-6)
    np.testing.assert_allclose(d["p_adjusted"].astype(float), [0.130570] * 2, atol=1e-6)
    assert [v is False for v in d["significant"]] == [True, True]  # booleans, not 0.0
    assert d["note"].tolist() == r.disparities["note"].tolist()
    assert list(pub.result.groups.columns) == [*r.groups.columns, "suppressed", "suppression"]
    # 1% of 400 = 4 files selected: the curve hides that budget
    curve = pub.result.curve
    assert curve.loc[curve["budget"] == 0.01, "suppressed"].all()
    assert curve["suppressed"].dtype == bool
    # at 80% confidence the same p-value is significant (alpha 0.2)
    d = publish(_audit([200, 200], [30, 20], reference="rest", confidence=0.8)).result.disparities
    assert d["significant"].tolist() == [True, True]
    assert pub.suppression.to_dict()["rows_by_table"]["disparities"] == 0
    assert pub.result.groups["suppressed"].tolist() == [False, False]
    assert pub.result.groups["n"].tolist() == [200, 200]


def test_publish_small_group_and_one_complement():
    # c has 5 files: its size is small. Sizes add up to the published 400, so one more size
    # must go: b (the smaller of a and b) is the complement. Comparisons against a: b and c
    # hidden with them.
    r = _audit([200, 195, 5], [30, 20, 0])
    pub = publish(r)
    g = pub.result.groups
    assert pub.reasons["groups"].tolist() == ["", "complement", "small"]
    # published: hidden, without saying why (a reason would bound the hidden counts)
    assert g["suppression"].tolist() == ["", "hidden", "hidden"]
    assert g["small_cell"].tolist() == [False, True, True]
    assert g["suppressed"].tolist() == [False, True, True]
    assert g["n"].isna().tolist() == [False, True, True]
    assert g["selected"].isna().tolist() == [False, True, True]
    assert g["selection_rate"].isna().tolist() == [False, True, True]
    d = pub.result.disparities
    assert d["group"].tolist() == ["b", "c"]
    assert d["suppressed"].tolist() == [True, True]
    assert pub.reasons["disparities"].tolist() == ["complement", "small"]
    assert d["suppression"].tolist() == ["hidden", "hidden"]
    assert d["ratio"].isna().all() and d["p_adjusted"].isna().all()
    assert d["note"].tolist() == ["", ""]
    # c's size is hidden: the whole attribute is hidden in the curve
    assert pub.result.curve["suppressed"].all()
    info = pub.suppression
    assert (info.primary, info.secondary, info.min_cell) == (1, 1, 11)
    assert info.rows["groups"] == 2 and info.rows["disparities"] == 2
    assert info.rows["groups_outcomes"] == 0 and info.unprotectable == 0
    assert pub.masks["primary"].tolist() == [False, False, True]
    # the cut-off (the score of one file, 0.88088) is published to 3 significant digits
    assert r.selection.cutoff == pytest.approx(0.88088)
    assert pub.result.selection.cutoff == 0.881
    # the original result is untouched
    assert r.groups["n"].tolist() == [200, 195, 5]
    # without complementary suppression (tests only): c alone
    pub = publish(r, secondary=False)
    assert pub.reasons["groups"].tolist() == ["", "", "small"]
    assert pub.result.disparities["suppressed"].tolist() == [False, True]
    assert (pub.suppression.primary, pub.suppression.secondary) == (1, 0)
    assert not np.isnan(pub.result.disparities["p_adjusted"].astype(float)[0])


def test_publish_thresholds_unsuppressed_and_cache():
    r = _audit([200, 195, 5], [30, 20, 0])
    # min_cell 1: no count is small, nothing hidden
    pub = publish(r, min_cell=1)
    assert pub.result.groups["suppressed"].tolist() == [False] * 3
    assert pub.result.groups["n"].tolist() == [200, 195, 5]
    assert not pub.result.curve["suppressed"].any()
    assert pub.result.selection.cutoff == 0.881
    # min_cell 6: 5 is small, the same protection as at 11
    assert publish(r, min_cell=6).result.groups["suppressed"].tolist() == [False, True, True]
    # min_cell 5 with zeros small: c has 0 selected
    pub = publish(r, min_cell=5, suppress_zero=True)
    assert pub.reasons["groups"].tolist()[2] == "small"
    assert pub.suppression.suppress_zero is True
    # unsuppressed: refused for real data, allowed for synthetic data
    with pytest.raises(ScoreAuditError, match="only allowed for synthetic data"):
        publish(r, allow_unsuppressed=True)
    pub = publish(r, allow_unsuppressed=True, synthetic=True)
    assert pub.suppression.unsuppressed and pub.suppression.min_cell == 0
    assert pub.result.groups["suppressed"].tolist() == [False] * 3
    assert pub.result.selection.cutoff == pytest.approx(0.88088)
    # the same request gives the same object; another request another one
    assert publish(r) is publish(r)
    assert publish(r, min_cell=12) is not publish(r)
    assert publish(r, min_cell=12).suppression.min_cell == 12


def test_publish_min_cell_defaults_to_the_audit():
    r = _audit([200, 195, 5], [30, 20, 0])
    assert publish(r).suppression.min_cell == 11  # audit default
    r.config["min_cell"] = 4
    r.__dict__.pop("_gate_cache", None)
    assert publish(r).suppression.min_cell == 4
    assert publish(r).result.groups["suppressed"].tolist() == [False] * 3  # 5 >= 4


@dataclasses.dataclass
class _Explanation:
    table: pd.DataFrame
    other: pd.DataFrame
    note: str = "kept"


def test_explanation_rows_follow_the_comparisons():
    r = _audit([200, 200], [30, 20], reference="rest")
    # published comparisons: a vs rest and b vs rest (200 files each).
    # after-neutralisation rates: 0.15 x 200 = 30 (published), 0.02 x 200 = 4 (small),
    # 0.96 x 200 = 192, 8 not selected (small); a comparison that is not published: hidden
    table = pd.DataFrame(
        {
            "attribute": ["g", "g", "g", "g"],
            "group": ["a", "b", "a", "zz"],
            "reference": [REST, REST, REST, REST],
            "selection_rate_after": [0.15, 0.02, 0.96, 0.5],
            "ratio_before": [1.5, 0.66, 1.5, 1.0],
            "term": ["x", "y", "z", "w"],
        }
    )
    other = pd.DataFrame({"feature": ["f"], "value": [1.0]})
    object.__setattr__(r, "explanation", _Explanation(table, other))
    out = publish(r).result.explanation
    assert isinstance(out, _Explanation) and out.note == "kept"
    assert out.table["suppressed"].tolist() == [False, True, True, True]
    assert out.table["ratio_before"].isna().tolist() == [False, True, True, True]
    assert out.table["term"].tolist() == ["x", "y", "z", "w"]  # labels kept
    assert out.other.equals(other)
    # a new explanation object is gated again (not the cached copy)
    object.__setattr__(r, "explanation", _Explanation(table.iloc[:1], other))
    assert publish(r).result.explanation.table["suppressed"].tolist() == [False]


def test_calibration_bins_hidden_per_group():
    from scoreaudit.gate.publish import _gate_calibration

    cal = pd.DataFrame(
        {
            "attribute": ["g"] * 6,
            "group": ["a", "a", "b", "b", "c", "c"],
            "bin": [0, 1, 0, 1, 0, 1],
            "score_low": [0.1234567, 0.5, 0.1, 0.5, 0.1, 0.5],
            "score_high": [0.5, 0.9876543, 0.5, 0.9, 0.5, 0.9],
            "n": [50, 50, 50, 50, 50, 50],
            "n_labelled": [40, 40, 40, 40, 40, 40],
            "positives": [20, 20, 20, 35, 20, 20],  # b bin 1: 5 negatives (small)
            "mean_score": [0.3, 0.7, 0.3, 0.7, 0.3, 0.7],
        }
    )
    groups = pd.DataFrame({"attribute": ["g"] * 3, "group": ["a", "b", "c"]})
    z = np.zeros(3, bool)
    masks = {"size": z, "selection": z, "labels": np.array([False, False, True])}
    out, n = _gate_calibration(SimpleNamespace(calibration=cal), groups, masks, 11, False)
    # a published; b hidden whole (one small bin); c hidden whole (its outcomes are hidden)
    assert out["suppressed"].tolist() == [False, False, True, True, True, True]
    assert n == 4
    assert out["positives"].isna().tolist() == [False, False, True, True, True, True]
    assert out["mean_score"].isna().tolist() == [False, False, True, True, True, True]
    assert out["bin"].tolist() == [0, 1, 0, 1, 0, 1]
    np.testing.assert_allclose(out["score_low"], [0.123, 0.5, 0.1, 0.5, 0.1, 0.5])
    np.testing.assert_allclose(out["score_high"], [0.5, 0.988, 0.5, 0.9, 0.5, 0.9])
    # a group hidden by its size or selection only hides its bins too; 9 files is small
    masks = {"size": np.array([True, False, False]), "selection": z}
    cal2 = cal.assign(positives=20, n=[50, 50, 50, 9, 50, 50])
    out, n = _gate_calibration(SimpleNamespace(calibration=cal2), groups, masks, 11, False)
    assert out["suppressed"].tolist() == [True, True, True, True, False, False]
    masks = {"size": z, "selection": np.array([False, False, True])}
    out, n = _gate_calibration(
        SimpleNamespace(calibration=cal.assign(positives=20)), groups, masks, 11, False
    )
    assert out["suppressed"].tolist() == [False, False, False, False, True, True]
    assert _gate_calibration(SimpleNamespace(calibration=None), groups, masks, 11, False) == (
        None,
        0,
    )
    # 8 labelled files in one bin (4 positives): that group's bins are hidden; the
    # published table keeps its columns (and no index column) whatever the input's index
    cal3 = cal.assign(n_labelled=[40, 40, 40, 8, 40, 40], positives=[20, 20, 20, 4, 20, 20])
    cal3 = cal3.set_axis(range(10, 16))
    masks = {"size": z, "selection": z}
    out, n = _gate_calibration(SimpleNamespace(calibration=cal3), groups, masks, 11, False)
    assert out["suppressed"].tolist() == [False, False, True, True, False, False]
    assert list(out.columns) == [*cal.columns, "suppressed"]


# --- complements.py ---------------------------------------------------------------------


def test_hierarchy_and_useful_rows():
    from scoreaudit.gate.complements import _hierarchy, _useful

    t, f = True, False
    out = _hierarchy(
        {"size": np.array([t, f, f]), "selection": np.array([f, t, f]), "labels": np.array([f] * 3)}
    )
    assert out["selection"].tolist() == [t, t, f] and out["labels"].tolist() == [t, t, f]
    out = _hierarchy({"size": np.array([t, f]), "selection": np.array([f, f])})
    assert out["selection"].tolist() == [t, f] and "labels" not in out
    assert _hierarchy({"size": np.array([t])})["size"].tolist() == [t]
    v = {
        "n": np.array([30.0, 21, 22, 40]),
        "selected": np.array([11.0, 11, 10, 29]),
        "controlled_with_label": np.array([22.0, 21, 10, 40]),
        "positives": np.array([11.0, 11, 5, 30]),
    }
    u = _useful(v, 11)
    assert u["size"].tolist() == [t, f, t, t]  # n >= 22
    assert u["selection"].tolist() == [t, f, f, t]  # 11 <= s and 11 <= n - s
    assert u["labels"].tolist() == [t, f, f, f]  # 11 <= positives and 11 <= negatives
    assert set(_useful({"n": v["n"]}, 11)) == {"size"}


def test_protect_groups_label_counts():
    from scoreaudit.gate.complements import protect_groups

    g = pd.DataFrame(
        {
            "attribute": ["g"] * 3,
            "group": ["a", "b", "c"],
            "n": [300, 300, 300],
            "selected": [60, 60, 60],
            "controlled_with_label": [60, 60, 60],
            "positives": [30, 5, 20],  # b: 5 positives, small
            "selected_with_label": [60, 60, 60],
        }
    )
    m = protect_groups(g, 11)
    # b's outcome block is hidden; the positives add up to a published total, so one more
    # outcome block (a or c, both with 11+ positives and negatives) is hidden with it;
    # sizes and selections stay published
    assert m["labels"][1] and m["labels"].sum() == 2
    assert m["size"].tolist() == [False] * 3 and m["selection"].tolist() == [False] * 3
    assert m["primary"].tolist() == [False, True, False]
    assert m["complement"].tolist() == (m["labels"] & ~m["primary"]).tolist()
    assert m["unprotectable"].tolist() == [False] * 3
    # the same table with b kept: a or c still; with a kept, c
    m = protect_groups(g, 11, keep=[0])
    assert m["labels"].tolist() == [False, True, True]


def test_gate_curve_zero_counts_and_missing_rows():
    # a has 0 selected at 1%: published by default, hidden with suppress_zero
    result, groups, masks = _curve_case([0, 20, 40, 200], [20, 20, 40, 200])
    assert gate_curve(result, groups, masks, 11)[1].tolist() == [False] * 8
    assert gate_curve(result, groups, masks, 11, True)[1].tolist() == [True] * 2 + [False] * 6
    # min_cell 1: the flags exist and are all False (booleans)
    out, _, _ = gate_curve(result, groups, masks, 1)
    assert out["suppressed"].tolist() == [False] * 8 and out["suppressed"].dtype == bool
    # attribute g misses b at 5%: none of g is published; attribute h after it is still
    # checked (its 1% run has a small count and needs the certificate)
    result, groups, masks = _curve_case([3, 20, 40, 200], [9, 20, 40, 200])
    c = result.curve
    c = c[~((c["group"] == "b") & (c["budget"] == 0.05))]
    budgets = [0.01, 0.05, 0.1, 0.5]
    h = pd.DataFrame(
        {
            "attribute": ["h"] * 8,
            "group": ["x", "y"] * 4,
            "budget": np.repeat(budgets, 2),
            "selected": [3, 9, 11, 11, 40, 40, 200, 200],  # as in test_gate_curve_run_grows
            "selection_rate": 0.0,
        }
    )
    result.curve = pd.concat([c, h], ignore_index=True)
    result.curve = result.curve.sort_values(["attribute", "budget", "group"]).reset_index(drop=True)
    groups = pd.DataFrame(
        {"attribute": ["g", "g", "h", "h"], "group": ["a", "b", "x", "y"], "n": [400] * 4}
    )
    masks = {"size": np.zeros(4, bool), "selection": np.zeros(4, bool)}
    out, hide, _ = gate_curve(result, groups, masks, 11)
    assert hide[out["attribute"].to_numpy() == "g"].all()
    # h: 1% (3, 9) and 5% (11, 11) hidden (the run grows), 10% and 50% published
    assert hide[out["attribute"].to_numpy() == "h"].tolist() == [True] * 4 + [False] * 4


def test_certificate_flat_group_is_not_a_target():
    # b never moves (3 files at every budget): rise = fall = 0 for b, which is fine when b
    # has nothing small to protect
    flat = np.array([[2.0, 5, 9], [3, 3, 3]])
    none = np.zeros_like(flat, dtype=bool)
    assert _certified(flat, np.array([100.0, 100.0]), none, none, (1, 1), 11)


def test_publish_rest_reference_that_is_small():
    # without complements (tests only): a is published, but its rest (b + c: 200 files,
    # 3 selected) is small, so a vs rest is hidden; c vs rest (a + b: 400 files, 43
    # selected) is published; b is small itself
    r = _audit([300, 100, 100], [40, 3, 0], reference="rest")
    pub = publish(r, secondary=False)
    d = pub.result.disparities
    assert d["group"].tolist() == ["a", "b", "c"]
    assert d["suppressed"].tolist() == [True, True, False]
    assert pub.reasons["disparities"].tolist() == ["complement", "small", ""]
    # the rest of a (b + c: 200 files, 193 selected) has 7 files not selected: small; b and
    # c have 4 and 3 not selected: small themselves
    r = _audit([300, 100, 100], [40, 96, 97], reference="rest")
    d = publish(r, secondary=False).result.disparities
    assert d["suppressed"].tolist() == [True, True, True]
    # zeros: the rest of a has 0 selected: published by default, hidden with suppress_zero
    r = _audit([300, 100, 100], [40, 0, 0], reference="rest")
    assert publish(r, secondary=False).result.disparities["suppressed"].tolist()[0] is False
    d = publish(r, min_cell=11, secondary=False, suppress_zero=True).result.disparities
    assert d["suppressed"].tolist()[0] is True


def test_group_masks_without_complements():
    from scoreaudit.gate.publish import _group_masks

    g = pd.DataFrame(
        {
            "attribute": ["g"] * 4,
            "group": ["a", "b", "c", "d"],
            "n": [300, 300, 300, 5],
            "selected": [60, 0, 60, 1],
            "controlled_with_label": [60, 60, 60, 1],
            "positives": [30, 5, 20, 1],
            "selected_with_label": [60, 60, 60, 1],
        }
    )
    m = _group_masks(g, 11, (), False, False)
    assert m["size"].tolist() == [False, False, False, True]
    assert m["selection"].tolist() == [False, False, False, True]
    assert m["labels"].tolist() == [False, True, False, True]  # b: 5 positives
    assert m["primary"].tolist() == [False, True, False, True]
    m = _group_masks(g, 11, (), True, False)  # b's 0 selected is small too
    assert m["selection"].tolist() == [False, True, False, True]
    m = _group_masks(g.assign(positives=[30, 50, 20, 1]), 11, (), False, False)  # 10 negatives
    assert m["labels"].tolist() == [False, True, False, True]
    m = _group_masks(g, 1, (), False, False)
    assert set(m) == {"size", "selection", "labels", "primary"}
    assert not any(v.any() for v in m.values())


def test_gate_curve_small_not_selected_count():
    # at 50%, a has 395 of its 400 files selected: 5 not selected, small. That budget is
    # the last: right = sizes; a rises min(5, 120) = 5 and falls min(315, 200) = 200
    result, groups, masks = _curve_case([20, 40, 80, 395], [20, 40, 80, 200])
    out, hide, _ = gate_curve(result, groups, masks, 11)
    assert hide.tolist() == [False] * 6 + [True, True]
    assert out["suppression"].tolist()[6:] == ["small", "complement"]
    assert list(out.columns) == list(result.curve.columns) + ["suppressed", "suppression"]
    assert out["suppressed"].tolist() == hide.tolist()


def test_certificate_counts_the_room_at_the_same_budget():
    # run of budgets 1-2, a small at budget 2 (5 selected): gain a [2, 5], b [15, 17];
    # room a [10, 7], b [5, 3]. At budget 2 a rises min(7, 17) = 7 and falls min(5, 3) = 3:
    # 10 < 11 (b's room at budget 1 does not count at budget 2)
    sel = np.array([[0.0, 2, 5, 12], [0, 15, 17, 20]])
    tgt = np.zeros_like(sel, dtype=bool)
    tgt[0, 2] = True
    none = np.zeros_like(tgt)
    assert not _certified(sel, np.array([100.0, 100.0]), tgt, none, (1, 2), 11)
    assert _certified(sel, np.array([100.0, 100.0]), tgt, none, (1, 2), 10)


def test_protection_wins_over_keep_when_keep_blocks_the_only_complement():
    """y's 5 selected files can only be protected by hiding x's 40 (the margin is 45):
    x is in ``keep``, so the integer program finds no cover and the greedy fallback hides x
    anyway; the exact attacker then gives y the whole range 0..45."""
    from scoreaudit.gate.attack import System
    from scoreaudit.gate.complements import protect_groups

    g = pd.DataFrame(
        {"attribute": ["a", "a"], "group": ["x", "y"], "n": [500, 400], "selected": [40, 5]}
    )
    m = protect_groups(g, 11, keep=[0])
    assert m["selection"].tolist() == [True, True]
    assert m["primary"].tolist() == [False, True] and m["complement"].tolist() == [True, False]
    assert not m["unprotectable"].any()
    s = System()  # what an attacker knows: x + y = 45, x <= 500, y <= 400
    x, y = s.var("x", 0, 500), s.var("y", 0, 400)
    s.eq({x: 1, y: 1}, 45)
    assert s.intervals([{y: 1}]).tolist() == [[0.0, 45.0]]


def test_a_zero_never_counts_as_the_complement_in_the_fallback():
    """With z at 0 selected (it cannot move down), only x can protect y: x is hidden even
    though it is kept; z's zero adds nothing (y's range comes from x)."""
    from scoreaudit.gate.complements import protect_groups

    g = pd.DataFrame(
        {
            "attribute": ["a"] * 3,
            "group": ["x", "y", "z"],
            "n": [500, 400, 300],
            "selected": [40, 5, 0],
        }
    )
    m = protect_groups(g, 11, keep=[0])
    assert m["selection"][0] and m["selection"][1]
    assert m["primary"].tolist() == [False, True, False]


# --- complements.py: margins, neighbours, the attacker's system, cover and fallback ---------


def test_margin_lines_of_an_intersection():
    from scoreaudit.gate.complements import UNPUBLISHED, Line, margin_lines

    g = pd.DataFrame(
        {
            "attribute": ["a", "a", "b", "b", "a × b", "a × b", "a × b", "a × b"],
            "group": ["x", "y", "u", "v", "x × u", "x × v", "y × u", "y × v"],
        }
    )
    # each attribute sums to the population; dropping a, the cells of u (rows 4, 6) sum to
    # row 2 and those of v to row 3; dropping b, the cells of x (4, 5) to row 0, of y to 1
    assert margin_lines(g) == [
        Line((0, 1), None),
        Line((2, 3), None),
        Line((4, 6), 2),
        Line((5, 7), 3),
        Line((4, 5), 0),
        Line((6, 7), 1),
    ]
    # without b's own rows, the lines of u and v have no published total
    assert margin_lines(g.drop(index=[2, 3]).reset_index(drop=True)) == [
        Line((0, 1), None),
        Line((2, 4), UNPUBLISHED),
        Line((3, 5), UNPUBLISHED),
        Line((2, 3), 0),
        Line((4, 5), 1),
    ]


def test_neighbours_and_candidates_order():
    from scoreaudit.gate.complements import Line, _candidates, _neighbours

    lines = [Line((0, 1, 2), None), Line((3, 4), 0), Line((5, 6), -1)]
    assert _neighbours(0, lines) == [1, 2, 3, 4]  # its attribute and the cells below it
    assert _neighbours(3, lines) == [0, 4]  # its line and the line's total
    assert _neighbours(5, lines) == [6]  # an unpublished total is nobody's neighbour
    assert _neighbours(7, lines) == []
    masks = {"selection": np.array([False, True, False, False, False, False, False, False])}
    useful = {"selection": np.array([True, True, False, True, True, True, True, True])}
    size = np.array([500.0, 10, 300, 80, 90, 5, 5, 1])
    depth = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    keep = np.zeros(8, dtype=bool)
    # row 1's neighbours 0, 2 (3, 4 are no neighbours of 1): useful first, then by size;
    # row 7 (size 1, free) is not a neighbour, so it is not offered
    assert _candidates(1, "selection", masks, lines, useful, size, depth, keep) == [0, 2]
    # row 0: the deeper cells first (3, 4 by size), then 2 (not useful); 1 is hidden
    assert _candidates(0, "selection", masks, lines, useful, size, depth, keep) == [3, 4, 2]
    # a row without a free neighbour: every free row, deepest first
    keep[[6]] = True
    assert _candidates(7, "selection", masks, lines, useful, size, depth, keep) == [
        5, 3, 4, 7, 0, 2
    ]  # fmt: skip


def test_group_system_known_intervals():
    from scoreaudit.gate.complements import group_system

    g = pd.DataFrame(
        {
            "attribute": ["a", "a", "a"],
            "group": ["x", "y", "z"],
            "n": [50.0, 30.0, 20.0],
            "selected": [np.nan, np.nan, 4.0],
        }
    )
    # x + y = 16 of the 20 selected; y <= 30, x <= 50: y in [0, 16]
    s, val = group_system(g, {"n": 100, "selected": 20})
    assert s.intervals([{val[(1, "selected")]: 1.0}]).tolist() == [[0.0, 16.0]]
    assert val[(2, "selected")] == 4.0 and val[(0, "n")] == 50.0
    # one group alone: its count is the (unpublished) total, anywhere in 0..its size
    one = pd.DataFrame({"attribute": ["a"], "group": ["x"], "n": [10.0], "selected": [np.nan]})
    s, val = group_system(one, {"n": 10})
    assert s.intervals([{val[(0, "selected")]: 1.0}]).tolist() == [[0.0, 10.0]]


def test_cover_handles_every_target_after_a_protected_one():
    """Attribute a: p (5 selected) and q (6) hide each other (p + q = 11: both range over
    0..11, protected without a complement). Attribute b: u (5 selected) needs one more
    block; the integer program hides the cheapest, v (46 selected, cost 47, against w's 61).
    The greedy fallback would have taken w (the smaller group, 400 files)."""
    from scoreaudit.gate.complements import protect_groups

    g = pd.DataFrame(
        {
            "attribute": ["a"] * 4 + ["b"] * 3,
            "group": ["p", "q", "r", "s", "u", "v", "w"],
            "n": [400, 400, 500, 300, 600, 600, 400],
            "selected": [5, 6, 40, 60, 5, 46, 60],
        }
    )
    m = protect_groups(g, 11)
    assert m["selection"].tolist() == [True, True, False, False, True, True, False]
    assert m["primary"].tolist() == [True, True, False, False, True, False, False]


def test_cover_respects_keep():
    """The docstring's table: y (5 selected) is protected by x (40) when nothing is kept;
    with x kept, by z (60)."""
    from scoreaudit.gate.complements import protect_groups

    g = pd.DataFrame(
        {"attribute": ["a"] * 3, "group": ["x", "y", "z"], "n": [500, 400, 300],
         "selected": [40, 5, 60]}
    )  # fmt: skip
    assert protect_groups(g, 11)["selection"].tolist() == [True, True, False]
    assert protect_groups(g, 11, keep=[0])["selection"].tolist() == [False, True, True]
    assert protect_groups(g, 11, keep=np.array([True, False, False]))["selection"].tolist() == [
        False,
        True,
        True,
    ]


def test_sensitive_kinds_without_a_selection():
    from scoreaudit.gate.complements import sensitive

    g = pd.DataFrame({"n": [40, 30], "controlled_with_label": [20, 9], "positives": [3, 4]})
    out = sensitive(g, 11)
    # no 'selected' column: its kinds are skipped, the label kinds are still checked
    assert set(out) == {"n", "controlled_with_label", "positives", "negatives"}
    assert out["controlled_with_label"].tolist() == [False, True]
    assert out["positives"].tolist() == [True, True]
    assert out["negatives"].tolist() == [False, True]  # 17 and 5


def test_fallback_tries_max_trials_candidates():
    """The greedy step tries ``max_trials`` candidates in order and returns the first that
    gives the full range, else hides the one that widened the count most."""
    from scoreaudit.gate.complements import Line, _complement

    lines = [Line((0, 1, 2, 3, 4), None)]
    masks = {"size": np.zeros(5, bool), "selection": np.array([True, False, False, False, False])}
    useful = {"size": np.ones(5, bool), "selection": np.ones(5, bool)}
    size = np.array([10.0, 20, 30, 40, 50])  # candidates in this order: 1, 2, 3, 4
    widths = {1: 3.0, 2: 7.0, 3: 5.0, 4: 11.0}  # width of the target with that row hidden

    class Checker:
        def width(self, trial, target):
            hidden = [r for r in range(1, 5) if trial["selection"][r]]
            return widths[hidden[0]] if hidden else 0.0

    def run(trials):
        out = _complement(
            (0, "selected"), masks, Checker(), lines, useful, size, np.zeros(5, int),
            np.zeros(5, bool), 11, trials,
        )  # fmt: skip
        return np.flatnonzero(out["selection"]).tolist()

    assert run(3) == [0, 2]  # none of 1, 2, 3 gives 11: the widest (2, width 7)
    assert run(4) == [0, 4]  # the fourth gives the full range
    assert run(1) == [0, 1]


def test_cover_with_keep_picks_the_cheapest_count_not_the_smallest_group():
    """y (5 selected) with x kept: the integer program hides w (20 selected, the cheapest
    count); the greedy fallback would have hidden z (the smallest group, 300 files)."""
    from scoreaudit.gate.complements import protect_groups

    g = pd.DataFrame(
        {"attribute": ["a"] * 4, "group": ["x", "y", "z", "w"], "n": [500, 400, 300, 600],
         "selected": [40, 5, 100, 20]}
    )  # fmt: skip
    assert protect_groups(g, 11, keep=[0])["selection"].tolist() == [False, True, False, True]


def test_gate_curve_min_cell_two_hides_single_files():
    # min_cell 2: a count of 1 is small. At 1%, a selects 1 and b 3 (4 files): hidden
    # together; the run (budget 0) moves a by min(room 19, b's gain 3) + min(1, 17) = 4 >= 2
    result, groups, masks = _curve_case([1, 20, 40, 200], [3, 20, 40, 200])
    assert gate_curve(result, groups, masks, 2)[1].tolist() == [True, True] + [False] * 6


def test_publish_record_counts_and_unsuppressed_cache():
    # b selects 5 of 200: its selection is hidden with one complement selection (c: 20
    # selected, the smaller count of a's 30 and c's 20); no size is hidden. Hidden rows: 2.
    r = _audit([200, 200, 200], [30, 5, 20])
    pub = publish(r)
    g = pub.result.groups
    assert pub.reasons["groups"].tolist() == ["", "small", "complement"]
    assert g["n"].tolist() == [200, 200, 200]
    assert pub.suppression.rows["groups"] == 2
    hidden_curve = int(pub.result.curve["suppressed"].sum())
    assert hidden_curve > 0 and pub.suppression.rows["curve"] == hidden_curve
    text = pub.suppression.to_dict()["rule"]
    assert "so that no small count can be narrowed, from all published numbers together and" in text
    # an unsuppressed (synthetic) publication is cached apart from the suppressed one
    assert publish(r, allow_unsuppressed=True, synthetic=True).suppression.unsuppressed
    again = publish(r, synthetic=True)
    assert not again.suppression.unsuppressed
    assert again.reasons["groups"].tolist() == ["", "small", "complement"]


def test_attacker_refuses_a_solver_failure(monkeypatch):
    """A solver that fails (status 4: numerical trouble) is an error, never a silent width."""
    from scoreaudit.gate import attack

    failed = SimpleNamespace(status=4, success=False, message="numerical trouble", x=None)
    monkeypatch.setattr(attack, "milp", lambda *a, **k: failed)
    s = System()
    x = s.var("x", 0, 10)
    with pytest.raises(AttackError, match="solver failed"):
        s.intervals([{x: 1.0}])
