"""Loss ops: softmax cross-entropy fused into one op (one node per call, stable)."""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.autograd.engine import apply
from treenet.autograd.op import ROWS, defop
from treenet.ops import reduction as reductions
from treenet.ops.reduction import _logsumexp
from treenet.tensor.tensor import Tensor


def _cross_entropy_rows(xp, logits, targets, ignore_index=-100):
    """per-row -log softmax(logits)[target]: (n, C), (n,) -> (n,); 0 where target == ignore_index"""
    rows = xp.arange(len(targets))
    valid = targets != ignore_index
    safe = xp.where(valid, targets, 0)
    losses = _logsumexp(xp, logits, axis=1) - logits[rows, safe]
    return xp.where(valid, losses, 0)


def _cross_entropy_rows_backward(xp, gy, y, logits, targets, ignore_index=-100):
    valid = targets != ignore_index
    g = xp.exp(logits - _logsumexp(xp, logits, axis=1, keepdims=True))
    g[xp.arange(len(targets)), xp.where(valid, targets, 0)] -= 1
    g *= (gy * valid)[:, None]
    return g, None


def _infer(logits, targets, ignore_index=-100):
    if len(logits.shape) != 2 or tuple(targets.shape) != tuple(logits.shape[:1]):
        raise ValueError(f"expected logits (n, classes) and targets (n,), got "
                         f"{tuple(logits.shape)} and {tuple(targets.shape)}")
    return tuple(targets.shape), logits.dtype


CROSS_ENTROPY = defop("cross_entropy", _cross_entropy_rows, _cross_entropy_rows_backward, _infer,
                      ROWS, lambda rng: ([rng.standard_normal((4, 5)), np.array([1, 0, 4, -100])],
                                         {}))


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean",
                  ignore_index: int = -100) -> Tensor:
    """Softmax cross-entropy of logits (n, C) (or (C,)) against integer targets (n,) (or scalar).

    reduction: "mean" (over targets != ignore_index), "sum" or "none" (per-row losses (n,)).
    """
    if isinstance(targets, Tensor):
        targets = targets.data
    targets = np.asarray(targets, dtype=np.int64) if not hasattr(targets, "dtype") else targets
    if logits.ndim == 1:
        logits = logits.reshape(1, -1)
        targets = targets.reshape(1)
    losses = apply(CROSS_ENTROPY, logits, targets, ignore_index=ignore_index)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return reductions.sum(losses)
    if reduction == "mean":
        count = int((targets != ignore_index).sum())
        return reductions.sum(losses) / count if count else reductions.sum(losses) * float("nan")
    raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
