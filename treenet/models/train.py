"""The training loop: seeded minibatch epochs, dev evaluation, best-model selection, early stop,
checkpoints and exact resumption.

Batching modes: ``"dynamic"`` runs the per-example code of each minibatch inside
`treenet.autobatch(strategy)` (strategy ``"agenda"`` or ``"depth"``), ``"none"`` runs it
eagerly one example at a time, and ``"padded"`` (taggers only) calls a whole-batch loss
function eagerly. Losses are summed over a minibatch and divided by its size.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
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
from treenet.tensor.random import get_rng_state, set_rng_state
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
    """`fn(example)` for every example without gradients, as numpy arrays (host copies); with
    ``"dynamic"`` batching, `chunk` examples at a time run batched."""
    results: list[np.ndarray] = []
    with no_grad():
        for start in range(0, len(examples), chunk):
            with batching_context(batching, strategy):
                tensors = [fn(example) for example in examples[start:start + chunk]]
            results.extend(np.array(t.to("cpu").data) for t in tensors)
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

    def summary(self) -> str:
        """One line: loss, dev scores (not the per-type ones), times, `*` on a best epoch."""
        scores = ", ".join(f"{k} {v:.2f}" for k, v in self.dev.items() if "/" not in k)
        launches = self.batching.get("launches")
        group = f", {self.batching['nodes'] / launches:.0f} nodes/launch" if launches else ""
        return (f"epoch {self.epoch:2d}  loss {self.train_loss:8.3f}  dev: {scores}  "
                f"({self.seconds:.0f}s{group} + eval {self.eval_seconds:.0f}s)"
                f"{'  *' if self.best else ''}")


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """The inverse of `to_dict`."""
        return cls(**{**data, "epochs": [EpochRecord(**e) for e in data["epochs"]]})


@dataclass
class Event:
    """A progress report: after each batch (``kind="batch"``) and each epoch (``"epoch"``,
    with its `record`). `step` of `steps` batches of the epoch are done; `loss` is the last
    batch's mean loss per example and `size` its number of examples."""

    kind: str
    epoch: int
    step: int
    steps: int
    loss: float
    record: EpochRecord | None = None
    size: int = 0


@dataclass
class Position:
    """Where training stands: the epoch in progress, its batches done, and that epoch's running
    sums (train loss, batching profile)."""

    epoch: int = 1
    step: int = 0
    loss_sum: float = 0.0
    profile: dict[str, float] = field(default_factory=dict)


class _Abort(KeyboardInterrupt):
    """A second Ctrl-C: stop now, mid-batch, without a checkpoint."""


class _DeferredInterrupt:
    """While active (in the main thread), Ctrl-C only sets a flag that `check` turns into a
    KeyboardInterrupt at the next batch boundary; a second Ctrl-C raises `_Abort` at once."""

    def __init__(self, active: bool) -> None:
        self.active = active and threading.current_thread() is threading.main_thread()
        self.pending = False
        self._previous: Any = None

    def __enter__(self) -> _DeferredInterrupt:
        if self.active:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.active:
            signal.signal(signal.SIGINT, self._previous or signal.default_int_handler)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.pending:
            raise _Abort
        self.pending = True

    def check(self) -> None:
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


def _stop_reason(history: History, patience: int | None, max_seconds: float | None,
                 elapsed: float) -> str | None:
    """Why not to start another epoch: ``"patience"``, ``"time"`` or None."""
    last = history.epochs[-1] if history.epochs else None
    if last is None:
        return None
    if patience is not None and last.epoch - history.best_epoch >= patience:
        return "patience"
    if max_seconds is not None and elapsed + last.seconds + last.eval_seconds > max_seconds:
        return "time"
    return None


