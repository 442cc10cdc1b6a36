"""Benchmark workload B: BiLSTM tagger on CoNLL-2000 POS, per-sentence model code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import treenet as tn
from treenet.bench import protocol
from treenet.models import BiLSTMTagger


def prepare(data_dir: Path, mode: str) -> tuple[Callable[[list[Any], Any], float], Any]:
    """A step function over one minibatch (returns its summed loss) and the work to time."""
    train, dev, words, tags = protocol.conll2000_pos(data_dir)
    warm, timed = protocol.split_work(train, dev, protocol.TAGGER, mode)
    tn.manual_seed(protocol.SEED)
    model = BiLSTMTagger(len(words), len(tags), embed_dim=protocol.TAG_EMBED,
                         hidden_size=protocol.TAG_HIDDEN, dropout=0.0, sparse=True)
    optimizer = tn.optim.Adagrad(model.parameters(), lr=protocol.TREE_LR)
    encoded = {id(s): model.example([words.get(w, 0) for w in s[0]],
                                    tag_ids=[tags.get(t, 0) for t in s[1]])
               for batch in warm + timed for s in batch}

    def train_step(batch: list[Any], batching: Any) -> float:
        optimizer.zero_grad()
        with batching:
            loss = tn.stack([model.loss(encoded[id(s)]) for s in batch]).sum()
            loss.backward()
        optimizer.step()
        return loss.item()

    def infer_step(batch: list[Any], batching: Any) -> float:
        with tn.no_grad(), batching:
            scores = tn.concatenate([model(encoded[id(s)]) for s in batch])
        return float(np.asarray(scores).argmax(axis=1).size)

    return (train_step if mode == "train" else infer_step), (warm, timed)


def count(batch: list[Any]) -> tuple[int, int]:
    """(sentences, tokens) in a minibatch."""
    return len(batch), sum(len(sentence[0]) for sentence in batch)
