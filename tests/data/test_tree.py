"""Tests for treenet.data.tree: the Tree type, traversal, transforms and conversions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treenet.data import (
    Tree,
    binarize,
    collapse_unary,
    dependency_tree,
    fold,
    from_nltk,
    map_labels,
    parse_tree,
    to_nltk,
)


def leaf(label, word):
    return Tree(label, [], word)


def test_nodes_are_post_order_left_to_right():
    a, b, c = leaf(1, "a"), leaf(2, "b"), leaf(3, "c")
    inner = Tree(4, [a, b])
    root = Tree(5, [inner, c])
    assert root.nodes() == [a, b, inner, c, root]
    assert root.leaves() == [a, b, c]
    assert root.words() == ["a", "b", "c"]
    assert a.is_leaf and not root.is_leaf


def test_default_children_are_not_shared():
    x, y = Tree("X"), Tree("Y")
    x.children.append(leaf("A", "a"))
    assert y.children == []


def test_to_string_writes_ptb_brackets():
    root = Tree(3, [leaf(2, "The"), Tree(4, [leaf(2, "good"), leaf(2, "film")])])
    assert root.to_string() == "(3 (2 The) (4 (2 good) (2 film)))"
    assert repr(leaf(1, "x")) == "Tree((1 x))"


def test_to_string_escapes_brackets_and_marks_missing_labels():
    root = Tree(None, [Tree(None, [], "("), Tree(None, [], "a)b")])
    assert root.to_string() == "(_ -LRB- a-RRB-b)"


def test_to_string_of_a_dependency_node_puts_its_word_first():
    tree = dependency_tree(["the", "cat"], [2, 0], ["det", "root"])
    assert tree.to_string() == "(root cat (det the))"


def test_deep_trees_need_no_recursion():
    tree = leaf(0, "w")
    for _ in range(20_000):
        tree = Tree(0, [tree])
    assert len(tree.nodes()) == 20_001
    assert map_labels(tree, lambda label: label + 1).label == 1
    assert tree.to_string().count("(") == 20_001


def test_binarize_right_and_left():
    tree = parse_tree("(S (A a) (B b) (C c) (D d))")
    assert binarize(tree).to_string() == "(S (A a) (S| (B b) (S| (C c) (D d))))"
    left = binarize(tree, factor="left")
    assert left.to_string() == "(S (S| (S| (A a) (B b)) (C c)) (D d))"
    with pytest.raises(ValueError, match="factor"):
        binarize(tree, factor="middle")


def test_binarize_int_labels_get_none_on_new_nodes():
    tree = Tree(1, [leaf(0, "a"), leaf(0, "b"), leaf(0, "c")])
    out = binarize(tree)
    assert out.children[1].label is None
    assert tree.to_string() == "(1 (0 a) (0 b) (0 c))"  # the input is not modified


def test_collapse_unary_keeps_preterminals_by_default():
    tree = parse_tree("(ROOT (S (NP (NN dog)) (VP (VB runs))))")
    assert collapse_unary(tree).to_string() == "(ROOT+S (NP (NN dog)) (VP (VB runs)))"
    collapsed = collapse_unary(tree, collapse_leaves=True, join="/")
    assert collapsed.to_string() == "(ROOT/S (NP/NN dog) (VP/VB runs))"


def test_collapse_unary_skips_missing_labels_and_keeps_dependency_nodes():
    tree = Tree(None, [Tree("S", [leaf("A", "a"), leaf("B", "b")])])
    assert collapse_unary(tree).to_string() == "(S (A a) (B b))"
    dep = dependency_tree(["big", "dog"], [2, 0], ["amod", "root"])
    assert collapse_unary(dep, collapse_leaves=True).to_string() == "(root dog (amod big))"


def test_map_labels_and_fold():
    tree = parse_tree("(3 (2 a) (4 b))", num_classes=5)
    doubled = map_labels(tree, lambda label: 2 * label)
    assert doubled.to_string() == "(6 (4 a) (8 b))"
    assert fold(tree, lambda node, kids: 1 + sum(kids)) == 3


def test_dependency_tree_builds_children_in_order():
    words = ["the", "cat", "sat", "down"]
    tree = dependency_tree(words, [2, 3, 0, 3], ["det", "nsubj", "root", "advmod"])
    assert tree.word == "sat" and tree.index == 2 and tree.label == "root"
    assert [c.word for c in tree.children] == ["cat", "down"]
    assert sorted(n.index for n in tree.nodes()) == [0, 1, 2, 3]
    assert tree.nodes()[-1] is tree


@pytest.mark.parametrize(
    ("heads", "message"),
    [
        ([0, 0], "exactly one root"),
        ([2, 1], "exactly one root"),
        ([0, 3, 2], "cycle"),
        ([0, 5], "outside"),
        ([0], "same length"),
    ],
)
def test_dependency_tree_rejects_non_trees(heads, message):
    with pytest.raises(ValueError, match=message):
        dependency_tree(["a", "b", "c"][: max(len(heads), 2)], heads)


def test_dependency_tree_needs_words():
    with pytest.raises(ValueError, match="at least one"):
        dependency_tree([], [])


def test_nltk_round_trip():
    nltk = pytest.importorskip("nltk", reason="nltk is not installed")
    tree = parse_tree("(S (NP the big cat) (VP (V sat)) (. .))")
    converted = to_nltk(tree)
    assert isinstance(converted, nltk.Tree)
    assert converted.leaves() == ["the", "big", "cat", "sat", "."]
    assert converted[1][0] == nltk.Tree("V", ["sat"])
    assert from_nltk(converted).to_string() == tree.to_string()
    assert from_nltk(nltk.Tree.fromstring("(3 (2 a) (4 b))")).to_string() == "(3 (2 a) (4 b))"


# -- property tests ---------------------------------------------------------------------

_words = st.text(alphabet="abcxyz\u00a0é-\\/*.,'`", min_size=1, max_size=5)
_labels = st.sampled_from(["0", "1", "2", "3", "4", "NP", "S|", "-NONE-"])


def _trees(max_leaves: int = 12):
    leaves = st.builds(lambda lab, w: Tree(lab, [], w), _labels, _words)
    return st.recursive(
        leaves,
        lambda kids: st.builds(
            lambda lab, cs: Tree(lab, cs), _labels, st.lists(kids, min_size=1, max_size=4)
        ),
        max_leaves=max_leaves,
    )


@settings(deadline=None, derandomize=True, max_examples=200)
@given(_trees())
def test_to_string_round_trips_through_the_reader(tree):
    text = tree.to_string()
    again = parse_tree(text)
    assert again.to_string() == text
    assert again.words() == tree.words()


@settings(deadline=None, derandomize=True, max_examples=200)
@given(_trees(), st.sampled_from(["left", "right"]))
def test_binarize_keeps_words_and_bounds_branching(tree, factor):
    out = binarize(collapse_unary(tree), factor=factor)
    assert out.words() == tree.words()
    assert all(len(node.children) <= 2 for node in out.nodes())
