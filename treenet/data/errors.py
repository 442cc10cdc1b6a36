"""Error types raised by treenet's data readers and dataset finders."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ChecksumError", "DataFormatError", "DatasetNotFoundError"]


class DataFormatError(ValueError):
    """Malformed input data, located by file, line and (where it applies) column.

    The message reads ``"{path}:{line}:{column}: expected {expected}, found {found}"``
    (the ``:{column}`` part is left out when no column applies). Lines and columns are
    1-based; columns count characters, or bytes for invalid UTF-8.
    """

    def __init__(
        self,
        path: str | Path,
        line: int,
        expected: str,
        found: str,
        column: int | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
        where = f"{self.path}:{line}" if column is None else f"{self.path}:{line}:{column}"
        super().__init__(f"{where}: expected {expected}, found {found}")

    def __reduce__(self):  # keep the exception picklable despite the custom __init__
        return type(self), (self.path, self.line, self.expected, self.found, self.column)


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is neither on disk nor downloadable; the message says where to put it."""


class ChecksumError(OSError):
    """A downloaded file's SHA-256 digest differs from the expected one."""
