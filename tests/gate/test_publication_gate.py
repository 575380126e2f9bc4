"""The publication gate: expected masks computed by hand, and an attacker that tries to pin
every hidden count from the published files (tests/attack_report.py)."""

from __future__ import annotations

import helpers
import numpy as np
import pandas as pd
import pytest
from attack_report import ReportAttack, audit_budget, true_counts, violations
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from scoreaudit.gate.attack import System
from scoreaudit.gate.complements import protect_groups
from scoreaudit.gate.publish import _adjusted_published, keep_rows, publish

M = 11


def _table(attr, labels, n, s):
    return pd.DataFrame(
        {"attribute": attr, "group": labels, "n": np.asarray(n), "selected": np.asarray(s)}
    )


def test_one_small_group_needs_one_complement_the_smallest_selection():
    # a + b + c = 105 selected is published; b = 5 is small. Hiding b alone: b = 105 - 40 - 60.
    # By hand: hiding the smallest other selection that can move down by 11 (a: 40) leaves
    # b in [0, 45] (a + b = 45): width 45 >= 11. c (60) is never needed.
    g = _table("x", ["a", "b", "c"], [500, 400, 300], [40, 5, 60])
    m = protect_groups(g, M)
    assert m["selection"].tolist() == [True, True, False]
    assert m["size"].tolist() == [False, False, False]  # sizes are not small: all published
    assert m["primary"].tolist() == [False, True, False]


def test_zero_cells_never_count_as_protection():
    # b = 3 is small; a has 0 selected of 20 files: hiding a leaves b + a = 3, b in [0, 3]
    # (width 3 < 11), so the gate must hide c (30 selected) instead or as well.
    g = _table("x", ["a", "b", "c"], [20, 400, 300], [0, 3, 30])
    m = protect_groups(g, M)
    assert m["selection"][1] and m["selection"][2]


def test_small_size_hides_a_size_complement_not_a_selection_only():
    g = _table("x", ["a", "b", "c"], [5, 900, 1000], [0, 50, 60])
    m = protect_groups(g, M)
    # a's size (5) is small: another size must be hidden too (the smaller: b)
    assert m["size"].tolist() == [True, True, False]


def test_two_by_two_table_hides_the_rectangle():
    # rows of a (x, y) and b (u, v) published; one small cell x×u (3 selected) forces the
    # whole 2 x 2 intersection to be hidden (each line holds two hidden cells), margins stay.
    g = pd.concat(
        [
            _table("a", ["x", "y"], [1000, 1000], [103, 200]),
            _table("b", ["u", "v"], [1000, 1000], [100, 203]),
            _table("a × b", ["x × u", "x × v", "y × u", "y × v"], [500] * 4, [3, 100, 97, 103]),
        ],
        ignore_index=True,
    )
    m = protect_groups(g, M)
    assert m["selection"].tolist() == [False] * 4 + [True] * 4


def test_keep_is_honoured_when_another_complement_exists():
    g = _table("x", ["a", "b", "c"], [500, 400, 300], [40, 5, 60])
    m = protect_groups(g, M, keep=keep_rows(g, ["a"]))
    assert m["selection"].tolist() == [False, True, True]


def test_keep_rows_parses_attribute_and_label():
    g = pd.DataFrame({"attribute": ["a", "b"], "group": ["x", "x"]})
    assert keep_rows(g, ["b=x"]).tolist() == [False, True]
    from scoreaudit.errors import ScoreAuditError

    with pytest.raises(ScoreAuditError, match="no such group"):
        keep_rows(g, ["zz"])


def test_system_intervals_by_hand():
    s = System()
    a, b, c = s.var("a", 0, 10), s.var("b", 0, 100), s.var("c", 0, 100)
    s.eq({a: 1, b: 1}, 14)
    s.le({c: 1, b: -1}, 0)  # c <= b
    iv = s.intervals([{a: 1}, {b: 1}, {c: 1}])
    assert iv.tolist() == [[0, 10], [4, 14], [0, 14]]


def test_adjusted_p_values_ignore_hidden_values():
    d = pd.DataFrame(
        {
            "attribute": ["a"] * 3,
            "group": ["x", "y", "z"],
            "reference": ["w"] * 3,
            "p_value": [0.01, 0.02, 0.03],
        }
    )
    hidden = np.array([False, True, False])
    adj = _adjusted_published(d, hidden, {"a": 4}, "holm")
    # by hand: published p sorted 0.01, 0.03 with m = 3 -> 3 x 0.01 = 0.03, max(0.03, 2 x 0.03)
    assert np.isnan(adj[1])
    assert adj[[0, 2]] == pytest.approx([0.03, 0.06])
    d2 = d.assign(p_value=[0.01, 0.0001, 0.03])  # the hidden p changes: nothing published moves
    assert np.array_equal(_adjusted_published(d2, hidden, {"a": 4}, "holm"), adj, equal_nan=True)


