"""Reverse-mode autograd: the op registry, the tape engine, user Functions and gradient checks."""

from treenet.autograd.engine import (
    AnomalyError,
    GraphFreedError,
    ShapeError,
    backward,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from treenet.autograd.function import Function
from treenet.autograd.gradcheck import GradcheckError, gradcheck
from treenet.autograd.op import OPS, BatchRule, Op, defop, register
from treenet.autograd.sparse import RowSparseGrad

__all__ = [
    "OPS", "AnomalyError", "BatchRule", "Function", "GradcheckError", "GraphFreedError", "Op",
    "RowSparseGrad", "ShapeError", "backward", "defop", "detect_anomaly", "enable_grad",
    "gradcheck", "is_grad_enabled", "no_grad", "register", "set_grad_enabled",
]
