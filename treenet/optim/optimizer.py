"""The Optimizer base: parameter groups, per-parameter state, row-sparse updates and state dicts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from treenet.autograd.sparse import RowSparseGrad
from treenet.tensor.backend import CPU, backend_of
from treenet.tensor.tensor import Tensor

Params = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Updates parameters in place from their `.grad`, with options per parameter group.

    `params` is an iterable of tensors, or of groups `{"params": tensors, **options}` whose
    missing options come from `defaults` (PyTorch's API). `state[p]` holds a per-parameter
    `"step"` count and buffers shaped like `p`.

    A `RowSparseGrad` (k touched rows of a (V, *row) table) is coalesced, then the touched rows of
    the parameter and of its buffers are gathered, updated by the same rule as a dense gradient,
    and scattered back: the cost is O(k), not O(V). Rows outside the gradient are not visited, so
    the result equals the dense update of the same gradient only when a zero gradient leaves a
    row and its buffers unchanged; `sparse_exact(group)` says whether that holds. Otherwise the
    update is lazy: weight decay and momentum act only on the touched rows.

    Tai et al. (2015) put L2 on the network and update the embeddings by plain SGD at their own
    rate: `Adagrad(net, lr=0.05, weight_decay=1e-4)` plus `SGD([emb], lr=0.1)`, or one optimizer
    with a group per rate, `SGD([{"params": net, "weight_decay": 1e-4}, {"params": [emb],
    "lr": 0.1}], lr=0.05)`; the embedding group is then sparse-exact.
    """

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add `{"params": tensors, **options}`; options it lacks come from the defaults."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameters must be Tensors, "
                                f"got {type(p).__name__}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params} | seen) != len(params) + len(seen):
            raise ValueError(f"{type(self).__name__}: a parameter appears twice in the groups")
        group = {**self.defaults, **group, "params": params}
        self._check(group)
        self.param_groups.append(group)

    def _check(self, group: dict[str, Any]) -> None:
        """Raise ValueError for invalid options in a group (subclasses extend)."""
        for name in ("lr", "eps", "weight_decay"):
            if name in group and not group[name] >= 0.0:
                raise ValueError(f"{type(self).__name__}: {name} must be >= 0, got {group[name]}")

    def zero_grad(self) -> None:
        """Drop every parameter's gradient (set `.grad` to None)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        """Update each parameter that has a gradient, in place on `p.data`."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._step_param(p, group)

    def _step_param(self, p: Tensor, group: dict[str, Any]) -> None:
        data = p.data
        xp = backend_of(data).xp
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {"step": 0, **self._init_buffers(xp, data, group)}
        state["step"] += 1
        buffers = {name: value for name, value in state.items() if name != "step"}
        grad = p.grad
        sparse = isinstance(grad, RowSparseGrad)
        if self._fused_update(data, grad if sparse else grad.data, buffers, group,
                              state["step"]):
            return
        if not sparse:
            self._update(xp, data, grad.data, buffers, group, state["step"])
            return
        grad = grad.coalesce()
        rows = grad.indices
        param_rows = data[rows]
        buffer_rows = {name: value[rows] for name, value in buffers.items()}
        self._update(xp, param_rows, grad.values, buffer_rows, group, state["step"])
        data[rows] = param_rows
        for name, value in buffer_rows.items():
            buffers[name][rows] = value

    def _init_buffers(self, xp: Any, data: Any, group: dict[str, Any]) -> dict[str, Any]:
        """Fresh state buffers (each shaped like `data`) for one parameter."""
        return {}

    def _update(self, xp: Any, param: Any, grad: Any, buffers: dict[str, Any],
                group: dict[str, Any], step: int) -> None:
        """Update `param` and `buffers` in place from `grad` (all the same shape); step >= 1.

        Called on whole arrays for dense gradients and on gathered rows for sparse ones. Must
        not modify `grad`.
        """
        raise NotImplementedError

    def _fused_update(self, param: Any, grad: Any, buffers: dict[str, Any],
                      group: dict[str, Any], step: int) -> bool:
        """The update of `param` and `buffers` from `grad` (an array, or a RowSparseGrad not
        yet coalesced) in one compiled pass, in place, giving `_update`'s bits, if this
        optimizer has such a kernel for these arrays; else False."""
        return False

    def sparse_exact(self, group: dict[str, Any]) -> bool:
        """Whether a row-sparse update equals the dense update of the same gradient for `group`."""
        return False

    # ---- checkpoints ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout, with host (numpy) copies of the buffers.

        {"state": {index: {"step": int, name: array}}, "param_groups": [{**options,
        "params": [index, ...]}]}, indices numbering the parameters across groups in order.
        """
        params = [p for group in self.param_groups for p in group["params"]]
        groups, start = [], 0
        for group in self.param_groups:
            stop = start + len(group["params"])
            groups.append({**group, "params": list(range(start, stop))})
            start = stop
        state = {index: {name: value if name == "step" else _host_copy(value)
                         for name, value in self.state[p].items()}
                 for index, p in enumerate(params) if p in self.state}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore `state_dict()` output, also after a checkpoint round trip (str keys, lists).

        Group options are replaced by the saved ones; buffers are copied to each parameter's
        device and dtype.
        """
        saved_groups = state_dict["param_groups"]
        sizes = [len(group["params"]) for group in self.param_groups]
        saved_sizes = [len(group["params"]) for group in saved_groups]
        if sizes != saved_sizes:
            raise ValueError(f"{type(self).__name__}.load_state_dict: saved groups hold "
                             f"{saved_sizes} parameters, this optimizer's hold {sizes}")
        saved_state = {int(index): value for index, value in state_dict["state"].items()}
        self.state = {}
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            for name, value in saved.items():
                if name != "params":
                    group[name] = tuple(value) if isinstance(self.defaults.get(name),
                                                             tuple) else value
            for index, p in zip(saved["params"], group["params"], strict=True):
                if int(index) in saved_state:
                    self.state[p] = _restore(saved_state[int(index)], p)


def _host_copy(array: Any) -> Any:
    return array.copy() if backend_of(array) is CPU else array.get()


def _restore(saved: dict[str, Any], p: Tensor) -> dict[str, Any]:
    xp = backend_of(p.data).xp
    state = {"step": int(saved["step"])}
    for name, value in saved.items():
        if name != "step":
            if tuple(value.shape) != p.shape:
                raise ValueError(f"load_state_dict: state {name!r} has shape "
                                 f"{tuple(value.shape)}, its parameter has shape {p.shape}")
            state[name] = xp.array(value, dtype=p.dtype)
    return state
