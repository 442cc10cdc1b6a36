"""Planning one recorded call: how it batches (rows, stacked or alone) and its signature.

The signature is derived from the op, its params, the shapes and dtypes of batched arguments
(for rows, everything but the row count), the identity of shared arguments and the device —
never written by hand, so two different activations can never share a batch.
"""

from __future__ import annotations

from typing import Any

from treenet.autograd.op import Op
from treenet.tensor.tensor import Tensor

ROWS = "rows"
STACK = "stack"
JOIN = "join"
SEGMENTS = "segments"
SINGLE = "single"
SQUEEZED = (STACK, SEGMENTS)  # modes where node i owns entry i of the output


class Plan:
    """A call's batching mode, its signature key, and which argument positions are batched."""

    __slots__ = ("mode", "key", "batched", "reason")

    def __init__(self, mode: str, key: Any, batched: tuple[int, ...] = (),
                 reason: str = "") -> None:
        self.mode = mode
        self.key = key
        self.batched = batched
        self.reason = reason  # why a SINGLE call runs alone


def freeze(value: Any) -> Any:
    """A hashable stand-in for a params value; TypeError when it has none (e.g. an array)."""
    if isinstance(value, tuple | list):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, slice):
        return ("slice", value.start, value.stop, value.step)
    hash(value)  # raises TypeError for arrays and other unhashables
    return value


def _is_parameter(x: Any) -> bool:
    return isinstance(x, Tensor) and x._node is None and x.requires_grad


def _shape(x: Any) -> tuple[int, ...] | None:
    return tuple(x.shape) if hasattr(x, "shape") else None


def plan_call(op: Op, inputs: tuple[Any, ...], params: dict[str, Any],
              device: Any = None) -> Plan:
    """Decide how this call batches with others of the same signature (calls on different
    devices, e.g. numpy and cupy backends, never share one)."""
    rule = op.batch
    if rule.kind == "unbatched":
        return Plan(SINGLE, None, reason="op has no batch rule")
    try:
        key_params = freeze(params)
    except TypeError:
        return Plan(SINGLE, None, reason="params hold an array (e.g. advanced indexing)")
    if rule.sizes is not None and params.get(rule.sizes) is not None:
        return Plan(SINGLE, None, reason=f"the call sets {rule.sizes} itself")
    if rule.kind == "rows":
        shared = rule.shared
    elif rule.kind == "elementwise":
        shared = tuple(i for i, x in enumerate(inputs) if _is_parameter(x))
    else:
        shared = ()
    signature: list[Any] = []
    batched = []
    shapes = []
    for i, x in enumerate(inputs):
        shape = _shape(x)
        if i in shared:
            signature.append(("shared", id(x) if hasattr(x, "shape") else freeze(x)))
        elif shape is None:
            signature.append(("const", x))
        else:
            batched.append(i)
            shapes.append((shape, x.dtype))
    if not batched:
        return Plan(SINGLE, None, reason="no per-example argument")
    if rule.kind == "join" and _joins_rows(params, shapes):
        # any number of arguments per call: the signature is their common row shape
        first_shape, dtype = shapes[0]
        return Plan(JOIN, (op, JOIN, key_params, first_shape[1:], dtype, device),
                    tuple(batched))
    if rule.kind == "segments" and _reduces_all(params, shapes):
        return Plan(SEGMENTS, (op, SEGMENTS, key_params, shapes[0][1], device),
                    tuple(batched))
    if rule.kind == "join" and _joins_columns(params, shapes):
        mode = ROWS  # joined along a later axis, rows stay independent
    else:
        mode = _mode(rule.kind, rule.row_ndim, shapes, [inputs[i] for i in shared])
    if mode == SINGLE:
        return Plan(SINGLE, None, reason="argument shapes fit no batched form")
    for shape, dtype in shapes:
        signature.append((shape[1:] if mode == ROWS else shape, dtype))
    return Plan(mode, (op, mode, key_params, tuple(signature), device), tuple(batched))


def _joins_rows(params: dict[str, Any], shapes: list[Any]) -> bool:
    """A join along axis 0 of arguments with one row shape and dtype."""
    first, dtype = shapes[0]
    axis = params.get("axis", 0)
    return bool(first) and axis in (0, -len(first)) and all(
        shape[1:] == first[1:] and len(shape) == len(first) and d == dtype
        for shape, d in shapes)


def _joins_columns(params: dict[str, Any], shapes: list[Any]) -> bool:
    """A join along a later axis of arguments with equal row counts."""
    first = shapes[0][0]
    axis = params.get("axis", 0)
    return len(first) >= 2 and axis % len(first) != 0 and all(
        len(shape) == len(first) and shape[0] == first[0] for shape, _ in shapes)


def _reduces_all(params: dict[str, Any], shapes: list[Any]) -> bool:
    """One floating-point argument reduced over all its axes to one value."""
    if len(shapes) != 1 or params.get("keepdims") or shapes[0][1].kind != "f":
        return False
    ndim = len(shapes[0][0])
    axis = params.get("axis")
    axes = range(ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    return sorted(a % ndim for a in axes) == list(range(ndim)) if ndim else False


def _mode(kind: str, row_ndim: int, shapes: list[Any], shared: list[Any]) -> str:
    ndims = [len(shape) for shape, _ in shapes]
    if kind in ("stack", "join", "segments"):
        return STACK
    if kind == "rows":
        if min(ndims) >= row_ndim and len({shape[0] for shape, _ in shapes}) == 1:
            return ROWS
        return STACK if max(ndims) == row_ndim - 1 else SINGLE
    # elementwise: rows when all batched arguments agree and shared ones broadcast per row
    first = shapes[0][0]
    if first and all(shape == first for shape, _ in shapes) and all(
            len(s.shape) < len(first) or (s.shape and s.shape[0] == 1) for s in shared):
        return ROWS
    return STACK
