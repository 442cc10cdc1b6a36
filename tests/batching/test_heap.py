"""The first autobatch block keeps freed memory in the process (glibc's malloc thresholds)."""

import pytest

import treenet as tn
from treenet.batching import heap


@pytest.fixture
def fresh(monkeypatch):
    """heap's once-per-process decision undone, and mallopt calls recorded instead of made."""
    calls = []
    monkeypatch.setattr(heap, "_set", None)
    monkeypatch.setattr(heap, "_glibc", lambda: True)
    monkeypatch.setattr(heap, "_mallopt", lambda parameter, value: calls.append(
        (parameter, value)) or True)
    return calls


def test_first_block_sets_both_thresholds_once(fresh, monkeypatch):
    monkeypatch.delenv("TREENET_KEEP_FREED_MEMORY", raising=False)
    for _ in range(2):
        with tn.autobatch():
            tn.tanh(tn.ones((1, 2))).sum().item()
    assert fresh == [(heap.M_MMAP_THRESHOLD, 32 << 20), (heap.M_TRIM_THRESHOLD, 128 << 20)]
    assert heap.keep_freed_memory()


def test_environment_variable_leaves_malloc_alone(fresh, monkeypatch):
    monkeypatch.setenv("TREENET_KEEP_FREED_MEMORY", "0")
    with tn.autobatch("none"):
        pass
    assert fresh == [] and not heap.keep_freed_memory()


def test_other_c_libraries_are_left_alone(fresh, monkeypatch):
    monkeypatch.delenv("TREENET_KEEP_FREED_MEMORY", raising=False)
    monkeypatch.setattr(heap, "_glibc", lambda: False)
    assert not heap.keep_freed_memory() and fresh == []


def test_mallopt_is_reached_on_this_machine():
    """On glibc the real call succeeds (mallopt returns 1); elsewhere nothing is called."""
    if not heap._glibc():
        pytest.skip("not glibc: treenet leaves malloc alone here")
    assert heap._mallopt(heap.M_TRIM_THRESHOLD, heap.TRIM_THRESHOLD)
