"""Dropout with its mask drawn when the op is recorded, so batched and eager runs agree."""

from __future__ import annotations

from treenet.autograd.engine import apply
from treenet.autograd.op import ELEMENTWISE, defop
from treenet.tensor.random import generator
from treenet.tensor.tensor import Tensor


def _dropout(xp, x, keep, scale):
    """x * keep * scale, where keep is a boolean mask and scale = 1 / (1 - p)"""
    return x * (keep * x.dtype.type(scale))


DROPOUT = defop("dropout", _dropout,
                lambda xp, gy, y, x, keep, scale: (gy * (keep * gy.dtype.type(scale)), None),
                lambda x, keep, scale: (tuple(x.shape), x.dtype), ELEMENTWISE,
                lambda rng: ([rng.standard_normal((3, 4)), rng.random((3, 4)) > 0.5],
                             {"scale": 2.0}))


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted dropout).

    Identity when not training or p == 0. The mask comes from the global generator at this call.
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    keep = generator().random(x.shape) >= p
    backend = x.backend
    keep = backend.xp.asarray(keep) if backend.name != "cpu" else keep
    return apply(DROPOUT, x, keep, scale=1.0 / (1.0 - p))


