"""Scheduling strategies: the order in which groups of same-signature pending nodes run.

- "depth": a node's depth is one more than its deepest pending input; nodes of equal depth
  and signature form one group, run in order of depth (level-wise batching).
- "agenda" (DyNet's default): among the nodes whose inputs are all computed, run every ready
  node of the signature whose nodes have the lowest average depth, then update the agenda.
Both keep the order in which nodes were recorded inside a group, which keeps the rows of
consecutive calls adjacent in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STRATEGIES = ("agenda", "depth")


def _signature(node: Any) -> Any:
    key = node.plan.key
    return node if key is None else key  # a call that runs alone is its own signature


def by_depth(nodes: list[Any]) -> list[list[Any]]:
    """Groups of equal (depth, signature), shallowest first."""
    groups: dict[Any, list[Any]] = {}
    for node in nodes:
        key = (node.depth, _signature(node))
        group = groups.get(key)
        if group is None:
            groups[key] = [node]
        else:
            group.append(node)
    return sorted(groups.values(), key=lambda g: g[0].depth)


def by_agenda(nodes: list[Any]) -> list[list[Any]]:
    """Groups chosen greedily from the ready agenda, lowest average depth first.

    `nodes` must be closed under uncomputed producers (a flush's to-do list is)."""
    depth_sum: dict[Any, int] = {}
    count: dict[Any, int] = {}
    ready: dict[Any, list[Any]] = {}
    for node in nodes:
        node.consumers = []
    for node in nodes:
        sig = _signature(node)
        depth_sum[sig] = depth_sum.get(sig, 0) + node.depth
        count[sig] = count.get(sig, 0) + 1
        waiting = 0
        for producer in node.producers:
            if producer.group is None:
                producer.consumers.append(node)
                waiting += 1
        node.waiting = waiting
        if not waiting:
            group = ready.get(sig)
            if group is None:
                ready[sig] = [node]
            else:
                group.append(node)
    order = []
    while ready:
        sig = min(ready, key=lambda s: depth_sum[s] / count[s])
        group = ready.pop(sig)
        order.append(group)
        for node in group:
            for consumer in node.consumers:
                consumer.waiting -= 1
                if not consumer.waiting:
                    ready.setdefault(_signature(consumer), []).append(consumer)
            node.consumers = None
    return order


def get_strategy(name: str) -> Callable[[list[Any]], list[list[Any]]]:
    if name == "depth":
        return by_depth
    if name == "agenda":
        return by_agenda
    raise ValueError(f"unknown batching strategy {name!r}; use one of {STRATEGIES} or 'none'")
