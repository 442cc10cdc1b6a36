"""The op registry: each op is defined once as pure array functions plus its batch rule.

`forward(xp, *arrays, **params) -> array` and `backward(xp, gy, y, *arrays, **params) ->
tuple of input gradients (None where an input takes no gradient)` are pure functions of arrays;
the engine reduces broadcast gradients to each input's shape, so op authors never do. The same
two functions serve eager execution, batched execution and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BATCH_KINDS = ("elementwise", "rows", "stack", "join", "segments", "unbatched")


def _keep(params: dict[str, Any], batch_size: int) -> dict[str, Any]:
    return params


@dataclass(frozen=True)
class BatchRule:
    """How calls with the same signature run as one kernel (read by `treenet.batching`).

    kind:
      - "elementwise": rows when every batched argument has the same shape, else stacked
        with numpy broadcasting (each argument gains a leading axis); parameters (leaf
        tensors that require grad) are shared;
      - "rows": axis 0 of every batched argument and of the output are independent rows;
        the group's arguments are concatenated on axis 0 and the output split back (an
        embedding lookup gathers the ids of all calls this way). Batched arguments with
        fewer than `row_ndim` axes are stacked instead (each call becomes one row);
      - "stack": arguments gain a new leading axis; `lift(params, batch_size)` rewrites the
        params for the stacked call (a reduction over axis k becomes axis k + 1);
      - "join": for a call joining its arguments along axis 0 (params `axis` 0), the output is
        their rows in order, so a group is one join of every call's arguments, whatever their
        number and row counts; calls joining along a later axis batch as "rows" when their
        arguments have equal row counts, else are stacked as "stack";
      - "segments": for a call reducing every element of its argument to one value (params
        `axis` all axes, no `keepdims`), a group is one segmented reduction over the calls'
        elements joined end to end, whatever their sizes: `segmented(xp, flat, sizes)` ->
        (calls,) and `segmented_backward(xp, g, sizes)` -> the gradient of `flat`; other
        calls are stacked as "stack";
      - "unbatched": each call runs on its own.
    shared: positions of arguments that must be the same tensor across a group (parameters);
      their identity is part of the group's signature and they are passed once.
    sizes: for "rows" ops whose rows depend on each other within a call (a recurrence over a
      sequence), the name of a param through which the group's call receives every call's
      row count (a tuple); calls that set that param themselves run alone.
    """

    kind: str
    shared: tuple[int, ...] = ()
    lift: Callable[[dict[str, Any], int], dict[str, Any]] = _keep
    row_ndim: int = 1
    segmented: Callable[..., Any] | None = None
    segmented_backward: Callable[..., Any] | None = None
    sizes: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in BATCH_KINDS:
            raise ValueError(f"unknown batch rule kind {self.kind!r}; "
                             f"expected one of {BATCH_KINDS}")


def shift_axes(*names: str) -> Callable[[dict[str, Any], int], dict[str, Any]]:
    """A `lift` that moves the non-negative axes named by params `names` one place right."""

    def lift(params: dict[str, Any], batch_size: int) -> dict[str, Any]:
        out = dict(params)
        for name in names:
            axis = out.get(name)
            if isinstance(axis, int):
                out[name] = axis + 1 if axis >= 0 else axis
            elif isinstance(axis, tuple):
                out[name] = tuple(a + 1 if a >= 0 else a for a in axis)
        return out

    return lift


ELEMENTWISE = BatchRule("elementwise")
ROWS = BatchRule("rows")
UNBATCHED = BatchRule("unbatched")


@dataclass(eq=False)
class Op:
    """One registered operation.

    infer(*avals, **params) -> (shape, dtype): the output's shape and dtype from the inputs'
      (objects with .shape/.dtype, or Python scalars), raising ValueError on a mismatch; used
      to check shapes at the call when values are computed later (autobatch).
    example(rng) -> (args, params): small float64 inputs away from kinks, used by the
      registry-wide gradient and batching tests, so a new op is tested by default.
    outputs: how many arrays forward returns to the caller. With more than one (a fused LSTM
      cell returns h and c), forward returns a tuple, infer returns a tuple of (shape, dtype)
      pairs, and backward receives a tuple `gys` (zeros for unused outputs).
    saves: how many more arrays forward returns after the outputs, kept for backward only
      (a cell's activated gates, so backward need not recompute them). backward receives
      `ys` as a tuple of all outputs and saved arrays whenever outputs + saves > 1.
    """

    name: str
    forward: Callable[..., Any]
    backward: Callable[..., tuple[Any, ...]] | None
    infer: Callable[..., tuple[tuple[int, ...], Any]] | None
    batch: BatchRule = UNBATCHED
    example: Callable[[Any], tuple[list[Any], dict[str, Any]]] | None = None
    doc: str = field(default="", repr=False)
    outputs: int = 1
    saves: int = 0

    @property
    def differentiable(self) -> bool:
        return self.backward is not None

    def __repr__(self) -> str:
        return f"Op({self.name!r}, batch={self.batch.kind!r})"


OPS: dict[str, Op] = {}


def register(op: Op) -> Op:
    """Add an op to the registry; names are unique."""
    if op.name in OPS:
        raise ValueError(f"an op named {op.name!r} is already registered")
    OPS[op.name] = op
    return op


def defop(name: str, forward: Callable[..., Any], backward: Callable[..., Any] | None,
          infer: Callable[..., Any] | None, batch: BatchRule = UNBATCHED,
          example: Callable[[Any], Any] | None = None, outputs: int = 1,
          saves: int = 0) -> Op:
    """Create and register an op."""
    return register(Op(name, forward, backward, infer, batch, example, forward.__doc__ or "",
                       outputs, saves))
