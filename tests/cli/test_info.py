"""`treenet info`, --threads, and the console script / `python -m treenet` in a subprocess."""

import contextlib
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np

from treenet.cli import common, main


def test_info_json(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["numpy"] == np.__version__ and info["backends"][0] == "numpy (cpu, default)"
    assert {"cupy", "torch", "spacy"} <= set(info["packages"])
    if info["packages"]["cupy"] is None:
        assert info["gpu"] == {"device": None, "reason": "cupy is not installed"}
    assert set(info["fused_kernels"]) == {"cells", "optimizers"}
    states = info["fused_kernels"].values()
    assert all(state == "on" or state.startswith("off (") for state in states)


def test_info_text(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("treenet ") and "\ngpu " in out and "\nbackends " in out


def test_threads_use_threadpoolctl(monkeypatch):
    seen = []

    def threadpool_limits(limits):
        seen.append(limits)
        return contextlib.nullcontext()

    fake = types.SimpleNamespace(threadpool_limits=threadpool_limits)
    monkeypatch.setattr(common, "optional_import", lambda name: fake)
    assert main(["info", "--json", "--threads", "1"]) == 0
    assert seen == [1]


def test_threads_without_threadpoolctl_warn(capsys, monkeypatch):
    monkeypatch.setattr(common, "optional_import", lambda name: None)
    assert main(["info", "--json", "--threads", "1"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["treenet"]
    assert captured.err.startswith("treenet: warning: --threads 1 needs threadpoolctl")


def test_console_script_and_module_run():
    script = Path(sys.executable).with_name("treenet")
    commands = [[sys.executable, "-m", "treenet", "info", "--json"]]
    if script.is_file():
        commands.append([str(script), "info", "--json"])
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["python"]
    result = subprocess.run([sys.executable, "-m", "treenet", "eval", "/nonexistent", "--file",
                             "x"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
