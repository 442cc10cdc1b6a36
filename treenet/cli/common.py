"""Options the treenet commands share (--debug, --threads) and the BLAS thread limit."""

from __future__ import annotations

import argparse
from contextlib import AbstractContextManager, nullcontext

from treenet._optional import optional_import
from treenet.cli.errors import report


def common_options() -> argparse.ArgumentParser:
    """A parent parser with --debug and --threads."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error instead of one line")
    parser.add_argument("--threads", type=int, metavar="N", dest="blas_threads",
                        help="BLAS threads for numpy's matrix products (needs threadpoolctl)")
    return parser


def blas_threads(threads: int | None) -> AbstractContextManager:
    """A context limiting numpy's BLAS to `threads` threads (None: no limit).

    numpy is loaded before a command runs, so variables such as OPENBLAS_NUM_THREADS no longer
    reach its BLAS; threadpoolctl changes the limit in the running process. Without it a
    warning says so and the default stays.
    """
    if threads is None:
        return nullcontext()
    threadpoolctl = optional_import("threadpoolctl")
    if threadpoolctl is None:
        report(f"--threads {threads} needs threadpoolctl (pip install threadpoolctl), or start "
               f"treenet with OPENBLAS_NUM_THREADS={threads} set; using the default threads",
               "warning")
        return nullcontext()
    return threadpoolctl.threadpool_limits(limits=threads)
