"""Known answers of the gates of results from counts and of funnels (gate/aggregate.py,
gate/funnel.py): the cases mutation testing found no test for."""

from __future__ import annotations

import numpy as np
import pandas as pd

import scoreaudit as sa
from scoreaudit.engines.counts import audit_counts
from scoreaudit.gate.aggregate import publish_aggregate
from scoreaudit.gate.funnel import publish_funnel

COUNTS = ("tp", "fp", "tn", "fn")


def _counts(c, **kw):
    table = pd.DataFrame(
        {
            "g": ["a", "b", "c"],
            "tp": [50, 30, c[0]],
            "fp": [200, 100, c[1]],
            "tn": [700, 800, c[2]],
            "fn": [50, 70, c[3]],
        }
    )
    return audit_counts(table, "g", tp="tp", fp="fp", tn="tn", fn="fn", reference={"g": "a"}, **kw)


def test_zero_count_hidden_only_when_asked():
    res = _counts((0, 300, 700, 40))  # group c: no true positive, every other count large
    pub, info = publish_aggregate(res, 11)
    assert info.primary == 0 and not pub.groups["tp"].isna().any()
    pub, info = publish_aggregate(res, 11, suppress_zero=True)
    assert info.primary == 1
    tp = pub.groups["tp"].isna().tolist()
    # c's zero, and one complement: the tp column's total is published
    assert tp[2] and sum(tp) == 2
    assert not pub.groups["suppressed"].any()  # no group size is small


def test_small_group_size_hidden_with_a_complement():
    res = _counts((1, 2, 3, 1))  # group c: 7 files
    pub, info = publish_aggregate(res, 11, secondary=False)
    assert pub.groups["suppressed"].tolist() == [False, False, True]
    assert pub.groups["suppressed"].dtype == bool
    assert np.isnan(pub.groups["n"].iloc[2]) and pub.groups["n"].iloc[:2].notna().all()
    pub, info = publish_aggregate(res, 11)
    hidden = pub.groups["suppressed"].to_numpy(bool)
    # the sizes add up to the published total: one hidden size alone would be given back
    assert hidden[2] and hidden.sum() == 2
    assert pub.groups["n"].isna().to_numpy().tolist() == hidden.tolist()
    rows = info.to_dict()["rows_by_table"]
    partly = (~hidden) & pub.groups[list(COUNTS)].isna().any(axis=1).to_numpy()
    assert rows["groups"] == 2 and rows["groups_partly"] == int(partly.sum())
    assert rows["disparities"] == int(pub.disparities["suppressed"].sum())


def test_default_smallest_count_is_the_audits():
    res = _counts((15, 300, 700, 40), min_cell=20)  # 15 true positives: small below 20
    pub, info = publish_aggregate(res)
    assert info.primary == 1 and bool(pub.groups["tp"].isna().iloc[2])
    assert publish_aggregate(res, 11)[1].primary == 0


def _funnel(counts, **kw):
    t = pd.DataFrame(
        {
            "g": ["a"] * 4 + ["b"] * 4,
            "s": ["s1", "s1", "s2", "s2"] * 2,
            "stage": ["all", "hit"] * 4,
            "n": counts,
        }
    )
    return sa.audit_funnel(t, "g", "stage", "n", [("hit", "hit", "all")], stratum="s", **kw)


def test_stratified_funnel_hides_the_whole_rectangle_and_the_crude_rows():
    # one small cell (group a, stratum s2: 5 files hit) in a 2 x 2 table of hit counts whose
    # margins are published: hiding it alone, or with fewer than the four cells, gives it back
    res = _funnel([1000, 200, 1000, 5, 1000, 150, 1000, 100], reference="b")
    pub, info = publish_funnel(res)
    assert info.primary == 1 and info.secondary == 3
    assert pub.steps["suppressed"].tolist() == [True] * 4
    assert pub.steps["numerator"].isna().all()
    # the unstratified (crude) rows rest on hidden cells of both groups
    assert pub.combined is not None and pub.combined["suppressed"].tolist() == [True, True]


def test_stratified_funnel_without_small_cell_publishes_everything():
    res = _funnel([1000, 200, 1000, 50, 1000, 150, 1000, 100], reference="b")
    pub, info = publish_funnel(res)
    assert info.primary == info.secondary == 0
    assert not pub.steps["suppressed"].any() and not pub.combined["suppressed"].any()


