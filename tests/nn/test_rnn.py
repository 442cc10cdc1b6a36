"""LSTMCell, GRUCell and the variable-length (bi)LSTM against hand computations and PyTorch."""

import numpy as np
import pytest

import treenet as tn
from treenet import nn


def _torch():
    return pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _grads(module):
    return {name: p.grad.numpy().copy() for name, p in module.named_parameters()}


# ---- cells --------------------------------------------------------------------------------
def test_lstm_cell_by_hand():
    cell = nn.LSTMCell(3, 2, dtype=np.float64)
    x, h, c = _randn(4, 3), _randn(4, 2, seed=1), _randn(4, 2, seed=2)
    i, f, g, o = np.split(x @ cell.W.numpy() + h @ cell.U.numpy() + cell.b.numpy(), 4, axis=1)
    c2 = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    h2, c2_ours = cell(tn.tensor(x), (tn.tensor(h), tn.tensor(c)))
    np.testing.assert_allclose(c2_ours.numpy(), c2, rtol=1e-12)
    np.testing.assert_allclose(h2.numpy(), _sigmoid(o) * np.tanh(c2), rtol=1e-12)
    zeros = tn.zeros(4, 2, dtype=np.float64)
    np.testing.assert_array_equal(cell(tn.tensor(x))[0].numpy(),
                                  cell(tn.tensor(x), (zeros, zeros))[0].numpy())


