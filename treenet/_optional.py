"""The one place where treenet imports optional packages (cupy, torch), with clear errors."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingDependencyError(ImportError):
    """An optional package is needed for this call but is not installed."""


_HINTS = {
    "cupy": 'install the GPU extra: pip install "treenet[cuda12]" (or [cuda13]) on a CUDA machine',
    "torch": "pip install torch==2.13.0 (CPU build)",
    "cffi": "pip install cffi (a dependency of treenet)",
}


def optional_import(name: str) -> ModuleType | None:
    """Import `name` if installed, else return None."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def require(name: str, purpose: str) -> ModuleType:
    """Import `name` or raise MissingDependencyError saying what needed it and how to install."""
    module = optional_import(name)
    if module is None:
        hint = _HINTS.get(name, f"pip install {name}")
        raise MissingDependencyError(
            f"{purpose} needs the package '{name}', which is not installed: {hint}")
    return module
