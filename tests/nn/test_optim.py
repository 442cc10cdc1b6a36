"""Optimizers, gradient clipping and LR schedules against hand-written numpy and torch.optim."""

import math

import numpy as np
import pytest

from treenet.autograd import RowSparseGrad
from treenet.nn import Parameter
from treenet.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    StepLR,
    clip_grad_norm,
)
from treenet.tensor.tensor import Tensor

TORCH_REASON = "torch (CPU) is the reference for optimizer parity"

CONFIGS = [
    (SGD, {"lr": 0.1}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.2, "weight_decay": 0.01}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.01,
               "initial_accumulator_value": 0.1}),
    (Adagrad, {"lr": 0.1}),
    (Adam, {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.01}),
    (Adam, {"lr": 0.01}),
    (AdamW, {"lr": 0.01, "weight_decay": 0.1}),
]
IDS = [f"{cls.__name__}-{'-'.join(options)}" for cls, options in CONFIGS]
SECOND_GROUP = {"lr": 0.03, "weight_decay": 0.0}  # a group with its own options
SHAPES = [(3, 4), (5,), (2, 3)]  # parameters 0, 1 in the first group, 2 in the second


def make_problem(steps=5, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(shape) for shape in SHAPES]
    grads = [[rng.standard_normal(shape) for shape in SHAPES] for _ in range(steps)]
    return params, grads


def groups(params):
    return [{"params": params[:2]}, {"params": params[2:], **SECOND_GROUP}]


def run_treenet(cls, options, params, grads):
    ps = [Parameter(a.copy()) for a in params]
    opt = cls(groups(ps), **options)
    for step_grads in grads:
        for p, g in zip(ps, step_grads, strict=True):
            p.grad = Tensor(g.copy())
        opt.step()
        for p, g in zip(ps, step_grads, strict=True):
            np.testing.assert_array_equal(p.grad.data, g)  # the update never writes the grad
    return [p.data for p in ps]


# ---- hand-written numpy references (the oracle without torch) -------------------------------
def ref_sgd(p, g, s, t, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    d = g + weight_decay * p
    if momentum:
        s["b"] = d.copy() if t == 1 else momentum * s["b"] + (1 - dampening) * d
        d = d + momentum * s["b"] if nesterov else s["b"]
    return p - lr * d


def ref_adagrad(p, g, s, t, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10):
    g = g + weight_decay * p
    s["sum"] = s.get("sum", initial_accumulator_value) + g * g
    return p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s["sum"]) + eps)


def ref_adam(p, g, s, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    b1, b2 = betas
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    return p - lr * (s["m"] / (1 - b1**t)) / (np.sqrt(s["v"] / (1 - b2**t)) + eps)


REFERENCES = {SGD: ref_sgd, Adagrad: ref_adagrad, Adam: ref_adam,
              AdamW: lambda *args, **kw: ref_adam(*args, decoupled=True, **kw)}


def run_reference(cls, options, params, grads):
    params = [a.copy() for a in params]
    group_options = [options, {**options, **SECOND_GROUP}]
    states = [{} for _ in params]
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            params[i] = REFERENCES[cls](params[i], g, states[i], t, **group_options[i >= 2])
    return params


@pytest.mark.parametrize("cls, options", CONFIGS, ids=IDS)
def test_matches_numpy_reference(cls, options):
    params, grads = make_problem()
    for ours, ref in zip(run_treenet(cls, options, params, grads),
                         run_reference(cls, options, params, grads), strict=True):
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls, options", CONFIGS, ids=IDS)
def test_matches_torch(cls, options):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    params, grads = make_problem()
    tps = [torch.tensor(a, requires_grad=True) for a in params]
    topt = getattr(torch.optim, cls.__name__)(groups(tps), **options)
    for step_grads in grads:
        for p, g in zip(tps, step_grads, strict=True):
            p.grad = torch.tensor(g)
        topt.step()
    for ours, ref in zip(run_treenet(cls, options, params, grads), tps, strict=True):
        np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=1e-13, atol=1e-15)


