"""Zero-copy interop: numpy in and out, DLPack with torch and cupy (skipped where missing)."""

import numpy as np
import pytest

import treenet as tn
from treenet._optional import optional_import


def test_from_numpy_shares_memory_both_ways():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = tn.from_numpy(array)
    array[0, 0] = 10.0
    assert t.numpy()[0, 0] == 10.0
    t.numpy()[1, 2] = -1.0
    assert array[1, 2] == -1.0
    assert np.shares_memory(t.numpy(), array)


def test_numpy_and_asarray_share_the_tensors_memory():
    t = tn.zeros(3, 4)
    assert t.numpy() is t.data
    view = np.asarray(t)
    view[2, 3] = 5.0
    assert t.numpy()[2, 3] == 5.0
    assert np.shares_memory(np.asarray(t), t.numpy())


def test_numpy_dlpack_round_trip_shares_memory():
    array = np.ones(5)
    t = tn.from_dlpack(array)
    assert np.shares_memory(t.numpy(), array)
    assert np.shares_memory(np.from_dlpack(t), array)


def test_torch_dlpack_shares_memory_both_ways():
    torch = optional_import("torch")
    if torch is None:
        pytest.skip("torch is not installed (pip install torch==2.13.0 for the DLPack tests)")
    source = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = tn.from_dlpack(source)
    source[0, 1] = 42.0
    assert t.numpy()[0, 1] == 42.0 and t.shape == (2, 3)

    mine = tn.ones(2, 2, dtype=tn.float64)
    theirs = torch.from_dlpack(mine)
    theirs.mul_(3.0)
    np.testing.assert_array_equal(mine.numpy(), np.full((2, 2), 3.0))
    assert theirs.dtype == torch.float64


def test_treenet_gradients_flow_through_torch_owned_memory():
    torch = optional_import("torch")
    if torch is None:
        pytest.skip("torch is not installed")
    weights = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    x = tn.from_dlpack(weights).requires_grad_()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * weights.numpy())


def test_cupy_dlpack_shares_device_memory():
    cupy = optional_import("cupy")
    if cupy is None:
        pytest.skip("cupy is not installed (GPU only)")
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("no CUDA device")
    except Exception as exc:  # cupy raises its own error type without a driver
        pytest.skip(f"no usable CUDA device: {exc}")
    source = cupy.arange(4, dtype=cupy.float32)
    t = tn.from_dlpack(source)
    source[1] = 9.0
    assert t.device == "cuda" and float(t.data[1]) == 9.0
    back = cupy.from_dlpack(t)
    back[2] = -3.0
    assert float(source[2]) == -3.0
