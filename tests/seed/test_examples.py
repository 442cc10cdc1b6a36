"""The seed's examples and benchmark run end to end on tiny settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from treenet._optional import optional_import

ROOT = Path(__file__).parents[2]


def run(script: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([sys.executable, str(ROOT / script), *args], capture_output=True,
                            text=True, timeout=120, env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_gan_runs_and_writes_a_plot(tmp_path):
    out = tmp_path / "gan.png"
    printed = run("examples/gan.py", "--steps", "5", "--log-every", "5", "--out", str(out))
    assert "modes covered" in printed and out.stat().st_size > 0


def test_reinforce_runs_a_few_episodes():
    printed = run("examples/reinforce.py", "--episodes", "3", "--batch-episodes", "2")
    assert "not solved in 3 episodes" in printed


def test_c_extension_example(tmp_path):
    if optional_import("cffi") is None:
        pytest.skip("cffi is not installed (pip install cffi)")
    printed = run("examples/c_extension/softsign.py", env={"XDG_CACHE_HOME": str(tmp_path)})
    assert "matches numpy: True" in printed and "gradcheck: True" in printed
    assert "in 1 launch(es)" in printed


def test_hogwild_benchmark(data_dir):
    printed = run("benchmarks/hogwild.py", "--data", str(data_dir), "--sentences", "4",
                  "--repeats", "1", "--batch-size", "2")
    assert printed.count("sentences/s") == 4
