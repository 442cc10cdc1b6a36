"""The op library: every registered op and the numpy-named functions that call them."""

from treenet.ops import methods as _methods  # noqa: F401  (binds Tensor operators)
from treenet.ops.cells import (
    binary_tree_lstm,
    childsum_tree_lstm,
    lstm_cell,
    lstm_sequence,
    lstm_step,
    tree_lstm_leaf,
)
from treenet.ops.dropout import dropout
from treenet.ops.elementwise import (
    abs,
    add,
    as_tensor,
    astype,
    clip,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    relu,
    sigmoid,
    sqrt,
    subtract,
    tanh,
    where,
)
from treenet.ops.indexing import getitem, lookup, take
from treenet.ops.linalg import linear, matmul
from treenet.ops.loss import cross_entropy
from treenet.ops.reduction import (
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    sum,
)
from treenet.ops.shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
)

__all__ = [
    "abs", "add", "argmax", "argmin", "as_tensor", "astype", "binary_tree_lstm", "broadcast_to",
    "childsum_tree_lstm", "clip", "concatenate", "cross_entropy", "divide", "dropout", "equal",
    "exp", "expand_dims", "getitem", "greater", "greater_equal", "less", "less_equal", "linear",
    "log", "log_softmax", "logsumexp", "lookup", "lstm_cell", "lstm_sequence", "lstm_step",
    "matmul", "max", "maximum", "mean", "min", "minimum", "multiply", "negative", "not_equal",
    "power", "relu", "reshape", "sigmoid", "softmax", "split", "sqrt", "squeeze", "stack",
    "subtract", "sum", "take", "tanh", "transpose", "tree_lstm_leaf", "where",
]
