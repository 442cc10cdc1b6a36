"""Tests for treenet.data.conll: column files, sentence breaks and error reports."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treenet.data import DataFormatError, read_conll


def write(tmp_path, text, name="c.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_columns_and_sentences(tmp_path):
    path = write(tmp_path, "He PRP B-NP\nran VBD B-VP\n\nGo VB B-VP\n")
    assert read_conll(path) == [
        (["He", "ran"], ["PRP", "VBD"], ["B-NP", "B-VP"]),
        (["Go"], ["VB"], ["B-VP"]),
    ]
    assert read_conll(path, [0, 2]) == [(["He", "ran"], ["B-NP", "B-VP"]), (["Go"], ["B-VP"])]
    assert read_conll(path, [2]) == [(["B-NP", "B-VP"],), (["B-VP"],)]


def test_any_whitespace_only_line_ends_a_sentence(tmp_path):
    path = write(tmp_path, "a\tO\n\t\nb\tB-x\n  \t \nc\tO\r\n\r\n\n\nd\tO")
    sentences = read_conll(path)
    assert [s[0] for s in sentences] == [["a"], ["b"], ["c"], ["d"]]


def test_fields_split_on_ascii_whitespace_only(tmp_path):
    path = write(tmp_path, "8\u00a01/2  CD\tO\n\fx\vY Z\t\n")
    assert read_conll(path) == [(["8\u00a01/2", "x"], ["CD", "Y"], ["O", "Z"])]


def test_explicit_separator_keeps_spaces_in_tokens(tmp_path):
    path = write(tmp_path, "New York\tB-loc\n")
    assert read_conll(path, sep="\t") == [(["New York"], ["B-loc"])]


def test_docstart_lines(tmp_path):
    path = write(tmp_path, "-DOCSTART- -X- O\n\nEU NNP B-ORG\n")
    assert read_conll(path) == [(["EU"], ["NNP"], ["B-ORG"])]
    kept = read_conll(path, skip_docstart=False)
    assert kept[0] == (["-DOCSTART-"], ["-X-"], ["O"])


def test_wrong_number_of_columns(tmp_path):
    path = write(tmp_path, "a DT B-NP\nb NN I-NP\n\nc VB\n")
    with pytest.raises(DataFormatError) as info:
        read_conll(path)
    err = info.value
    assert (err.path, err.line, err.column) == (str(path), 4, None)
    assert str(err) == f"{path}:4: expected 3 fields, found 2"


def test_declared_number_of_columns(tmp_path):
    path = write(tmp_path, "a DT B-NP\n")
    with pytest.raises(DataFormatError, match=":1: expected 2 fields, found 3"):
        read_conll(path, num_columns=2)


def test_column_choice_is_checked(tmp_path):
    path = write(tmp_path, "a O\n")
    with pytest.raises(DataFormatError, match="expected at least 4 fields, found 2"):
        read_conll(path, [0, 3])
    with pytest.raises(ValueError, match="do not fit"):
        read_conll(path, [0, 3], num_columns=2)
    with pytest.raises(ValueError, match="non-negative"):
        read_conll(path, [-1])


def test_invalid_utf8(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a O\n\xc3(x O\n")
    with pytest.raises(DataFormatError, match=r":2:1: expected UTF-8 text, found byte 0xc3"):
        read_conll(path)


@settings(deadline=None, derandomize=True, max_examples=200)
@given(st.text(alphabet="ab O-\t \n\r\u00a0", max_size=60) | st.text(max_size=60))
def test_fuzz_read_conll(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.txt"
        path.write_text(text, encoding="utf-8")
        try:
            sentences = read_conll(path)
        except DataFormatError as err:
            assert err.line >= 1
        else:
            assert all(len({len(col) for col in s}) == 1 for s in sentences)


# -- real corpora (skipped without TREENET_DATA) -------------------------------------------


@pytest.mark.parametrize(
    ("name", "sentences", "tokens"),
    [
        ("conll2000/train.txt", 7936, 188_059),
        ("conll2000/dev.txt", 1000, 23_668),
        ("wnut17/train.txt", 3394, 62_730),
        ("wnut17/dev.txt", 1009, 15_733),
    ],
)
def test_real_counts(corpus, name, sentences, tokens):
    data = read_conll(corpus(name))
    assert len(data) == sentences
    assert sum(len(s[0]) for s in data) == tokens


def test_real_conll2000_columns(corpus):
    data = read_conll(corpus("conll2000/train.txt"), [0, 2])
    assert data[0][0][:3] == ["Confidence", "in", "the"]
    assert data[0][1][:3] == ["B-NP", "B-PP", "B-NP"]


def test_real_wnut17_tags(corpus):
    tags = {t for _, sent_tags in read_conll(corpus("wnut17/train.txt")) for t in sent_tags}
    assert len(tags) == 13 and "B-creative-work" in tags
