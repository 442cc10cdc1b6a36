"""Tests for treenet.data.conllu: CoNLL-U sentences, skipped lines and head validation."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treenet.data import DataFormatError, read_conllu


def row(i, form, head, rel, upos="X"):
    return f"{i}\t{form}\t{form.lower()}\t{upos}\t_\t_\t{head}\t{rel}\t_\t_"


SENTENCE = "\n".join(
    [
        "# sent_id = s1",
        "# text = I don't know.",
        "# a comment without equals sign",
        row(1, "I", 3, "nsubj", "PRON"),
        "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_",
        row(2, "do", 3, "aux", "AUX"),
        row(3, "n't", 0, "root", "PART"),
        "3.1\tknow\tknow\tVERB\t_\t_\t_\t_\t0:root\t_",
        row(4, "know", 3, "xcomp", "VERB"),
        row(5, ".", 3, "punct", "PUNCT"),
    ]
)


def write(tmp_path, text):
    path = tmp_path / "u.conllu"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_words_and_skips_multiword_and_empty_nodes(tmp_path):
    path = write(tmp_path, SENTENCE + "\n\n" + row(1, "Hi", 0, "root") + "\n\n")
    first, second = read_conllu(path)
    assert first.words == ["I", "do", "n't", "know", "."]
    assert first.heads == [3, 3, 0, 3, 3]
    assert first.upos == ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    assert first.deprels[0] == "nsubj" and first.lemmas[0] == "i"
    assert first.meta == {"sent_id": "s1", "text": "I don't know."}
    assert len(first) == 5 and second.words == ["Hi"]


def test_tree_of_a_sentence(tmp_path):
    (sentence,) = read_conllu(write(tmp_path, SENTENCE + "\n"))
    tree = sentence.tree()
    assert tree.word == "n't" and tree.label == "root" and tree.index == 2
    assert [c.word for c in tree.children] == ["I", "do", "know", "."]
    assert tree.to_string() == "(root n't (nsubj I) (aux do) (xcomp know) (punct .))"


@pytest.mark.parametrize(
    ("lines", "line", "column", "message"),
    [
        ([row(1, "a", "x", "root")], 1, 13, "expected an integer HEAD, found 'x'"),
        ([row(1, "a", "-1", "root")], 1, 13, "expected an integer HEAD, found '-1'"),
        ([row(1, "a", "_", "root")], 1, 13, "expected an integer HEAD, found '_'"),
        ([row(1, "a", 0, "root"), row(2, "bb", 3, "dep")], 2, 15, "expected a HEAD in 0..2"),
        ([row(1, "a", 0, "root"), row(3, "b", 1, "dep")], 2, 1, "expected word ID 2"),
        ([row(1, "a", 0, "root"), "2\tb\tb\tX\t_\t_\t1\tdep"], 2, None, "expected 10 tab"),
        ([row(1, "a", 0, "root"), row(2, "b", 0, "root")], 1, None, "exactly one word"),
        ([row(1, "a", 0, "root"), row(2, "b", 3, "x"), row(3, "c", 2, "x")], 1, None, "cycle"),
    ],
)
def test_bad_lines_raise_located_errors(tmp_path, lines, line, column, message):
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=message) as info:
        read_conllu(path)
    assert (info.value.path, info.value.line, info.value.column) == (str(path), line, column)


def test_error_lines_count_from_the_file_start(tmp_path):
    text = SENTENCE + "\n\n" + row(1, "x", 2, "root") + "\n"
    with pytest.raises(DataFormatError, match=r"u\.conllu:12:13: expected a HEAD in 0\.\.1"):
        read_conllu(write(tmp_path, text))


@settings(deadline=None, derandomize=True, max_examples=200)
@given(
    st.lists(
        st.one_of(
            st.builds(
                row,
                st.sampled_from(["1", "2", "3", "1-2", "1.1", "x"]),
                st.sampled_from(["a", "b"]),
                st.sampled_from(["0", "1", "2", "4", "-1", "_"]),
                st.just("dep"),
            ),
            st.sampled_from(["", "# text = a", "\t", "1\ta"]),
            st.text(max_size=12),
        ),
        max_size=8,
    )
)
def test_fuzz_read_conllu(lines):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.conllu"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            sentences = read_conllu(path)
        except DataFormatError as err:
            assert err.line >= 1
        else:
            for sentence in sentences:
                assert len(sentence.tree().nodes()) == len(sentence)


def test_real_atis_counts(corpus):
    train = read_conllu(corpus("ud_english_atis/train.conllu"))
    assert len(train) == 4274
    assert sum(len(s) for s in train) == 48_655
    assert all(s.heads.count(0) == 1 for s in train)
    dev = read_conllu(corpus("ud_english_atis/dev.conllu"))
    assert (len(dev), sum(len(s) for s in dev)) == (572, 6644)
    assert train[0].meta["sent_id"] == "0001.train"
