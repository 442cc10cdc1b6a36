"""The benchmark harness: every configuration in its own process, repeated and interleaved,
reported as medians with spread and peak memory, beside the reference peers."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from treenet.bench.peers import peer_command
from treenet.bench.run import TASKS, WORKLOADS, autobatched


@dataclass(frozen=True)
class Config:
    """One system to measure: treenet with a batching mode, or a peer."""

    task: str
    mode: str
    system: str  # "treenet" or a peer name
    batching: str = ""
    strategy: str = ""
    batch_size: int | None = None  # None: the protocol's
    device: str = "cpu"

    def command(self, data_dir: Path, peers_dir: Path | None) -> list[str] | str:
        if self.system == "treenet":
            if self.batching not in TASKS[self.task].BATCHINGS:
                return f"no {self.batching} batching for {self.task}"
            strategy = ["--strategy", self.strategy] if autobatched(self.batching) else []
            size = [] if self.batch_size is None else ["--batch-size", str(self.batch_size)]
            return [sys.executable, "-m", "treenet.bench.run", "--task", self.task,
                    "--batching", self.batching, *strategy, *size, "--mode", self.mode,
                    "--device", self.device, "--data", str(data_dir)]
        if self.batch_size not in (None, WORKLOADS[self.task].batch_size):
            return f"peers run the protocol's batch size ({WORKLOADS[self.task].batch_size})"
        return peer_command(self.system, self.task, self.mode, peers_dir)

    @property
    def label(self) -> str:
        if self.system == "treenet":
            return f"treenet {self.batching}" + (f" ({self.strategy})"
                                                 if autobatched(self.batching) else "")
        return self.system


def measure(command: list[str], data_dir: Path, threads: int) -> tuple[dict, float]:
    """Run one configuration: its last JSON line, and its peak resident memory in MB (from
    wait4's resource usage of the child process)."""
    env = dict(os.environ, TREENET_DATA=str(data_dir), OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               PYTHONHASHSEED="0")
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env,
                                   text=True)
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            last = errors.read().strip().splitlines()[-1:]
            raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}: {last}")
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def run_all(configs: list[Config], data_dir: Path, peers_dir: Path | None, repeat: int,
            threads: int, log: Any = None) -> list[dict[str, Any]]:
    """Measure every configuration `repeat` times, interleaved; one summary dict each."""
    runs: dict[Config, list[tuple[dict, float]]] = {c: [] for c in configs}
    skipped: dict[Config, str] = {}
    for r in range(repeat):
        for config in configs:
            command = config.command(data_dir, peers_dir)
            if isinstance(command, str):
                skipped[config] = command
                continue
            if log:
                log(f"[{r + 1}/{repeat}] {config.task} {config.mode}: {config.label}")
            runs[config].append(measure(command, data_dir, threads))
    return [summarize(config, runs[config], skipped.get(config), threads) for config in configs]


def summarize(config: Config, runs: list[tuple[dict, float]], skipped: str | None,
              threads: int) -> dict[str, Any]:
    summary: dict[str, Any] = {"task": config.task, "mode": config.mode, "system": config.label,
                               "batching": config.batching or "peer", "device": config.device,
                               "batch_size": config.batch_size or WORKLOADS[config.task].batch_size,
                               "threads": threads, "repeats": len(runs)}
    if not runs:
        summary["skipped"] = skipped
        return summary
    speeds = [r["sentences_per_sec"] for r, _ in runs]
    summary.update({
        "sentences_per_sec": round(statistics.median(speeds), 1),
        "sentences_per_sec_runs": speeds,
        "peak_mem_mb": round(statistics.median(m for _, m in runs), 1),
    })
    last = runs[-1][0]
    for key in ("tokens_per_sec", "loss", "padding_fraction", "launches", "mean_group_size",
                "kernel_fraction", "optimizer_fraction", "outside_kernels_fraction"):
        if key in last:
            values = [r[key] for r, _ in runs if r.get(key) is not None]
            summary[key] = round(statistics.median(values), 3) if values else None
    return summary


def table(summaries: list[dict[str, Any]]) -> str:
    """A terminal table: sentences/s (median, range), ratio to the best peer, memory."""
    lines = []
    width = max([26, *(len(s["system"]) for s in summaries)])
    for key in dict.fromkeys((s["task"], s["mode"], s["batch_size"]) for s in summaries):
        rows = [s for s in summaries if (s["task"], s["mode"], s["batch_size"]) == key]
        peers = [s["sentences_per_sec"] for s in rows
                 if s["batching"] == "peer" and "sentences_per_sec" in s]
        best = max(peers) if peers else None
        lines.append(f"{key[0]} {key[1]}, batch size {key[2]}")
        lines.append(f"  {'system':{width}s} {'sent/s':>8s} {'range':>13s} {'vs best peer':>12s} "
                     f"{'peak MB':>8s} {'padding':>8s} {'group':>6s} {'loss':>10s}")
        for s in rows:
            if "skipped" in s:
                lines.append(f"  {s['system']:{width}s} skipped: {s['skipped']}")
                continue
            runs = s["sentences_per_sec_runs"]
            ratio = f"{s['sentences_per_sec'] / best:.2f}x" if best else "-"
            padding = s.get("padding_fraction")
            group = s.get("mean_group_size")
            loss = s.get("loss")
            lines.append(f"  {s['system']:{width}s} {s['sentences_per_sec']:8.1f} "
                         f"{min(runs):6.0f}-{max(runs):<6.0f} {ratio:>12s} "
                         f"{s['peak_mem_mb']:8.0f} "
                         f"{'' if padding is None else f'{padding:.0%}':>8s} "
                         f"{'' if group is None else f'{group:.1f}':>6s} "
                         f"{'' if loss is None else f'{loss:.3f}':>10s}")
    return "\n".join(lines)
