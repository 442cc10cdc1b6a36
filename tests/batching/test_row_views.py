"""Row views: t[i] and t[a:b] of a pending output are recorded without a node, read their
base's rows, and send gradients into those rows; everything equals eager execution."""

import numpy as np
import pytest

import treenet as tn


def _params(rng):
    return {"W": tn.tensor(rng.standard_normal((3, 6)), requires_grad=True),
            "U": tn.tensor(0.5 * rng.standard_normal((4, 10)), requires_grad=True),
            "x": tn.tensor(rng.standard_normal((5, 3)), requires_grad=True)}


def _program(p):
    """A row-wise op over all rows, then rows picked by int and slice, from both outputs of a
    multi-output op, used twice, and together with the whole tensor."""
    h, c = p["h"], p["c"] = tn.tree_lstm_leaf(p["x"], p["W"], tn.zeros(6, dtype=np.float64))
    right = h[-1]
    node, _ = tn.binary_tree_lstm(h[0:1], c[1:2], h[2:3], c[2:3], p["U"],
                                  tn.zeros(10, dtype=np.float64))
    top = node[0] * right + c[3:5].sum(axis=0)
    return top.sum() + (h * h).sum() + tn.tanh(h[1:4]).sum() + c[1:2].sum(), top


@pytest.mark.parametrize("strategy", ["agenda", "depth"])
def test_row_views_equal_eager_and_add_no_node(strategy):
    rng = np.random.default_rng(0)
    eager_p = _params(rng)
    batched_p = {k: tn.tensor(v.numpy().copy(), requires_grad=True) for k, v in eager_p.items()}
    loss, top = _program(eager_p)
    loss.backward()
    with tn.autobatch(strategy) as batch:
        b_loss, b_top = _program(batched_p)
        b_loss.backward()
    assert batch.profile.row_views >= 8
    assert "getitem" not in batch.profile.nodes_by_op
    np.testing.assert_allclose(b_loss.item(), loss.item(), rtol=1e-12)
    np.testing.assert_allclose(b_top.numpy(), top.numpy(), rtol=1e-12)
    for name in ("W", "U", "x"):
        p = eager_p[name]
        np.testing.assert_allclose(batched_p[name].grad.numpy(), p.grad.numpy(), rtol=1e-12,
                                   atol=1e-14, err_msg=name)


def test_rows_of_many_examples_batch_into_one_launch_per_op():
    rng = np.random.default_rng(1)
    W = tn.tensor(rng.standard_normal((3, 6)), requires_grad=True)
    b = tn.zeros(6, dtype=np.float64)
    xs = [tn.tensor(rng.standard_normal((n, 3))) for n in (2, 5, 3)]
    with tn.autobatch() as batch:
        outs = []
        for x in xs:
            h, _ = tn.tree_lstm_leaf(x, W, b)
            outs.append(tn.concatenate([h[i:i + 1] * 2.0 for i in range(len(x))]))
        total = tn.stack([o.sum() for o in outs]).sum()
        total.backward()
    assert batch.profile.row_views == 10
    assert batch.profile.launches_by_op["tree_lstm_leaf"] == 1
    assert batch.profile.launches_by_op["multiply"] == 1
    assert "getitem" not in batch.profile.nodes_by_op
    W_eager = tn.tensor(W.numpy(), requires_grad=True)
    expected = sum((tn.tree_lstm_leaf(x, W_eager, b)[0] * 2.0).sum() for x in xs)
    expected.backward()
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(W.grad.numpy(), W_eager.grad.numpy(), rtol=1e-12)


def test_a_view_used_after_the_block_and_indices_that_are_not_row_views():
    rng = np.random.default_rng(2)
    x = tn.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    with tn.autobatch() as batch:
        y = tn.tanh(x)
        row = y[2]  # a row view, read and differentiated after the block
        other = y[np.array([0, 0, 1])]  # array index: an op
        stepped = y[::2]  # step 2: an op
    assert batch.profile.row_views == 1
    assert batch.profile.nodes_by_op["getitem"] == 2
    (row.sum() * 3.0 + other.sum() + stepped.sum()).backward()
    expected = 3.0 * np.eye(4)[2][:, None] + np.array([2, 1, 0, 0])[:, None] + np.array(
        [1, 0, 1, 0])[:, None]
    np.testing.assert_allclose(x.grad.numpy(), expected * (1 - np.tanh(x.numpy()) ** 2))


def test_out_of_range_rows_raise_at_the_call():
    with tn.autobatch():
        y = tn.tanh(tn.ones((2, 3)))
        with pytest.raises(tn.ShapeError, match="getitem"):
            y[5]


