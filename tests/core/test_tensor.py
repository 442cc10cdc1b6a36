"""Tensor creation, metadata, conversions, devices and randomness."""

import numpy as np
import pytest

import treenet as tn
from treenet.tensor.backend import BACKEND_BY_ARRAY_TYPE, Backend


def test_defaults_follow_torch():
    assert tn.tensor([1.0, 2.0]).dtype == np.float32
    assert tn.tensor([1, 2]).dtype == np.int64
    assert tn.tensor(np.arange(3.0)).dtype == np.float64  # numpy arrays keep their dtype
    assert tn.zeros(2, 3).shape == (2, 3) and tn.ones((2, 3)).dtype == np.float32
    assert tn.full((2,), 7).tolist() == [7, 7]
    assert tn.arange(4).tolist() == [0, 1, 2, 3] and tn.arange(4).dtype == np.int64


def test_metadata_and_conversions():
    t = tn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert (t.shape, t.ndim, len(t), t.device, t.size) == ((2, 3), 2, 2, "cpu", 6)
    assert t.T.shape == (3, 2)
    assert t[1, 2].item() == 6.0
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert t.astype(tn.float64).dtype == np.float64
    assert "tensor([[1., 2., 3.]" in repr(t)
    with pytest.raises(ValueError, match="one element"):
        t.item()


def test_from_numpy_and_numpy_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = tn.from_numpy(a)
    a[0] = 5.0
    assert t[0].item() == 5.0
    t.numpy()[1] = 7.0
    assert a[1] == 7.0
    assert np.asarray(t) is a or np.shares_memory(np.asarray(t), a)


def test_tensor_copies_its_input():
    a = np.zeros(3)
    t = tn.tensor(a)
    a[0] = 1.0
    assert t[0].item() == 0.0


def test_dlpack_round_trip_with_numpy():
    t = tn.arange(6).reshape(2, 3)
    a = np.from_dlpack(t)
    assert np.shares_memory(a, t.numpy())
    back = tn.from_dlpack(a)
    assert np.shares_memory(back.numpy(), a)


def test_dlpack_round_trip_with_torch():
    torch = pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")
    t = tn.tensor([[1.0, 2.0], [3.0, 4.0]])
    u = torch.from_dlpack(t)
    u[0, 0] = 9.0
    assert t[0, 0].item() == 9.0
    back = tn.from_dlpack(torch.ones(2))
    assert back.tolist() == [1.0, 1.0]


def test_cuda_without_cupy_or_gpu_fails_clearly():
    from treenet._optional import optional_import

    if optional_import("cupy") is not None:
        pytest.skip("cupy is installed; the missing-cupy message cannot be shown here")
    with pytest.raises(ImportError, match="cupy.*pip install"):
        tn.zeros(2).to("cuda")
    with pytest.raises(ImportError, match="cupy"):
        tn.zeros(2, device="cuda")


def test_unknown_device_is_refused():
    with pytest.raises(tn.DeviceError, match="unknown device"):
        tn.zeros(2, device="tpu")


class _OtherDeviceArray(np.ndarray):
    """Stands in for a second device's array type (a GPU is not needed to test the check)."""


def test_mixing_devices_in_one_op_fails_fast():
    BACKEND_BY_ARRAY_TYPE[_OtherDeviceArray] = Backend("other", np, _OtherDeviceArray)
    try:
        a = tn.ones(3)
        b = tn.Tensor(np.ones(3, dtype=np.float32).view(_OtherDeviceArray))
        with pytest.raises(tn.DeviceError, match="add: inputs are on different devices"):
            a + b
    finally:
        del BACKEND_BY_ARRAY_TYPE[_OtherDeviceArray]


def test_manual_seed_and_rng_state_reproduce_draws():
    tn.manual_seed(3)
    first = tn.randn(4).tolist()
    tn.manual_seed(3)
    assert tn.randn(4).tolist() == first
    state = tn.get_rng_state()
    a = (tn.rand(3).tolist(), tn.randint(0, 10, (5,)).tolist())
    tn.set_rng_state(state)
    assert (tn.rand(3).tolist(), tn.randint(0, 10, (5,)).tolist()) == a


def test_numpy_operands_and_reflected_ops():
    t = tn.tensor([1.0, 2.0])
    assert (np.array([1.0, 1.0], dtype=np.float32) + t).tolist() == [2.0, 3.0]
    assert (2 - t).tolist() == [1.0, 0.0] and (1 / t).tolist() == [1.0, 0.5]
    assert (t * 2).dtype == np.float32  # Python scalars do not promote
