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

Place = tuple[Any, int, int]  # (arena, first row, end row) of one group output


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

    def add(self, index: Any, g: Any, unique: bool) -> None:
        """grads[index] += g: an index array (rows may repeat unless `unique`) or a slice."""
        grads = self.grad()
        if unique:
            grads[index] += g
        else:  # a row read twice: both reads add
            self.xp.add.at(grads, index, g)


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
    return [None if keys is None else tuple((arenas[key], start, stop)
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
        group = getattr(node, "group", None)
        places = getattr(group, "places", None)
        if places is None:
            return None
        place, start, _ = places[x._index]
        if place is not arena:
            if arena is not None:
                return None
            arena = place
        if node.is_view:
            key = node.key
            if type(key) is not slice:  # an int drops the row axis: not rows
                return None
            start += node.base.start + key.start
            stop = start + key.stop - key.start
        else:
            start += node.start
            stop = start + node.stop - node.start
        if stop - start == 1:
            rows.append(start)
        else:
            rows.extend(range(start, stop))
        grad = grad and x.requires_grad
    return (arena, rows, grad) if arena is not None else None


def take_rows(found: tuple[Arena, list[int], bool], owner: Any) -> tuple[Any, Any]:
    """The rows `rows_in_one_arena` found, as one indexed copy; and where their gradient goes
    in one add, (arena, index, rows are distinct), when they all require grad and the arena
    is `owner`'s (else None: the gradient is routed to each input)."""
    arena, rows, grad = found
    index = arena.xp.asarray(rows, dtype=np.intp)
    source = None
    if grad and arena.recorder is owner:
        source = (arena, index, len(set(rows)) == len(rows))
    return arena.values.take(index, axis=0), source
