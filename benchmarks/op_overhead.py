"""Eager per-op overhead: microseconds per recorded op (forward + backward) on small tensors.

Runs the same chain of small ops (h = tanh(h @ W + b) * g, four ops per step) three ways in one
process, interleaved: treenet eager autograd, raw numpy with a hand-written backward (the
kernels alone, no framework), and PyTorch CPU eager autograd when installed. Prints the median
of several runs per system and the ratios.

    python benchmarks/op_overhead.py [--steps 250] [--width 16] [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import treenet as tn


def chain_treenet(h0, W, b, g, steps):
    h = h0
    for _ in range(steps):
        h = tn.tanh(h @ W + b) * g
    h.sum().backward()


def chain_numpy(h0, W, b, g, steps):
    hs, ts = [h0], []
    h = h0
    for _ in range(steps):
        t = np.tanh(h @ W + b)
        h = t * g
        hs.append(h)
        ts.append(t)
    gh = np.ones_like(h)
    gW = np.zeros_like(W)
    gb = np.zeros_like(b)
    gg = np.zeros_like(g)
    for k in range(steps - 1, -1, -1):
        gg += (gh * ts[k]).sum(axis=0)
        gz = gh * g * (1 - ts[k] * ts[k])
        gb += gz.sum(axis=0)
        gW += hs[k].T @ gz
        gh = gz @ W.T
    return gW, gb, gg, gh


def chain_torch(torch, h0, W, b, g, steps):
    h = h0
    for _ in range(steps):
        h = torch.tanh(h @ W + b) * g
    h.sum().backward()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--rows", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    ops = 4 * args.steps  # matmul, add, tanh, multiply per step (+ one sum)

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((args.rows, args.width)).astype(np.float32),
              (rng.standard_normal((args.width, args.width)) / args.width).astype(np.float32),
              rng.standard_normal(args.width).astype(np.float32),
              rng.standard_normal(args.width).astype(np.float32)]
    leaves = [tn.Tensor(arrays[0])] + [tn.Tensor(a.copy(), requires_grad=True) for a in arrays[1:]]
    systems = {
        "numpy (hand-written backward)": lambda: chain_numpy(*arrays, args.steps),
        "treenet eager": lambda: chain_treenet(*leaves, args.steps),
    }
    try:
        import torch

        torch.set_num_threads(1)
        t_leaves = [torch.tensor(arrays[0])] + [torch.tensor(a, requires_grad=True)
                                                for a in arrays[1:]]
        systems["pytorch eager"] = lambda: chain_torch(torch, *t_leaves, args.steps)
        torch_version = torch.__version__
    except ImportError:
        torch_version = None

    times: dict[str, list[float]] = {name: [] for name in systems}
    for fn in systems.values():
        fn()  # warm up
    for _ in range(args.repeats):
        for name, fn in systems.items():
            times[name].append(timed(fn))
    per_op = {name: statistics.median(ts) / ops * 1e6 for name, ts in times.items()}

    if args.json:
        print(json.dumps({"ops_per_run": ops, "width": args.width, "rows": args.rows,
                          "us_per_op": per_op, "torch": torch_version}))
        return
    print(f"{ops} recorded ops per run (forward + backward), tensors ({args.rows}, {args.width}),"
          f" median of {args.repeats} runs")
    base = per_op["treenet eager"]
    for name, us in per_op.items():
        print(f"  {name:32s} {us:7.2f} us/op   treenet / this = {base / us:5.2f}")
    if torch_version is None:
        print("  (pytorch not installed: pip install torch==2.13.0 to compare)")


if __name__ == "__main__":
    main()
