"""Adam with L2 weight decay, and AdamW with decoupled weight decay."""

from __future__ import annotations

import math
from typing import Any

from treenet.optim.optimizer import Optimizer, Params


class Adam(Optimizer):
    """Adam as in torch.optim.Adam; per step t, with g = grad + weight_decay * p:

        m += (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
        p -= lr / (1 - beta1^t) * (m / (sqrt(v) / sqrt(1 - beta2^t) + eps))

    Row-sparse gradients are LAZY, never exact (like torch.optim.SparseAdam): only the touched
    rows' moments are updated, so an untouched row's moments do not decay and its momentum does
    not move it; weight decay reaches only the touched rows; t counts the steps in which the
    parameter had any gradient.
    """

    decoupled_weight_decay = False

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay})

    def _check(self, group: dict[str, Any]) -> None:
        super()._check(group)
        if not all(0.0 <= beta < 1.0 for beta in group["betas"]):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), "
                             f"got {group['betas']}")

    def _init_buffers(self, xp: Any, data: Any, group: dict[str, Any]) -> dict[str, Any]:
        return {"exp_avg": xp.zeros_like(data), "exp_avg_sq": xp.zeros_like(data)}

    def _update(self, xp: Any, param: Any, grad: Any, buffers: dict[str, Any],
                group: dict[str, Any], step: int) -> None:
        lr, decay = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if decay and self.decoupled_weight_decay:
            param *= 1.0 - lr * decay
        elif decay:
            grad = grad + decay * param
        m, v = buffers["exp_avg"], buffers["exp_avg_sq"]
        m += (1.0 - beta1) * (grad - m)
        v *= beta2
        v += (1.0 - beta2) * (grad * grad)
        denom = xp.sqrt(v) / math.sqrt(1.0 - beta2**step) + group["eps"]
        param -= lr / (1.0 - beta1**step) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as in torch.optim.AdamW.

    Each step first shrinks p *= 1 - lr * weight_decay, then takes the Adam step on the raw
    gradient. Row-sparse gradients are lazy, as for Adam: only the touched rows shrink.
    """

    decoupled_weight_decay = True

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
