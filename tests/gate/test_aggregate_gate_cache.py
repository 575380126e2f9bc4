"""The aggregate gate runs once per result and setting; callers get independent copies."""

from __future__ import annotations

import pandas as pd

from scoreaudit.engines.counts import audit_counts
from scoreaudit.gate import aggregate as aggregate_gate


def _result():
    # group c: 4 true positives, small; its cells are hidden with complements
    table = pd.DataFrame(
        {
            "g": ["a", "b", "c"],
            "tp": [50, 30, 4],
            "fp": [200, 100, 60],
            "tn": [700, 800, 500],
            "fn": [50, 70, 40],
        }
    )
    return audit_counts(table, "g", tp="tp", fp="fp", tn="tn", fn="fn", reference={"g": "a"})


def test_gate_runs_once_and_copies(monkeypatch):
    calls = []
    original = aggregate_gate._publish_aggregate

    def counting(*args):
        calls.append(args[1:])
        return original(*args)

    monkeypatch.setattr(aggregate_gate, "_publish_aggregate", counting)
    res = _result()
    pub, info = aggregate_gate.publish_aggregate(res, 11)
    again, info2 = aggregate_gate.publish_aggregate(res, 11)
    assert calls == [(11, False, True)]  # the second call is served from the cache
    assert again.groups.equals(pub.groups) and info2 == info
    pub.groups.loc[0, "n"] = -1  # a caller editing its copy changes nothing for the next one
    assert aggregate_gate.publish_aggregate(res, 11)[0].groups.loc[0, "n"] != -1
    aggregate_gate.publish_aggregate(res, 12)
    assert calls == [(11, False, True), (12, False, True)]
    assert info.primary > 0  # c's 4 true positives are hidden, in every copy
    assert again.groups["tp"].isna().any()
