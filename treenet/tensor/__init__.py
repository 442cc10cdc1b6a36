"""Tensors over numpy/cupy arrays: storage, devices, creation and randomness."""

from treenet.tensor.backend import CPU, Backend, DeviceError, backend_of, get_backend
from treenet.tensor.creation import (
    arange,
    bool_,
    float16,
    float32,
    float64,
    from_dlpack,
    from_numpy,
    full,
    int32,
    int64,
    ones,
    rand,
    randint,
    randn,
    tensor,
    zeros,
)
from treenet.tensor.random import generator, get_rng_state, manual_seed, set_rng_state
from treenet.tensor.tensor import Tensor

__all__ = [
    "CPU", "Backend", "DeviceError", "Tensor", "arange", "backend_of", "bool_", "float16",
    "float32", "float64", "from_dlpack", "from_numpy", "full", "generator", "get_backend",
    "get_rng_state", "int32", "int64", "manual_seed", "ones", "rand", "randint", "randn",
    "set_rng_state", "tensor", "zeros",
]
