"""Tree-LSTM sentiment models (Tai, Socher, Manning 2015), written per example.

`forward(tree, word_ids)` is plain recursion over ONE tree; it runs eagerly, or batched across
a minibatch inside `treenet.autobatch()` with no change. Every node gets a sentiment
distribution: the node states of a tree are joined into one (nodes, hidden) matrix and
classified together, so a tree costs one classifier call whatever its size.

`word_ids` are the ids of the words carried by the tree's nodes in post-order (children before
parents, left to right): the leaves left to right for a constituency tree, every node for a
dependency tree (see `tree_word_ids`). A tree's words are embedded with one lookup (and a
constituency tree's leaves computed with one leaf-cell call); the recursion takes single rows
of those, which under autobatch are row views, not ops.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from treenet import nn
from treenet.data.tree import Tree
from treenet.data.vocab import Vocab
from treenet.models.vectors import word_embedding
from treenet.ops import concatenate, cross_entropy, split
from treenet.tensor.tensor import Tensor


def node_labels(tree: Tree) -> np.ndarray:
    """Labels of every node in post-order (children before parents), int64."""
    return np.array([n.label for n in tree.nodes()], dtype=np.int64)


def tree_word_ids(tree: Tree, vocab: Vocab) -> np.ndarray:
    """Ids (int64) of the words on the tree's nodes, in post-order: the `word_ids` argument."""
    return np.array(vocab.encode([n.word for n in tree.nodes() if n.word is not None]),
                    dtype=np.int64)


class TreeSentiment(nn.Module):
    """Base of the Tree-LSTM classifiers: node states -> dropout -> logits.

    Subclasses set `embed`, `dropout` and `out` and define `_encode(tree, word_ids)`, which
    returns (blocks, labels, states): the states of every node as blocks of rows (a block
    per node, or a block of many nodes) with the nodes' labels in the same order, for the
    loss; and the (1, hidden) state of each node in post-order, for `states`. `_visit`
    methods recurse over one node (a method, not a nested function calling itself: such a
    closure is a reference cycle that keeps the minibatch's graph alive until the cyclic
    garbage collector runs).
    """

    def _encode(self, tree: Tree,
                word_ids: Sequence[int]) -> tuple[list[Tensor], list[Any], list[Tensor]]:
        raise NotImplementedError

    def _embed_words(self, word_ids: Sequence[int]) -> Tensor:
        """The tree's words (words, embed_dim), with one lookup."""
        return self.embed(np.asarray(word_ids, dtype=np.int64))

    def states(self, tree: Tree, word_ids: Sequence[int]) -> Tensor:
        """Hidden states (nodes, hidden) of every node, in post-order."""
        return concatenate(self._encode(tree, word_ids)[2])

    def forward(self, tree: Tree, word_ids: Sequence[int]) -> Tensor:
        """Logits (nodes, classes) for every node of `tree`, in post-order."""
        return self.out(self.dropout(self.states(tree, word_ids)))

    def loss(self, tree: Tree, word_ids: Sequence[int], ignore_index: int = -1) -> Tensor:
        """Summed cross-entropy over the tree's labelled nodes (label -1 = no label)."""
        blocks, labels, _ = self._encode(tree, word_ids)
        logits = self.out(self.dropout(concatenate(blocks)))
        return cross_entropy(logits, np.array(labels, dtype=np.int64), reduction="sum",
                             ignore_index=ignore_index)


def _rows(*tensors: Tensor) -> Iterator[tuple[Tensor, ...]]:
    """The rows (1, ...) of equally long tensors, together, first to last."""
    return zip(*(split(t, len(t)) for t in tensors), strict=True)


