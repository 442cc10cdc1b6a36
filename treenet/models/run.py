"""Run folders: saving a trained model with its settings and vocabularies, and loading it back
as a predictor.

A run folder holds ``config.json`` (task, model arguments, training settings, vectors used,
best dev metrics, history), ``vocab.json`` (the vocabularies by name) and
``model.safetensors`` (the weights, via `treenet.save`, with the model arguments as metadata).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from treenet.data.text import parse_text
from treenet.data.tree import Tree, fold
from treenet.data.vocab import Vocab
from treenet.models import sentiment, tagging
from treenet.models.train import Trained
from treenet.nn.module import Module
from treenet.serialization import load, save

CONFIG, VOCAB, WEIGHTS = "config.json", "vocab.json", "model.safetensors"


def save_run(trained: Trained, folder: str | Path) -> Path:
    """Write `trained` into `folder` (created if needed); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"task": trained.task, "model_args": trained.model_args,
              "config": trained.config, "vectors": trained.vectors,
              "metrics": trained.metrics, "history": trained.history.to_dict()}
    (folder / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    vocabs = {name: vocab.to_dict() for name, vocab in trained.vocabs.items()}
    (folder / VOCAB).write_text(json.dumps(vocabs, ensure_ascii=False) + "\n")
    save(trained.model, folder / WEIGHTS,
         metadata={"task": trained.task, "model_args": trained.model_args})
    return folder


class SentimentPredictor:
    """A trained Tree-LSTM sentiment model: label every node of trees, or of parsed text."""

    def __init__(self, model: Module, vocabs: dict[str, Vocab], config: dict[str, Any]) -> None:
        self.model = model.eval()
        self.vocab = vocabs["words"]
        self.config = config

    def predict_trees(self, trees: Sequence[Tree], batching: str = "dynamic") -> list[Tree]:
        """Copies of `trees` whose node labels are the predicted classes (0-4, or 0-1 for a
        binary model: negative, positive)."""
        examples = [(tree, sentiment.tree_word_ids(tree, self.vocab)) for tree in trees]
        predicted = sentiment.predict_labels(self.model, examples, batching=batching)
        return [_relabel(tree, labels.tolist()) for tree, labels in zip(trees, predicted,
                                                                        strict=True)]

    def predict_text(self, text: str, nlp: Any = None) -> list[Tree]:
        """Labelled binary trees of the sentences of `text`, parsed by spaCy (`nlp`: a
        pipeline or its name, see `treenet.data.parse_text`). Both models were trained on
        binarized constituency trees, so the text is parsed into binary trees."""
        return self.predict_trees(parse_text(text, nlp, binary=True))


def _relabel(tree: Tree, labels: list[int]) -> Tree:
    """A copy of `tree` taking labels from `labels` in post-order."""
    it = iter(labels)
    return fold(tree, lambda node, kids: Tree(next(it), kids, node.word, node.index))


class TaggerPredictor:
    """A trained tagger: tag tokenized sentences."""

    def __init__(self, model: Module, vocabs: dict[str, Vocab], config: dict[str, Any]) -> None:
        self.model = model.eval()
        self.vocabs = vocabs
        self.config = config

    def tag(self, sentences: Sequence[Sequence[str]], batching: str = "dynamic") -> list[
            list[str]]:
        """The predicted tags of each sentence (a list of tokens)."""
        examples = [tagging.encode(self.model, words, self.vocabs) for words in sentences]
        predicted = tagging.predict_tags(self.model, examples, batching=batching)
        return [self.vocabs["tags"].decode(ids) for ids in predicted]


def load_run(folder: str | Path) -> SentimentPredictor | TaggerPredictor:
    """The predictor of a run folder written by `save_run`."""
    folder = Path(folder)
    config = json.loads((folder / CONFIG).read_text())
    vocabs = {name: Vocab.from_dict(data)
              for name, data in json.loads((folder / VOCAB).read_text()).items()}
    if config["task"] == "sentiment":
        model = sentiment.build_model(config["model_args"])
        predictor: type[SentimentPredictor | TaggerPredictor] = SentimentPredictor
    else:
        model = tagging.build_model(config["model_args"], vocabs["tags"].itos)
        predictor = TaggerPredictor
    model.load_state_dict(load(folder / WEIGHTS).state)
    return predictor(model, vocabs, config)
