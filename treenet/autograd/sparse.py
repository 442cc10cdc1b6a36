"""Lazy gradients: row-sparse (an embedding table touched at a few rows) and low-rank (a
weight gradient kept as factors until backward ends)."""

from __future__ import annotations

from typing import Any

from treenet.tensor.backend import backend_of


class RowSparseGrad:
    """A gradient that is zero except at `indices` rows: dense[indices[i]] += values[i].

    indices: (k,) int; values: (k, *shape[1:]). Indices may repeat until `coalesce()`.
    """

    __slots__ = ("indices", "values", "shape")

    def __init__(self, indices: Any, values: Any, shape: tuple[int, ...]) -> None:
        self.indices = indices
        self.values = values
        self.shape = tuple(shape)

    @property
    def dtype(self) -> Any:
        return self.values.dtype

    def __add__(self, other: RowSparseGrad) -> RowSparseGrad:
        xp = backend_of(self.values).xp
        return RowSparseGrad(xp.concatenate([self.indices, other.indices]),
                             xp.concatenate([self.values, other.values]), self.shape)

    def coalesce(self) -> RowSparseGrad:
        """Unique sorted indices with their values summed: rows in a stable sort by index,
        each run of equal indices summed left to right (the k-th rows of all runs longer
        than k added at once; numpy's reduceat is several times slower on rows)."""
        if len(self.indices) == 0:
            return self
        xp = backend_of(self.values).xp
        order = xp.argsort(self.indices, kind="stable")
        ordered = self.indices[order]
        values = self.values[order]
        starts = xp.flatnonzero(xp.concatenate([xp.ones(1, bool), ordered[1:] != ordered[:-1]]))
        lengths = xp.diff(xp.concatenate([starts, xp.asarray([len(ordered)])]))
        summed = values[starts]
        for k in range(1, int(lengths.max())):
            runs = xp.flatnonzero(lengths > k)
            summed[runs] += values[starts[runs] + k]
        return RowSparseGrad(ordered[starts], summed, self.shape)

    def to_dense(self) -> Any:
        xp = backend_of(self.values).xp
        dense = xp.zeros(self.shape, dtype=self.values.dtype)
        rows = self.coalesce()
        dense[rows.indices] = rows.values
        return dense

    def __repr__(self) -> str:
        return f"RowSparseGrad(rows={len(self.indices)}, shape={self.shape})"


class LowRankGrad:
    """A weight gradient kept factored as a.T @ b (a (n, in), b (n, out)) until backward ends.

    A shared weight used by many small groups (every level of a batch of trees, every node of
    an eager tree) gets one factor pair per use; backward multiplies all pairs of a weight in
    one matrix product at the end instead of writing a full (in, out) gradient per use.
    """

    __slots__ = ("a", "b")

    def __init__(self, a: Any, b: Any) -> None:
        self.a = a
        self.b = b

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.a.shape[1], self.b.shape[1])

    def to_dense(self) -> Any:
        if self.a.shape[0] == 1:  # an outer product: a broadcast multiply beats BLAS at k = 1
            return self.a.T * self.b
        return self.a.T @ self.b


def merge_low_rank(parts: list[LowRankGrad]) -> Any:
    """The dense sum of factored gradients, as one matrix product."""
    if len(parts) == 1:
        return parts[0].to_dense()
    xp = backend_of(parts[0].a).xp
    a = xp.concatenate([p.a for p in parts])
    b = xp.concatenate([p.b for p in parts])
    return a.T @ b


LAZY_GRADS = (RowSparseGrad, LowRankGrad)
