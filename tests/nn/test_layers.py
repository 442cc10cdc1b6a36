"""Linear, Embedding and Dropout: values, gradients, reuse in one graph, sparse and frozen."""

import numpy as np
import pytest

import treenet as tn
from treenet import nn


def _torch():
    return pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")


def _input(*shape, seed=0):
    return tn.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


# ---- Linear -------------------------------------------------------------------------------
def test_linear_is_x_at_weight_plus_bias():
    layer = nn.Linear(4, 3, dtype=np.float64)
    x = _input(5, 4)
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), x.numpy() @ layer.weight.numpy() + layer.bias.numpy())
    y.backward(np.ones((5, 3)))
    np.testing.assert_allclose(layer.weight.grad.numpy(), x.numpy().T @ np.ones((5, 3)))
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(3, 5.0))
    assert nn.Linear(4, 3, bias=False).bias is None
    assert [n for n, _ in nn.Linear(4, 3, bias=False).named_parameters()] == ["weight"]


def test_linear_gradcheck():
    layer = nn.Linear(4, 3, dtype=np.float64)
    tn.gradcheck(lambda x, w, b: layer(x), [_input(2, 4), layer.weight, layer.bias])


def test_linear_matches_torch():
    torch = _torch()
    layer = nn.Linear(4, 3, dtype=np.float64)
    ref = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.weight.numpy().T))  # torch stores (out, in)
        ref.bias.copy_(torch.tensor(layer.bias.numpy()))
    x = np.random.default_rng(0).standard_normal((5, 4))
    y, y_ref = layer(tn.tensor(x)), ref(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), y_ref.detach().numpy(), rtol=1e-12)
    projection = np.random.default_rng(1).standard_normal((5, 3))
    y.backward(projection)
    y_ref.backward(torch.tensor(projection))
    np.testing.assert_allclose(layer.weight.grad.numpy(), ref.weight.grad.numpy().T, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=1e-12)


def test_a_layer_used_at_many_nodes_accumulates_every_use():
    layer = nn.Linear(4, 3, dtype=np.float64)
    xs = [_input(1, 4, seed=k) for k in range(50)]

    def node_loss(x):
        return tn.sum(tn.tanh(layer(x)) ** 2)

    each = []
    for x in xs:
        layer.zero_grad()
        node_loss(x).backward()
        each.append((layer.weight.grad.numpy().copy(), layer.bias.grad.numpy().copy()))
    layer.zero_grad()
    tn.sum(tn.stack([node_loss(x) for x in xs])).backward()  # one graph, 50 uses
    np.testing.assert_allclose(layer.weight.grad.numpy(), sum(w for w, _ in each), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.numpy(), sum(b for _, b in each), rtol=1e-12)


# ---- Embedding ----------------------------------------------------------------------------
IDS = np.array([[3, 1, 3], [0, 3, 5]])


def test_embedding_looks_up_rows_and_sums_repeated_gradients():
    table = nn.Embedding(6, 4, dtype=np.float64)
    out = table(IDS)
    np.testing.assert_array_equal(out.numpy(), table.weight.numpy()[IDS])
    out.backward(np.ones((2, 3, 4)))
    np.testing.assert_array_equal(table.weight.grad.numpy()[:, 0], [1, 1, 0, 3, 0, 1])
    assert table(3).shape == (4,)


def test_embedding_sparse_gradient_equals_dense_gradient():
    dense = nn.Embedding(6, 4, dtype=np.float64)
    sparse = nn.Embedding(6, 4, sparse=True, dtype=np.float64)
    sparse.load_state_dict(dense.state_dict())
    projection = np.random.default_rng(0).standard_normal((2, 3, 4))
    for table in (dense, sparse):
        (table(IDS) * projection).sum().backward()
        (table(IDS[0]) * projection[1]).sum().backward()  # accumulates a second lookup
    assert isinstance(sparse.weight.grad, tn.RowSparseGrad)
    np.testing.assert_allclose(sparse.weight.grad.to_dense(), dense.weight.grad.numpy())


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    table = nn.Embedding(6, 4, padding_idx=3, dtype=np.float64)
    assert (table.weight.numpy()[3] == 0).all()
    out = table(IDS)
    assert (out.numpy()[IDS == 3] == 0).all()
    out.backward(np.ones((2, 3, 4)))
    np.testing.assert_array_equal(table.weight.grad.numpy()[:, 0], [1, 1, 0, 0, 0, 1])


def test_from_pretrained_copies_the_matrix_and_freezes_it():
    matrix = np.random.default_rng(0).standard_normal((5, 3))
    state = tn.get_rng_state()
    frozen = nn.Embedding.from_pretrained(matrix)
    assert tn.get_rng_state() == state  # no random draws wasted on a table that is replaced
    matrix[0] = 0
    assert frozen.weight.dtype == np.float64 and (frozen.weight.numpy()[0] != 0).all()
    head = nn.Linear(3, 1, dtype=np.float64)
    head(frozen([1, 2])).sum().backward()
    assert frozen.weight.grad is None and head.weight.grad is not None
    trainable = nn.Embedding.from_pretrained(matrix, freeze=False, sparse=True)
    trainable([1, 2]).sum().backward()
    assert isinstance(trainable.weight.grad, tn.RowSparseGrad)


def test_embedding_matches_torch():
    torch = _torch()
    table = nn.Embedding(6, 4, padding_idx=3, dtype=np.float64)
    ref = torch.nn.Embedding.from_pretrained(torch.tensor(table.weight.numpy()), freeze=False,
                                             padding_idx=3)
    out, out_ref = table(IDS), ref(torch.tensor(IDS))
    np.testing.assert_array_equal(out.numpy(), out_ref.detach().numpy())
    projection = np.random.default_rng(1).standard_normal((2, 3, 4))
    out.backward(projection)
    out_ref.backward(torch.tensor(projection))
    np.testing.assert_allclose(table.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-12)


# ---- Dropout ------------------------------------------------------------------------------
def test_dropout_is_active_in_training_and_the_identity_in_eval():
    layer = nn.Dropout(0.5)
    x = tn.ones(100, 40)
    tn.manual_seed(0)
    y = layer(x).numpy()
    assert set(np.unique(y)) == {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6
    model = nn.Sequential(nn.Linear(40, 40), layer)
    model.eval()
    assert layer(x) is x
    model.train()
    assert (layer(x).numpy() == 0).any()
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        nn.Dropout(1.0)
