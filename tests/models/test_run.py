"""Run folders: save, load, and the loaded predictor predicts what the trained model did."""

import json

import numpy as np
import pytest

from treenet.data import parse_tree
from treenet.models import (
    SentimentConfig,
    SentimentPredictor,
    TaggerConfig,
    TaggerPredictor,
    load_run,
    predict_labels,
    save_run,
    train_sentiment,
    train_tagger,
    tree_word_ids,
)
from treenet.models.tagging import encode, predict_tags


@pytest.mark.parametrize("model", ["constituency", "childsum"])
def test_sentiment_run_round_trip(tiny_sst, tmp_path, model):
    trained = train_sentiment(SentimentConfig(model=model, data_dir=str(tiny_sst),
                                              vectors="none", embed_dim=8, hidden_size=6,
                                              epochs=2))
    folder = save_run(trained, tmp_path / "run")
    config = json.loads((folder / "config.json").read_text())
    assert config["task"] == "sentiment" and config["vectors"] == "none"
    assert config["metrics"] == trained.metrics and len(config["history"]["epochs"]) == 2
    predictor = load_run(folder)
    assert isinstance(predictor, SentimentPredictor)
    trees = [parse_tree("(3 (2 a) (4 (4 good) (2 unseen)))", num_classes=5),
             parse_tree("(1 bad)", num_classes=5)]
    vocab = trained.vocabs["words"]
    trained.model.eval()
    expected = predict_labels(trained.model, [(t, tree_word_ids(t, vocab)) for t in trees])
    labelled = predictor.predict_trees(trees)
    for tree, original, labels in zip(labelled, trees, expected, strict=True):
        assert [n.label for n in tree.nodes()] == labels.tolist()
        assert tree.words() == original.words()


def test_binary_model_with_a_neutral_class_predicts_negative_or_positive(tiny_sst, tmp_path):
    trained = train_sentiment(SentimentConfig(labels="binary", data_dir=str(tiny_sst),
                                              vectors="none", embed_dim=8, hidden_size=6,
                                              epochs=1))
    assert trained.model_args["num_classes"] == 3  # negative, neutral, positive
    predictor = load_run(save_run(trained, tmp_path / "run"))
    assert predictor.labels == ("negative", "positive")
    tree = parse_tree("(3 (2 a) (4 (4 good) (2 unseen)))", num_classes=5)
    logits = predictor.model(tree, tree_word_ids(tree, predictor.vocab)).numpy()
    probabilities = predictor.node_probabilities([tree])[0]
    assert probabilities.shape == (5, 2)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), logits[:, 2] > logits[:, 0])
    labelled, sentence = predictor.predict([tree])[0]
    assert [n.label for n in labelled.nodes()] == probabilities.argmax(axis=1).tolist()
    assert sentence["label"] == predictor.labels[int(logits[-1, 2] > logits[-1, 0])]


def test_predict_text_uses_spacy(tiny_sst, tmp_path):
    spacy = pytest.importorskip("spacy")
    trained = train_sentiment(SentimentConfig(data_dir=str(tiny_sst), vectors="none",
                                              embed_dim=8, hidden_size=6, epochs=1))
    predictor = load_run(save_run(trained, tmp_path / "run"))
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    trees = predictor.predict_text("A good movie. Not bad at all.", nlp)
    assert [t.words() for t in trees] == [["A", "good", "movie", "."],
                                          ["Not", "bad", "at", "all", "."]]
    assert all(0 <= n.label < 5 for t in trees for n in t.nodes())


@pytest.mark.parametrize("crf", [False, True])
def test_tagger_run_round_trip(tiny_conll, tmp_path, crf):
    train, dev = tiny_conll
    trained = train_tagger(TaggerConfig(corpus="files", train_path=str(train),
                                        dev_path=str(dev), column=2, vectors="none",
                                        embed_dim=6, hidden_size=5, char_filters=4, crf=crf,
                                        epochs=2))
    predictor = load_run(save_run(trained, tmp_path / "run"))
    assert isinstance(predictor, TaggerPredictor)
    sentences = [["He", "said", "the", "unseen", "deficit"], ["It", "."]]
    trained.model.eval()
    expected = predict_tags(trained.model, [encode(trained.model, s, trained.vocabs)
                                            for s in sentences])
    tagged = predictor.tag(sentences)
    assert tagged == [trained.vocabs["tags"].decode(ids) for ids in expected]
    assert predictor.tag(sentences, batching="padded") == tagged
    weights = dict(trained.model.named_parameters())
    for name, p in predictor.model.named_parameters():
        np.testing.assert_array_equal(p.numpy(), weights[name].numpy())
