"""treenet: neural networks whose shape follows each input.

Tensors over numpy (CPU) or cupy (GPU), define-by-run reverse-mode autograd, and (inside
`treenet.autobatch()`) on-the-fly batching of per-example code.
"""

from treenet import autograd, data, nn, optim
from treenet.autograd import (
    Function,
    RowSparseGrad,
    ShapeError,
    detect_anomaly,
    enable_grad,
    gradcheck,
    no_grad,
    set_grad_enabled,
)
from treenet.batching import autobatch
from treenet.ops import *  # noqa: F403  (numpy-named ops: add, matmul, tanh, sum, ...)
from treenet.ops import __all__ as _ops_all
from treenet.serialization import CheckpointError, load, load_metadata, save
from treenet.tensor import (
    DeviceError,
    Tensor,
    arange,
    bool_,
    float16,
    float32,
    float64,
    from_dlpack,
    from_numpy,
    full,
    get_rng_state,
    int32,
    int64,
    manual_seed,
    ones,
    rand,
    randint,
    randn,
    set_rng_state,
    tensor,
    zeros,
)

__version__ = "0.1.0"

__all__ = [
    *_ops_all, "CheckpointError", "DeviceError", "Function", "RowSparseGrad", "ShapeError",
    "Tensor", "arange", "autobatch", "autograd", "bool_", "data", "detect_anomaly",
    "enable_grad", "float16", "float32", "float64", "from_dlpack", "from_numpy", "full",
    "get_rng_state", "gradcheck", "int32", "int64", "load", "load_metadata", "manual_seed", "nn",
    "no_grad", "ones", "optim", "rand", "randint", "randn", "save", "set_grad_enabled",
    "set_rng_state", "tensor", "zeros",
]