# ---- row-sparse gradients -----------------------------------------------------------------
SPARSE_STEPS = [[1, 3, 1, 7], [2, 3, 3], [9, 0, 2]]  # repeats; rows 1, 7 idle at step 2


def sparse_grads(seed=1, rows=10, width=4):
    rng = np.random.default_rng(seed)
    return [RowSparseGrad(np.array(ids), rng.standard_normal((len(ids), width)).astype(np.float32),
                          (rows, width)) for ids in SPARSE_STEPS]


@pytest.mark.parametrize("cls, options", CONFIGS, ids=IDS)
def test_sparse_update_is_exact_iff_claimed(cls, options):
    table = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    sparse, dense = Parameter(table.copy()), Parameter(table.copy())
    opt_sparse, opt_dense = cls([sparse], **options), cls([dense], **options)
    touched = set()
    for step, grad in enumerate(sparse_grads()):
        sparse.grad, dense.grad = grad, Tensor(grad.to_dense())
        opt_sparse.step()
        opt_dense.step()
        touched |= set(grad.indices.tolist())
        idle = sorted(set(range(10)) - touched)
        np.testing.assert_array_equal(sparse.data[idle], table[idle])  # never-touched rows
        if step == 0:  # touched rows follow the dense rule exactly
            rows = sorted(touched)
            np.testing.assert_array_equal(sparse.data[rows], dense.data[rows])
    exact = opt_sparse.sparse_exact(opt_sparse.param_groups[0])
    assert np.array_equal(sparse.data, dense.data) == exact
    if cls in (Adam, AdamW):
        assert not exact and "LAZY" in Adam.__doc__ and "lazy" in AdamW.__doc__


def test_lazy_adam_keeps_idle_rows_and_their_moments():
    table = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    p = Parameter(table.copy())
    opt = Adam([p], lr=0.1)
    first, second = sparse_grads()[:2]
    p.grad = first
    opt.step()
    before = {name: value.copy() for name, value in opt.state[p].items() if name != "step"}
    moved = p.data.copy()
    p.grad = second
    opt.step()
    idle = [1, 7]  # touched at step 1, not at step 2
    np.testing.assert_array_equal(p.data[idle], moved[idle])
    for name, value in before.items():
        np.testing.assert_array_equal(opt.state[p][name][idle], value[idle])
    assert opt.state[p]["step"] == 2


def test_lazy_adam_matches_torch_sparse_adam():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    table = np.random.default_rng(0).standard_normal((10, 4))
    p, tp = Parameter(table.copy()), torch.tensor(table.copy(), requires_grad=True)
    opt, topt = Adam([p], lr=0.1), torch.optim.SparseAdam([tp], lr=0.1)
    for grad in sparse_grads():
        values = grad.values.astype(np.float64)
        p.grad = RowSparseGrad(grad.indices, values, grad.shape)
        tp.grad = torch.sparse_coo_tensor(torch.tensor(grad.indices)[None], torch.tensor(values),
                                          grad.shape, check_invariants=True)
        opt.step()
        topt.step()
    # SparseAdam adds eps before the bias correction of sqrt(v): equal up to ~eps.
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_sparse_weight_decay_reaches_only_the_touched_rows():
    table = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    p = Parameter(table.copy())
    grad = sparse_grads()[0]
    p.grad = grad
    SGD([p], lr=0.5, weight_decay=0.1).step()
    expected = table.copy()
    rows = [1, 3, 7]
    expected[rows] -= 0.5 * (grad.to_dense()[rows] + np.float32(0.1) * table[rows])
    np.testing.assert_allclose(p.data, expected, rtol=1e-6)
    idle = [0, 2, 4, 5, 6, 8, 9]
    np.testing.assert_array_equal(p.data[idle], table[idle])


