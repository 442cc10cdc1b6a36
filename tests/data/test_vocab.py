"""Tests for treenet.data.vocab: building, lookup, characters and JSON round trips."""

from __future__ import annotations

import json

import pytest

from treenet.data import Vocab

SENTENCES = [["the", "cat", "sat"], ["The", "dog", "sat"], ["the", "end", "the"]]


def test_build_orders_by_frequency_then_string():
    vocab = Vocab.build(SENTENCES)
    assert vocab.itos == ["<pad>", "<unk>", "the", "sat", "The", "cat", "dog", "end"]
    assert (vocab.pad_id, vocab.unk_id) == (0, 1)
    assert vocab["cat"] == 5 and vocab["zebra"] == 1
    assert "cat" in vocab and "zebra" not in vocab
    assert len(vocab) == 8


def test_min_freq_max_size_and_lowercasing():
    assert Vocab.build(SENTENCES, min_freq=2).itos == ["<pad>", "<unk>", "the", "sat"]
    assert Vocab.build(SENTENCES, max_size=1).itos == ["<pad>", "<unk>", "the"]
    lower = Vocab.build(SENTENCES, lower=True, min_freq=2)
    assert lower.itos == ["<pad>", "<unk>", "the", "sat"]
    assert lower["THE"] == lower["the"] == 2 and "tHe" in lower


def test_specials_can_be_left_out_and_are_not_counted_twice():
    tags = Vocab.build([["B-NP", "O"], ["O"]], pad=None, unk=None)
    assert tags.itos == ["O", "B-NP"] and tags.pad_id is None and tags.unk_id is None
    with pytest.raises(KeyError):
        tags["I-NP"]
    vocab = Vocab.build([["<unk>", "a", "<pad>"]])
    assert vocab.itos == ["<pad>", "<unk>", "a"]


def test_encode_decode():
    vocab = Vocab.build(SENTENCES)
    ids = vocab.encode(["the", "unseen", "dog"])
    assert ids == [2, 1, 6]
    assert vocab.decode(ids) == ["the", "<unk>", "dog"]


def test_character_vocabulary():
    chars = Vocab.build_chars(SENTENCES, pad="<p>", unk="<u>")
    assert chars.itos[:2] == ["<p>", "<u>"]
    assert set(chars.itos[2:]) == set("thecasTdogn")
    assert chars.itos[2] == "t"  # most frequent character
    assert chars.encode("cat") == [chars["c"], chars["a"], chars["t"]]


def test_json_round_trip():
    vocab = Vocab.build(SENTENCES + [["naïve", "日本"]], lower=True, unk="[UNK]")
    text = vocab.to_json()
    again = Vocab.from_json(text)
    assert again == vocab and again.itos == vocab.itos and again.lower
    assert again["NAÏVE"] == vocab["naïve"]
    assert json.loads(text)["unk"] == "[UNK]"
    assert Vocab.from_dict(vocab.to_dict()) == vocab
    assert vocab != Vocab.build(SENTENCES)
    assert "Vocab(" in repr(vocab)


def test_from_dict_rejects_inconsistent_data():
    with pytest.raises(ValueError, match="twice"):
        Vocab.from_dict(
            {"tokens": ["<pad>", "<unk>", "a", "a"], "pad": "<pad>", "unk": "<unk>", "lower": False}
        )
    with pytest.raises(ValueError, match="out of place"):
        Vocab.from_dict(
            {"tokens": ["a", "<pad>", "<unk>"], "pad": "<pad>", "unk": "<unk>", "lower": False}
        )
