"""Linear-chain CRF over one sentence: log-partition by the forward algorithm, Viterbi decoding.

Scores live in one (C + 1, C + 1) matrix whose extra index C is the sentence boundary:
`transitions[i, j]` scores tag j right after tag i, row C scores the first tag and column C
the last. Invalid moves of a tag scheme (BIO: `I-X` after `O`, after another type, or first)
get a large negative penalty, a constant added to the learned scores, so they are never decoded
and take no gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from treenet import nn
from treenet.nn import init
from treenet.ops import concatenate, logsumexp
from treenet.ops import sum as total
from treenet.tensor.tensor import Tensor

FORBIDDEN = -1e4
"""Penalty added to the score of a forbidden transition (exp(-1e4) is exactly 0)."""


def bio_penalty(tags: Sequence[str]) -> np.ndarray:
    """(C + 1, C + 1) penalties for BIO (IOB2) tags: FORBIDDEN where `I-X` follows anything but
    `B-X` / `I-X` (the boundary, row C, included), else 0. Tags without a B-/I- prefix (`O`,
    padding) are unconstrained."""
    C = len(tags)
    penalty = np.zeros((C + 1, C + 1))
    for j, tag in enumerate(tags):
        if not tag.startswith("I-"):
            continue
        kind = tag[2:]
        allowed = {f"B-{kind}", f"I-{kind}"}
        for i, prev in enumerate(tags):
            if prev not in allowed:
                penalty[i, j] = FORBIDDEN
        penalty[C, j] = FORBIDDEN
    return penalty


def is_bio(tags: Sequence[str]) -> bool:
    """Whether every tag is `O` or `B-X` / `I-X` (a chunk tag set, scored by spans)."""
    return any(t != "O" for t in tags) and all(
        t == "O" or (t[:2] in ("B-", "I-") and len(t) > 2) for t in tags)


def transition_counts(tags: Sequence[int], num_tags: int) -> np.ndarray:
    """(C + 1, C + 1) counts of the moves of one tag sequence, boundary moves included."""
    path = [num_tags, *tags, num_tags]
    counts = np.zeros((num_tags + 1, num_tags + 1))
    np.add.at(counts, (path[:-1], path[1:]), 1)
    return counts


def allows(penalty: np.ndarray, tags: Sequence[int]) -> bool:
    """Whether a tag-id sequence makes no penalized move (gold data must, to be trained on)."""
    return not (transition_counts(tags, len(penalty) - 1) * penalty).any()


def viterbi(emissions: np.ndarray, transitions: np.ndarray) -> list[int]:
    """Best tag sequence for emissions (T, C) under boundary-augmented transitions (C+1, C+1)."""
    T, C = emissions.shape
    score = transitions[C, :C] + emissions[0]
    back = np.empty((T, C), dtype=np.int64)
    inner = transitions[:C, :C]
    for t in range(1, T):
        candidates = score[:, None] + inner
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + emissions[t]
    best = [int((score + transitions[:C, C]).argmax())]
    for t in range(T - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


class CRF(nn.Module):
    """Tag-transition scores and the sentence-level negative log-likelihood.

    Emissions come as a list of per-token rows (1, C), so that step t of every sentence in an
    autobatch block runs as one kernel (equal shapes, whatever the sentence lengths).
    `penalty`: a constant (C + 1, C + 1) added to the scores (e.g. `bio_penalty(tags)`).
    """

    def __init__(self, num_tags: int, penalty: np.ndarray | None = None,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.transitions = init.uniform_parameter((num_tags + 1, num_tags + 1), 0.1, dtype)
        self.penalty = None if penalty is None else np.asarray(penalty, dtype=dtype)

    def scores(self) -> Tensor:
        """The transition scores in use (C + 1, C + 1): learned plus penalty."""
        if self.penalty is None:
            return self.transitions
        return self.transitions + self.penalty

    def log_partition(self, rows: Sequence[Tensor], scores: Tensor | None = None) -> Tensor:
        """log Z of one sentence from its emission rows, T x (1, C) -> scalar.

        The forward algorithm as three ops per token: v = alpha + e_t (1, C) holds the log-sum
        of paths through each tag including its emission; alpha' = logsumexp(A^T + v, axis=1)
        (C,) moves one step (A^T[cur, prev] + v[prev], reduced over prev).
        """
        C = self.num_tags
        A = self.scores() if scores is None else scores
        inner = A[:C, :C].T
        v = A[C, :C] + rows[0]
        for row in rows[1:]:
            v = logsumexp(inner + v, axis=1) + row
        return logsumexp(v + A[:C, C])

    def path_score(self, emissions: Tensor, tags: Sequence[int],
                   scores: Tensor | None = None) -> Tensor:
        """Score of one tag sequence: emissions (T, C) at the tags plus its transitions."""
        A = self.scores() if scores is None else scores
        one_hot = np.eye(self.num_tags, dtype=emissions.dtype)[np.asarray(tags)]
        counts = transition_counts(tags, self.num_tags).astype(emissions.dtype)
        return total(emissions * one_hot) + total(A * counts)

    def nll(self, rows: Sequence[Tensor], tags: Sequence[int]) -> Tensor:
        """Negative log-likelihood of the gold tags, log Z - path score (a scalar), from the
        emission rows T x (1, C)."""
        A = self.scores()
        return self.log_partition(rows, A) - self.path_score(concatenate(list(rows)), tags, A)

    def decode(self, emissions: np.ndarray) -> list[int]:
        """Viterbi tags of one sentence's emissions (T, C), under the current scores."""
        scores = np.asarray(self.transitions.cpu().numpy(), dtype=np.float64)
        if self.penalty is not None:
            scores = scores + self.penalty
        return viterbi(np.asarray(emissions), scores)

    def extra_repr(self) -> str:
        return f"{self.num_tags}, constrained={self.penalty is not None}"
