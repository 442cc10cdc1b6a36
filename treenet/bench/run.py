"""Run one benchmark configuration in this process and print one JSON line.

    python -m treenet.bench.run --task treelstm --batching dynamic --mode train --data DIR

The harness (`treenet bench`) starts one process per configuration, so each reports its own
peak memory and none inherits another's caches.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import treenet as tn
from treenet.bench import tagger, treelstm

TASKS = {"treelstm": treelstm, "tagger": tagger}


def run(task: str, batching: str, strategy: str, mode: str, data_dir: Path) -> dict:
    """Warm up, then time the protocol's batches; returns the measured figures."""
    workload = TASKS[task]
    step, (warm, timed) = workload.prepare(data_dir, mode)
    context = (lambda: tn.autobatch(strategy)) if batching == "dynamic" else (
        lambda: tn.autobatch("none"))
    for batch in warm:
        step(batch, context())
    sizes = [workload.count(batch) for batch in timed]
    sentences = tokens = 0
    losses = []
    launches = nodes = 0
    kernel = flush = backward = 0.0
    start = time.perf_counter()
    for batch, (n_sentences, n_tokens) in zip(timed, sizes, strict=True):
        batching_context = context()
        losses.append(step(batch, batching_context))
        profile = batching_context.profile
        launches += profile.launches
        nodes += profile.nodes
        kernel += profile.kernel_seconds
        flush += profile.flush_seconds
        backward += profile.backward_seconds
        sentences += n_sentences
        tokens += n_tokens
    seconds = time.perf_counter() - start
    return {
        "system": "treenet", "task": task, "batching": batching,
        "strategy": strategy if batching == "dynamic" else "none", "mode": mode,
        "batch_size": len(timed[0]), "sentences": sentences,
        "sentences_per_sec": round(sentences / seconds, 2),
        "tokens_per_sec": round(tokens / seconds, 2), "seconds": round(seconds, 3),
        "loss": round(sum(losses) / len(losses), 4) if mode == "train" else None,
        "nodes": nodes or None, "launches": launches or None,
        "mean_group_size": round(nodes / launches, 2) if launches else None,
        "kernel_fraction": round(kernel / seconds, 3) if launches else None,
        "outside_kernels_fraction": round(1 - kernel / seconds, 3) if launches else None,
        "threads": int(os.environ.get("OMP_NUM_THREADS", "0")) or None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(TASKS), default="treelstm")
    parser.add_argument("--batching", choices=["dynamic", "none"], default="dynamic")
    parser.add_argument("--strategy", choices=["agenda", "depth"], default="agenda")
    parser.add_argument("--mode", choices=["train", "infer"], default="train")
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.task, args.batching, args.strategy, args.mode, args.data)),
          flush=True)


if __name__ == "__main__":
    main()
