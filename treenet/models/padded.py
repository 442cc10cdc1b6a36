"""The BiLSTM tagger over a padded minibatch: one op per time step for the whole batch.

The classic way to batch a tagger, kept for comparison with per-sentence code under
`treenet.autobatch()`: sentences are padded to the longest, each step runs one cell over all
of them, and masks keep padding out of the backward LSTM, the CRF and the loss. Uses the
parameters of a `BiLSTMTagger` as they are; outputs equal the per-sentence ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from treenet.models.crf import transition_counts
from treenet.models.tagger import BiLSTMTagger, TaggedIds
from treenet.nn.rnn import LSTMCell
from treenet.ops import concatenate, cross_entropy, logsumexp, stack, where
from treenet.ops import sum as total
from treenet.tensor.tensor import Tensor


def _pad(rows: Sequence[np.ndarray], length: int, value: int = 0) -> np.ndarray:
    """Stack arrays (T_i, ...) into (B, length, ...), filling with `value`."""
    out = np.full((len(rows), length, *rows[0].shape[1:]), value, dtype=np.int64)
    for b, row in enumerate(rows):
        out[b, :len(row)] = row
    return out


def _run(cell: LSTMCell, x: Tensor, mask: np.ndarray | None, reverse: bool) -> list[Tensor]:
    """One LSTM direction over x (B, T, D); where mask (B, T) is False the state is carried
    over unchanged. Returns the output (B, H) of each step, in time order."""
    B, T = x.shape[:2]
    h = c = Tensor(x.backend.xp.zeros((B, cell.hidden_size), dtype=x.dtype))
    outputs: list[Tensor] = [h] * T
    for t in reversed(range(T)) if reverse else range(T):
        h_new, c_new = cell(x[:, t], (h, c))
        if mask is None:
            h, c = h_new, c_new
        else:
            keep = mask[:, t:t + 1]
            h, c = where(keep, h_new, h), where(keep, c_new, c)
        outputs[t] = h
    return outputs


def padded_scores(tagger: BiLSTMTagger, batch: Sequence[TaggedIds]) -> tuple[Tensor, np.ndarray]:
    """Tag scores (B, T, num_tags) of a batch padded to its longest sentence, and the mask
    (B, T) of real tokens."""
    lengths = np.array([len(s) for s in batch])
    B, T = len(batch), int(lengths.max())
    mask = np.arange(T) < lengths[:, None]
    x = tagger.embed(_pad([s.words for s in batch], T))
    if tagger.chars is not None:
        windows = _pad([s.chars for s in batch], T)
        features = tagger.chars(windows.reshape(B * T, *windows.shape[2:]))
        x = concatenate([x, features.reshape(B, T, -1)], axis=2)
    x = tagger.dropout(x)
    forward = _run(tagger.forward_cell, x, None, reverse=False)
    backward = _run(tagger.backward_cell, x, mask, reverse=True)
    h = concatenate([stack(forward, axis=1), stack(backward, axis=1)], axis=2)
    return tagger.out(tagger.dropout(h)), mask


def _crf_nll(tagger: BiLSTMTagger, scores: Tensor, mask: np.ndarray,
             tags: Sequence[np.ndarray]) -> Tensor:
    """Summed CRF negative log-likelihood of a padded batch: scores (B, T, C)."""
    crf = tagger.crf
    B, T, C = scores.shape
    A = crf.scores()
    inner = A[:C, :C].T
    v = A[C, :C] + scores[:, 0]
    for t in range(1, T):
        step = logsumexp(inner + v.reshape(B, 1, C), axis=2) + scores[:, t]
        v = where(mask[:, t:t + 1], step, v)
    log_z = logsumexp(v + A[:C, C], axis=1)
    one_hot = np.zeros((B, T, C), dtype=scores.dtype)
    counts = np.zeros((C + 1, C + 1), dtype=scores.dtype)
    for b, gold in enumerate(tags):
        one_hot[b, np.arange(len(gold)), gold] = 1
        counts += transition_counts(gold, C)
    gold_score = total(scores * one_hot) + total(A * counts)
    return total(log_z) - gold_score


def padded_loss(tagger: BiLSTMTagger, batch: Sequence[TaggedIds]) -> Tensor:
    """The summed loss of a batch, as the sum of `tagger.loss` over its sentences."""
    scores, mask = padded_scores(tagger, batch)
    tags = [s.tags for s in batch]
    if tagger.crf is not None:
        return _crf_nll(tagger, scores, mask, tags)
    B, T, C = scores.shape
    targets = _pad(tags, T, value=-1)
    return cross_entropy(scores.reshape(B * T, C), targets.reshape(-1), reduction="sum",
                         ignore_index=-1)


def padded_predict(tagger: BiLSTMTagger, batch: Sequence[TaggedIds]) -> list[list[int]]:
    """Predicted tag ids of each sentence of a batch."""
    scores, _ = padded_scores(tagger, batch)
    array = scores.cpu().numpy()
    return [tagger.decode(array[b, :len(s)]) for b, s in enumerate(batch)]
