"""On-the-fly operation batching: per-example code, run as batched kernels.

    with treenet.autobatch() as batch:        # strategy "agenda" (default), "depth" or "none"
        losses = [model(tree) for tree in minibatch]
        loss = treenet.stack(losses).sum()
        loss.backward()                        # forward and backward run grouped here
    print(batch.profile.table())

Inside the block, ops return pending tensors: shapes and dtypes are checked at the call (so an
error points at the user's line), values are computed when read (`.item()`, `.numpy()`,
`backward()`, leaving the block), and a read computes only what that value needs. Calls with
the same signature run as one kernel; which axis is batched follows each op's batch rule in
the registry (see `treenet.autograd.op.BatchRule` and `treenet.batching.executor`).
"""

from __future__ import annotations

import gc
from types import TracebackType

from treenet.autograd.engine import MODE
from treenet.batching.heap import keep_freed_memory
from treenet.batching.profile import Profile
from treenet.batching.recorder import PendingNode, Recorder

STRATEGIES = ("agenda", "depth", "none")


class autobatch:  # noqa: N801 - used like a function: `with treenet.autobatch():`
    """Context manager that batches the ops recorded inside it.

    strategy: "agenda" (DyNet's agenda-based grouping, default), "depth" (level-wise), or
    "none" (run every op eagerly, one example at a time, for comparison).

    Python's cyclic garbage collector is paused inside the block: recording creates a few
    objects per op, and the collector would otherwise rescan every live object (a dataset of
    trees, say) many times per minibatch. The graph itself is acyclic and freed by reference
    counting; cyclic garbage made inside the block is collected after it. The first block
    also keeps freed memory in the process (`treenet.batching.heap`): steps then reuse it
    instead of page-faulting it back in.
    """

    def __init__(self, strategy: str = "agenda") -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown batching strategy {strategy!r}; use one of {STRATEGIES}")
        self.strategy = strategy
        self.recorder: Recorder | None = None
        self.profile = Profile()
        self._collecting = False

    def __enter__(self) -> autobatch:
        if MODE.recorder is not None:
            raise RuntimeError("autobatch blocks do not nest")
        self._collecting = gc.isenabled()
        gc.disable()
        keep_freed_memory()
        if self.strategy != "none":
            self.recorder = Recorder(self.strategy)
            self.profile = self.recorder.profile
            MODE.recorder = self.recorder
        return self

    def flush(self) -> None:
        """Compute everything recorded so far."""
        if self.recorder is not None:
            self.recorder.flush()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self.recorder is not None:
                MODE.recorder = None
                if exc_type is None:
                    self.recorder.flush()
        finally:
            if self._collecting:
                gc.enable()


__all__ = ["STRATEGIES", "PendingNode", "Profile", "Recorder", "autobatch"]
