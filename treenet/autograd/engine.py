"""The tape: running an op eagerly while recording a node, and reverse-mode backward over nodes.

Each op call that involves a tensor requiring grad records a `Node` (op, inputs, params, output
array). Nodes are numbered in creation order, which is a topological order, so backward visits
the reachable nodes in reverse creation order. Backward frees each node as it goes unless
`retain_graph=True`; the graph is rebuilt by the next forward pass (define-by-run).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from treenet.autograd.op import Op
from treenet.autograd.sparse import LAZY_GRADS, LowRankGrad, RowSparseGrad, merge_low_rank
from treenet.autograd.where import user_location
from treenet.tensor.backend import BACKEND_BY_ARRAY_TYPE, DeviceError, backend_of
from treenet.tensor.tensor import Tensor


class ShapeError(ValueError):
    """An op was called with shapes it cannot combine; names the op, the shapes and the line."""


class AnomalyError(FloatingPointError):
    """detect_anomaly() saw a NaN or inf; names the op and the user's line that created it."""


class GraphFreedError(RuntimeError):
    """backward() went through a graph that an earlier backward() already freed."""


class _Mode:
    """Process-wide switches read on every op call."""

    grad_enabled = True
    anomaly = False
    recorder: Any = None  # the active autobatch recorder, if any


MODE = _Mode()
_sequence = itertools.count()


class Node:
    """A recorded op application: what backward needs to compute input gradients."""

    __slots__ = ("op", "inputs", "arrays", "params", "out", "seq", "where")

    def __init__(self, op: Op, inputs: tuple[Any, ...], arrays: list[Any],
                 params: dict[str, Any], out: Any, where: str | None) -> None:
        self.op = op
        self.inputs = inputs
        self.arrays = arrays  # the input arrays as forward saw them
        self.params = params
        self.out = out
        self.seq = next(_sequence)
        self.where = where


def describe_shapes(inputs: tuple[Any, ...]) -> str:
    return " and ".join(str(tuple(x.shape)) if isinstance(x, Tensor) else repr(x) for x in inputs)


def apply(op: Op, *inputs: Any, **params: Any) -> Any:
    """Run `op` on tensors (and constants), recording a node when a gradient is needed.

    Returns a Tensor, or a tuple of Tensors for a multi-output op.
    """
    recorder = MODE.recorder
    if recorder is not None:
        return recorder.record(op, inputs, params)
    arrays = []
    array_type = None
    needs_grad = False
    for x in inputs:
        if isinstance(x, Tensor):
            data = x._data
            if data is None:  # a pending tensor from an autobatch block: compute it now
                data = x.data
            if array_type is None:
                array_type = type(data)
            elif type(data) is not array_type:
                raise DeviceError(f"{op.name}: inputs are on different devices "
                                  f"({describe_devices(inputs)}) at {user_location()}")
            arrays.append(data)
            needs_grad = needs_grad or x.requires_grad
        else:
            arrays.append(x)
    if array_type is None:
        raise TypeError(f"{op.name}: needs at least one tensor argument")
    xp = BACKEND_BY_ARRAY_TYPE[array_type].xp
    if xp is not np:
        arrays = on_device(xp, arrays)
    try:
        y = op.forward(xp, *arrays, **params)
    except (ValueError, IndexError) as exc:
        raise ShapeError(f"{op.name}: cannot combine shapes {describe_shapes(inputs)} "
                         f"({exc}) at {user_location()}") from exc
    if op.outputs != 1 or op.saves:
        return _wrap_outputs(xp, op, inputs, arrays, params, y, needs_grad)
    if type(y) is not array_type:
        y = xp.asarray(y)
    where = None
    if MODE.anomaly:
        where = user_location()
        check_finite(xp, y, f"{op.name} produced", where)
    if needs_grad and MODE.grad_enabled and op.backward is not None and y.dtype.kind == "f":
        return Tensor(y, True, Node(op, inputs, arrays, params, y, where))
    return Tensor(y)


