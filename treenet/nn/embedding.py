"""Embedding: a table of vectors looked up by integer id."""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.nn import init
from treenet.nn.module import Module
from treenet.nn.parameter import Parameter
from treenet.ops.indexing import lookup
from treenet.tensor.tensor import Tensor


class Embedding(Module):
    """Rows of `weight` (num_embeddings, embedding_dim) at integer ids: ids (*n) -> (*n, dim).

    Rows start at N(0, 1), as in PyTorch. padding_idx: that row starts at zero, looks up as
    zeros and gets no gradient. sparse=True makes the weight's gradient a RowSparseGrad over the
    rows used (cheap for large vocabularies).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 sparse: bool = False, dtype: Any = np.float32, _weight: Any = None) -> None:
        super().__init__()
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for "
                             f"{num_embeddings} embeddings")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        self.sparse = sparse
        if _weight is not None:  # from_pretrained's matrix: no random draws
            self.weight = Parameter(_weight)
        else:
            self.weight = init.normal_(Parameter(np.empty((num_embeddings, embedding_dim), dtype)))
            if self.padding_idx is not None:
                self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, matrix: Any, freeze: bool = True, sparse: bool = False,
                        padding_idx: int | None = None) -> Embedding:
        """An Embedding holding a copy of `matrix` (num, dim); frozen (no gradient) by default."""
        array = np.array(matrix)
        if array.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-D matrix, got shape "
                             f"{array.shape}")
        embedding = cls(*array.shape, padding_idx=padding_idx, sparse=sparse, _weight=array)
        embedding.weight.requires_grad = not freeze
        return embedding

    def forward(self, ids: Any) -> Tensor:
        """Integer ids of any shape (*n) (an int, a list, an array or a Tensor) -> (*n, dim)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = lookup(self.weight, ids, sparse_grad=self.sparse)
        if self.padding_idx is not None:
            kept = ids != self.padding_idx
            if not kept.all():
                out = out * out.backend.xp.asarray(kept[..., None], dtype=out.dtype)
        return out

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        sparse = ", sparse=True" if self.sparse else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}{sparse}"
