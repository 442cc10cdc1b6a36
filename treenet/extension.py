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
    return ffi.from_buffer(f"{ctype}[]", array)
