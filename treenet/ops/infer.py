"""Shape and dtype inference shared by the ops: the output's (shape, dtype) without computing it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def dtype_of(x: Any) -> Any:
    """A dtype for arrays/tensors; Python scalars stay as values (numpy treats them as weak)."""
    return x.dtype if hasattr(x, "dtype") else x


def shape_of(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if hasattr(x, "shape") else ()


def broadcast(*avals: Any) -> tuple[tuple[int, ...], Any]:
    """Elementwise ops: numpy broadcasting of shapes and promotion of dtypes."""
    shape = np.broadcast_shapes(*(shape_of(a) for a in avals))
    return shape, np.result_type(*(dtype_of(a) for a in avals))


def same(a: Any, **params: Any) -> tuple[tuple[int, ...], Any]:
    return tuple(a.shape), a.dtype


def boolean(*avals: Any, **params: Any) -> tuple[tuple[int, ...], Any]:
    return broadcast(*avals)[0], np.dtype(np.bool_)


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints; raises ValueError when out of range."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % ndim)
    return tuple(sorted(out))


def reduced(a: Any, axis: Any = None, keepdims: bool = False,
            dtype: Any = None) -> tuple[tuple[int, ...], Any]:
    """Reductions over `axis` (None = all)."""
    axes = normalize_axes(axis, len(a.shape))
    if keepdims:
        shape = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
    else:
        shape = tuple(n for i, n in enumerate(a.shape) if i not in axes)
    return shape, a.dtype if dtype is None else np.dtype(dtype)


def by_view(forward: Callable[..., Any]) -> Callable[..., tuple[tuple[int, ...], Any]]:
    """Infer a view op (transpose, squeeze, basic indexing, ...) by running it on a stand-in
    array with zero strides, which costs no memory."""

    def infer(*avals: Any, **params: Any) -> tuple[tuple[int, ...], Any]:
        stand_ins = [np.broadcast_to(np.empty((), a.dtype), a.shape) if hasattr(a, "shape") else a
                     for a in avals]
        out = forward(np, *stand_ins, **params)
        return out.shape, out.dtype

    return infer
