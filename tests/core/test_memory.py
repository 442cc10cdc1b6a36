"""The graph is released after backward: long training loops do not grow memory."""

import gc

import numpy as np

import treenet as tn
from treenet.autograd.engine import Node


def _live_objects() -> dict[str, int]:
    gc.collect()
    kinds = {Node: "Node", tn.Tensor: "Tensor", np.ndarray: "ndarray"}
    counts = dict.fromkeys(kinds.values(), 0)
    for obj in gc.get_objects():
        name = kinds.get(type(obj))
        if name is not None:
            counts[name] += 1
    return counts


def _lstm_like_step(W, U, b, xs):
    h = tn.zeros(1, 8)
    c = tn.zeros(1, 8)
    for x in xs:
        z = x @ W + h @ U + b
        i, f, g, o = tn.split(z, 4, axis=1)
        c = tn.sigmoid(f) * c + tn.sigmoid(i) * tn.tanh(g)
        h = tn.sigmoid(o) * tn.tanh(c)
    loss = (h * h).sum()
    loss.backward()
    return loss.item()


def test_ten_thousand_steps_do_not_grow_memory():
    tn.manual_seed(0)
    W = tn.randn(4, 32, requires_grad=True)
    U = tn.randn(8, 32, requires_grad=True)
    b = tn.zeros(32, requires_grad=True)
    xs = [tn.randn(1, 4)]
    for _ in range(100):  # warm caches
        _lstm_like_step(W, U, b, xs)
    before = _live_objects()
    for _ in range(10_000):  # each step records ~20 nodes with their arrays
        _lstm_like_step(W, U, b, xs)
    after = _live_objects()
    assert after == before
    assert after["Node"] == 0
    assert np.isfinite(W.grad.numpy()).all()
