"""Pausing Python's cyclic garbage collector while a corpus of trees is built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block, restoring its state after.

    Building hundreds of thousands of small acyclic ``Tree`` objects otherwise triggers
    repeated full collections that take several times longer than the building itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
