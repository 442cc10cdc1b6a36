"""Matrix products."""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.autograd.engine import apply
from treenet.autograd.op import BatchRule, defop
from treenet.autograd.sparse import LowRankGrad
from treenet.ops.elementwise import as_tensor
from treenet.tensor.tensor import Tensor


def matmul_transposed(xp: Any, a: Any, w: Any) -> Any:
    """a @ w.T for a (..., k) and a 2-D weight w (m, k) -> (..., m), as backward passes need it.

    numpy's OpenBLAS multiplies a 2-D block of 8 to 128 rows by a transposed matrix 1.2-1.9x
    slower than the same product taken as (w @ a.T).T (float32, 1 and 2 threads, on this
    project's CPU: docs/batching.md, "Kernels"; float64 runs about as fast either way, and
    takes the same path so that float64 gradient checks cover it), and a batched backward of
    a cell is made of such blocks; other sizes, and other array libraries, take the direct
    product. The result may be a transposed (Fortran-ordered) array."""
    if xp is np and a.ndim == 2 and 8 <= a.shape[0] <= 128:
        return (w @ a.T).T
    return a @ w.T


def _matmul(xp, a, b):
    """a @ b with numpy's matmul rules (1-D operands, broadcast batch axes)"""
    return xp.matmul(a, b)


def _matmul_backward(xp, gy, y, a, b):
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    if a.ndim == 1:
        gy = xp.expand_dims(gy, -2)
    if b.ndim == 1:
        gy = xp.expand_dims(gy, -1)
    ga = (matmul_transposed(xp, gy, b2) if b2.ndim == 2
          else xp.matmul(gy, xp.swapaxes(b2, -1, -2)))
    gb = xp.matmul(xp.swapaxes(a2, -1, -2), gy)
    if a.ndim == 1:
        ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:])
    if b.ndim == 1:
        gb = gb.reshape(gb.shape[:-1])
    return ga, gb


def _matmul_infer(a, b):
    sa, sb = tuple(a.shape), tuple(b.shape)
    if not sa or not sb:
        raise ValueError("matmul does not accept 0-d operands")
    a2 = (1, *sa) if len(sa) == 1 else sa
    b2 = (*sb, 1) if len(sb) == 1 else sb
    if a2[-1] != b2[-2]:
        raise ValueError(f"inner dimensions differ: {a2[-1]} (of {sa}) vs {b2[-2]} (of {sb})")
    batch = np.broadcast_shapes(a2[:-2], b2[:-2])
    shape = batch + (a2[-2] if len(sa) > 1 else None, b2[-1] if len(sb) > 1 else None)
    return tuple(n for n in shape if n is not None), np.result_type(a.dtype, b.dtype)


# rows of `a` are independent when `b` is one shared matrix (x @ W with a parameter W)
MATMUL = defop("matmul", _matmul, _matmul_backward, _matmul_infer,
               BatchRule("rows", shared=(1,), row_ndim=2),
               lambda rng: ([rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5))], {}))


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product a @ b: (..., n, k) @ (..., k, m) -> (..., n, m); 1-D operands as numpy."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = as_tensor(a)
    return apply(MATMUL, a, b)


def _linear(xp, x, W, b):
    """x @ W + b fused: (..., in) @ (in, out) + (out,) -> (..., out)"""
    y = xp.matmul(x, W)
    y += b
    return y


def _linear_backward(xp, gy, y, x, W, b):
    rows_x = x.reshape(-1, x.shape[-1])
    rows_gy = gy.reshape(-1, gy.shape[-1])
    return matmul_transposed(xp, gy, W), LowRankGrad(rows_x, rows_gy), rows_gy.sum(axis=0)


def _linear_infer(x, W, b):
    if len(x.shape) < 1 or len(W.shape) != 2 or tuple(b.shape) != tuple(W.shape[1:]) or (
            x.shape[-1] != W.shape[0]):
        raise ValueError(f"expected x (..., in), W (in, out), b (out,), got {tuple(x.shape)}, "
                         f"{tuple(W.shape)}, {tuple(b.shape)}")
    return tuple(x.shape[:-1]) + (W.shape[1],), np.result_type(x.dtype, W.dtype, b.dtype)


# one node per layer application; rows of x are independent, W and b are shared parameters
LINEAR = defop("linear", _linear, _linear_backward, _linear_infer,
               BatchRule("rows", shared=(1, 2), row_ndim=2),
               lambda rng: ([rng.standard_normal((3, 4)), rng.standard_normal((4, 5)),
                             rng.standard_normal(5)], {}))


def linear(x: Tensor, W: Tensor, b: Tensor | None = None) -> Tensor:
    """x @ W + b as one op: x (..., in), W (in, out), b (out,) -> (..., out)."""
    if b is None:
        return matmul(x, W)
    return apply(LINEAR, x, W, b)
