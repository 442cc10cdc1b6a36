"""Fused GPU kernels (cupy) for the elementwise part of Tree-LSTM and LSTM cells: the GPU side
of `treenet.ops.fused_cells`, with the same layouts and formulas, except that the sigmoid is
1 / (1 + e^-x) in float64 too (the CPU's float64 kernel keeps the numpy path's tanh form).

On a GPU each cupy call costs a kernel launch and some microseconds of Python; the numpy-style
path runs a cell's bias, activations and state updates as a dozen of them, forward and
backward. Each kernel here does one thread per (row, column) of the states: it activates that
column of every gate (writing the gates back into z for backward) and computes c, tanh(c) and
h — one launch; backward writes the gates' gradient and the children's cell-state gradients in
one launch (plus one reduction for the bias gradient). Compiled by cupy on first use and
cached per (kind, number of children); TREENET_FUSED_KERNELS=0 turns them off, and the generic
ops (the reference in tests/gpu) run instead.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

ENABLED = os.environ.get("TREENET_FUSED_KERNELS", "1") != "0"

def _sigmoid(x: str) -> str:
    """CUDA source of the logistic function of the expression `x` (of type T)."""
    return f"T(1) / (T(1) + exp(-({x})))"


@cache
def _tree_forward(k: int) -> Any:
    """z (rows, (k+3) H) = [i, f_1..f_k, o, u] pre-activations, b ((k+3) H,), children's cell
    states c_m (rows, H) -> h, c, tanh(c) (rows, H); z is activated in place (so it is an
    output: a kernel's inputs are read-only)."""
    import cupy

    children = "".join(f", raw T c{m}" for m in range(k))
    lines = [
        "const ptrdiff_t r = i / H, j = i % H, row = r * (K + 3) * H;",
        "T a; ptrdiff_t q;",
    ]

    def gate(block: int, activation: str, name: str) -> None:
        lines.append(f"q = row + {block} * H + j; a = z[q] + b[{block} * H + j];")
        lines.append(f"const T {name} = {activation}; z[q] = {name};")

    gate(0, _sigmoid("a"), "gi")
    gate(k + 1, _sigmoid("a"), "go")
    gate(k + 2, "tanh(a)", "gu")
    lines.append("T s = gi * gu;")
    for m in range(k):
        gate(m + 1, _sigmoid("a"), f"f{m}")
        lines.append(f"s += f{m} * c{m}[r * H + j];")
    lines.append("const T t = tanh(s); c = s; tc = t; h = go * t;")
    return cupy.ElementwiseKernel(
        f"raw T b{children}, int64 H", "raw T z, T h, T c, T tc",
        f"const ptrdiff_t K = {k};\n" + "\n".join(lines), f"treenet_tree_lstm_forward_{k}")


@cache
def _tree_backward(k: int) -> Any:
    """Gradients of `_tree_forward` from gh, gc (rows, H), the activated gates z and tanh(c):
    dz (rows, (k+3) H) and the children's cell-state gradients g_m (rows, H)."""
    import cupy

    children = "".join(f", raw T c{m}" for m in range(k))
    grads = "".join(f", T g{m}" for m in range(k))
    lines = [
        "const ptrdiff_t r = i / H, j = i % H, row = r * (K + 3) * H;",
        "const T gi = z[row + j], go = z[row + (K + 1) * H + j], gu = z[row + (K + 2) * H + j];",
        "const T g = gh * go * (T(1) - tc * tc) + gc;",
        "dz[row + j] = g * gu * (gi * (T(1) - gi));",
        "dz[row + (K + 1) * H + j] = gh * tc * (go * (T(1) - go));",
        "dz[row + (K + 2) * H + j] = g * gi * (T(1) - gu * gu);",
    ]
    for m in range(k):
        lines.append(f"const T f{m} = z[row + {m + 1} * H + j];")
        lines.append(f"dz[row + {m + 1} * H + j] = g * c{m}[r * H + j] * (f{m} * (T(1) - f{m}));")
        lines.append(f"g{m} = g * f{m};")
    return cupy.ElementwiseKernel(
        f"T gh, T gc, T tc, raw T z{children}, int64 H", f"raw T dz{grads}",
        f"const ptrdiff_t K = {k};\n" + "\n".join(lines), f"treenet_tree_lstm_backward_{k}")


@cache
def _lstm_forward(has_previous: bool) -> Any:
    """An LSTM step: z (rows, 4H) = [i, f, g, o] with the bias in, activated in place (an
    output: inputs are read-only), and the previous cell state cp -> h, c, tanh(c)."""
    import cupy

    previous = ", raw T cp" if has_previous else ""
    keep = " + gf * cp[r * H + j]" if has_previous else ""
    return cupy.ElementwiseKernel(
        f"int64 H{previous}", "raw T z, T h, T c, T tc",
        f"""
        const ptrdiff_t r = i / H, j = i % H, row = r * 4 * H;
        const T gi = {_sigmoid("z[row + j]")}, gf = {_sigmoid("z[row + H + j]")};
        const T gg = tanh(z[row + 2 * H + j]), go = {_sigmoid("z[row + 3 * H + j]")};
        z[row + j] = gi; z[row + H + j] = gf; z[row + 2 * H + j] = gg; z[row + 3 * H + j] = go;
        const T s = gi * gg{keep};
        const T t = tanh(s); c = s; tc = t; h = go * t;
        """, f"treenet_lstm_forward_{int(has_previous)}")


@cache
def _lstm_backward(has_previous: bool) -> Any:
    """Gradients of `_lstm_forward`: dz (rows, 4H; the f block 0 without cp) and the previous
    cell state's gradient gp (rows, H)."""
    import cupy

    previous = ", raw T cp" if has_previous else ""
    df = "gct * cp[r * H + j] * (gf * (T(1) - gf))" if has_previous else "T(0)"
    return cupy.ElementwiseKernel(
        f"T gh, T gc, T tc, raw T z{previous}, int64 H", "raw T dz, T gp",
        f"""
        const ptrdiff_t r = i / H, j = i % H, row = r * 4 * H;
        const T gi = z[row + j], gf = z[row + H + j], gg = z[row + 2 * H + j];
        const T go = z[row + 3 * H + j];
        const T gct = gh * go * (T(1) - tc * tc) + gc;
        dz[row + j] = gct * gg * (gi * (T(1) - gi));
        dz[row + H + j] = {df};
        dz[row + 2 * H + j] = gct * gi * (T(1) - gg * gg);
        dz[row + 3 * H + j] = gh * tc * (go * (T(1) - go));
        gp = gct * gf;
        """, f"treenet_lstm_backward_{int(has_previous)}")


def _usable(xp: Any, dtype: Any) -> bool:
    return ENABLED and dtype.kind == "f" and dtype.itemsize in (4, 8) and hasattr(
        xp, "ElementwiseKernel")


def forward(xp: Any, z: Any, b: Any, children: tuple[Any, ...]) -> tuple[Any, Any, Any] | None:
    """fused_cells.forward on the GPU (z C-contiguous, activated in place), or None."""
    if not _usable(xp, z.dtype) or not z.flags.c_contiguous:
        return None
    rows, H = z.shape[0], z.shape[1] // (len(children) + 3)
    children = tuple(xp.ascontiguousarray(c, dtype=z.dtype) for c in children)
    h, c, tc = (xp.empty((rows, H), z.dtype) for _ in range(3))
    _tree_forward(len(children))(xp.ascontiguousarray(b, dtype=z.dtype), *children, H,
                                 z, h, c, tc)
    return h, c, tc


def backward(xp: Any, gh: Any, gc: Any, z: Any, tc: Any,
             children: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...], Any] | None:
    """fused_cells.backward on the GPU, or None."""
    if not _usable(xp, z.dtype):
        return None
    dtype = z.dtype
    rows, width = z.shape
    H = width // (len(children) + 3)
    z = xp.ascontiguousarray(z)
    children = tuple(xp.ascontiguousarray(c, dtype=dtype) for c in children)
    dz = xp.empty((rows, width), dtype)
    gcs = tuple(xp.empty((rows, H), dtype) for _ in children)
    _tree_backward(len(children))(gh, gc, tc, z, *children, H, dz, *gcs)
    return dz, gcs, dz.sum(axis=0)


