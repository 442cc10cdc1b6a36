"""Neural-network building blocks."""

from treenet.nn import functional
from treenet.nn.parameter import Parameter

__all__ = ["Parameter", "functional"]
