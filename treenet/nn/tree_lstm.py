"""Tree-LSTM cells (Tai et al. 2015) as modules called once per tree node, each one fused op."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from treenet.nn import init
from treenet.nn.linear import Linear
from treenet.nn.module import Module
from treenet.ops.cells import binary_tree_lstm, childsum_tree_lstm, tree_lstm_leaf
from treenet.tensor.tensor import Tensor


def _as_rows(x: Tensor) -> Tensor:
    """A 1-D input (d,) as one row (1, d); 2-D inputs (n, d) unchanged."""
    return x.reshape(1, -1) if x.ndim == 1 else x


class BinaryTreeLSTMCell(Module):
    """Binary (N-ary, N = 2) Tree-LSTM with a forget gate per child, for constituency trees.

    Leaf: `h, c = cell.leaf(x)` with the word's vector x (D,) or (n, D): [i, o, u] =
    x @ W_leaf + b_leaf (D, 3H), see `treenet.ops.tree_lstm_leaf`.
    Internal node: `h, c = cell(hl, cl, hr, cr)` with children's states (n, H) (n = 1 in plain
    per-node recursion), U (2H, 5H), b (5H,): see `treenet.ops.binary_tree_lstm`.
    Both return states (n, H); each is one fused op.
    """

    def __init__(self, input_size: int, hidden_size: int, dtype: Any = np.float32) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        leaf_bound = 1.0 / math.sqrt(input_size)
        self.W_leaf = init.uniform_parameter((input_size, 3 * hidden_size), leaf_bound, dtype)
        self.b_leaf = init.uniform_parameter((3 * hidden_size,), leaf_bound, dtype)
        bound = 1.0 / math.sqrt(hidden_size)
        self.U = init.uniform_parameter((2 * hidden_size, 5 * hidden_size), bound, dtype)
        self.b = init.uniform_parameter((5 * hidden_size,), bound, dtype)

    def leaf(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Leaf states from the word's vector (D,) or (n, D) -> (h, c), each (n, H)."""
        if x.shape[-1] != self.input_size:
            raise ValueError(f"BinaryTreeLSTMCell.leaf: the input needs {self.input_size} "
                             f"columns (input_size), got shape {x.shape}")
        return tree_lstm_leaf(_as_rows(x), self.W_leaf, self.b_leaf)

    def forward(self, hl: Tensor, cl: Tensor, hr: Tensor, cr: Tensor) -> tuple[Tensor, Tensor]:
        """Internal node states from the left and right children's (n, H) -> (h, c)."""
        return binary_tree_lstm(hl, cl, hr, cr, self.U, self.b)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class ChildSumTreeLSTMCell(Module):
    """Child-sum Tree-LSTM, for trees with any number of unordered children (dependencies).

    `h, c = cell(x, hs, cs)`: x (input_size,) or (n, input_size) is the node's input; hs and cs
    its children's states, as lists of (n, H) tensors (empty at a leaf) or tensors (n, k, H).
    `input` projects x to [i, o, u, f] pre-activations (W_iou, W_f and their biases);
    U_iou (H, 3H) and U_f (H, H) act on the children: see `treenet.ops.childsum_tree_lstm`.
    """

    def __init__(self, input_size: int, hidden_size: int, dtype: Any = np.float32) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.input = Linear(input_size, 4 * hidden_size, dtype=dtype)
        bound = 1.0 / math.sqrt(hidden_size)
        self.U_iou = init.uniform_parameter((hidden_size, 3 * hidden_size), bound, dtype)
        self.U_f = init.uniform_parameter((hidden_size, hidden_size), bound, dtype)

    def forward(self, x: Tensor, hs: Sequence[Tensor] | Tensor,
                cs: Sequence[Tensor] | Tensor) -> tuple[Tensor, Tensor]:
        """Node states (h, c), each (n, H), from its input and its children's states."""
        return self.from_projection(self.project(x), hs, cs)

    def project(self, x: Tensor) -> Tensor:
        """The input's pre-activations xw (n, 4H) = [W_iou x + b_iou, W_f x + b_f]: one call
        can project the inputs of many nodes (every word of a tree) at once."""
        return self.input(_as_rows(x))

    def from_projection(self, xw: Tensor, hs: Sequence[Tensor] | Tensor,
                        cs: Sequence[Tensor] | Tensor) -> tuple[Tensor, Tensor]:
        """Node states (h, c), each (n, H), from the input's projection (`project`) and the
        children's states."""
        return childsum_tree_lstm(xw, hs, cs, self.U_iou, self.U_f)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"
