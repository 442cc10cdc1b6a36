"""Checkpoints: round trips, refusal of broken files, crash safety, and exact training resume."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy

import treenet as tn
from treenet import serialization
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
from treenet.serialization import CheckpointError, load, load_metadata, save

REPO = Path(__file__).resolve().parents[2]


def nested_state():
    return {
        "model": {"embed.weight": tn.tensor(np.arange(12, dtype=np.float32).reshape(3, 4)),
                  "out/bias~": np.array([1.5, -2.0])},
        "optimizer": {"state": {0: {"step": 3, "sum": np.full((3, 4), 0.25, np.float32)}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]},
        "arrays": [np.array(7, dtype=np.int64), np.zeros((0, 3), np.float16),
                   np.array([True, False]), np.arange(6, dtype=np.int32).reshape(2, 3).T],
        "rng": tn.get_rng_state(),
        "epoch": 3, "loss": 0.125, "note": "ok", "done": False, "best": None,
        "scalar": np.float32(2.5),
    }


def assert_same(got, expected):
    if isinstance(expected, tn.Tensor):
        expected = expected.numpy()
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray) and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    elif isinstance(expected, dict):
        assert list(got) == list(expected)
        for key in expected:
            assert_same(got[key], expected[key])
    elif isinstance(expected, list | tuple):
        assert isinstance(got, list) and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            assert_same(g, e)
    else:
        assert got == expected and type(got) is type(expected.item() if isinstance(
            expected, np.generic) else expected)


def test_round_trip_of_a_nested_structure_with_metadata(tmp_path):
    path = tmp_path / "run.ckpt"
    state = nested_state()
    metadata = {"config": {"hidden": 150, "dropout": 0.5}, "vocab": ["<unk>", "the", "ça"]}
    save(state, path, metadata=metadata)
    loaded = load(path)
    assert_same(loaded.state, state)
    assert loaded.metadata == metadata == load_metadata(path)
    restored, meta = loaded  # unpacks as a pair too
    assert restored["arrays"][3].flags.writeable
    names = safetensors.numpy.load(path.read_bytes())
    assert {"model/embed.weight", "model/out~1bias~0", "optimizer/state/0/sum"} <= set(names)
    assert os.listdir(tmp_path) == ["run.ckpt"]  # no temporary file left behind


def test_module_like_objects_save_their_state_dict(tmp_path):
    class Model:
        def state_dict(self):
            return {"weight": tn.tensor(np.ones((2, 2), np.float32))}

    save(Model(), tmp_path / "m.ckpt")
    state, metadata = load(tmp_path / "m.ckpt")
    assert list(state) == ["weight"] and metadata == {}
    save(np.arange(3.0), tmp_path / "a.ckpt")  # a bare array is a structure too
    np.testing.assert_array_equal(load(tmp_path / "a.ckpt").state, np.arange(3.0))


@pytest.mark.parametrize("value, match", [
    ({"f": lambda: 0}, "function"),
    ({"x": {1: 2, "a": 3}}, "all str or all int"),
    ({"__array__": 1}, "reserved"),
    ({"x": np.array(["a"])}, "<U1"),
    ({"x": {1, 2}}, "set"),
])
def test_unstorable_values_are_refused(tmp_path, value, match):
    with pytest.raises(TypeError, match=match):
        save(value, tmp_path / "x.ckpt")
    assert not list(tmp_path.iterdir())


def test_metadata_must_be_json(tmp_path):
    with pytest.raises(TypeError, match="JSON-serializable"):
        save({}, tmp_path / "x.ckpt", metadata={"bad": object()})


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "c.ckpt"
    save({"w": np.arange(40, dtype=np.float32), "step": 5, "ids": [np.arange(3)]}, path,
         metadata={"vocab": ["a", "b"]})
    return path


@pytest.mark.parametrize("cut, match", [
    (-1, "truncated: .* bytes, expected"), (100, "truncated: 100 bytes, the header alone"),
    (5, "truncated or empty"), (0, "truncated or empty"),
])
def test_truncated_file_is_refused(checkpoint, cut, match):
    checkpoint.write_bytes(checkpoint.read_bytes()[:cut])
    for reader in (load, load_metadata):
        with pytest.raises(CheckpointError, match=match) as info:
            reader(checkpoint)
        assert str(checkpoint) in str(info.value)


def test_every_single_bit_flip_is_refused(checkpoint):
    data = checkpoint.read_bytes()
    for position in range(len(data)):
        corrupted = bytearray(data)
        corrupted[position] ^= 1 << (position % 8)
        checkpoint.write_bytes(corrupted)
        with pytest.raises(CheckpointError, match=str(checkpoint)):
            load(checkpoint)


def test_flip_in_tensor_bytes_names_the_checksum(checkpoint):
    data = bytearray(checkpoint.read_bytes())
    data[-20] ^= 0x10
    checkpoint.write_bytes(data)
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        load(checkpoint)


def test_other_files_are_refused(tmp_path):
    text, plain = tmp_path / "notes.txt", tmp_path / "plain.safetensors"
    text.write_text("hello, this is not a checkpoint\n")
    safetensors.numpy.save_file({"x": np.zeros(2)}, plain)
    for path in (text, plain):
        with pytest.raises(CheckpointError, match="not a treenet checkpoint"):
            load(path)


# ---- atomic saves ---------------------------------------------------------------------------
@pytest.mark.parametrize("point", serialization.SAVE_POINTS)
def test_exception_inside_save_keeps_the_old_file(tmp_path, monkeypatch, point):
    path = tmp_path / "c.ckpt"
    save({"version": 1}, path)

    def fail(name, temp):
        if name == point:
            raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_hooks", [fail])
    with pytest.raises(KeyboardInterrupt):
        save({"version": 2}, path)
    assert load(path).state == {"version": 2 if point == "after_rename" else 1}
    assert os.listdir(tmp_path) == ["c.ckpt"]


CHILD = """
import os, signal, sys
import numpy as np
from treenet import serialization

