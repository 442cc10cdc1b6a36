"""Dropout as a module: active in training mode, the identity after eval()."""

from __future__ import annotations

from treenet.nn.module import Module
from treenet.ops.dropout import dropout
from treenet.tensor.tensor import Tensor


class Dropout(Module):
    """Zero each element with probability p while training, scaling the rest by 1 / (1 - p)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, training=self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
