"""Character-level word features: a convolution over a word's characters, max-pooled, tanh.

The convolution reads one-hot characters, so a window's response is a sum of table rows, one
per (slot, character): `CharCNN.encode` turns a word into fixed-size windows of row ids once,
and `forward` is one lookup, a sum, a max and a tanh. Every word is cut or padded to
`max_length` characters, so all words have the same shapes and the ops of all words of a
minibatch run as one kernel each under `treenet.autobatch()`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from treenet import nn
from treenet.nn import init
from treenet.ops import lookup
from treenet.tensor.tensor import Tensor


class CharCNN(nn.Module):
    """Width-`width` convolution with `filters` outputs over one-hot characters.

    weight (width * num_chars, filters): row k * num_chars + c scores character c at slot k of a
    window. Character id 0 is the padding (the character vocabulary's `<pad>`).
    """

    def __init__(self, num_chars: int, filters: int = 30, width: int = 3, max_length: int = 16,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.num_chars = num_chars
        self.filters = filters
        self.width = width
        self.max_length = max_length
        bound = 1.0 / math.sqrt(width)
        self.weight = init.uniform_parameter((width * num_chars, filters), bound, dtype)

    def encode(self, words: Sequence[Sequence[int]]) -> np.ndarray:
        """Window row ids (n, max_length, width) int64 of n words given as character ids.

        Window p covers characters p - width // 2 ... p + width // 2 of the word (padding
        outside it). A word longer than max_length keeps its first and last max_length // 2
        characters (prefixes and suffixes carry most of the signal).
        """
        L, w, half = self.max_length, self.width, self.width // 2
        padded = np.zeros((len(words), L + w - 1), dtype=np.int64)
        for row, chars in enumerate(words):
            chars = list(chars)
            if len(chars) > L:
                chars = chars[:L // 2] + chars[len(chars) - (L - L // 2):]
            padded[row, half:half + len(chars)] = chars
        windows = np.lib.stride_tricks.sliding_window_view(padded, w, axis=1)
        return windows + np.arange(w) * self.num_chars

    def forward(self, windows: np.ndarray) -> Tensor:
        """Features (n, filters) of n words from their windows (n, max_length, width)."""
        return lookup(self.weight, windows).sum(axis=2).max(axis=1).tanh()

    def extra_repr(self) -> str:
        return (f"{self.num_chars}, filters={self.filters}, width={self.width}, "
                f"max_length={self.max_length}")
