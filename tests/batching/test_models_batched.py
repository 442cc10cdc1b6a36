"""Real models on real data: loss and every parameter gradient under "agenda" and "depth" equal
eager per-example execution (dropout on), and the Tree-LSTM cell really batches."""

import numpy as np
import pytest

import treenet as tn
from treenet.data import Vocab, read_conll, read_sst
from treenet.models import BiLSTMTagger, ConstituencyTreeLSTM

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def _relative_error(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)  # 1e-300 underflows float32
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


def _dense(grad):
    return grad.to_dense() if isinstance(grad, tn.RowSparseGrad) else grad.numpy()


def _run(model, losses, strategy, seed=7):
    """Loss and parameter gradients of one minibatch (dropout masks seeded identically)."""
    model.zero_grad()
    tn.manual_seed(seed)
    with tn.autobatch(strategy) as batch:
        loss = tn.stack(losses()).sum()
        loss.backward()
    grads = {name: _dense(p.grad).copy() for name, p in model.named_parameters()}
    return loss.item(), grads, batch.profile


def _assert_same(model, losses, dtype):
    eager_loss, eager_grads, _ = _run(model, losses, "none")
    profiles = {}
    for strategy in ("agenda", "depth"):
        loss, grads, profiles[strategy] = _run(model, losses, strategy)
        assert abs(loss - eager_loss) <= TOLERANCE[dtype] * abs(eager_loss)
        for name, grad in grads.items():
            assert _relative_error(grad, eager_grads[name]) <= TOLERANCE[dtype], (strategy, name)
    return profiles


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_tree_lstm_on_25_sst_trees(data_dir, dtype):
    trees = read_sst(data_dir / "sst" / "train.txt")[:25]
    vocab = Vocab.build([t.words() for t in trees])
    ids = [np.array(vocab.encode(t.words())) for t in trees]
    tn.manual_seed(0)
    model = ConstituencyTreeLSTM(len(vocab), embed_dim=16, hidden_size=12, dropout=0.5,
                                 dtype=np.dtype(dtype))
    profiles = _assert_same(model, lambda: [model.loss(t, i) for t, i in zip(trees, ids,
                                                                             strict=True)], dtype)
    for profile in profiles.values():
        assert profile.group_size("binary_tree_lstm") >= 10, profile.table()


@pytest.mark.parametrize(("fused", "recurrent_op"), [(True, "lstm_sequence"),
                                                     (False, "lstm_step")])
def test_bilstm_tagger_on_sentences_of_mixed_lengths(data_dir, fused, recurrent_op):
    sentences = read_conll(data_dir / "conll2000" / "train.txt", columns=[0, 1])[:16]
    assert len({len(words) for words, _ in sentences}) > 8
    words = Vocab.build([w for w, _ in sentences])
    tags = Vocab.build([t for _, t in sentences], unk=None)
    tn.manual_seed(0)
    model = BiLSTMTagger(len(words), len(tags), embed_dim=10, hidden_size=8, dropout=0.5,
                         dtype=np.float64, fused=fused)
    examples = [model.example(words.encode(w), tag_ids=tags.encode(t)) for w, t in sentences]
    profiles = _assert_same(model, lambda: [model.loss(s) for s in examples], "float64")
    # fused: each direction of all 16 sentences is one launch; steps: token t of each sentence
    assert profiles["agenda"].group_size(recurrent_op) >= 8, profiles["agenda"].table()
