"""Metrics (sentiment accuracies, tagging accuracy and spans) and the choice of vectors."""

import numpy as np
import pytest

from treenet.data import IGNORE_LABEL, Vectors
from treenet.models import load_vectors, word_vocab
from treenet.models import vectors as model_vectors
from treenet.models.metrics import sentiment_scores, tagging_scores


def test_sentiment_scores_count_roots_and_labelled_nodes():
    gold = [np.array([1, IGNORE_LABEL, 0]), np.array([IGNORE_LABEL, 1])]
    predicted = [np.array([1, 1, 1]), np.array([0, 1])]
    scores = sentiment_scores(gold, predicted)
    assert scores == {"root_accuracy": 50.0, "node_accuracy": pytest.approx(200 / 3)}


def test_tagging_scores():
    gold = [["B-NP", "I-NP", "O", "B-VP"]]
    predicted = [["B-NP", "I-NP", "O", "B-NP"]]
    scores = tagging_scores(gold, predicted, spans=True)
    assert scores["accuracy"] == 75.0 and scores["precision"] == 50.0
    assert scores["recall"] == 50.0 and scores["f1/NP"] == pytest.approx(200 / 3)
    assert scores["f1/VP"] == 0.0
    assert tagging_scores([["NN", "VB"]], [["NN", "NN"]], spans=False) == {"accuracy": 50.0}


def test_load_vectors_sources(tmp_path, monkeypatch):
    assert load_vectors("none") == (None, "none")
    path = tmp_path / "v.txt"
    path.write_text("cat 1 2\ndog 3 4\n")
    vectors, used = load_vectors(str(path))
    assert used == str(path) and vectors.dim == 2 and "dog" in vectors

    def missing():
        raise ImportError("not installed")

    fake = Vectors({"x": 0}, np.zeros((1, 3), np.float32))
    monkeypatch.setattr(model_vectors, "_LOADERS", {"spacy-md": missing, "glove50": lambda: fake})
    assert load_vectors("auto") == (fake, "glove50")
    with pytest.raises(ImportError):
        load_vectors("spacy-md")
    monkeypatch.setattr(model_vectors, "_LOADERS", {"spacy-md": missing})
    assert load_vectors("auto") == (None, "none")


def test_word_vocab_keeps_frequent_words_and_words_with_vectors():
    vectors = Vectors({"rare": 0, "devword": 1}, np.zeros((2, 2), np.float32))
    train = [["The", "the", "cat", "rare"], ["the", "cat"]]
    dev = [["devword", "unknown"]]
    vocab = word_vocab(train, dev, vectors, min_freq=2)
    assert vocab.itos[2:] == ["the", "cat", "rare", "devword"]  # most frequent first
    assert vocab["unknown"] == vocab.unk_id and vocab["The"] == vocab["the"]
    assert "rare" not in word_vocab(train, dev, None, min_freq=2)
