"""Fused C updates for optimizers (optional; the optimizer's numpy `_update` otherwise).

Adagrad's update is seven numpy passes over a parameter and its squared-gradient sum; for a
row-sparse gradient the repeated rows are also summed (`coalesce`) and the touched rows
gathered and scattered back. The kernel below makes one pass, in place, over the whole
parameter or over the touched rows of a table (summing repeated rows on the way), with the
numpy code's operations in the numpy code's order (no contraction into fused multiply-adds),
so it gives the same bits. Built like the fused cell kernels
(`treenet.extension.LazyKernels`: on first use, cached per machine, TREENET_FUSED_KERNELS=0
turns it off).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from treenet.autograd.sparse import RowSparseGrad
from treenet.extension import C_TYPES, FLOAT_SUFFIXES, LazyKernels, buffer

_CDEF = """
void adagrad_f32(float *p, float *s, const float *g, const int64_t *ids, const int64_t *order,
                 long n, long width, float lr, float eps, float wd, float *acc);
void adagrad_f64(double *p, double *s, const double *g, const int64_t *ids,
                 const int64_t *order, long n, long width, double lr, double eps, double wd,
                 double *acc);
"""

# $T is the C type, $S the suffix, $SQRT its square root.
# ids == NULL: a dense parameter, g holds its `width` gradient values (n = 1). Else g holds n
# gradient rows of a (V, width) table, row order[r] for table row ids[r] (ids sorted): each
# run of equal ids is summed into acc first, left to right (as RowSparseGrad.coalesce sums).
_SOURCE = string.Template(r"""
static void adagrad_row_$S($T *restrict pr, $T *restrict sr, const $T *restrict gr,
                           long width, $T lr, $T eps, $T wd) {
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

void adagrad_$S($T *p, $T *s, const $T *g, const int64_t *ids, const int64_t *order, long n,
                long width, $T lr, $T eps, $T wd, $T *restrict acc) {
    if (!ids) {
        adagrad_row_$S(p, s, g, width, lr, eps, wd);
        return;
    }
    for (long r = 0; r < n;) {
        const int64_t row = ids[r];
        const $T *restrict first = g + order[r] * width;
        for (long j = 0; j < width; j++) acc[j] = first[j];
        for (r++; r < n && ids[r] == row; r++) {
            const $T *restrict more = g + order[r] * width;
            for (long j = 0; j < width; j++) acc[j] = acc[j] + more[j];
        }
        adagrad_row_$S(p + row * width, s + row * width, acc, width, lr, eps, wd);
    }
}
""")

_HEADERS = "#include <math.h>\n#include <stdint.h>\n"
KERNELS = LazyKernels("adagrad_kernels", _CDEF, _HEADERS + "".join(
    _SOURCE.substitute(T=C_TYPES[dtype], S=suffix, SQRT="sqrtf" if suffix == "f32" else "sqrt")
    for dtype, suffix in FLOAT_SUFFIXES.items()))


def adagrad(param: Any, total: Any, grad: Any, lr: float, eps: float,
            weight_decay: float) -> bool:
    """Adagrad's step in place on `param` and its squared-gradient sum `total` (both
    C-contiguous numpy arrays of one float dtype) from `grad`: an array like `param`, or a
    RowSparseGrad, whose repeated rows are summed as `coalesce` sums them and whose touched
    rows alone are updated. False when the kernel does not apply (other arrays, kernels
    off): nothing was changed."""
    dtype = param.dtype
    values = grad.values if isinstance(grad, RowSparseGrad) else grad
    if (type(param) is not np.ndarray or dtype not in FLOAT_SUFFIXES or total.dtype != dtype
            or values.dtype != dtype or type(values) is not np.ndarray
            or not (param.flags.c_contiguous and total.flags.c_contiguous)):
        return False
    built = KERNELS.get()
    if built is None:
        return False
    ffi, lib = built
    values = np.ascontiguousarray(values)
    if isinstance(grad, RowSparseGrad):
        order = np.argsort(grad.indices, kind="stable")
        ids = np.ascontiguousarray(grad.indices[order], dtype=np.int64)
        n, width = len(ids), param[0].size
        acc = np.empty(width, dtype)
        sparse = (ffi.from_buffer("int64_t[]", ids), ffi.from_buffer("int64_t[]", order),
                  n, width)
    else:
        acc = np.empty(0, dtype)
        sparse = (ffi.NULL, ffi.NULL, 1, param.size)
    getattr(lib, "adagrad_" + FLOAT_SUFFIXES[dtype])(
        buffer(ffi, param), buffer(ffi, total), buffer(ffi, values), *sparse, lr, eps,
        weight_decay, buffer(ffi, acc))
    return True
