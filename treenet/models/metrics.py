"""Evaluation metrics, in %: sentiment accuracy at the root and over all nodes, tagging accuracy
and chunk (span) precision, recall and F1 overall and per type (conlleval's rules)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from treenet.data.sst import IGNORE_LABEL
from treenet.data.tags import chunk_scores


def sentiment_scores(gold: Sequence[np.ndarray],
                     predicted: Sequence[np.ndarray]) -> dict[str, float]:
    """Root and all-node accuracy from per-tree node labels in post-order (root last);
    nodes labelled IGNORE_LABEL (neutral nodes of the binary view) are not counted."""
    roots = np.array([p[-1] == g[-1] for g, p in zip(gold, predicted, strict=True)])
    labels = np.concatenate(list(gold))
    guesses = np.concatenate(list(predicted))
    counted = labels != IGNORE_LABEL
    return {"root_accuracy": 100.0 * float(roots.mean()),
            "node_accuracy": 100.0 * float((guesses[counted] == labels[counted]).mean())}


def tagging_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], *,
                   spans: bool) -> dict[str, float]:
    """Token accuracy; with `spans` (BIO tags) also chunk precision / recall / F1, overall and
    per type (`f1/NP`, ...)."""
    if not spans:
        same = sum(g == p for gs, ps in zip(gold, predicted, strict=True)
                   for g, p in zip(gs, ps, strict=True))
        return {"accuracy": 100.0 * same / max(1, sum(len(g) for g in gold))}
    scores = chunk_scores(gold, predicted)
    result = {"accuracy": 100.0 * scores.accuracy}
    for name, prf in [("", scores.overall), *((f"/{k}", v) for k, v in scores.by_type.items())]:
        result[f"precision{name}"] = 100.0 * prf.precision
        result[f"recall{name}"] = 100.0 * prf.recall
        result[f"f1{name}"] = 100.0 * prf.f1
    return result
