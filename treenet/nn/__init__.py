"""Neural-network building blocks."""

from treenet.nn import functional

__all__ = ["functional"]
