"""Adagrad: per-element learning rates from the running sum of squared gradients."""

from __future__ import annotations

from typing import Any

from treenet.optim import fused
from treenet.optim.optimizer import Optimizer, Params


class Adagrad(Optimizer):
    """Adagrad as in torch.optim.Adagrad; per step t, with g = grad + weight_decay * p:

        s += g * g;  p -= lr / (1 + (t - 1) * lr_decay) * (g / (sqrt(s) + eps))

    `s` starts at `initial_accumulator_value`; t counts this parameter's steps. Row-sparse
    gradients are exact without weight decay (a zero-gradient row keeps its sum and value);
    with weight decay, lazy: only the touched rows decay.
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps})

    def _check(self, group: dict[str, Any]) -> None:
        super()._check(group)
        for name in ("lr_decay", "initial_accumulator_value"):
            if not group[name] >= 0.0:
                raise ValueError(f"Adagrad: {name} must be >= 0, got {group[name]}")

    def _init_buffers(self, xp: Any, data: Any, group: dict[str, Any]) -> dict[str, Any]:
        return {"sum": xp.full_like(data, group["initial_accumulator_value"])}

    def _update(self, xp: Any, param: Any, grad: Any, buffers: dict[str, Any],
                group: dict[str, Any], step: int) -> None:
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        lr = _rate(group, step)
        total = buffers["sum"]
        scratch = grad * grad  # one scratch array for the whole update
        total += scratch
        xp.sqrt(total, out=scratch)
        scratch += group["eps"]
        xp.divide(grad, scratch, out=scratch)
        scratch *= lr
        param -= scratch

    def _fused_update(self, param: Any, grad: Any, buffers: dict[str, Any],
                      group: dict[str, Any], step: int) -> bool:
        return fused.adagrad(param, buffers["sum"], grad, _rate(group, step), group["eps"],
                             group["weight_decay"])

    def sparse_exact(self, group: dict[str, Any]) -> bool:
        return not group["weight_decay"]


def _rate(group: dict[str, Any], step: int) -> float:
    """The learning rate of step `step` (>= 1), decayed by lr_decay."""
    return group["lr"] / (1.0 + (step - 1) * group["lr_decay"])
