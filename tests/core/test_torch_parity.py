"""Forward values and gradients of every registered op match PyTorch (skipped without torch)."""

import numpy as np
import pytest

from treenet.autograd import OPS
from treenet.autograd.engine import apply

from .test_registry import ALL, as_outputs, example_tensors

torch = pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")
F = torch.nn.functional


def _dim(axis):
    return axis if axis is not None else tuple()


def _reduce(fn):
    def ref(a, axis=None, keepdims=False):
        if axis is None:
            return fn(a, dim=tuple(range(a.ndim)), keepdim=keepdims)
        return fn(a, dim=axis, keepdim=keepdims)
    return ref


def _index(index):
    return tuple(torch.as_tensor(i) if isinstance(i, np.ndarray) else i for i in index)


def _gates(z, pattern):
    """Chunks of z activated by sigmoid ('s') or tanh ('t'), composed from torch primitives."""
    chunks = z.chunk(len(pattern), dim=-1)
    act = {"s": torch.sigmoid, "t": torch.tanh}
    return [act[p](a) for a, p in zip(chunks, pattern, strict=True)]


def _lstm_cell(x, h, c, W, U, b):
    i, f, g, o = _gates(x @ W + h @ U + b, "ssts")
    c = f * c + i * g
    return o * torch.tanh(c), c


def _lstm_step(gx, h, c, U):
    i, f, g, o = _gates(gx + h @ U, "ssts")
    c = f * c + i * g
    return o * torch.tanh(c), c


def _lstm_sequence(gx, U, lengths=None, reverse=False):
    outputs, start = [None] * len(gx), 0
    for n in (len(gx),) if lengths is None else lengths:
        h = c = gx.new_zeros((1, U.shape[0]))
        for t in range(n - 1, -1, -1) if reverse else range(n):
            h, c = _lstm_step(gx[start + t:start + t + 1], h, c, U)
            outputs[start + t] = h
        start += n
    return torch.cat(outputs)


def _tree_lstm_leaf(x, W, b):
    i, o, u = _gates(x @ W + b, "sst")
    c = i * u
    return o * torch.tanh(c), c


def _binary_tree_lstm(hl, cl, hr, cr, U, b):
    i, fl, fr, o, u = _gates(torch.cat([hl, hr], dim=1) @ U + b, "sssst")
    c = i * u + fl * cl + fr * cr
    return o * torch.tanh(c), c


def _childsum_tree_lstm(xw, U_iou, U_f, *states):
    H = U_f.shape[0]
    k = len(states) // 2
    hs, cs = torch.stack(states[:k], dim=1), torch.stack(states[k:], dim=1)
    i, o, u = _gates(xw[:, :3 * H] + hs.sum(dim=1) @ U_iou, "sst")
    f = torch.sigmoid(xw[:, None, 3 * H:] + hs @ U_f)
    c = i * u + (f * cs).sum(dim=1)
    return o * torch.tanh(c), c


REFERENCE = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "power": lambda a, b: a**b,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "negative": torch.neg,
    "abs": torch.abs,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "clip": lambda a, a_min, a_max: torch.clamp(a, a_min, a_max),
    "astype": lambda a, dtype: a.to(getattr(torch, dtype)),
    "where": torch.where,
    "equal": torch.eq, "not_equal": torch.ne, "less": torch.lt, "less_equal": torch.le,
    "greater": torch.gt, "greater_equal": torch.ge,
    "sum": _reduce(torch.sum),
    "mean": _reduce(torch.mean),
    "max": _reduce(torch.amax),
    "min": _reduce(torch.amin),
    "logsumexp": _reduce(torch.logsumexp),
    "argmax": lambda a, axis: torch.argmax(a, dim=axis),
    "argmin": lambda a, axis: torch.argmin(a, dim=axis),
    "softmax": lambda a, axis: torch.softmax(a, dim=axis),
    "log_softmax": lambda a, axis: torch.log_softmax(a, dim=axis),
    "reshape": lambda a, shape: a.reshape(shape),
    "transpose": lambda a, axes: a.permute(axes),
    "expand_dims": lambda a, axis: a.unsqueeze(axis),
    "squeeze": lambda a, axis: a.squeeze(axis),
    "broadcast_to": lambda a, shape: torch.broadcast_to(a, shape),
    "concatenate": lambda *xs, axis: torch.cat(xs, dim=axis),
    "stack": lambda *xs, axis: torch.stack(xs, dim=axis),
    "getitem": lambda a, index: a[_index(index)],
    "take": lambda a, idx, axis: a[(slice(None),) * axis + (idx,)],
    "lookup": lambda table, ids: F.embedding(ids, table),
    "matmul": torch.matmul,
    "linear": lambda x, W, b: x @ W + b,
    "dropout": lambda x, keep, scale: x * keep * scale,
    "cross_entropy": lambda logits, t, ignore_index=-100: F.cross_entropy(
        logits, t, reduction="none", ignore_index=ignore_index),
    "lstm_cell": _lstm_cell,
    "lstm_step": _lstm_step,
    "lstm_sequence": _lstm_sequence,
    "tree_lstm_leaf": _tree_lstm_leaf,
    "binary_tree_lstm": _binary_tree_lstm,
    "childsum_tree_lstm": _childsum_tree_lstm,
}


def test_every_op_has_a_torch_reference():
    assert sorted(set(ALL) - set(REFERENCE)) == []


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_matches_torch(name):
    tensors, params = example_tensors(name, seed=1)
    ours = as_outputs(apply(OPS[name], *tensors, **params))
    theirs_in = [torch.tensor(np.asarray(t), requires_grad=t.requires_grad) if hasattr(t, "shape")
                 else t for t in tensors]
    theirs = as_outputs(REFERENCE[name](*theirs_in, **params))
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(np.asarray(o), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    if not ours[0].requires_grad:
        return
    rng = np.random.default_rng(2)
    for o, t in zip(ours, theirs, strict=True):
        projection = rng.standard_normal(o.shape)
        o.backward(projection, retain_graph=True)
        t.backward(torch.tensor(projection), retain_graph=True)
    for t, u in zip(tensors, theirs_in, strict=True):
        if getattr(t, "requires_grad", False):
            np.testing.assert_allclose(np.asarray(t.grad), u.grad.numpy(), rtol=1e-10, atol=1e-12)
