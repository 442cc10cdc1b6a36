"""Time reading the SST train split with treenet's PTB reader; prints the median of N runs.

Usage: python benchmarks/read_sst.py [--data FOLDER] [--runs 5]
The data is located with ``treenet.data.find_sst`` (``--data``, then ``$TREENET_DATA/sst``,
then the user cache, then a download).
"""

from __future__ import annotations

import argparse
import statistics
import time

from treenet.data import find_sst, read_sst


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark, print the timings and return the median in seconds."""
    parser = argparse.ArgumentParser(description="Time reading SST train.txt.")
    parser.add_argument("--data", help="folder holding SST's train.txt (or its sst/ parent)")
    parser.add_argument("--runs", type=int, default=5, help="number of timed reads")
    args = parser.parse_args(argv)
    path = find_sst(args.data) / "train.txt"
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        trees = read_sst(path)
        times.append(time.perf_counter() - start)
    nodes = sum(len(tree.nodes()) for tree in trees)
    median = statistics.median(times)
    print(f"{path}: {len(trees)} trees, {nodes} nodes")
    print("runs (s): " + ", ".join(f"{t:.3f}" for t in times))
    print(f"median of {args.runs} runs: {median:.3f} s ({nodes / median:,.0f} nodes/s)")
    return median


if __name__ == "__main__":
    main()
