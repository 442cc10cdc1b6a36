"""C extensions for treenet ops: compile C source with cffi (API mode) and pass numpy buffers.

    ffi, lib = compile_c("softsign", CDEF, SOURCE)       # built once, cached by content
    lib.softsign_f64(c_array(ffi, x), c_array(ffi, y), x.size)

An op's `forward`/`backward` call such functions on C-contiguous numpy arrays (no copies), and
the op is registered like any other (a `treenet.autograd.Function` subclass with a batch rule and
`infer`), so it runs eagerly and under `treenet.autobatch()`. See examples/c_extension/.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from treenet._optional import require
from treenet.data.download import cache_dir

C_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double",
           np.dtype(np.int32): "int32_t", np.dtype(np.int64): "int64_t"}
FLOAT_SUFFIXES = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}
"""The name suffix of a float kernel's version for each dtype (`adagrad_f32`), in C_TYPES."""


def compile_c(name: str, cdef: str, source: str, *, build_dir: str | Path | None = None,
              extra_compile_args: Sequence[str] = ("-O2",)) -> tuple[Any, Any]:
    """Build C `source` exposing the declarations `cdef` and return cffi's `(ffi, lib)`.

    The compiled module is named `name` plus a hash of its inputs and kept in `build_dir`
    (default: the treenet cache, `~/.cache/treenet/cext`), so an unchanged source is compiled
    once per machine; needs cffi and a C compiler.
    """
    cffi = require("cffi", "treenet.extension.compile_c")
    key = "\0".join([cdef, source, *extra_compile_args, sys.version, cffi.__version__]).encode()
    module_name = f"{name}_{hashlib.sha256(key).hexdigest()[:16]}"
    if module_name in sys.modules:
        module = sys.modules[module_name]
        return module.ffi, module.lib
    folder = Path(build_dir) if build_dir is not None else cache_dir() / "cext"
    folder.mkdir(parents=True, exist_ok=True)
    built = [p for p in folder.glob(f"{module_name}.*") if p.suffix in (".so", ".pyd")]
    if not built:
        built = [_build(cffi, module_name, cdef, source, extra_compile_args, folder)]
    module = _load(module_name, built[0])
    return module.ffi, module.lib


def _build(cffi: ModuleType, module_name: str, cdef: str, source: str,
           extra_compile_args: Sequence[str], folder: Path) -> Path:
    """Compile in a private temporary folder, then move the library into place atomically."""
    ffi = cffi.FFI()
    ffi.cdef(cdef)
    ffi.set_source(module_name, source, extra_compile_args=list(extra_compile_args))
    scratch = tempfile.mkdtemp(prefix=f"{module_name}-", dir=folder)
    try:
        library = Path(ffi.compile(tmpdir=scratch, verbose=False))
        target = folder / library.name
        os.replace(library, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _load(module_name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[module_name] = module
    return module


def c_array(ffi: Any, array: Any) -> Any:
    """A typed C pointer (`double *`, `float *`, ...) to a C-contiguous numpy array's memory.

    No copy: the pointer is valid while `array` lives. Raises TypeError for non-numpy (e.g.
    cupy) arrays and unsupported dtypes, ValueError for non-contiguous arrays.
    """
    if not isinstance(array, np.ndarray):
        kind = f"{type(array).__module__}.{type(array).__name__}"
        raise TypeError(f"C extension ops take numpy (CPU) arrays, got {kind}")
    ctype = C_TYPES.get(array.dtype)
    if ctype is None:
        raise TypeError(f"no C type for dtype {array.dtype}; supported: "
                        f"{', '.join(str(d) for d in C_TYPES)}")
    if not array.flags.c_contiguous:
        raise ValueError("c_array needs a C-contiguous array (use numpy.ascontiguousarray)")
    return buffer(ffi, array)


def vectorizing_flags() -> list[str]:
    """Compiler flags for elementwise loops: -O3; -fno-trapping-math and -fno-math-errno,
    so gcc vectorizes loops with comparisons and square roots (neither changes a result);
    -ffp-contract=off, so a * b + c rounds as numpy rounds it; AVX2
    and FMA when this CPU has them (the flags are part of a build's cache key, so a build is
    never loaded on a CPU without them)."""
    flags = ["-O3", "-fno-trapping-math", "-fno-math-errno", "-ffp-contract=off"]
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy < 2
        features = {}
    if features.get("AVX2") and features.get("FMA3"):
        flags += ["-mavx2", "-mfma"]
    return flags


class LazyKernels:
    """C kernels that speed up a numpy computation, built on first use.

    `get()` returns cffi's `(ffi, lib)`, or None when they are turned off (`enabled`, from
    TREENET_FUSED_KERNELS=0) or cannot be built here (no cffi, no C compiler: `reason` says
    why); the caller then runs its numpy code.
    """

    def __init__(self, name: str, cdef: str, source: str) -> None:
        self.name = name
        self.cdef = cdef
        self.source = source
        self.enabled = os.environ.get("TREENET_FUSED_KERNELS", "1") != "0"
        self.reason = ""
        self._built: Any = None  # (ffi, lib), or False when building failed

    def get(self) -> tuple[Any, Any] | None:
        if not self.enabled:
            return None
        if self._built is None:
            try:
                self._built = compile_c(self.name, self.cdef, self.source,
                                        extra_compile_args=vectorizing_flags())
            except Exception as exc:  # no cffi, no compiler: numpy runs instead
                self._built = False
                self.reason = f"{type(exc).__name__}: {exc}"
        return self._built or None

    def status(self) -> str:
        """'on', or 'off (why)'; builds the kernels if they were not built yet."""
        if self.get() is not None:
            return "on"
        return f"off ({self.reason or 'TREENET_FUSED_KERNELS=0'})"


def buffer(ffi: Any, array: np.ndarray) -> Any:
    """A typed pointer to a C-contiguous numpy array of a C_TYPES dtype, without c_array's
    checks (for fast paths whose callers guarantee both)."""
    return ffi.from_buffer(C_TYPES[array.dtype] + "[]", array)
