"""Tree-LSTM sentiment classification on SST: the training recipe, prediction and evaluation.

Tai et al. (2015): hidden 150, Adagrad lr 0.05 with L2 1e-4 on every parameter but the word
embeddings, which take plain SGD steps at lr 0.1 on the rows a minibatch used (sparse, so
exact: untouched rows do not move), minibatches of 25 trees, dropout 0.5 before the classifier,
a loss on every node. ``labels="binary"`` trains on `treenet.data.binary_view` (neutral-root
sentences dropped) as Tai et al. did: a third, neutral class on the neutral nodes, and a
prediction that chooses between negative and positive (``neutral_class=False`` ignores neutral
nodes and trains two classes). Dev scores count negative and positive nodes only. Models:
``"constituency"`` (binary Tree-LSTM) or ``"childsum"`` (child-sum cell over the same binarized
trees, x = 0 at internal nodes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from treenet.data.sst import SST_NUM_CLASSES, binary_view, load_sst
from treenet.data.tree import Tree
from treenet.data.vectors import embedding_matrix
from treenet.models.metrics import sentiment_scores
from treenet.models.train import (
    Event,
    Job,
    Trained,
    eval_outputs,
    fit_options,
    sample,
    summed,
)
from treenet.models.tree_lstm import (
    ChildSumTreeLSTM,
    ConstituencyTreeLSTM,
    TreeSentiment,
    node_labels,
    tree_word_ids,
)
from treenet.models.vectors import load_vectors, word_vocab
from treenet.optim import SGD, Adagrad
from treenet.tensor.random import manual_seed

MODELS: dict[str, type[TreeSentiment]] = {"constituency": ConstituencyTreeLSTM,
                                          "childsum": ChildSumTreeLSTM}
Example = tuple[Tree, np.ndarray]
LABELS = {SST_NUM_CLASSES: ("very negative", "negative", "neutral", "positive", "very positive"),
          2: ("negative", "positive")}
"""Names of the classes a model predicts: SST's five, or the binary view's two."""


NEUTRAL_OUTPUTS = 3
"""Outputs of a binary model trained with a neutral class: negative, neutral, positive."""


def predicted_classes(num_classes: int) -> int:
    """How many classes a model with `num_classes` outputs predicts: a binary model trained
    with a neutral class predicts two."""
    return 2 if num_classes == NEUTRAL_OUTPUTS else num_classes


@dataclass
class SentimentConfig:
    """Settings of a sentiment run (defaults: Tai et al.'s recipe; see the module docstring).

    labels: ``"fine"`` or ``"binary"``; neutral_class: binary models train a neutral class.
    embed_dim applies only without vectors (else the vectors' dimension); limit keeps a random
    `limit` train and dev trees (for smoke runs); max_seconds bounds the training time; device:
    ``"cpu"`` or ``"cuda"``.
    """

    model: str = "constituency"
    labels: str = "fine"
    neutral_class: bool = True
    data_dir: str | None = None
    vectors: str = "auto"
    embed_dim: int = 300
    hidden_size: int = 150
    dropout: float = 0.5
    lr: float = 0.05
    weight_decay: float = 1e-4
    embedding_lr: float = 0.1
    batch_size: int = 25
    epochs: int = 10
    patience: int | None = 3
    batching: str = "dynamic"
    strategy: str = "agenda"
    seed: int = 0
    max_seconds: float | None = None
    min_freq: int = 1
    lower: bool = False
    limit: int | None = None
    device: str = "cpu"


def build_model(args: dict[str, Any], embeddings: np.ndarray | None = None) -> TreeSentiment:
    """The model described by `args` (``model`` plus its constructor's keyword arguments)."""
    args = dict(args)
    return MODELS[args.pop("model")](**args, embeddings=embeddings)


def _node_logits(model: TreeSentiment, examples: Sequence[Example], batching: str,
                 strategy: str) -> list[np.ndarray]:
    """(nodes, predicted classes) scores per tree: a neutral class trained beside negative and
    positive (3 outputs) is left out, so the prediction chooses between those two."""
    logits = eval_outputs(lambda example: model(*example), examples, batching=batching,
                          strategy=strategy)
    return [scores[:, ::2] if scores.shape[1] == NEUTRAL_OUTPUTS else scores for scores in logits]


def predict_labels(model: TreeSentiment, examples: Sequence[Example], *,
                   batching: str = "dynamic", strategy: str = "agenda") -> list[np.ndarray]:
    """Predicted class of every node of each tree, in post-order (root last)."""
    return [scores.argmax(axis=1) for scores in _node_logits(model, examples, batching,
                                                               strategy)]


def predict_probabilities(model: TreeSentiment, examples: Sequence[Example], *,
                          batching: str = "dynamic",
                          strategy: str = "agenda") -> list[np.ndarray]:
    """Class probabilities of every node of each tree, (nodes, classes) in post-order."""
    return [_softmax(scores) for scores in _node_logits(model, examples, batching, strategy)]


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def sentiment_job(config: SentimentConfig) -> Job:
    """Load SST train and dev, build the vocabulary, the model on `config.device` and its
    optimizers: everything ready to train (`Job.run`)."""
    if config.model not in MODELS or config.batching == "padded":
        raise ValueError(f"model must be one of {tuple(MODELS)} and batching 'dynamic' or "
                         f"'none', got {config.model!r} and {config.batching!r}")
    if config.labels not in ("fine", "binary"):
        raise ValueError(f"labels must be 'fine' or 'binary', not {config.labels!r}")
    binary = config.labels == "binary"

    def split_trees(split: str, neutral: bool) -> list[Tree]:
        trees = load_sst(split, data_dir=config.data_dir)
        return sample(binary_view(trees, neutral) if binary else trees, config.limit,
                      config.seed)

    train, dev = split_trees("train", config.neutral_class), split_trees("dev", False)
    vectors, used = load_vectors(config.vectors)
    vocab = word_vocab([t.words() for t in train], [t.words() for t in dev], vectors,
                       min_freq=config.min_freq, lower=config.lower)
    args = {"model": config.model, "vocab_size": len(vocab),
            "embed_dim": config.embed_dim if vectors is None else vectors.dim,
            "hidden_size": config.hidden_size,
            "num_classes": (NEUTRAL_OUTPUTS if config.neutral_class else 2) if binary
            else SST_NUM_CLASSES,
            "dropout": config.dropout}
    manual_seed(config.seed)
    model = build_model(args, embeddings=None if vectors is None else embedding_matrix(
        vocab, vectors, seed=config.seed)).to(config.device)
    embedding = model.embed.weight
    network = [p for p in model.parameters() if p is not embedding]
    optimizers = [Adagrad(network, lr=config.lr, weight_decay=config.weight_decay),
                  SGD([embedding], lr=config.embedding_lr)]
    train_examples = [(t, tree_word_ids(t, vocab)) for t in train]
    dev_examples = [(t, tree_word_ids(t, vocab)) for t in dev]
    gold = [node_labels(t) for t in dev]

    def evaluate() -> dict[str, float]:
        return sentiment_scores(gold, predict_labels(model, dev_examples,
                                                     batching=config.batching,
                                                     strategy=config.strategy))

    return Job("sentiment", model, args, {"words": vocab}, asdict(config), used, optimizers,
               [], train_examples, summed(lambda example: model.loss(*example)), evaluate,
               fit_options(config, "root_accuracy"))


def train_sentiment(config: SentimentConfig,
                    callback: Callable[[Event], None] | None = None) -> Trained:
    """Train on SST train, select on SST dev (root accuracy); see `treenet.models.train.fit`."""
    return sentiment_job(config).run(callback)
