"""Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay."""

from __future__ import annotations

from typing import Any

from treenet.optim.optimizer import Optimizer, Params


class SGD(Optimizer):
    """SGD as in torch.optim.SGD; per step t, with d = grad + weight_decay * p:

        b = d (t = 1) else momentum * b + (1 - dampening) * d
        p -= lr * (d + momentum * b if nesterov else b)      (p -= lr * d without momentum)

    Row-sparse gradients are exact (equal to the dense update) without momentum and weight
    decay. Otherwise lazy: only touched rows decay, an untouched row's momentum does not move it,
    and a row first touched after step 1 starts its momentum at (1 - dampening) * d.
    """

    def __init__(self, params: Params, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    def _check(self, group: dict[str, Any]) -> None:
        super()._check(group)
        if not group["momentum"] >= 0.0:
            raise ValueError(f"SGD: momentum must be >= 0, got {group['momentum']}")
        if group["nesterov"] and (group["momentum"] <= 0.0 or group["dampening"] != 0.0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")

    def _init_buffers(self, xp: Any, data: Any, group: dict[str, Any]) -> dict[str, Any]:
        return {"momentum_buffer": xp.zeros_like(data)} if group["momentum"] else {}

    def _update(self, xp: Any, param: Any, grad: Any, buffers: dict[str, Any],
                group: dict[str, Any], step: int) -> None:
        momentum = group["momentum"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        if momentum:
            buf = buffers["momentum_buffer"]
            if step == 1:
                buf[...] = grad
            else:
                buf *= momentum
                buf += (1.0 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad

    def sparse_exact(self, group: dict[str, Any]) -> bool:
        return not group["momentum"] and not group["weight_decay"]
