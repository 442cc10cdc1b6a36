"""Minibatching of example lists: seeded shuffling, length bucketing, size or token budgets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

__all__ = [
    "batch_by_count",
    "batch_by_tokens",
    "bucket_by_length",
    "minibatches",
    "pad",
    "shuffled",
]

T = TypeVar("T")
Seed = int | np.random.Generator


def shuffled(items: Sequence[T], seed: Seed) -> list[T]:
    """A seeded random permutation of ``items`` (an int seed gives the same order each time)."""
    order = np.random.default_rng(seed).permutation(len(items))
    return [items[i] for i in order]


def bucket_by_length(items: Sequence[T], length: Callable[[T], int], pool_size: int) -> list[T]:
    """Sort each consecutive pool of ``pool_size`` items by length (stably), so batches cut
    from the result hold similar lengths while pools keep the input's (shuffled) order."""
    out: list[T] = []
    for start in range(0, len(items), pool_size):
        out.extend(sorted(items[start : start + pool_size], key=length))
    return out


def batch_by_count(items: Sequence[T], batch_size: int) -> list[list[T]]:
    """Consecutive batches of ``batch_size`` items (the last may be smaller)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, not {batch_size}")
    return [list(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]


def batch_by_tokens(
    items: Sequence[T],
    max_tokens: int,
    length: Callable[[T], int] = len,
    *,
    padded: bool = False,
) -> list[list[T]]:
    """Consecutive batches whose size stays within ``max_tokens``.

    A batch's size is the sum of its items' lengths, or with ``padded`` its item count
    times its longest length (what a padded array of the batch holds). An item longer than
    the budget gets a batch of its own.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be positive, not {max_tokens}")
    batches: list[list[T]] = []
    batch: list[T] = []
    total = longest = 0
    for item in items:
        n = length(item)
        size = (len(batch) + 1) * max(longest, n) if padded else total + n
        if batch and size > max_tokens:
            batches.append(batch)
            batch, total, longest = [], 0, 0
        batch.append(item)
        total += n
        longest = max(longest, n)
    if batch:
        batches.append(batch)
    return batches


def minibatches(
    items: Sequence[T],
    *,
    batch_size: int | None = None,
    max_tokens: int | None = None,
    length: Callable[[T], int] = len,
    shuffle: bool = True,
    seed: int = 0,
    pool_size: int | None = None,
    padded: bool = False,
) -> list[list[T]]:
    """One epoch's batches: by ``batch_size`` items or by a ``max_tokens`` budget.

    With ``shuffle`` the items are permuted with ``seed`` (pass a different seed, such as
    the epoch number, each epoch). With ``pool_size`` (say 50 batches' worth) items are
    bucketed by ``length`` within pools (see ``bucket_by_length``) and, when shuffling, the
    batches themselves are then shuffled too. For trees pass e.g.
    ``length=lambda tree: len(tree.leaves())``.
    """
    if (batch_size is None) == (max_tokens is None):
        raise ValueError("give exactly one of batch_size and max_tokens")
    rng = np.random.default_rng(seed)
    order = shuffled(items, rng) if shuffle else list(items)
    if pool_size is not None:
        order = bucket_by_length(order, length, pool_size)
    if batch_size is not None:
        batches = batch_by_count(order, batch_size)
    else:
        batches = batch_by_tokens(order, max_tokens, length, padded=padded)
    if shuffle and pool_size is not None:
        batches = shuffled(batches, rng)
    return batches


def pad(sequences: Sequence[Sequence[int]], value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stack id sequences into an int64 ``(batch, longest)`` array filled with ``value``,
    and return it with the int64 array of their lengths."""
    lengths = np.array([len(seq) for seq in sequences], dtype=np.int64)
    out = np.full((len(sequences), int(lengths.max(initial=0))), value, dtype=np.int64)
    for row, seq in enumerate(sequences):
        out[row, : len(seq)] = seq
    return out, lengths
