"""Fused C kernels for the elementwise part of Tree-LSTM and LSTM cells (optional; numpy
otherwise).

For the cell sizes of tree models, the gates' elementwise work (5 x hidden values per node,
forward and backward) costs about as much as the cell's matrix product when numpy runs it as
a dozen passes over memory. These kernels make one pass per row: bias, gate activations,
cell and output states in forward; the gates' gradient, the children's cell-state gradients
and the bias gradient in backward. The matrix products stay numpy's.

Layout (Tai et al.): z = x @ W (rows, (k + 3) H) holds the gates [i, f_1 .. f_k, o, u] of a
node with k children (k = 0: a constituency leaf; k = 2: the binary cell; any k: the
child-sum cell, which arranges its gates so); sigmoid gates are
computed as 1 / (1 + e^-x) in float32 and as 0.5 tanh(x / 2) + 0.5 (the numpy path's
formula) in float64. An LSTM step's z (rows, 4H) holds PyTorch's [i, f, g, o] with the bias
already added. float32 uses its own vectorizable exp and tanh, within a few ulps everywhere
like numpy's (near 1 too: a saturated gate's slope y (1 - y) must not lose its digits),
float64 the C library's.

Built with cffi on first use (`treenet.extension.compile_c`, cached per machine) and used for
numpy float32/float64 arrays when cffi and a C compiler are there; `KERNELS.status()` says
whether they are, and TREENET_FUSED_KERNELS=0 turns them off. cupy arrays take the GPU
kernels of `treenet.ops.cuda_cells` (same layouts and formulas).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from treenet.extension import C_TYPES, FLOAT_SUFFIXES, LazyKernels, buffer
from treenet.ops import cuda_cells

_CDEF = """
void tree_lstm_forward_f32(float *z, const float *b, const float **cs, long k, float *h,
                           float *c, float *tc, long rows, long H);
void tree_lstm_forward_f64(double *z, const double *b, const double **cs, long k, double *h,
                           double *c, double *tc, long rows, long H);
void tree_lstm_backward_f32(const float *gh, const float *gc, const float *z, const float *tc,
                            const float **cs, long k, float *dz, float **gcs, float *db,
                            float *g, long rows, long H);
void tree_lstm_backward_f64(const double *gh, const double *gc, const double *z,
                            const double *tc, const double **cs, long k, double *dz,
                            double **gcs, double *db, double *g, long rows, long H);
void lstm_forward_f32(float *z, const float *cp, float *h, float *c, float *tc, long rows,
                      long H);
void lstm_forward_f64(double *z, const double *cp, double *h, double *c, double *tc,
                      long rows, long H);
void lstm_backward_f32(const float *gh, float *gc, const float *z, const float *tc,
                       const float *cp, float *dz, long rows, long H);
void lstm_backward_f64(const double *gh, double *gc, const double *z, const double *tc,
                       const double *cp, double *dz, long rows, long H);
"""

_TANH = r"""
#include <math.h>
#include <stdint.h>
/* exp(x) in float for |x| <= 87 (Cephes' expf: x = n ln2 + r, a degree-5 polynomial for
   e^r, n added to the exponent bits), within ~1 ulp; written without branches or calls so
   that gcc vectorizes loops over it */
static inline float exp_f32(float x) {
    x = x > 87.0f ? 87.0f : x;
    x = x < -87.0f ? -87.0f : x;
    /* n = round(x / ln2), by the 1.5 * 2^23 trick: float adds only */
    const float fn = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    const int32_t n = (int32_t)fn;
    const float r = (x - fn * 0.693359375f) + fn * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = (p * (r * r) + r) + 1.0f;
    union { int32_t bits; float value; } scale = { .bits = (n + 127) << 23 };
    return y * scale.value;
}
/* tanh in float, within ~1 ulp of the true value over the whole line (so 1 - |tanh| stays
   accurate where gates saturate): Eigen's 13/6 rational approximation near 0, where it is
   accurate relative to x, and 1 - 2 / (e^2|x| + 1) with the sign of x elsewhere */
