"""Reductions over axes (sum, mean, max, min, logsumexp, argmax) and softmax-style normalizers."""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.autograd.engine import apply
from treenet.autograd.op import BatchRule, defop, shift_axes
from treenet.ops.elementwise import as_tensor
from treenet.ops.infer import normalize_axes, reduced, same
from treenet.tensor.tensor import Tensor

REDUCE = BatchRule("stack", lift=shift_axes("axis"))


def _segment_sums(xp: Any, flat: Any, sizes: Any) -> Any:
    """Sums of consecutive segments of `flat` with the given sizes (empty segments sum to 0)."""
    sums = xp.zeros(len(sizes), dtype=flat.dtype)
    nonempty = sizes > 0
    starts = xp.cumsum(sizes) - sizes
    if nonempty.any():
        sums[nonempty] = xp.add.reduceat(flat, starts[nonempty])
    return sums


def _segment_sums_backward(xp: Any, g: Any, sizes: Any) -> Any:
    return xp.repeat(g, sizes)


def _segment_means(xp: Any, flat: Any, sizes: Any) -> Any:
    return _segment_sums(xp, flat, sizes) / sizes.astype(flat.dtype)


def _segment_means_backward(xp: Any, g: Any, sizes: Any) -> Any:
    return xp.repeat(g / sizes.astype(g.dtype), sizes)


# a sum (mean) of all elements per call: one segmented reduction over all calls of any size
SEGMENT_SUM = BatchRule("segments", lift=shift_axes("axis"), segmented=_segment_sums,
                        segmented_backward=_segment_sums_backward)
SEGMENT_MEAN = BatchRule("segments", lift=shift_axes("axis"), segmented=_segment_means,
                         segmented_backward=_segment_means_backward)


def _example(rng: Any) -> tuple[list[Any], dict[str, Any]]:
    return [rng.standard_normal((3, 4, 2))], {"axis": 1, "keepdims": False}


def _last_axis(rng: Any) -> tuple[list[Any], dict[str, Any]]:
    return [rng.standard_normal((3, 5))], {"axis": -1}