def _wrap_outputs(xp: Any, op: Op, inputs: tuple[Any, ...], arrays: list[Any],
                  params: dict[str, Any], ys: tuple[Any, ...],
                  needs_grad: bool) -> Any:
    """Tensors for the outputs of a multi-output op (or one with saved arrays), sharing one
    node; the saved arrays stay on the node for backward."""
    where = None
    visible = ys[:op.outputs]
    if MODE.anomaly:
        where = user_location()
        for y in visible:
            check_finite(xp, y, f"{op.name} produced", where)
    if needs_grad and MODE.grad_enabled and op.backward is not None:
        node = Node(op, inputs, arrays, params, ys, where)
        tensors = tuple(Tensor(y, True, node, i) for i, y in enumerate(visible))
    else:
        tensors = tuple(Tensor(y) for y in visible)
    return tensors if op.outputs != 1 else tensors[0]


def describe_devices(inputs: tuple[Any, ...]) -> str:
    return ", ".join(x.device for x in inputs if isinstance(x, Tensor))


def check_finite(xp: Any, array: Any, what: str, where: str | None) -> None:
    values = array.values if isinstance(array, RowSparseGrad) else array
    if values.dtype.kind in "fc" and not bool(xp.isfinite(values).all()):
        raise AnomalyError(f"{what} NaN or inf (op created at {where or 'unknown location'})")


def unbroadcast(xp: Any, g: Any, shape: tuple[int, ...]) -> Any:
    """Sum `g` over the axes that broadcasting added to an input of `shape`."""
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape != shape else g


_deferred: dict[Tensor, list[LowRankGrad]] = {}


def accumulate_leaf(leaf: Tensor, g: Any, owned: bool = False) -> None:
    """leaf.grad += g, keeping row-sparse gradients sparse and deferring low-rank ones to the
    end of backward. `owned`: g is a fresh array that may become the gradient itself."""
    if isinstance(g, LowRankGrad):
        _deferred.setdefault(leaf, []).append(g)
        return
    current = leaf.grad
    if isinstance(g, RowSparseGrad):
        if current is None:
            leaf.grad = g
        elif isinstance(current, RowSparseGrad):
            leaf.grad = current + g
        else:
            backend_of(current.data).xp.add.at(current.data, g.indices, g.values)
        return
    if current is None:
        leaf.grad = Tensor(g if owned else g.copy())
    elif isinstance(current, RowSparseGrad):
        leaf.grad = Tensor(current.to_dense() + g)
    else:
        current.data += g


def _reachable(roots: list[Node]) -> list[Node]:
    """Eager nodes reachable from roots, in reverse creation order (a reverse topological
    order). Nodes recorded under autobatch are included but not entered: their recorder
    runs their part of the graph, batched."""
    seen = set(roots)
    stack = list(roots)
    nodes = []
    while stack:
        node = stack.pop()
        nodes.append(node)
        if type(node) is not Node:
            continue
        if node.inputs is None:
            raise GraphFreedError(
                "backward() through a graph that was already freed by an earlier backward(); "
                "pass retain_graph=True to the first call to backward twice")
        for x in node.inputs:
            if isinstance(x, Tensor):
                child = x._node
                if child is not None and child not in seen:
                    seen.add(child)
                    stack.append(child)
    nodes.sort(key=lambda n: n.seq, reverse=True)
    return nodes


def backward(tensor: Tensor, gradient: Any = None, retain_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) into every leaf's `.grad` (times `gradient` if given)."""
    if not tensor.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad "
                           "(no input had requires_grad=True, or it was made under no_grad())")
    # shape, dtype and device only: a pending root is computed by its block's batched backward
    shape, dtype = tensor.shape, tensor.dtype
    xp = tensor.backend.xp
    if gradient is None:
        if tensor.size != 1:
            raise RuntimeError(f"backward() without a gradient needs a one-element tensor, "
                               f"got shape {shape}; pass gradient=")
        gy = xp.ones(shape, dtype)
    else:
        gradient = gradient.data if isinstance(gradient, Tensor) else gradient
        gy = xp.asarray(gradient, dtype=dtype)
        if gy.shape != shape:
            raise ShapeError(f"backward: gradient shape {gy.shape} != tensor shape {shape}")
    if tensor._node is None:
        accumulate_leaf(tensor, gy)
        return
    grads: dict[Node, Any] = {}
    add_grad(grads, tensor._node, tensor._index, gy)
    try:
        run_backward(xp, grads, retain_graph)
        start = time.perf_counter()
        for leaf, parts in _deferred.items():
            dense = merge_low_rank(parts)
            if dense.dtype != leaf.dtype:
                dense = dense.astype(leaf.dtype)
            accumulate_leaf(leaf, dense, owned=True)
        if _deferred and MODE.recorder is not None:  # batched backward's last kernels
            MODE.recorder.profile.add_weight_gradient_time(time.perf_counter() - start)
    finally:
        _deferred.clear()