def fit(model: Module, optimizers: Sequence[Optimizer], train: Sequence[T],
        batch_loss: Callable[[Sequence[T]], Tensor],
        evaluate: Callable[[], dict[str, float]], *, metric: str, epochs: int = 10,
        batch_size: int = 25, batching: str = "dynamic", strategy: str = "agenda",
        patience: int | None = None, seed: int = 0, clip: float | None = None,
        max_seconds: float | None = None, length: Callable[[T], int] | None = None,
        schedulers: Sequence[LRScheduler] = (),
        callback: Callable[[Event], None] | None = None,
        checkpoint: Callable[[dict[str, Any]], None] | None = None,
        resume: Mapping[str, Any] | None = None) -> History:
    """Train `model` on `train` and return its history; the model ends with its best weights.

    Each epoch shuffles with seed + epoch (and, given `length`, buckets similar lengths into
    the same batches), minimizes batch_loss(batch) / len(batch) with every optimizer, then
    calls `evaluate()` in eval mode; the epoch with the highest dev[metric] is kept. Stops after
    `epochs`, after `patience` epochs without improvement, or before an epoch that would end
    past `max_seconds` (judged by the last epoch's time). `clip`: max gradient norm;
    `schedulers` step after every epoch. Dropout draws from treenet's global generator: seed
    it (`treenet.manual_seed`) before building the model for a reproducible run.

    `checkpoint(state)`, when given, receives a resumable state (model, optimizers, schedules,
    random generator, position in the data order, history, best weights; arrays and JSON
    values, ready for `treenet.save`) after every epoch, and on KeyboardInterrupt before it is
    re-raised: Ctrl-C then takes effect at the end of the current batch (a second Ctrl-C stops
    at once, without a checkpoint), and a callback may raise KeyboardInterrupt to stop there.
    `resume=state` (with the same model, data and settings; `epochs` may grow) continues such
    a run to exactly the result of one never stopped.
    """
    history, best, at = History(metric), {}, Position()
    if resume is not None:
        history, best, at = _restore(resume, model, optimizers, schedulers)
        history.stopped = "epochs"
    start, seconds_before = time.perf_counter(), history.seconds

    def state() -> dict[str, Any]:
        return {"model": model.state_dict(), "optimizers": [o.state_dict() for o in optimizers],
                "schedulers": [s.state_dict() for s in schedulers], "rng": get_rng_state(),
                "position": asdict(at), "history": history.to_dict(), "best": best}

    interrupts = _DeferredInterrupt(checkpoint is not None)
    try:
        with interrupts:
            while at.epoch <= epochs:
                if at.step == 0 and (reason := _stop_reason(
                        history, patience, max_seconds, time.perf_counter() - start)):
                    history.stopped = reason
                    break
                epoch_start = time.perf_counter()
                batches = minibatches(train, batch_size=batch_size, seed=seed + at.epoch,
                                      length=length or len, pool_size=None if length is None
                                      else 20 * batch_size)
                model.train()
                profile = Counter(at.profile)
                for step, batch in enumerate(batches[at.step:], at.step + 1):
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
                    at.step, at.profile = step, dict(profile)
                    at.loss_sum += value * len(batch)
                    if callback is not None:
                        callback(Event("batch", at.epoch, step, len(batches), value,
                                       size=len(batch)))
                    interrupts.check()
                for scheduler in schedulers:
                    scheduler.step()
                train_seconds = time.perf_counter() - epoch_start
                model.eval()
                dev = evaluate()
                record = EpochRecord(at.epoch, at.loss_sum / len(train), dev, train_seconds,
                                     time.perf_counter() - epoch_start - train_seconds,
                                     batching=at.profile)
                history.epochs.append(record)
                if history.best is None or dev[metric] > history.best.dev[metric]:
                    record.best = True
                    history.best_epoch = record.epoch
                    best = {name: np.array(p.to("cpu").data)
                            for name, p in model.state_dict().items()}
                at = Position(at.epoch + 1)
                history.seconds = seconds_before + time.perf_counter() - start
                if callback is not None:
                    callback(Event("epoch", record.epoch, len(batches), len(batches),
                                   record.train_loss, record))
                if checkpoint is not None:
                    checkpoint(state())
                interrupts.check()
    except KeyboardInterrupt as interrupt:
        if checkpoint is not None and not isinstance(interrupt, _Abort):
            checkpoint(state())
        raise
    history.seconds = seconds_before + time.perf_counter() - start
    if best:
        model.load_state_dict(best)
    return history


def _restore(state: Mapping[str, Any], model: Module, optimizers: Sequence[Optimizer],
             schedulers: Sequence[LRScheduler]) -> tuple[History, dict[str, Any], Position]:
    """Load a `fit` checkpoint state into the training objects; its history, best weights and
    position."""
    model.load_state_dict(state["model"])
    for optimizer, saved in zip(optimizers, state["optimizers"], strict=True):
        optimizer.load_state_dict(saved)
    for scheduler, saved in zip(schedulers, state["schedulers"], strict=True):
        scheduler.load_state_dict(saved)
    set_rng_state(state["rng"])
    return History.from_dict(state["history"]), dict(state["best"]), Position(**state["position"])


def fit_options(config: Any, metric: str, **more: Any) -> dict[str, Any]:
    """`fit`'s keyword arguments from the fields a run config shares with it."""
    shared = ("epochs", "batch_size", "batching", "strategy", "patience", "seed", "max_seconds")
    return {"metric": metric, **{name: getattr(config, name) for name in shared}, **more}


@dataclass
class RunInfo:
    """What a run folder records about a model (see `models.run`).

    task: ``"sentiment"`` or ``"tagging"``; model_args: the keyword arguments that rebuild the
    model (with `vocabs`); config: the settings it was trained with; vectors: the vector
    source used.
    """

    task: str
    model: Module
    model_args: dict[str, Any]
    vocabs: dict[str, Vocab]
    config: dict[str, Any]
    vectors: str


@dataclass
class Trained(RunInfo):
    """A trained model with its training history; metrics: the best epoch's dev metrics."""

    history: History

    @property
    def metrics(self) -> dict[str, float]:
        best = self.history.best
        return {} if best is None else dict(best.dev)


@dataclass
class Job(RunInfo):
    """A model set up to train: its optimizers, schedules, examples, batch loss, dev evaluation
    and the rest of `fit`'s options."""

    optimizers: list[Optimizer]
    schedulers: list[LRScheduler]
    train: Sequence[Any]
    batch_loss: Callable[[Sequence[Any]], Tensor]
    evaluate: Callable[[], dict[str, float]]
    options: dict[str, Any]

    def run(self, callback: Callable[[Event], None] | None = None, *,
            checkpoint: Callable[[dict[str, Any]], None] | None = None,
            resume: Mapping[str, Any] | None = None) -> Trained:
        """Train with `fit` (see there for `checkpoint` and `resume`)."""
        history = fit(self.model, self.optimizers, self.train, self.batch_loss, self.evaluate,
                      schedulers=self.schedulers, callback=callback, checkpoint=checkpoint,
                      resume=resume, **self.options)
        return Trained(self.task, self.model, self.model_args, self.vocabs, self.config,
                       self.vectors, history)
