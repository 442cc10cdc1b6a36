"""Running one group of same-signature nodes as one kernel, forward and backward.

Batched model: a "rows" group concatenates every call's batched arguments on axis 0 (each call
contributes (n, ...) rows, any n) and gives each node the rows [start, stop) of the output; a
"stack" group stacks them on a new leading axis (node i owns output [i]); a "join" group (a
concatenate along axis 0) passes every call's arguments to one call and gives each node its
rows of the result; a "segments" group (a reduction of every element of each call) runs one
segmented reduction and gives node i entry i. Shared arguments
(parameters) are passed once. When a group's inputs are already adjacent rows of one buffer —
the outputs of consecutive nodes of an earlier group — the buffer is sliced, not copied; when
they are rows of outputs of any number of row groups, they are one indexed copy from an arena
(treenet/batching/arena.py), and their gradient goes back as one indexed add.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from treenet.autograd.engine import on_device, unbroadcast
from treenet.batching.arena import Place, Rows, rows_in_one_arena, take_rows
from treenet.batching.plan import JOIN, ROWS, SEGMENTS, SINGLE, SQUEEZED, STACK
from treenet.batching.profile import COPIED, FROM_ARENA, SLICED
from treenet.tensor.tensor import Tensor


class Located:
    """Part of a group's output `buffer`: rows [start, stop) for a rows group, entry `start`
    for a stacked group (squeeze), the whole buffer for a call that ran alone."""

    __slots__ = ("buffer", "start", "stop", "squeeze")

    def __init__(self, buffer: Any, start: int, stop: int, squeeze: bool) -> None:
        self.buffer = buffer
        self.start = start
        self.stop = stop
        self.squeeze = squeeze

    def value(self) -> Any:
        return slice_of(self.buffer, self.start, self.stop, self.squeeze)


def slice_of(buffer: Any, start: int, stop: int, squeeze: bool) -> Any:
    if start < 0:  # the node ran alone: it owns the whole buffer
        return buffer
    return buffer[start, ...] if squeeze else buffer[start:stop]


class Partial:
    """A gradient buffer this backward pass owns and adds into in place (the rows of row
    views land in their base's buffer)."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array


def array_of(item: Any) -> Any:
    kind = type(item)
    if kind is Located:
        return item.value()
    return item.array if kind is Partial else item


def add_grad(grads: dict[Any, list[Any]], node: Any, index: int, g: Any) -> None:
    """grads[node][index] += g, where g is an array or Located rows of a gradient buffer; a
    row view's gradient goes into its rows of the base node's gradient, and the gradient of
    an output kept in an arena into its rows of the arena's gradient buffer."""
    places = node.group.places
    if places is not None:
        place = places[index]
        offset = place.start
        if node.is_view:
            base = node.base
            rows = place.arena.grad()[offset + base.start:offset + base.stop][node.key]
        else:
            rows = place.arena.grad()[offset + node.start:offset + node.stop]
        rows += array_of(g)
        return
    if node.is_view:
        base = node.base
        entry = grads.get(base)
        if entry is None:
            entry = grads[base] = [None] * base.op.outputs
        previous = entry[index]
        if type(previous) is not Partial:
            shape, dtype = base.avals[index]
            buffer = base.backend.xp.zeros(shape, dtype)
            if previous is not None:
                buffer += array_of(previous)
            previous = entry[index] = Partial(buffer)
        previous.array[node.key] += array_of(g)
        return
    entry = grads.get(node)
    if entry is None:
        entry = grads[node] = [None] * node.op.outputs
    previous = entry[index]
    if previous is None:
        entry[index] = g
    elif type(previous) is Partial:
        previous.array += array_of(g)
    else:
        entry[index] = array_of(previous) + array_of(g)


def gather(xp: Any, items: list[Any], mode: str) -> Any:
    """Concatenate (rows, join) or stack the items, slicing a shared buffer when they are
    adjacent."""
    mode = ROWS if mode == JOIN else mode
    first = items[0]
    if isinstance(first, Located) and first.start >= 0:
        buffer, squeeze, end = first.buffer, first.squeeze, first.stop
        for item in items[1:]:
            if (not isinstance(item, Located) or item.buffer is not buffer
                    or item.start != end or item.squeeze != squeeze):
                break
            end = item.stop
        else:
            view = buffer[first.start:end]
            if mode == ROWS:
                return view.reshape((-1,) + view.shape[2:]) if squeeze else view
            return view if squeeze else view.reshape((len(items),) + first.value().shape)
    arrays = [array_of(item) for item in items]
    return xp.concatenate(arrays) if mode == ROWS else xp.stack(arrays)


def gather_inputs(xp: Any, xs: list[Any], mode: str, owner: Any,
                  gathers: Any) -> tuple[Any, Any]:
    """One batched argument from the members' inputs `xs`: a slice of a group's output when
    they are its adjacent rows (no copy), else one indexed copy from an arena when they are
    all rows kept in one, else a concatenation (rows) or stack of the values.

    Also returns, for backward, where the argument's gradient goes in one add (a `Place`,
    when it is a whole output, else `Rows` of an arena) when every x is rows of a group
    output with a place in one of `owner`'s arenas and requires grad; else None (the
    gradient is routed to each x). Counts the way it took in `gathers`."""
    first = xs[0]
    node = getattr(first, "_node", None)
    group = getattr(node, "group", None)
    if group is not None and group.mode != SINGLE and node.start >= 0:  # not a row view
        index = first._index
        end = node.stop
        for x in xs[1:]:
            other = getattr(x, "_node", None)
            if getattr(other, "group", None) is not group or other.start != end or (
                    x._index != index):
                break
            end = other.stop
        else:
            view = group.outputs[index][node.start:end]
            source = None
            if group.places is not None and mode == ROWS:
                place = group.places[index]
                if place.arena.recorder is owner and all(x.requires_grad for x in xs):
                    offset = place.start
                    source = place if node.start == 0 and offset + end == place.stop else Rows(
                        place.arena, slice(offset + node.start, offset + end), True)
            if group.mode in SQUEEZED:
                view = view.reshape((-1,) + view.shape[2:]) if mode == ROWS else view
            elif mode != ROWS:
                view = view.reshape((len(xs),) + first.shape)
            gathers[SLICED] += 1
            return view, source
    if mode == ROWS:
        found = rows_in_one_arena(xs)
        if found is not None:
            gathers[FROM_ARENA] += 1
            return take_rows(found, owner)
    gathers[COPIED] += 1
    arrays = [x.data if isinstance(x, Tensor) else x for x in xs]
    # index arrays given on the host (word ids, targets) are joined there: the op moves the
    # group's indices to the device in one copy
    join = np if isinstance(arrays[0], np.ndarray) else xp
    return (join.concatenate(arrays) if mode == ROWS else join.stack(arrays)), None


class Group:
    """Nodes of one signature run together; keeps what backward needs."""

    __slots__ = ("nodes", "op", "mode", "params", "args", "outputs", "index", "live", "places",
                 "sources")

    def __init__(self, nodes: list[Any], index: int, places: tuple[Place, ...] | None) -> None:
        first = nodes[0]
        self.nodes = nodes
        self.op = first.op
        # one member needs no gathering: it runs as it was called
        self.mode = first.plan.mode if len(nodes) > 1 else SINGLE
        self.params = first.params
        self.args: list[Any] | None = None
        self.outputs: tuple[Any, ...] = ()
        self.index = index
        # members a backward will visit whose graph is not freed yet
        self.live = sum(1 for node in nodes if node.requires_grad)
        self.places = places  # where each output is kept in an arena (arena.place_outputs)
        # per batched argument position (-1: every argument of a join), where its gradient
        # goes in one add (gather_inputs); absent: routed to each input
        self.sources: dict[int, Any] = {}

    def forward(self, xp: Any, profile: Any) -> None:
        nodes, op, mode = self.nodes, self.op, self.mode
        first = nodes[0]
        owner = first.recorder
        inputs = ([x for node in nodes for x in node.inputs] if mode in (JOIN, SEGMENTS)
                  else first.inputs)
        joined = rows_in_one_arena(inputs) if mode == JOIN else None
        if joined is not None and self.live and not (joined[2] and joined[0].recorder is owner):
            joined = None  # backward routes each argument's gradient: join as called
        if joined:
            args = []
        elif mode in (ROWS, STACK):  # batched positions are gathered below
            batched = first.plan.batched
            args = [x.data if isinstance(x, Tensor) and p not in batched else x
                    for p, x in enumerate(inputs)]
        else:
            args = [x.data if isinstance(x, Tensor) else x for x in inputs]
        if mode in (ROWS, STACK):
            out_ndim = len(first.avals[0][0])
            for p in first.plan.batched:
                batched, source = gather_inputs(xp, [n.inputs[p] for n in nodes], mode, owner,
                                                profile.gathers)
                if source is not None:
                    self.sources[p] = source
                if mode == STACK and op.batch.kind == "elementwise":
                    missing = out_ndim + 1 - batched.ndim
                    if missing:
                        batched = batched.reshape(batched.shape[:1] + (1,) * missing
                                                  + batched.shape[1:])
                args[p] = batched
            if mode == STACK:
                self.params = op.batch.lift(self.params, len(nodes))
            elif op.batch.sizes is not None:  # a recurrence over each call's rows
                p = first.plan.batched[0]
                self.params = {**self.params,
                               op.batch.sizes: tuple(len(n.inputs[p]) for n in nodes)}
        if xp is not np:
            args = on_device(xp, args)
        start = time.perf_counter()
        if joined:  # the join of rows kept in one arena: one indexed copy
            profile.gathers[FROM_ARENA] += 1
            y, source = take_rows(joined, owner)
            if source is not None:
                self.sources[-1] = source
        elif mode == SEGMENTS:
            sizes = xp.asarray([a.size for a in args])
            y = op.batch.segmented(xp, xp.concatenate([a.reshape(-1) for a in args]), sizes)
            args = [sizes]
        else:
            y = op.forward(xp, *args, **self.params)
        profile.add_kernel_time(op.name, time.perf_counter() - start)
        self.outputs = (tuple(xp.asarray(v) for v in y) if op.outputs != 1 or op.saves
                        else (xp.asarray(y),))
        self.args = args
        if mode == ROWS or mode == JOIN:
            p = first.plan.batched[0]
            offset = 0
            for node in nodes:
                node.start = offset
                offset += node.inputs[p].shape[0] if mode == ROWS else node.avals[0][0][0]
                node.stop = offset
        elif mode in SQUEEZED:
            for i, node in enumerate(nodes):
                node.start, node.stop = i, i + 1
        elif self.places is not None:  # alone, but its rows have a place in an arena
            first.start, first.stop = 0, self.places[0].stop - self.places[0].start
        else:
            first.start = first.stop = -1
        for place, y in zip(self.places or (), self.outputs, strict=False):
            place.pending = y
        for node in nodes:
            node.group = self
        if not self.live:  # no backward will visit: drop the node <-> group cycle and the
            self.args = self.nodes = None  # inputs, so the graph is freed as it goes
            for node in nodes:
                node.inputs = node.producers = None

    def backward(self, xp: Any, grads: dict[Any, list[Any]], route: Any, profile: Any) -> bool:
        """Run the op's backward for the whole group; False when no member has a gradient.

        `grads` holds gradients per node not kept in an arena (a slot per output: Located
        rows of a gradient buffer, so a consumer group can slice them back without a copy,
        or arrays); an arena keeps the gradients of its rows itself. Gradients for inputs
        go into one arena add per argument (`sources`), else through
        `route(x, g, piece)`."""
        nodes, op, mode = self.nodes, self.op, self.mode
        if self.places is not None:  # consumers added into the arena rows (zeros if none)
            gys = [place.output_grad() for place in self.places]
        else:
            gys = self._gathered_output_grads(xp, grads)
            if gys is None:
                return False
        gy = gys[0] if op.outputs == 1 else tuple(gys)
        y = self.outputs if op.outputs != 1 or op.saves else self.outputs[0]
        start = time.perf_counter()
        joined = self.sources.get(-1)
        if joined is not None:
            gxs = ()
        elif mode == SEGMENTS:
            (sizes,) = self.args
            flat = op.batch.segmented_backward(xp, gy, sizes)
            gxs = [g.reshape(node.inputs[0].shape) for node, g in zip(
                nodes, xp.split(flat, xp.cumsum(sizes)[:-1].tolist()), strict=True)]
        else:
            gxs = op.backward(xp, gy, y, *self.args, **self.params)
        profile.add_kernel_time(op.name + " backward", time.perf_counter() - start)
        first = nodes[0]
        if joined is not None:
            joined.add(gy)
            return True
        if mode in (JOIN, SEGMENTS):  # a gradient per argument of every call
            for x, gx in zip((x for node in nodes for x in node.inputs), gxs, strict=True):
                route(x, gx, None)
            return True
        batched = first.plan.batched if mode != SINGLE else ()
        for p, gx in enumerate(gxs):
            if gx is None:
                continue
            if p in batched:
                self._route_batched(xp, p, gx, route)
            else:
                route(first.inputs[p], gx, None)
        return True

    def _gathered_output_grads(self, xp: Any, grads: dict[Any, list[Any]]) -> list[Any] | None:
        """The gradient of each output, gathered from the members' slots; None if none."""
        nodes, mode = self.nodes, self.mode
        slots = [grads.pop(node, None) for node in nodes]
        if all(s is None for s in slots):
            return None
        gys = []
        for k, y in enumerate(self.outputs[:self.op.outputs]):
            items = [None if s is None else s[k] for s in slots]
            if any(item is None for item in items):
                gy = xp.zeros_like(y)
                for node, item in zip(nodes, items, strict=True):
                    if item is not None:
                        slice_of(gy, node.start, node.stop, mode in SQUEEZED)[...] += array_of(item)
            elif mode == SINGLE:
                gy = array_of(items[0])
            else:
                gy = gather(xp, items, mode).reshape(y.shape)
            gys.append(gy)
        return gys

    def _route_batched(self, xp: Any, p: int, gx: Any, route: Any) -> None:
        arg = self.args[p]
        if gx.shape != arg.shape:
            gx = unbroadcast(xp, gx, arg.shape)
        squeeze = self.mode == STACK
        if squeeze and arg.ndim != self.nodes[0].inputs[p].ndim + 1:  # undo elementwise padding
            gx = gx.reshape((len(self.nodes),) + tuple(self.nodes[0].inputs[p].shape))
        source = self.sources.get(p)
        if source is not None:
            source.add(gx)
            return
        for node in self.nodes:
            x = node.inputs[p]
            if getattr(x, "requires_grad", False):
                route(x, gx, Located(gx, node.start, node.stop, squeeze))
