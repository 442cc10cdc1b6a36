"""Benchmark workload B: BiLSTM tagger on CoNLL-2000 POS, per-sentence code (dynamic or one
sentence at a time; "dynamic-steps": dynamic with one LSTM step op per token instead of one
LSTM op per sentence and direction) or masks over padded minibatches (in the protocol's order,
or with the sentences sorted by length into buckets)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import treenet as tn
from treenet.bench import protocol
from treenet.models import BiLSTMTagger
from treenet.models.padded import padded_loss, padded_scores

BATCHINGS = ("dynamic", "dynamic-steps", "none", "padded", "padded-sorted")


def _sorted_buckets(batches: list[list[Any]]) -> list[list[Any]]:
    """The same sentences, sorted by length and cut into batches of the same sizes."""
    sentences = sorted((s for batch in batches for s in batch), key=lambda s: len(s[0]))
    out, start = [], 0
    for batch in batches:
        out.append(sentences[start:start + len(batch)])
        start += len(batch)
    return out


def prepare(data_dir: Path, mode: str, batching: str, work: protocol.Workload,
            device: str = "cpu") -> tuple[Callable[[list[Any], Any], tuple[float, float]], Any]:
    """A step function over one minibatch and (warm, timed) batches, the model on `device`.
    A step returns (its summed loss, or the number of predictions; the seconds of its
    optimizer update)."""
    train, dev, words, tags = protocol.conll2000_pos(data_dir)
    warm, timed = protocol.split_work(train, dev, work, mode)
    if batching == "padded-sorted":
        warm, timed = _sorted_buckets(warm), _sorted_buckets(timed)
    tn.manual_seed(protocol.SEED)
    model = BiLSTMTagger(len(words), len(tags), embed_dim=protocol.TAG_EMBED,
                         hidden_size=protocol.TAG_HIDDEN, dropout=0.0, sparse=True,
                         fused=batching != "dynamic-steps").to(device)
    optimizer = tn.optim.Adagrad(model.parameters(), lr=protocol.TREE_LR)
    encoded = {id(s): model.example([words.get(w, 0) for w in s[0]],
                                    tag_ids=[tags.get(t, 0) for t in s[1]])
               for batch in warm + timed for s in batch}
    padded = batching.startswith("padded")

    def train_step(batch: list[Any], context: Any) -> tuple[float, float]:
        optimizer.zero_grad()
        sentences = [encoded[id(s)] for s in batch]
        with context:
            loss = (padded_loss(model, sentences) if padded
                    else tn.stack([model.loss(s) for s in sentences]).sum())
            loss.backward()
        return loss.item(), protocol.timed_update(optimizer)

    def infer_step(batch: list[Any], context: Any) -> tuple[float, float]:
        sentences = [encoded[id(s)] for s in batch]
        with tn.no_grad(), context:
            scores = (padded_scores(model, sentences)[0] if padded
                      else tn.concatenate([model(s) for s in sentences]))
        return float(scores.cpu().numpy().argmax(axis=-1).size), 0.0

    return (train_step if mode == "train" else infer_step), (warm, timed)


def count(batch: list[Any], batching: str) -> tuple[int, int, int]:
    """(sentences, tokens, computed positions): padded batches compute max length x size."""
    lengths = [len(s[0]) for s in batch]
    positions = max(lengths) * len(batch) if batching.startswith("padded") else sum(lengths)
    return len(batch), sum(lengths), positions
