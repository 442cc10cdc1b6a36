"""The ``Tree`` type and the structural operations on it (traversal, binarization, conversion)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nltk

__all__ = [
    "Label",
    "Tree",
    "binarize",
    "collapse_unary",
    "dependency_tree",
    "fold",
    "from_nltk",
    "map_labels",
    "to_nltk",
]

Label = int | str | None


class Tree:
    """A node of a constituency or dependency tree.

    ``label`` is the node's label (an int such as an SST sentiment class, a str such as a
    phrase category or a dependency relation, or None when unknown). ``children`` is the
    list of child nodes, in sentence order. ``word`` is the node's token: set on every leaf
    of a constituency tree (a PTB pre-terminal ``(label word)`` is one leaf node) and on
    every node of a dependency tree. ``index`` is the 0-based position of ``word`` in its
    sentence when known (dependency trees and trees built from text), else None.
    """

    __slots__ = ("label", "children", "word", "index")

    def __init__(
        self,
        label: Label = None,
        children: list[Tree] | None = None,
        word: str | None = None,
        index: int | None = None,
    ) -> None:
        self.label = label
        self.children = [] if children is None else children
        self.word = word
        self.index = index

    @property
    def is_leaf(self) -> bool:
        """True when the node has no children."""
        return not self.children

    def nodes(self) -> list[Tree]:
        """All nodes in post-order: every child comes before its parent, left to right."""
        out = []
        stack = [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(node.children)
        out.reverse()
        return out

    def leaves(self) -> list[Tree]:
        """The leaf nodes, left to right."""
        return [node for node in self.nodes() if not node.children]

    def words(self) -> list[str | None]:
        """The leaves' words, left to right (the sentence, for a constituency tree)."""
        return [node.word for node in self.nodes() if not node.children]

    def to_string(self) -> str:
        """Write the tree in PTB bracket notation, the inverse of ``parse_tree``.

        A labelled leaf is written ``(label word)`` and an unlabelled one as a bare word; a
        node with children is ``(label child ...)``, with ``_`` for a missing label and, for a
        dependency node, its word before its children. Parentheses inside words are written
        as ``-LRB-`` / ``-RRB-``. Trees read by ``parse_tree`` print back to the same tokens.
        """
        parts: list[str] = []
        stack: list[Tree | None] = [self]  # None marks a closing bracket
        while stack:
            node = stack.pop()
            if node is None:
                parts.append(")")
                continue
            word = None if node.word is None else _escape(node.word)
            if not node.children:
                parts.append(word if node.label is None else f"({node.label} {word})")
                continue
            parts.append("(_" if node.label is None else f"({node.label}")
            if word is not None:
                parts.append(word)
            stack.append(None)
            stack.extend(reversed(node.children))
        return " ".join(parts).replace(" )", ")")

    def __repr__(self) -> str:
        text = self.to_string()
        return f"Tree({text if len(text) <= 80 else text[:77] + '...'})"


def _escape(word: str) -> str:
    return word.replace("(", "-LRB-").replace(")", "-RRB-")


def fold(tree: Tree, fn: Callable[[Tree, list[Any]], Any]) -> Any:
    """Compute ``fn(node, [results of its children])`` bottom-up, without recursion, and
    return the root's result (copies and conversions of trees are folds)."""
    done: dict[int, Any] = {}
    for node in tree.nodes():
        done[id(node)] = fn(node, [done.pop(id(child)) for child in node.children])
    return done[id(tree)]


def map_labels(tree: Tree, fn: Callable[[Label], Label]) -> Tree:
    """Return a copy of ``tree`` with every label replaced by ``fn(label)``."""
    return fold(tree, lambda n, kids: Tree(fn(n.label), kids, n.word, n.index))


def collapse_unary(tree: Tree, *, join: str = "+", collapse_leaves: bool = False) -> Tree:
    """Return a copy in which chains of single-child nodes are merged into one node.

    The merged node's label joins the chain's labels with ``join`` (``S+VP``); a None label
    is skipped. A parent whose only child is a leaf (``(NP (NN dog))``) is kept, as in
    ``nltk.Tree.collapse_unary``'s default, unless ``collapse_leaves`` is set, which merges it
    into the leaf (``(NP+NN dog)``). Nodes carrying a word (dependency nodes) are kept.
    """

    def make(node: Tree, kids: list[Tree]) -> Tree:
        if len(kids) != 1 or node.word is not None or (kids[0].is_leaf and not collapse_leaves):
            return Tree(node.label, kids, node.word, node.index)
        child = kids[0]
        if node.label is None:
            label = child.label
        elif child.label is None:
            label = node.label
        else:
            label = f"{node.label}{join}{child.label}"
        return Tree(label, child.children, child.word, child.index)

    return fold(tree, make)


