"""Models people train with treenet: Tree-LSTM sentiment classifiers and sequence taggers."""

from treenet.models.tree_lstm import ConstituencyTreeLSTM, node_labels

__all__ = ["ConstituencyTreeLSTM", "node_labels"]
