"""Parameter initializers that fill tensors in place from the global seeded generator.

Weights follow treenet's (in, out) layout: for a weight of shape (..., in, out), fan_in is the
product of all but the last axis and fan_out the last axis. `treenet.manual_seed` makes every
initialization reproducible.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from treenet.nn.parameter import Parameter
from treenet.tensor.random import generator
from treenet.tensor.tensor import Tensor


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    data = tensor.data
    data[...] = tensor.backend.xp.asarray(values)
    return tensor


def _fans(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(f"fan in/out needs a tensor with at least 2 axes, got shape "
                         f"{tensor.shape}")
    return math.prod(tensor.shape[:-1]), tensor.shape[-1]


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    tensor.data[...] = 0
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with draws from U(a, b)."""
    return _fill(tensor, generator().uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    return _fill(tensor, generator().normal(mean, std, tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix times gain (Saxe et al.), over the tensor flattened to
    (shape[0], rest): orthonormal rows or columns, whichever are fewer."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_ needs a tensor with at least 2 axes, got shape "
                         f"{tensor.shape}")
    rows, cols = tensor.shape[0], tensor.size // tensor.shape[0]
    a = generator().standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # a uniform draw over orthogonal matrices
    q = q if rows >= cols else q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def uniform_parameter(shape: tuple[int, ...], bound: float, dtype: Any = np.float32) -> Parameter:
    """A new Parameter of `shape` and `dtype` drawn from U(-bound, bound)."""
    return uniform_(Parameter(np.empty(shape, dtype=dtype)), -bound, bound)
