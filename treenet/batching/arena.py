"""Arenas: one buffer per row shape and dtype for the outputs of a flush's row groups.

Before a flush runs its first group, every row group (calls concatenated on axis 0) is given
rows of the arena of its outputs' row shape and dtype, and writes its outputs there. A batched
argument made of rows computed by many different groups — a Tree-LSTM cell reads its
children's states, computed at many levels — is then gathered with one indexed copy, and
backward adds the argument's gradient into the arena's gradient buffer with one indexed add,
however many groups produced those rows: no per-row bookkeeping in either direction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.batching.plan import ROWS


class Arena:
    """Values (rows, *row_shape) of one flush's row outputs with one row shape and dtype, and
    the gradient buffer of the backward pass running now (zeros until the first add)."""

    __slots__ = ("xp", "values", "grads", "recorder")

    def __init__(self, xp: Any, values: Any, recorder: Any) -> None:
        self.xp = xp
        self.values = values
        self.grads: Any = None
        self.recorder = recorder  # only this recorder's backward adds into `grads`

    def grad(self) -> Any:
        if self.grads is None:
            self.grads = self.xp.zeros_like(self.values)
        return self.grads


class Rows:
    """Rows of an arena that a batched argument was gathered from (an index array, rows may
    repeat unless `unique`; or a slice): where the argument's gradient goes, in one add."""

    __slots__ = ("arena", "index", "unique")

    def __init__(self, arena: Arena, index: Any, unique: bool) -> None:
        self.arena = arena
        self.index = index
        self.unique = unique

    def add(self, g: Any) -> None:
        grads = self.arena.grad()
        if self.unique:
            grads[self.index] += g
        else:  # a row read twice: both reads add
            self.arena.xp.add.at(grads, self.index, g)


class Place:
    """Rows [start, stop) of an arena for one group output.

    The output is copied in by the first gather that reads it from the arena
    (`rows_in_one_arena`): an output only ever read in place (adjacent rows of it, as long
    blocks of rows are) is never copied. Likewise the gradient of a consumer that read the
    whole output in place is kept as it is (`add`), not added into the arena's buffer."""

    __slots__ = ("arena", "start", "stop", "pending", "grad")

    def __init__(self, arena: Arena, start: int, stop: int) -> None:
        self.arena = arena
        self.start = start
        self.stop = stop
        self.pending: Any = None  # the computed output, until copied in
        self.grad: Any = None  # gradients of the whole output, outside the arena's buffer

    def copy_in(self) -> None:
        self.arena.values[self.start:self.stop] = self.pending
        self.pending = None

    def add(self, g: Any) -> None:
        self.grad = g if self.grad is None else self.grad + g

    def output_grad(self) -> Any:
        """The gradient of the output: its rows of the arena's buffer plus `grad`."""
        arena = self.arena
        if arena.grads is None:
            if self.grad is not None:
                return self.grad
            return arena.xp.zeros_like(arena.values[self.start:self.stop])
        rows = arena.grads[self.start:self.stop]
        return rows if self.grad is None else rows + self.grad

    def clear_grad(self) -> None:
        """Start the next backward pass from zeros."""
        self.grad = self.arena.grads = None


def place_outputs(xp: Any, groups: list[list[Any]],
                  recorder: Any) -> list[tuple[Place, ...] | None]:
    """For each group (its nodes) about to run, the place of each output in an arena, or None
    when it does not batch by rows or an output is not a floating-point array of rows."""
    ends: dict[Any, int] = {}
    wanted: list[list[Any] | None] = []
    for nodes in groups:
        first = nodes[0]
        keys: list[Any] | None = [] if first.plan.mode == ROWS else None
        for k in range(first.op.outputs if keys is not None else 0):
            shape, dtype = first.avals[k]
            if not shape or dtype.kind != "f":
                keys = None
                break
            rows = sum(node.avals[k][0][0] for node in nodes)
            key = (shape[1:], dtype)
            start = ends.get(key, 0)
            ends[key] = start + rows
            keys.append((key, start, start + rows))
        wanted.append(keys)
    arenas = {key: Arena(xp, xp.empty((rows,) + key[0], key[1]), recorder)
              for key, rows in ends.items()}
    return [None if keys is None else tuple(Place(arenas[key], start, stop)
                                            for key, start, stop in keys)
            for keys in wanted]


def rows_in_one_arena(xs: list[Any]) -> tuple[Arena, list[int], bool] | None:
    """(arena, rows, whether every x requires grad) when every x is rows (an output of a node,
    or a slice of one) kept in one arena, in order; else None."""
    arena = None
    rows: list[int] = []
    grad = True
    for x in xs:
        node = getattr(x, "_node", None)  # None for arrays and leaves
        if getattr(node, "is_view", False):
            key = node.key
            if type(key) is not slice:  # an int drops the row axis: not rows
                return None
            node = node.base
            start = node.start + key.start
            count = key.stop - key.start
        else:
            start = getattr(node, "start", -1)
            count = getattr(node, "stop", -1) - start
        places = getattr(getattr(node, "group", None), "places", None)
        if places is None:
            return None
        place = places[x._index]
        if place.arena is not arena:
            if arena is not None:
                return None
            arena = place.arena
        if place.pending is not None:
            place.copy_in()
        start += place.start
        if count == 1:
            rows.append(start)
        else:
            rows.extend(range(start, start + count))
        grad = grad and x.requires_grad
    return (arena, rows, grad) if arena is not None else None


def take_rows(found: tuple[Arena, list[int], bool], owner: Any) -> tuple[Any, Any]:
    """The rows `rows_in_one_arena` found, as one indexed copy; and where their gradient goes
    in one add (`Rows`) when they all require grad and the arena is `owner`'s (else None:
    the gradient is routed to each input)."""
    arena, rows, grad = found
    index = arena.xp.asarray(rows, dtype=np.intp)
    source = None
    if grad and arena.recorder is owner:
        source = Rows(arena, index, len(set(rows)) == len(rows))
    return arena.values.take(index, axis=0), source