@pytest.mark.parametrize("strategy", ["agenda", "depth"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_joins_and_whole_reductions_of_any_size_run_as_one_launch(strategy, dtype):
    """concatenate on axis 0 of any number of inputs with any row counts (and on axis 1 of
    inputs with equal row counts), and sum / mean of every element of tensors of any size
    (empty ones included), batch across examples."""
    rng = np.random.default_rng(3)
    W = tn.tensor(rng.standard_normal((4, 3)).astype(dtype), requires_grad=True)
    examples = [[rng.standard_normal((n, 4)).astype(dtype) for n in sizes]
                for sizes in ([1, 3], [2], [0, 2, 1, 4], [5, 1])]

    def program(W):
        losses = []
        for parts in examples:
            joined = tn.concatenate([tn.tanh(tn.tensor(p) @ W) for p in parts])
            wide = tn.concatenate([joined, joined * joined], axis=1)  # rows of any count
            losses.append(joined.sum() * 2.0 + wide.mean() + joined[:0].sum())
        return tn.stack(losses).sum()

    eager_W = tn.tensor(W.numpy(), requires_grad=True)
    expected = program(eager_W)
    expected.backward()
    with tn.autobatch(strategy) as batch:
        loss = program(W)
        loss.backward()
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=tolerance)
    np.testing.assert_allclose(W.grad.numpy(), eager_W.grad.numpy(), rtol=tolerance,
                               atol=tolerance)
    if strategy == "agenda":  # depth groups by depth: these calls sit at different depths
        assert batch.profile.launches_by_op["concatenate"] == 2  # the joins; the column joins
        assert batch.profile.launches_by_op["sum"] <= 2  # the per-example sums, the total
        assert batch.profile.launches_by_op["mean"] == 1


def test_single_rows_of_one_output_gather_and_scatter_with_repeats():
    """Consumers reading single rows of one group's output (some row twice, some through a
    view) get them with one indexed copy, and their gradients add up, repeats included."""
    rng = np.random.default_rng(4)
    W = tn.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    rows = [rng.standard_normal((1, 3)) for _ in range(3)]

    def program(W):
        hs = [tn.tanh(tn.tensor(r) @ W) for r in rows]  # one group of one-row outputs
        block = tn.tanh(tn.tensor(np.concatenate(rows)) @ W)
        picked = [hs[0], hs[0], hs[2], block[1:2]]
        return tn.stack([tn.sigmoid(h).sum() for h in picked]).sum()

    eager_W = tn.tensor(W.numpy(), requires_grad=True)
    expected = program(eager_W)
    expected.backward()
    with tn.autobatch() as batch:
        loss = program(W)
        loss.backward()
    assert batch.profile.launches_by_op["sigmoid"] == 1
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(W.grad.numpy(), eager_W.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("sections", [5, 1])
def test_split_of_a_pending_tensor_is_row_views_made_in_one_call(sections):
    """split(h, k) on axis 0 of a pending output: k row views (no node), the values and the
    gradients of eager execution, from both outputs of a multi-output op."""
    rng = np.random.default_rng(5)
    eager_p = _params(rng)
    batched_p = {k: tn.tensor(v.numpy().copy(), requires_grad=True) for k, v in eager_p.items()}

    def program(p):
        h, c = tn.tree_lstm_leaf(p["x"], p["W"], tn.zeros(6, dtype=np.float64))
        pieces = list(zip(tn.split(h, sections), tn.split(c, sections), strict=True))
        return tn.stack([(tn.tanh(hp) * cp).sum() * (i + 1)
                         for i, (hp, cp) in enumerate(pieces)]).sum(), pieces

    loss, pieces = program(eager_p)
    loss.backward()
    with tn.autobatch() as batch:
        b_loss, b_pieces = program(batched_p)
        b_loss.backward()
    assert batch.profile.row_views == 2 * sections
    assert "getitem" not in batch.profile.nodes_by_op
    assert [p[0].shape for p in b_pieces] == [p[0].shape for p in pieces]
    for (h, c), (bh, bc) in zip(pieces, b_pieces, strict=True):
        np.testing.assert_allclose(bh.numpy(), h.numpy(), rtol=1e-12)
        np.testing.assert_allclose(bc.numpy(), c.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b_loss.item(), loss.item(), rtol=1e-12)
    for name in ("W", "x"):
        np.testing.assert_allclose(batched_p[name].grad.numpy(), eager_p[name].grad.numpy(),
                                   rtol=1e-12)


def test_split_into_unequal_or_no_sections_is_refused_and_indices_still_split():
    with tn.autobatch():
        h = tn.tanh(tn.tensor(np.ones((5, 2))))
        with pytest.raises(ValueError, match="equal sections"):
            tn.split(h, 2)
        with pytest.raises(ValueError, match="at least one section"):
            tn.split(h, 0)
        parts = tn.split(h, [1, 3])
    assert [p.shape for p in parts] == [(1, 2), (2, 2), (2, 2)]


@pytest.mark.parametrize("computed_first", [False, True])
def test_a_group_mixing_constants_with_rows_of_a_group_batches_and_keeps_gradients(
        computed_first):
    """One signature, members whose inputs are rows of a computed group and a member whose
    input is a constant (no gradient), in either order: gathered without error, and the
    gradients of the members that need them are not lost."""
    rng = np.random.default_rng(6)
    W = rng.standard_normal((3, 3))

    def program(W):
        xs = [tn.tensor(rng_rows[i]) @ W for i in range(2)]
        if computed_first:  # under autobatch: one group computes both, tanh gathers its rows
            (xs[0] + xs[1]).numpy()
            hs = [tn.tanh(xs[0]), tn.tanh(xs[1]), tn.tanh(tn.tensor(np.ones((1, 3))))]
        else:  # the member without a gradient comes first in the group
            hs = [tn.tanh(tn.tensor(np.ones((1, 3)))), tn.tanh(xs[0]), tn.tanh(xs[1])]
        return tn.stack([h.sum() * (i + 1) for i, h in enumerate(hs)]).sum(), hs

    rng_rows = [rng.standard_normal((1, 3)) for _ in range(2)]
    eager_W = tn.tensor(W, requires_grad=True)
    expected, _ = program(eager_W)
    expected.backward()
    batched_W = tn.tensor(W, requires_grad=True)
    with tn.autobatch() as batch:
        loss, hs = program(batched_W)
        loss.backward()
    groups = {h._node.group for h in hs}
    assert batch.profile.launches_by_op["tanh"] <= 2
    assert all(group.nodes is None for group in groups)  # freed once its grad members are
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    assert batched_W.grad is not None
    np.testing.assert_allclose(batched_W.grad.numpy(), eager_W.grad.numpy(), rtol=1e-12)
