"""Worker functions for the multiprocessing tests, importable by spawned children (not a test)."""

from __future__ import annotations

from typing import Any

import treenet as tn

STEPS = (1.0, 0.25)  # how far worker 0 and worker 1 move every weight per turn (exact floats)


def alternate(rank: int, model: tn.nn.Module, barrier: Any, rounds: int, results: Any) -> None:
    """Take turns with the other worker: on its turn (round % 2 == rank) a worker takes one SGD
    step that lowers every weight by STEPS[rank]; after each round both read the weights."""
    weight = model.weight
    opt = tn.optim.SGD([weight], lr=1.0)
    seen = []
    for round_ in range(rounds):
        if round_ % 2 == rank:
            opt.zero_grad()
            (weight.sum() * STEPS[rank]).backward()
            opt.step()
        barrier.wait(timeout=60)  # the writer's step is done
        seen.append(weight.numpy().copy())
        barrier.wait(timeout=60)  # both have read: the next writer may start
    results.put((rank, seen))


def write_ones(tensor: tn.Tensor) -> None:
    """Fill a tensor with ones, in place."""
    tensor.numpy()[...] = 1.0


def tree_loss(model: tn.nn.Module, example: tuple[Any, Any]) -> tn.Tensor:
    """Loss of a (tree, word ids) pair."""
    tree, word_ids = example
    return model.loss(tree, word_ids)


def failing_loss(model: tn.nn.Module, example: Any) -> tn.Tensor:
    raise ValueError("this worker was told to fail")
