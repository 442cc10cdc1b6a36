"""Recording ops as pending nodes, computing them in groups on demand, and batched backward."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from treenet.autograd import engine
from treenet.autograd.engine import MODE, GraphFreedError, Node, ShapeError, unbroadcast
from treenet.autograd.op import Op
from treenet.autograd.sparse import LAZY_GRADS, LowRankGrad
from treenet.autograd.where import user_location
from treenet.batching.arena import place_outputs
from treenet.batching.executor import Group, Located, add_grad, array_of, slice_of
from treenet.batching.plan import SINGLE, SQUEEZED, plan_call
from treenet.batching.profile import Profile
from treenet.batching.scheduler import get_strategy
from treenet.ops.indexing import GETITEM
from treenet.tensor.backend import BACKEND_BY_ARRAY_TYPE, DeviceError
from treenet.tensor.tensor import Tensor


class PendingNode(Node):
    """A recorded call whose value is computed later, together with others of its signature."""

    __slots__ = ("recorder", "avals", "plan", "depth", "group", "start", "stop",
                 "requires_grad", "backend", "producers", "waiting", "consumers")
    is_view = False
    arrays = out = where = None  # computed in groups: nothing per node

    def __init__(self, recorder: Recorder, op: Op, inputs: tuple[Any, ...],
                 params: dict[str, Any], avals: tuple[Any, ...], plan: Any, depth: int,
                 backend: Any, producers: list[PendingNode], requires_grad: bool) -> None:
        self.op = op
        self.inputs = inputs
        self.params = params
        self.seq = next(engine._sequence)
        self.recorder = recorder
        self.avals = avals
        self.plan = plan
        self.depth = depth
        self.group = None
        self.backend = backend
        self.producers = producers  # this block's nodes among the inputs
        self.requires_grad = requires_grad

    def value(self, index: int) -> Any:
        """The output array `index`, computing it (and only what it needs) first."""
        if self.group is None:
            if self.inputs is None:
                raise GraphFreedError("this value was never computed and its graph was freed")
            self.recorder.flush([self])
        return slice_of(self.group.outputs[index], self.start, self.stop,
                        self.group.mode in SQUEEZED)


class RowView(PendingNode):
    """`t[i]` or `t[a:b]` (rows of axis 0) of a pending output, recorded without a node of its
    own: no kernel, no group, no scheduling. Consumers depend on the base node, the value is
    a view of the base's rows, and gradients are added into those rows of the base's.

    So per-example code can run one call over all rows of an example (embed every word of a
    sentence, compute every leaf of a tree) and hand single rows on at no per-row cost.
    `op` is the base's op (gradient slots follow its outputs); `key` the int or slice.
    """

    __slots__ = ("base", "key")
    is_view = True
    plan = params = None  # never run: no plan or params (nor, as any pending node, arrays)

    def __init__(self, base: PendingNode, key: Any, avals: tuple[Any, ...],
                 requires_grad: bool, base_tensor: Tensor) -> None:
        # a view is made per row, so it sets only what differs from its base
        self.inputs = (base_tensor,)
        self.seq = next(engine._sequence)
        self.base = base
        self.key = key
        self.avals = avals  # the base's, with the viewed output's replaced (`_view_avals`)
        self.requires_grad = requires_grad

    op = property(lambda self: self.base.op)  # gradient slots follow the base's outputs
    recorder = property(lambda self: self.base.recorder)
    backend = property(lambda self: self.base.backend)
    depth = property(lambda self: self.base.depth)
    producers = property(lambda self: [self.base] if self.inputs is not None else None)
    group = property(lambda self: self.base.group)
    start = stop = property(lambda self: -1)  # never adjacent rows: consumers gather values

    def value(self, index: int) -> Any:
        return self.base.value(index)[self.key]


def _view_avals(base: PendingNode, index: int, aval: Any) -> tuple[Any, ...]:
    """A view's avals: its base's, with output `index` replaced by the view's `aval`."""
    avals = base.avals
    return (aval,) if len(avals) == 1 else avals[:index] + (aval,) + avals[index + 1:]


