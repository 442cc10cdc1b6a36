"""The training loop: seeded minibatch epochs, dev evaluation, best-model selection, early stop.

Batching modes: ``"dynamic"`` runs the per-example code of each minibatch inside
`treenet.autobatch(strategy)` (strategy ``"agenda"`` or ``"depth"``), ``"none"`` runs it
eagerly one example at a time, and ``"padded"`` (taggers only) calls a whole-batch loss
function eagerly. Losses are summed over a minibatch and divided by its size.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

import numpy as np

from treenet.autograd import no_grad
from treenet.batching import Profile, autobatch
from treenet.data.minibatch import minibatches
from treenet.data.vocab import Vocab
from treenet.nn.module import Module
from treenet.ops import stack
from treenet.ops import sum as total
from treenet.optim import LRScheduler, Optimizer, clip_grad_norm
from treenet.tensor.tensor import Tensor

T = TypeVar("T")
BATCHING = ("dynamic", "none", "padded")


def sample(items: Sequence[T], limit: int | None, seed: int = 0) -> list[T]:
    """`limit` items drawn at random with `seed` (all when None), kept in their order: SST
    files are sorted by sentiment, so the first lines are no fair sample."""
    if limit is None or limit >= len(items):
        return list(items)
    keep = np.sort(np.random.default_rng(seed).choice(len(items), limit, replace=False))
    return [items[i] for i in keep]


def batching_context(batching: str, strategy: str = "agenda") -> contextlib.AbstractContextManager:
    """`treenet.autobatch(strategy)` for ``"dynamic"``, else a context that does nothing."""
    if batching not in BATCHING:
        raise ValueError(f"batching must be one of {BATCHING}, not {batching!r}")
    return autobatch(strategy) if batching == "dynamic" else contextlib.nullcontext()


def summed(loss: Callable[[T], Tensor]) -> Callable[[Sequence[T]], Tensor]:
    """A batch loss that sums a per-example loss over the batch's examples."""
    return lambda batch: total(stack([loss(example) for example in batch]))


def eval_outputs(fn: Callable[[T], Tensor], examples: Sequence[T], *,
                 batching: str = "dynamic", strategy: str = "agenda",
                 chunk: int = 256) -> list[np.ndarray]:
    """`fn(example)` for every example without gradients, as numpy arrays; with ``"dynamic"``
    batching, `chunk` examples at a time run batched."""
    results: list[np.ndarray] = []
    with no_grad():
        for start in range(0, len(examples), chunk):
            with batching_context(batching, strategy):
                tensors = [fn(example) for example in examples[start:start + chunk]]
            results.extend(np.array(t.data) for t in tensors)
    return results


@dataclass
class EpochRecord:
    """One epoch: mean train loss per example, dev metrics, seconds (training, evaluation);
    with dynamic batching, `batching` sums the training blocks' profiles (nodes, launches,
    kernel and scheduling seconds)."""

    epoch: int
    train_loss: float
    dev: dict[str, float]
    seconds: float
    eval_seconds: float
    best: bool = False
    batching: dict[str, float] = field(default_factory=dict)


def _profile_counts(profile: Profile) -> dict[str, float]:
    return {"nodes": profile.nodes, "launches": profile.launches + profile.backward_launches,
            "kernel_seconds": profile.kernel_seconds,
            "scheduling_seconds": profile.scheduling_seconds}


@dataclass
class History:
    """What `fit` did: the epochs, the best one by `metric`, and why it stopped
    (``"epochs"``, ``"patience"`` or ``"time"``)."""

    metric: str
    epochs: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    stopped: str = "epochs"
    seconds: float = 0.0

    @property
    def best(self) -> EpochRecord | None:
        """The record of the best epoch (None before the first)."""
        return self.epochs[self.best_epoch - 1] if self.best_epoch else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Event:
    """A progress report: after each batch (``kind="batch"``) and each epoch (``"epoch"``,
    with its `record`). `step` of `steps` batches of the epoch are done; `loss` is the last
    batch's mean loss per example."""

    kind: str
    epoch: int
    step: int
    steps: int
    loss: float
    record: EpochRecord | None = None


