"""The Tensor type: an n-d array on a backend (numpy or cupy) plus its place in the autograd graph.

Arithmetic, indexing and reductions are attached as methods by `treenet.ops.methods`, so this
module holds only storage, conversion and metadata.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from treenet.tensor.backend import CPU, backend_of, get_backend


class Tensor:
    """An array with optional gradient tracking.

    `grad` holds the accumulated gradient of a leaf (a Tensor, or a `RowSparseGrad` for
    embedding tables with sparse updates). `_node` is the autograd node that produced this
    tensor (None for leaves and constants) and `_index` which of its outputs this is. Under
    `treenet.autobatch()` `_data` is None until the value is computed; reading `.data`
    computes it.
    """

    __slots__ = ("_data", "grad", "requires_grad", "_node", "_index", "__weakref__")
    __array_priority__ = 1000  # numpy defers `ndarray + Tensor` to Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, _node: Any = None,
                 _index: int = 0) -> None:
        self._data = data
        self.grad = None
        self.requires_grad = requires_grad
        self._node = _node
        self._index = _index

    # ---- storage -------------------------------------------------------------------------
    @property
    def data(self) -> Any:
        """The underlying numpy/cupy array (computed first if pending under autobatch)."""
        data = self._data
        if data is None:
            data = self._data = self._node.value(self._index)
        return data

    @data.setter
    def data(self, array: Any) -> None:
        """Replace the underlying array (no graph recording), like torch's `t.data = ...`."""
        self._data = array

    @property
    def shape(self) -> tuple[int, ...]:
        data = self._data
        return data.shape if data is not None else self._node.avals[self._index][0]

    @property
    def dtype(self) -> np.dtype:
        data = self._data
        return data.dtype if data is not None else self._node.avals[self._index][1]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def backend(self):
        return backend_of(self._data) if self._data is not None else self._node.backend

    @property
    def device(self) -> str:
        return self.backend.name

    @property
    def is_leaf(self) -> bool:
        return self._node is None or not self.requires_grad

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __hash__(self) -> int:
        return id(self)

    # ---- conversion ----------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a numpy array, sharing memory (CPU tensors only)."""
        data = self.data
        if self.backend is not CPU:
            raise TypeError("numpy() of a CUDA tensor: call .cpu() first (a host copy)")
        return data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        data = self.data
        if self.backend is not CPU:
            data = data.get()
        if dtype is not None and data.dtype != dtype:
            return data.astype(dtype)
        return data.copy() if copy else data

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def to(self, device: str) -> Tensor:
        """A copy on `device` ('cpu' or 'cuda'); self when already there. Not differentiable."""
        target = get_backend(device)
        if target is self.backend:
            return self
        data = self.data
        moved = data.get() if target is CPU else target.xp.asarray(data)
        return Tensor(moved, requires_grad=self.requires_grad)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.data.__dlpack_device__()

    # ---- graph ---------------------------------------------------------------------------
    def detach(self) -> Tensor:
        """The same data, cut from the graph (no gradient flows through it)."""
        return Tensor(self.data)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self

    @property
    def grad_fn(self) -> str | None:
        """Name of the op that produced this tensor (None for leaves)."""
        return None if self._node is None else self._node.op.name

    def __repr__(self) -> str:
        if self._data is None:
            return f"tensor(<pending {self._node.op.name}>, shape={self.shape}, dtype={self.dtype})"
        body = np.array2string(np.asarray(self), separator=", ", prefix="tensor(")
        extras = []
        if self.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._node is not None and self.requires_grad:
            extras.append(f"grad_fn={self._node.op.name}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"