class ConstituencyTreeLSTM(TreeSentiment):
    """Binary (N-ary) Tree-LSTM over a binarized constituency tree, classifier on every node.

    Leaf: gates = W_leaf x + b (i, o, u); internal node: the fused binary cell with a forget
    gate per child. Shapes: embedding (V, embed_dim), states (1, hidden) per node.
    `embeddings`: an optional (V, embed_dim) matrix (pretrained vectors) to start from.
    """

    def __init__(self, vocab_size: int, embed_dim: int = 300, hidden_size: int = 150,
                 num_classes: int = 5, dropout: float = 0.5, sparse: bool = True,
                 embeddings: np.ndarray | None = None, dtype: Any = np.float32) -> None:
        super().__init__()
        self.embed = word_embedding(vocab_size, embed_dim, embeddings, sparse, dtype)
        self.cell = nn.BinaryTreeLSTMCell(embed_dim, hidden_size, dtype=dtype)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, num_classes, dtype=dtype)

    def _encode(self, tree: Tree,
                word_ids: Sequence[int]) -> tuple[list[Tensor], list[Any], list[Tensor]]:
        """Blocks: the leaves' states as one block (all computed by one leaf-cell call), then
        each internal node's state in post-order."""
        h, c = self.cell.leaf(self._embed_words(word_ids))
        blocks, leaf_labels, labels, ordered = [h], [], [], []
        self._visit(tree, _rows(h, c), blocks, leaf_labels, labels, ordered)
        return blocks, leaf_labels + labels, ordered

    def _visit(self, node: Tree, leaves: Iterator[tuple[Tensor, Tensor]], blocks: list[Tensor],
               leaf_labels: list[Any], labels: list[Any],
               ordered: list[Tensor]) -> tuple[Tensor, Tensor]:
        """Visit `node`'s subtree: leaves take their rows of the leaf block (their labels go
        to `leaf_labels`, in the block's order), internal nodes run the cell."""
        if node.is_leaf:
            h, c = next(leaves)
            leaf_labels.append(node.label)
        else:
            left, right = node.children
            hl, cl = self._visit(left, leaves, blocks, leaf_labels, labels, ordered)
            hr, cr = self._visit(right, leaves, blocks, leaf_labels, labels, ordered)
            h, c = self.cell(hl, cl, hr, cr)
            blocks.append(h)
            labels.append(node.label)
        ordered.append(h)
        return h, c


class ChildSumTreeLSTM(TreeSentiment):
    """Child-sum Tree-LSTM (any number of children, order ignored), classifier on every node.

    A node's input x is its word's embedding (1, embed_dim), or a zero vector when the node
    carries no word: on SST's binarized constituency trees only the leaves have words, so an
    internal node is read as a child-sum node over its (at most two) children with x = 0. On a
    dependency tree every node has a word. The inputs' projections are one call per tree (a
    row each), and so are the leaves' states; a node with children costs one fused cell op,
    which takes its children's states as they are (under autobatch, gathered from where the
    children's group wrote them).
    """

    def __init__(self, vocab_size: int, embed_dim: int = 300, hidden_size: int = 150,
                 num_classes: int = 5, dropout: float = 0.5, sparse: bool = True,
                 embeddings: np.ndarray | None = None, dtype: Any = np.float32) -> None:
        super().__init__()
        self.embed = word_embedding(vocab_size, embed_dim, embeddings, sparse, dtype)
        self.cell = nn.ChildSumTreeLSTMCell(embed_dim, hidden_size, dtype=dtype)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, num_classes, dtype=dtype)

    def _encode(self, tree: Tree,
                word_ids: Sequence[int]) -> tuple[list[Tensor], list[Any], list[Tensor]]:
        """A block per node, in post-order. The words' input projections are computed with
        one call per tree, and so are the states every word would have as a leaf (a cell with
        no children is elementwise, so this costs little where words sit on inner nodes too);
        nodes without a word share one projection of zeros."""
        states: list[Tensor] = []
        labels: list[Any] = []
        words = None
        if len(word_ids):
            projected = self.cell.project(self._embed_words(word_ids))
            words = _rows(projected, *self.cell.from_projection(projected, [], []))
        no_word = (self.cell.project(self._no_word())
                   if any(n.word is None for n in tree.nodes()) else None)
        self._visit(tree, words, no_word, states, labels)
        return states, labels, states

    def _visit(self, node: Tree, words: Iterator[tuple[Tensor, Tensor, Tensor]] | None,
               no_word: Tensor | None, states: list[Tensor],
               labels: list[Any]) -> tuple[Tensor, Tensor]:
        """Visit `node`'s subtree: a leaf with a word takes its rows of the leaf states, other
        nodes run the cell over their children."""
        children = [self._visit(child, words, no_word, states, labels)
                    for child in node.children]
        if node.word is None:
            xw = no_word
        else:
            xw, h, c = next(words)
        if children or node.word is None:
            h, c = self.cell.from_projection(xw, [s[0] for s in children],
                                             [s[1] for s in children])
        states.append(h)
        labels.append(node.label)
        return h, c

    def _no_word(self) -> Tensor:
        """The input (1, embed_dim) of a node that carries no word: zeros."""
        weight = self.embed.weight
        return Tensor(weight.backend.xp.zeros((1, self.embed.embedding_dim), weight.dtype))
