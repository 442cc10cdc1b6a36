"""Recurrent layers: LSTM and GRU cells, and a (bi)LSTM over variable-length sequences."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from treenet.nn import init
from treenet.nn.module import Module, ModuleList
from treenet.ops.cells import lstm_cell, lstm_sequence, lstm_step
from treenet.ops.dropout import dropout
from treenet.ops.elementwise import sigmoid, tanh
from treenet.ops.linalg import linear
from treenet.ops.shape import concatenate
from treenet.tensor.tensor import Tensor


def _zero_state(like: Tensor, hidden_size: int) -> Tensor:
    """A constant (n, hidden_size) zero state on like's device, n = like's rows."""
    return Tensor(like.backend.xp.zeros((like.shape[0], hidden_size), dtype=like.dtype))


class LSTMCell(Module):
    """One LSTM step as one fused op (gates i, f, g, o as PyTorch).

    W (input_size, 4H), U (H, 4H), b (4H,); torch's weight_ih is W.T, weight_hh is U.T and
    bias_ih + bias_hh is b. All start at U(-1/sqrt(H), 1/sqrt(H)), as in PyTorch.
    """

    def __init__(self, input_size: int, hidden_size: int, dtype: Any = np.float32) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.W = init.uniform_parameter((input_size, 4 * hidden_size), bound, dtype)
        self.U = init.uniform_parameter((hidden_size, 4 * hidden_size), bound, dtype)
        self.b = init.uniform_parameter((4 * hidden_size,), bound, dtype)

    def forward(self, x: Tensor,
                state: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """x (n, input_size), state (h, c) each (n, H) or None for zeros -> (h', c')."""
        h, c = self._state(x, state)
        return lstm_cell(x, h, c, self.W, self.U, self.b)

    def input_projection(self, x: Tensor) -> Tensor:
        """x @ W + b (n, 4H): the input's share of the gates, for many steps in one call."""
        return linear(x, self.W, self.b)

    def step(self, gx: Tensor,
             state: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """One step from rows gx (n, 4H) of `input_projection`; equals forward(x, state)."""
        h, c = self._state(gx, state)
        return lstm_step(gx, h, c, self.U)

    def sequence(self, x: Tensor, reverse: bool = False,
                 lengths: tuple[int, ...] | None = None) -> Tensor:
        """Outputs h (T, H) of the cell stepping through the rows of x (T, input_size) from a
        zero state (last row first with `reverse`): two ops (`input_projection`, then one
        `lstm_sequence`), so under autobatch the sequences of many examples run as one
        packed recurrence. Equals `step` over the rows of `input_projection(x)`. `lengths`:
        x holds several sequences joined end to end."""
        return lstm_sequence(self.input_projection(x), self.U, lengths=lengths,
                             reverse=reverse)

    def _state(self, like: Tensor,
               state: tuple[Tensor, Tensor] | None) -> tuple[Tensor, Tensor]:
        """`state`, or zeros (h, c) with like's rows."""
        if state is None:
            zeros = _zero_state(like, self.hidden_size)
            return zeros, zeros
        return state

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class GRUCell(Module):
    """One GRU step with PyTorch's equations, composed from primitive ops (gates r, z, n):

    r, z = sigmoid(x W_rz + b_rz + h U_rz), n = tanh(x W_n + b_n + r * (h U_n + b_hn)),
    h' = (1 - z) n + z h. W (input_size, 3H), U (H, 3H), b (3H,) = bias_ih plus bias_hh's r and
    z parts, b_hn (H,) = bias_hh's n part (inside r's product, so kept apart).
    """

    def __init__(self, input_size: int, hidden_size: int, dtype: Any = np.float32) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.W = init.uniform_parameter((input_size, 3 * hidden_size), bound, dtype)
        self.U = init.uniform_parameter((hidden_size, 3 * hidden_size), bound, dtype)
        self.b = init.uniform_parameter((3 * hidden_size,), bound, dtype)
        self.b_hn = init.uniform_parameter((hidden_size,), bound, dtype)

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        """x (n, input_size), h (n, H) or None for zeros -> h' (n, H)."""
        H = self.hidden_size
        if h is None:
            h = _zero_state(x, H)
        gx = x @ self.W + self.b
        gh = h @ self.U
        rz = sigmoid(gx[:, :2 * H] + gh[:, :2 * H])
        r, z = rz[:, :H], rz[:, H:]
        n = tanh(gx[:, 2 * H:] + r * (gh[:, 2 * H:] + self.b_hn))
        return n + z * (h - n)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class LSTM(Module):
    """A (multi-layer, optionally bidirectional) LSTM over a batch of variable-length sequences.

    Each layer and direction is one `lstm_sequence` op over all the sequences: a packed
    recurrence whose step t is one matrix product over every sequence still running (longest
    first), so a batch costs max(T_i) steps per layer and direction. Layer l > 0 reads
    layer l-1's outputs (both directions concatenated), with dropout between layers while
    training. Cells are `cells[layer * num_directions + direction]` (direction 1 = reverse).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"LSTM: dropout must be in [0, 1), got {dropout}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        directions = 2 if bidirectional else 1
        self.cells = ModuleList(
            LSTMCell(input_size if layer == 0 else hidden_size * directions, hidden_size, dtype)
            for layer in range(num_layers) for _ in range(directions))

    def forward(self, sequences: list[Tensor]) -> list[Tensor]:
        """sequences: tensors (T_i, input_size), T_i >= 1 -> outputs (T_i, H * directions)."""
        if not sequences:
            raise ValueError("LSTM: needs at least one sequence")
        lengths = [len(x) for x in sequences]
        if min(lengths) == 0:
            raise ValueError(f"LSTM: sequence {lengths.index(0)} is empty")
        directions = 2 if self.bidirectional else 1
        x = concatenate(sequences)
        for layer in range(self.num_layers):
            if layer and self.dropout:
                x = dropout(x, self.dropout, training=self.training)
            outputs = [self.cells[layer * directions + d].sequence(x, d == 1, tuple(lengths))
                       for d in range(directions)]
            x = outputs[0] if directions == 1 else concatenate(outputs, axis=1)
        bounds = np.cumsum([0, *lengths]).tolist()
        return [x[start:stop] for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]

    def extra_repr(self) -> str:
        extras = "".join(f", {name}={value}" for name, value, default in (
            ("num_layers", self.num_layers, 1), ("bidirectional", self.bidirectional, False),
            ("dropout", self.dropout, 0.0)) if value != default)
        return f"{self.input_size}, {self.hidden_size}{extras}"
