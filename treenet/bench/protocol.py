"""The reference benchmark protocol (same as ../shared/peers/common.py): data, order, sizes.

Every system sees the same sentences in the same order: SST train in file order shuffled with
random.Random(1), vocabulary from train words (id 0 = unknown); warm-up on the first sentences,
then the timed ones; inference times several passes over the first dev sentences.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from treenet.tensor.backend import get_backend

SEED = 1
INFER_PASSES = 3


@dataclass(frozen=True)
class Workload:
    """Sizes of one benchmark task (identical for every peer)."""

    batch_size: int
    warmup: int
    timed: int


TREELSTM = Workload(batch_size=25, warmup=100, timed=1000)
TAGGER = Workload(batch_size=32, warmup=128, timed=1000)
TREE_EMBED, TREE_HIDDEN, TREE_CLASSES, TREE_LR = 300, 150, 5, 0.05
TAG_EMBED, TAG_HIDDEN = 128, 128


def timed_update(optimizer: Any) -> float:
    """`optimizer.step()`; returns its seconds (array updates, reported apart from the
    framework's own time)."""
    start = time.perf_counter()
    optimizer.step()
    return time.perf_counter() - start


def synchronize(device: str) -> None:
    """Wait for the device's queued work (GPU kernels run asynchronously); no-op on the CPU."""
    if device != "cpu":
        get_backend(device).xp.cuda.runtime.deviceSynchronize()


def _vocab(sentences: list[list[str]]) -> dict[str, int]:
    ids = {"<unk>": 0}
    for words in sentences:
        for word in words:
            ids.setdefault(word, len(ids))
    return ids


def sst(data_dir: Path) -> tuple[list[Any], list[Any], dict[str, int]]:
    """(train, dev, word ids): trees of SST train (shuffled as the peers do) and dev."""
    from treenet.data import read_sst

    train = read_sst(data_dir / "sst" / "train.txt")
    dev = read_sst(data_dir / "sst" / "dev.txt")
    vocab = _vocab([t.words() for t in train])
    random.Random(SEED).shuffle(train)
    return train, dev, vocab


def conll2000_pos(data_dir: Path) -> tuple[list[Any], list[Any], dict[str, int], dict[str, int]]:
    """(train, dev, word ids, tag ids): CoNLL-2000 (word, POS) sentences, shuffled as the peers."""
    from treenet.data import read_conll

    train = read_conll(data_dir / "conll2000" / "train.txt", columns=[0, 1])
    dev = read_conll(data_dir / "conll2000" / "dev.txt", columns=[0, 1])
    words = _vocab([s[0] for s in train])
    tags: dict[str, int] = {}
    for sentence in train:
        for tag in sentence[1]:
            tags.setdefault(tag, len(tags))
    random.Random(SEED).shuffle(train)
    return train, dev, words, tags


def split_work(train: list[Any], dev: list[Any], work: Workload,
               mode: str) -> tuple[list[list[Any]], list[list[Any]]]:
    """(warm-up batches, timed batches) in the peers' order. $TREENET_BENCH_SIZES="warm,timed"
    shrinks the work (tests, quick looks); figures from it are not the protocol's."""
    sizes = os.environ.get("TREENET_BENCH_SIZES")
    if sizes:
        warmup, timed_count = (int(n) for n in sizes.split(","))
        work = Workload(work.batch_size, warmup, timed_count)
    if mode == "train":
        warm, timed, passes = (train[:work.warmup],
                               train[work.warmup:work.warmup + work.timed], 1)
    else:
        warm, timed, passes = dev[:work.warmup], dev[:work.timed], INFER_PASSES
    if len(timed) != work.timed:
        raise ValueError(f"not enough sentences: need {work.timed}, have {len(timed)}")
    size = work.batch_size

    def batches(items: list[Any]) -> list[list[Any]]:
        return [items[i:i + size] for i in range(0, len(items), size)]

    return batches(warm), batches(timed) * passes
