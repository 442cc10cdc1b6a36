"""Tensor operators and methods (t + u, t @ W, t[i], t.sum(), t.backward(), ...), bound to ops."""

from __future__ import annotations

from typing import Any

from treenet.autograd import engine
from treenet.ops import elementwise as ew
from treenet.ops import indexing, linalg, reduction, shape
from treenet.tensor.tensor import Tensor


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _shape_args(args: tuple[Any, ...]) -> Any:
    return args[0] if len(args) == 1 and isinstance(args[0], tuple | list) else args


def backward(self: Tensor, gradient: Any = None, retain_graph: bool = False) -> None:
    """Accumulate gradients of this tensor into the `.grad` of every leaf that requires grad.

    Without `gradient`, the tensor must hold one element. The graph is freed afterwards
    unless retain_graph=True.
    """
    engine.backward(self, gradient, retain_graph)


def _iter(self: Tensor):
    for i in range(len(self)):
        yield self[i]


def _bool(self: Tensor) -> bool:
    if self.size != 1:
        raise ValueError(f"the truth value of a tensor with {self.size} elements is ambiguous")
    return bool(self.item())


METHODS = {
    "__add__": ew.add, "__radd__": _reflected(ew.add),
    "__sub__": ew.subtract, "__rsub__": _reflected(ew.subtract),
    "__mul__": ew.multiply, "__rmul__": _reflected(ew.multiply),
    "__truediv__": ew.divide, "__rtruediv__": _reflected(ew.divide),
    "__pow__": ew.power, "__rpow__": _reflected(ew.power),
    "__matmul__": linalg.matmul, "__rmatmul__": _reflected(linalg.matmul),
    "__neg__": ew.negative, "__abs__": ew.abs,
    "__eq__": ew.equal, "__ne__": ew.not_equal, "__lt__": ew.less, "__le__": ew.less_equal,
    "__gt__": ew.greater, "__ge__": ew.greater_equal,
    "__getitem__": indexing.getitem, "__iter__": _iter, "__bool__": _bool,
    "exp": ew.exp, "log": ew.log, "sqrt": ew.sqrt, "tanh": ew.tanh, "sigmoid": ew.sigmoid,
    "relu": ew.relu, "abs": ew.abs, "clip": ew.clip, "astype": ew.astype,
    "sum": reduction.sum, "mean": reduction.mean, "max": reduction.max, "min": reduction.min,
    "logsumexp": reduction.logsumexp, "argmax": reduction.argmax, "argmin": reduction.argmin,
    "softmax": reduction.softmax, "log_softmax": reduction.log_softmax,
    "reshape": lambda self, *s: shape.reshape(self, _shape_args(s)),
    "transpose": lambda self, *axes: shape.transpose(self, _shape_args(axes) or None),
    "T": property(lambda self: shape.transpose(self)),
    "flatten": lambda self: shape.reshape(self, (-1,)),
    "expand_dims": shape.expand_dims, "squeeze": shape.squeeze,
    "take": indexing.take, "matmul": linalg.matmul,
    "backward": backward,
}

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
