"""Selecting elements: numpy indexing (t[...]), take along an axis, and embedding-row lookup."""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.autograd.engine import MODE, apply
from treenet.autograd.op import BatchRule, defop
from treenet.autograd.sparse import RowSparseGrad
from treenet.ops.elementwise import as_tensor
from treenet.ops.infer import by_view, normalize_axes
from treenet.tensor.tensor import Tensor

_BASIC = (int, slice, type(None), type(Ellipsis))


def is_basic_index(index: tuple[Any, ...]) -> bool:
    """True when the index holds only ints, slices, None and Ellipsis (a view, no repeats)."""
    return all(isinstance(i, _BASIC) for i in index)


def _getitem(xp, a, index):
    """a[index]: slices, integers, integer arrays and boolean masks (numpy semantics)"""
    return a[index]


def _getitem_backward(xp, gy, y, a, index):
    ga = xp.zeros(a.shape, dtype=gy.dtype)
    if is_basic_index(index):
        ga[index] = gy
    else:
        xp.add.at(ga, index, gy)  # repeated indices accumulate
    return (ga,)


def _lift_index(params, n):
    return {"index": (slice(None), *params["index"])}


def _getitem_example(rng):
    return [rng.standard_normal((4, 3))], {"index": (np.array([0, 2, 0]), slice(1, 3))}


GETITEM = defop("getitem", _getitem, _getitem_backward, by_view(_getitem),
                BatchRule("stack", lift=_lift_index), _getitem_example)


def _take(xp, a, indices, axis=None):
    """elements of a at integer `indices` along `axis` (flattened when axis is None)"""
    return xp.take(a, indices, axis=axis)


def _take_backward(xp, gy, y, a, indices, axis=None):
    ga = xp.zeros(a.shape, dtype=gy.dtype)
    if axis is None:
        xp.add.at(ga.reshape(-1), indices.reshape(-1), gy.reshape(-1))
        return ga, None
    k = axis % a.ndim
    moved = xp.moveaxis(gy, list(range(k, k + indices.ndim)), list(range(indices.ndim)))
    xp.add.at(xp.moveaxis(ga, k, 0), indices, moved)
    return ga, None


def _take_infer(a, indices, axis=None):
    if axis is None:
        return tuple(indices.shape), a.dtype
    (k,) = normalize_axes(axis, len(a.shape))
    return tuple(a.shape[:k]) + tuple(indices.shape) + tuple(a.shape[k + 1:]), a.dtype


TAKE = defop("take", _take, _take_backward, _take_infer, BatchRule("unbatched"),
             lambda rng: ([rng.standard_normal((3, 4)), np.array([[0, 3], [3, 1]])], {"axis": 1}))


def _lookup(xp, table, ids, sparse_grad=False):
    """rows of `table` at integer `ids` (embedding lookup): (V, *d), ids (*n) -> (*n, *d)"""
    return table[ids]


def _lookup_backward(xp, gy, y, table, ids, sparse_grad=False):
    rows = gy.reshape((-1,) + table.shape[1:])
    flat_ids = ids.reshape(-1)
    if sparse_grad:
        return RowSparseGrad(flat_ids, rows, table.shape), None
    g = xp.zeros(table.shape, dtype=gy.dtype)
    xp.add.at(g, flat_ids, rows)
    return g, None


def _lookup_infer(table, ids, sparse_grad=False):
    return tuple(ids.shape) + tuple(table.shape[1:]), table.dtype


LOOKUP = defop("lookup", _lookup, _lookup_backward, _lookup_infer,
               BatchRule("rows", shared=(0,)),
               lambda rng: ([rng.standard_normal((5, 3)), np.array([4, 0, 4])], {}))


# ---- public functions ---------------------------------------------------------------------
def _index_array(i: Any) -> Any:
    return i.data if isinstance(i, Tensor) else (np.asarray(i) if isinstance(i, list) else i)


def getitem(a: Tensor, index: Any) -> Tensor:
    """a[index] with numpy semantics; the gradient scatter-adds over repeated indices.

    Under autobatch, rows of a pending tensor (an int or a step-1 slice) are row views."""
    recorder = MODE.recorder
    if recorder is not None and a._data is None and type(index) in (slice, int):  # hot path
        view = recorder.row_view(a, (index,))
        if view is not None:
            return view
    index = tuple(_index_array(i) for i in index) if isinstance(index, tuple) else (
        _index_array(index),)
    return apply(GETITEM, a, index=index)


def take(a: Any, indices: Any, axis: int | None = None) -> Tensor:
    """numpy.take: elements at integer `indices` along `axis`."""
    indices = indices if isinstance(indices, Tensor) else np.asarray(indices, dtype=np.int64)
    return apply(TAKE, as_tensor(a), indices, axis=axis)


def lookup(table: Tensor, ids: Any, sparse_grad: bool = False) -> Tensor:
    """Embedding lookup table[ids]: (V, d) and ids of shape (*n) -> (*n, d).

    With sparse_grad=True the table's gradient is a RowSparseGrad over the rows used.
    """
    ids = ids if isinstance(ids, Tensor) else np.asarray(ids, dtype=np.int64)
    return apply(LOOKUP, table, ids, sparse_grad=sparse_grad)
