"""Hand-batched (level-wise) execution of the constituency Tree-LSTM over a whole minibatch.

The classic way to batch tree models, kept for comparison with per-example code under
`treenet.autobatch()`: the nodes of all trees are grouped by height, and each level runs one
leaf or cell call over all its nodes, gathering the children's states by index. It uses the
parameters of a `ConstituencyTreeLSTM` as they are and computes the same logits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from treenet.data.tree import Tree
from treenet.models.tree_lstm import ConstituencyTreeLSTM
from treenet.ops import concatenate, cross_entropy
from treenet.tensor.tensor import Tensor


def _levels(trees: Sequence[Tree]) -> list[list[Tree]]:
    """The nodes of all trees by height (leaves first), each level in tree and post-order."""
    height: dict[int, int] = {}
    levels: dict[int, list[Tree]] = {}
    for tree in trees:
        for node in tree.nodes():
            h = 0 if node.is_leaf else 1 + max(height[id(child)] for child in node.children)
            height[id(node)] = h
            levels.setdefault(h, []).append(node)
    return [levels[h] for h in sorted(levels)]


def levelwise_logits(model: ConstituencyTreeLSTM, trees: Sequence[Tree],
                     word_ids: Sequence[Sequence[int]]) -> tuple[Tensor, np.ndarray]:
    """Logits (nodes, classes) of every node of the minibatch, level by level, and the nodes'
    labels in the same order."""
    levels = _levels(trees)
    word_of = {id(leaf): w for tree, ids in zip(trees, word_ids, strict=True)
               for leaf, w in zip(tree.leaves(), ids, strict=True)}
    position = {id(node): i for i, node in enumerate(n for level in levels for n in level)}
    h, c = model.cell.leaf(model.embed(np.array([word_of[id(n)] for n in levels[0]])))
    for level in levels[1:]:
        left = np.array([position[id(n.children[0])] for n in level])
        right = np.array([position[id(n.children[1])] for n in level])
        hn, cn = model.cell(h[left], c[left], h[right], c[right])
        h, c = concatenate([h, hn]), concatenate([c, cn])
    labels = np.array([n.label for level in levels for n in level], dtype=np.int64)
    return model.out(model.dropout(h)), labels


def levelwise_loss(model: ConstituencyTreeLSTM, trees: Sequence[Tree],
                   word_ids: Sequence[Sequence[int]], ignore_index: int = -1) -> Tensor:
    """The minibatch's summed loss, equal to the sum of `model.loss` over its trees."""
    logits, labels = levelwise_logits(model, trees, word_ids)
    return cross_entropy(logits, labels, reduction="sum", ignore_index=ignore_index)