static inline float tanh_f32(float x) {
    const float a = fabsf(x);
    const float small = a < 0.625f ? x : 0.625f;
    const float x2 = small * small;
    float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
    p = x2 * p + -8.60467152213735e-11f;
    p = x2 * p + 5.12229709037114e-08f;
    p = x2 * p + 1.48572235717979e-05f;
    p = x2 * p + 6.37261928875436e-04f;
    p = x2 * p + 4.89352455891786e-03f;
    float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
    q = x2 * q + 2.26843463243900e-03f;
    q = x2 * q + 4.89352518554385e-03f;
    const float near0 = small * p / q;
    const float far = 1.0f - 2.0f / (exp_f32(2.0f * a) + 1.0f);
    return a < 0.625f ? near0 : (x < 0 ? -far : far);
}
/* the logistic sigmoid: 1 / (1 + e^-x) in float (accurate at both tails, where the numpy
   path's 0.5 tanh(x / 2) + 0.5 loses digits towards 0), the numpy path's formula in double */
static inline float sigmoid_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }
static inline double tanh_f64(double x) { return tanh(x); }
static inline double sigmoid_f64(double x) { return 0.5 * tanh(0.5 * x) + 0.5; }
"""

# one definition per dtype: $T is the C type, $S the suffix
_KERNELS = string.Template(r"""
void tree_lstm_forward_$S($T *restrict z, const $T *restrict b, const $T **cs, long k,
                         $T *restrict h, $T *restrict c, $T *restrict tc, long rows, long H) {
    const long width = (k + 3) * H, sigmoids = (k + 2) * H;
    for (long r = 0; r < rows; r++) {
        $T *restrict zr = z + r * width;
        $T *restrict cr = c + r * H, *restrict hr = h + r * H, *restrict tr = tc + r * H;
        for (long j = 0; j < sigmoids; j++) zr[j] = sigmoid_$S(zr[j] + b[j]);
        for (long j = sigmoids; j < width; j++) zr[j] = tanh_$S(zr[j] + b[j]);
        const $T *restrict i = zr, *restrict o = zr + (k + 1) * H, *restrict u = zr + (k + 2) * H;
        for (long j = 0; j < H; j++) cr[j] = i[j] * u[j];
        for (long m = 0; m < k; m++) {
            const $T *restrict f = zr + (m + 1) * H, *restrict cm = cs[m] + r * H;
            for (long j = 0; j < H; j++) cr[j] += f[j] * cm[j];
        }
        for (long j = 0; j < H; j++) {
            $T t = tanh_$S(cr[j]);
            tr[j] = t;
            hr[j] = o[j] * t;
        }
    }
}

void tree_lstm_backward_$S(const $T *restrict gh, const $T *restrict gc, const $T *restrict z,
                          const $T *restrict tc, const $T **cs, long k, $T *restrict dz,
                          $T **gcs, $T *restrict db, $T *restrict g, long rows, long H) {
    const long width = (k + 3) * H;
    const $T one = 1;
    for (long j = 0; j < width; j++) db[j] = 0;
    for (long r = 0; r < rows; r++) {
        const $T *restrict zr = z + r * width;
        const $T *restrict i = zr, *restrict o = zr + (k + 1) * H, *restrict u = zr + (k + 2) * H;
        const $T *restrict ghr = gh + r * H, *restrict gcr = gc + r * H, *restrict tr = tc + r * H;
        $T *restrict dzr = dz + r * width;
        for (long j = 0; j < H; j++) g[j] = ghr[j] * o[j] * (one - tr[j] * tr[j]) + gcr[j];
        for (long j = 0; j < H; j++) {
            dzr[j] = g[j] * u[j] * (i[j] * (one - i[j]));
            dzr[(k + 1) * H + j] = ghr[j] * tr[j] * (o[j] * (one - o[j]));
            dzr[(k + 2) * H + j] = g[j] * i[j] * (one - u[j] * u[j]);
        }
        for (long m = 0; m < k; m++) {
            const $T *restrict f = zr + (m + 1) * H, *restrict cm = cs[m] + r * H;
            $T *restrict dzf = dzr + (m + 1) * H, *restrict gm = gcs[m] + r * H;
            for (long j = 0; j < H; j++) {
                dzf[j] = g[j] * cm[j] * (f[j] * (one - f[j]));
                gm[j] = g[j] * f[j];
            }
        }
        for (long j = 0; j < width; j++) db[j] += dzr[j];
    }
}

/* LSTM step, PyTorch's gates z = [i, f, g, o] (rows, 4H) with the bias already in; cp: the
   previous cell state, NULL for zeros (a sequence's first step) */
