"""Train a Tree-LSTM sentiment classifier on SST, with the model written per example.

    python examples/train_tree_lstm.py [--data DIR] [--epochs 3] [--no-autobatch]

The model is plain recursion over ONE tree (treenet.models.ConstituencyTreeLSTM); wrapping a
minibatch in `treenet.autobatch()` runs the same code batched. Without --data, SST is looked
for in $TREENET_DATA/sst, then the cache, then downloaded from Stanford.
"""

import argparse
import random
import time

import numpy as np

import treenet as tn
from treenet.data import Vocab, load_sst
from treenet.models import ConstituencyTreeLSTM

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="folder with SST's train.txt and dev.txt")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=25)
parser.add_argument("--no-autobatch", action="store_true", help="run one example at a time")
args = parser.parse_args()

train, dev = (load_sst(split, data_dir=args.data) for split in ("train", "dev"))
vocab = Vocab.build([tree.words() for tree in train])
tn.manual_seed(0)
model = ConstituencyTreeLSTM(len(vocab), embed_dim=100, hidden_size=150)
opt = tn.optim.Adagrad([
    {"params": [p for name, p in model.named_parameters() if not name.startswith("embed")],
     "weight_decay": 1e-4},
    {"params": model.embed.parameters(), "lr": 0.1},  # embeddings at their own rate
], lr=0.05)


def batch_context():
    return tn.autobatch("none" if args.no_autobatch else "agenda")


def accuracy(trees):
    model.eval()
    correct = 0
    with tn.no_grad():
        for start in range(0, len(trees), 100):
            chunk = trees[start:start + 100]
            with batch_context():
                logits = [model(t, vocab.encode(t.words())) for t in chunk]
            roots = np.array([y.numpy()[-1].argmax() for y in logits])  # post-order: root last
            correct += int((roots == [t.label for t in chunk]).sum())
    model.train()
    return correct / len(trees)


for epoch in range(1, args.epochs + 1):
    random.Random(epoch).shuffle(train)
    start, total = time.perf_counter(), 0.0
    for i in range(0, len(train), args.batch_size):
        batch = train[i:i + args.batch_size]
        opt.zero_grad()
        with batch_context():                       # the same per-example code, batched
            loss = tn.stack([model.loss(t, vocab.encode(t.words())) for t in batch]).sum()
            loss.backward()
        opt.step()
        total += loss.item()
    seconds = time.perf_counter() - start
    print(f"epoch {epoch}: loss/sentence {total / len(train):.3f}, "
          f"{len(train) / seconds:.0f} sentences/s, dev root accuracy {accuracy(dev):.3f}")