def test_funnel_smallest_count_given_overrides_the_audits():
    t = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2, "n": [1000, 15, 1000, 300]}
    )
    res = sa.audit_funnel(t, "g", "stage", "n", [("hit", "hit", "all")], reference="b")
    assert res.config["min_cell"] == 11
    assert publish_funnel(res)[1].primary == 0
    pub, info = publish_funnel(res, 20)
    assert info.primary == 1 and info.min_cell == 20


def test_hidden_unstratified_cell_hides_every_stratum_cell_of_it():
    # the documented rule (gate/funnel.py, _protect_crude): an unstratified cell with a hidden
    # stratum cell is hidden, and so is every stratum cell of it. Group a's cell of stratum
    # s1 is small (5), so a's unstratified cell is hidden; with two groups adding up to the
    # published stage total, b's is its complement: all six stratum cells are hidden, although
    # the complements within the strata alone would leave stratum s3 published.
    counts = [1000, 5, 1000, 200, 1000, 300, 1000, 150, 1000, 100, 1000, 400]
    t = pd.DataFrame(
        {
            "g": ["a"] * 6 + ["b"] * 6,
            "s": ["s1", "s1", "s2", "s2", "s3", "s3"] * 2,
            "stage": ["all", "hit"] * 6,
            "n": counts,
        }
    )
    res = sa.audit_funnel(t, "g", "stage", "n", [("hit", "hit", "all")], stratum="s", reference="b")
    pub, info = publish_funnel(res)
    assert info.primary == 1 and info.secondary == 5
    assert pub.steps["suppressed"].all() and pub.steps["numerator"].isna().all()
    assert pub.combined["suppressed"].tolist() == [True, True]


def test_control_log_columns_blanked_only_with_the_counts_they_rest_on():
    # group c: 3 errors among its 200 score-picked controls (small); its random controls
    # (100, 40 errors) are not. The precision and the score's errors rest on the score's
    # counts and are hidden, with one complement in that column; the base error rate and the
    # random errors rest on the random controls only and stay published.
    from scoreaudit.engines.controls import ControlLog, audit_controls

    rows = []
    for g, (r, er, s, es) in {"a": (100, 40, 200, 80), "b": (120, 50, 220, 90),
                              "c": (100, 40, 200, 3)}.items():  # fmt: skip
        rows += [(g, "random", "errors found")] * er + [(g, "random", "no error")] * (r - er)
        rows += [(g, "score", "errors found")] * es + [(g, "score", "no error")] * (s - es)
    log = ControlLog(pd.DataFrame(rows, columns=["g", "selection_method", "result"]), ["g"])
    pub, info = publish_aggregate(audit_controls(log, reference={"g": "a"}, n_boot=20), 11)
    g = pub.groups.set_index("group")
    assert info.primary == 1
    assert g["score_errors"].isna().tolist().count(True) == 2 and np.isnan(g.loc["c", "precision"])
    assert g.loc["c", "random_errors"] == 40 and g.loc["c", "base_error_rate"] == 0.4
    assert g["random_controls"].tolist() == [100, 120, 100] and not g["suppressed"].any()


def test_hidden_input_counts_are_small_when_their_bound_is():
    # a funnel table with two hidden cells (b and c suspended: 10 and 3, hidden in the input)
    # whose sum, 13, the stage total gives: each is only known to be from 0 to 13, so it is
    # small when 13 is (min_cell 14), not when 13 is published (min_cell 11)
    t = pd.DataFrame(
        {
            "origin": ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["Total"] * 3,
            "stage": ["all", "controlled", "suspended"] * 4,
            "n": [1000, 200, 40, 2000, 200, "x", 500, 30, "x", 3500, 430, 53],
        }
    )
    steps = [("control", "controlled", "all"), ("suspension", "suspended", "controlled")]
    res = sa.audit_funnel(t, "origin", "stage", "n", steps, reference={"origin": "b"})
    assert publish_funnel(res, 11)[1].primary == 0
    pub, info = publish_funnel(res, 14)
    assert info.primary == 2
    s = pub.steps.set_index(["step", "group"])["suppressed"]
    assert s.loc["suspension"].tolist() == [True, True, True]  # a: their complement
    assert not s.loc["control"].any()


