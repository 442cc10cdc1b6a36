"""The fused cell ops equal their compositions from primitive ops, and batch by rows."""

import numpy as np
import pytest

import treenet as tn
from treenet import nn
from treenet.autograd import OPS, ShapeError
from treenet.autograd.engine import apply


def _gates(z, pattern):
    H = z.shape[-1] // len(pattern)
    act = {"s": tn.sigmoid, "t": tn.tanh}
    return [act[p](z[..., k * H:(k + 1) * H]) for k, p in enumerate(pattern)]


def lstm_cell(x, h, c, W, U, b):
    i, f, g, o = _gates(x @ W + h @ U + b, "ssts")
    c = f * c + i * g
    return o * tn.tanh(c), c


def lstm_step(gx, h, c, U):
    i, f, g, o = _gates(gx + h @ U, "ssts")
    c = f * c + i * g
    return o * tn.tanh(c), c


def tree_lstm_leaf(x, W, b):
    i, o, u = _gates(x @ W + b, "sst")
    c = i * u
    return o * tn.tanh(c), c


def binary_tree_lstm(hl, cl, hr, cr, U, b):
    i, fl, fr, o, u = _gates(tn.concatenate([hl, hr], axis=1) @ U + b, "sssst")
    c = i * u + fl * cl + fr * cr
    return o * tn.tanh(c), c


def childsum_tree_lstm(xw, U_iou, U_f, *states):
    H = U_f.shape[0]
    hs, cs = states[:len(states) // 2], states[len(states) // 2:]
    i, o, u = _gates(xw[:, :3 * H] + sum(hs, start=tn.zeros(len(xw), H)) @ U_iou, "sst")
    c = i * u
    for h_k, c_k in zip(hs, cs, strict=True):
        c = c + tn.sigmoid(xw[:, 3 * H:] + h_k @ U_f) * c_k
    return o * tn.tanh(c), c


COMPOSED = {"lstm_cell": lstm_cell, "lstm_step": lstm_step, "tree_lstm_leaf": tree_lstm_leaf,
            "binary_tree_lstm": binary_tree_lstm, "childsum_tree_lstm": childsum_tree_lstm}


def childsum_inputs(rng, n, k, H=3):
    return [rng.standard_normal((n, 4 * H)), rng.standard_normal((H, 3 * H)),
            rng.standard_normal((H, H)), *(rng.standard_normal((n, H)) for _ in range(2 * k))]


def run(fn, arrays, projections=None):
    """fn's outputs and every input's gradient of <outputs, projections> (random by default),
    as numpy arrays (zeros for an input the outputs do not depend on)."""
    tensors = [tn.Tensor(a.copy(), requires_grad=True) for a in arrays]
    outs = fn(*tensors)
    rng = np.random.default_rng(1)
    for i, out in enumerate(outs):
        p = rng.standard_normal(out.shape) if projections is None else projections[i]
        out.backward(p, retain_graph=True)
    return [o.numpy() for o in outs], [np.zeros_like(a) if t.grad is None else np.asarray(t.grad)
                                      for a, t in zip(arrays, tensors, strict=True)]


def assert_same(a, b):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-13)


def cases():
    for name in COMPOSED:
        yield name, OPS[name].example(np.random.default_rng(0))[0]
    rng = np.random.default_rng(1)
    yield "lstm_cell", [rng.standard_normal(s) for s in [(1, 5), (1, 4), (1, 4), (5, 16),
                                                         (4, 16), (16,)]]
    yield "tree_lstm_leaf", [3 * rng.standard_normal((4, 2)), rng.standard_normal((2, 15)),
                             rng.standard_normal(15)]
    yield "binary_tree_lstm", [rng.standard_normal(s) for s in [(1, 4)] * 4 + [(8, 20), (20,)]]
    for k in (0, 1, 4):
        yield "childsum_tree_lstm", childsum_inputs(rng, 2, k)


@pytest.mark.parametrize(("name", "arrays"), list(cases()))
def test_fused_equals_composed(name, arrays):
    fused_out, fused_grads = run(lambda *xs: apply(OPS[name], *xs), arrays)
    composed_out, composed_grads = run(COMPOSED[name], arrays)
    assert_same(fused_out, composed_out)
    assert_same(fused_grads, composed_grads)


@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_rows_of_several_calls_run_as_one_call(name):
    """The 'rows' batch rule: concatenating two calls' non-shared arguments on axis 0 gives
    their outputs stacked, their gradients stacked, and shared gradients summed."""
    op = OPS[name]
    rng = np.random.default_rng(2)
    first = op.example(rng)[0]
    second = [a if i in op.batch.shared else rng.standard_normal((2, *a.shape[1:]))
              for i, a in enumerate(first)]
    joined = [a if i in op.batch.shared else np.concatenate([a, b])
              for i, (a, b) in enumerate(zip(first, second, strict=True))]
    n = len(first[0])
    call = lambda *xs: apply(op, *xs)  # noqa: E731
    out, grads = run(call, joined)
    rng = np.random.default_rng(1)  # the projections run() drew
    p = [rng.standard_normal(o.shape) for o in out]
    out_a, grads_a = run(call, first, [q[:n] for q in p])
    out_b, grads_b = run(call, second, [q[n:] for q in p])
    assert_same(out, [np.concatenate(pair) for pair in zip(out_a, out_b, strict=True)])
    for i, g in enumerate(grads):
        expected = (grads_a[i] + grads_b[i] if i in op.batch.shared
                    else np.concatenate([grads_a[i], grads_b[i]]))
        np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_float32_stays_float32(name):
    arrays = OPS[name].example(np.random.default_rng(0))[0]
    outs = apply(OPS[name], *(tn.tensor(a, dtype=np.float32, requires_grad=True) for a in arrays))
    assert [o.dtype for o in outs] == [np.float32, np.float32]


