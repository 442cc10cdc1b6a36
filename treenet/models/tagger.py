"""BiLSTM sequence tagger (optional character CNN and CRF), written per sentence.

A sentence's words are embedded by one lookup; each LSTM direction projects all its inputs with
one call and runs over the sentence as one fused `lstm_sequence` op (or, with fused=False, one
`lstm_step` per token), so under `treenet.autobatch()` each direction of every sentence of a
minibatch runs in one packed recurrence (or token t of every sentence in one kernel). The
outputs are classified once per sentence (softmax), or their rows fed to the CRF's forward
algorithm, whose step t also batches across sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from treenet import nn
from treenet.models.chars import CharCNN
from treenet.models.crf import CRF
from treenet.models.vectors import word_embedding
from treenet.ops import concatenate, cross_entropy, split
from treenet.tensor.tensor import Tensor


@dataclass
class TaggedIds:
    """One encoded sentence: word ids (T,), CharCNN windows (T, L, width) or None, tag ids (T,)
    or None."""

    words: np.ndarray
    chars: np.ndarray | None = None
    tags: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.words)


class BiLSTMTagger(nn.Module):
    """Word embedding [+ character CNN] -> dropout -> BiLSTM -> dropout -> tag scores [-> CRF].

    num_chars = 0 leaves out the character features; crf=False scores each token by softmax.
    penalty: the CRF's constant transition penalty (e.g. `crf.bio_penalty(tags)`).
    embeddings: an optional (vocab_size, embed_dim) matrix to start the word embedding from.
    fused: each LSTM direction is one op per sentence (else one op per token: the same
    numbers, for code that must act between steps).
    """

    def __init__(self, vocab_size: int, num_tags: int, embed_dim: int = 100,
                 hidden_size: int = 100, num_chars: int = 0, char_filters: int = 30,
                 char_width: int = 3, max_word_length: int = 16, dropout: float = 0.5,
                 crf: bool = False, penalty: np.ndarray | None = None,
                 embeddings: np.ndarray | None = None, sparse: bool = True,
                 dtype: Any = np.float32, fused: bool = True) -> None:
        super().__init__()
        self.fused = fused
        self.embed = word_embedding(vocab_size, embed_dim, embeddings, sparse, dtype)
        self.chars = (CharCNN(num_chars, char_filters, char_width, max_word_length, dtype)
                      if num_chars else None)
        input_size = embed_dim + (char_filters if num_chars else 0)
        self.forward_cell = nn.LSTMCell(input_size, hidden_size, dtype=dtype)
        self.backward_cell = nn.LSTMCell(input_size, hidden_size, dtype=dtype)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden_size, num_tags, dtype=dtype)
        self.crf = CRF(num_tags, penalty, dtype) if crf else None

    def example(self, word_ids: Sequence[int], char_ids: Sequence[Sequence[int]] | None = None,
                tag_ids: Sequence[int] | None = None) -> TaggedIds:
        """Encode one sentence (ids of its words, of each word's characters, of its tags)."""
        chars = None if self.chars is None else self.chars.encode(char_ids)
        tags = None if tag_ids is None else np.asarray(tag_ids, dtype=np.int64)
        return TaggedIds(np.asarray(word_ids, dtype=np.int64), chars, tags)

    def token_inputs(self, sentence: TaggedIds) -> Tensor:
        """The LSTM inputs (T, input_size) of the sentence's tokens, after dropout."""
        x = self.embed(sentence.words)
        if self.chars is not None:
            x = concatenate([x, self.chars(sentence.chars)], axis=1)
        return self.dropout(x)

    def states(self, sentence: TaggedIds) -> tuple[Tensor, Tensor]:
        """Forward and backward LSTM outputs (T, hidden) of the sentence's tokens."""
        x = self.token_inputs(sentence)
        return (self._direction(self.forward_cell, x, reverse=False),
                self._direction(self.backward_cell, x, reverse=True))

    def _direction(self, cell: nn.LSTMCell, x: Tensor, reverse: bool) -> Tensor:
        """One direction's outputs (T, hidden) over the rows of x: one fused op, or one step
        per row of the input projection (row views under autobatch)."""
        if self.fused:
            return cell.sequence(x, reverse)
        gates = split(cell.input_projection(x), len(x))
        outputs: list[Tensor | None] = [None] * len(x)  # filled in step order
        state = None
        for t in reversed(range(len(x))) if reverse else range(len(x)):
            state = cell.step(gates[t], state)
            outputs[t] = state[0]
        return concatenate(outputs)

    def emission_rows(self, sentence: TaggedIds) -> list[Tensor]:
        """Tag scores of each token, T x (1, num_tags) (the CRF's per-step inputs): the rows of
        `forward` (row views under autobatch)."""
        scores = self(sentence)
        return split(scores, len(sentence))

    def forward(self, sentence: TaggedIds) -> Tensor:
        """Tag scores (T, num_tags) of one sentence, from one classifier call."""
        h = concatenate(list(self.states(sentence)), axis=1)
        return self.out(self.dropout(h))

    def loss(self, sentence: TaggedIds) -> Tensor:
        """The sentence's loss: CRF negative log-likelihood, or summed token cross-entropy."""
        if self.crf is not None:
            return self.crf.nll(self.emission_rows(sentence), sentence.tags)
        return cross_entropy(self.forward(sentence), sentence.tags, reduction="sum")

    def decode(self, scores: np.ndarray) -> list[int]:
        """Tag ids from one sentence's scores (T, num_tags): Viterbi with a CRF, else argmax."""
        if self.crf is not None:
            return self.crf.decode(scores)
        return [int(i) for i in np.asarray(scores).argmax(axis=1)]
