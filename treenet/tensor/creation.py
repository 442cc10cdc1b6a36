"""Creating tensors: from Python data, numpy, DLPack, constants, ranges and random draws."""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.tensor.backend import CPU, get_backend
from treenet.tensor.random import generator
from treenet.tensor.tensor import Tensor

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

Shape = int | tuple[int, ...] | list[int]


def _default_dtype(array: np.ndarray) -> np.dtype:
    """torch's defaults for Python data: floats -> float32, ints -> int64."""
    if array.dtype.kind == "f":
        return float32
    if array.dtype.kind in "iu":
        return int64
    return array.dtype


def _place(array: Any, device: str | None, requires_grad: bool) -> Tensor:
    backend = get_backend(device)
    if backend is not CPU:
        array = backend.xp.asarray(array)
    if requires_grad and array.dtype.kind not in "fc":
        raise TypeError(f"only floating-point tensors can require grad, got dtype {array.dtype}")
    return Tensor(array, requires_grad=requires_grad)


def tensor(data: Any, dtype: Any = None, device: str | None = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (nested lists, scalars, arrays or tensors)."""
    if isinstance(data, Tensor):
        data = np.asarray(data)
    if isinstance(data, np.ndarray | np.generic):
        array = np.array(data, dtype=dtype)
    else:
        array = np.array(data)
        array = array.astype(dtype if dtype is not None else _default_dtype(array), copy=False)
    return _place(array, device, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with `array` (mutating one shows in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def from_dlpack(obj: Any) -> Tensor:
    """A tensor sharing memory with any DLPack producer (numpy, torch, cupy, ...)."""
    device_type, _ = obj.__dlpack_device__()
    if device_type == 1:  # kDLCPU
        return Tensor(np.from_dlpack(obj))
    return Tensor(get_backend("cuda").xp.from_dlpack(obj))


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape: Shape, dtype: Any = float32, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    return _place(np.zeros(_shape(shape), dtype=dtype), device, requires_grad)


def ones(*shape: Shape, dtype: Any = float32, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    return _place(np.ones(_shape(shape), dtype=dtype), device, requires_grad)


def full(shape: Shape, fill_value: float, dtype: Any = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    array = np.full(shape, fill_value)
    array = array.astype(dtype if dtype is not None else _default_dtype(array), copy=False)
    return _place(array, device, requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           device: str | None = None) -> Tensor:
    array = np.arange(start, stop, step) if stop is not None else np.arange(start)
    array = array.astype(dtype if dtype is not None else _default_dtype(array))
    return _place(array, device, False)


def randn(*shape: Shape, dtype: Any = float32, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal draws from the global generator (see manual_seed)."""
    array = generator().standard_normal(_shape(shape)).astype(dtype)
    return _place(array, device, requires_grad)


def rand(*shape: Shape, dtype: Any = float32, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) draws from the global generator."""
    array = generator().random(_shape(shape)).astype(dtype)
    return _place(array, device, requires_grad)


def randint(low: int, high: int, size: Shape, dtype: Any = int64,
            device: str | None = None) -> Tensor:
    """Integers in [low, high) from the global generator."""
    return _place(generator().integers(low, high, size=size).astype(dtype), device, False)
