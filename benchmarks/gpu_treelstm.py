"""Tree-LSTM training on a GPU (or the CPU): per-example code under autobatch vs run one
example at a time.

Random binary trees shaped like SST's (8 to 40 words; no data files needed), or with --data
DIR (the corpora folder, TREENET_DATA) SST's training trees in the protocol's order; the
benchmark's model (embedding 300, hidden 150, loss on every node, Adagrad, sparse embedding
rows), constituency or child-sum (--model), float32. Prints sentences/s per configuration
(median of --repeats runs of --batches minibatches after one warm-up pass) and the
dynamic/unbatched ratio, measured side by side in one process.

    python benchmarks/gpu_treelstm.py [--device cuda] [--batch-size 25] [--batches 8]
    python benchmarks/gpu_treelstm.py --device cpu --model childsum --data $TREENET_DATA
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import treenet as tn
from treenet.bench import protocol
from treenet.data.tree import Tree
from treenet.models import ChildSumTreeLSTM, ConstituencyTreeLSTM

VOCAB = 5000
MODELS = {"constituency": ConstituencyTreeLSTM, "childsum": ChildSumTreeLSTM}


def random_tree(rng: np.random.Generator, words: int) -> Tree:
    """A random binary tree over `words` leaves with labels 0-4 on every node."""
    if words == 1:
        return Tree(int(rng.integers(5)), word=f"w{rng.integers(VOCAB)}")
    left = int(rng.integers(1, words))
    return Tree(int(rng.integers(5)), [random_tree(rng, left), random_tree(rng, words - left)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strategies", default="agenda,none")
    parser.add_argument("--model", choices=sorted(MODELS), default="constituency")
    parser.add_argument("--data", type=Path,
                        help="the corpora folder (TREENET_DATA): SST's trees, else random ones")
    args = parser.parse_args()
    if args.data is None:
        rng = np.random.default_rng(0)
        trees = [random_tree(rng, int(rng.integers(8, 41)))
                 for _ in range(args.batches * args.batch_size)]
        vocab = {f"w{i}": i for i in range(VOCAB)}
    else:
        trees, _, vocab = protocol.sst(args.data)
    batches = [trees[i * args.batch_size:(i + 1) * args.batch_size] for i in range(args.batches)]
    ids = {id(t): np.array([vocab.get(w, 0) for w in t.words()]) for b in batches for t in b}
    tn.manual_seed(0)
    model = MODELS[args.model](len(vocab), 300, 150, 5, dropout=0.0).to(args.device)
    optimizer = tn.optim.Adagrad(model.parameters(), lr=0.05)

    def epoch(strategy: str) -> float:
        start = time.perf_counter()
        for batch in batches:
            optimizer.zero_grad()
            with tn.autobatch(strategy):
                loss = tn.stack([model.loss(t, ids[id(t)]) for t in batch]).sum()
                loss.backward()
            optimizer.step()
        protocol.synchronize(args.device)
        return len(batches) * args.batch_size / (time.perf_counter() - start)

    strategies = args.strategies.split(",")
    for strategy in strategies:
        epoch(strategy)  # warm-up: kernels compiled, memory pool filled
    rates: dict[str, list[float]] = {s: [] for s in strategies}
    for _ in range(args.repeats):
        for strategy in strategies:
            rates[strategy].append(epoch(strategy))
    print(f"{args.model} Tree-LSTM training on {args.device}, "
          f"{'SST' if args.data else 'random trees'}, minibatch {args.batch_size}, "
          f"{args.batches} minibatches, median of {args.repeats}")
    for strategy in strategies:
        print(f"  {strategy:8s} {statistics.median(rates[strategy]):9.1f} sentences/s "
              f"(runs {', '.join(f'{r:.1f}' for r in rates[strategy])})")
    if "agenda" in rates and "none" in rates:
        ratio = statistics.median(rates["agenda"]) / statistics.median(rates["none"])
        print(f"  dynamic / unbatched: {ratio:.1f}x")


if __name__ == "__main__":
    main()
