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


# -- the search itself, on a made-up problem (a state is the tuple of hidden blocks, in the
# -- order the search hid them; a target's width is the sum of the weights hidden with it)
WEIGHTS = {"x": 1, "y": 8, "z": 8, "w": 20, "ALL": 100}


def _search(**kw) -> Hardening:
    def width(state, target):
        return float(sum(WEIGHTS.get(b, 0) for b in state))

    def narrow(state):
        return ["t"] if width(state, "t") < 11 else []

    order = {"t": ["x", "y", "z", "w"]}  # keyed by target: a search for another fails
    cands = kw.pop("candidates", lambda st, t: [b for b in order[t] if b not in st])
    return Hardening(narrow, width, cands, hide=lambda st, b: (*st, b), **kw)


def test_the_widest_of_the_cheapest_trials_is_hidden_first():
    # x, y, z tried (max_trials 3), none enough alone: y, the widest and first of the ties;
    # then x (8 + 1 = 9) is not enough and z (16) is
    state, given_up = harden(_search(), ("t",), 11)
    assert state == ("t", "y", "z") and given_up == []


def test_a_cover_that_finds_nothing_leaves_the_state_as_it_was():
    state, _ = harden(_search(cover=lambda st, t: None), ("t",), 11)
    assert state == ("t", "y", "z")


def test_a_width_equal_to_the_range_is_protected():
    WEIGHTS["v"] = 11
    try:
        cands = lambda st, t: [b for b in ("v", "w") if b not in st]  # noqa: E731
        state, _ = harden(_search(candidates=cands), ("t",), 11)
        assert state == ("t", "v")  # [0, 11] is wide enough: w is not hidden too
    finally:
        del WEIGHTS["v"]


def test_the_round_guard_then_the_last_resort():
    # every candidate is new and widens nothing: after max_rounds hidings the gate hides all
    def cands(st, t):
        return [f"n{len(st)}"] if t == "t" else []

    problem = _search(candidates=cands, hide_all=lambda st: (*st, "ALL"))
    state, given_up = harden(problem, ("t",), 11, max_rounds=2)
    assert state == ("t", "n1", "n2", "ALL") and given_up == []


def test_without_a_last_resort_a_hopeless_target_is_given_up():
    state, given_up = harden(_search(candidates=lambda st, t: []), ("t",), 11)
    assert state == ("t",) and given_up == ["t"]


def test_a_search_out_of_time_hides_everything():
    # large tables: past the time allowed, a blank table rather than a wait of minutes
    problem = _search(hide_all=lambda st: (*st, "ALL"))
    assert harden(problem, ("t",), 11, seconds=0.0) == (("t", "ALL"), [])
    assert harden(_search(), ("t",), 11, seconds=0.0) == (("t",), ["t"])  # no last resort
