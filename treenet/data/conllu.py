"""Reading CoNLL-U files (Universal Dependencies) into validated dependency sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataFormatError
from .textfile import read_lines
from .tree import Tree, dependency_tree

__all__ = ["ConlluSentence", "read_conllu"]

_HEAD = 6  # 0-based index of the HEAD field


@dataclass
class ConlluSentence:
    """One CoNLL-U sentence: its syntactic words' fields, one list per column.

    ``heads[i]`` is the 1-based position of word ``i``'s head, 0 for the root.
    ``meta`` holds the ``# key = value`` comments (``sent_id``, ``text``, ...).
    """

    words: list[str] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)
    upos: list[str] = field(default_factory=list)
    xpos: list[str] = field(default_factory=list)
    feats: list[str] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    deprels: list[str] = field(default_factory=list)
    misc: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.words)

    def tree(self) -> Tree:
        """The dependency tree: node ``i`` has ``word=words[i]``, ``label=deprels[i]``."""
        return dependency_tree(self.words, self.heads, self.deprels)


def read_conllu(path: str | Path) -> list[ConlluSentence]:
    """Read a CoNLL-U file (10 tab-separated fields per word line).

    Multiword-token lines (ID ``1-2``) and empty-node lines (ID ``1.1``) are skipped. Raises
    ``DataFormatError`` for a line without 10 fields, an ID out of sequence, a HEAD that is
    not an integer in ``0..len(sentence)``, a sentence whose heads do not form one tree with
    a single root, or invalid UTF-8.
    """
    name = str(path)
    sentences: list[ConlluSentence] = []
    sent = ConlluSentence()
    head_lines: list[tuple[int, int]] = []  # (line number, column of HEAD) per word
    for number, line in enumerate(read_lines(path), 1):
        if not line.strip():
            if sent.words:
                _check_heads(sent, head_lines, name)
                sentences.append(sent)
            sent, head_lines = ConlluSentence(), []
            continue
        if line.startswith("#"):
            key, eq, value = line[1:].partition("=")
            if eq:
                sent.meta[key.strip()] = value.strip()
            continue
        fields = line.split("\t")
        if len(fields) != 10:
            raise DataFormatError(name, number, "10 tab-separated fields", f"{len(fields)}")
        token_id = fields[0]
        if "-" in token_id or "." in token_id:
            continue
        if token_id != str(len(sent.words) + 1):
            raise DataFormatError(
                name, number, f"word ID {len(sent.words) + 1}", repr(token_id), column=1
            )
        head_column = sum(len(f) + 1 for f in fields[:_HEAD]) + 1
        head = fields[_HEAD]
        if not (head.isascii() and head.isdigit()):
            raise DataFormatError(name, number, "an integer HEAD", repr(head), column=head_column)
        sent.words.append(fields[1])
        sent.lemmas.append(fields[2])
        sent.upos.append(fields[3])
        sent.xpos.append(fields[4])
        sent.feats.append(fields[5])
        sent.heads.append(int(head))
        sent.deprels.append(fields[7])
        sent.misc.append(fields[9])
        head_lines.append((number, head_column))
    if sent.words:
        _check_heads(sent, head_lines, name)
        sentences.append(sent)
    return sentences


def _check_heads(sent: ConlluSentence, where: list[tuple[int, int]], name: str) -> None:
    """Raise ``DataFormatError`` unless the sentence's heads form one tree."""
    n = len(sent.heads)
    for i, head in enumerate(sent.heads):
        if head > n:
            line, column = where[i]
            raise DataFormatError(name, line, f"a HEAD in 0..{n}", str(head), column=column)
    line = where[0][0]
    roots = sent.heads.count(0)
    if roots != 1:
        raise DataFormatError(name, line, "exactly one word with HEAD 0", str(roots))
    try:
        dependency_tree(sent.words, sent.heads)
    except ValueError:
        raise DataFormatError(name, line, "HEADs forming a tree", "a cycle") from None
