"""Optimizer step time on an embedding table: row-sparse gradients against the same grad densified.

A 20k x 300 float32 table; each step's gradient touches 500 random rows (with repeats). Adagrad
and Adam each step two tables in one process, interleaved: one given the RowSparseGrad, one given
its dense equivalent. Prints the median ms/step over several runs and the dense/sparse ratio.

    python benchmarks/optim_sparse.py [--rows 20000] [--dim 300] [--touched 500] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from treenet.autograd import RowSparseGrad
from treenet.nn import Parameter
from treenet.optim import Adagrad, Adam
from treenet.tensor.tensor import Tensor


def time_steps(opt, param, grads) -> float:
    """Milliseconds per opt.step() with each of `grads` in turn."""
    start = time.perf_counter()
    for grad in grads:
        param.grad = grad
        opt.step()
    return (time.perf_counter() - start) * 1e3 / len(grads)


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """Run the benchmark, print the table and return {optimizer: (sparse ms, dense ms)}."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--touched", type=int, default=500, help="row ids per step")
    parser.add_argument("--steps", type=int, default=10, help="steps per timed run")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs (median reported)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    table = rng.standard_normal((args.rows, args.dim)).astype(np.float32)
    sparse = [RowSparseGrad(rng.integers(0, args.rows, args.touched),
                            rng.standard_normal((args.touched, args.dim)).astype(np.float32),
                            table.shape) for _ in range(args.steps)]
    dense = [Tensor(g.to_dense()) for g in sparse]
    results = {}
    for cls in (Adagrad, Adam):
        p_sparse, p_dense = Parameter(table.copy()), Parameter(table.copy())
        opt_sparse, opt_dense = cls([p_sparse], lr=0.01), cls([p_dense], lr=0.01)
        time_steps(opt_sparse, p_sparse, sparse[:1])  # warm up: allocate the state
        time_steps(opt_dense, p_dense, dense[:1])
        runs = [(time_steps(opt_sparse, p_sparse, sparse), time_steps(opt_dense, p_dense, dense))
                for _ in range(args.repeats)]
        results[cls.__name__] = (statistics.median(r[0] for r in runs),
                                 statistics.median(r[1] for r in runs))
    print(f"{args.rows} x {args.dim} float32, {args.touched} row ids per step, "
          f"median of {args.repeats} runs x {args.steps} steps")
    print(f"{'optimizer':<10}{'sparse ms':>11}{'dense ms':>11}{'dense/sparse':>14}")
    for name, (ms_sparse, ms_dense) in results.items():
        print(f"{name:<10}{ms_sparse:>11.3f}{ms_dense:>11.3f}{ms_dense / ms_sparse:>13.1f}x")
    return results


if __name__ == "__main__":
    main()
