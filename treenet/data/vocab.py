"""Vocabularies mapping tokens (words, characters, tags) to integer ids, saved as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

__all__ = ["Vocab"]


class Vocab:
    """A token <-> id mapping with optional padding and unknown tokens.

    Ids run from 0: the ``pad`` token first (when not None), then ``unk`` (when not None),
    then the other tokens. Looking up an unseen token gives ``unk``'s id, or raises
    ``KeyError`` when ``unk`` is None (use that for tag sets). With ``lower`` every token is
    lower-cased before it is stored or looked up.
    """

    def __init__(
        self,
        tokens: Iterable[str] = (),
        *,
        pad: str | None = "<pad>",
        unk: str | None = "<unk>",
        lower: bool = False,
    ) -> None:
        self.pad = pad
        self.unk = unk
        self.lower = lower
        self.itos: list[str] = []
        self.stoi: dict[str, int] = {}
        for special in (pad, unk):
            if special is not None:
                self._add(special)
        for token in tokens:
            self._add(token.lower() if lower else token)

    def _add(self, token: str) -> None:
        if token not in self.stoi:
            self.stoi[token] = len(self.itos)
            self.itos.append(token)

    @classmethod
    def build(
        cls,
        sequences: Iterable[Iterable[str]],
        *,
        min_freq: int = 1,
        max_size: int | None = None,
        pad: str | None = "<pad>",
        unk: str | None = "<unk>",
        lower: bool = False,
    ) -> Vocab:
        """Count the tokens of ``sequences`` and keep those seen at least ``min_freq`` times,
        most frequent first (ties in string order), at most ``max_size`` besides specials."""
        counts: Counter[str] = Counter()
        for seq in sequences:
            counts.update((token.lower() for token in seq) if lower else seq)
        ranked = sorted(
            (t for t, c in counts.items() if c >= min_freq and t not in (pad, unk)),
            key=lambda t: (-counts[t], t),
        )
        return cls(ranked[:max_size], pad=pad, unk=unk, lower=lower)

    @classmethod
    def build_chars(cls, sentences: Iterable[Iterable[str]], **options: Any) -> Vocab:
        """A character vocabulary over the words of ``sentences`` (options as ``build``)."""
        chars = ((ch for word in sent for ch in word) for sent in sentences)
        return cls.build(chars, **options)

    @property
    def pad_id(self) -> int | None:
        """Id of the padding token, or None."""
        return None if self.pad is None else self.stoi[self.pad]

    @property
    def unk_id(self) -> int | None:
        """Id of the unknown token, or None."""
        return None if self.unk is None else self.stoi[self.unk]

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return (token.lower() if self.lower else token) in self.stoi

    def __getitem__(self, token: str) -> int:
        """The id of ``token`` (``unk``'s for unseen tokens)."""
        key = token.lower() if self.lower else token
        found = self.stoi.get(key)
        if found is not None:
            return found
        if self.unk is None:
            raise KeyError(token)
        return self.stoi[self.unk]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Ids of a token sequence (a word's characters for a character vocabulary)."""
        return [self[token] for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of an id sequence."""
        return [self.itos[int(i)] for i in ids]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description, the inverse of ``from_dict``."""
        return {"tokens": self.itos, "pad": self.pad, "unk": self.unk, "lower": self.lower}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vocab:
        """Rebuild a vocabulary saved with ``to_dict``, with the same ids."""
        vocab = cls(pad=data["pad"], unk=data["unk"], lower=data["lower"])
        for token in data["tokens"]:
            vocab._add(token)
        if vocab.itos != data["tokens"]:
            raise ValueError("saved vocabulary lists a token twice or specials out of place")
        return vocab

    def to_json(self) -> str:
        """The vocabulary as a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Vocab:
        """Rebuild a vocabulary from ``to_json`` output."""
        return cls.from_dict(json.loads(text))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens, pad={self.pad!r}, unk={self.unk!r}, lower={self.lower})"
