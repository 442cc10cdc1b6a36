"""The tape engine: accumulation, graph freeing, modes, user Functions, errors and anomalies."""

import numpy as np
import pytest

import treenet as tn


def test_gradients_accumulate_across_uses_and_backward_calls():
    w = tn.tensor([2.0, 3.0], requires_grad=True)
    (w * w + w).sum().backward()
    assert w.grad.tolist() == [5.0, 7.0]
    (w * 3).sum().backward()
    assert w.grad.tolist() == [8.0, 10.0]


def test_broadcast_gradients_are_reduced_to_the_input_shape():
    x = tn.ones(4, 3, requires_grad=True)
    b = tn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = tn.ones(1, 1, requires_grad=True)
    ((x + b) * s).sum().backward()
    assert b.grad.shape == (3,) and b.grad.tolist() == [4.0, 4.0, 4.0]
    assert s.grad.shape == (1, 1) and s.grad.item() == pytest.approx(4 * 3 + 4 * 6)


def test_graph_is_freed_after_backward():
    x = tn.tensor([1.0], requires_grad=True)
    y = (x * 2).exp().sum()
    y.backward()
    with pytest.raises(tn.autograd.GraphFreedError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = tn.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0]


def test_no_grad_detach_and_non_scalar_backward():
    x = tn.tensor([1.0, 2.0], requires_grad=True)
    with tn.no_grad():
        assert not (x * 2).requires_grad
    assert not x.detach().requires_grad
    y = x * 3
    with pytest.raises(RuntimeError, match="one-element"):
        y.backward()
    y.backward(tn.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [3.0, 30.0]


def test_backward_of_a_constant_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tn.ones(1).sum().backward()


def test_integer_results_do_not_require_grad():
    x = tn.tensor([1.5, -2.0], requires_grad=True)
    assert not x.argmax().requires_grad
    assert not (x > 0).requires_grad
    assert not x.astype(tn.int64).requires_grad


def test_indexing_gradient_scatter_adds_repeated_indices():
    x = tn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2])].sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 1.0]
    y = tn.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y[y.data > 0].sum().backward()
    assert y.grad.tolist() == [1.0, 0.0, 1.0]


def test_split_concatenate_stack_round_trip_gradients():
    x = tn.arange(6).astype(tn.float64).reshape(2, 3).requires_grad_()
    a, b = tn.split(x, [1], axis=1)
    y = tn.concatenate([b, a], axis=1) * tn.tensor([1.0, 2.0, 3.0])
    tn.stack([y, y]).sum().backward()
    assert x.grad.tolist() == [[6.0, 2.0, 4.0], [6.0, 2.0, 4.0]]


def test_sparse_lookup_gradient_equals_dense():
    table = tn.randn(6, 3, dtype=tn.float64, requires_grad=True)
    ids = np.array([[1, 4], [1, 1]])
    w = tn.randn(2, 2, 3, dtype=tn.float64)
    (tn.lookup(table, ids) * w).sum().backward()
    dense = table.grad.numpy().copy()
    table.grad = None
    (tn.lookup(table, ids, sparse_grad=True) * w).sum().backward()
    assert isinstance(table.grad, tn.RowSparseGrad)
    np.testing.assert_allclose(table.grad.to_dense(), dense)
    coalesced = table.grad.coalesce()
    assert coalesced.indices.tolist() == [1, 4]


@pytest.mark.parametrize("ids", [[], [3], [5, 0, 5, 2, 0, 5, 7, 1], list(range(9))[::-1]])
def test_row_sparse_coalesce_and_to_dense_sum_repeated_rows(ids):
    rng = np.random.default_rng(len(ids))
    values = rng.standard_normal((len(ids), 2, 3))
    grad = tn.RowSparseGrad(np.array(ids, dtype=np.int64), values, (9, 2, 3))
    expected = np.zeros((9, 2, 3))
    np.add.at(expected, np.array(ids, dtype=np.int64), values)
    coalesced = grad.coalesce()
    assert coalesced.indices.tolist() == sorted(set(ids))
    np.testing.assert_allclose(coalesced.values, expected[sorted(set(ids))], rtol=1e-12)
    np.testing.assert_allclose(grad.to_dense(), expected, rtol=1e-12)


class Cube(tn.autograd.Function):
    """x ** 3 as a user-defined op."""

    @staticmethod
    def forward(xp, x):
        return x * x * x

    @staticmethod
    def backward(xp, gy, y, x):
        return (3 * x * x * gy,)

    @staticmethod
    def example(rng):
        return [rng.standard_normal((2, 3))], {}


def test_user_function_is_a_registered_differentiable_op():
    assert Cube.op.name.endswith("Cube") and Cube.op.name in tn.autograd.OPS
    x = tn.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    assert tn.gradcheck(Cube.apply, [x])
    y = Cube.apply(x)
    assert y.grad_fn == Cube.op.name
    np.testing.assert_allclose(y.numpy(), x.numpy() ** 3)


def test_shape_mismatch_names_op_shapes_and_user_line():
    a, b = tn.ones(2, 3), tn.ones(4, 5)
    with pytest.raises(tn.ShapeError) as info:
        a @ b  # the line the message must point at
    message = str(info.value)
    assert "matmul" in message and "(2, 3)" in message and "(4, 5)" in message
    assert f"{__file__}:" in message
    with pytest.raises(tn.ShapeError, match=r"add: .*\(2, 3\) and \(4, 5\)"):
        a + b


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_detect_anomaly_names_the_op_and_line_of_the_first_nan():
    x = tn.tensor([-1.0, 1.0], requires_grad=True)
    with tn.detect_anomaly():
        with pytest.raises(tn.autograd.AnomalyError, match=r"sqrt produced NaN.*test_autograd"):
            tn.sqrt(x)
    y = tn.tensor([0.0, 1.0], requires_grad=True)
    with tn.detect_anomaly():
        z = tn.sqrt(y).sum()  # finite forward, infinite gradient at 0
        with pytest.raises(tn.autograd.AnomalyError, match="backward of sqrt"):
            z.backward()


def test_multi_output_op_gradients_flow_to_both_outputs():
    class SumAndProduct(tn.autograd.Function):
        outputs = 2

        @staticmethod
        def forward(xp, a, b):
            return a + b, a * b

        @staticmethod
        def backward(xp, gys, ys, a, b):
            g_sum, g_prod = gys
            return g_sum + g_prod * b, g_sum + g_prod * a

    a = tn.tensor([2.0], requires_grad=True)
    b = tn.tensor([5.0], requires_grad=True)
    s, p = SumAndProduct.apply(a, b)
    (s * 3 + p).sum().backward()
    assert a.grad.tolist() == [8.0] and b.grad.tolist() == [5.0]
    a.grad = b.grad = None
    s, _unused = SumAndProduct.apply(a, b)
    s.sum().backward()  # the unused output contributes a zero gradient
    assert a.grad.tolist() == [1.0]
