"""Row-sparse gradients: the gradient of an embedding table touched at a few rows."""

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
        """Unique sorted indices with their values summed."""
        xp = backend_of(self.values).xp
        unique, inverse = xp.unique(self.indices, return_inverse=True)
        summed = xp.zeros((len(unique),) + self.shape[1:], dtype=self.values.dtype)
        xp.add.at(summed, inverse.reshape(-1), self.values)
        return RowSparseGrad(unique, summed, self.shape)

    def to_dense(self) -> Any:
        xp = backend_of(self.values).xp
        dense = xp.zeros(self.shape, dtype=self.values.dtype)
        xp.add.at(dense, self.indices, self.values)
        return dense

    def __repr__(self) -> str:
        return f"RowSparseGrad(rows={len(self.indices)}, shape={self.shape})"
