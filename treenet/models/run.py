"""Run folders: a trained model with its settings, vocabularies, learning curves and resumable
checkpoint, and loading it back as a predictor.

A run folder holds ``config.json`` (task, model arguments, training settings, vectors used,
best dev metrics, history), ``vocab.json`` (the vocabularies by name), ``model.safetensors``
(the best weights on dev, via `treenet.save`, with the model arguments as metadata),
``metrics.jsonl`` (one line per epoch), ``curves.png`` (train loss and the dev metric per
epoch) and, while training from the command line, ``last.safetensors`` (the state `fit`
resumes from).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from treenet.data.sst import binary_view, read_sst
from treenet.data.text import parse_text
from treenet.data.tree import Tree, fold
from treenet.data.vocab import Vocab
from treenet.models import sentiment, tagging
from treenet.models.crf import is_bio
from treenet.models.metrics import sentiment_scores, tagging_scores
from treenet.models.train import History, RunInfo, Trained
from treenet.models.tree_lstm import node_labels
from treenet.nn.module import Module
from treenet.serialization import load, load_metadata, save

CONFIG, VOCAB, WEIGHTS = "config.json", "vocab.json", "model.safetensors"
LAST, METRICS, CURVES = "last.safetensors", "metrics.jsonl", "curves.png"
TASKS = ("sentiment", "tagging")


class RunError(ValueError):
    """A folder is not a usable run folder (or holds another task's run); the message names the
    folder and says why."""


def _write_text(path: Path, text: str) -> None:
    """Replace `path` by `text` atomically (a crash leaves the old or the new file)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text)
    os.replace(temp, path)


def write_run(folder: str | Path, info: RunInfo, history: History | None = None,
              weights: Mapping[str, Any] | None = None) -> Path:
    """Write or update the run folder `folder` (created if needed): config.json and vocab.json
    from `info`; with `history`, its metrics in config.json, metrics.jsonl and curves.png; with
    `weights` (a state dict), model.safetensors. Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    best = None if history is None or history.best is None else history.best.dev
    config = {"task": info.task, "model_args": info.model_args, "config": info.config,
              "vectors": info.vectors, "metrics": dict(best or {}),
              "history": None if history is None else history.to_dict()}
    _write_text(folder / CONFIG, json.dumps(config, indent=2) + "\n")
    vocabs = {name: vocab.to_dict() for name, vocab in info.vocabs.items()}
    _write_text(folder / VOCAB, json.dumps(vocabs, ensure_ascii=False) + "\n")
    if history is not None:
        _write_text(folder / METRICS, "".join(json.dumps(record) + "\n"
                                              for record in history.to_dict()["epochs"]))
        plot_curves(history, folder / CURVES)
    if weights is not None:
        save(weights, folder / WEIGHTS, metadata={"task": info.task,
                                                  "model_args": info.model_args})
    return folder


def save_run(trained: Trained, folder: str | Path) -> Path:
    """Write `trained` (its model holding the weights to keep) into the run folder `folder`."""
    return write_run(folder, trained, trained.history, trained.model.state_dict())


def plot_curves(history: History, path: str | Path) -> None:
    """Plot the train loss and the dev metric per epoch into an image file (PNG by suffix)."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    epochs = [record.epoch for record in history.epochs]
    figure = Figure(figsize=(9, 3.5), layout="constrained")
    loss, dev = figure.subplots(1, 2)
    loss.plot(epochs, [record.train_loss for record in history.epochs], marker="o")
    loss.set(xlabel="epoch", ylabel="train loss per example", title="training loss")
    dev.plot(epochs, [record.dev[history.metric] for record in history.epochs], marker="o")
    if history.best is not None:
        dev.axvline(history.best_epoch, color="gray", linestyle=":")
    dev.set(xlabel="epoch", ylabel=f"dev {history.metric}", title="dev (dotted: best epoch)")
    for axes in (loss, dev):
        axes.grid(alpha=0.3)
        axes.xaxis.get_major_locator().set_params(integer=True)
    figure.savefig(path, dpi=100)


def save_checkpoint(folder: str | Path, info: RunInfo, state: Mapping[str, Any]) -> None:
    """Write a `fit` checkpoint state to the run folder's last.safetensors; at an epoch's end
    also its history and, when that epoch is the best so far, model.safetensors."""
    folder = Path(folder)
    save(state, folder / LAST, metadata={"task": info.task, "model_args": info.model_args})
    if state["position"]["step"] == 0:
        history = History.from_dict(state["history"])
        latest = history.best_epoch == len(history.epochs)
        write_run(folder, info, history, state["best"] if latest else None)


def read_config(folder: str | Path, task: str | None = None) -> dict[str, Any]:
    """The config.json of a run folder, checked to be a run of `task` when given."""
    path = Path(folder) / CONFIG
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise RunError(f"{folder}: not a treenet run folder (no {CONFIG})") from None
    except (OSError, ValueError) as err:
        raise RunError(f"{path}: unreadable ({err})") from None
    if not isinstance(config, dict) or config.get("task") not in TASKS:
        raise RunError(f"{path}: not a treenet run config (no task {' or '.join(TASKS)})")
    if task is not None and config["task"] != task:
        raise RunError(f"{folder} holds a {config['task']} run, not a {task} run")
    return config


