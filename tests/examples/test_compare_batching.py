"""examples/compare_batching.py runs on a few trees and its three modes agree on the loss."""

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "compare_batching.py"


def test_three_modes_report_the_same_loss(data_dir):
    out = subprocess.run([sys.executable, str(SCRIPT), "--data", str(data_dir), "--sentences",
                          "12", "--batch-size", "4"], capture_output=True, text=True,
                         check=True).stdout
    losses = re.findall(r"^(\w+) .* mean loss per sentence ([\d.]+)$", out, re.M)
    assert [mode for mode, _ in losses] == ["dynamic", "padded", "none"]
    assert len({loss for _, loss in losses}) == 1
