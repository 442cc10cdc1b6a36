"""Reference peers (PyTorch, DyNet) run from ../shared/peers in their own virtual environments.

The peers are optional: a peer whose interpreter or scripts are missing is reported as skipped.
Interpreters: $TORCH_PY / $DYNET_PY, else the venvs made by the peers' setup_envs.sh
(~/.cache/treenet-peers/{torch,dynet}-venv). Scripts: --peers-dir, else $TREENET_PEERS.
"""

from __future__ import annotations

import os
from pathlib import Path

# (peer, task) -> (interpreter env var, venv name, script, arguments): the systems issue
# [batching] compares with: hand-batched PyTorch and DyNet with autobatching
PEER_RUNS = {
    ("torch", "treelstm"): ("TORCH_PY", "torch-venv", "tree_torch.py", ["--variant", "level"]),
    ("torch-pernode", "treelstm"): ("TORCH_PY", "torch-venv", "tree_torch.py",
                                    ["--variant", "node"]),
    ("dynet", "treelstm"): ("DYNET_PY", "dynet-venv", "tree_dynet.py", ["--autobatch", "1"]),
    ("torch", "tagger"): ("TORCH_PY", "torch-venv", "tagger_torch.py", ["--variant", "padded"]),
    ("dynet", "tagger"): ("DYNET_PY", "dynet-venv", "tagger_dynet.py", ["--autobatch", "1"]),
}


def peer_command(peer: str, task: str, mode: str, peers_dir: Path | None) -> list[str] | str:
    """The command running one peer, or a string saying why it cannot run here."""
    if (peer, task) not in PEER_RUNS:
        return f"no {peer} peer for task {task}"
    env_var, venv, script, extra = PEER_RUNS[(peer, task)]
    folder = peers_dir or (Path(os.environ["TREENET_PEERS"]) if "TREENET_PEERS" in os.environ
                           else None)
    if folder is None or not (folder / script).is_file():
        return f"peer scripts not found (pass --peers-dir or set TREENET_PEERS): {script}"
    python = os.environ.get(env_var) or str(Path.home() / ".cache" / "treenet-peers" / venv
                                            / "bin" / "python")
    if not Path(python).is_file():
        return f"no interpreter for {peer} ({python}; set {env_var} or run setup_envs.sh)"
    return [python, str(folder / script), *extra, "--mode", mode]
