"""Parameter: a leaf tensor that a Module registers as trainable."""

from __future__ import annotations

from typing import Any

from treenet.tensor.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor owned by a Module; requires grad unless frozen.

    Weights live apart from activations: one Parameter used at every node of a tree gets one
    accumulated gradient, with no cloning.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad)

    def __repr__(self) -> str:
        return "Parameter(" + super().__repr__()[len("tensor("):]