def binarize(tree: Tree, *, factor: str = "right", mark: str = "|") -> Tree:
    """Return a copy in which every node has at most two children.

    A node ``X`` with children ``c1 ... ck`` (k > 2) becomes ``(X c1 (X| c2 (X| ... ck)))``
    for ``factor="right"`` or ``(X (X| (X| c1 c2) ...) ck)`` for ``factor="left"``. The new
    intermediate nodes are labelled ``X`` + ``mark`` when ``X`` is a string, else None. Unary
    nodes are left alone (see ``collapse_unary``).
    """
    if factor not in ("right", "left"):
        raise ValueError(f"factor must be 'right' or 'left', not {factor!r}")

    def make(node: Tree, kids: list[Tree]) -> Tree:
        if len(kids) <= 2:
            return Tree(node.label, kids, node.word, node.index)
        inner = f"{node.label}{mark}" if isinstance(node.label, str) else None
        if factor == "right":
            sub = Tree(inner, kids[-2:])
            for kid in reversed(kids[1:-2]):
                sub = Tree(inner, [kid, sub])
            return Tree(node.label, [kids[0], sub], node.word, node.index)
        sub = Tree(inner, kids[:2])
        for kid in kids[2:-1]:
            sub = Tree(inner, [sub, kid])
        return Tree(node.label, [sub, kids[-1]], node.word, node.index)

    return fold(tree, make)


def dependency_tree(
    words: Sequence[str], heads: Sequence[int], labels: Sequence[Label] | None = None
) -> Tree:
    """Build a dependency tree: one node per word, its dependents as children in order.

    ``heads`` follows CoNLL-U: ``heads[i]`` is the 1-based position of word ``i``'s head and
    0 marks the root. Node ``i`` gets ``word=words[i]``, ``index=i`` and ``label=labels[i]``
    (e.g. the relation to its head). Raises ``ValueError`` unless the heads form one tree
    with exactly one root.
    """
    n = len(words)
    if len(heads) != n or (labels is not None and len(labels) != n):
        raise ValueError("words, heads and labels must have the same length")
    if n == 0:
        raise ValueError("a dependency tree needs at least one word")
    nodes = [Tree(None if labels is None else labels[i], [], words[i], i) for i in range(n)]
    roots = [i for i, h in enumerate(heads) if h == 0]
    if len(roots) != 1:
        raise ValueError(f"expected exactly one root (head 0), found {len(roots)}")
    for i, h in enumerate(heads):
        if not 0 <= h <= n:
            raise ValueError(f"head {h} of word {i + 1} is outside 0..{n}")
        if h:
            nodes[h - 1].children.append(nodes[i])
    if len(nodes[roots[0]].nodes()) != n:  # words off the root's tree sit on a cycle
        raise ValueError("the heads contain a cycle")
    return nodes[roots[0]]


def to_nltk(tree: Tree) -> nltk.Tree:
    """Convert to ``nltk.Tree`` (needs nltk): labelled leaves become ``Tree(label, [word])``,
    unlabelled leaves plain strings; a dependency node's word comes before its children."""
    import nltk

    def make(node: Tree, kids: list[Any]) -> Any:
        if not kids and node.label is None:
            return node.word
        return nltk.Tree(node.label, ([] if node.word is None else [node.word]) + kids)

    return fold(tree, make)


def from_nltk(tree: nltk.Tree | str) -> Tree:
    """Convert an ``nltk.Tree`` (a pre-terminal ``Tree(label, [word])`` becomes one leaf)."""
    if isinstance(tree, str):
        return Tree(None, [], tree)
    if len(tree) == 1 and isinstance(tree[0], str):
        return Tree(tree.label(), [], tree[0])
    return Tree(tree.label(), [from_nltk(child) for child in tree])