def test_tai_recipe_l2_on_the_network_plain_sgd_on_embeddings():
    rng = np.random.default_rng(0)
    W, E = Parameter(rng.standard_normal((4, 3))), Parameter(rng.standard_normal((10, 4)))
    w0, e0 = W.data.copy(), E.data.copy()
    opt = SGD([{"params": [W], "weight_decay": 1e-4}, {"params": [E], "lr": 0.1}], lr=0.05)
    net, emb = opt.param_groups
    assert not opt.sparse_exact(net) and opt.sparse_exact(emb)
    gW = rng.standard_normal((4, 3))
    gE = RowSparseGrad(np.array([2, 5, 2]), rng.standard_normal((3, 4)), (10, 4))
    W.grad, E.grad = Tensor(gW.copy()), gE
    opt.step()
    np.testing.assert_allclose(W.data, w0 - 0.05 * (gW + 1e-4 * w0), rtol=1e-14)
    np.testing.assert_allclose(E.data, e0 - 0.1 * gE.to_dense(), rtol=1e-14)


# ---- param groups, zero_grad, validation ----------------------------------------------------
def test_param_groups_take_defaults_and_their_own_options():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": [b], "lr": 1.0})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert opt.param_groups[1]["momentum"] == 0.5
    a.grad, b.grad = Tensor(np.ones(2)), Tensor(np.ones(3))
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    opt.step()  # parameters without gradients are skipped
    np.testing.assert_allclose(a.data, 0.9)


@pytest.mark.parametrize("make, error", [
    (lambda a: SGD([]), ValueError),
    (lambda a: SGD([a, a]), ValueError),
    (lambda a: SGD([{"params": [a]}, {"params": [a]}]), ValueError),
    (lambda a: SGD([np.ones(2)]), TypeError),
    (lambda a: SGD([a], lr=-1.0), ValueError),
    (lambda a: SGD([a], nesterov=True), ValueError),
    (lambda a: Adam([a], betas=(0.9, 1.0)), ValueError),
    (lambda a: Adagrad([a], lr_decay=-0.1), ValueError),
])
def test_invalid_arguments_are_refused(make, error):
    with pytest.raises(error):
        make(Parameter(np.ones(2)))


def json_like(state_dict):
    """What a checkpoint round trip does to a state dict: str keys, lists for tuples."""
    def convert(x):
        if isinstance(x, dict):
            return {str(k): convert(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [convert(v) for v in x]
        return x
    return convert(state_dict)


@pytest.mark.parametrize("cls, options", CONFIGS, ids=IDS)
def test_state_dict_round_trip_continues_identically(cls, options):
    params, grads = make_problem(steps=4)
    ps = [Parameter(a.copy()) for a in params]
    opt = cls(groups(ps), **options)
    for step_grads in grads[:2]:
        for p, g in zip(ps, step_grads, strict=True):
            p.grad = Tensor(g)
        opt.step()
    saved = opt.state_dict()
    assert sorted(saved["state"]) == [0, 1, 2]
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert all(isinstance(v, np.ndarray | int) for s in saved["state"].values()
               for v in s.values())
    copies = [Parameter(p.data.copy()) for p in ps]
    restored = cls(groups(copies), lr=123.0)  # options come back from the state dict
    restored.load_state_dict(json_like(saved))
    assert restored.param_groups[0]["lr"] == options["lr"]
    for step_grads in grads[2:]:
        for p, q, g in zip(ps, copies, step_grads, strict=True):
            p.grad, q.grad = Tensor(g), Tensor(g)
        opt.step()
        restored.step()
    for p, q in zip(ps, copies, strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_load_state_dict_refuses_other_group_sizes():
    opt = SGD([Parameter(np.ones(2)), Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match=r"\[2\].*\[1\]"):
        SGD([Parameter(np.ones(2))], lr=0.1).load_state_dict(opt.state_dict())


# ---- clip_grad_norm ---------------------------------------------------------------------------
def clip_problem():
    rng = np.random.default_rng(0)
    dense = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5)
             .astype(np.float32)]
    sparse = RowSparseGrad(np.array([1, 4, 1]), rng.standard_normal((3, 2)).astype(np.float32),
                           (6, 2))
    return dense, sparse


def with_grads(grads):
    params = []
    for g in grads:
        p = Parameter(np.zeros(g.shape, np.float32))
        p.grad = g if isinstance(g, RowSparseGrad) else Tensor(g.copy())
        params.append(p)
    return params


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_dense_and_sparse(max_norm):
    dense, sparse = clip_problem()
    expected = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum())
                             for g in [*dense, sparse.to_dense()]))
    params = with_grads([*dense, sparse])
    assert clip_grad_norm(params, max_norm) == pytest.approx(expected, rel=1e-6)
    scale = min(1.0, max_norm / (expected + 1e-6))
    clipped = [p.grad.to_dense() if isinstance(p.grad, RowSparseGrad) else p.grad.data
               for p in params]
    for got, g in zip(clipped, [*dense, sparse.to_dense()], strict=True):
        np.testing.assert_allclose(got, g * scale, rtol=1e-6)
    densified = with_grads([*dense, sparse.to_dense()])
    assert clip_grad_norm(densified, max_norm) == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(densified[2].grad.data, clipped[2], rtol=1e-6)


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    dense, _ = clip_problem()
    params = with_grads(dense)
    tps = [torch.zeros(g.shape, requires_grad=True) for g in dense]
    for p, g in zip(tps, dense, strict=True):
        p.grad = torch.tensor(g)
    expected = torch.nn.utils.clip_grad_norm_(tps, 0.5)
    assert clip_grad_norm(params, 0.5) == pytest.approx(float(expected), rel=1e-6)
    for p, t in zip(params, tps, strict=True):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-6)


