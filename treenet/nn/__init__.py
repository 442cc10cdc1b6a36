"""Neural-network building blocks: Module, layers, recurrent and Tree-LSTM cells, initializers."""

from treenet.nn import functional, init
from treenet.nn.dropout import Dropout
from treenet.nn.embedding import Embedding
from treenet.nn.linear import Linear
from treenet.nn.module import IncompatibleKeys, Module, ModuleDict, ModuleList, Sequential
from treenet.nn.parameter import Parameter
from treenet.nn.rnn import LSTM, GRUCell, LSTMCell
from treenet.nn.tree_lstm import BinaryTreeLSTMCell, ChildSumTreeLSTMCell

__all__ = [
    "LSTM", "BinaryTreeLSTMCell", "ChildSumTreeLSTMCell", "Dropout", "Embedding", "GRUCell",
    "IncompatibleKeys", "LSTMCell", "Linear", "Module", "ModuleDict", "ModuleList", "Parameter",
    "Sequential", "functional", "init",
]
