"""The `treenet` command line (also `python -m treenet`)."""

from __future__ import annotations

import argparse

from treenet.cli import bench, evaluate, info, predict, train
from treenet.cli.common import blas_threads
from treenet.cli.errors import run_reporting


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="treenet", description="treenet: neural networks "
                                     "whose shape follows each input")
    subparsers = parser.add_subparsers(dest="command", required=True)
    bench.add_parser(subparsers)
    for command in (train, evaluate, predict, info):
        command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not hasattr(args, "debug"):  # bench reports its own errors
        return args.run(args)
    with blas_threads(args.blas_threads):
        return run_reporting(args.run, args)