def on_device(xp: Any, arrays: list[Any]) -> list[Any]:
    """An op's arguments for a GPU op: numpy arrays given as constants (ids, targets, masks)
    are copied to the device, as scalars are; everything else is left as it is."""
    return [xp.asarray(a) if isinstance(a, np.ndarray) else a for a in arrays]


def add_grad(grads: dict[Node, Any], node: Node, index: int, g: Any) -> None:
    """grads[node] += g, where a multi-output node keeps one slot per output."""
    if node.op.outputs == 1:
        previous = grads.get(node)
        grads[node] = g if previous is None else previous + g
        return
    slots = grads.get(node)
    if slots is None:
        slots = grads[node] = [None] * node.op.outputs
    slots[index] = g if slots[index] is None else slots[index] + g


def merge_grads(grads: dict[Node, Any], more: dict[Node, Any]) -> None:
    """Add gradients in add_grad's format (an array, or a list per multi-output node)."""
    for node, g in more.items():
        if node.op.outputs == 1:
            add_grad(grads, node, 0, g)
        else:
            for index, part in enumerate(g):
                if part is not None:
                    add_grad(grads, node, index, part)


def _output_grads(xp: Any, node: Node, slots: list[Any]) -> tuple[Any, ...]:
    return tuple(xp.zeros_like(y) if g is None else g
                 for g, y in zip(slots, node.out[:node.op.outputs], strict=True))


def run_backward(xp: Any, grads: dict[Node, Any], retain_graph: bool) -> None:
    """Propagate `grads` (node -> output gradient) back through every node reachable from them.

    When the walk meets the newest node of an autobatch block, every gradient flowing into
    that block is complete: its recorder runs the block's backward batched and hands back the
    gradients that leave it, and the walk continues from there.
    """
    anomaly = MODE.anomaly
    for node in _reachable(list(grads)):
        if type(node) is not Node:
            recorder = node.recorder
            inside = {n: g for n, g in grads.items()
                      if type(n) is not Node and n.recorder is recorder}
            for n in inside:
                del grads[n]
            merge_grads(grads, recorder.backward_from(inside, retain_graph))
            if grads:
                run_backward(xp, grads, retain_graph)
            return
        gy = grads.pop(node, None)
        if gy is None:
            continue
        op = node.op
        if op.outputs != 1:
            gy = _output_grads(xp, node, gy)
        inputs = node.inputs
        gxs = op.backward(xp, gy, node.out, *node.arrays, **node.params)
        for x, gx in zip(inputs, gxs, strict=False):
            if gx is None or not isinstance(x, Tensor) or not x.requires_grad:
                continue
            if anomaly:
                check_finite(xp, gx, f"the backward of {op.name} produced", node.where)
            if not isinstance(gx, LAZY_GRADS):
                target = x._data
                if gx.shape != target.shape:
                    gx = unbroadcast(xp, gx, target.shape)
                if gx.dtype != target.dtype:
                    gx = gx.astype(target.dtype)
            child = x._node
            if child is None:
                accumulate_leaf(x, gx)
            elif child.op.outputs == 1 and not isinstance(gx, LAZY_GRADS):
                previous = grads.get(child)
                grads[child] = gx if previous is None else previous + gx
            else:
                if isinstance(gx, LAZY_GRADS):
                    gx = gx.to_dense()
                add_grad(grads, child, x._index, gx)
        if not retain_graph:
            node.inputs = node.arrays = node.out = None


@contextlib.contextmanager
def set_grad_enabled(enabled: bool) -> Iterator[None]:
    """Enable or disable graph recording inside the block."""
    previous = MODE.grad_enabled
    MODE.grad_enabled = enabled
    try:
        yield
    finally:
        MODE.grad_enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Run ops without recording the graph (inference, parameter updates)."""
    return set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    return set_grad_enabled(True)


def is_grad_enabled() -> bool:
    return MODE.grad_enabled


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first NaN/inf produced in forward or backward, naming the op and user line."""
    previous = MODE.anomaly
    MODE.anomaly = True
    try:
        yield
    finally:
        MODE.anomaly = previous