@settings(derandomize=True, database=None, max_examples=8, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=3, max_size=4),
    st.lists(st.integers(0, 40), min_size=3, max_size=4),
)
def test_random_two_way_tables_leave_no_small_count_narrow(s1, s2):
    k = min(len(s1), len(s2))
    s1, s2 = s1[:k], s2[:k]
    assume(sum(s1) >= 2 * M and sum(s2) >= 2 * M)  # a total under 11 cannot be protected
    n1, n2 = [x + 60 for x in s1], [x + 60 for x in s2]
    labels = [f"g{i}" for i in range(k)]
    g = pd.concat(
        [
            _table("a", ["p", "q"], [sum(n1), sum(n2)], [sum(s1), sum(s2)]),
            _table(
                "b",
                labels,
                [x + y for x, y in zip(n1, n2, strict=True)],
                [x + y for x, y in zip(s1, s2, strict=True)],
            ),
            _table(
                "a × b",
                [f"p × {x}" for x in labels] + [f"q × {x}" for x in labels],
                n1 + n2,
                s1 + s2,
            ),
        ],
        ignore_index=True,
    )
    m = protect_groups(g, M)
    # independent attacker over the published values (relations written out by hand)
    sys_ = System()
    v = {}
    for i, row in g.iterrows():
        v[i] = sys_.var(f"s{i}", 0, row.n) if m["selection"][i] else float(row.selected)
    tot = float(g.loc[g.attribute == "a", "selected"].sum())

    def eq(cells, rhs_cells=(), rhs=0.0):
        coefs, const = {}, 0.0
        for c in cells:
            coefs, const = _acc(coefs, const, v[c], 1.0)
        for c in rhs_cells:
            coefs, const = _acc(coefs, const, v[c], -1.0)
        sys_.eq(coefs, rhs - const)

    eq([0, 1], rhs=tot)
    eq(list(range(2, 2 + k)), rhs=tot)
    p0, q0 = 2 + k, 2 + 2 * k  # first p × ... and q × ... rows
    for j in range(k):
        eq([p0 + j, q0 + j], [2 + j])
    eq([p0 + j for j in range(k)], [0])
    eq([q0 + j for j in range(k)], [1])
    small = [i for i in range(len(g)) if 1 <= g.selected[i] < M or 1 <= g.n[i] - g.selected[i] < M]
    assert all(m["selection"][i] for i in small)
    if small:
        iv = sys_.intervals([{v[i]: 1.0} for i in small])
        assert ((iv[:, 1] - iv[:, 0]) >= M).all()


def _acc(coefs, const, t, sign):
    if isinstance(t, int):
        coefs[t] = coefs.get(t, 0.0) + sign
    else:
        const += sign * t
    return coefs, const


@pytest.fixture(scope="module")
def readme_audit(tmp_path_factory):
    from scoreaudit.report import write_report

    r = helpers.readme_audit()
    r.explanation = r.explain()
    out = tmp_path_factory.mktemp("readme") / "report"
    write_report(r, out, formats=("json", "csv"))
    return r, out


def test_readme_audit_no_small_count_can_be_narrowed(readme_audit):
    r, out = readme_audit
    findings = ReportAttack(out).run()
    assert findings, "something must be hidden on the README audit"
    assert violations(findings, true_counts(r), M, audit_budget(r)) == []


def test_readme_audit_publishes_what_unions_ask_for(readme_audit):
    r, out = readme_audit
    g = pd.read_csv(out / "tables" / "groups.csv")
    row = g[(g.attribute == "age_band") & (g.group == "18-24")].iloc[0]
    assert row.selected == 103 and row.n == 10988 and row.suppression != "hidden"
    hidden = g[g.suppressed]
    # the files say a row is hidden, not why: "small" or "complement" would bound its counts
    assert set(hidden.suppression) == {"hidden"} and hidden.small_cell.all()
    reasons = publish(r).reasons["groups"]
    comp = r.groups.reset_index(drop=True)[reasons == "complement"]
    assert ((comp.selected >= M) | (comp.selected == 0)).all() or (comp.n >= M).all()


@settings(derandomize=True, database=None, max_examples=10, deadline=None, phases=[Phase.generate])
@given(
    sizes=st.lists(st.integers(10, 150), min_size=2, max_size=5),
    share=st.sampled_from([0.05, 0.1, 0.3]),
    seed=st.integers(0, 10_000),
)
def test_random_audits_curve_and_tables_resist_the_report_attacker(
    sizes, share, seed, tmp_path_factory
):
    """Written reports of small random audits (curve included) leave no small count narrow.

    The attacker reads only the written files and knows the curve's monotonicity, the
    budget totals and that counts are integers (tests/attack_report.py).
    """
    import scoreaudit as sa
    from scoreaudit.report import write_report

    rng = np.random.default_rng(seed)
    labels = [f"g{i}" for i in range(len(sizes))]
    frame = pd.DataFrame(
        {
            "g": np.repeat(labels, sizes),
            "h": rng.choice(["x", "y"], sum(sizes)),
            "score": rng.integers(0, 30, sum(sizes))
            * (1 + np.repeat(np.arange(len(sizes)), sizes)),
        }
    )
    r = sa.audit(sa.Population(frame, protected=["g", "h"]), "score", sa.Budget(share=share))
    out = tmp_path_factory.mktemp("random") / "report"
    write_report(r, out, formats=("json", "csv"))
    findings = ReportAttack(out).run()
    assert violations(findings, true_counts(r), M, audit_budget(r)) == []


def test_complements_avoid_the_reference_group():
    """Hiding a reference blanks every comparison of its attribute: another complement wins.

    x is the reference (50 selected), y has 5 (small), z has 60: without the preference the
    cheapest complement is x (fewer selected); with it, z.
    """
    from scoreaudit.gate.complements import protect_groups

    g = pd.DataFrame(
        {
            "attribute": ["a"] * 3,
            "group": ["x", "y", "z"],
            "n": [500, 400, 300],
            "selected": [50, 5, 60],
        }
    )
    plain = protect_groups(g, 11)["selection"].tolist()
    assert plain == [True, True, False]
    preferred = protect_groups(g, 11, prefer=np.array([True, False, False]))["selection"]
    assert preferred.tolist() == [False, True, True]
