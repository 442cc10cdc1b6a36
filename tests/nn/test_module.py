"""Module registration, traversal, modes, state dicts, devices and initializers."""

import numpy as np
import pytest

import treenet as tn
from treenet import nn
from treenet._optional import optional_import


class Tagger(nn.Module):
    def __init__(self, hidden=150, classes=3):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.cell = nn.BinaryTreeLSTMCell(12, hidden)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(hidden, classes)


def test_parameters_and_submodules_register_in_assignment_order():
    model = Tagger(hidden=4)
    assert [name for name, _ in model.named_parameters()] == [
        "embed.weight", "cell.W_leaf", "cell.b_leaf", "cell.U", "cell.b", "out.weight",
        "out.bias"]
    assert [type(m).__name__ for m in model.children()] == [
        "Embedding", "BinaryTreeLSTMCell", "Dropout", "Linear"]
    assert [name for name, _ in model.named_modules()] == ["", "embed", "cell", "drop", "out"]
    assert len(list(model.parameters())) == 7


def test_reassigning_or_deleting_an_attribute_unregisters_it():
    model = Tagger(hidden=4)
    model.out = None
    del model.embed
    assert [name for name, _ in model.named_parameters()] == [
        "cell.W_leaf", "cell.b_leaf", "cell.U", "cell.b"]


def test_a_shared_parameter_is_listed_once_but_saved_under_each_name():
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight
    model = nn.Sequential(a, b)
    assert len(list(model.parameters())) == 3
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_assigning_before_init_says_what_to_do():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(3))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_containers_register_their_items():
    layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 4)])
    layers.append(nn.Linear(4, 1))
    heads = nn.ModuleDict({"tag": nn.Linear(2, 5), "arc": nn.Linear(2, 1)})
    assert len(layers) == 3 and layers[-1].out_features == 1
    assert [n for n, _ in layers.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert list(heads) == ["tag", "arc"] and "tag" in heads and heads["arc"].out_features == 1
    assert [n for n, _ in heads.named_parameters()][0] == "tag.weight"


def test_sequential_applies_modules_in_order():
    model = nn.Sequential(nn.Linear(2, 3, dtype=np.float64), nn.Linear(3, 1, dtype=np.float64))
    x = tn.tensor(np.ones((4, 2)))
    np.testing.assert_allclose(model(x).numpy(), model[1](model[0](x)).numpy())


def test_train_and_eval_reach_every_descendant():
    model = nn.Sequential(Tagger(hidden=4), nn.Dropout(0.1))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_sets_grads_to_none():
    model = nn.Linear(3, 2)
    (model(tn.ones(1, 3))).sum().backward()
    assert model.weight.grad is not None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_repr_matches_torch_style():
    assert repr(Tagger(hidden=4)) == (
        "Tagger(\n"
        "  (embed): Embedding(20, 8)\n"
        "  (cell): BinaryTreeLSTMCell(12, 4)\n"
        "  (drop): Dropout(p=0.5)\n"
        "  (out): Linear(in_features=4, out_features=3, bias=True)\n"
        ")")
    assert repr(nn.LSTM(2, 3, bidirectional=True)).startswith(
        "LSTM(\n  2, 3, bidirectional=True\n  (cells): ModuleList(\n    (0): LSTMCell(2, 3)")


# ---- state dicts --------------------------------------------------------------------------
def test_state_dict_round_trip_restores_the_model():
    tn.manual_seed(0)
    source = Tagger(hidden=4)
    tn.manual_seed(1)
    target = Tagger(hidden=4)
    params_before = list(target.parameters())
    state = source.state_dict()
    assert list(state) == [name for name, _ in source.named_parameters()]
    assert all(type(v) is tn.Tensor and not v.requires_grad for v in state.values())
    target.load_state_dict({k: v.numpy().copy() for k, v in state.items()})
    assert list(target.parameters()) == params_before  # copied in place: optimizers keep working
    for (_, p), (_, q) in zip(source.named_parameters(), target.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    h, c = target.cell.leaf(tn.ones(12))
    h2, _ = source.cell.leaf(tn.ones(12))
    np.testing.assert_array_equal(h.numpy(), h2.numpy())


def test_load_state_dict_names_missing_unexpected_and_misshaped_parameters():
    model = Tagger()
    state = dict(Tagger(classes=5).state_dict())
    del state["cell.U"]
    state["foo"] = np.zeros(2)
    before = model.out.weight.numpy().copy()
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state)
    assert str(error.value) == (
        "load_state_dict: missing parameter 'cell.U'; unexpected 'foo'; 'out.weight' has shape "
        "(150, 5) in the checkpoint but (150, 3) in the model; 'out.bias' has shape (5,) in the "
        "checkpoint but (3,) in the model")
    np.testing.assert_array_equal(model.out.weight.numpy(), before)  # nothing was copied


def test_load_state_dict_non_strict_reports_skipped_names_but_still_checks_shapes():
    model = Tagger(hidden=4)
    state = dict(Tagger(hidden=4).state_dict())
    del state["cell.U"], state["cell.b"]
    state["foo"] = np.zeros(2)
    result = model.load_state_dict(state, strict=False)
    assert result == (["cell.U", "cell.b"], ["foo"])
    assert result.missing_keys == ["cell.U", "cell.b"]
    state["out.bias"] = np.zeros(7)
    with pytest.raises(ValueError, match=r"'out.bias' has shape \(7,\)"):
        model.load_state_dict(state, strict=False)
    with pytest.raises(ValueError, match="missing parameters 'cell.U', 'cell.b'"):
        model.load_state_dict(state)


# ---- devices ------------------------------------------------------------------------------
def test_to_cpu_keeps_parameters_in_place():
    model = Tagger(hidden=4)
    data = [p.data for p in model.parameters()]
    assert model.to("cpu") is model
    assert all(p.data is d for p, d in zip(model.parameters(), data, strict=True))


@pytest.mark.skipif(optional_import("cupy") is not None, reason="cupy is installed")
def test_to_cuda_without_cupy_says_how_to_install_it():
    with pytest.raises(ImportError, match="cupy"):
        Tagger(hidden=4).to("cuda")


@pytest.mark.gpu
def test_to_cuda_and_back():
    pytest.importorskip("cupy", reason="needs cupy and a CUDA device")
    model = Tagger(hidden=4)
    before = [p.numpy().copy() for p in model.parameters()]
    model.to("cuda")
    assert all(p.device == "cuda" for p in model.parameters())
    model.to("cpu")
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.numpy(), b)


