"""Linear: the affine layer x @ W + b."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from treenet.nn import init
from treenet.nn.module import Module
from treenet.ops.linalg import linear
from treenet.tensor.tensor import Tensor


class Linear(Module):
    """y = x @ weight + bias: (..., in_features) -> (..., out_features).

    The weight is stored as (in_features, out_features), the transpose of PyTorch's layout, so
    forward is one fused `linear` op (torch's `weight` is our `weight.T`). Weight and bias start at
    U(-1/sqrt(in_features), 1/sqrt(in_features)), as in PyTorch.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features)
        self.weight = init.uniform_parameter((in_features, out_features), bound, dtype)
        self.bias = init.uniform_parameter((out_features,), bound, dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