def _row_key(index: tuple[Any, ...], aval: Any) -> tuple[Any, Any] | None:
    """(normalized key, view aval) when `index` picks rows of axis 0 (an in-range int, or a
    non-empty slice with step 1), else None."""
    shape, dtype = aval
    if len(index) != 1 or not shape:
        return None
    key, n = index[0], shape[0]
    if type(key) is slice and key.step is None:  # the common t[a:b]
        start, stop = key.start, key.stop
        if type(start) is int and type(stop) is int and 0 <= start < stop <= n:
            return key, ((stop - start,) + shape[1:], dtype)
    if isinstance(key, int | np.integer) and not isinstance(key, bool):
        return (int(key) % n, (shape[1:], dtype)) if -n <= key < n else None
    if isinstance(key, slice):
        start, stop, step = key.indices(n)
        if step == 1 and stop > start:
            return slice(start, stop), ((stop - start,) + shape[1:], dtype)
    return None


def _output_avals(op: Op, inputs: tuple[Any, ...], params: dict[str, Any]) -> tuple[Any, ...]:
    try:
        inferred = op.infer(*inputs, **params)
    except (ValueError, IndexError, TypeError) as exc:
        shapes = engine.describe_shapes(inputs)
        raise ShapeError(f"{op.name}: cannot combine shapes {shapes} ({exc}) "
                         f"at {user_location()}") from exc
    pairs = inferred if op.outputs != 1 else (inferred,)
    return tuple((tuple(shape), np.dtype(dtype)) for shape, dtype in pairs)


_PLANS: dict[Any, tuple[Any, Any, tuple[bool, ...]]] = {}
_PLAN_CACHE_LIMIT = 100_000


def _plan(op: Op, inputs: tuple[Any, ...], params: dict[str, Any], described: list[Any],
          backend: Any) -> tuple[Any, Any, tuple[bool, ...]]:
    """Output avals, batching plan and which outputs are floating point (can carry a
    gradient) of a call, memoized on the op, params, device and the inputs' shapes, dtypes
    and (for shared arguments) identities: a model records the same few call shapes
    thousands of times."""
    try:
        key = (op, tuple(params.items()), tuple(described), backend)
        cached = _PLANS.get(key)
    except TypeError:  # unhashable params (slices, index arrays): plan without the memo
        return _fresh_plan(op, inputs, params, backend)
    if cached is None:
        if len(_PLANS) > _PLAN_CACHE_LIMIT:
            _PLANS.clear()
        cached = _PLANS[key] = _fresh_plan(op, inputs, params, backend)
    return cached


def _fresh_plan(op: Op, inputs: tuple[Any, ...], params: dict[str, Any],
                backend: Any) -> tuple[Any, Any, tuple[bool, ...]]:
    avals = _output_avals(op, inputs, params)
    return (avals, plan_call(op, inputs, params, backend),
            tuple(d.kind == "f" for _, d in avals))