void lstm_forward_$S($T *restrict z, const $T *restrict cp, $T *restrict h, $T *restrict c,
                     $T *restrict tc, long rows, long H) {
    for (long r = 0; r < rows; r++) {
        $T *restrict zr = z + r * 4 * H;
        $T *restrict cr = c + r * H, *restrict hr = h + r * H, *restrict tr = tc + r * H;
        for (long j = 0; j < 2 * H; j++) zr[j] = sigmoid_$S(zr[j]);
        for (long j = 2 * H; j < 3 * H; j++) zr[j] = tanh_$S(zr[j]);
        for (long j = 3 * H; j < 4 * H; j++) zr[j] = sigmoid_$S(zr[j]);
        const $T *restrict i = zr, *restrict f = zr + H, *restrict g = zr + 2 * H,
            *restrict o = zr + 3 * H;
        for (long j = 0; j < H; j++) cr[j] = i[j] * g[j];
        if (cp)
            for (long j = 0; j < H; j++) cr[j] += f[j] * cp[r * H + j];
        for (long j = 0; j < H; j++) {
            $T t = tanh_$S(cr[j]);
            tr[j] = t;
            hr[j] = o[j] * t;
        }
    }
}

/* its gradients: gc (rows, H) holds the cell state's gradient and is overwritten with the
   previous cell state's; dz gets the gates' (the f block is 0 when cp is NULL) */
