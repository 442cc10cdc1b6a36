"""Run one benchmark configuration in this process and print one JSON line.

    python -m treenet.bench.run --task treelstm --batching dynamic --mode train --data DIR

The harness (`treenet bench`) starts one process per configuration, so each reports its own
peak memory and none inherits another's caches.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import treenet as tn
from treenet.bench import protocol, tagger, treelstm

TASKS = {"treelstm": treelstm, "tagger": tagger}
WORKLOADS = {"treelstm": protocol.TREELSTM, "tagger": protocol.TAGGER}


def autobatched(batching: str) -> bool:
    """Whether a batching mode runs per-example code under `treenet.autobatch` ("dynamic",
    and the tagger's "dynamic-steps": one LSTM op per token instead of one per sentence)."""
    return batching.startswith("dynamic")


def run(task: str, batching: str, strategy: str, mode: str, data_dir: Path,
        batch_size: int | None = None, device: str = "cpu") -> dict:
    """Warm up, then time the protocol's batches; returns the measured figures."""
    workload = TASKS[task]
    if batching not in workload.BATCHINGS:
        raise ValueError(f"{task} has no batching {batching!r}; use one of {workload.BATCHINGS}")
    work = WORKLOADS[task]
    if batch_size is not None:  # a sweep: at least one warm-up batch of that size
        work = replace(work, batch_size=batch_size, warmup=max(work.warmup, batch_size))
    step, (warm, timed) = workload.prepare(data_dir, mode, batching, work, device)

    def context() -> tn.autobatch:
        return tn.autobatch(strategy if autobatched(batching) else "none")

    for batch in warm:
        step(batch, context())
    protocol.synchronize(device)
    sizes = [workload.count(batch, batching) for batch in timed]
    losses = []
    launches = nodes = 0
    kernel = update = 0.0
    start = time.perf_counter()
    for batch in timed:
        batch_context = context()
        loss, update_seconds = step(batch, batch_context)
        losses.append(loss)
        update += update_seconds
        launches += batch_context.profile.launches
        nodes += batch_context.profile.nodes
        kernel += batch_context.profile.kernel_seconds
    protocol.synchronize(device)  # a GPU's last kernels
    seconds = time.perf_counter() - start
    sentences, tokens, positions = (sum(column) for column in zip(*sizes, strict=True))
    dynamic = autobatched(batching)
    return {
        "system": "treenet", "task": task, "batching": batching,
        "strategy": strategy if dynamic else None, "mode": mode, "device": device,
        "batch_size": work.batch_size, "sentences": sentences,
        "sentences_per_sec": round(sentences / seconds, 2),
        "tokens_per_sec": round(tokens / seconds, 2), "seconds": round(seconds, 3),
        "padding_fraction": round(1 - tokens / positions, 4),
        "loss": round(sum(losses) / len(losses), 4) if mode == "train" else None,
        "nodes": nodes if dynamic else None, "launches": launches if dynamic else None,
        "mean_group_size": round(nodes / launches, 2) if dynamic and launches else None,
        # the time left once the batched kernels (forward, backward, weight gradients) and the
        # optimizer's array updates are taken out: recording, scheduling, gathering, Python
        "kernel_fraction": round(kernel / seconds, 3) if dynamic else None,
        "optimizer_fraction": round(update / seconds, 3),
        "outside_kernels_fraction": round(1 - (kernel + update) / seconds, 3) if dynamic else None,
        "threads": int(os.environ.get("OMP_NUM_THREADS", "0")) or None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(TASKS), default="treelstm")
    parser.add_argument("--batching", default="dynamic",
                        help="dynamic, none, padded (tagger also padded-sorted, dynamic-steps)")
    parser.add_argument("--strategy", choices=["agenda", "depth"], default="agenda")
    parser.add_argument("--mode", choices=["train", "infer"], default="train")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.task, args.batching, args.strategy, args.mode, args.data,
                         args.batch_size, args.device)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
