"""Dynamic vs padded vs unbatched execution of the same Tree-LSTM, as a short script.

    python examples/compare_batching.py [--data DIR] [--sentences 200] [--batch-size 25]

The model is written once, per example. "dynamic" runs it under `treenet.autobatch()`,
"none" one tree at a time, "padded" through the hand-written level-wise implementation over
the same parameters. The losses agree; the speeds do not. (`treenet bench` is the full harness:
peers, sweeps, repeats, peak memory, plots.)
"""

import argparse
import os
import time

import numpy as np

import treenet as tn
from treenet.data import Vocab, read_sst
from treenet.models import ConstituencyTreeLSTM
from treenet.models.levelwise import levelwise_loss

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", default=os.environ.get("TREENET_DATA"), help="corpora folder")
parser.add_argument("--sentences", type=int, default=200)
parser.add_argument("--batch-size", type=int, default=25)
args = parser.parse_args()

trees = read_sst(os.path.join(args.data, "sst", "train.txt"))[:args.sentences]
vocab = Vocab.build([t.words() for t in trees])
ids = [np.array(vocab.encode(t.words())) for t in trees]
batches = [range(i, min(i + args.batch_size, len(trees)))
           for i in range(0, len(trees), args.batch_size)]

for batching in ("dynamic", "padded", "none"):
    tn.manual_seed(0)
    model = ConstituencyTreeLSTM(len(vocab), dropout=0.0)  # same initial weights each time
    opt = tn.optim.Adagrad(model.parameters(), lr=0.05)
    total, start = 0.0, time.perf_counter()
    for batch in batches:
        opt.zero_grad()
        with tn.autobatch("agenda" if batching == "dynamic" else "none"):
            if batching == "padded":
                loss = levelwise_loss(model, [trees[i] for i in batch], [ids[i] for i in batch])
            else:
                loss = tn.stack([model.loss(trees[i], ids[i]) for i in batch]).sum()
            loss.backward()
        opt.step()
        total += loss.item()
    seconds = time.perf_counter() - start
    print(f"{batching:8s} {len(trees) / seconds:7.1f} sentences/s   "
          f"mean loss per sentence {total / len(trees):.4f}")
