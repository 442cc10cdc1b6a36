"""Fused recurrent cells (LSTM step, Tree-LSTM nodes): one op per cell with a hand-written backward.

Each cell returns (h, c) from one node, so the batching scheduler moves one node per cell instead
of a dozen. Every non-weight argument holds independent rows on axis 0 ("rows" batch rule with
the weights shared). Backward recomputes the gates from the inputs (forward stays pure and keeps
only h and c). Gates are activated in place in one pass: sigmoid(z) = 0.5 * tanh(0.5 z) + 0.5,
so a per-column scale and shift turn one tanh over all gates into sigmoids and tanhs.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from treenet.autograd.engine import apply
from treenet.autograd.op import BatchRule, defop
from treenet.autograd.sparse import LowRankGrad
from treenet.ops import fused_cells
from treenet.ops.linalg import matmul_transposed
from treenet.tensor.tensor import Tensor

Aval = tuple[tuple[int, ...], Any]


# ---- gate activations ---------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _gate_constants(xp: Any, dtype: Any, pattern: str, width: int) -> tuple[Any, Any, Any]:
    """(scale, shift, scale**2) rows for gate blocks of `width` columns; pattern 's' = sigmoid
    block, 't' = tanh block, in column order."""
    scale = np.repeat([0.5 if p == "s" else 1.0 for p in pattern], width).astype(dtype)
    shift = np.repeat([0.5 if p == "s" else 0.0 for p in pattern], width).astype(dtype)
    return xp.asarray(scale), xp.asarray(shift), xp.asarray(scale * scale)


def _activate(xp: Any, z: Any, pattern: str, out: Any = None) -> Any:
    """The gate nonlinearities of `pattern` applied to the last axis of z (into `out`, which may
    be z itself, else a fresh array)."""
    scale, shift, _ = _gate_constants(xp, z.dtype, pattern, z.shape[-1] // len(pattern))
    y = xp.multiply(z, scale, out=out)
    xp.tanh(y, out=y)
    y *= scale
    y += shift
    return y


def _slope(xp: Any, y: Any, pattern: str) -> Any:
    """d gate / d preactivation from the gate values y (y(1 - y) for sigmoid, 1 - y^2 for tanh),
    as scale^2 - (y - shift)^2, in a fresh array."""
    _, shift, square = _gate_constants(xp, y.dtype, pattern, y.shape[-1] // len(pattern))
    d = y - shift
    d *= d
    return xp.subtract(square, d, out=d)


def _cell_state_grad(xp: Any, gh: Any, gc: Any, o: Any, tc: Any) -> Any:
    """Total gradient reaching c for h = o * tanh(c), given gh, gc and tc = tanh(c)."""
    gct = tc * tc
    xp.subtract(1, gct, out=gct)
    gct *= o
    gct *= gh
    gct += gc
    return gct


def _output_state(xp: Any, c: Any, o: Any) -> tuple[Any, Any]:
    """(h, tanh(c)) for h = o * tanh(c); tanh(c) is saved for backward."""
    tc = xp.tanh(c)
    return tc * o, tc


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _pair(shape: tuple[int, ...], *avals: Any) -> tuple[Aval, Aval]:
    dtype = np.result_type(*(a.dtype for a in avals))
    return (shape, dtype), (shape, dtype)


# ---- LSTM step ----------------------------------------------------------------------------
def _lstm_from_preactivations(xp, z, c):
    """(h', c', gates, tanh(c')) from the preactivations z (n, 4H) = [i, f, g, o] (activated
    in place) and the previous cell state c (n, H)."""
    H = c.shape[1]
    fused = fused_cells.lstm_forward(xp, z, c)
    if fused is not None:
        h2, c2, tc = fused
        return h2, c2, z, tc
    z = _activate(xp, z, "ssts", out=z)
    c2 = z[:, :H] * z[:, 2 * H:3 * H]
    c2 += z[:, H:2 * H] * c
    h2, tc = _output_state(xp, c2, z[:, 3 * H:])
    return h2, c2, z, tc


def _lstm_preactivation_grads(xp, gys, ys, c):
    """(d preactivations (n, 4H), d c) of an LSTM step from its output gradients."""
    (gh, gc), (_, _, z, tc) = gys, ys
    fused = fused_cells.lstm_backward(xp, gh, gc, z, tc, c)
    if fused is not None:
        return fused
    H = c.shape[1]
    i, f, g, o = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
    gct = _cell_state_grad(xp, gh, gc, o, tc)
    dz = xp.empty_like(z)
    xp.multiply(gct, g, out=dz[:, :H])
    xp.multiply(gct, c, out=dz[:, H:2 * H])
    xp.multiply(gct, i, out=dz[:, 2 * H:3 * H])
    xp.multiply(gh, tc, out=dz[:, 3 * H:])
    dz *= _slope(xp, z, "ssts")
    gct *= f
    return dz, gct


def _lstm_cell(xp, x, h, c, W, U, b):
    """LSTM step (gates i, f, g, o as PyTorch): x (n, D), h, c (n, H), W (D, 4H), U (H, 4H),
    b (4H,) -> (h', c')"""
    z = x @ W
    z += h @ U
    z += b
    return _lstm_from_preactivations(xp, z, c)


def _lstm_cell_backward(xp, gys, ys, x, h, c, W, U, b):
    dz, gc = _lstm_preactivation_grads(xp, gys, ys, c)
    return (matmul_transposed(xp, dz, W), matmul_transposed(xp, dz, U), gc, LowRankGrad(x, dz),
            LowRankGrad(h, dz), dz.sum(axis=0))


def _lstm_cell_infer(x, h, c, W, U, b):
    _check(len(x.shape) == 2 and len(h.shape) == 2 and tuple(c.shape) == tuple(h.shape)
           and x.shape[0] == h.shape[0],
           f"expected x (n, D), h and c (n, H), got {tuple(x.shape)}, {tuple(h.shape)}, "
           f"{tuple(c.shape)}")
    n, H = h.shape
    _check(tuple(W.shape) == (x.shape[1], 4 * H) and tuple(U.shape) == (H, 4 * H)
           and tuple(b.shape) == (4 * H,),
           f"expected W ({x.shape[1]}, {4 * H}), U ({H}, {4 * H}), b ({4 * H},), got "
           f"{tuple(W.shape)}, {tuple(U.shape)}, {tuple(b.shape)}")
    return _pair((n, H), x, h, c, W, U, b)


def _lstm_cell_example(rng):
    n, D, H = 3, 4, 2
    return [rng.standard_normal((n, D)), rng.standard_normal((n, H)), rng.standard_normal((n, H)),
            0.5 * rng.standard_normal((D, 4 * H)), 0.5 * rng.standard_normal((H, 4 * H)),
            0.5 * rng.standard_normal(4 * H)], {}


LSTM_CELL = defop("lstm_cell", _lstm_cell, _lstm_cell_backward, _lstm_cell_infer,
                  BatchRule("rows", shared=(3, 4, 5)), _lstm_cell_example, outputs=2, saves=2)


def _lstm_step(xp, gx, h, c, U):
    """LSTM step from the input's precomputed share of the preactivations gx = x W + b
    (n, 4H): z = gx + h @ U; h, c (n, H), U (H, 4H) -> (h', c')"""
    z = h @ U
    z += gx
    return _lstm_from_preactivations(xp, z, c)


def _lstm_step_backward(xp, gys, ys, gx, h, c, U):
    dz, gc = _lstm_preactivation_grads(xp, gys, ys, c)
    return dz, matmul_transposed(xp, dz, U), gc, LowRankGrad(h, dz)


def _lstm_step_infer(gx, h, c, U):
    _check(len(h.shape) == 2 and tuple(c.shape) == tuple(h.shape)
           and tuple(gx.shape) == (h.shape[0], 4 * h.shape[1])
           and tuple(U.shape) == (h.shape[1], 4 * h.shape[1]),
           f"expected gx (n, 4H), h and c (n, H), U (H, 4H), got {tuple(gx.shape)}, "
           f"{tuple(h.shape)}, {tuple(c.shape)}, {tuple(U.shape)}")
    return _pair(tuple(h.shape), gx, h, c, U)


LSTM_STEP = defop("lstm_step", _lstm_step, _lstm_step_backward, _lstm_step_infer,
                  BatchRule("rows", shared=(3,)),
                  lambda rng: ([rng.standard_normal((3, 8)), rng.standard_normal((3, 2)),
                                rng.standard_normal((3, 2)), 0.5 * rng.standard_normal((2, 8))],
                               {}), outputs=2, saves=2)


# ---- LSTM over whole sequences --------------------------------------------------------------
def _packing(lengths: tuple[int, ...], reverse: bool) -> tuple[np.ndarray, list[int]]:
    """Time-major packing of sequences joined end to end: (order, counts). Block t of `order`
    (counts[t] rows) holds the row of step t of every sequence still running, longest
    sequences first, so block t + 1 continues the first counts[t + 1] rows of block t. Step t
    of a sequence is its row t (its row len - 1 - t with `reverse`)."""
    sizes = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    longest = np.argsort(-sizes, kind="stable")
    sizes, starts = sizes[longest], starts[longest]
    steps = np.arange(int(sizes[0]) if len(sizes) else 0)[:, None]
    rows = starts + sizes - 1 - steps if reverse else starts + steps
    running = steps < sizes
    return rows[running], running.sum(axis=1).tolist()


def _lstm_sequence(xp, gx, U, lengths=None, reverse=False):
    """LSTM over whole sequences from zero states: gx (N, 4H) = x W + b of the rows of one
    sequence (or of several joined end to end, `lengths` rows each), U (H, 4H) -> h (N, H),
    step t's output in the row of its input; `reverse` runs each sequence last row first."""
    order, counts = _packing((len(gx),) if lengths is None else lengths, reverse)
    H = U.shape[0]
    z = gx[xp.asarray(order)]  # packed preactivations, activated in place step by step
    h, c, tc = (xp.empty((len(gx), H), dtype=z.dtype) for _ in range(3))
    start = previous = 0
    for n in counts:
        step, done = slice(start, start + n), slice(previous, previous + n)
        zt = z[step]
        if start:
            zt += h[done] @ U
        if fused_cells.lstm_forward(xp, zt, c[done] if start else None, h[step], c[step],
                                    tc[step]) is not None:
            previous, start = start, start + n
            continue
        _activate(xp, zt, "ssts", out=zt)
        ct = xp.multiply(zt[:, :H], zt[:, 2 * H:3 * H], out=c[step])
        if start:
            ct += zt[:, H:2 * H] * c[done]
        xp.tanh(ct, out=tc[step])
        xp.multiply(zt[:, 3 * H:], tc[step], out=h[step])
        previous, start = start, start + n
    out = xp.empty_like(h)
    out[xp.asarray(order)] = h
    return out, h, c, z, tc


def _lstm_sequence_backward(xp, gy, ys, gx, U, lengths=None, reverse=False):
    """Backpropagation through time over the packed steps, last step first: (d gx, d U), d U
    left factored as (h of each step's previous step)^T (d preactivations)."""
    _, h, c, z, tc = ys
    order, counts = _packing((len(gx),) if lengths is None else lengths, reverse)
    H = U.shape[0]
    index = xp.asarray(order)
    gh = gy[index]  # packed; step t's block also collects what step t + 1 sends back
    dz = xp.empty_like(z)
    gc = xp.zeros((counts[0] if counts else 0, H), dtype=z.dtype)
    starts = np.concatenate([[0], np.cumsum(counts)]).tolist()
    for t in range(len(counts) - 1, -1, -1):
        start, n = starts[t], counts[t]
        step = slice(start, start + n)
        zt, dzt = z[step], dz[step]
        done = slice(starts[t - 1], starts[t - 1] + n) if t else None
        if fused_cells.lstm_backward(xp, gh[step], gc[:n], zt, tc[step],
                                     c[done] if t else None, dzt, gc[:n]) is not None:
            if t:
                gh[done] += matmul_transposed(xp, dzt, U)
            continue
        i, f, g, o = zt[:, :H], zt[:, H:2 * H], zt[:, 2 * H:3 * H], zt[:, 3 * H:]
        gct = _cell_state_grad(xp, gh[step], gc[:n], o, tc[step])
        xp.multiply(gct, g, out=dzt[:, :H])
        xp.multiply(gct, i, out=dzt[:, 2 * H:3 * H])
        xp.multiply(gh[step], tc[step], out=dzt[:, 3 * H:])
        if t:
            xp.multiply(gct, c[done], out=dzt[:, H:2 * H])
        else:
            dzt[:, H:2 * H] = 0
        dzt *= _slope(xp, zt, "ssts")
        xp.multiply(gct, f, out=gc[:n])
        if t:
            gh[done] += matmul_transposed(xp, dzt, U)
    first = counts[0] if counts else 0
    previous = np.concatenate([np.arange(starts[t - 1], starts[t - 1] + counts[t])
                               for t in range(1, len(counts))] or [np.zeros(0, np.int64)])
    dgx = xp.empty_like(dz)
    dgx[index] = dz
    return dgx, LowRankGrad(h[xp.asarray(previous)], dz[first:])


def _lstm_sequence_infer(gx, U, lengths=None, reverse=False):
    _check(len(gx.shape) == 2 and len(U.shape) == 2 and tuple(gx.shape[1:]) == (4 * U.shape[0],)
           and tuple(U.shape) == (U.shape[0], 4 * U.shape[0]),
           f"expected gx (N, 4H) and U (H, 4H), got {tuple(gx.shape)}, {tuple(U.shape)}")
    _check(lengths is None or (sum(lengths) == gx.shape[0] and min(lengths, default=0) >= 0),
           f"lengths {lengths} do not add up to the {gx.shape[0]} rows of gx")
    return (gx.shape[0], U.shape[0]), np.result_type(gx.dtype, U.dtype)


LSTM_SEQUENCE = defop("lstm_sequence", _lstm_sequence, _lstm_sequence_backward,
                      _lstm_sequence_infer, BatchRule("rows", shared=(1,), sizes="lengths"),
                      lambda rng: ([rng.standard_normal((4, 8)), 0.5 * rng.standard_normal((2, 8))],
                                   {}), saves=4)


# ---- Tree-LSTM node gates (every Tree-LSTM op) -------------------------------------------
# z (n, (k + 3) H) holds the pre-activations [i, f_1 .. f_k, o, u] of nodes with k children:
# c = s(i) tanh(u) + sum_m s(f_m) c_m, h = s(o) tanh(c). The fused kernels take this layout.
def _tree_gates(xp, z, b, cs):
    """(h, c, tanh(c)) from z (activated in place, kept for backward), the bias b ((k+3) H,)
    or None, and the children's cell states cs (k arrays (n, H))."""
    k = len(cs)
    fused = fused_cells.forward(xp, z, xp.zeros(z.shape[1], z.dtype) if b is None else b, cs)
    if fused is not None:
        return fused
    H = z.shape[1] // (k + 3)
    if b is not None:
        z += b
    _activate(xp, z, "s" * (k + 2) + "t", out=z)
    c = z[:, :H] * z[:, (k + 2) * H:]
    for m, cm in enumerate(cs):
        c += z[:, (m + 1) * H:(m + 2) * H] * cm
    h, tc = _output_state(xp, c, z[:, (k + 1) * H:(k + 2) * H])
    return h, c, tc


def _tree_gates_backward(xp, gh, gc, z, tc, cs):
    """Gradients of `_tree_gates`: (d z (n, (k+3) H), the children's cell-state gradients,
    the bias gradient)."""
    k = len(cs)
    fused = fused_cells.backward(xp, gh, gc, z, tc, cs)
    if fused is not None:
        return fused
    H = z.shape[1] // (k + 3)
    gct = _cell_state_grad(xp, gh, gc, z[:, (k + 1) * H:(k + 2) * H], tc)
    dz = xp.empty_like(z)
    xp.multiply(gct, z[:, (k + 2) * H:], out=dz[:, :H])
    for m, cm in enumerate(cs):
        xp.multiply(gct, cm, out=dz[:, (m + 1) * H:(m + 2) * H])
    xp.multiply(gh, tc, out=dz[:, (k + 1) * H:(k + 2) * H])
    xp.multiply(gct, z[:, :H], out=dz[:, (k + 2) * H:])
    dz *= _slope(xp, z, "s" * (k + 2) + "t")
    gcs = tuple(gct * z[:, (m + 1) * H:(m + 2) * H] for m in range(k))
    return dz, gcs, dz.sum(axis=0)


# ---- Tree-LSTM leaf (Tai et al. constituency) ---------------------------------------------
def _tree_lstm_leaf(xp, x, W, b):
    """Tree-LSTM leaf from its input: [i, o, u] = x @ W + b (n, 3H);
    c = s(i) tanh(u), h = s(o) tanh(c)"""
    z = x @ W
    h, c, tc = _tree_gates(xp, z, b, ())
    return h, c, z, tc


def _tree_lstm_leaf_backward(xp, gys, ys, x, W, b):
    (gh, gc), (_, _, z, tc) = gys, ys
    dz, _, db = _tree_gates_backward(xp, gh, gc, z, tc, ())
    return matmul_transposed(xp, dz, W), LowRankGrad(x, dz), db


def _tree_lstm_leaf_infer(x, W, b):
    _check(len(x.shape) == 2 and len(W.shape) == 2 and W.shape[0] == x.shape[1]
           and W.shape[1] % 3 == 0 and tuple(b.shape) == (W.shape[1],),
           f"expected x (n, D), W (D, 3H), b (3H,), got {tuple(x.shape)}, {tuple(W.shape)}, "
           f"{tuple(b.shape)}")
    return _pair((x.shape[0], W.shape[1] // 3), x, W, b)


# the word projection is part of the op: one node per leaf
TREE_LSTM_LEAF = defop("tree_lstm_leaf", _tree_lstm_leaf, _tree_lstm_leaf_backward,
                       _tree_lstm_leaf_infer, BatchRule("rows", shared=(1, 2)),
                       lambda rng: ([rng.standard_normal((3, 4)),
                                     0.5 * rng.standard_normal((4, 6)),
                                     0.5 * rng.standard_normal(6)], {}), outputs=2, saves=2)


# ---- binary Tree-LSTM node (Tai et al. N-ary, N = 2) --------------------------------------
def _binary_tree_lstm(xp, hl, cl, hr, cr, U, b):
    """Binary Tree-LSTM node: z = [hl, hr] @ U + b = [i, fl, fr, o, u];
    c = s(i) tanh(u) + s(fl) cl + s(fr) cr, h = s(o) tanh(c)"""
    z = xp.concatenate((hl, hr), axis=1) @ U
    h, c, tc = _tree_gates(xp, z, b, (cl, cr))
    return h, c, z, tc


def _binary_tree_lstm_backward(xp, gys, ys, hl, cl, hr, cr, U, b):
    (gh, gc), (_, _, z, tc) = gys, ys
    H = hl.shape[1]
    dz, (gcl, gcr), db = _tree_gates_backward(xp, gh, gc, z, tc, (cl, cr))
    ghlr = matmul_transposed(xp, dz, U)
    hlr = xp.concatenate((hl, hr), axis=1)
    return ghlr[:, :H], gcl, ghlr[:, H:], gcr, LowRankGrad(hlr, dz), db


def _binary_tree_lstm_infer(hl, cl, hr, cr, U, b):
    shapes = {tuple(a.shape) for a in (hl, cl, hr, cr)}
    _check(len(shapes) == 1 and len(hl.shape) == 2,
           "expected hl, cl, hr, cr all (n, H), got " + ", ".join(
               str(tuple(a.shape)) for a in (hl, cl, hr, cr)))
    n, H = hl.shape
    _check(tuple(U.shape) == (2 * H, 5 * H) and tuple(b.shape) == (5 * H,),
           f"expected U ({2 * H}, {5 * H}) and b ({5 * H},), got {tuple(U.shape)}, "
           f"{tuple(b.shape)}")
    return _pair((n, H), hl, cl, hr, cr, U, b)


def _binary_tree_lstm_example(rng):
    n, H = 2, 3
    return [*(rng.standard_normal((n, H)) for _ in range(4)),
            0.5 * rng.standard_normal((2 * H, 5 * H)), 0.5 * rng.standard_normal(5 * H)], {}


BINARY_TREE_LSTM = defop("binary_tree_lstm", _binary_tree_lstm, _binary_tree_lstm_backward,
                         _binary_tree_lstm_infer, BatchRule("rows", shared=(4, 5)),
                         _binary_tree_lstm_example, outputs=2, saves=2)


# ---- child-sum Tree-LSTM node (Tai et al.) ------------------------------------------------
# The k children's states are 2k separate (n, H) arguments, not (n, k, H) tensors: under
# autobatch each is gathered straight from the rows its child wrote (one indexed copy per
# argument position, its gradient added back in one indexed add), with no stack node per
# tree node.
def _childsum_tree_lstm(xp, xw, U_iou, U_f, *states):
    """Child-sum Tree-LSTM node: xw (n, 4H) = input projection [iou, f], U_iou (H, 3H),
    U_f (H, H), then the children's states h_1..h_k, c_1..c_k (n, H) -> (h, c) each (n, H);
    k may be 0. The gates go to the [i, f_1..f_k, o, u] layout of the other Tree-LSTM ops."""
    k, n, H = len(states) // 2, xw.shape[0], U_f.shape[0]
    z = xp.empty((n, (k + 3) * H), dtype=xp.result_type(xw, U_iou, U_f, *states))
    if k:
        hs = xp.stack(states[:k])
        iou = hs.sum(axis=0) @ U_iou
        xp.add(iou[:, :H], xw[:, :H], out=z[:, :H])
        xp.add(iou[:, H:], xw[:, H:3 * H], out=z[:, (k + 1) * H:])
        f = (hs.reshape(k * n, H) @ U_f).reshape(k, n, H)
        xp.add(f.transpose(1, 0, 2), xw[:, None, 3 * H:],
               out=z.reshape(n, k + 3, H)[:, 1:k + 1])
    else:
        z[...] = xw[:, :3 * H]
    h, c, tc = _tree_gates(xp, z, None, states[k:])
    return h, c, z, tc


def _childsum_tree_lstm_backward(xp, gys, ys, xw, U_iou, U_f, *states):
    (gh, gc), (_, _, z, tc) = gys, ys
    k, n, H = len(states) // 2, xw.shape[0], U_f.shape[0]
    dz, gcs, _ = _tree_gates_backward(xp, gh, gc, z, tc, states[k:])
    diou = xp.concatenate((dz[:, :H], dz[:, (k + 1) * H:]), axis=1)  # [i, o, u]
    gxw = xp.empty((n, 4 * H), dtype=dz.dtype)
    gxw[:, :3 * H] = diou
    if k == 0:  # a leaf: no child, zero gradients for U_iou, U_f (factors of no rows)
        gxw[:, 3 * H:] = 0
        none = xp.empty((0, H), dtype=dz.dtype)
        return gxw, LowRankGrad(none, diou[:0]), LowRankGrad(none, none)
    df = dz.reshape(n, k + 3, H)[:, 1:k + 1]
    df.sum(axis=1, out=gxw[:, 3 * H:])
    df_rows = xp.ascontiguousarray(df.transpose(1, 0, 2)).reshape(k * n, H)
    hs = xp.stack(states[:k])
    ghs = matmul_transposed(xp, df_rows, U_f).reshape(k, n, H)
    ghs += matmul_transposed(xp, diou, U_iou)
    return (gxw, LowRankGrad(hs.sum(axis=0), diou), LowRankGrad(hs.reshape(k * n, H), df_rows),
            *ghs, *gcs)


def _childsum_tree_lstm_infer(xw, U_iou, U_f, *states):
    H = U_f.shape[0]
    _check(tuple(U_iou.shape) == (H, 3 * H) and tuple(U_f.shape) == (H, H),
           f"expected U_iou ({H}, {3 * H}) and U_f ({H}, {H}), got {tuple(U_iou.shape)} and "
           f"{tuple(U_f.shape)}")
    n = xw.shape[0]
    _check(tuple(xw.shape) == (n, 4 * H), f"expected xw ({n}, {4 * H}), got {tuple(xw.shape)}")
    _check(len(states) % 2 == 0, f"expected as many children's c as h, got {len(states)} "
                                 "states")
    shapes = {tuple(s.shape) for s in states}
    _check(shapes <= {(n, H)}, f"expected children's states ({n}, {H}), got "
                               f"{sorted(shapes)}")
    return _pair((n, H), xw, U_iou, U_f, *states)


def _childsum_tree_lstm_example(rng):
    n, k, H = 2, 3, 2
    return [rng.standard_normal((n, 4 * H)), 0.5 * rng.standard_normal((H, 3 * H)),
            0.5 * rng.standard_normal((H, H)),
            *(rng.standard_normal((n, H)) for _ in range(2 * k))], {}


CHILDSUM_TREE_LSTM = defop("childsum_tree_lstm", _childsum_tree_lstm,
                           _childsum_tree_lstm_backward, _childsum_tree_lstm_infer,
                           BatchRule("rows", shared=(1, 2)), _childsum_tree_lstm_example,
                           outputs=2, saves=2)


# ---- public functions ---------------------------------------------------------------------
def lstm_cell(x: Tensor, h: Tensor, c: Tensor, W: Tensor, U: Tensor,
              b: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step as one op: x (n, D), h, c (n, H), W (D, 4H), U (H, 4H), b (4H,) -> (h', c').

    z = x @ W + h @ U + b split into gates i, f, g, o (PyTorch's order);
    c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c').
    """
    return apply(LSTM_CELL, x, h, c, W, U, b)


def lstm_step(gx: Tensor, h: Tensor, c: Tensor, U: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step from the input's precomputed share of the gates, as one op: gx = x @ W + b
    (n, 4H), computed for many steps at once; h, c (n, H), U (H, 4H) -> (h', c').

    Equals lstm_cell(x, h, c, W, U, b) (up to rounding) with z = gx + h @ U.
    """
    return apply(LSTM_STEP, gx, h, c, U)


def lstm_sequence(gx: Tensor, U: Tensor, *, lengths: tuple[int, ...] | None = None,
                  reverse: bool = False) -> Tensor:
    """An LSTM over a whole sequence from zero states, as one op: gx = x @ W + b (T, 4H) of its
    T steps, U (H, 4H) -> h (T, H), row t the output of step t (`reverse`: steps run from the
    last row to the first). `lengths` runs several sequences joined end to end at once.

    Equals lstm_step applied row by row. Under autobatch the sequences of a group run as one
    packed recurrence (each step one matmul over every sequence still running)."""
    return apply(LSTM_SEQUENCE, gx, U, lengths=lengths, reverse=reverse)


def tree_lstm_leaf(x: Tensor, W: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Tree-LSTM leaf as one op: x (n, D) (the word), W (D, 3H), b (3H,) -> (h, c), each (n, H).

    [i, o, u] = x @ W + b; c = sigmoid(i) tanh(u), h = sigmoid(o) tanh(c).
    """
    return apply(TREE_LSTM_LEAF, x, W, b)


def binary_tree_lstm(hl: Tensor, cl: Tensor, hr: Tensor, cr: Tensor, U: Tensor,
                     b: Tensor) -> tuple[Tensor, Tensor]:
    """Binary Tree-LSTM node (Tai et al. 2015, N-ary with N = 2) as one op -> (h, c).

    hl, cl, hr, cr (n, H), U (2H, 5H), b (5H,): z = [hl, hr] @ U + b split into i, fl, fr, o, u;
    c = sigmoid(i) tanh(u) + sigmoid(fl) cl + sigmoid(fr) cr, h = sigmoid(o) tanh(c).
    """
    return apply(BINARY_TREE_LSTM, hl, cl, hr, cr, U, b)


def childsum_tree_lstm(xw: Tensor, hs: Sequence[Tensor] | Tensor, cs: Sequence[Tensor] | Tensor,
                       U_iou: Tensor, U_f: Tensor) -> tuple[Tensor, Tensor]:
    """Child-sum Tree-LSTM node (Tai et al. 2015) as one op -> (h, c), each (n, H).

    xw (n, 4H): the node's input projection [W_iou x + b_iou, W_f x + b_f]; hs, cs: its k
    children's states, as lists of k tensors (n, H) (empty at a leaf) or tensors (n, k, H);
    U_iou (H, 3H), U_f (H, H).
    [i, o, u] = xw[:, :3H] + (sum_k hs_k) @ U_iou; f_k = sigmoid(xw[:, 3H:] + hs_k @ U_f);
    c = sigmoid(i) tanh(u) + sum_k f_k cs_k, h = sigmoid(o) tanh(c).
    """
    hs, cs = _each_child(hs), _each_child(cs)
    if len(hs) != len(cs):
        raise ValueError(f"childsum_tree_lstm: {len(hs)} children's h but {len(cs)} c")
    return apply(CHILDSUM_TREE_LSTM, xw, U_iou, U_f, *hs, *cs)


def _each_child(states: Sequence[Tensor] | Tensor) -> Sequence[Tensor]:
    """Children's states as k tensors (n, H): a list as it is, a tensor (n, k, H) cut (the op
    takes each child's rows as an argument of its own)."""
    if isinstance(states, Tensor):
        return [states[:, j] for j in range(states.shape[1])]
    return states
