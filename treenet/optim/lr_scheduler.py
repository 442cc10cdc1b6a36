"""Learning-rate schedules that set each parameter group's "lr" per epoch (PyTorch semantics)."""

from __future__ import annotations

import math
from typing import Any

from treenet.optim.optimizer import Optimizer


class LRScheduler:
    """Base schedule: `step()` advances `last_epoch` and sets every group's "lr".

    Construction stores each group's "initial_lr" (kept when present, e.g. after a resume) as
    `base_lrs` and takes step 0, which leaves the rates as they are. Rules are chainable, as in
    PyTorch: each step's rate is computed from the group's current "lr".
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def step(self) -> None:
        """Advance one epoch and set the new rate in every group."""
        self.last_epoch += 1
        groups = self.optimizer.param_groups
        lrs = [self._next_lr(group, base) for group, base in zip(groups, self.base_lrs,
                                                                  strict=True)]
        for group, lr in zip(groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr: list[float] = lrs

    def _next_lr(self, group: dict[str, Any], base_lr: float) -> float:
        """This epoch's rate for one group, from its current "lr" (epoch 0: unchanged)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The rates set by the last `step()`, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (JSON values only)."""
        return {name: value for name, value in vars(self).items() if name != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore `state_dict()` output (load the optimizer's state as well)."""
        vars(self).update(state_dict)


class StepLR(LRScheduler):
    """Multiply the rate by `gamma` every `step_size` epochs: base_lr * gamma^(epoch // size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def _next_lr(self, group: dict[str, Any], base_lr: float) -> float:
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return group["lr"]
        return group["lr"] * self.gamma


class ExponentialLR(LRScheduler):
    """Multiply the rate by `gamma` every epoch: base_lr * gamma^epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = gamma
        super().__init__(optimizer)

    def _next_lr(self, group: dict[str, Any], base_lr: float) -> float:
        return group["lr"] if self.last_epoch == 0 else group["lr"] * self.gamma


class CosineAnnealingLR(LRScheduler):
    """Cosine from base_lr down to `eta_min` over `T_max` epochs (and back up, periodically).

    eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, in PyTorch's recursive form.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def _next_lr(self, group: dict[str, Any], base_lr: float) -> float:
        epoch, period, lr = self.last_epoch, self.T_max, group["lr"]
        if epoch == 0:
            return lr
        if (epoch - 1 - period) % (2 * period) == 0:
            return lr + (base_lr - self.eta_min) * (1 - math.cos(math.pi / period)) / 2
        return ((1 + math.cos(math.pi * epoch / period))
                / (1 + math.cos(math.pi * (epoch - 1) / period))
                * (lr - self.eta_min) + self.eta_min)
