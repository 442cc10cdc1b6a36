"""Fused C updates for optimizers (optional; the optimizer's numpy `_update` otherwise).

Adagrad's update is seven numpy passes over a parameter and its squared-gradient sum; for a
row-sparse gradient the touched rows are also gathered and scattered back. The kernel below
makes one pass, in place, over the whole parameter or over the touched rows of a table, with
the numpy code's operations in the numpy code's order (no contraction into fused
multiply-adds), so it gives the same bits. Built like the fused cell kernels
(`treenet.extension.LazyKernels`: on first use, cached per machine, TREENET_FUSED_KERNELS=0
turns it off).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from treenet.extension import LazyKernels, buffer

_CDEF = """
void adagrad_f32(float *p, float *s, const float *g, const int64_t *rows, long k, long width,
                 float lr, float eps, float wd);
void adagrad_f64(double *p, double *s, const double *g, const int64_t *rows, long k,
                 long width, double lr, double eps, double wd);
"""

# $T is the C type, $S the suffix, $SQRT its square root. rows == NULL: one block of `width`
# values (a dense parameter); else row rows[r] of a (V, width) table takes gradient row r
_SOURCE = string.Template(r"""
void adagrad_$S($T *restrict p, $T *restrict s, const $T *restrict g, const int64_t *rows,
                long k, long width, $T lr, $T eps, $T wd) {
    for (long r = 0; r < k; r++) {
        const long base = rows ? rows[r] * width : 0;
        $T *restrict pr = p + base, *restrict sr = s + base;
        const $T *restrict gr = g + r * width;
        if (wd != 0) {
            for (long j = 0; j < width; j++) {
                const $T d = wd * pr[j], gj = gr[j] + d, sq = gj * gj;
                sr[j] = sr[j] + sq;
                const $T q = gj / ($SQRT(sr[j]) + eps);
                pr[j] = pr[j] - q * lr;
            }
        } else {
            for (long j = 0; j < width; j++) {
                const $T gj = gr[j], sq = gj * gj;
                sr[j] = sr[j] + sq;
                const $T q = gj / ($SQRT(sr[j]) + eps);
                pr[j] = pr[j] - q * lr;
            }
        }
    }
}
""")

_TYPES = {np.dtype(np.float32): ("float", "f32", "sqrtf"),
          np.dtype(np.float64): ("double", "f64", "sqrt")}

_HEADERS = "#include <math.h>\n#include <stdint.h>\n"
KERNELS = LazyKernels("adagrad_kernels", _CDEF, _HEADERS + "".join(
    _SOURCE.substitute(T=ctype, S=suffix, SQRT=sqrt) for ctype, suffix, sqrt in _TYPES.values()))


def adagrad(param: Any, total: Any, grad: Any, rows: Any, lr: float, eps: float,
            weight_decay: float) -> bool:
    """Adagrad's step in place on `param` and its squared-gradient sum `total` (both
    C-contiguous numpy arrays of one float dtype): the whole arrays from a dense `grad`, or
    the table rows `rows` (distinct, int64) from `grad` (len(rows), *row). False when the
    kernel does not apply (other arrays, kernels off): nothing was changed."""
    dtype = param.dtype
    if (type(param) is not np.ndarray or dtype not in _TYPES or total.dtype != dtype
            or grad.dtype != dtype or not (param.flags.c_contiguous and total.flags.c_contiguous)):
        return False
    built = KERNELS.get()
    if built is None:
        return False
    ffi, lib = built
    grad = np.ascontiguousarray(grad)
    if rows is None:
        k, width, index = 1, param.size, ffi.NULL
    else:
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        k, width = len(rows), grad[0].size if len(rows) else 0
        index = ffi.from_buffer("int64_t[]", rows)
    getattr(lib, "adagrad_" + _TYPES[dtype][1])(
        buffer(ffi, param), buffer(ffi, total), buffer(ffi, grad), index, k, width,
        lr, eps, weight_decay)
    return True
