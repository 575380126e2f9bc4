"""gate.verify.harden: the attacker's last word on a gate's masks, and its last resort."""

from __future__ import annotations

from scoreaudit.gate.attack import System
from scoreaudit.gate.verify import Hardening, harden

CELLS = {"a": 90, "b": 5, "c": 40}  # a + b + c = 135 is published; b is small


def _problem(b_at_most: int = 135, candidates: bool = True) -> Hardening:
    def width(hidden, t):
        s = System()
        x = {k: s.var(k, 0, b_at_most if k == "b" else 135) for k in CELLS}
        s.eq({x[k]: 1 for k in CELLS}, 135)
        for k in CELLS:
            if k not in hidden:
                s.eq({x[k]: 1}, CELLS[k])
        lo, hi = s.intervals([{x[t]: 1}])[0]
        return hi - lo

    def narrow(hidden):
        return [t for t in sorted(hidden) if CELLS[t] < 11 and width(hidden, t) < 11]

    def cands(hidden, t):
        return sorted((k for k in CELLS if k not in hidden), key=CELLS.get) if candidates else []

    return Hardening(
        narrow=narrow,
        width=width,
        candidates=cands,
        hide=lambda st, k: st | {k},
        hide_all=lambda st: frozenset(CELLS),
    )


def test_the_smallest_complement_protects_the_small_count():
    state, given_up = harden(_problem(), frozenset({"b"}), 11)
    assert state == {"b", "c"} and given_up == []


def test_without_candidates_everything_is_hidden_rather_than_leaked():
    # the search finds nothing to hide: b would stay at [0, 5] + nothing; hiding all of it
    # gives b the range [0, 135]
    state, given_up = harden(_problem(candidates=False), frozenset({"b"}), 11)
    assert state == set(CELLS) and given_up == []


def test_a_count_the_input_itself_bounds_is_reported_unprotectable():
    # the input says b <= 5: no publication choice can widen b beyond [0, 5]
    state, given_up = harden(_problem(b_at_most=5), frozenset({"b"}), 11)
    assert state == set(CELLS) and given_up == ["b"]
