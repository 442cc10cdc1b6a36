"""Hogwild: workers see each other's SGD updates (checked with barriers, not timing) and train
one shared Tree-LSTM."""

import multiprocessing as mp

import numpy as np
import pytest

import treenet as tn
from treenet.data import Vocab, parse_tree, read_sst
from treenet.models import ConstituencyTreeLSTM
from treenet.multiprocessing import hogwild, is_shared, release, share_memory_

ROUNDS = 6


def after_steps(initial: np.ndarray, steps: list[float]) -> list[np.ndarray]:
    """The weights after each step, in float32 like the workers' in-place SGD."""
    out, weight = [], initial.copy()
    for step in steps:
        weight -= np.float32(step)
        out.append(weight.copy())
    return out


def run_alternating(workers, method: str, share: bool):
    """Two workers alternate SGD steps on one Linear's weight; returns (initial, reads, final)."""
    tn.manual_seed(0)
    model = tn.nn.Linear(2, 3)
    if share:
        share_memory_(model)
    initial = model.weight.numpy().copy()
    ctx = mp.get_context(method)
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=workers.alternate, args=(rank, model, barrier, ROUNDS, results))
             for rank in (0, 1)]
    for p in procs:
        p.start()
    reads = dict(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    final = model.weight.numpy().copy()
    release(model)
    return initial, reads, final


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_see_each_others_updates(workers, method):
    initial, reads, final = run_alternating(workers, method, share=True)
    # after round r each worker reads every step so far, its own and the other's
    expected = after_steps(initial, [workers.STEPS[r % 2] for r in range(ROUNDS)])
    for rank in (0, 1):
        for got, want in zip(reads[rank], expected, strict=True):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(final, expected[-1])  # and the parent holds the result


def test_without_shared_memory_workers_see_only_their_own_updates(workers):
    initial, reads, final = run_alternating(workers, "fork", share=False)
    own = after_steps(initial, [workers.STEPS[1] if r % 2 else 0.0 for r in range(ROUNDS)])
    for got, want in zip(reads[1], own, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(final, initial)


TREES = ["(3 (2 a) (4 (3 good) (2 film)))", "(1 (2 a) (0 (1 bad) (2 film)))",
         "(4 (4 great) (2 fun))", "(0 (0 awful) (1 (2 dull) (2 plot)))"]


def small_model(vocab_size: int):
    tn.manual_seed(0)
    return ConstituencyTreeLSTM(vocab_size, embed_dim=8, hidden_size=8, dropout=0.0)


def examples(trees, vocab):
    return [(t, np.array(vocab.encode(t.words()), dtype=np.int64)) for t in trees]


@pytest.mark.parametrize("strategy", ["agenda", "none"])
def test_hogwild_trains_the_shared_model(workers, strategy):
    trees = [parse_tree(line, num_classes=5) for line in TREES]
    vocab = Vocab.build([t.words() for t in trees])
    data = examples(trees, vocab)
    model = small_model(len(vocab))
    before = {name: p.numpy().copy() for name, p in model.named_parameters()}
    reports = hogwild(model, workers.tree_loss, [data[:2], data[2:]], lr=0.1, batch_size=2,
                      epochs=3, strategy=strategy)
    assert [r.rank for r in reports] == [0, 1]
    assert all(r.examples == 6 and np.isfinite(r.loss) and r.stop > r.start for r in reports)
    assert all(is_shared(p) for p in model.parameters())
    for name, p in model.named_parameters():  # the workers' updates landed in our model
        assert not np.array_equal(p.numpy(), before[name]), name
    release(model)


def test_hogwild_on_sst(workers, data_dir):
    trees = read_sst(data_dir / "sst" / "train.txt")[:8]
    vocab = Vocab.build([t.words() for t in trees])
    model = small_model(len(vocab))
    data = examples(trees, vocab)
    reports = hogwild(model, workers.tree_loss, [data[0::2], data[1::2]], lr=0.05,
                      start_method="spawn")
    assert sum(r.examples for r in reports) == 8
    assert all(np.isfinite(r.loss) for r in reports)
    release(model)


def test_a_failing_worker_raises_with_its_traceback(workers):
    model = small_model(5)
    with pytest.raises(RuntimeError, match="this worker was told to fail"):
        hogwild(model, workers.failing_loss, [[0], [1]], lr=0.1)
    release(model)