def expand_reduced(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Reinsert reduced axes into g (size 1) so it broadcasts against an input of `shape`."""
    if keepdims:
        return g
    axes = normalize_axes(axis, len(shape))
    return g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _sum(xp, a, axis=None, keepdims=False):
    """sum over axis (None = all)"""
    return a.sum(axis=axis, keepdims=keepdims)


def _mean(xp, a, axis=None, keepdims=False):
    """mean over axis (None = all)"""
    return a.mean(axis=axis, keepdims=keepdims)


def _max(xp, a, axis=None, keepdims=False):
    """max over axis; the gradient is split evenly between tied maxima"""
    return a.max(axis=axis, keepdims=keepdims)


def _min(xp, a, axis=None, keepdims=False):
    """min over axis; the gradient is split evenly between tied minima"""
    return a.min(axis=axis, keepdims=keepdims)


def _logsumexp(xp, a, axis=None, keepdims=False):
    """log(sum(exp(a))) over axis, computed stably"""
    m = a.max(axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    y = xp.log(xp.exp(a - m).sum(axis=axis, keepdims=True)) + m
    return y if keepdims else y.reshape(reduced(a, axis, False)[0])


def _sum_backward(xp, gy, y, a, axis=None, keepdims=False):
    return (xp.broadcast_to(expand_reduced(gy, a.shape, axis, keepdims), a.shape),)


def _mean_backward(xp, gy, y, a, axis=None, keepdims=False):
    count = a.size // y.size if y.size else 1
    return (xp.broadcast_to(expand_reduced(gy, a.shape, axis, keepdims) / count, a.shape),)


def _extreme_backward(xp, gy, y, a, axis=None, keepdims=False):
    hit = a == expand_reduced(y, a.shape, axis, keepdims)
    share = hit / hit.sum(axis=axis, keepdims=True)
    return (expand_reduced(gy, a.shape, axis, keepdims) * share,)


def _logsumexp_backward(xp, gy, y, a, axis=None, keepdims=False):
    return (expand_reduced(gy, a.shape, axis, keepdims)
            * xp.exp(a - expand_reduced(y, a.shape, axis, keepdims)),)


SUM = defop("sum", _sum, _sum_backward, reduced, SEGMENT_SUM, _example)
MEAN = defop("mean", _mean, _mean_backward, reduced, SEGMENT_MEAN, _example)
MAX = defop("max", _max, _extreme_backward, reduced, REDUCE, _example)
MIN = defop("min", _min, _extreme_backward, reduced, REDUCE, _example)
LOGSUMEXP = defop("logsumexp", _logsumexp, _logsumexp_backward, reduced, REDUCE, _example)


def _argmax(xp, a, axis=None):
    """index of the max along axis (no gradient)"""
    return a.argmax(axis=axis)


def _argmin(xp, a, axis=None):
    """index of the min along axis (no gradient)"""
    return a.argmin(axis=axis)


def _arg_infer(a, axis=None):
    return reduced(a, axis, False, np.int64)


ARGMAX = defop("argmax", _argmax, None, _arg_infer, REDUCE, _last_axis)
ARGMIN = defop("argmin", _argmin, None, _arg_infer, REDUCE, _last_axis)


def _softmax(xp, a, axis=-1):
    """exp(a) / sum(exp(a)) along axis"""
    e = xp.exp(a - a.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax(xp, a, axis=-1):
    """a - logsumexp(a) along axis"""
    return a - _logsumexp(xp, a, axis=axis, keepdims=True)


SOFTMAX = defop("softmax", _softmax,
                lambda xp, gy, y, a, axis=-1: (y * (gy - (gy * y).sum(axis=axis, keepdims=True)),),
                same, REDUCE, _last_axis)
LOG_SOFTMAX = defop("log_softmax", _log_softmax,
                    lambda xp, gy, y, a, axis=-1: (gy - xp.exp(y) * gy.sum(axis=axis,
                                                                          keepdims=True),),
                    same, REDUCE, _last_axis)


def _axes(a: Tensor, axis: Any) -> Any:
    """The axis param as the op sees it: explicit (None becomes every axis), so that a stacked
    call (one more leading axis) still reduces only each example's own axes."""
    if axis is None:
        return tuple(range(a.ndim))
    return tuple(axis) if isinstance(axis, list) else axis


def sum(a: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """Sum over `axis` (None: all elements)."""
    a = as_tensor(a)
    return apply(SUM, a, axis=_axes(a, axis), keepdims=keepdims)


def mean(a: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis` (None: all elements)."""
    a = as_tensor(a)
    return apply(MEAN, a, axis=_axes(a, axis), keepdims=keepdims)


def max(a: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """Max over `axis` (numpy's amax); ties share the gradient evenly."""
    a = as_tensor(a)
    return apply(MAX, a, axis=_axes(a, axis), keepdims=keepdims)


def min(a: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """Min over `axis` (numpy's amin); ties share the gradient evenly."""
    a = as_tensor(a)
    return apply(MIN, a, axis=_axes(a, axis), keepdims=keepdims)


def logsumexp(a: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(a), axis)) without overflow."""
    a = as_tensor(a)
    return apply(LOGSUMEXP, a, axis=_axes(a, axis), keepdims=keepdims)


def argmax(a: Any, axis: int | None = None) -> Tensor:
    """Indices of the maxima along `axis` (int64, no gradient; flat index when axis is None)."""
    a = as_tensor(a)
    return apply(ARGMAX, a.reshape(-1) if axis is None else a, axis=0 if axis is None else axis)


def argmin(a: Any, axis: int | None = None) -> Tensor:
    """Indices of the minima along `axis` (int64, no gradient; flat index when axis is None)."""
    a = as_tensor(a)
    return apply(ARGMIN, a.reshape(-1) if axis is None else a, axis=0 if axis is None else axis)


def softmax(a: Any, axis: int = -1) -> Tensor:
    """exp(a) normalized to sum to one along `axis`."""
    return apply(SOFTMAX, as_tensor(a), axis=axis)


def log_softmax(a: Any, axis: int = -1) -> Tensor:
    """log(softmax(a, axis)), computed stably."""
    return apply(LOG_SOFTMAX, as_tensor(a), axis=axis)
