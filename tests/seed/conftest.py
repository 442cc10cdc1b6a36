"""Fixtures for the seed tests: worker functions that spawned child processes can import."""

import importlib
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """tests/seed/seed_workers.py; spawned children inherit sys.path and so can import it."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    return importlib.import_module("seed_workers")
