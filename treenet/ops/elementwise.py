"""Elementwise ops with numpy broadcasting: arithmetic, activations, comparisons, where, clip."""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.autograd.engine import apply
from treenet.autograd.op import ELEMENTWISE, defop
from treenet.ops.infer import boolean, broadcast, same
from treenet.tensor.tensor import Tensor


def _pair(rng: Any) -> tuple[list[Any], dict[str, Any]]:
    return [rng.standard_normal((3, 4)), rng.standard_normal((4,))], {}


def _positive_pair(rng: Any) -> tuple[list[Any], dict[str, Any]]:
    return [rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (3, 1))], {}


def _one(rng: Any) -> tuple[list[Any], dict[str, Any]]:
    return [rng.standard_normal((3, 4))], {}


def _one_positive(rng: Any) -> tuple[list[Any], dict[str, Any]]:
    return [rng.uniform(0.5, 2.0, (3, 4))], {}


def _one_away_from_zero(rng: Any) -> tuple[list[Any], dict[str, Any]]:
    x = rng.uniform(0.2, 2.0, (3, 4))
    return [x * rng.choice([-1.0, 1.0], x.shape)], {}


# ---- arithmetic ---------------------------------------------------------------------------
def _add(xp, a, b):
    """a + b"""
    return a + b


def _sub(xp, a, b):
    """a - b"""
    return a - b


def _mul(xp, a, b):
    """a * b"""
    return a * b


def _div(xp, a, b):
    """a / b"""
    return a / b


def _pow(xp, a, b):
    """a ** b"""
    return a**b


def _log_of(xp, a):
    return xp.log(a)


ADD = defop("add", _add, lambda xp, gy, y, a, b: (gy, gy), broadcast, ELEMENTWISE, _pair)
SUBTRACT = defop("subtract", _sub, lambda xp, gy, y, a, b: (gy, -gy), broadcast, ELEMENTWISE, _pair)
MULTIPLY = defop("multiply", _mul, lambda xp, gy, y, a, b: (gy * b, gy * a), broadcast,
                 ELEMENTWISE, _pair)
DIVIDE = defop("divide", _div, lambda xp, gy, y, a, b: (gy / b, -gy * y / b), broadcast,
               ELEMENTWISE, _positive_pair)
POWER = defop("power", _pow,
              lambda xp, gy, y, a, b: (gy * b * a ** (b - 1),
                                       gy * y * _log_of(xp, a) if hasattr(b, "shape") else None),
              broadcast, ELEMENTWISE, _positive_pair)


def _maximum(xp, a, b):
    """Elementwise max; the gradient is split evenly on ties."""
    return xp.maximum(a, b)


def _minimum(xp, a, b):
    """Elementwise min; the gradient is split evenly on ties."""
    return xp.minimum(a, b)


def _tie_split(xp, gy, winner, tie):
    share = winner + 0.5 * tie
    return gy * share, gy * (1.0 - share)


MAXIMUM = defop("maximum", _maximum,
                lambda xp, gy, y, a, b: _tie_split(xp, gy, a > b, a == b),
                broadcast, ELEMENTWISE, _pair)
MINIMUM = defop("minimum", _minimum,
                lambda xp, gy, y, a, b: _tie_split(xp, gy, a < b, a == b),
                broadcast, ELEMENTWISE, _pair)


# ---- unary --------------------------------------------------------------------------------
def _neg(xp, a):
    """-a"""
    return -a


def _abs(xp, a):
    """|a|"""
    return xp.abs(a)


def _exp(xp, a):
    """e ** a"""
    return xp.exp(a)


def _log(xp, a):
    """natural logarithm"""
    return xp.log(a)


def _sqrt(xp, a):
    """square root"""
    return xp.sqrt(a)


def _tanh(xp, a):
    """hyperbolic tangent"""
    return xp.tanh(a)


def _sigmoid(xp, a):
    """1 / (1 + e**-a), computed as 0.5 * tanh(a / 2) + 0.5 (stable, one transcendental)"""
    y = xp.tanh(a * 0.5)
    y *= 0.5
    y += 0.5
    return y


def _relu(xp, a):
    """max(a, 0)"""
    return xp.maximum(a, 0)


NEGATIVE = defop("negative", _neg, lambda xp, gy, y, a: (-gy,), same, ELEMENTWISE, _one)
ABS = defop("abs", _abs, lambda xp, gy, y, a: (gy * xp.sign(a),), same, ELEMENTWISE,
            _one_away_from_zero)
EXP = defop("exp", _exp, lambda xp, gy, y, a: (gy * y,), same, ELEMENTWISE, _one)
LOG = defop("log", _log, lambda xp, gy, y, a: (gy / a,), same, ELEMENTWISE, _one_positive)
SQRT = defop("sqrt", _sqrt, lambda xp, gy, y, a: (gy * 0.5 / y,), same, ELEMENTWISE,
             _one_positive)