# ---- initializers -------------------------------------------------------------------------
def test_initialization_is_reproducible_from_the_global_seed():
    tn.manual_seed(7)
    a = Tagger(hidden=4).state_dict()
    tn.manual_seed(7)
    b = Tagger(hidden=4).state_dict()
    for name in a:
        np.testing.assert_array_equal(a[name].numpy(), b[name].numpy())


def _parameter(*shape, dtype=np.float64):
    return nn.Parameter(np.empty(shape, dtype=dtype))


def test_xavier_initializers_have_glorot_scale():
    tn.manual_seed(0)
    w = nn.init.xavier_uniform_(_parameter(300, 500, dtype=np.float32), gain=2.0)
    bound = 2.0 * np.sqrt(6 / 800)
    assert w.dtype == np.float32
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.99 * bound
    w = nn.init.xavier_normal_(_parameter(300, 500))
    assert np.std(w.numpy()) == pytest.approx(np.sqrt(2 / 800), rel=0.02)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (2, 3, 4)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = nn.init.orthogonal_(_parameter(*shape), gain=1.5).numpy().reshape(shape[0], -1)
    small = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    np.testing.assert_allclose(small, 2.25 * np.eye(len(small)), atol=1e-12)


def test_simple_fills():
    tn.manual_seed(0)
    w = _parameter(200, 100)
    assert (nn.init.zeros_(w).numpy() == 0).all()
    u = nn.init.uniform_(w, -0.1, 0.3).numpy()
    assert u.min() >= -0.1 and u.max() < 0.3
    n = nn.init.normal_(w, 1.0, 0.5).numpy()
    assert n.mean() == pytest.approx(1.0, abs=0.01) and n.std() == pytest.approx(0.5, rel=0.02)
    with pytest.raises(ValueError, match="at least 2 axes"):
        nn.init.xavier_uniform_(_parameter(5))
