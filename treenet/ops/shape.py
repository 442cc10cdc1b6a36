"""Ops that rearrange elements without arithmetic: reshape, transpose, axes, joining, splitting."""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.autograd.engine import MODE, apply
from treenet.autograd.op import BatchRule, defop, shift_axes
from treenet.ops.elementwise import as_tensor
from treenet.ops.infer import by_view, normalize_axes
from treenet.tensor.tensor import Tensor


def _one(rng: Any) -> tuple[list[Any], dict[str, Any]]:
    return [rng.standard_normal((2, 3, 4))], {}


# ---- reshape ------------------------------------------------------------------------------
def _reshape(xp, a, shape):
    """a with a new shape holding the same elements (one entry may be -1)"""
    return a.reshape(shape)


def _reshape_infer(a, shape):
    size = int(np.prod(a.shape))
    known = int(np.prod([n for n in shape if n != -1]))
    if list(shape).count(-1) > 1 or (-1 in shape and (known == 0 or size % known)) or (
            -1 not in shape and known != size):
        raise ValueError(f"cannot reshape {tuple(a.shape)} into {tuple(shape)}")
    return tuple(size // known if n == -1 else n for n in shape), a.dtype


RESHAPE = defop("reshape", _reshape, lambda xp, gy, y, a, shape: (gy.reshape(a.shape),),
                _reshape_infer,
                BatchRule("stack", lift=lambda p, n: {"shape": (n, *p["shape"])}),
                lambda rng: ([rng.standard_normal((2, 6))], {"shape": (3, -1)}))


# ---- transpose / axes ---------------------------------------------------------------------
def _transpose(xp, a, axes=None):
    """a with its axes permuted (reversed when axes is None)"""
    return a.transpose(axes)


def _transpose_backward(xp, gy, y, a, axes=None):
    return (gy.transpose(None if axes is None else tuple(np.argsort(axes))),)


def _lift_transpose(params, n):
    axes = params["axes"]  # always explicit: transpose() fills in the reversed order
    return {"axes": (0, *(a % len(axes) + 1 for a in axes))}


TRANSPOSE = defop("transpose", _transpose, _transpose_backward, by_view(_transpose),
                  BatchRule("stack", lift=_lift_transpose),
                  lambda rng: ([rng.standard_normal((2, 3, 4))], {"axes": (1, 2, 0)}))


def _expand_dims(xp, a, axis):
    """a with a new axis of length one inserted at `axis`"""
    return xp.expand_dims(a, axis)


def _squeeze(xp, a, axis=None):
    """a without axes of length one (or only `axis`)"""
    return xp.squeeze(a, axis)


def _restore(xp, gy, y, a, axis=None):
    return (gy.reshape(a.shape),)

EXPAND_DIMS = defop("expand_dims", _expand_dims, _restore, by_view(_expand_dims),
                    BatchRule("stack", lift=shift_axes("axis")),
                    lambda rng: ([rng.standard_normal((2, 3))], {"axis": 1}))
SQUEEZE = defop("squeeze", _squeeze, _restore, by_view(_squeeze),
                BatchRule("stack", lift=shift_axes("axis")),
                lambda rng: ([rng.standard_normal((2, 1, 3))], {"axis": 1}))


def _broadcast_to(xp, a, shape):
    """a broadcast to `shape` of the same rank (numpy rules; the public function pads the rank)"""
    return xp.broadcast_to(a, shape)


def _broadcast_to_infer(a, shape):
    if len(a.shape) != len(shape):
        raise ValueError(f"broadcast_to op needs equal ranks, got {tuple(a.shape)} -> {shape}")
    return np.broadcast_shapes(tuple(a.shape), tuple(shape)), a.dtype


BROADCAST_TO = defop("broadcast_to", _broadcast_to, lambda xp, gy, y, a, shape: (gy,),
                     _broadcast_to_infer,
                     BatchRule("stack", lift=lambda p, n: {"shape": (n, *p["shape"])}),
                     lambda rng: ([rng.standard_normal((1, 3, 1))], {"shape": (2, 3, 4)}))


# ---- joining ------------------------------------------------------------------------------
def _concatenate(xp, *arrays, axis=0):
    """arrays joined along an existing axis"""
    return xp.concatenate(arrays, axis=axis)


def _concatenate_backward(xp, gy, y, *arrays, axis=0):
    bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
    return tuple(xp.split(gy, bounds, axis=axis))


def _concatenate_infer(*avals, axis=0):
    first = tuple(avals[0].shape)
    (ax,) = normalize_axes(axis, len(first))
    total = 0
    for a in avals:
        shape = tuple(a.shape)
        if len(shape) != len(first) or shape[:ax] + shape[ax + 1:] != first[:ax] + first[ax + 1:]:
            raise ValueError(f"all shapes must match except on axis {axis}: "
                             f"{' and '.join(str(tuple(b.shape)) for b in avals)}")
        total += shape[ax]
    return first[:ax] + (total,) + first[ax + 1:], np.result_type(*(a.dtype for a in avals))


def _stack(xp, *arrays, axis=0):
    """arrays joined along a new axis"""
    return xp.stack(arrays, axis=axis)


def _stack_backward(xp, gy, y, *arrays, axis=0):
    return tuple(xp.moveaxis(gy, axis, 0))


def _stack_infer(*avals, axis=0):
    first = tuple(avals[0].shape)
    for a in avals:
        if tuple(a.shape) != first:
            raise ValueError(f"all shapes must be equal: "
                             f"{' and '.join(str(tuple(b.shape)) for b in avals)}")
    (ax,) = normalize_axes(axis, len(first) + 1)
    return first[:ax] + (len(avals),) + first[ax:], np.result_type(*(a.dtype for a in avals))


CONCATENATE = defop("concatenate", _concatenate, _concatenate_backward, _concatenate_infer,
                    BatchRule("join", lift=shift_axes("axis")),
                    lambda rng: ([rng.standard_normal((2, 3)), rng.standard_normal((2, 1))],
                                 {"axis": 1}))
STACK = defop("stack", _stack, _stack_backward, _stack_infer,
              BatchRule("stack", lift=shift_axes("axis")),
              lambda rng: ([rng.standard_normal((2, 3)), rng.standard_normal((2, 3))],
                           {"axis": 1}))


# ---- public functions ---------------------------------------------------------------------
def reshape(a: Any, shape: int | tuple[int, ...]) -> Tensor:
    """Same elements in a new shape; one dimension may be -1."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return apply(RESHAPE, as_tensor(a), shape=shape)


def transpose(a: Any, axes: tuple[int, ...] | None = None) -> Tensor:
    """Permute axes (reverse them when `axes` is None)."""
    a = as_tensor(a)
    if axes is None:
        axes = tuple(reversed(range(a.ndim)))
    return apply(TRANSPOSE, a, axes=tuple(axes))


def expand_dims(a: Any, axis: int) -> Tensor:
    """Insert an axis of length one at `axis`."""
    return apply(EXPAND_DIMS, as_tensor(a), axis=axis)


def squeeze(a: Any, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """Remove axes of length one (all of them, or those in `axis`)."""
    a = as_tensor(a)
    if axis is None:
        axis = tuple(i for i, n in enumerate(a.shape) if n == 1)
    return apply(SQUEEZE, a, axis=axis)


def broadcast_to(a: Any, shape: tuple[int, ...]) -> Tensor:
    """a broadcast to `shape`; the gradient sums over the broadcast axes."""
    a = as_tensor(a)
    shape = tuple(shape)
    if a.ndim < len(shape):
        a = reshape(a, (1,) * (len(shape) - a.ndim) + a.shape)
    return apply(BROADCAST_TO, a, shape=shape)


def concatenate(arrays: list[Any] | tuple[Any, ...], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    if not arrays:
        raise ValueError("concatenate: needs at least one tensor")
    return apply(CONCATENATE, *(as_tensor(a) for a in arrays), axis=axis)


def stack(arrays: list[Any] | tuple[Any, ...], axis: int = 0) -> Tensor:
    """Join equally shaped tensors along a new axis."""
    if not arrays:
        raise ValueError("stack: needs at least one tensor")
    return apply(STACK, *(as_tensor(a) for a in arrays), axis=axis)


def split(a: Tensor, indices_or_sections: int | list[int], axis: int = 0) -> list[Tensor]:
    """Split along `axis` into equal sections or at the given indices (numpy's split).

    Under autobatch, equal sections of rows (axis 0) of a pending tensor are row views made
    in one call: `split(h, len(h))` hands out every row of h at little cost per row."""
    recorder = MODE.recorder
    if recorder is not None and axis == 0 and a._data is None and type(
            indices_or_sections) is int:
        views = recorder.split_rows(a, indices_or_sections)
        if views is not None:
            return views
    length = a.shape[axis]
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0:
            raise ValueError(f"split: needs at least one section, got {indices_or_sections}")
        if length % indices_or_sections:
            raise ValueError(f"split: axis {axis} of length {length} does not divide into "
                             f"{indices_or_sections} equal sections")
        step = length // indices_or_sections
        bounds = list(range(0, length + 1, step))
    else:
        bounds = [0, *indices_or_sections, length]
    lead = (slice(None),) * (axis % a.ndim)
    return [a[(*lead, slice(start, stop))] for start, stop in zip(bounds, bounds[1:], strict=False)]
