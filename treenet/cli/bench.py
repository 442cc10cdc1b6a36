"""`treenet bench`: throughput of per-example models under each batching mode, beside peers."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from treenet._optional import MissingDependencyError
from treenet.bench import report
from treenet.bench.harness import Config, run_all, table
from treenet.bench.run import TASKS, autobatched
from treenet.tensor.backend import DeviceError, get_backend


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure training/inference speed (sentences/s) side by side",
        description=__doc__)
    parser.add_argument("--task", default="treelstm",
                        help="comma-separated: treelstm, tagger (default treelstm)")
    parser.add_argument("--batching", default="dynamic,none",
                        help="comma-separated: dynamic, none, padded (hand-batched: level-wise "
                             "trees, masked padded tagger), padded-sorted (tagger, length "
                             "buckets), dynamic-steps (tagger: one LSTM op per token); "
                             "default dynamic,none")
    parser.add_argument("--strategy", default="agenda", help="comma-separated: agenda, depth")
    parser.add_argument("--mode", default="train", help="comma-separated: train, infer")
    parser.add_argument("--batch-size", default="",
                        help="comma-separated sweep, e.g. 1,8,25,64,256 (default: the "
                             "protocol's, 25 trees / 32 sentences)")
    parser.add_argument("--device", default="cpu",
                        help="cpu, or cuda (needs cupy and a GPU; the peers run on the CPU "
                             "only, and peak memory is the host's)")
    parser.add_argument("--peers", default="",
                        help="comma-separated peers run in the same session: torch, "
                             "torch-pernode, dynet (their venvs from ../shared/peers)")
    parser.add_argument("--peers-dir", type=Path, help="folder of the peer scripts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, help="corpora folder (default $TREENET_DATA)")
    parser.add_argument("--json", action="store_true", help="one JSON line per configuration")
    parser.add_argument("--out", type=Path, help="also write bench.md, bench.jsonl and plots here")
    parser.set_defaults(run=run)


def _items(text: str) -> list[str]:
    return [item for item in text.split(",") if item]


def configurations(args: argparse.Namespace) -> list[Config]:
    """Every (task, mode, batch size, system) the arguments ask for, peers last."""
    sizes = [int(n) for n in _items(args.batch_size)] or [None]
    tasks = _items(args.task)
    # a mode only some of the tasks have (tagger: padded-sorted, dynamic-steps) is left out
    # for the others; a mode no task has is reported as skipped
    known = {b for task in tasks if task in TASKS for b in TASKS[task].BATCHINGS}
    configs = []
    for task in tasks:
        for mode in _items(args.mode):
            for size in sizes:
                for batching in _items(args.batching):
                    if batching in known and task in TASKS and (
                            batching not in TASKS[task].BATCHINGS):
                        continue
                    strategies = _items(args.strategy) if autobatched(batching) else [""]
                    configs += [Config(task, mode, "treenet", batching, s, size, args.device)
                                for s in strategies]
                configs += [Config(task, mode, peer, batch_size=size, device=args.device)
                            for peer in _items(args.peers)]
    return configs


def run(args: argparse.Namespace) -> int:
    data_dir = args.data or (Path(os.environ["TREENET_DATA"]) if "TREENET_DATA" in os.environ
                             else None)
    if data_dir is None:
        print("treenet bench: no data folder; pass --data DIR or set TREENET_DATA",
              file=sys.stderr)
        return 2
    if args.device != "cpu":
        if _items(args.peers):
            print("treenet bench: the reference peers run on the CPU; bench them with "
                  "--device cpu", file=sys.stderr)
            return 2
        try:
            get_backend(args.device)
        except (DeviceError, MissingDependencyError) as exc:
            print(f"treenet bench: {exc}", file=sys.stderr)
            return 2
    summaries = run_all(configurations(args), data_dir, args.peers_dir, args.repeat,
                        args.threads, log=lambda line: print(line, file=sys.stderr))
    if args.json:
        for summary in summaries:
            print(json.dumps(summary))
    else:
        print(table(summaries))
    if args.out:
        command = "treenet bench " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        report.write(summaries, args.out, command)
    return 0
