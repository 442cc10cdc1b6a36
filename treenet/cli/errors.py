"""How the command line reports problems a user can act on: one line on stderr, exit status 2."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from treenet.data.errors import DataFormatError
from treenet.models.run import RunError
from treenet.serialization import CheckpointError
from treenet.tensor.backend import DeviceError

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130


class UsageError(Exception):
    """A problem with the command's arguments or files that the user can fix; the message
    says how."""


USER_ERRORS: tuple[type[BaseException], ...] = (
    UsageError, RunError, CheckpointError, DataFormatError, DeviceError, ImportError, OSError)
"""Errors reported in one line without a traceback (``--debug`` shows it). DatasetNotFoundError
is an OSError; a missing optional package an ImportError."""


def one_line(message: str) -> str:
    """`message` on one line: its lines joined by spaces, list items (``- item``) by commas."""
    chunks: list[str] = []
    for line in filter(None, (line.strip() for line in message.splitlines())):
        if line.startswith("- ") and chunks and chunks[-1].startswith("- "):
            chunks[-1] += f", {line[2:]}"
        else:
            chunks.append(line)
    return " ".join(chunk.removeprefix("- ") for chunk in chunks)


def report(message: str, kind: str = "error") -> None:
    """Print ``treenet: {kind}: {message}`` on one line of stderr."""
    print(f"treenet: {kind}: {one_line(message)}", file=sys.stderr)


def run_reporting(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command; a user error becomes one line on stderr and exit status 2 (Ctrl-C: 130),
    unless ``args.debug`` asks for the traceback."""
    try:
        with _one_line_warnings():
            return command(args)
    except KeyboardInterrupt:
        if getattr(args, "debug", False):
            raise
        print("treenet: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except USER_ERRORS as err:
        if getattr(args, "debug", False):
            raise
        report(str(err) or type(err).__name__)
        return EXIT_USAGE


@contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Show warnings as ``treenet: warning: ...`` lines instead of Python's two-line format."""
    def show(message: Any, *_: Any, **__: Any) -> None:
        report(str(message), "warning")

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
