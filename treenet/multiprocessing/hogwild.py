"""Hogwild training: worker processes run SGD on one model in shared memory, without locks."""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from treenet.batching import autobatch
from treenet.multiprocessing.shared import share_memory_
from treenet.nn.module import Module
from treenet.ops import stack
from treenet.optim.sgd import SGD
from treenet.tensor.random import manual_seed
from treenet.tensor.tensor import Tensor

LossFn = Callable[[Module, Any], Tensor]


@dataclass(frozen=True)
class WorkerReport:
    """What one worker did: examples trained on, mean loss per example, and its training
    interval in `time.monotonic()` seconds (after setup; comparable across processes)."""

    rank: int
    examples: int
    loss: float
    start: float
    stop: float


@dataclass(frozen=True)
class _Config:
    lr: float
    batch_size: int
    epochs: int
    strategy: str
    seed: int


def _train(rank: int, model: Module, loss_fn: LossFn, shard: Sequence[Any], config: _Config,
           ready: Any) -> WorkerReport:
    manual_seed(config.seed + rank)
    rng = np.random.default_rng(config.seed + rank)
    opt = SGD(model.parameters(), lr=config.lr)  # updates p.data in place: the shared memory
    ready.wait()
    start, total = time.monotonic(), 0.0
    for _ in range(config.epochs):
        examples = [shard[i] for i in rng.permutation(len(shard))]
        for i in range(0, len(examples), config.batch_size):
            opt.zero_grad()
            with autobatch(config.strategy):
                batch = examples[i:i + config.batch_size]
                loss = stack([loss_fn(model, example) for example in batch]).sum()
                loss.backward()
            opt.step()
            total += loss.item()
    examples_seen = config.epochs * len(shard)
    return WorkerReport(rank, examples_seen, total / max(examples_seen, 1), start,
                        time.monotonic())


def _worker(rank: int, model: Module, loss_fn: LossFn, shard: Sequence[Any], config: _Config,
            ready: Any, results: Any) -> None:
    try:
        results.put(_train(rank, model, loss_fn, shard, config, ready))
    except BaseException:
        ready.abort()
        results.put((rank, traceback.format_exc()))


def hogwild(model: Module, loss_fn: LossFn, shards: Sequence[Sequence[Any]], *, lr: float,
            batch_size: int = 1, epochs: int = 1, strategy: str = "agenda", seed: int = 0,
            start_method: str = "fork") -> list[WorkerReport]:
    """Train `model` with one process per shard, all updating its shared parameters.

    Each worker loops over its own shard (reshuffled every epoch), computes
    `loss_fn(model, example)` for a minibatch of `batch_size` examples under
    `autobatch(strategy)` ("none" = eager), backpropagates their sum and applies plain SGD
    straight into the shared parameters, with no locks (Recht et al., 2011). Workers start
    training together (after a barrier). The parameters are moved into shared memory first
    (`share_memory_`), so the caller's `model` holds the result. With start_method "spawn",
    `loss_fn` and the examples must be picklable. Give each worker one BLAS thread
    (OPENBLAS_NUM_THREADS=1 before numpy loads) so workers do not oversubscribe the cores.
    Returns the workers' reports in rank order; raises RuntimeError with a worker's traceback
    if one fails.
    """
    share_memory_(model)
    ctx = mp.get_context(start_method)
    config = _Config(lr, batch_size, epochs, strategy, seed)
    ready, results = ctx.Barrier(len(shards)), ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(rank, model, loss_fn, shard, config, ready,
                                                  results), daemon=True)
               for rank, shard in enumerate(shards)]
    for w in workers:
        w.start()
    reports: list[WorkerReport] = []
    try:
        while len(reports) < len(workers):
            try:
                report = results.get(timeout=0.1)
            except queue.Empty:
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"hogwild: worker process exited with code "
                                       f"{dead[0].exitcode} before reporting") from None
                continue
            if not isinstance(report, WorkerReport):
                rank, trace = report
                raise RuntimeError(f"hogwild: worker {rank} failed:\n{trace}")
            reports.append(report)
    finally:
        for w in workers:
            if len(reports) < len(workers):
                w.terminate()
            w.join()
    return sorted(reports, key=lambda r: r.rank)
