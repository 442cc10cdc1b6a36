"""Tree-LSTM sentiment models (Tai, Socher, Manning 2015), written per example.

`forward(tree, word_ids)` is plain recursion over ONE tree; it runs eagerly, or batched across
a minibatch inside `treenet.autobatch()` with no change. Every node gets a sentiment
distribution: the node states of a tree are joined into one (nodes, hidden) matrix and
classified together, so a tree costs one classifier call whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from treenet import nn
from treenet.data.tree import Tree
from treenet.ops import concatenate, cross_entropy
from treenet.tensor.tensor import Tensor


def node_labels(tree: Tree) -> np.ndarray:
    """Labels of every node in post-order (children before parents), int64."""
    return np.array([n.label for n in tree.nodes()], dtype=np.int64)


class ConstituencyTreeLSTM(nn.Module):
    """Binary (N-ary) Tree-LSTM over a binarized constituency tree, classifier on every node.

    Leaf: gates = W_leaf x + b (i, o, u); internal node: the fused binary cell with a forget
    gate per child. Shapes: embedding (V, embed_dim), states (1, hidden) per node.
    """

    def __init__(self, vocab_size: int, embed_dim: int = 300, hidden_size: int = 150,
                 num_classes: int = 5, dropout: float = 0.5, sparse: bool = True) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, sparse=sparse)
        self.leaf = nn.Linear(embed_dim, 3 * hidden_size)
        self.cell = nn.BinaryTreeLSTMCell(hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, num_classes)

    def states(self, tree: Tree, word_ids: Sequence[int]) -> list[Tensor]:
        """Hidden states (1, hidden) of every node, in post-order."""
        ids = iter(np.asarray(word_ids, dtype=np.int64).reshape(-1, 1))
        states: list[Tensor] = []

        def visit(node: Tree) -> tuple[Tensor, Tensor]:
            if node.is_leaf:
                h, c = self.cell.leaf(self.leaf(self.embed(next(ids))))
            else:
                left, right = node.children
                hl, cl = visit(left)
                hr, cr = visit(right)
                h, c = self.cell(hl, cl, hr, cr)
            states.append(h)
            return h, c

        visit(tree)
        return states

    def forward(self, tree: Tree, word_ids: Sequence[int]) -> Tensor:
        """Logits (nodes, classes) for every node of `tree`, in post-order."""
        return self.out(self.dropout(concatenate(self.states(tree, word_ids))))

    def loss(self, tree: Tree, word_ids: Sequence[int], ignore_index: int = -1) -> Tensor:
        """Summed cross-entropy over the tree's labelled nodes (label -1 = no label)."""
        return cross_entropy(self.forward(tree, word_ids), node_labels(tree), reduction="sum",
                             ignore_index=ignore_index)
