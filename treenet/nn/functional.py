"""Stateless neural-network functions (torch.nn.functional's names)."""

from treenet.ops import (
    cross_entropy,
    dropout,
    log_softmax,
    lookup,
    relu,
    sigmoid,
    softmax,
    tanh,
)

embedding = lookup

__all__ = ["cross_entropy", "dropout", "embedding", "log_softmax", "lookup", "relu", "sigmoid",
           "softmax", "tanh"]