TANH = defop("tanh", _tanh, lambda xp, gy, y, a: (gy * (1.0 - y * y),), same, ELEMENTWISE, _one)
SIGMOID = defop("sigmoid", _sigmoid, lambda xp, gy, y, a: (gy * y * (1.0 - y),), same,
                ELEMENTWISE, _one)
RELU = defop("relu", _relu, lambda xp, gy, y, a: (gy * (a > 0),), same, ELEMENTWISE,
             _one_away_from_zero)


def _clip(xp, a, a_min=None, a_max=None):
    """a limited to [a_min, a_max] (either bound may be None)"""
    return xp.clip(a, a_min, a_max)


def _clip_backward(xp, gy, y, a, a_min=None, a_max=None):
    return (gy * (y == a),)


def _clip_example(rng):
    x = rng.uniform(-2, 2, (3, 4))
    x[abs(abs(x) - 1.0) < 0.05] = 0.3  # keep away from the kinks
    return [x], {"a_min": -1.0, "a_max": 1.0}


CLIP = defop("clip", _clip, _clip_backward, same, ELEMENTWISE, _clip_example)


def _astype(xp, a, dtype):
    """a converted to dtype (differentiable between float types)"""
    return a.astype(dtype)


def _astype_infer(a, dtype):
    return tuple(a.shape), np.dtype(dtype)


ASTYPE = defop("astype", _astype, lambda xp, gy, y, a, dtype: (gy.astype(a.dtype),),
               _astype_infer, ELEMENTWISE, lambda rng: ([rng.standard_normal((2, 3))],
                                                        {"dtype": "float64"}))


def _where(xp, condition, a, b):
    """a where condition holds, else b (condition takes no gradient)"""
    return xp.where(condition, a, b)


def _where_example(rng):
    return [rng.standard_normal((3, 4)) > 0, rng.standard_normal((3, 4)),
            rng.standard_normal((4,))], {}


def _where_infer(condition, a, b):
    return broadcast(condition, a, b)[0], broadcast(a, b)[1]


WHERE = defop("where", _where,
              lambda xp, gy, y, c, a, b: (None, xp.where(c, gy, 0), xp.where(c, 0, gy)),
              _where_infer, ELEMENTWISE, _where_example)


# ---- comparisons (no gradient) ------------------------------------------------------------
def _compare(name: str, fn: Any):
    fn.__doc__ = f"elementwise {name} (boolean result, no gradient)"
    return defop(name, fn, None, boolean, ELEMENTWISE, _pair)


EQUAL = _compare("equal", lambda xp, a, b: a == b)
NOT_EQUAL = _compare("not_equal", lambda xp, a, b: a != b)
LESS = _compare("less", lambda xp, a, b: a < b)
LESS_EQUAL = _compare("less_equal", lambda xp, a, b: a <= b)
GREATER = _compare("greater", lambda xp, a, b: a > b)
GREATER_EQUAL = _compare("greater_equal", lambda xp, a, b: a >= b)


# ---- public functions ---------------------------------------------------------------------
def as_tensor(x: Any) -> Tensor:
    """x itself when a Tensor, else a constant tensor holding it."""
    if isinstance(x, Tensor):
        return x
    from treenet.tensor.creation import tensor

    return tensor(x)


def _binary(op):
    def fn(a: Any, b: Any) -> Tensor:
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            a = as_tensor(a)
        return apply(op, a, b)

    fn.__name__ = op.name
    fn.__doc__ = f"{op.doc} (elementwise, numpy broadcasting)"
    return fn


def _unary(op):
    def fn(a: Any) -> Tensor:
        return apply(op, as_tensor(a))

    fn.__name__ = op.name
    fn.__doc__ = f"{op.doc} (elementwise)"
    return fn


add = _binary(ADD)
subtract = _binary(SUBTRACT)
multiply = _binary(MULTIPLY)
divide = _binary(DIVIDE)
power = _binary(POWER)
maximum = _binary(MAXIMUM)
minimum = _binary(MINIMUM)
equal = _binary(EQUAL)
not_equal = _binary(NOT_EQUAL)
less = _binary(LESS)
less_equal = _binary(LESS_EQUAL)
greater = _binary(GREATER)
greater_equal = _binary(GREATER_EQUAL)
negative = _unary(NEGATIVE)
abs = _unary(ABS)
exp = _unary(EXP)
log = _unary(LOG)
sqrt = _unary(SQRT)
tanh = _unary(TANH)
sigmoid = _unary(SIGMOID)
relu = _unary(RELU)


def clip(a: Any, a_min: float | None = None, a_max: float | None = None) -> Tensor:
    """a limited to [a_min, a_max]; the gradient is zero where a was clipped."""
    return apply(CLIP, as_tensor(a), a_min=a_min, a_max=a_max)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise choice: a where condition is true, else b."""
    if not any(isinstance(x, Tensor) for x in (condition, a, b)):
        a = as_tensor(a)
    return apply(WHERE, condition, a, b)


def astype(a: Tensor, dtype: Any) -> Tensor:
    """a converted to `dtype`; gradients flow between floating types."""
    return apply(ASTYPE, a, dtype=str(np.dtype(dtype)))
