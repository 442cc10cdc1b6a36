"""Reading PTB bracket trees (one tree per line, as in SST) into ``Tree`` objects."""

from __future__ import annotations

import re
from pathlib import Path

from ._gc import gc_paused
from .errors import DataFormatError
from .textfile import read_lines
from .tree import Label, Tree

__all__ = ["PTB_ESCAPES", "parse_tree", "read_trees", "unescape_word"]

# Tokens are brackets and maximal runs of anything but brackets and ASCII whitespace, so a
# NO-BREAK SPACE (or any other non-ASCII space) stays inside its token.
_TOKEN = re.compile(r"[()]|[^()\s]+", re.ASCII)
_BRACKETS = ("(", ")")

PTB_ESCAPES = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
}
"""Whole-token PTB escapes and what they stand for (``\\/`` and ``\\*`` are handled too)."""


def unescape_word(word: str) -> str:
    """Undo PTB escaping of a token: ``-LRB-`` -> ``(``, ``\\/`` -> ``/``, ``\\*`` -> ``*``."""
    word = PTB_ESCAPES.get(word, word)
    if "\\" in word:
        word = word.replace("\\/", "/").replace("\\*", "*")
    return word


class _Bad(Exception):
    """Internal: parse failure at token ``pos`` (``len(tokens)`` means end of line)."""

    def __init__(self, pos: int, expected: str) -> None:
        self.pos = pos
        self.expected = expected


def _parse(tokens: list[str], labels: dict[str, int] | None) -> Tree:
    """Iterative stack parser over bracket tokens; raises ``_Bad`` on malformed input."""
    stack: list[tuple[Label, list[Tree]]] = []
    root = None
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        if tok == "(":
            if root is not None:
                raise _Bad(i, "end of line")
            if i + 1 == n or tokens[i + 1] in _BRACKETS:
                raise _Bad(i + 1, "a label")
            label: Label = tokens[i + 1]
            if labels is not None:
                label = labels.get(label)
                if label is None:
                    raise _Bad(i + 1, f"an integer label in 0..{len(labels) - 1}")
            if i + 3 < n and tokens[i + 3] == ")" and tokens[i + 2] not in _BRACKETS:
                node = Tree(label, [], tokens[i + 2])  # fast path for a leaf (label word)
                i += 4
            else:
                stack.append((label, []))
                i += 2
                continue
        elif tok == ")":
            if not stack:
                raise _Bad(i, "'('" if root is None else "end of line")
            label, children = stack.pop()
            if not children:
                raise _Bad(i, "a word or '('")
            node = Tree(label, children)
            i += 1
        else:
            if not stack:
                raise _Bad(i, "'('" if root is None else "end of line")
            node = Tree(None, [], tok)
            i += 1
        if stack:
            stack[-1][1].append(node)
        else:
            root = node
    if stack:
        raise _Bad(n, "')'")
    if root is None:
        raise _Bad(n, "a tree")
    return root


def _label_table(num_classes: int | None) -> dict[str, int] | None:
    if num_classes is None:
        return None
    if num_classes < 1:
        raise ValueError(f"num_classes must be positive, not {num_classes}")
    return {str(k): k for k in range(num_classes)}


def _parse_line(
    line: str, labels: dict[str, int] | None, unescape: bool, path: str, line_no: int
) -> Tree:
    tokens = _TOKEN.findall(line)
    try:
        tree = _parse(tokens, labels)
    except _Bad as bad:
        if bad.pos < len(tokens):
            column = list(_TOKEN.finditer(line))[bad.pos].start() + 1
            found = repr(tokens[bad.pos])
        else:
            column = len(line.rstrip(" \t\n\r\f\v")) + 1
            found = "end of line"
        raise DataFormatError(path, line_no, bad.expected, found, column=column) from None
    if unescape:
        for leaf in tree.leaves():
            leaf.word = unescape_word(leaf.word)
    return tree


def parse_tree(
    text: str,
    *,
    num_classes: int | None = None,
    unescape: bool = False,
    path: str = "<string>",
    line: int = 1,
) -> Tree:
    """Parse one bracketed tree such as ``(3 (2 The) (2 Rock))``.

    Tokens are ``(``, ``)`` and runs of other characters split at ASCII whitespace only.
    Every bracket needs a label; with ``num_classes`` labels must be the integers
    ``0 .. num_classes-1`` and are stored as ints, otherwise they stay strings. With
    ``unescape`` PTB escapes in words are undone (see ``unescape_word``). Raises
    ``DataFormatError`` (located at ``path``/``line`` and the column) on malformed input.
    """
    return _parse_line(text, _label_table(num_classes), unescape, path, line)


def read_trees(
    path: str | Path, *, num_classes: int | None = None, unescape: bool = False
) -> list[Tree]:
    """Read a file holding one bracketed tree per line (UTF-8), e.g. an SST split.

    Options are those of ``parse_tree``. Blank lines at the end of the file are ignored; a
    blank line before another tree is an error, as are invalid UTF-8 bytes.
    """
    labels = _label_table(num_classes)
    lines = read_lines(path)
    while lines and not lines[-1].strip():
        lines.pop()
    name = str(path)
    with gc_paused():
        return [
            _parse_line(line, labels, unescape, name, number)
            for number, line in enumerate(lines, 1)
        ]