def test_cells_reject_mismatched_shapes():
    rng = np.random.default_rng(0)
    x, h, c, W, U, b = (tn.tensor(a) for a in OPS["lstm_cell"].example(rng)[0])
    with pytest.raises(ValueError, match=r"expected W \(4, 8\)"):
        OPS["lstm_cell"].infer(x, h, c, W[:3], U, b)
    with pytest.raises(ShapeError, match="lstm_cell"):
        tn.lstm_cell(x, h, c, W[:3], U, b)


@pytest.mark.parametrize("strategy", [None, "agenda"])
def test_childsum_children_states_are_checked_at_the_call(strategy):
    """A child's state of the wrong width names the op and the shapes, eagerly and under
    autobatch; h and c lists of different lengths are refused before the op."""
    rng = np.random.default_rng(0)
    xw, U_iou, U_f, h1, h2, c1, c2 = (tn.tensor(a) for a in childsum_inputs(rng, 2, 2))
    with tn.autobatch(strategy) if strategy else tn.no_grad():
        with pytest.raises(ShapeError, match=r"childsum_tree_lstm.*\(2, 4\)"):
            tn.childsum_tree_lstm(xw, [h1, tn.ones(2, 4, dtype=np.float64)], [c1, c2], U_iou,
                                  U_f)
        with pytest.raises(ValueError, match="2 children's h but 1 c"):
            tn.childsum_tree_lstm(xw, [h1, h2], [c1], U_iou, U_f)


# ---- Tree-LSTM cell modules ---------------------------------------------------------------
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_two_leaf_binary_tree_equals_the_hand_unrolled_computation():
    H = 3
    words = nn.Embedding(5, 4, dtype=np.float64)
    cell = nn.BinaryTreeLSTMCell(4, H, dtype=np.float64)
    (hl, cl), (hr, cr) = (cell.leaf(words(w)) for w in (1, 4))
    h, c = cell(hl, cl, hr, cr)

    def leaf(w):
        i, o, u = np.split(words.weight.numpy()[w] @ cell.W_leaf.numpy()
                           + cell.b_leaf.numpy(), 3)
        c = _sigmoid(i) * np.tanh(u)
        return _sigmoid(o) * np.tanh(c), c

    (hl_, cl_), (hr_, cr_) = leaf(1), leaf(4)
    i, fl, fr, o, u = np.split(np.concatenate([hl_, hr_]) @ cell.U.numpy() + cell.b.numpy(), 5)
    c_ = _sigmoid(i) * np.tanh(u) + _sigmoid(fl) * cl_ + _sigmoid(fr) * cr_
    assert h.shape == c.shape == hl.shape == (1, H)
    np.testing.assert_allclose(c.numpy()[0], c_, rtol=1e-12)
    np.testing.assert_allclose(h.numpy()[0], _sigmoid(o) * np.tanh(c_), rtol=1e-12)


def test_binary_cell_leaf_checks_the_input_width():
    with pytest.raises(ValueError, match=r"input needs 5 columns \(input_size\)"):
        nn.BinaryTreeLSTMCell(5, 3).leaf(tn.ones(1, 6))


def test_childsum_cell_takes_lists_of_child_states_or_stacked_tensors():
    H = 3
    cell = nn.ChildSumTreeLSTMCell(4, H, dtype=np.float64)
    x = tn.tensor(np.random.default_rng(0).standard_normal(4))
    leaves = [cell(x * k, [], []) for k in (1.0, -0.5)]
    assert leaves[0][0].shape == (1, H)
    hs, cs = [h for h, _ in leaves], [c for _, c in leaves]
    h, c = cell(x, hs, cs)
    h2, c2 = cell(x, tn.stack(hs, axis=1), tn.stack(cs, axis=1))
    np.testing.assert_array_equal(h.numpy(), h2.numpy())
    xw = x.numpy() @ cell.input.weight.numpy() + cell.input.bias.numpy()
    hk, ck = np.concatenate([h.numpy() for h in hs]), np.concatenate([c.numpy() for c in cs])
    i, o, u = np.split(xw[:3 * H] + hk.sum(0) @ cell.U_iou.numpy(), 3)
    f = _sigmoid(xw[3 * H:] + hk @ cell.U_f.numpy())
    c_ = _sigmoid(i) * np.tanh(u) + (f * ck).sum(0)
    np.testing.assert_allclose(c.numpy()[0], c_, rtol=1e-12)
    np.testing.assert_allclose(h.numpy()[0], _sigmoid(o) * np.tanh(c_), rtol=1e-12)


@pytest.mark.parametrize("kind", ["binary", "childsum"])
def test_a_small_tree_through_the_cell_modules_passes_gradcheck(kind):
    H = 2
    words = nn.Embedding(3, 3, dtype=np.float64)
    if kind == "binary":
        cell = nn.BinaryTreeLSTMCell(3, H, dtype=np.float64)

        def tree(*_):  # ((0 1) 2)
            a, b, c = (cell.leaf(words(w)) for w in range(3))
            return cell(*cell(*a, *b), *c)[0]

        params = [words.weight, *cell.parameters()]
    else:
        cell = nn.ChildSumTreeLSTMCell(3, H, dtype=np.float64)

        def tree(*_):  # 0 <- (1, 2 <- (0))
            grandchild = cell(words(0), [], [])
            kids = [cell(words(1), [], []), cell(words(2), *([s] for s in grandchild))]
            return cell(words(0), *zip(*kids, strict=True))[0]

        params = [words.weight, *cell.parameters()]
    assert tn.gradcheck(tree, params)
