"""Shared test setup: a deterministic hypothesis profile and the shared data location."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


# Read once at import, so tests that clear TREENET_DATA to isolate themselves still get it.
_SHARED = os.environ.get("TREENET_DATA")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared corpora folder from TREENET_DATA; skips the test when it is not set up."""
    if not _SHARED:
        pytest.skip("TREENET_DATA is not set (point it at the shared corpora to run this test)")
    path = Path(_SHARED)
    if not path.is_dir():
        pytest.skip(f"TREENET_DATA={_SHARED} is not a directory")
    return path


CONLL_SAMPLE = """He PRP B-NP
reckons VBZ B-VP
the DT B-NP
deficit NN I-NP
. . O

Rockwell NNP B-NP
said VBD B-VP
the DT B-NP
agreement NN I-NP

It PRP B-NP
is VBZ B-VP
expected VBN I-VP
. . O
"""


@pytest.fixture(scope="session")
def conll_sample() -> str:
    """Three CoNLL-2000-format sentences (word POS chunk), for tiny training files."""
    return CONLL_SAMPLE