path, point, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
version = 0

def kill(name, temp):
    if name == point and version == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

serialization._hooks.append(kill)
for version in range(1, kill_at + 1):
    serialization.save({"version": version, "weights": np.full((64, 64), version, np.float32),
                        "ids": np.arange(version)}, path, metadata={"version": version})
"""


@pytest.mark.parametrize("point", serialization.SAVE_POINTS)
def test_sigkill_during_save_leaves_a_complete_checkpoint(tmp_path, point):
    path, kill_at = tmp_path / "c.ckpt", 3
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH",
                                                                                   "")])}
    child = subprocess.run([sys.executable, "-c", CHILD, str(path), point, str(kill_at)],
                           env=env, capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    state, metadata = load(path)
    version = kill_at if point == "after_rename" else kill_at - 1
    assert state["version"] == metadata["version"] == version
    np.testing.assert_array_equal(state["weights"], np.full((64, 64), version, np.float32))
    np.testing.assert_array_equal(state["ids"], np.arange(version))


# ---- exact resume of training ---------------------------------------------------------------
NAMES = ["E", "W", "b"]


def fresh_params():
    rng = np.random.default_rng(42)
    return [Parameter(rng.standard_normal((50, 8)).astype(np.float32) * 0.1),
            Parameter(rng.standard_normal((8, 4)).astype(np.float32) * 0.1),
            Parameter(np.zeros(4, np.float32))]


def make_batches(n):
    rng = np.random.default_rng(7)
    return [(rng.integers(0, 50, size=6), rng.standard_normal((6, 4)).astype(np.float32))
            for _ in range(n)]


def train(params, opt, scheduler, batches):
    E, W, b = params
    for ids, target in batches:
        h = tn.dropout(tn.tanh(tn.lookup(E, ids, sparse_grad=True) @ W + b), 0.3)
        ((h - target) * (h - target)).sum().backward()
        clip_grad_norm(params, 1.0)
        opt.step()
        opt.zero_grad()
        scheduler.step()


SETUPS = {
    "sgd-nesterov-steplr": lambda ps: StepLR(SGD(
        [{"params": ps[1:], "weight_decay": 1e-3}, {"params": ps[:1], "lr": 0.3}],
        lr=0.1, momentum=0.9, nesterov=True), step_size=2, gamma=0.5),
    "adagrad-exponential": lambda ps: ExponentialLR(Adagrad(
        [{"params": ps[1:], "weight_decay": 1e-4}, {"params": ps[:1]}], lr=0.1, lr_decay=0.01),
        gamma=0.9),
    "adam-cosine": lambda ps: CosineAnnealingLR(Adam(ps, lr=0.01), T_max=4, eta_min=1e-3),
    "adamw-steplr": lambda ps: StepLR(AdamW(ps, lr=0.01), step_size=3),
}


@pytest.mark.parametrize("setup", SETUPS)
def test_training_resumes_bitwise_from_a_checkpoint(tmp_path, setup):
    total, split = 7, 3
    batches = make_batches(total)
    tn.manual_seed(0)
    params = fresh_params()
    scheduler = SETUPS[setup](params)
    train(params, scheduler.optimizer, scheduler, batches)
    expected = [p.data.copy() for p in params]

    tn.manual_seed(0)
    params = fresh_params()
    scheduler = SETUPS[setup](params)
    train(params, scheduler.optimizer, scheduler, batches[:split])
    save({"params": dict(zip(NAMES, params, strict=True)),
          "optimizer": scheduler.optimizer.state_dict(), "scheduler": scheduler.state_dict(),
          "rng": tn.get_rng_state(), "step": split}, tmp_path / "run.ckpt")
    tn.manual_seed(123)  # the resumed run must not depend on the live generator

    state, _ = load(tmp_path / "run.ckpt")
    params = [Parameter(state["params"][name]) for name in NAMES]
    scheduler = SETUPS[setup](params)
    scheduler.optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    tn.set_rng_state(state["rng"])
    train(params, scheduler.optimizer, scheduler, batches[state["step"]:])
    for p, e in zip(params, expected, strict=True):
        np.testing.assert_array_equal(p.data, e)
