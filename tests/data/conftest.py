"""Fixtures for the data tests: the shared corpora folder, found through TREENET_DATA."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Read once at import, so tests that clear TREENET_DATA to isolate themselves still get it.
_SHARED = os.environ.get("TREENET_DATA")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-corpora folder named by TREENET_DATA; skips the test when it is absent."""
    value = _SHARED
    if not value:
        pytest.skip("TREENET_DATA is not set: point it at the shared corpora folder")
    folder = Path(value)
    if not folder.is_dir():
        pytest.skip(f"TREENET_DATA={value} is not a folder")
    return folder


@pytest.fixture(scope="session")
def corpus(shared_data: Path):
    """``corpus("sst/train.txt")``: a file of the shared data, skipping when it is missing."""

    def find(relative: str) -> Path:
        path = shared_data / relative
        if not path.is_file():
            pytest.skip(f"{path} is missing from TREENET_DATA")
        return path

    return find