class Recorder:
    """Holds the pending nodes of one autobatch block and computes them group by group."""

    def __init__(self, strategy: str) -> None:
        self.schedule = get_strategy(strategy)
        self.pending: list[PendingNode] = []
        self.launched = 0  # groups run so far; a group's index orders backward
        self.profile = Profile()

    # ---- recording ---------------------------------------------------------------------------
    def record(self, op: Op, inputs: tuple[Any, ...], params: dict[str, Any]) -> Any:
        if op.infer is None:  # a user op without shape inference runs now
            return self._run_now(op, inputs, params)
        if op is GETITEM:
            view = self.row_view(inputs[0], params["index"])
            if view is not None:
                return view
        backend = None
        needs_grad = False
        depth = 0
        shared = op.batch.shared
        described: list[Any] = []  # what the plan depends on, per input
        producers = []
        for i, x in enumerate(inputs):
            if isinstance(x, Tensor):
                node = x._node
                data = x._data
                requires_grad = x.requires_grad
                needs_grad = needs_grad or requires_grad
                if data is None:  # pending: shape and dtype from its node (the view's own)
                    aval = node.avals[x._index]
                    described.append((aval, id(x)) if i in shared else aval)
                    b = node.backend
                else:
                    b = BACKEND_BY_ARRAY_TYPE[type(data)]
                    described.append((data.shape, data.dtype, id(x) if i in shared or (
                        requires_grad and node is None) else None))
                if type(node) is RowView:
                    node = node.base  # rows of a pending output: depend on its node
                if type(node) is PendingNode and node.recorder is self:
                    producers.append(node)
                    if node.group is None and node.depth > depth:
                        depth = node.depth
                if backend is None:
                    backend = b
                elif b is not backend:
                    raise DeviceError(f"{op.name}: inputs are on different devices "
                                      f"({engine.describe_devices(inputs)}) at {user_location()}")
            elif hasattr(x, "shape"):
                described.append((x.shape, x.dtype, id(x) if i in shared else None))
            else:
                described.append(x)
        if backend is None:
            raise TypeError(f"{op.name}: needs at least one tensor argument")
        avals, plan, floats = _plan(op, inputs, params, described, backend)
        requires_grad = needs_grad and MODE.grad_enabled and op.backward is not None
        node = PendingNode(self, op, inputs, params, avals, plan, depth + 1, backend, producers,
                           requires_grad)
        self.pending.append(node)
        if op.outputs == 1:
            return Tensor(None, requires_grad and floats[0], node)
        return tuple([Tensor(None, requires_grad and floating, node, i)
                      for i, floating in enumerate(floats)])

    def row_view(self, x: Any, index: tuple[Any, ...]) -> Tensor | None:
        """Rows of a pending output of this block as a RowView tensor, or None (then getitem
        is recorded as an op)."""
        node = getattr(x, "_node", None)
        if type(node) is not PendingNode or node.recorder is not self:
            return None
        picked = _row_key(index, node.avals[x._index])
        if picked is None:
            return None
        key, aval = picked
        requires_grad = x.requires_grad and MODE.grad_enabled
        view = RowView(node, key, _view_avals(node, x._index, aval), requires_grad, x)
        self.profile.row_views += 1
        return Tensor(None, requires_grad, view, x._index)

    def split_rows(self, x: Any, sections: int) -> list[Tensor] | None:
        """A pending output of this block cut into `sections` equal blocks of rows, as
        RowView tensors made in one go (`split(x, sections)` on axis 0), or None."""
        node = getattr(x, "_node", None)
        if type(node) is not PendingNode or node.recorder is not self:
            return None
        shape, dtype = node.avals[x._index]
        if not shape or sections <= 0 or shape[0] % sections or shape[0] == 0:
            return None
        step = shape[0] // sections
        avals = _view_avals(node, x._index, ((step,) + shape[1:], dtype))
        requires_grad = x.requires_grad and MODE.grad_enabled
        index = x._index
        self.profile.row_views += sections
        return [Tensor(None, requires_grad,
                       RowView(node, slice(start, start + step), avals, requires_grad, x), index)
                for start in range(0, shape[0], step)]

    def _run_now(self, op: Op, inputs: tuple[Any, ...], params: dict[str, Any]) -> Any:
        self.profile.unbatched[(op.name, "no shape inference: ran at the call")] += 1
        MODE.recorder = None
        try:
            return engine.apply(op, *inputs, **params)
        finally:
            MODE.recorder = self

    # ---- forward -----------------------------------------------------------------------------
    def flush(self, targets: list[PendingNode] | None = None) -> None:
        """Compute the pending nodes `targets` need (all pending nodes when None)."""
        start = time.perf_counter()
        if targets is not None and len(targets) >= len(self.pending):
            chosen = set(targets)  # e.g. backward over everything recorded: no walk needed
            if all(n in chosen for n in self.pending if n.group is None):
                targets = None
        if targets is None:
            todo = [n for n in self.pending if n.group is None]
            self.pending = []
        else:
            todo = self._ancestors(targets)
            chosen = set(todo)
            self.pending = [n for n in self.pending if n.group is None and n not in chosen]
        if todo:
            xp = todo[0].backend.xp
            profile = self.profile
            order = self.schedule(todo)
            for nodes, places in zip(order, place_outputs(xp, order, self), strict=True):
                group = Group(nodes, self.launched, places)
                group.forward(xp, profile)
                self.launched += 1
                name, plan = group.op.name, nodes[0].plan
                profile.launches += 1
                profile.launches_by_op[name] += 1
                profile.nodes += len(nodes)
                profile.nodes_by_op[name] += len(nodes)
                if plan.mode == SINGLE:
                    profile.unbatched[(name, plan.reason)] += len(nodes)
        self.profile.flush_seconds += time.perf_counter() - start

    @staticmethod
    def _ancestors(targets: list[PendingNode]) -> list[PendingNode]:
        seen: set[PendingNode] = set()
        order: list[PendingNode] = []
        stack = [t for t in targets if t.group is None]
        while stack:
            node = stack.pop()
            if node.is_view:
                node = node.base
                if node.group is not None:
                    continue
            if node in seen:
                continue
            seen.add(node)
            order.append(node)
            stack.extend(p for p in node.producers if p.group is None)
        order.sort(key=lambda n: n.seq)
        return order

    # ---- backward ----------------------------------------------------------------------------
    def backward_from(self, grads: dict[Any, Any], retain_graph: bool) -> dict[Any, Any]:
        """Batched backward from gradients of this recorder's nodes (engine format: an array
        per single-output node, a list per multi-output node). Returns the gradients that
        reach nodes outside this recorder, for the engine to continue with."""
        start = time.perf_counter()
        roots = list(grads)
        reachable = self._reachable(roots)
        uncomputed = [n for n in reachable if n.group is None]
        if uncomputed:
            self.flush(uncomputed)
        slots: dict[PendingNode, list[Any]] = {}
        for node, g in grads.items():
            for index, part in enumerate(list(g) if node.op.outputs != 1 else [g]):
                if part is not None:
                    add_grad(slots, node, index, part)
        outside: dict[Any, Any] = {}
        xp = roots[0].backend.xp
        profile = self.profile

        def route(x: Any, gx: Any, piece: Located | None) -> None:
            if not isinstance(x, Tensor) or not x.requires_grad:
                return
            node = x._node
            if node is not None and isinstance(gx, LowRankGrad):
                gx = gx.to_dense()  # only leaves keep factored gradients
            if piece is None and not isinstance(gx, LAZY_GRADS):
                target = x.shape
                if gx.shape != target:
                    gx = unbroadcast(xp, gx, target)
            g = gx if piece is None else piece
            if isinstance(node, PendingNode) and node.recorder is self:
                add_grad(slots, node, x._index, g)
                return
            g = _as_dtype(array_of(g), x.dtype)
            if node is None:
                engine.accumulate_leaf(x, g)
            else:
                engine.add_grad(outside, node, x._index, g)

        groups = sorted({n.group for n in reachable if n.requires_grad},
                        key=lambda g: g.index, reverse=True)
        for group in groups:
            if group.op.backward is None or group.args is None:
                continue
            if group.backward(xp, slots, route, profile):
                profile.backward_launches += 1
        for group in groups:  # the next backward pass starts from zeros
            for place in group.places or ():
                place.clear_grad()
        if not retain_graph:
            for node in reachable:
                node.inputs = None  # the graph is freed by reference counting
                if node.is_view:
                    continue
                node.producers = None
                group = node.group
                group.live -= 1
                if group.live == 0:  # drop what only backward needed (and the node cycle)
                    group.args = group.nodes = None
        profile.backward_seconds += time.perf_counter() - start
        return outside

    def _reachable(self, roots: list[PendingNode]) -> list[PendingNode]:
        seen = set(roots)
        stack = list(roots)
        while stack:
            node = stack.pop()
            if node.inputs is None:
                raise GraphFreedError(
                    "backward() through a graph that was already freed by an earlier backward(); "
                    "pass retain_graph=True to the first call to backward twice")
            for child in node.producers:
                if child.requires_grad and child not in seen:
                    seen.add(child)
                    stack.append(child)
        return list(seen)


def _as_dtype(g: Any, dtype: Any) -> Any:
    if isinstance(g, LAZY_GRADS) or g.dtype == dtype:
        return g
    return g.astype(dtype)
