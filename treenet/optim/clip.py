"""Gradient clipping by the joint L2 norm of all gradients, dense or row-sparse."""

from __future__ import annotations

import math
from collections.abc import Iterable

from treenet.autograd.sparse import RowSparseGrad
from treenet.tensor.backend import backend_of
from treenet.tensor.tensor import Tensor


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float) -> float:
    """Scale the gradients in place so their joint L2 norm is at most `max_norm`.

    Returns the norm before clipping. As torch.nn.utils.clip_grad_norm_: gradients are scaled by
    max_norm / (norm + 1e-6) when that is below 1. A RowSparseGrad is coalesced first (repeated
    rows summed, so the norm is that of the dense gradient) and replaced by its scaled
    coalesced form.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    params = [p for p in params if p.grad is not None]
    for p in params:
        if isinstance(p.grad, RowSparseGrad):
            p.grad = p.grad.coalesce()
    arrays = [p.grad.values if isinstance(p.grad, RowSparseGrad) else p.grad.data
              for p in params]
    total = math.hypot(*(float(backend_of(a).xp.linalg.norm(a.ravel())) for a in arrays))
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for a in arrays:
            a *= scale
    return total
