"""Tree-LSTM sentiment models: a two-leaf tree by hand, and eager == batched training."""

import numpy as np
import pytest

import treenet as tn
from treenet.data import dependency_tree, parse_tree
from treenet.data.vocab import Vocab
from treenet.models import ChildSumTreeLSTM, ConstituencyTreeLSTM, node_labels, tree_word_ids

TREES = ["(3 (2 a) (4 good))", "(1 (2 not) (3 (2 a) (4 good)))",
         "(0 (1 (2 very) (1 bad)) (2 (2 movie) (2 .)))", "(4 (4 great) (2 .))",
         "(2 (2 a) (2 (2 movie) (2 (2 not) (1 (2 very) (3 good)))))", "(1 bad)"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def params(model):
    return {name: p.numpy() for name, p in model.named_parameters()}


@pytest.fixture
def two_leaves():
    tree = parse_tree("(3 (1 not) (4 good))", num_classes=5)
    return tree, np.array([3, 7])


def test_constituency_two_leaf_tree_by_hand(two_leaves):
    tree, ids = two_leaves
    tn.manual_seed(1)
    model = ConstituencyTreeLSTM(10, embed_dim=4, hidden_size=3, dtype=np.float64).eval()
    p = params(model)
    H = 3

    def leaf(word):
        z = p["embed.weight"][word] @ p["cell.W_leaf"] + p["cell.b_leaf"]
        c = sigmoid(z[:H]) * np.tanh(z[2 * H:])
        return sigmoid(z[H:2 * H]) * np.tanh(c), c

    (hl, cl), (hr, cr) = leaf(3), leaf(7)
    z = np.concatenate([hl, hr]) @ p["cell.U"] + p["cell.b"]
    i, fl, fr, o, u = (z[k * H:(k + 1) * H] for k in range(5))
    c = sigmoid(i) * np.tanh(u) + sigmoid(fl) * cl + sigmoid(fr) * cr
    h = sigmoid(o) * np.tanh(c)
    expected = np.stack([hl, hr, h]) @ p["out.weight"] + p["out.bias"]
    np.testing.assert_allclose(model(tree, ids).numpy(), expected, rtol=1e-12)
    logp = expected - np.log(np.exp(expected).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(3), node_labels(tree)].sum()
    assert model.loss(tree, ids).item() == pytest.approx(loss, rel=1e-12)


def test_childsum_two_leaf_tree_by_hand(two_leaves):
    tree, ids = two_leaves
    tn.manual_seed(2)
    model = ChildSumTreeLSTM(10, embed_dim=4, hidden_size=3, dtype=np.float64).eval()
    p = params(model)
    H = 3

    def node(x, hs, cs):
        xw = x @ p["cell.input.weight"] + p["cell.input.bias"]
        iou = xw[:3 * H] + sum(hs, np.zeros(H)) @ p["cell.U_iou"]
        c = sigmoid(iou[:H]) * np.tanh(iou[2 * H:])
        for hk, ck in zip(hs, cs, strict=True):
            c = c + sigmoid(xw[3 * H:] + hk @ p["cell.U_f"]) * ck
        return sigmoid(iou[H:2 * H]) * np.tanh(c), c

    (hl, cl), (hr, cr) = (node(p["embed.weight"][w], [], []) for w in ids)
    h, _ = node(np.zeros(4), [hl, hr], [cl, cr])
    expected = np.stack([hl, hr, h]) @ p["out.weight"] + p["out.bias"]
    np.testing.assert_allclose(model(tree, ids).numpy(), expected, rtol=1e-12)


def sst_batches(batch_size=3):
    trees = [parse_tree(t, num_classes=5) for t in TREES]
    vocab = Vocab.build(t.words() for t in trees)
    examples = [(t, tree_word_ids(t, vocab)) for t in trees]
    return vocab, [examples[i:i + batch_size] for i in range(0, len(examples), batch_size)] * 2


@pytest.mark.parametrize("cls", [ConstituencyTreeLSTM, ChildSumTreeLSTM])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_eager_equals_batched(cls, dtype, same_training):
    vocab, batches = sst_batches()

    def make():
        return cls(len(vocab), embed_dim=6, hidden_size=5, dtype=dtype)

    def loss_of(model, batch):
        return tn.sum(tn.stack([model.loss(*example) for example in batch]))

    same_training(make, loss_of, batches, dtype)


def test_childsum_reads_dependency_trees(same_training):
    words = [["the", "cat", "sat"], ["dogs", "bark"], ["a", "very", "good", "movie", "."]]
    heads = [[2, 3, 0], [2, 0], [4, 3, 4, 0, 4]]
    trees = []
    for w, h in zip(words, heads, strict=True):
        tree = dependency_tree(w, h)
        for k, node in enumerate(tree.nodes()):
            node.label = k % 5
        trees.append(tree)
    vocab = Vocab.build(words)
    examples = [(t, tree_word_ids(t, vocab)) for t in trees]
    assert [len(ids) for _, ids in examples] == [3, 2, 5]  # every node has a word

    def make():
        return ChildSumTreeLSTM(len(vocab), embed_dim=6, hidden_size=5, dtype=np.float64)

    def loss_of(model, batch):
        return tn.sum(tn.stack([model.loss(*example) for example in batch]))

    same_training(make, loss_of, [examples] * 3, np.float64)