void lstm_backward_$S(const $T *restrict gh, $T *gc, const $T *restrict z,
                      const $T *restrict tc, const $T *restrict cp, $T *restrict dz,
                      long rows, long H) {
    const $T one = 1;
    for (long r = 0; r < rows; r++) {
        const $T *restrict zr = z + r * 4 * H;
        const $T *restrict i = zr, *restrict f = zr + H, *restrict g = zr + 2 * H,
            *restrict o = zr + 3 * H;
        const $T *restrict ghr = gh + r * H, *restrict tr = tc + r * H;
        $T *gcr = gc + r * H;
        $T *restrict dzr = dz + r * 4 * H;
        for (long j = 0; j < H; j++) {
            const $T gct = ghr[j] * o[j] * (one - tr[j] * tr[j]) + gcr[j];
            dzr[j] = gct * g[j] * (i[j] * (one - i[j]));
            dzr[H + j] = cp ? gct * cp[r * H + j] * (f[j] * (one - f[j])) : 0;
            dzr[2 * H + j] = gct * i[j] * (one - g[j] * g[j]);
            dzr[3 * H + j] = ghr[j] * tr[j] * (o[j] * (one - o[j]));
            gcr[j] = gct * f[j];
        }
    }
}
""")

KERNELS = LazyKernels("tree_lstm_kernels", _CDEF, _TANH + "".join(
    _KERNELS.substitute(T=C_TYPES[dtype], S=suffix) for dtype, suffix in FLOAT_SUFFIXES.items()))


def _usable(xp: Any, dtype: Any) -> Any:
    if xp is not np or dtype not in FLOAT_SUFFIXES:
        return None
    return KERNELS.get()


def forward(xp: Any, z: Any, b: Any, children: tuple[Any, ...]) -> tuple[Any, Any, Any] | None:
    """Activate z = x @ W (rows, (k+3) H, C-contiguous, in place: the gates, for backward)
    with bias b ((k+3) H,) and the k children's cell states (rows, H) -> (h, c, tanh(c)),
    or None when the fused kernels do not apply (then the caller runs numpy)."""
    if xp is not np:
        return cuda_cells.forward(xp, z, b, children)
    built = _usable(xp, z.dtype)
    if built is None or not z.flags.c_contiguous:
        return None
    ffi, lib = built
    rows, H = z.shape[0], z.shape[1] // (len(children) + 3)
    children = tuple(np.ascontiguousarray(c, dtype=z.dtype) for c in children)
    h, c, tc = (np.empty((rows, H), z.dtype) for _ in range(3))
    suffix, ctype = FLOAT_SUFFIXES[z.dtype], C_TYPES[z.dtype]
    cs = ffi.new(f"const {ctype} *[]", [buffer(ffi, a) for a in children]) if children else ffi.NULL
    getattr(lib, f"tree_lstm_forward_{suffix}")(
        buffer(ffi, z), buffer(ffi, np.ascontiguousarray(b, dtype=z.dtype)), cs, len(children),
        buffer(ffi, h), buffer(ffi, c), buffer(ffi, tc), rows, H)
    return h, c, tc


def backward(xp: Any, gh: Any, gc: Any, z: Any, tc: Any,
             children: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...], Any] | None:
    """Gradients of a `forward`: from gh, gc (rows, H), the gates z and tanh(c) ->
    (dz (rows, (k+3) H), the children's cell-state gradients, the bias gradient), or None."""
    if xp is not np:
        return cuda_cells.backward(xp, gh, gc, z, tc, children)
    built = _usable(xp, z.dtype)
    if built is None:
        return None
    ffi, lib = built
    dtype = z.dtype
    rows, width = z.shape
    H = width // (len(children) + 3)
    gh, gc, z, tc = (np.ascontiguousarray(a, dtype=dtype) for a in (gh, gc, z, tc))
    children = tuple(np.ascontiguousarray(c, dtype=dtype) for c in children)
    dz = np.empty((rows, width), dtype)
    gcs = tuple(np.empty((rows, H), dtype) for _ in children)
    db = np.empty(width, dtype)
    scratch = np.empty(H, dtype)
    suffix, ctype = FLOAT_SUFFIXES[dtype], C_TYPES[dtype]
    cs = ffi.new(f"const {ctype} *[]", [buffer(ffi, a) for a in children]) if children else ffi.NULL
    gp = ffi.new(f"{ctype} *[]", [buffer(ffi, a) for a in gcs]) if gcs else ffi.NULL
    getattr(lib, f"tree_lstm_backward_{suffix}")(
        buffer(ffi, gh), buffer(ffi, gc), buffer(ffi, z), buffer(ffi, tc), cs, len(children),
        buffer(ffi, dz), gp, buffer(ffi, db), buffer(ffi, scratch), rows, H)
    return dz, gcs, db


def lstm_forward(xp: Any, z: Any, cp: Any, h: Any = None, c: Any = None,
                 tc: Any = None) -> tuple[Any, Any, Any] | None:
    """An LSTM step from its preactivations z (rows, 4H) = [i, f, g, o] with the bias in
    (C-contiguous; activated in place) and the previous cell state cp (rows, H; None: zeros)
    -> (h, c, tanh(c)), written into the given C-contiguous arrays or fresh ones; None when
    the fused kernels do not apply (nothing was written)."""
    if xp is not np:
        return cuda_cells.lstm_forward(xp, z, cp, h, c, tc)
    built = _usable(xp, z.dtype)
    if built is None or not z.flags.c_contiguous:
        return None
    ffi, lib = built
    rows, H = z.shape[0], z.shape[1] // 4
    h, c, tc = (np.empty((rows, H), z.dtype) if a is None else a for a in (h, c, tc))
    cp = ffi.NULL if cp is None else buffer(ffi, np.ascontiguousarray(cp, dtype=z.dtype))
    getattr(lib, "lstm_forward_" + FLOAT_SUFFIXES[z.dtype])(
        buffer(ffi, z), cp, buffer(ffi, h), buffer(ffi, c), buffer(ffi, tc), rows, H)
    return h, c, tc


def lstm_backward(xp: Any, gh: Any, gc: Any, z: Any, tc: Any, cp: Any, dz: Any = None,
                  gprev: Any = None) -> tuple[Any, Any] | None:
    """Gradients of `lstm_forward` from gh, gc (rows, H) -> (d z (rows, 4H), d cp), written
    into `dz` and `gprev` (C-contiguous; gprev may be gc itself) or fresh arrays; the f
    block of d z is 0 when cp is None. None when the fused kernels do not apply."""
    if xp is not np:
        return cuda_cells.lstm_backward(xp, gh, gc, z, tc, cp, dz, gprev)
    built = _usable(xp, z.dtype)
    if built is None:
        return None
    ffi, lib = built
    dtype = z.dtype
    rows, H = z.shape[0], z.shape[1] // 4
    gh, z, tc = (np.ascontiguousarray(a, dtype=dtype) for a in (gh, z, tc))
    dz = np.empty((rows, 4 * H), dtype) if dz is None else dz
    if gprev is None:
        gprev = np.array(gc, dtype=dtype)  # the kernel reads the gradient there, then overwrites
    elif gprev is not gc:
        np.copyto(gprev, gc)
    cp = ffi.NULL if cp is None else buffer(ffi, np.ascontiguousarray(cp, dtype=dtype))
    getattr(lib, "lstm_backward_" + FLOAT_SUFFIXES[dtype])(
        buffer(ffi, gh), buffer(ffi, gprev), buffer(ffi, z), buffer(ffi, tc), cp,
        buffer(ffi, dz), rows, H)
    return dz, gprev
