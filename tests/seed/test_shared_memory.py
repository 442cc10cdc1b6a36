"""Shared-memory tensors: in-place moves, handles, zero-copy children (fork and spawn), cleanup."""

import multiprocessing as mp
import pickle
from multiprocessing import shared_memory
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

import treenet as tn
from treenet.multiprocessing import handle_of, is_shared, release, share_memory_


def test_share_memory_keeps_tensors_and_values():
    tn.manual_seed(0)
    model = tn.nn.Linear(3, 2)
    params = list(model.parameters())
    values = [p.numpy().copy() for p in params]
    assert not any(is_shared(p) for p in params)
    assert share_memory_(model) is model
    assert list(model.parameters()) == params  # the same Parameter objects, moved in place
    for p, value in zip(params, values, strict=True):
        assert is_shared(p) and p.requires_grad
        np.testing.assert_array_equal(p.numpy(), value)
    assert handle_of(model.weight).block == handle_of(model.bias).block  # one block
    release(model)


def test_handle_opens_the_same_memory_and_pickles():
    t = share_memory_(tn.zeros(2, 3))
    handle = pickle.loads(pickle.dumps(handle_of(t)))
    view = handle.open()
    view[1, 2] = 7.0
    assert t.numpy()[1, 2] == 7.0
    sliced = handle_of(t[1])  # a view of a shared tensor is shared too
    assert sliced is not None and sliced.offset == 12
    release(t)


def test_forking_pickler_sends_shared_tensors_as_handles():
    t = share_memory_(tn.ones(1000))
    small = len(bytes(ForkingPickler.dumps(t)))
    assert small < 1000  # a handle, not 4000 bytes of data
    copy = pickle.loads(ForkingPickler.dumps(tn.ones(3, requires_grad=True)))
    assert copy.requires_grad and copy.numpy().tolist() == [1.0, 1.0, 1.0]
    release(t)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_child_writes_are_seen_by_the_parent(method, workers):
    t = share_memory_(tn.zeros(4, 4))
    child = mp.get_context(method).Process(target=workers.write_ones, args=(t,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    np.testing.assert_array_equal(t.numpy(), np.ones((4, 4), np.float32))
    release(t)


def test_release_unlinks_and_tensors_stay_usable():
    t = share_memory_(tn.ones(8))
    name = handle_of(t).block
    release(t)
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=name)
    t.numpy()[0] = 5.0  # this process's mapping is still valid
    assert t.numpy()[0] == 5.0


def test_forked_child_does_not_unlink_the_owners_block(workers):
    t = share_memory_(tn.zeros(3))
    name = handle_of(t).block
    ctx = mp.get_context("fork")
    child = ctx.Process(target=release)  # the child inherits the block table, owns nothing
    child.start()
    child.join(timeout=60)
    shared_memory.SharedMemory(name=name).close()  # still attachable
    release(t)
