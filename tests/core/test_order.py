"""stable_argsort is numpy's stable argsort, whatever the ties, signs of zero and dtypes,
sort_with_keys's sorted keys are bit for bit ``key[order]``, and grouped_positions is numpy's
stable argsort of group codes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scoreaudit.core.order import grouped_positions, sort_with_keys, stable_argsort


def _same(key: np.ndarray) -> None:
    want = np.argsort(key, kind="stable")
    got = stable_argsort(key.copy())
    assert got.tolist() == want.tolist()
    order, ordered = sort_with_keys(key.copy())
    assert order.tolist() == want.tolist()
    # bit for bit: -0.0 and 0.0 tie but must stay where their rows are
    assert ordered.tobytes() == key[want].tobytes() and ordered.dtype == key.dtype


@settings(derandomize=True, max_examples=300, database=None)
@given(
    arrays(
        np.float64,
        st.integers(0, 300),
        elements=st.sampled_from([0.0, -0.0, 0.25, 1.0, -3.5, 1e-300, 7.0]) | st.floats(-5, 5),
    )
)
def test_floats_with_ties_equal_numpy_stable(key):
    _same(key)


@settings(derandomize=True, max_examples=100, database=None)
@given(arrays(np.int64, st.integers(0, 200), elements=st.integers(-4, 4)))
def test_integers_equal_numpy_stable(key):
    _same(key)


def test_large_inputs_every_branch():
    rng = np.random.default_rng(3)
    distinct = rng.random(200_000)
    _same(distinct)  # no ties: the unstable order as it is
    few_ties = distinct.copy()
    few_ties[rng.integers(0, few_ties.size, 500)] = 0.5  # a run of equal keys to put back
    _same(few_ties)
    zeros = distinct.copy()  # a run of zeros of both signs: equal keys, different bits
    zeros[rng.integers(0, zeros.size, 400)] = 0.0
    zeros[rng.integers(0, zeros.size, 400)] = -0.0
    _same(zeros)
    _same(np.round(distinct, 2))  # mostly ties: numpy's stable sort
    _same(rng.integers(0, 3, 50_000).astype(np.uint8))  # radix
    # a known answer: equal keys keep their row order
    assert stable_argsort(np.array([2.0, 1.0, 2.0, 1.0])).tolist() == [1, 3, 0, 2]


@settings(derandomize=True, max_examples=200, database=None)
@given(
    st.integers(0, 2_000),
    st.integers(1, 70),
    st.sampled_from([np.uint8, np.uint16, np.int32, np.int64]),
    st.integers(0, 2**32 - 1),
)
def test_grouped_positions_is_the_stable_argsort_of_the_codes(n, n_groups, dtype, seed) -> None:
    codes = np.random.default_rng(seed).integers(0, n_groups, n).astype(dtype)
    got = grouped_positions(codes, n_groups)
    assert got.tolist() == np.argsort(codes, kind="stable").tolist()
    assert got.dtype == np.int32
    assert codes.tolist() == np.random.default_rng(seed).integers(0, n_groups, n).tolist()


def test_grouped_positions_keys_use_every_bit_and_fall_back_beyond() -> None:
    """Positions and codes filling 32 bits exactly (the top code's key is 0xFFFFFFxx), and
    one more bit of codes, which takes numpy's argsort: both its order."""
    rng = np.random.default_rng(3)
    n = 1 << 10  # positions need 10 bits
    for n_groups in (1 << 22, (1 << 22) + 1):  # 22 bits of codes: 32 in all; then 33
        codes = rng.integers(0, n_groups, n).astype(np.int64)
        codes[:3] = n_groups - 1
        assert grouped_positions(codes, n_groups).tolist() == (
            np.argsort(codes, kind="stable").tolist()
        )
    assert grouped_positions(np.zeros(0, np.uint8), 1).tolist() == []


def _crowded(draw_values: list[float], spread: bool) -> np.ndarray:
    key = np.array(draw_values, dtype=np.float64)
    if spread:  # keys spanning 63 bits: their low bits are not in the sort key (runs to fix)
        key = np.concatenate((key, [-1e300, 1e300]))
    return key


@settings(derandomize=True, max_examples=300, database=None)
@given(
    st.lists(
        st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5]).flatmap(
            lambda b: st.integers(-40, 40).map(lambda k: b + k * 2.0**-52)
        ),
        max_size=300,
    ),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_keys_alike_in_their_leading_bits_equal_numpy_stable(values, spread, random) -> None:
    # keys a few units in the last place apart, with ties and zeros of both signs, in a span
    # wide enough that the integer sort cannot tell them apart: the runs fixed afterwards
    key = _crowded(values, spread)
    random.shuffle(key)
    _same(key)


def test_packed_sort_edges() -> None:
    # infinities, the widest span, a run at the top of the key range, one run of everything
    top = np.nextafter(np.inf, 0.0)
    for key in (
        np.array([np.inf, -np.inf, 0.0, -0.0, top, -top, np.nextafter(top, 0.0)]),
        np.array([top, np.nextafter(top, 0.0), -top, top] * 50),
        np.array([1.0 + k * 2.0**-52 for k in (5, 3, 4, 3, 1, 0)] + [-top, top]),
        np.full(1000, 0.3),
    ):
        _same(key)


def test_integer_keys_with_a_few_ties() -> None:
    # 8-byte integers, mostly distinct, a few tied: still numpy's stable order
    rng = np.random.default_rng(8)
    key = rng.permutation(5_000).astype(np.int64)
    key[rng.integers(0, key.size, 300)] = key[rng.integers(0, key.size, 300)]
    _same(key)


def test_the_last_row_moves_inside_its_run() -> None:
    # 16 rows: row numbers take 4 bits, row 15 is the largest row number there can be; its key
    # is the smallest of a run sharing their leading bits, so it must come first in that run
    for n_cluster in (3, 13):
        cluster = [1.0 + k * 2.0**-52 for k in range(n_cluster, 0, -1)] + [1.0]
        key = np.array([-1e300, 1e300] + [2.0] * (13 - n_cluster) + cluster)
        assert key.size == 16 and key[15] == 1.0
        _same(key)
