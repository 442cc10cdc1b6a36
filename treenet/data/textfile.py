"""Reading corpus files as UTF-8 lines, reporting invalid bytes as ``DataFormatError``."""

from __future__ import annotations

from pathlib import Path

from .errors import DataFormatError

__all__ = ["read_lines"]


def read_lines(path: str | Path) -> list[str]:
    """Return the lines of a UTF-8 file without their line endings (LF or CRLF)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line_start = data.rfind(b"\n", 0, err.start) + 1
        raise DataFormatError(
            path,
            data.count(b"\n", 0, err.start) + 1,
            "UTF-8 text",
            f"byte 0x{data[err.start]:02x}",
            column=err.start - line_start + 1,
        ) from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if text.find("\r") >= 0:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines
