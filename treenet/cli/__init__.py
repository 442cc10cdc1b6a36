"""The `treenet` command line (also `python -m treenet`)."""

from __future__ import annotations

import argparse

from treenet.cli import bench


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="treenet", description="treenet: neural networks "
                                     "whose shape follows each input")
    subparsers = parser.add_subparsers(dest="command", required=True)
    bench.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
