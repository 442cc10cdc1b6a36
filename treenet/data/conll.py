"""Reading CoNLL-style column files (one token per line, blank line between sentences)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .errors import DataFormatError
from .textfile import read_lines

__all__ = ["read_conll"]

_ASCII_SPACE = re.compile(r"[ \t\f\v]+")


def read_conll(
    path: str | Path,
    columns: Sequence[int] | None = None,
    *,
    num_columns: int | None = None,
    sep: str | None = None,
    skip_docstart: bool = True,
) -> list[tuple[list[str], ...]]:
    """Read a column file into sentences, each a tuple of the chosen columns.

    For CoNLL-2000 (``word POS chunk``) ``read_conll(path, [0, 2])`` gives
    ``[(words, chunk_tags), ...]``. ``columns`` defaults to all of them. Fields are split at
    runs of ASCII spaces and tabs (so a NO-BREAK SPACE stays inside a token), or at exactly
    ``sep`` when given. Any whitespace-only line ends a sentence (WNUT-17 separates some
    sentences by a lone tab). Every token line must have ``num_columns`` fields, or as many
    as the first token line when ``num_columns`` is None; ``-DOCSTART-`` lines (CoNLL-2003)
    are skipped when ``skip_docstart``. Raises ``DataFormatError`` on a line with the wrong
    number of fields and on invalid UTF-8.
    """
    if columns is not None and any(c < 0 for c in columns):
        raise ValueError(f"columns must be non-negative, not {list(columns)}")
    need = max(columns, default=-1) + 1 if columns is not None else 0
    if num_columns is not None and need > num_columns:
        raise ValueError(f"columns {list(columns)} do not fit in {num_columns} columns")
    name = str(path)
    sentences: list[tuple[list[str], ...]] = []
    current: list[list[str]] = []
    expected = num_columns
    for number, line in enumerate(read_lines(path), 1):
        if not line.strip():
            if current:
                sentences.append(_select(current, columns))
                current = []
            continue
        fields = line.split(sep) if sep is not None else _ASCII_SPACE.split(line.strip(" \t\f\v"))
        if skip_docstart and fields[0] == "-DOCSTART-":
            continue
        if expected is None:
            expected = len(fields)
            if expected < need:
                raise DataFormatError(name, number, f"at least {need} fields", f"{expected}")
        if len(fields) != expected:
            raise DataFormatError(name, number, f"{expected} fields", f"{len(fields)}")
        current.append(fields)
    if current:
        sentences.append(_select(current, columns))
    return sentences


def _select(rows: list[list[str]], columns: Sequence[int] | None) -> tuple[list[str], ...]:
    by_column = tuple(list(col) for col in zip(*rows, strict=True))
    return by_column if columns is None else tuple(by_column[c] for c in columns)
