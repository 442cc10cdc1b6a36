"""User-defined ops: subclass Function with pure-array forward/backward (PyTorch's extension shape).

    class Cube(treenet.autograd.Function):
        @staticmethod
        def forward(xp, x):
            return x ** 3

        @staticmethod
        def backward(xp, gy, y, x):
            return (3 * x * x * gy,)

    y = Cube.apply(t)

Unlike torch.autograd.Function there is no `ctx`: forward and backward are pure functions of
arrays (backward also receives the output `y`), which is what lets the batching scheduler run
many calls as one. Declare `batch_rule` (default: unbatched) and optionally `infer` (output
shape and dtype from the inputs' shapes, needed to check shapes at the call under autobatch),
and `outputs` > 1 for an op returning several arrays (see `treenet.autograd.Op`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from treenet.autograd.engine import apply
from treenet.autograd.op import OPS, UNBATCHED, BatchRule, Op
from treenet.tensor.tensor import Tensor


class Function:
    """Base class of user-defined differentiable ops; each subclass registers one op."""

    batch_rule: ClassVar[BatchRule] = UNBATCHED
    outputs: ClassVar[int] = 1
    op: ClassVar[Op]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = f"{cls.__module__}.{cls.__qualname__}"
        # redefining a class (a re-run notebook cell) replaces its op
        cls.op = OPS[name] = Op(name, cls.forward, cls.backward, getattr(cls, "infer", None),
                                cls.batch_rule, getattr(cls, "example", None),
                                cls.__doc__ or "", cls.outputs)

    @staticmethod
    def forward(xp: Any, *arrays: Any, **params: Any) -> Any:
        raise NotImplementedError("a Function subclass defines forward(xp, *arrays, **params)")

    @staticmethod
    def backward(xp: Any, gy: Any, y: Any, *arrays: Any, **params: Any) -> tuple[Any, ...]:
        raise NotImplementedError("a Function subclass defines backward(xp, gy, y, *arrays)")

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the op on tensors (and constants), recording it for backward."""
        return apply(cls.op, *inputs, **params)
