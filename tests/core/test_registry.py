"""Every registered op: gradient check, shape inference, batch rule, and (with torch) parity."""

import numpy as np
import pytest

import treenet as tn
from treenet.autograd import OPS, BatchRule, gradcheck
from treenet.autograd.engine import apply

# built-in ops; user Functions register under dotted qualified names
ALL = sorted(name for name in OPS if "." not in name)
DIFFERENTIABLE = [name for name in ALL if OPS[name].differentiable]


def example_tensors(name: str, seed: int = 0):
    """The op's example inputs as tensors (floats require grad) and its params."""
    args, params = OPS[name].example(np.random.default_rng(seed))
    tensors = [tn.Tensor(np.array(a), requires_grad=np.asarray(a).dtype.kind == "f")
               if isinstance(a, np.ndarray) else a for a in args]
    return tensors, params


def as_outputs(out):
    """An op's result as a tuple of tensors (multi-output ops already return one)."""
    return out if isinstance(out, tuple) else (out,)


def joined(out):
    """One tensor holding every output, flattened (gradcheck needs a single output)."""
    outs = as_outputs(out)
    return outs[0] if len(outs) == 1 else tn.concatenate([o.reshape(-1) for o in outs])


@pytest.mark.parametrize("name", ALL)
def test_op_declares_example_and_batch_rule(name):
    op = OPS[name]
    assert op.example is not None, f"{name} has no example inputs"
    assert isinstance(op.batch, BatchRule)
    assert op.infer is not None, f"{name} has no shape inference"


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradcheck(name):
    tensors, params = example_tensors(name)
    assert gradcheck(lambda *xs: joined(apply(OPS[name], *xs, **params)), tensors)


@pytest.mark.parametrize("name", ["linear", "matmul", "lstm_cell", "lstm_step", "lstm_sequence",
                                  "tree_lstm_leaf", "binary_tree_lstm", "childsum_tree_lstm"])
def test_gradcheck_on_a_block_of_rows(name):
    """Backward passes take a block of 8-128 rows times a transposed weight another way
    (treenet.ops.linalg.matmul_transposed); the examples have fewer rows, so the gradients
    are checked again with each per-row argument repeated (plus noise) to 24 or more rows
    (and lstm_sequence's rows read as 8 sequences, so each step has a block of 8 rows)."""
    rng = np.random.default_rng(1)
    tensors, params = example_tensors(name)
    if name == "matmul":  # the example is a stack of matrices; a block of rows is 2-D
        tensors = [tn.Tensor(t.numpy()[0], requires_grad=True) for t in tensors[:1]] + tensors[1:]
    shared = OPS[name].batch.shared
    grown = [t if i in shared else tn.Tensor(
        np.concatenate([t.numpy() + 0.1 * rng.standard_normal(t.shape)
                        for _ in range(-(-24 // len(t)))]), requires_grad=True)
        for i, t in enumerate(tensors)]
    rows = len(grown[0])
    if name == "lstm_sequence":
        params = {**params, "lengths": (rows // 8,) * 8}
    assert 24 <= rows <= 128 and rows % 8 == 0
    assert gradcheck(lambda *xs: joined(apply(OPS[name], *xs, **params)), grown)


@pytest.mark.parametrize("name", ALL)
def test_infer_matches_forward(name):
    tensors, params = example_tensors(name)
    outs = as_outputs(apply(OPS[name], *tensors, **params))
    inferred = OPS[name].infer(*tensors, **params)
    inferred = inferred if OPS[name].outputs > 1 else (inferred,)
    assert [(tuple(s), np.dtype(d)) for s, d in inferred] == [(o.shape, o.dtype) for o in outs]


@pytest.mark.parametrize("name", sorted(set(ALL) - set(DIFFERENTIABLE)))
def test_non_differentiable_ops_cut_the_graph(name):
    tensors, params = example_tensors(name)
    assert not any(o.requires_grad for o in as_outputs(apply(OPS[name], *tensors, **params)))


def test_gradcheck_catches_a_wrong_backward():
    class WrongSquare(tn.Function):
        @staticmethod
        def forward(xp, x):
            return x * x

        @staticmethod
        def backward(xp, gy, y, x):
            return (gy * x,)  # should be 2 x gy

    x = tn.tensor(np.random.default_rng(0).standard_normal(4), dtype=np.float64,
                  requires_grad=True)
    with pytest.raises(tn.autograd.GradcheckError, match="input 0"):
        gradcheck(WrongSquare.apply, [x])