# ---- learning-rate schedules ----------------------------------------------------------------
SCHEDULES = [
    (StepLR, {"step_size": 3, "gamma": 0.5},
     lambda base, e: base * 0.5 ** (e // 3)),
    (ExponentialLR, {"gamma": 0.9}, lambda base, e: base * 0.9**e),
    (CosineAnnealingLR, {"T_max": 5, "eta_min": 0.01},
     lambda base, e: 0.01 + (base - 0.01) * (1 + math.cos(math.pi * e / 5)) / 2),
]
SCHEDULE_IDS = [cls.__name__ for cls, _, _ in SCHEDULES]
BASE_LRS = [0.1, 0.3]


def lr_trace(optim_module, cls, options, epochs=14):
    params = [Parameter(np.ones(1)), Parameter(np.ones(1))]
    if optim_module is not None:
        import torch
        params = [torch.ones(1, requires_grad=True) for _ in params]
    make_opt = getattr(optim_module, "SGD", SGD)
    opt = make_opt([{"params": [params[0]], "lr": BASE_LRS[0]},
                    {"params": [params[1]], "lr": BASE_LRS[1]}], lr=1.0)
    scheduler = getattr(optim_module.lr_scheduler, cls.__name__) if optim_module else cls
    scheduler = scheduler(opt, **options)
    trace = [scheduler.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        trace.append(scheduler.get_last_lr())
        assert trace[-1] == [g["lr"] for g in opt.param_groups]
    return trace


@pytest.mark.parametrize("cls, options, closed_form", SCHEDULES, ids=SCHEDULE_IDS)
def test_schedule_follows_its_closed_form(cls, options, closed_form):
    for epoch, lrs in enumerate(lr_trace(None, cls, options)):
        assert lrs == pytest.approx([closed_form(base, epoch) for base in BASE_LRS], rel=1e-9)


@pytest.mark.parametrize("cls, options, closed_form", SCHEDULES, ids=SCHEDULE_IDS)
def test_schedule_matches_torch(cls, options, closed_form):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    np.testing.assert_allclose(lr_trace(None, cls, options), lr_trace(torch.optim, cls, options),
                               rtol=1e-14)


@pytest.mark.parametrize("cls, options, closed_form", SCHEDULES, ids=SCHEDULE_IDS)
def test_schedule_state_dict_resumes(cls, options, closed_form):
    def make():
        opt = SGD([Parameter(np.ones(1))], lr=0.1)
        return opt, cls(opt, **options)

    opt, scheduler = make()
    for _ in range(4):
        scheduler.step()
    opt2, scheduler2 = make()
    opt2.load_state_dict(json_like(opt.state_dict()))
    scheduler2.load_state_dict(json_like(scheduler.state_dict()))
    for _ in range(8):
        scheduler.step()
        scheduler2.step()
        assert scheduler2.get_last_lr() == scheduler.get_last_lr()
