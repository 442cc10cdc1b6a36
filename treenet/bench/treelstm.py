"""Benchmark workload A: Tai et al. binary Tree-LSTM on SST, per-example model code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import treenet as tn
from treenet.bench import protocol
from treenet.models import ConstituencyTreeLSTM


def prepare(data_dir: Path, mode: str) -> tuple[Callable[[list[Any]], float], Any]:
    """A step function over one minibatch (returns its summed loss) and the work to time."""
    train, dev, vocab = protocol.sst(data_dir)
    warm, timed = protocol.split_work(train, dev, protocol.TREELSTM, mode)
    tn.manual_seed(protocol.SEED)
    model = ConstituencyTreeLSTM(len(vocab), protocol.TREE_EMBED, protocol.TREE_HIDDEN,
                                 protocol.TREE_CLASSES, dropout=0.0, sparse=True)
    optimizer = tn.optim.Adagrad(model.parameters(), lr=protocol.TREE_LR)
    ids = {id(tree): np.array([vocab.get(w, 0) for w in tree.words()])
           for batch in warm + timed for tree in batch}

    def train_step(batch: list[Any], batching: Any) -> float:
        optimizer.zero_grad()
        with batching:
            loss = tn.stack([model.loss(tree, ids[id(tree)]) for tree in batch]).sum()
            loss.backward()
        optimizer.step()
        return loss.item()

    def infer_step(batch: list[Any], batching: Any) -> float:
        with tn.no_grad(), batching:
            logits = tn.concatenate([model(tree, ids[id(tree)]) for tree in batch])
        return float(logits.numpy().argmax(axis=1).size)

    return (train_step if mode == "train" else infer_step), (warm, timed)


def count(batch: list[Any]) -> tuple[int, int]:
    """(sentences, tokens) in a minibatch."""
    return len(batch), sum(len(tree.leaves()) for tree in batch)
