"""The fused Adagrad kernel gives the numpy update's bits, dense and row-sparse."""

import numpy as np
import pytest

import treenet as tn
from treenet.autograd.sparse import RowSparseGrad
from treenet.optim import fused

pytestmark = pytest.mark.skipif(fused.KERNELS.get() is None,
                                reason=f"fused optimizer kernels {fused.KERNELS.status()}")


def _train(dtype, options, steps=3):
    """A dense matrix and an embedding table (row-sparse gradients, rows repeated) after
    `steps` Adagrad steps."""
    rng = np.random.default_rng(0)
    W = tn.tensor(rng.standard_normal((4, 5)).astype(dtype), requires_grad=True)
    E = tn.tensor(rng.standard_normal((10, 3)).astype(dtype), requires_grad=True)
    optimizer = tn.optim.Adagrad([W, E], **options)
    for _ in range(steps):
        rows = rng.integers(0, 10, size=6)
        W.grad = tn.tensor(rng.standard_normal((4, 5)).astype(dtype))
        E.grad = RowSparseGrad(rows, rng.standard_normal((6, 3)).astype(dtype), (10, 3))
        optimizer.step()
    return W.numpy(), E.numpy(), [optimizer.state[p]["sum"] for p in (W, E)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", [{"lr": 0.1}, {"lr": 0.05, "weight_decay": 1e-2,
                                                     "lr_decay": 0.1, "eps": 1e-6}])
def test_fused_adagrad_equals_the_numpy_update_bit_for_bit(monkeypatch, dtype, options):
    def numpy_update(*args):
        raise AssertionError("the numpy update ran although the kernel applies")

    with monkeypatch.context() as patch:
        patch.setattr(tn.optim.Adagrad, "_update", numpy_update)
        got = _train(dtype, options)
    monkeypatch.setattr(fused.KERNELS, "enabled", False)
    want = _train(dtype, options)
    for a, b in zip([got[0], got[1], *got[2]], [want[0], want[1], *want[2]], strict=True):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)


def test_the_kernel_declines_arrays_it_does_not_take():
    param = np.zeros((3, 2), np.float16)
    assert not fused.adagrad(param, param.copy(), param.copy(), 0.1, 1e-10, 0.0)
    param = np.zeros((3, 4), np.float32)[:, :2]  # not contiguous
    assert not fused.adagrad(param, np.zeros((3, 2), np.float32), np.ones((3, 2), np.float32),
                             0.1, 1e-10, 0.0)
    assert not param.any()
