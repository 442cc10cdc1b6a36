"""Numerical gradient checks: backward() against float64 central differences along random
directions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from treenet.autograd.engine import no_grad
from treenet.autograd.sparse import RowSparseGrad
from treenet.tensor.tensor import Tensor


class GradcheckError(AssertionError):
    """backward() disagrees with finite differences; the message names the input."""


def _dense(grad: Any, like: Any) -> np.ndarray:
    if grad is None:
        return np.zeros_like(like)
    data = grad.to_dense() if isinstance(grad, RowSparseGrad) else grad.data
    return np.asarray(data.get() if hasattr(data, "get") else data)


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence[Any], *, eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-4, directions: int = 3,
              seed: int = 0) -> bool:
    """Check fn's gradients with respect to every float64 input tensor that requires grad.

    For each such input and each of `directions` random directions d, compares the analytic
    directional derivative <grad, d> of the scalar <fn(inputs), r> (r random) with
    (f(x + eps d) - f(x - eps d)) / (2 eps). Returns True or raises GradcheckError.
    """
    checked = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input tensor requires grad")
    for x in checked:
        if x.dtype != np.float64:
            raise TypeError(f"gradcheck needs float64 inputs (got {x.dtype}): float32 "
                            "finite differences are too noisy to be a test")
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    projection = rng.standard_normal(out.shape)
    xp = out.backend.xp

    def objective() -> float:
        with no_grad():
            value = fn(*inputs)
        return float((np.asarray(value) * projection).sum())

    for x in checked:
        x.grad = None
    out.backward(xp.asarray(projection, dtype=out.dtype))
    for position, x in enumerate(inputs):
        if not any(x is c for c in checked):
            continue
        analytic_grad = _dense(x.grad, np.asarray(x))
        original = x.data
        for k in range(directions):
            direction = rng.standard_normal(x.shape)
            analytic = float((analytic_grad * direction).sum())
            x._data = original + eps * xp.asarray(direction)
            plus = objective()
            x._data = original - eps * xp.asarray(direction)
            minus = objective()
            x._data = original
            numeric = (plus - minus) / (2 * eps)
            if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
                raise GradcheckError(
                    f"gradcheck: input {position} (shape {x.shape}), direction {k}: "
                    f"backward gives {analytic:.10g}, finite differences give {numeric:.10g}")
    return True
