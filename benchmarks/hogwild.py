"""Hogwild throughput: SST sentences/s training one shared Tree-LSTM with 1 and 2 worker processes.

    python benchmarks/hogwild.py [--data DIR] [--sentences 400] [--workers 1 2] [--repeats 3]

Each run trains a fresh ConstituencyTreeLSTM (300-d embeddings, hidden 150, the full SST train
vocabulary) for one pass over the same `--sentences` trees, split into one shard per worker, with
`treenet.multiprocessing.hogwild` (plain SGD written into shared memory, no locks). Two modes:
one sentence per update run eagerly (classic Hogwild), and minibatches of `--batch-size` run
under autobatch. Throughput is sentences over the training interval (from the workers' start
barrier to the last worker's end; process start-up excluded); the median of `--repeats` runs.
The load average before the runs is printed too: other busy processes take cores from the
workers, and with 2 CPUs one busy neighbour halves what 2 workers can do.
Each worker's BLAS is single-threaded (set before numpy loads), the usual Hogwild setup: more
workers than cores' worth of threads only fight over the cores.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import treenet as tn  # noqa: E402
from treenet.data import Vocab, find_sst, read_sst, shuffled  # noqa: E402
from treenet.models import ConstituencyTreeLSTM  # noqa: E402
from treenet.multiprocessing import hogwild, release  # noqa: E402


def tree_loss(model: tn.nn.Module, example: tuple[Any, np.ndarray]) -> tn.Tensor:
    tree, word_ids = example
    return model.loss(tree, word_ids)


def run(vocab_size: int, data: list[Any], workers: int, batch_size: int,
        strategy: str) -> tuple[float, float]:
    """One Hogwild pass; returns (sentences/s over the training interval, mean loss)."""
    tn.manual_seed(0)
    model = ConstituencyTreeLSTM(vocab_size, embed_dim=300, hidden_size=150)
    shards = [data[rank::workers] for rank in range(workers)]
    reports = hogwild(model, tree_loss, shards, lr=0.05 / batch_size, batch_size=batch_size,
                      strategy=strategy)
    release(model)
    seconds = max(r.stop for r in reports) - min(r.start for r in reports)
    loss = sum(r.loss * r.examples for r in reports) / len(data)
    return len(data) / seconds, loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with SST's train.txt (default: $TREENET_DATA/sst)")
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-size", type=int, default=8, help="for the autobatch mode")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    train = read_sst(find_sst(args.data, download=False) / "train.txt")
    vocab = Vocab.build([t.words() for t in train])
    data = [(t, np.array(vocab.encode(t.words()), dtype=np.int64))
            for t in shuffled(train, 0)[:args.sentences]]
    modes = {"eager, 1 sentence/update": (1, "none"),
             f"autobatch, {args.batch_size} sentences/update": (args.batch_size, "agenda")}
    results = []
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    for mode, (batch_size, strategy) in modes.items():
        for workers in args.workers:
            runs = [run(len(vocab), data, workers, batch_size, strategy)
                    for _ in range(args.repeats)]
            rates = [rate for rate, _ in runs]
            results.append({"mode": mode, "workers": workers,
                            "sentences_per_s": statistics.median(rates),
                            "runs": [round(r, 1) for r in rates],
                            "mean_loss": round(statistics.median(l for _, l in runs), 3)})
    if args.json:
        print(json.dumps({"sentences": len(data), "cpus": os.cpu_count(),
                          "load_average_before": load_before, "results": results}))
        return
    print(f"{len(data)} SST sentences per run, {os.cpu_count()} CPUs (1-min load average "
          f"{load_before:.2f} before), median of {args.repeats} runs "
          f"({time.perf_counter() - start:.0f} s in all)")
    for r in results:
        print(f"  {r['mode']:32s} {r['workers']} worker(s): {r['sentences_per_s']:7.1f} "
              f"sentences/s   runs {r['runs']}   loss/sentence {r['mean_loss']}")


if __name__ == "__main__":
    main()
