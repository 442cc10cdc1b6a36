"""A treenet op written in C: softsign(x) = x / (1 + |x|), built with cffi, run eager and batched.

    python examples/c_extension/softsign.py

softsign.c holds the kernels (float32 and float64); `compile_c` builds them once (cached by
content) and `Softsign` registers the op: forward/backward hand numpy buffers to C without
copies, `batch_rule = ELEMENTWISE` lets `treenet.autobatch()` run many calls as one kernel, and
`infer` gives the output's shape and dtype at the call. Needs cffi and a C compiler.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import treenet as tn
from treenet.autograd.op import ELEMENTWISE
from treenet.extension import c_array, compile_c

CDEF = """
void softsign_forward_f32(const float *x, float *y, size_t n);
void softsign_backward_f32(const float *x, const float *gy, float *gx, size_t n);
void softsign_forward_f64(const double *x, double *y, size_t n);
void softsign_backward_f64(const double *x, const double *gy, double *gx, size_t n);
"""
SOURCE = (Path(__file__).with_name("softsign.c")).read_text()
_SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}
_built: tuple[Any, Any] | None = None


def kernels(build_dir: str | Path | None = None) -> tuple[Any, Any]:
    """cffi's (ffi, lib) for softsign.c, compiled on first use (into `build_dir`, default the
    treenet cache) and kept for the process."""
    global _built
    if _built is None:
        _built = compile_c("treenet_softsign", CDEF, SOURCE, build_dir=build_dir,
                           extra_compile_args=["-O3"])
    return _built


def _call(kernel: str, *arrays: Any) -> Any:
    """Run a C kernel on C-contiguous copies (or the arrays themselves) into a new output."""
    ffi, lib = kernels()
    arrays = [np.ascontiguousarray(a) for a in arrays]
    out = np.empty_like(arrays[0])
    getattr(lib, f"{kernel}_{_SUFFIX[out.dtype]}")(*(c_array(ffi, a) for a in arrays),
                                                   c_array(ffi, out), out.size)
    return out


class Softsign(tn.Function):
    """softsign(x) = x / (1 + |x|), elementwise; float32 or float64 numpy arrays."""

    batch_rule = ELEMENTWISE

    @staticmethod
    def forward(xp: Any, x: Any) -> Any:
        return _call("softsign_forward", x)

    @staticmethod
    def backward(xp: Any, gy: Any, y: Any, x: Any) -> tuple[Any]:
        return (_call("softsign_backward", x, gy.astype(x.dtype, copy=False)),)

    @staticmethod
    def infer(x: Any) -> tuple[tuple[int, ...], Any]:
        if np.dtype(x.dtype) not in _SUFFIX:
            raise ValueError(f"softsign: float32 or float64 input needed, got {x.dtype}")
        return tuple(x.shape), np.dtype(x.dtype)

    @staticmethod
    def example(rng: Any) -> tuple[list[Any], dict[str, Any]]:
        return [rng.uniform(0.2, 2.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))], {}


def softsign(x: tn.Tensor) -> tn.Tensor:
    """softsign(x): (...) -> (...), same dtype."""
    return Softsign.apply(x)


def numpy_softsign(x: np.ndarray) -> np.ndarray:
    """The numpy definition the C kernels are checked against."""
    return x / (1 + np.abs(x))


def main() -> None:
    tn.manual_seed(0)
    x = tn.randn(4, 5, dtype=tn.float64, requires_grad=True)
    print("matches numpy:", np.allclose(softsign(x).numpy(), numpy_softsign(x.numpy())))
    print("gradcheck:", tn.gradcheck(softsign, [x]))

    W = tn.randn(5, 5, requires_grad=True)
    rows = [tn.randn(1, 5) for _ in range(100)]
    with tn.autobatch() as batch:                       # 100 calls, one C kernel launch
        total = tn.stack([softsign(r @ W).sum() for r in rows]).sum()
        total.backward()
    print(f"autobatch: {batch.profile.nodes_by_op[Softsign.op.name]} softsign calls in "
          f"{batch.profile.launches_by_op[Softsign.op.name]} launch(es), sum {total.item():.4f}")

    big = np.random.default_rng(0).standard_normal(1_000_000)
    for name, fn in (("C", lambda: Softsign.forward(np, big)),
                     ("numpy", lambda: numpy_softsign(big))):
        seconds = min(_timed(fn) for _ in range(5))
        print(f"{name:5s} forward of 1M doubles: {seconds * 1e3:.2f} ms (best of 5)")


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
