"""Benchmark workload A: Tai et al. binary Tree-LSTM on SST, per-example model code (dynamic
or one example at a time) or hand-written level-wise batching (padded)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import treenet as tn
from treenet.bench import protocol
from treenet.models import ConstituencyTreeLSTM
from treenet.models.levelwise import levelwise_logits, levelwise_loss

BATCHINGS = ("dynamic", "none", "padded")


def prepare(data_dir: Path, mode: str, batching: str, work: protocol.Workload,
            device: str = "cpu") -> tuple[Callable[[list[Any], Any], tuple[float, float]], Any]:
    """A step function over one minibatch and (warm, timed) batches, the model on `device`.
    A step returns (its summed loss, or the number of predictions; the seconds of its
    optimizer update)."""
    train, dev, vocab = protocol.sst(data_dir)
    warm, timed = protocol.split_work(train, dev, work, mode)
    tn.manual_seed(protocol.SEED)
    model = ConstituencyTreeLSTM(len(vocab), protocol.TREE_EMBED, protocol.TREE_HIDDEN,
                                 protocol.TREE_CLASSES, dropout=0.0, sparse=True).to(device)
    optimizer = tn.optim.Adagrad(model.parameters(), lr=protocol.TREE_LR)
    ids = {id(tree): np.array([vocab.get(w, 0) for w in tree.words()])
           for batch in warm + timed for tree in batch}

    def loss_of(batch: list[Any]) -> Any:
        if batching == "padded":
            return levelwise_loss(model, batch, [ids[id(t)] for t in batch])
        return tn.stack([model.loss(tree, ids[id(tree)]) for tree in batch]).sum()

    def logits_of(batch: list[Any]) -> Any:
        if batching == "padded":
            return levelwise_logits(model, batch, [ids[id(t)] for t in batch])[0]
        return tn.concatenate([model(tree, ids[id(tree)]) for tree in batch])

    def train_step(batch: list[Any], context: Any) -> tuple[float, float]:
        optimizer.zero_grad()
        with context:
            loss = loss_of(batch)
            loss.backward()
        return loss.item(), protocol.timed_update(optimizer)

    def infer_step(batch: list[Any], context: Any) -> tuple[float, float]:
        with tn.no_grad(), context:
            logits = logits_of(batch)
        return float(logits.cpu().numpy().argmax(axis=1).size), 0.0

    return (train_step if mode == "train" else infer_step), (warm, timed)


def count(batch: list[Any], batching: str) -> tuple[int, int, int]:
    """(sentences, tokens, computed positions) of a minibatch; trees have no padding."""
    tokens = sum(len(tree.leaves()) for tree in batch)
    return len(batch), tokens, tokens
