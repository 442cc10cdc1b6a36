"""Keeping freed memory in the process's heap (glibc's malloc), so that a training step does
not page-fault its arrays back in.

A minibatch allocates and frees megabytes of arrays (arenas, gathered arguments, gate blocks,
gradient buffers). By default glibc hands the top of its heap back to the operating system
whenever a few megabytes of it are free — after every step — and the next step's first writes
fault the pages back in: 300-600 page faults per Tree-LSTM minibatch of 25 on this project's
machine, 6-10% of a training step (docs/batching.md, "Memory"). The first autobatch block
therefore raises malloc's trim threshold to 128 MB and its mmap threshold to 32 MB (smaller
arrays come from the heap), as DyNet keeps one memory pool for a whole run. The setting is
process-wide and stays; TREENET_KEEP_FREED_MEMORY=0 leaves malloc as it is, and other C
libraries than glibc are left alone.
"""

from __future__ import annotations

import ctypes
import os

M_TRIM_THRESHOLD = -1  # glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 128 << 20  # free bytes at the heap's top kept before any is given back
MMAP_THRESHOLD = 32 << 20  # allocations from this size up get their own mapping

_set: bool | None = None  # decided at the first call


def keep_freed_memory() -> bool:
    """Set glibc's thresholds (at the first call in a process); True when they are set."""
    global _set
    if _set is None:
        _set = (os.environ.get("TREENET_KEEP_FREED_MEMORY", "1") != "0" and _glibc()
                and _mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and _mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _set


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError, AttributeError):  # not glibc, or not a POSIX system
        return False


def _mallopt(parameter: int, value: int) -> bool:
    return bool(ctypes.CDLL(None).mallopt(parameter, value))
