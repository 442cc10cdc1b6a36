"""Tests for treenet.data.minibatch: shuffling, bucketing, batch sizes and padding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treenet.data import (
    batch_by_count,
    batch_by_tokens,
    bucket_by_length,
    minibatches,
    pad,
    shuffled,
)

ITEMS = ["a" * n for n in (3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5)]


def test_shuffled_is_seeded():
    assert shuffled(ITEMS, 0) == shuffled(ITEMS, 0)
    assert shuffled(ITEMS, 0) != shuffled(ITEMS, 1)
    assert sorted(shuffled(ITEMS, 7)) == sorted(ITEMS)
    assert shuffled([], 0) == []


def test_batch_by_count():
    assert batch_by_count([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    with pytest.raises(ValueError):
        batch_by_count([1], 0)


def test_batch_by_tokens_sum_and_padded():
    lengths = [3, 4, 2, 6, 12, 1]
    assert batch_by_tokens(lengths, 8, length=int) == [[3, 4], [2, 6], [12], [1]]
    assert batch_by_tokens(lengths, 8, length=int, padded=True) == [[3, 4], [2], [6], [12], [1]]
    assert batch_by_tokens(["ab", "c", "de"], 3) == [["ab", "c"], ["de"]]
    with pytest.raises(ValueError):
        batch_by_tokens(lengths, 0)


def test_bucket_by_length_sorts_within_pools():
    assert bucket_by_length([5, 1, 4, 2, 3, 0], int, 3) == [1, 4, 5, 0, 2, 3]


def test_minibatches_by_count_and_budget():
    batches = minibatches(ITEMS, batch_size=4, seed=3)
    assert [len(b) for b in batches] == [4, 4, 3]
    assert sorted(x for b in batches for x in b) == sorted(ITEMS)
    assert batches == minibatches(ITEMS, batch_size=4, seed=3)
    assert minibatches(ITEMS, batch_size=4, shuffle=False)[0] == ITEMS[:4]
    budget = minibatches(ITEMS, max_tokens=10, seed=0)
    assert all(sum(map(len, b)) <= 10 or len(b) == 1 for b in budget)


def test_minibatches_with_buckets_group_similar_lengths():
    items = ["x" * n for n in range(1, 101)]
    batches = minibatches(items, batch_size=10, pool_size=100, seed=0)
    assert sorted(x for b in batches for x in b) == sorted(items)
    assert all(len(b[-1]) - len(b[0]) == 9 for b in batches)
    assert [len(b[0]) for b in batches] != sorted(len(b[0]) for b in batches)  # order shuffled
    in_order = minibatches(items, batch_size=10, pool_size=100, shuffle=False)
    assert [len(b[0]) for b in in_order] == list(range(1, 101, 10))


def test_minibatches_needs_exactly_one_size():
    with pytest.raises(ValueError, match="exactly one"):
        minibatches(ITEMS)
    with pytest.raises(ValueError, match="exactly one"):
        minibatches(ITEMS, batch_size=2, max_tokens=5)


def test_pad():
    array, lengths = pad([[1, 2, 3], [4], []], value=-1)
    assert array.dtype == np.int64 and lengths.tolist() == [3, 1, 0]
    assert array.tolist() == [[1, 2, 3], [4, -1, -1], [-1, -1, -1]]
    empty, none = pad([])
    assert empty.shape == (0, 0) and none.shape == (0,)


@settings(deadline=None, derandomize=True, max_examples=200)
@given(
    st.lists(st.integers(1, 30), max_size=40),
    st.integers(1, 40),
    st.booleans(),
    st.one_of(st.none(), st.integers(1, 20)),
    st.booleans(),
)
def test_every_item_lands_in_exactly_one_batch(lengths, budget, padded, pool, shuffle):
    items = list(enumerate(lengths))
    batches = minibatches(
        items,
        max_tokens=budget,
        length=lambda item: item[1],
        padded=padded,
        pool_size=pool,
        shuffle=shuffle,
    )
    assert sorted(x for b in batches for x in b) == items
    for batch in batches:
        sizes = [n for _, n in batch]
        size = len(sizes) * max(sizes) if padded else sum(sizes)
        assert size <= budget or len(batch) == 1
