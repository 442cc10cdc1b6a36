"""Every registered op: calls recorded under autobatch equal eager calls, forward and backward,
and calls of one signature really run as one launch."""

import copy

import numpy as np
import pytest

import treenet as tn
from treenet.autograd import OPS
from treenet.autograd.engine import apply

ALL = sorted(name for name in OPS if "." not in name)
CALLS = 3


def _calls(name):
    """CALLS argument lists for one op: fresh values per call, row counts varying for row ops."""
    op = OPS[name]
    calls = []
    for i in range(CALLS):
        args, params = op.example(np.random.default_rng(i))
        if op.batch.kind == "rows":
            rows = max(1, len(args[0]) - i) if hasattr(args[0], "__len__") else None
            args = [a if k in op.batch.shared or not hasattr(a, "shape") or a.ndim == 0
                    else a[:rows] for k, a in enumerate(args)]
        calls.append((args, params))
    return calls


def _record(name, calls, batch=None):
    """Record the calls; float inputs are rows looked up from one table per argument position
    (so they are activations, and the table's gradient holds every call's input gradient);
    arguments the rule shares are one leaf for all calls."""
    op = OPS[name]
    tables, outputs = {}, []
    for p, a in enumerate(calls[0][0]):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            values = a.copy() if p in op.batch.shared else np.concatenate(
                [args[p] for args, _ in calls])
            tables[p] = tn.Tensor(values, requires_grad=True)
    offsets = dict.fromkeys(tables, 0)
    for args, params in calls:
        inputs = []
        for p, a in enumerate(args):
            if p in op.batch.shared and p in tables:
                inputs.append(tables[p])
            elif p in tables:
                ids = np.arange(offsets[p], offsets[p] + len(a))
                offsets[p] += len(a)
                inputs.append(tn.lookup(tables[p], ids))
            else:
                inputs.append(tn.Tensor(a) if isinstance(a, np.ndarray) else a)
        out = apply(op, *inputs, **params)
        outputs.extend(out if isinstance(out, tuple) else (out,))
    if batch is not None:  # compute the calls before the loss adds ops of its own
        batch.flush()
        batch.calls_profile = copy.deepcopy(batch.profile)
    if any(o.requires_grad for o in outputs):
        tn.stack([(o * float(j + 1)).sum() for j, o in enumerate(outputs)
                  if o.requires_grad]).sum().backward()
    return outputs, list(tables.values())


def _values(outputs, tables):
    return ([o.numpy().copy() for o in outputs],
            [None if t.grad is None else np.asarray(t.grad).copy() for t in tables])


@pytest.mark.parametrize("strategy", ["agenda", "depth"])
@pytest.mark.parametrize("name", ALL)
def test_batched_equals_eager(name, strategy):
    calls = _calls(name)
    eager_out, eager_grads = _values(*_record(name, calls))
    with tn.autobatch(strategy) as batch:
        recorded = _record(name, calls, batch)
    batched_out, batched_grads = _values(*recorded)
    for a, b in zip(batched_out, eager_out, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for a, b in zip(batched_grads, eager_grads, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    profile = batch.calls_profile
    launches = profile.launches_by_op[name]
    alone = sum(n for (op, _), n in profile.unbatched.items() if op == name)
    if alone:  # calls that cannot batch must say so in the profile
        assert launches == alone == CALLS
    else:
        assert launches == 1, profile.table()


def test_ops_that_run_alone_are_the_expected_ones():
    """A new op that silently fails to batch shows up here."""
    alone = []
    for name in ALL:
        with tn.autobatch() as batch:
            _record(name, _calls(name), batch)
        if any(op == name for op, _ in batch.calls_profile.unbatched):
            alone.append(name)
    assert alone == ["getitem", "take"]  # advanced indexing; take with an axis


def test_reading_a_value_mid_graph_computes_only_what_it_needs_and_keeps_gradients():
    """A transition-parser-style read: the rest of the graph stays pending and batched."""
    W = tn.tensor(np.eye(3) * 0.5, requires_grad=True)
    xs = [tn.tensor(np.full((1, 3), float(i + 1))) for i in range(4)]
    with tn.autobatch() as batch:
        hs = [tn.tanh(x @ W) for x in xs]
        first = hs[0].sum().item()  # computes hs[0]'s ancestors only
        assert batch.profile.launches == 3  # matmul, tanh, sum of example 0
        later = [tn.tanh(h @ W) for h in hs]  # keeps recording after the read
        loss = tn.stack([h.sum() for h in later]).sum()
        loss.backward()
    assert first == pytest.approx(float(np.tanh(0.5) * 3))
    eager_W = tn.tensor(np.eye(3) * 0.5, requires_grad=True)
    tn.stack([tn.tanh(tn.tanh(x @ eager_W) @ eager_W).sum() for x in xs]).sum().backward()
    np.testing.assert_allclose(W.grad.numpy(), eager_W.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("strategy", ["agenda", "none"])
def test_the_cyclic_collector_is_paused_inside_the_block_and_restored(strategy):
    import gc

    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="inside"):
        with tn.autobatch(strategy):
            assert not gc.isenabled()
            raise RuntimeError("an error inside the block")
    assert gc.isenabled()
    gc.disable()
    try:
        with tn.autobatch(strategy):
            pass
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
