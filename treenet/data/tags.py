"""Chunk tag schemes (BIO, IOB1, BIOES): span extraction, conversion and conlleval scores.

Tags are ``O`` or ``PREFIX-TYPE`` with PREFIX one of B, I, E, S (the type may itself hold
hyphens, e.g. ``B-creative-work``). Spans are read with the rules of the CoNLL shared
tasks' ``conlleval`` script, which decode all three schemes and tolerate ill-formed input:
an ``I-X`` after ``O`` or after a chunk of another type starts a new chunk, a type change
always ends a chunk, and ``E``/``S`` end one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["SCHEMES", "ChunkScores", "PRF", "chunk_scores", "convert_tags", "spans", "to_tags"]

SCHEMES = ("BIO", "IOB1", "BIOES")
_ALIASES = {"BIO": "BIO", "IOB2": "BIO", "IOB1": "IOB1", "BIOES": "BIOES", "IOBES": "BIOES"}

Span = tuple[str, int, int]
"""A chunk: (type, start, end), tokens ``start`` up to but excluding ``end``."""


def _split(tag: str) -> tuple[str, str]:
    prefix, _, kind = tag.partition("-")
    if (prefix == "O" and not kind) or (prefix in ("B", "I", "E", "S") and kind):
        return prefix, kind
    raise ValueError(f"expected a tag O or B-/I-/E-/S-TYPE, found {tag!r}")


def _ends(prev: str, tag: str, prev_type: str, kind: str) -> bool:
    """conlleval's endOfChunk: does a chunk end between the previous token and this one?"""
    if prev == "O":
        return False
    return prev in ("E", "S") or tag in ("B", "S", "O") or prev_type != kind


def _starts(prev: str, tag: str, prev_type: str, kind: str) -> bool:
    """conlleval's startOfChunk: does a chunk start at this token?"""
    if tag == "O":
        return False
    return tag in ("B", "S") or prev in ("O", "E", "S") or prev_type != kind


def spans(tags: Sequence[str]) -> list[Span]:
    """The chunks of one tagged sentence in any scheme, as conlleval reads them."""
    out: list[Span] = []
    start = -1
    prev, prev_type = "O", ""
    for i, tag in enumerate(tags):
        prefix, kind = _split(tag)
        if start >= 0 and _ends(prev, prefix, prev_type, kind):
            out.append((prev_type, start, i))
            start = -1
        if _starts(prev, prefix, prev_type, kind):
            start = i
        prev, prev_type = prefix, kind
    if start >= 0:
        out.append((prev_type, start, len(tags)))
    return out


def _scheme(name: str) -> str:
    try:
        return _ALIASES[name.upper()]
    except KeyError:
        raise ValueError(f"unknown tag scheme {name!r}; expected one of {SCHEMES}") from None


def to_tags(chunks: Iterable[Span], length: int, scheme: str = "BIO") -> list[str]:
    """Tags of a sentence of ``length`` tokens holding the given non-overlapping chunks.

    BIO (alias IOB2) begins every chunk with B-; IOB1 uses B- only for a chunk that directly
    follows one of the same type; BIOES (alias IOBES) marks single-token chunks S- and last
    tokens E-.
    """
    scheme = _scheme(scheme)
    tags = ["O"] * length
    last_end, last_type = -1, None
    for kind, start, end in sorted(chunks, key=lambda c: c[1]):
        if scheme == "IOB1":
            first = "B" if (start == last_end and kind == last_type) else "I"
        elif scheme == "BIOES" and end - start == 1:
            first = "S"
        else:
            first = "B"
        tags[start] = f"{first}-{kind}"
        for i in range(start + 1, end):
            tags[i] = f"I-{kind}"
        if scheme == "BIOES" and end - start > 1:
            tags[end - 1] = f"E-{kind}"
        last_end, last_type = end, kind
    return tags


def convert_tags(tags: Sequence[str], scheme: str) -> list[str]:
    """Re-tag a sentence in ``scheme``, reading its chunks as conlleval does."""
    return to_tags(spans(tags), len(tags), scheme)


@dataclass(frozen=True)
class PRF:
    """Chunk counts and the precision, recall and F1 (fractions in 0..1) they give."""

    correct: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        """Correct chunks over predicted chunks (0 when none were predicted)."""
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        """Correct chunks over gold chunks (0 when there are none)."""
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class ChunkScores:
    """conlleval's report: overall and per-type chunk scores plus token accuracy."""

    overall: PRF
    by_type: dict[str, PRF]
    accuracy: float


def chunk_scores(gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]) -> ChunkScores:
    """Score predicted tag sequences against gold ones as conlleval does.

    A predicted chunk is correct when a gold chunk has the same type, start and end;
    sentences are scored independently (chunks never cross them). Accuracy is the share of
    tokens whose tag string equals the gold one.
    """
    counts: dict[str, list[int]] = {}  # type -> [correct, predicted, gold]
    same_tags = tokens = 0
    for g, p in zip(gold, predicted, strict=True):
        if len(g) != len(p):
            raise ValueError(f"sentence lengths differ: {len(g)} gold vs {len(p)} predicted")
        tokens += len(g)
        same_tags += sum(a == b for a, b in zip(g, p, strict=True))
        gold_spans, pred_spans = set(spans(g)), set(spans(p))
        for span in gold_spans:
            counts.setdefault(span[0], [0, 0, 0])[2] += 1
        for span in pred_spans:
            row = counts.setdefault(span[0], [0, 0, 0])
            row[1] += 1
            row[0] += span in gold_spans
    by_type = {kind: PRF(*row) for kind, row in sorted(counts.items())}
    overall = PRF(*(sum(row[k] for row in counts.values()) for k in range(3)))
    return ChunkScores(overall, by_type, same_tags / tokens if tokens else 0.0)
