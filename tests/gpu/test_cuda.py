"""The cupy backend on a real GPU, against the CPU on the same seeds: every registered op's
outputs and input gradients, batched models (Tree-LSTM and BiLSTM tagger under autobatch,
dropout on), optimizers, checkpoints, DLPack. Skipped where cupy or a CUDA device is missing;
`scripts/gpu_check.sh` runs them on a GPU machine."""

import numpy as np
import pytest

import treenet as tn
from treenet.autograd import OPS
from treenet.autograd.engine import apply
from treenet.data.ptb import parse_tree
from treenet.models import BiLSTMTagger, ConstituencyTreeLSTM, padded_loss, padded_predict
from treenet.ops import cuda_cells
from treenet.tensor.backend import DeviceError, cuda_backend

cupy = pytest.importorskip("cupy", reason="the GPU tests need cupy (treenet[cuda12] or "
                                          "[cuda13]) and a CUDA device")
try:
    cuda_backend()
except DeviceError as exc:
    pytest.skip(f"the GPU tests need a CUDA device: {exc}", allow_module_level=True)

ALL = sorted(name for name in OPS if "." not in name)
TOLERANCE = 1e-10  # float64: the same formulas on both devices, different summation orders


def _host(x):
    if isinstance(x, tn.RowSparseGrad):
        x = x.to_dense()
    if isinstance(x, tn.Tensor):
        x = x.data
    return np.asarray(x.get() if hasattr(x, "get") else x, dtype=np.float64)


def _close(a, b, what):
    a, b = _host(a), _host(b)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    error = np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)
    assert error <= TOLERANCE, f"{what}: relative error {error:.2e}"


def _run_op(name, device, dtype=None):
    """Outputs and the gradients of every float input of one op's example on `device` (float
    arguments cast to `dtype` when given)."""
    args, params = OPS[name].example(np.random.default_rng(0))
    args = [a.astype(dtype) if dtype and isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in args]
    tensors = [tn.Tensor(np.array(a), requires_grad=np.asarray(a).dtype.kind == "f").to(device)
               if isinstance(a, np.ndarray) else a for a in args]
    out = apply(OPS[name], *tensors, **params)
    outs = out if isinstance(out, tuple) else (out,)
    floats = [o for o in outs if o.dtype.kind == "f" and o.requires_grad]
    if floats:
        rng = np.random.default_rng(1)
        total = sum((o * tn.Tensor(rng.standard_normal(o.shape).astype(o.dtype)).to(device)).sum()
                    for o in floats)
        total.backward()
    grads = [t.grad for t in tensors if isinstance(t, tn.Tensor) and t.requires_grad]
    return outs, grads


@pytest.mark.parametrize("name", ALL)
def test_op_matches_cpu(name):
    cpu_outs, cpu_grads = _run_op(name, "cpu")
    gpu_outs, gpu_grads = _run_op(name, "cuda")
    assert all(o.device == "cuda" for o in gpu_outs)
    for i, (a, b) in enumerate(zip(gpu_outs, cpu_outs, strict=True)):
        _close(a, b, f"{name} output {i}")
    for i, (a, b) in enumerate(zip(gpu_grads, cpu_grads, strict=True)):
        assert (a is None) == (b is None), (name, i)
        if a is not None:
            _close(a, b, f"{name} gradient of input {i}")


FUSED = ["lstm_cell", "lstm_step", "lstm_sequence", "tree_lstm_leaf", "binary_tree_lstm"]
BUILDERS = [cuda_cells._tree_forward, cuda_cells._tree_backward, cuda_cells._lstm_forward,
            cuda_cells._lstm_backward]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", FUSED)
def test_fused_gpu_cells_equal_the_generic_ops(name, dtype, monkeypatch):
    """The cupy kernels of treenet.ops.cuda_cells against the same op run as generic cupy
    calls: outputs and every input gradient (and the kernels really ran)."""
    runs = {}
    for fused in (False, True):
        monkeypatch.setattr(cuda_cells, "ENABLED", fused)
        built = sum(builder.cache_info().misses + builder.cache_info().hits
                    for builder in BUILDERS)
        runs[fused] = _run_op(name, "cuda", dtype)
        used = sum(builder.cache_info().misses + builder.cache_info().hits
                   for builder in BUILDERS) - built
        assert (used > 0) == fused, (name, fused, used)
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    for a, b in zip(runs[True][0] + tuple(runs[True][1]), runs[False][0] + tuple(runs[False][1]),
                    strict=True):
        a, b = _host(a), _host(b)
        assert np.linalg.norm(a - b) <= tolerance * max(np.linalg.norm(b), 1e-30), name


TREES = ["(3 (2 (2 a) (3 b)) (4 (1 c) (2 (3 d) (2 e))))", "(1 (2 f) (0 g))", "(4 h)",
         "(2 (3 (1 a) (2 (4 b) (1 (2 c) (3 d)))) (0 e))"] * 3


def _tree_model_grads(device, strategy):
    trees = [parse_tree(text) for text in TREES]
    words = sorted({w for t in trees for w in t.words()})
    ids = [np.array([words.index(w) for w in t.words()]) for t in trees]
    tn.manual_seed(0)
    model = ConstituencyTreeLSTM(len(words), embed_dim=8, hidden_size=6, dropout=0.3,
                                 dtype=np.float64).to(device)
    tn.manual_seed(5)
    with tn.autobatch(strategy) as batch:
        loss = tn.stack([model.loss(t, i) for t, i in zip(trees, ids, strict=True)]).sum()
        loss.backward()
    return loss, {name: p.grad for name, p in model.named_parameters()}, batch.profile


