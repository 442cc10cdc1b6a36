"""Arenas: rows computed by many groups are gathered with one indexed copy and their gradients
added back with one indexed add; results and gradients stay those of eager execution."""

import numpy as np
import pytest

import treenet as tn
from treenet.batching.profile import COPIED, FROM_ARENA


def _params(rng):
    return {"W": tn.tensor(rng.standard_normal((3, 3)) * 0.5, requires_grad=True),
            "x": tn.tensor(rng.standard_normal((5, 3)), requires_grad=True)}


def _copy(params):
    return {k: tn.tensor(v.numpy().copy(), requires_grad=True) for k, v in params.items()}


def _chains(p):
    """Example i runs i + 1 steps of tanh(h @ W) from row i of x, so the last states come from
    groups at four different depths; a sigmoid of every last state, then a join of them."""
    rows = tn.split(p["x"], 5)
    lasts = []
    for i, h in enumerate(rows[:4]):
        for _ in range(i + 1):
            h = tn.tanh(h @ p["W"])
        lasts.append(h)
    lasts.append(rows[4])  # a row of a leaf: not in an arena
    outs = [tn.sigmoid(h) for h in lasts[:4]]
    return (tn.concatenate(outs) * tn.concatenate(lasts[:4])).sum() + lasts[4].sum()


def _assert_same_grads(batched, eager):
    for name in eager:
        np.testing.assert_allclose(batched[name].grad.numpy(), eager[name].grad.numpy(),
                                   rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("strategy", ["agenda", "depth"])
def test_rows_of_many_groups_are_one_indexed_copy_and_gradients_equal_eager(strategy):
    rng = np.random.default_rng(0)
    eager = _params(rng)
    batched = _copy(eager)
    expected = _chains(eager)
    expected.backward()
    with tn.autobatch(strategy) as batch:
        loss = _chains(batched)
        loss.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    _assert_same_grads(batched, eager)
    gathers = batch.profile.gathers
    if strategy == "agenda":  # depth runs the sigmoids and the joins at their four depths
        # the sigmoids as one launch, the joins as another, both from rows of the four
        # depths' groups: one arena gather each
        assert batch.profile.launches_by_op["sigmoid"] == 1
        assert gathers[FROM_ARENA] == 2, batch.profile.table()
    assert gathers[COPIED] <= 1  # at most the first matmul, whose rows are leaf rows


def test_a_second_backward_through_a_retained_graph_adds_the_same_gradients_again():
    """Arena gradient buffers start from zeros for every backward pass."""
    rng = np.random.default_rng(1)
    eager = _params(rng)
    batched = _copy(eager)
    expected = _chains(eager)
    expected.backward(retain_graph=True)
    expected.backward()
    with tn.autobatch():
        loss = _chains(batched)
        loss.backward(retain_graph=True)
        loss.backward()
    _assert_same_grads(batched, eager)


def test_rows_without_a_gradient_in_a_batched_argument_get_none():
    """A group reads rows of two groups, one of them a row of a matmul group computed under
    no_grad: the gradient reaches only the rows that require one, so W gets nothing through
    the no_grad row."""
    rng = np.random.default_rng(2)
    eager = {**_params(rng), "V": tn.tensor(rng.standard_normal((3, 3)), requires_grad=True)}
    batched = _copy(eager)

    def program(p):
        rows = tn.split(p["x"], 5)
        with tn.no_grad():
            first = [rows[0] @ p["W"]]
        first += [r @ p["W"] for r in rows[1:4]]  # one matmul group, one row without grad
        deeper = [tn.tanh(h) for h in first[2:]]
        return tn.concatenate([tn.sigmoid(h @ p["V"]) for h in first[:2] + deeper]).sum()

    expected = program(eager)
    expected.backward()
    with tn.autobatch() as batch:
        loss = program(batched)
        loss.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    _assert_same_grads(batched, eager)
    assert batch.profile.launches_by_op["matmul"] == 2  # (x rows) @ W, then (rows) @ V
    assert batch.profile.gathers[FROM_ARENA] == 1  # rows @ V: rows of the matmul and tanh


def test_values_read_after_the_block_are_the_computed_rows():
    """Outputs keep their own buffers: what a user reads is unchanged by later gathers."""
    rng = np.random.default_rng(3)
    W = tn.tensor(rng.standard_normal((3, 3)))
    rows = [rng.standard_normal((1, 3)) for _ in range(4)]
    with tn.autobatch():
        firsts = [tn.tanh(tn.tensor(r) @ W) for r in rows]
        deeper = tn.tanh(firsts[0] @ W)
        mixed = [tn.sigmoid(h) for h in [deeper, *firsts[1:]]]
    for r, h in zip(rows, firsts, strict=True):
        np.testing.assert_allclose(h.numpy(), np.tanh(r @ W.numpy()), rtol=1e-12)
    expected = 1 / (1 + np.exp(-np.tanh(np.tanh(rows[0] @ W.numpy()) @ W.numpy())))
    np.testing.assert_allclose(mixed[0].numpy(), expected, rtol=1e-12)
