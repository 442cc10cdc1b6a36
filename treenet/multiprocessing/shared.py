"""Tensors and module parameters in POSIX shared memory, handed to other processes without copies.

`share_memory_(model)` moves every parameter's array into one `SharedMemory` block (in place:
the Parameter objects stay, their `.data` now lives in the block). A forked child inherits the
mapping; a spawned child (or one that receives the model through a multiprocessing queue) gets a
small handle per tensor — block name, offset, shape, strides, dtype — and maps the same block
again, so writes in any process are seen by all. The creating process owns each block: it
unlinks the name at `release()` or at exit (the resource tracker does it if the owner crashes);
other processes only map it. Every process keeps its mapping until it exits, and the memory is
freed once the name is unlinked and the last mapping is gone.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.reduction import ForkingPickler
from typing import Any, TypeVar

import numpy as np

from treenet.nn.module import Module
from treenet.nn.parameter import Parameter
from treenet.tensor.backend import CPU
from treenet.tensor.tensor import Tensor

_ALIGN = 64  # bytes; each array in a block starts on a cache line


@dataclass(frozen=True)
class SharedHandle:
    """Where a shared array lives: block name, byte offset, shape, strides (bytes), dtype.

    Picklable with plain `pickle`; `open()` maps the block in this process (once) and returns a
    numpy view of the same memory.
    """

    block: str
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str

    def open(self) -> np.ndarray:
        """A numpy array over the shared memory (no copy)."""
        block = _BLOCKS.get(self.block) or _Block.attach(self.block)
        return np.ndarray(self.shape, np.dtype(self.dtype), buffer=block.shm.buf,
                          offset=self.offset, strides=self.strides)


class _Block:
    """One mapped SharedMemory block in this process; `owner` is the pid that created it."""

    def __init__(self, shm: shared_memory.SharedMemory, owner: int | None) -> None:
        self.shm = shm
        self.owner = owner
        self.address = np.frombuffer(shm.buf, np.uint8).ctypes.data
        _BLOCKS[shm.name] = self

    @classmethod
    def attach(cls, name: str) -> _Block:
        # Processes started by the owner (fork, spawn, forkserver) share its resource tracker,
        # where this second registration of the name is a no-op; only the owner unlinks. (An
        # unrelated process would get its own tracker, which unlinks the block when it exits.)
        return cls(shared_memory.SharedMemory(name=name), owner=None)

    def contains(self, array: np.ndarray) -> bool:
        start = array.ctypes.data
        spans = [(n - 1) * s for n, s in zip(array.shape, array.strides, strict=True)]
        low = start + sum(d for d in spans if d < 0)
        high = start + sum(d for d in spans if d > 0) + array.itemsize
        return self.address <= low and high <= self.address + self.shm.size

    def unlink(self) -> None:
        if self.owner == os.getpid():  # a forked child inherits the table but owns nothing
            self.owner = None
            self.shm.unlink()


_BLOCKS: dict[str, _Block] = {}  # name -> block mapped in this process (kept until exit)

T = TypeVar("T", bound=Tensor | Module | Iterable[Tensor])


def _tensors(obj: Tensor | Module | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, Module):
        return list(obj.parameters())
    return list(obj)


def handle_of(tensor: Tensor) -> SharedHandle | None:
    """The tensor's shared-memory handle, or None when its data is not in a shared block."""
    array = tensor.data
    if not isinstance(array, np.ndarray) or array.size == 0:
        return None
    for name, block in _BLOCKS.items():
        if block.contains(array):
            return SharedHandle(name, array.ctypes.data - block.address, array.shape,
                                array.strides, array.dtype.str)
    return None


def is_shared(tensor: Tensor) -> bool:
    """Whether the tensor's data lives in a shared-memory block."""
    return handle_of(tensor) is not None


def share_memory_(obj: T) -> T:
    """Move the data of a tensor, of a module's parameters, or of some tensors into shared memory.

    In place, one block for all of them; tensors already shared (and empty ones) are left as
    they are. Values, shapes, dtypes and `requires_grad` are kept; CPU tensors only. Returns obj.
    """
    tensors = [t for t in _tensors(obj) if t.size and not is_shared(t)]
    for t in tensors:
        if t.backend is not CPU:
            raise TypeError(f"share_memory_: shared memory holds CPU tensors; got a "
                            f"{t.device} tensor of shape {t.shape}")
    if not tensors:
        return obj
    offsets, total = [], 0
    for t in tensors:
        offsets.append(total)
        total += -(-t.data.nbytes // _ALIGN) * _ALIGN
    block = _Block(shared_memory.SharedMemory(create=True, size=total), owner=os.getpid())
    for t, offset in zip(tensors, offsets, strict=True):
        array = np.ndarray(t.shape, t.dtype, buffer=block.shm.buf, offset=offset)
        array[...] = t.data
        t.data = array
    return obj


def release(obj: Tensor | Module | Iterable[Tensor] | None = None) -> None:
    """Unlink the blocks this process created holding obj's tensors (all of them when None).

    Arrays already mapped (here or in workers) stay valid; no new process can attach.
    """
    if obj is None:
        blocks = list(_BLOCKS.values())
    else:
        names = {h.block for h in map(handle_of, _tensors(obj)) if h is not None}
        blocks = [_BLOCKS[name] for name in names]
    for block in blocks:
        block.unlink()


atexit.register(release)


# ---- multiprocessing pickling: shared tensors travel as handles ------------------------------
def _rebuild_shared(cls: type, handle: SharedHandle, requires_grad: bool) -> Tensor:
    return cls(handle.open(), requires_grad)


def _rebuild_copy(cls: type, array: Any, requires_grad: bool) -> Tensor:
    return cls(array, requires_grad)


def _reduce_tensor(tensor: Tensor) -> tuple[Any, tuple[Any, ...]]:
    """A tensor sent to another process keeps its values and requires_grad, not its graph or
    gradient; a shared one travels as its handle (the child maps the same memory)."""
    handle = handle_of(tensor)
    if handle is None:
        return _rebuild_copy, (type(tensor), tensor.data, tensor.requires_grad)
    return _rebuild_shared, (type(tensor), handle, tensor.requires_grad)


for _cls in (Tensor, Parameter):
    ForkingPickler.register(_cls, _reduce_tensor)
