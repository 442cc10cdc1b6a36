"""Array backends: which array module (numpy or cupy) holds a tensor's data, and device names.

Ops receive the backend's `xp` and never branch on the device themselves. A backend may offer
faster kernels for named ops in `kernels`; the executor uses one when present, else the generic op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from treenet._optional import require


class DeviceError(RuntimeError):
    """A device is unavailable, or one op mixes tensors from different devices."""


class Backend:
    """An array module plus the device it computes on."""

    __slots__ = ("name", "xp", "array_type", "kernels")

    def __init__(self, name: str, xp: Any, array_type: type) -> None:
        self.name = name
        self.xp = xp
        self.array_type = array_type
        self.kernels: dict[str, Callable[..., Any]] = {}

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


CPU = Backend("cpu", np, np.ndarray)
BACKEND_BY_ARRAY_TYPE: dict[type, Backend] = {np.ndarray: CPU}
_cuda: Backend | None = None


def cuda_backend() -> Backend:
    """The cupy backend; raises DeviceError when cupy or a GPU is missing."""
    global _cuda
    if _cuda is None:
        cupy = require("cupy", "device='cuda'")
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # cupy raises its own CUDARuntimeError without a driver
            raise DeviceError(f"device='cuda': no usable CUDA device ({exc})") from exc
        if count == 0:
            raise DeviceError("device='cuda': cupy is installed but no CUDA device is visible")
        _cuda = Backend("cuda", cupy, cupy.ndarray)
        BACKEND_BY_ARRAY_TYPE[cupy.ndarray] = _cuda
    return _cuda


def get_backend(device: str | None) -> Backend:
    """Backend for a device name: None or 'cpu' -> numpy, 'cuda' / 'cuda:N' -> cupy."""
    if device is None or device == "cpu":
        return CPU
    if isinstance(device, str) and (device == "cuda" or device.startswith("cuda:")):
        return cuda_backend()
    raise DeviceError(f"unknown device {device!r}: use 'cpu' or 'cuda'")


def backend_of(array: Any) -> Backend:
    """Backend owning `array` (numpy or cupy ndarray)."""
    backend = BACKEND_BY_ARRAY_TYPE.get(type(array))
    if backend is None:
        raise TypeError(f"expected a numpy or cupy array, got {type(array).__name__}")
    return backend