def fit(model: Module, optimizers: Sequence[Optimizer], train: Sequence[T],
        batch_loss: Callable[[Sequence[T]], Tensor],
        evaluate: Callable[[], dict[str, float]], *, metric: str, epochs: int = 10,
        batch_size: int = 25, batching: str = "dynamic", strategy: str = "agenda",
        patience: int | None = None, seed: int = 0, clip: float | None = None,
        max_seconds: float | None = None, length: Callable[[T], int] | None = None,
        schedulers: Sequence[LRScheduler] = (),
        callback: Callable[[Event], None] | None = None) -> History:
    """Train `model` on `train` and return its history; the model ends with its best weights.

    Each epoch shuffles with seed + epoch (and, given `length`, buckets similar lengths into
    the same batches), minimizes batch_loss(batch) / len(batch) with every optimizer, then
    calls `evaluate()` in eval mode; the epoch with the highest dev[metric] is kept. Stops after
    `epochs`, after `patience` epochs without improvement, or before an epoch that would end
    past `max_seconds` (judged by the last epoch's time). `clip`: max gradient norm;
    `schedulers` step after every epoch. Dropout draws from treenet's global generator: seed
    it (`treenet.manual_seed`) before building the model for a reproducible run.
    """
    history = History(metric)
    best_state: dict[str, np.ndarray] = {}
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        epoch_start = time.perf_counter()
        batches = minibatches(train, batch_size=batch_size, seed=seed + epoch,
                              length=length or len, pool_size=None if length is None
                              else 20 * batch_size)
        model.train()
        loss_sum = 0.0
        profile: Counter[str] = Counter()
        for step, batch in enumerate(batches, 1):
            with batching_context(batching, strategy) as block:
                loss = batch_loss(batch) / len(batch)
                loss.backward()
            if block is not None:
                profile.update(_profile_counts(block.profile))
            if clip is not None:
                clip_grad_norm(list(model.parameters()), clip)
            for optimizer in optimizers:
                optimizer.step()
                optimizer.zero_grad()
            value = loss.item()
            loss_sum += value * len(batch)
            if callback is not None:
                callback(Event("batch", epoch, step, len(batches), value))
        for scheduler in schedulers:
            scheduler.step()
        train_seconds = time.perf_counter() - epoch_start
        model.eval()
        dev = evaluate()
        record = EpochRecord(epoch, loss_sum / len(train), dev, train_seconds,
                             time.perf_counter() - epoch_start - train_seconds,
                             batching=dict(profile))
        history.epochs.append(record)
        if history.best is None or dev[metric] > history.best.dev[metric]:
            record.best = True
            history.best_epoch = epoch
            best_state = {name: np.array(p.data) for name, p in model.state_dict().items()}
        if callback is not None:
            callback(Event("epoch", epoch, len(batches), len(batches), record.train_loss,
                           record))
        elapsed = time.perf_counter() - start
        if patience is not None and epoch - history.best_epoch >= patience:
            history.stopped = "patience"
            break
        if epoch < epochs and max_seconds is not None and (
                elapsed + record.seconds + record.eval_seconds > max_seconds):
            history.stopped = "time"
            break
    history.seconds = time.perf_counter() - start
    if best_state:
        model.load_state_dict(best_state)
    return history


@dataclass
class Trained:
    """A trained model with what it takes to save, reload and use it (see `models.run`).

    task: ``"sentiment"`` or ``"tagging"``; model_args: the keyword arguments that rebuild the
    model (with `vocabs`); config: the settings it was trained with; vectors: the vector
    source used; metrics: the best epoch's dev metrics.
    """

    task: str
    model: Module
    model_args: dict[str, Any]
    vocabs: dict[str, Vocab]
    config: dict[str, Any]
    history: History
    vectors: str

    @property
    def metrics(self) -> dict[str, float]:
        best = self.history.best
        return {} if best is None else dict(best.dev)
