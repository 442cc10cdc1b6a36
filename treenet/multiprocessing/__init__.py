"""Processes sharing one model: shared-memory tensors and Hogwild training.

    model = treenet.models.ConstituencyTreeLSTM(len(vocab))
    treenet.multiprocessing.share_memory_(model)   # parameters now in shared memory
    treenet.multiprocessing.hogwild(model, loss_fn, shards, lr=0.05)
"""

from treenet.multiprocessing.hogwild import WorkerReport, hogwild
from treenet.multiprocessing.shared import (
    SharedHandle,
    handle_of,
    is_shared,
    release,
    share_memory_,
)

__all__ = ["SharedHandle", "WorkerReport", "handle_of", "hogwild", "is_shared", "release",
           "share_memory_"]
