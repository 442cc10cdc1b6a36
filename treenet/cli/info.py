"""`treenet info`: versions, the array backend, the GPU and, with cupy, its memory pools."""

from __future__ import annotations

import argparse
import json
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

import treenet
from treenet._optional import optional_import
from treenet.cli.common import common_options
from treenet.data.text import FALLBACK_PIPELINES
from treenet.ops import fused_cells
from treenet.optim import fused as fused_optim
from treenet.tensor.backend import cuda_backend

OPTIONAL = ("cupy", "torch", "spacy", "threadpoolctl", *FALLBACK_PIPELINES)
"""Optional packages whose versions are shown (cupy under any of its wheel names)."""

CUPY_WHEELS = ("cupy", "cupy-cuda12x", "cupy-cuda13x")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("info", help="versions, backend and GPU",
                                   description=__doc__, parents=[common_options()])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def _version(*distributions: str) -> str | None:
    for name in distributions:
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return None


def _gpu() -> dict[str, Any]:
    """The CUDA device and cupy's memory pools, or why there is none."""
    if optional_import("cupy") is None:
        return {"device": None, "reason": "cupy is not installed"}
    try:
        backend = cuda_backend()
    except Exception as err:  # any failure means: no usable GPU, and why
        return {"device": None, "reason": str(err)}
    cupy = backend.xp
    device = cupy.cuda.Device()
    pool, pinned = cupy.get_default_memory_pool(), cupy.get_default_pinned_memory_pool()
    return {"device": cupy.cuda.runtime.getDeviceProperties(device.id)["name"].decode(),
            "count": cupy.cuda.runtime.getDeviceCount(),
            "memory_pool": {"used_bytes": pool.used_bytes(), "total_bytes": pool.total_bytes(),
                            "free_blocks_pinned": pinned.n_free_blocks()}}


def collect() -> dict[str, Any]:
    """What `treenet info` reports, as a JSON-ready dict."""
    packages = {name: _version(*(CUPY_WHEELS if name == "cupy" else (name,)))
                for name in OPTIONAL}
    blas = np.show_config(mode="dicts")["Build Dependencies"].get("blas", {})
    gpu = _gpu()
    fused = {"cells": fused_cells.KERNELS.status(), "optimizers": fused_optim.KERNELS.status()}
    return {"treenet": treenet.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "blas": f"{blas.get('name')} {blas.get('version')}",
            "packages": packages, "fused_kernels": fused,
            "backends": ["numpy (cpu, default)", *(["cupy (cuda)"] if gpu["device"] else [])],
            "gpu": gpu}


def run(args: argparse.Namespace) -> int:
    report = collect()
    if args.json:
        print(json.dumps(report))
        return 0
    gpu = report["gpu"]
    rows = {"treenet": report["treenet"], "python": report["python"],
            "numpy": f"{report['numpy']} (BLAS: {report['blas']})",
            **{name: found or "not installed" for name, found in report["packages"].items()},
            "backends": ", ".join(report["backends"]),
            "fused kernels": ", ".join(f"{name} {state}"
                                       for name, state in report["fused_kernels"].items())}
    if gpu["device"] is None:
        rows["gpu"] = f"none ({gpu['reason']})"
    else:
        pool = gpu["memory_pool"]
        rows["gpu"] = (f"{gpu['device']} ({gpu['count']} visible); cupy pool "
                       f"{pool['used_bytes']} of {pool['total_bytes']} bytes used, "
                       f"{pool['free_blocks_pinned']} free pinned blocks")
    width = max(map(len, rows)) + 2
    lines = [f"{name:<{width}}{value}" for name, value in rows.items()]
    print("\n".join(lines))
    return 0