def lstm_forward(xp: Any, z: Any, cp: Any, h: Any = None, c: Any = None,
                 tc: Any = None) -> tuple[Any, Any, Any] | None:
    """fused_cells.lstm_forward on the GPU, or None."""
    if not _usable(xp, z.dtype) or not z.flags.c_contiguous:
        return None
    rows, H = z.shape[0], z.shape[1] // 4
    h, c, tc = (xp.empty((rows, H), z.dtype) if a is None else a for a in (h, c, tc))
    previous = () if cp is None else (xp.ascontiguousarray(cp, dtype=z.dtype),)
    _lstm_forward(cp is not None)(H, *previous, z, h, c, tc)
    return h, c, tc


def lstm_backward(xp: Any, gh: Any, gc: Any, z: Any, tc: Any, cp: Any, dz: Any = None,
                  gprev: Any = None) -> tuple[Any, Any] | None:
    """fused_cells.lstm_backward on the GPU, or None (gprev may be gc itself: each thread
    reads its element of gc before it writes gprev's)."""
    if not _usable(xp, z.dtype):
        return None
    dtype = z.dtype
    rows, H = z.shape[0], z.shape[1] // 4
    z = xp.ascontiguousarray(z)
    dz = xp.empty((rows, 4 * H), dtype) if dz is None else dz
    gprev = xp.empty((rows, H), dtype) if gprev is None else gprev
    previous = () if cp is None else (xp.ascontiguousarray(cp, dtype=dtype),)
    _lstm_backward(cp is not None)(gh, gc, tc, z, *previous, H, dz, gprev)
    return dz, gprev
