"""Module: the base class that registers parameters and submodules and saves/loads their values."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from treenet.autograd.sparse import RowSparseGrad
from treenet.nn.parameter import Parameter
from treenet.tensor.backend import CPU, get_backend
from treenet.tensor.tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """What load_state_dict(strict=False) skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _moved(array: Any, device: str) -> Any:
    return Tensor(array).to(device).data


class Module:
    """Base class of layers and models (PyTorch's shape).

    Assigning a Parameter or a Module to an attribute registers it, in assignment order;
    calling the module runs `forward`. A module may be called any number of times in one graph:
    its parameters are leaves, so their gradients accumulate across uses.
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ---- registration --------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called "
                                 "(call super().__init__() first)")
        if isinstance(value, Parameter):  # a reassigned name keeps its place in the order
            self._modules.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- traversal -----------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        yield from self._modules.values()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant (each once), with dotted names; self is ''."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            stack.extend(reversed([(f"{name}.{child_name}" if name else child_name, child)
                                   for child_name, child in module._modules.items()]))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def _all_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Every (dotted name, parameter), a parameter shared by two modules under each name."""
        for prefix, module in self.named_modules():
            for name, p in module._parameters.items():
                yield (f"{prefix}.{name}" if prefix else name), p

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a shared parameter appears once."""
        seen: set[int] = set()
        for name, p in self._all_parameters():
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def parameters(self) -> Iterator[Parameter]:
        for _, p in self.named_parameters():
            yield p

    # ---- modes and gradients -------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set the training flag (read by Dropout) on this module and all descendants."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: train(False)."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to None."""
        for p in self.parameters():
            p.grad = None

    def to(self, device: str) -> Module:
        """Move every parameter (and its gradient) to `device` in place; returns self."""
        target = get_backend(device).name
        for p in self.parameters():
            if p.device == target:
                continue
            p._data = _moved(p.data, device)
            if isinstance(p.grad, RowSparseGrad):
                p.grad = RowSparseGrad(_moved(p.grad.indices, device),
                                       _moved(p.grad.values, device), p.grad.shape)
            elif p.grad is not None:
                p.grad = p.grad.to(device)
        return self

    # ---- saving and loading --------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Dotted name -> parameter value (detached tensors sharing the parameters' memory)."""
        return OrderedDict((name, p.detach()) for name, p in self._all_parameters())

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or arrays) into the parameters, in place.

        Raises ValueError naming every mis-shaped parameter, and with strict=True every missing
        and unexpected one; nothing is copied unless all checks pass.
        """
        own = dict(self._all_parameters())
        missing = [name for name in own if name not in state]
        unexpected = [name for name in state if name not in own]
        problems = []
        if strict and missing:
            problems.append(f"missing parameter{'s' if len(missing) > 1 else ''} "
                            f"{_quoted(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected {_quoted(unexpected)}")
        for name, p in own.items():
            if name in state and tuple(state[name].shape) != p.shape:
                problems.append(f"'{name}' has shape {tuple(state[name].shape)} in the "
                                f"checkpoint but {p.shape} in the model")
        if problems:
            raise ValueError("load_state_dict: " + "; ".join(problems))
        for name, p in own.items():
            if name in state:
                value = state[name]
                if p.backend is CPU:
                    value = np.asarray(value)
                else:
                    value = p.backend.xp.asarray(value.data if isinstance(value, Tensor) else value)
                p.data[...] = value
        return IncompatibleKeys(missing, unexpected)

    # ---- printing ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in repr (its settings)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        if not self._modules:
            return f"{type(self).__name__}({extra})"
        lines = [extra] if extra else []
        lines += [f"({name}): " + repr(child).replace("\n", "\n  ")
                  for name, child in self._modules.items()]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleList(Module):
    """A list of modules, each registered under its index ('0', '1', ...)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        setattr(self, str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


class ModuleDict(Module):
    """A dict of modules, each registered under its key."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        for key, module in (modules or {}).items():
            self[key] = module

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        setattr(self, key, module)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()


class Sequential(ModuleList):
    """Modules applied in order: Sequential(a, b)(x) == b(a(x))."""

    def __init__(self, *modules: Module) -> None:
        super().__init__(modules)

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x
