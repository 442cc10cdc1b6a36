"""Tests for treenet.data.ptb: the bracket reader, its escapes and its error reports."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treenet.data import DataFormatError, parse_tree, read_trees, unescape_word


def test_parse_sst_style_tree_with_int_labels():
    tree = parse_tree("(3 (2 The) (4 (3 good) (2 film)))", num_classes=5)
    assert tree.label == 3
    assert [n.label for n in tree.nodes()] == [2, 3, 2, 4, 3]
    assert tree.words() == ["The", "good", "film"]
    assert all(isinstance(n.label, int) for n in tree.nodes())


def test_string_labels_and_bare_words():
    tree = parse_tree("(S (NP the cat) (VP sleeps))")
    np_ = tree.children[0]
    assert np_.label == "NP" and [c.word for c in np_.children] == ["the", "cat"]
    assert np_.children[0].label is None
    assert tree.children[1].is_leaf and tree.children[1].word == "sleeps"


def test_tokens_split_on_ascii_whitespace_only():
    tree = parse_tree("(2\t(2 8\u00a01\\/2)  (2 x\u2009y)\r)")
    assert tree.words() == ["8\u00a01\\/2", "x\u2009y"]


def test_unescape():
    tree = parse_tree("(X (A -LRB-) (B 1\\/2) (C \\*) (D -RCB-) (E a-LRB-b))", unescape=True)
    assert tree.words() == ["(", "1/2", "*", "}", "a-LRB-b"]
    assert unescape_word("-LSB-") == "["
    assert unescape_word("plain") == "plain"


@pytest.mark.parametrize(
    ("text", "column", "expected", "found"),
    [
        ("(2 (2 a)", 9, "')'", "end of line"),
        ("(2 (2 a)))", 10, "end of line", "')'"),
        ("((2 a) (2 b))", 2, "a label", "'('"),
        ("(2 (7 a) (2 b))", 5, "an integer label in 0..4", "'7'"),
        ("(2 (x a) (2 b))", 5, "an integer label in 0..4", "'x'"),
        ("(2 (-1 a) (2 b))", 5, "an integer label in 0..4", "'-1'"),
        ("(2)", 3, "a word or '('", "')'"),
        ("", 1, "a tree", "end of line"),
        ("   ", 1, "a tree", "end of line"),
        ("word", 1, "'('", "'word'"),
        ("(2 a) (2 b)", 7, "end of line", "'('"),
        ("(2 a) extra", 7, "end of line", "'extra'"),
        (")", 1, "'('", "')'"),
        ("(", 2, "a label", "end of line"),
    ],
)
def test_malformed_trees_raise_located_errors(text, column, expected, found):
    with pytest.raises(DataFormatError) as info:
        parse_tree(text, num_classes=5, path="x.txt", line=7)
    err = info.value
    assert (err.path, err.line, err.column) == ("x.txt", 7, column)
    assert (err.expected, err.found) == (expected, found)
    assert str(err) == f"x.txt:7:{column}: expected {expected}, found {found}"
    assert isinstance(err, ValueError)


def test_error_survives_pickling():
    err = DataFormatError("f.txt", 3, "a label", "'('", column=2)
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.column == 2
    assert str(DataFormatError("f.txt", 3, "x", "y")) == "f.txt:3: expected x, found y"


def test_read_trees_reads_one_tree_per_line(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("(1 (0 a) (1 b))\n(4 (4 c))\r\n\n\n", encoding="utf-8")
    trees = read_trees(path, num_classes=5)
    assert [t.to_string() for t in trees] == ["(1 (0 a) (1 b))", "(4 (4 c))"]


def test_read_trees_rejects_an_empty_line_in_the_middle(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("(1 a)\n\n(2 b)\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"t\.txt:2:1: expected a tree, found end of line"):
        read_trees(path)


def test_read_trees_reports_the_line_of_a_bad_tree(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("(1 a)\n(2 b)\n(3 (5 c))\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        read_trees(path, num_classes=5)
    assert (info.value.line, info.value.column) == (3, 5)
    assert str(path) in str(info.value)


def test_read_trees_rejects_invalid_utf8(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"(1 a)\n(2 b\xffc)\n")
    with pytest.raises(DataFormatError) as info:
        read_trees(path)
    err = info.value
    assert (err.line, err.column) == (2, 5)
    assert err.expected == "UTF-8 text" and err.found == "byte 0xff"


def test_deeply_nested_input_parses_without_recursion():
    depth = 50_000
    tree = parse_tree("(1 " * depth + "w" + ")" * depth)
    assert len(tree.nodes()) == depth


def test_reading_leaves_the_garbage_collector_enabled(tmp_path):
    import gc

    path = tmp_path / "t.txt"
    path.write_text("(1 a)\n(x\n", encoding="utf-8")
    with pytest.raises(DataFormatError):
        read_trees(path)
    assert gc.isenabled()


# -- fuzzing: arbitrary input gives a tree or a DataFormatError, nothing else -------------

_bracketish = st.text(alphabet="() 01234abX\t\u00a0\n-\\/", max_size=40)


@settings(deadline=None, derandomize=True, max_examples=200)
@given(st.one_of(_bracketish, st.text(max_size=40)), st.sampled_from([None, 5]))
def test_fuzz_parse_tree(text, num_classes):
    try:
        tree = parse_tree(text, num_classes=num_classes)
    except DataFormatError as err:
        assert err.line == 1 and 1 <= err.column <= len(text) + 1
    else:
        assert parse_tree(tree.to_string(), num_classes=num_classes).to_string() == (
            tree.to_string()
        )


@settings(deadline=None, derandomize=True, max_examples=200)
@given(st.binary(max_size=60) | _bracketish.map(lambda s: s.encode("utf-8")))
def test_fuzz_read_trees(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.txt"
        path.write_bytes(data)
        try:
            trees = read_trees(path, num_classes=5)
        except DataFormatError as err:
            assert err.path == str(path) and err.line >= 1
        else:
            assert all(t.label in range(5) for t in trees)
