"""Fixtures for the data tests: files of the shared corpora (see `data_dir` in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def corpus(data_dir: Path):
    """``corpus("sst/train.txt")``: a file of the shared data, skipping when it is missing."""

    def find(relative: str) -> Path:
        path = data_dir / relative
        if not path.is_file():
            pytest.skip(f"{path} is missing from TREENET_DATA")
        return path

    return find