def test_lstm_cell_steps_from_a_precomputed_input_projection():
    cell = nn.LSTMCell(3, 2, dtype=np.float64)
    x, h, c = _randn(4, 3), _randn(4, 2, seed=1), _randn(4, 2, seed=2)
    state = (tn.tensor(h), tn.tensor(c))
    gates = cell.input_projection(tn.tensor(x))
    assert gates.shape == (4, 8)
    for ours, expected in zip(cell.step(gates, state), cell(tn.tensor(x), state), strict=True):
        np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(cell.step(gates)[1].numpy(), cell(tn.tensor(x))[1].numpy(),
                               rtol=1e-12)


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_cell_sequence_equals_its_steps(reverse):
    cell = nn.LSTMCell(3, 2, dtype=np.float64)
    x = tn.tensor(_randn(5, 3))
    outputs = cell.sequence(x, reverse=reverse)
    gates, state, steps = cell.input_projection(x), None, [None] * 5
    for t in range(4, -1, -1) if reverse else range(5):
        state = cell.step(gates[t:t + 1], state)
        steps[t] = state[0]
    expected = tn.concatenate(steps)
    np.testing.assert_allclose(outputs.numpy(), expected.numpy(), rtol=1e-12)
    weights = tn.tensor(_randn(5, 2, seed=3))
    (outputs * weights).sum().backward()
    grads = _grads(cell)
    cell.zero_grad()
    (expected * weights).sum().backward()
    for name, g in _grads(cell).items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, err_msg=name)


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_sequence_of_joined_sequences_matches_torch_lstm(reverse):
    torch = _torch()
    lengths = (4, 1, 6, 0, 3)
    x, U = _randn(sum(lengths), 8), 0.5 * _randn(2, 8, seed=1)
    gx, u = tn.tensor(x, requires_grad=True), tn.tensor(U, requires_grad=True)
    ours = tn.lstm_sequence(gx, u, lengths=lengths, reverse=reverse)
    ref = torch.nn.LSTM(8, 2, bias=False).double()  # gx is the input: weight_ih = identity
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.eye(8, dtype=torch.float64))
        ref.weight_hh_l0.copy_(torch.tensor(U.T))
    xt = torch.tensor(x, requires_grad=True)
    pieces = [p for p in torch.split(xt, lengths) if len(p)]
    packed = torch.nn.utils.rnn.pack_sequence([p.flip(0) if reverse else p for p in pieces],
                                              enforce_sorted=False)
    padded, _ = torch.nn.utils.rnn.pad_packed_sequence(ref(packed)[0], batch_first=True)
    theirs = torch.cat([padded[k, :len(p)].flip(0) if reverse else padded[k, :len(p)]
                        for k, p in enumerate(pieces)])
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-14)
    weights = _randn(*ours.shape, seed=2)
    (ours * tn.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(u.grad.numpy(), ref.weight_hh_l0.grad.numpy().T, rtol=1e-9,
                               atol=1e-13)


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_sequences_of_many_examples_run_as_one_launch(reverse):
    cell = nn.LSTMCell(3, 2, dtype=np.float64)
    xs = [tn.tensor(_randn(n, 3, seed=n)) for n in (4, 1, 0, 6)]

    def loss():
        return tn.stack([(cell.sequence(x, reverse) * (k + 1)).sum()
                         for k, x in enumerate(xs)]).sum()

    eager = loss()
    eager.backward()
    expected = _grads(cell)
    cell.zero_grad()
    with tn.autobatch() as batch:
        batched = loss()
        batched.backward()
    assert batch.profile.launches_by_op["lstm_sequence"] == 1  # all four sequences
    np.testing.assert_allclose(batched.item(), eager.item(), rtol=1e-12)
    for name, g in _grads(cell).items():
        np.testing.assert_allclose(g, expected[name], rtol=1e-10, err_msg=name)


def test_gru_cell_by_hand():
    cell = nn.GRUCell(3, 2, dtype=np.float64)
    x, h = _randn(4, 3), _randn(4, 2, seed=1)
    gx, gh = x @ cell.W.numpy() + cell.b.numpy(), h @ cell.U.numpy()
    r = _sigmoid(gx[:, :2] + gh[:, :2])
    z = _sigmoid(gx[:, 2:4] + gh[:, 2:4])
    n = np.tanh(gx[:, 4:] + r * (gh[:, 4:] + cell.b_hn.numpy()))
    np.testing.assert_allclose(cell(tn.tensor(x), tn.tensor(h)).numpy(), (1 - z) * n + z * h,
                               rtol=1e-12)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell"])
def test_cell_gradcheck(kind):
    cell = getattr(nn, kind)(3, 2, dtype=np.float64)
    x = tn.tensor(_randn(4, 3), requires_grad=True)
    h = tn.tensor(_randn(4, 2, seed=1), requires_grad=True)
    state = (h, tn.tensor(_randn(4, 2, seed=2), requires_grad=True)) if kind == "LSTMCell" else h

    def first_output(x, *_):
        out = cell(x, state)
        return out[0] if kind == "LSTMCell" else out

    assert tn.gradcheck(first_output, [x, h, *cell.parameters()])


def _copy_cell_weights(torch, cell, ref):
    H = cell.hidden_size
    with torch.no_grad():
        ref.weight_ih.copy_(torch.tensor(cell.W.numpy().T))
        ref.weight_hh.copy_(torch.tensor(cell.U.numpy().T))
        ref.bias_ih.copy_(torch.tensor(cell.b.numpy()))
        ref.bias_hh.zero_()
        if isinstance(ref, torch.nn.GRUCell):
            ref.bias_hh[2 * H:] = torch.tensor(cell.b_hn.numpy())


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell"])
def test_cell_matches_torch(kind):
    torch = _torch()
    cell = getattr(nn, kind)(3, 2, dtype=np.float64)
    ref = getattr(torch.nn, kind)(3, 2).double()
    _copy_cell_weights(torch, cell, ref)
    x, h = _randn(4, 3), _randn(4, 2, seed=1)
    x_ref, h_ref = (torch.tensor(a, requires_grad=True) for a in (x, h))
    x_ours, h_ours = (tn.tensor(a, requires_grad=True) for a in (x, h))
    if kind == "LSTMCell":
        c = _randn(4, 2, seed=2)
        out = cell(x_ours, (h_ours, tn.tensor(c)))[0]
        out_ref = ref(x_ref, (h_ref, torch.tensor(c)))[0]
    else:
        out, out_ref = cell(x_ours, h_ours), ref(x_ref, h_ref)
    np.testing.assert_allclose(out.numpy(), out_ref.detach().numpy(), rtol=1e-12)
    projection = _randn(4, 2, seed=3)
    out.backward(projection)
    out_ref.backward(torch.tensor(projection))
    np.testing.assert_allclose(x_ours.grad.numpy(), x_ref.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(h_ours.grad.numpy(), h_ref.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(cell.W.grad.numpy(), ref.weight_ih.grad.numpy().T, rtol=1e-10)
    np.testing.assert_allclose(cell.U.grad.numpy(), ref.weight_hh.grad.numpy().T, rtol=1e-10)
    np.testing.assert_allclose(cell.b.grad.numpy(), ref.bias_ih.grad.numpy(), rtol=1e-10)
    if kind == "GRUCell":
        np.testing.assert_allclose(cell.b_hn.grad.numpy(), ref.bias_hh.grad.numpy()[4:],
                                   rtol=1e-10)


# ---- LSTM over variable-length sequences --------------------------------------------------
LENGTHS = [3, 7, 1, 7, 4]


def _sequences(D=3):
    return [tn.tensor(_randn(n, D, seed=k)) for k, n in enumerate(LENGTHS)]


def _loss(outputs):
    return tn.sum(tn.stack([tn.sum(tn.tanh(o) * (k + 1)) for k, o in enumerate(outputs)]))


def test_lstm_batch_equals_each_sequence_alone():
    tn.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=np.float64)
    sequences = _sequences()
    outputs = lstm(sequences)
    _loss(outputs).backward()
    batched = _grads(lstm)
    alone_grads = []
    for k, x in enumerate(sequences):
        lstm.zero_grad()
        (out,) = lstm([x])
        np.testing.assert_allclose(outputs[k].numpy(), out.numpy(), rtol=1e-12, atol=1e-14)
        tn.sum(tn.tanh(out) * (k + 1)).backward()
        alone_grads.append(_grads(lstm))
    for name, g in batched.items():
        np.testing.assert_allclose(g, sum(a[name] for a in alone_grads), rtol=1e-10, atol=1e-13)


def test_lstm_runs_one_op_per_layer_and_direction():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    with tn.autobatch() as batch:
        outputs = lstm(_sequences())
        assert [len(o) for o in outputs] == LENGTHS
    assert batch.profile.nodes_by_op["lstm_sequence"] == 4


def test_lstm_matches_torch_with_packed_sequences():
    torch = _torch()
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=np.float64)
    ref = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    with torch.no_grad():
        for layer in range(2):
            for d, suffix in enumerate(["", "_reverse"]):
                cell = lstm.cells[2 * layer + d]
                getattr(ref, f"weight_ih_l{layer}{suffix}").copy_(torch.tensor(cell.W.numpy().T))
                getattr(ref, f"weight_hh_l{layer}{suffix}").copy_(torch.tensor(cell.U.numpy().T))
                getattr(ref, f"bias_ih_l{layer}{suffix}").copy_(torch.tensor(cell.b.numpy()))
                getattr(ref, f"bias_hh_l{layer}{suffix}").zero_()
    sequences = _sequences()
    outputs = lstm(sequences)
    packed = torch.nn.utils.rnn.pack_sequence([torch.tensor(x.numpy()) for x in sequences],
                                              enforce_sorted=False)
    padded, _ = torch.nn.utils.rnn.pad_packed_sequence(ref(packed)[0], batch_first=True)
    outputs_ref = [padded[k, :n] for k, n in enumerate(LENGTHS)]
    for ours, theirs in zip(outputs, outputs_ref, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-14)
    _loss(outputs).backward()
    sum(torch.sum(torch.tanh(o) * (k + 1)) for k, o in enumerate(outputs_ref)).backward()
    for layer in range(2):
        for d, suffix in enumerate(["", "_reverse"]):
            cell = lstm.cells[2 * layer + d]
            for ours, name, transpose in [(cell.W, "weight_ih", True), (cell.U, "weight_hh", True),
                                          (cell.b, "bias_ih", False)]:
                theirs = getattr(ref, f"{name}_l{layer}{suffix}").grad.numpy()
                np.testing.assert_allclose(ours.grad.numpy(), theirs.T if transpose else theirs,
                                           rtol=1e-9, atol=1e-13)


def test_lstm_dropout_between_layers_only_while_training():
    tn.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5, dtype=np.float64)
    plain = nn.LSTM(3, 4, num_layers=2, dtype=np.float64)
    plain.load_state_dict(lstm.state_dict())
    sequences = _sequences()
    trained = lstm(sequences)[0].numpy()
    lstm.eval()
    evaluated = lstm(sequences)[0].numpy()
    np.testing.assert_array_equal(evaluated, plain(sequences)[0].numpy())
    assert not np.allclose(trained, evaluated)


def test_lstm_rejects_empty_input():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match="at least one sequence"):
        lstm([])
    with pytest.raises(ValueError, match="sequence 1 is empty"):
        lstm([tn.ones(2, 3), tn.ones(0, 3)])