def _hidden_funnel(numbers):
    t = pd.DataFrame(
        {
            "origin": ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["Total"] * 3,
            "stage": ["all", "controlled", "suspended"] * 4,
            "n": numbers,
        }
    )
    steps = [("control", "controlled", "all"), ("suspension", "suspended", "controlled")]
    return sa.audit_funnel(t, "origin", "stage", "n", steps, reference={"origin": "a"})


def test_hidden_input_count_bounded_by_zero_is_a_zero():
    # b and c suspended are hidden in the input, but the stage total (40) equals a's 40: both
    # are 0, which the gate hides only when asked to hide zeros
    res = _hidden_funnel([1000, 200, 40, 2000, 200, "x", 500, 30, "x", 3500, 430, 40])
    assert publish_funnel(res, 11)[1].primary == 0
    pub, info = publish_funnel(res, 11, suppress_zero=True)
    assert info.primary == 2
    s = pub.steps.set_index(["step", "group"])["suppressed"]
    assert s.loc[("suspension", "b")] and s.loc[("suspension", "c")]


def test_hidden_base_count_is_small_when_its_bound_is():
    # b's and c's files at the first stage are hidden (8 and 5; the total gives their sum,
    # 13): a base of a step that is no step's stage, bounded from the margins like any count
    res = _hidden_funnel([1000, 200, 40, "x", 0, 0, "x", 0, 0, 1013, 200, 40])
    assert publish_funnel(res, 11)[1].primary == 0
    pub, info = publish_funnel(res, 14)
    assert info.primary == 2
    s = pub.steps.set_index(["step", "group"])["suppressed"]
    assert s.loc[("control", "b")] and s.loc[("control", "c")]


def test_funnel_default_smallest_count_is_the_audits():
    t = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2, "n": [1000, 15, 1000, 300]}
    )
    res = sa.audit_funnel(t, "g", "stage", "n", [("hit", "hit", "all")], reference="b", min_cell=20)
    assert res.config["min_cell"] == 20
    pub, info = publish_funnel(res)  # 15 files hit in a: small below the audit's 20
    assert info.min_cell == 20 and info.primary == 1
    assert pub.steps["suppressed"].tolist() == [True, True]  # b as its complement
    assert publish_funnel(res, 11)[1].primary == 0


def test_funnel_every_file_reaching_a_stage_is_a_zero_count():
    # all of a's 1000 files reach the stage: 0 do not, a small count only with suppress_zero
    t = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2, "n": [1000, 1000, 1000, 300]}
    )
    res = sa.audit_funnel(t, "g", "stage", "n", [("hit", "hit", "all")], reference="b")
    assert publish_funnel(res)[1].primary == 0
    pub, info = publish_funnel(res, suppress_zero=True)
    assert info.primary >= 1 and bool(pub.steps["suppressed"].iloc[0])


def test_counts_with_a_fixed_reference_and_everyone_else_in_one_table():
    # g against its group a, h against the rest: one metric holds both kinds of comparison.
    # c x x has 3 true positives (small): its intersection rows go, the single attributes'
    # comparisons (their counts are sums of 2 cells, all large) stay
    t = pd.DataFrame(
        {
            "g": ["a", "a", "b", "b", "c", "c"],
            "h": ["x", "y"] * 3,
            "tp": [50, 40, 30, 35, 3, 40],
            "fp": [200, 210, 100, 120, 190, 220],
            "tn": [700, 650, 800, 700, 600, 640],
            "fn": [50, 60, 70, 65, 55, 45],
        }
    )
    res = audit_counts(
        t, ["g", "h"], tp="tp", fp="fp", tn="tn", fn="fn", reference={"g": "a", "h": "rest"}
    )
    pub, info = publish_aggregate(res, 11)
    d = pub.disparities
    assert set(d.loc[d["attribute"] == "g", "reference"]) == {"a"}
    assert set(d.loc[d["attribute"] == "h", "reference"]) == {"(rest)"}
    assert not d.loc[d["attribute"].isin(["g", "h"]), "suppressed"].any()
    cross = d[(d["attribute"] == "g × h") & (d["group"] == "c × x")]
    assert len(cross) and cross["suppressed"].all()
    assert info.primary >= 1