@pytest.mark.parametrize("strategy", ["agenda", "depth", "none"])
def test_tree_lstm_batched_on_gpu_equals_cpu_eager(strategy):
    cpu_loss, cpu_grads, _ = _tree_model_grads("cpu", "none")
    loss, grads, profile = _tree_model_grads("cuda", strategy)
    _close(loss, cpu_loss, "loss")
    for name, grad in grads.items():
        _close(grad, cpu_grads[name], name)
    if strategy != "none":
        assert profile.group_size("binary_tree_lstm") > 1, profile.table()


def _tagger(device, crf):
    """A BiLSTM tagger (with a CRF and character features when `crf`) and six sentences."""
    rng = np.random.default_rng(3)
    sentences = [(rng.integers(0, 20, n), rng.integers(0, 5, n),
                  [rng.integers(1, 9, int(rng.integers(1, 6))) for _ in range(n)])
                 for n in (3, 7, 1, 5, 7, 2)]
    tn.manual_seed(0)
    model = BiLSTMTagger(20, 5, embed_dim=6, hidden_size=4, dropout=0.3, crf=crf,
                         num_chars=9 if crf else 0, char_filters=3, dtype=np.float64)
    examples = [model.example(w, char_ids=c if crf else None, tag_ids=t)
                for w, t, c in sentences]
    return model.to(device), examples


def _tagger_grads(device, strategy, crf):
    model, examples = _tagger(device, crf)
    tn.manual_seed(5)
    if strategy == "padded":
        loss = padded_loss(model, examples)
        loss.backward()
    else:
        with tn.autobatch(strategy):
            loss = tn.stack([model.loss(s) for s in examples]).sum()
            loss.backward()
    return loss, {name: p.grad for name, p in model.named_parameters()}


@pytest.mark.parametrize("crf", [False, True])
@pytest.mark.parametrize("strategy", ["agenda", "none"])
def test_tagger_batched_on_gpu_equals_cpu_eager(strategy, crf):
    cpu_loss, cpu_grads = _tagger_grads("cpu", "none", crf)
    loss, grads = _tagger_grads("cuda", strategy, crf)
    _close(loss, cpu_loss, "loss")
    for name, grad in grads.items():
        _close(grad, cpu_grads[name], name)


def test_padded_crf_tagger_on_gpu_equals_cpu_and_decodes_alike():
    tn.manual_seed(0)
    cpu_loss, cpu_grads = _tagger_grads("cpu", "padded", True)
    loss, grads = _tagger_grads("cuda", "padded", True)
    _close(loss, cpu_loss, "loss")
    for name, grad in grads.items():
        _close(grad, cpu_grads[name], name)
    with tn.no_grad():
        tags = {device: padded_predict(*_tagger(device, True)) for device in ("cpu", "cuda")}
    assert tags["cuda"] == tags["cpu"]


@pytest.mark.parametrize("optimizer", ["Adagrad", "Adam", "SGD"])
def test_optimizer_steps_on_gpu_equal_cpu(optimizer):
    def train(device):
        tn.manual_seed(0)
        model = ConstituencyTreeLSTM(12, embed_dim=4, hidden_size=3, dropout=0.0,
                                     dtype=np.float64).to(device)
        opt = getattr(tn.optim, optimizer)(model.parameters(), lr=0.1)
        tree = parse_tree("(3 (2 (2 a) (3 b)) (4 c))")
        for _ in range(3):
            opt.zero_grad()
            model.loss(tree, np.array([1, 5, 5])).backward()
            opt.step()
        return dict(model.named_parameters())

    cpu, gpu = train("cpu"), train("cuda")
    for name, p in gpu.items():
        assert p.device == "cuda"
        _close(p, cpu[name], name)


def test_checkpoint_of_a_gpu_model_round_trips(tmp_path):
    tn.manual_seed(0)
    model = ConstituencyTreeLSTM(12, embed_dim=4, hidden_size=3, dtype=np.float64).to("cuda")
    tn.save(model, tmp_path / "model.safetensors")
    state, _ = tn.load(tmp_path / "model.safetensors")
    copy = ConstituencyTreeLSTM(12, embed_dim=4, hidden_size=3, dtype=np.float64)
    copy.load_state_dict(state)
    for name, p in model.named_parameters():
        _close(dict(copy.named_parameters())[name], p, name)


def test_dlpack_shares_gpu_memory():
    x = tn.arange(6, dtype=np.float32).to("cuda")
    y = cupy.from_dlpack(x)
    y[0] = 7
    assert float(x[0].item()) == 7.0
    back = tn.from_dlpack(y)
    assert back.device == "cuda"


def test_bench_runs_on_the_gpu(data_dir, monkeypatch, capsys):
    """`treenet bench --device cuda`: both tasks, training and inference, batched and one
    example at a time, on a few sentences; the same losses as batched."""
    import json

    from treenet.cli import main

    monkeypatch.setenv("TREENET_BENCH_SIZES", "8,16")  # warm-up, timed sentences
    assert main(["bench", "--task", "treelstm,tagger", "--mode", "train,infer", "--batching",
                 "dynamic,none", "--device", "cuda", "--batch-size", "8", "--repeat", "1",
                 "--data", str(data_dir), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 8
    assert all(line["device"] == "cuda" and line["sentences_per_sec"] > 0 for line in lines)
    for task in ("treelstm", "tagger"):
        losses = [line["loss"] for line in lines if line["task"] == task and line["loss"]]
        assert len(losses) == 2 and losses[0] == pytest.approx(losses[1], rel=1e-4)