def read_vocabs(folder: str | Path) -> dict[str, Vocab]:
    """The vocabularies of a run folder by name."""
    path = Path(folder) / VOCAB
    try:
        return {name: Vocab.from_dict(data) for name, data in json.loads(path.read_text()).items()}
    except (OSError, ValueError, KeyError, AttributeError) as err:
        raise RunError(f"{path}: missing or unreadable ({err})") from None


def load_checkpoint(folder: str | Path, config: Mapping[str, Any]) -> dict[str, Any]:
    """The state in the run folder's last.safetensors (for `fit(resume=...)`), checked to
    belong to the model that config.json describes."""
    path = Path(folder) / LAST
    if not path.is_file():
        raise RunError(f"{folder}: no {LAST} to resume from")
    _check_model(path, config)
    return load(path).state


def _check_model(path: Path, config: Mapping[str, Any]) -> None:
    metadata = load_metadata(path)
    if (metadata.get("task"), metadata.get("model_args")) != (config["task"],
                                                               config["model_args"]):
        raise RunError(f"{path} holds another model than {path.parent / CONFIG} describes")


class SentimentPredictor:
    """A trained Tree-LSTM sentiment model: label every node of trees, or of parsed text."""

    def __init__(self, model: Module, vocabs: dict[str, Vocab], config: dict[str, Any]) -> None:
        self.model = model.eval()
        self.vocab = vocabs["words"]
        self.config = config
        self.labels = sentiment.LABELS[sentiment.predicted_classes(
            config["model_args"]["num_classes"])]

    def node_probabilities(self, trees: Sequence[Tree],
                           batching: str = "dynamic") -> list[np.ndarray]:
        """Class probabilities of every node of each tree, (nodes, classes) in post-order."""
        examples = [(tree, sentiment.tree_word_ids(tree, self.vocab)) for tree in trees]
        return sentiment.predict_probabilities(self.model, examples, batching=batching)

    def predict(self, trees: Sequence[Tree],
                batching: str = "dynamic") -> list[tuple[Tree, dict[str, Any]]]:
        """For each tree: a copy whose node labels are the predicted classes (0-4, or 0-1 for
        a binary model: names in `labels`), and the sentence's sentiment, its root's
        ``{"label": name, "probabilities": {name: p}}``."""
        results = []
        for tree, probabilities in zip(trees, self.node_probabilities(trees, batching),
                                       strict=True):
            root = probabilities[-1]
            results.append((_relabel(tree, probabilities.argmax(axis=1).tolist()),
                            {"label": self.labels[int(root.argmax())],
                             "probabilities": dict(zip(self.labels, root.tolist(),
                                                       strict=True))}))
        return results

    def predict_trees(self, trees: Sequence[Tree], batching: str = "dynamic") -> list[Tree]:
        """Copies of `trees` whose node labels are the predicted classes."""
        return [tree for tree, _ in self.predict(trees, batching)]

    def predict_text(self, text: str, nlp: Any = None) -> list[Tree]:
        """Labelled binary trees of the sentences of `text`, parsed by spaCy (`nlp`: a
        pipeline or its name, see `treenet.data.parse_text`). Both models were trained on
        binarized constituency trees, so the text is parsed into binary trees."""
        return self.predict_trees(parse_text(text, nlp, binary=True))

    def evaluate(self, path: str | Path, batching: str = "dynamic") -> dict[str, Any]:
        """Scores on an SST-format file (PTB trees labelled 0-4, read in the run's label
        view): sentences, root_accuracy, node_accuracy (%)."""
        trees = read_sst(path)
        if self.config["config"]["labels"] == "binary":
            trees = binary_view(trees)
        predicted = [p.argmax(axis=1) for p in self.node_probabilities(trees, batching)]
        scores = sentiment_scores([node_labels(tree) for tree in trees], predicted)
        return {"sentences": len(trees), **scores}


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

    def evaluate(self, path: str | Path, batching: str = "dynamic") -> dict[str, Any]:
        """Scores on a file in the format the run was trained on (tags in the same column):
        sentences, accuracy and, for BIO chunk tags, precision / recall / f1 overall and per
        type (%)."""
        column = tagging.tag_column(tagging.TaggerConfig(**self.config["config"]))
        sentences = tagging.read_tagged(path, column)
        predicted = self.tag([words for words, _ in sentences], batching)
        scores = tagging_scores([tags for _, tags in sentences], predicted,
                                spans=is_bio(self.vocabs["tags"].itos))
        return {"sentences": len(sentences), **scores}


def load_run(folder: str | Path, task: str | None = None) -> SentimentPredictor | TaggerPredictor:
    """The predictor of a run folder written by `save_run` (or by training from the command
    line); raises RunError for a folder that is no run (of `task`, when given)."""
    config = read_config(folder, task)
    vocabs = read_vocabs(folder)
    weights = Path(folder) / WEIGHTS
    if not weights.is_file():
        raise RunError(f"{folder}: no {WEIGHTS} yet (no epoch of training has finished)")
    _check_model(weights, config)
    if config["task"] == "sentiment":
        model = sentiment.build_model(config["model_args"])
        predictor: type[SentimentPredictor | TaggerPredictor] = SentimentPredictor
    else:
        model = tagging.build_model(config["model_args"], vocabs["tags"].itos)
        predictor = TaggerPredictor
    model.load_state_dict(load(weights).state)
    return predictor(model, vocabs, config)
