"""Calls on different devices never share a batch, whatever their shapes."""

import numpy as np
import pytest

import treenet as tn
from treenet.tensor.backend import BACKEND_BY_ARRAY_TYPE, Backend


class _OtherDeviceArray(np.ndarray):
    """numpy arrays standing in for a second device's (cupy's, on a machine without a GPU)."""


@pytest.fixture
def other_device(monkeypatch):
    backend = Backend("other", np, _OtherDeviceArray)
    monkeypatch.setitem(BACKEND_BY_ARRAY_TYPE, _OtherDeviceArray, backend)
    return backend


def test_same_signature_on_two_devices_runs_as_two_groups(other_device):
    here = tn.tensor(np.ones((1, 3)))
    there = tn.Tensor(np.ones((1, 3)).view(_OtherDeviceArray))
    assert there.device == "other"
    with tn.autobatch() as batch:
        pending = [tn.tanh(here), tn.tanh(there), tn.tanh(here)]
    assert batch.profile.launches_by_op["tanh"] == 2
    assert batch.profile.nodes_by_op["tanh"] == 3
    for t in pending:
        np.testing.assert_allclose(np.asarray(t.data), np.tanh(np.ones((1, 3))))
