"""The examples run end to end on tiny data."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def run(script, *args):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script), *map(str, args)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_train_tree_lstm_with_and_without_autobatch(sst_data):
    args = ["--data", sst_data / "sst", "--epochs", "1", "--batch-size", "10"]
    losses = [re.search(r"loss/sentence ([\d.]+)", run("train_tree_lstm.py", *args, *more))[1]
              for more in ([], ["--no-autobatch"])]
    assert losses[0] == losses[1]


def test_spacy_sentiment(sst_run):
    pytest.importorskip("spacy")
    out = run("spacy_sentiment.py", sst_run, "A good movie. Not bad at all.")
    assert len(out.splitlines()) == 2
