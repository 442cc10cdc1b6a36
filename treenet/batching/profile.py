"""What autobatch did: nodes, kernel launches, group sizes, unbatched calls, and where time went."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# how a group's batched argument was formed from its members' inputs (`Profile.gathers`)
SLICED = "sliced in place"  # adjacent rows of one output: no copy
FROM_ARENA = "gathered from an arena"  # rows of outputs of any groups: one indexed copy
COPIED = "copied"  # the values concatenated or stacked


@dataclass
class Profile:
    """Counters of one autobatch block, readable after a flush (`autobatch(...).profile`):
    nodes are counted when they are computed."""

    nodes: int = 0
    launches: int = 0
    backward_launches: int = 0
    row_views: int = 0  # t[i] / t[a:b] of pending outputs, recorded without a node
    kernel_seconds: float = 0.0
    flush_seconds: float = 0.0
    backward_seconds: float = 0.0
    nodes_by_op: Counter = field(default_factory=Counter)
    launches_by_op: Counter = field(default_factory=Counter)
    unbatched: Counter = field(default_factory=Counter)  # (op, reason) -> nodes run alone
    kernel_seconds_by_op: Counter = field(default_factory=Counter)
    gathers: Counter = field(default_factory=Counter)  # batched arguments (and joins) by way

    def add_kernel_time(self, name: str, seconds: float) -> None:
        self.kernel_seconds += seconds
        self.kernel_seconds_by_op[name] += seconds

    def add_weight_gradient_time(self, seconds: float) -> None:
        """The end of backward: each weight's factored gradients multiplied out in one matrix
        product (kernel time, part of the backward pass)."""
        self.add_kernel_time("weight gradients", seconds)
        self.backward_seconds += seconds

    @property
    def mean_group_size(self) -> float:
        return self.nodes / self.launches if self.launches else 0.0

    def group_size(self, op_name: str) -> float:
        """Mean number of nodes per forward launch of one op."""
        launches = self.launches_by_op[op_name]
        return self.nodes_by_op[op_name] / launches if launches else 0.0

    @property
    def scheduling_seconds(self) -> float:
        """Flush and backward time outside the kernels (grouping, gathering, routing)."""
        return self.flush_seconds + self.backward_seconds - self.kernel_seconds

    def table(self) -> str:
        """A per-op table: nodes, launches, mean group size; then unbatched calls and times."""
        lines = [f"{'op':24s} {'nodes':>8s} {'launches':>9s} {'mean group':>11s}"]
        for op, n in self.nodes_by_op.most_common():
            lines.append(f"{op:24s} {n:8d} {self.launches_by_op[op]:9d} "
                         f"{self.group_size(op):11.1f}")
        lines.append(f"{'total':24s} {self.nodes:8d} {self.launches:9d} "
                     f"{self.mean_group_size:11.1f}")
        if self.row_views:
            lines.append(f"row views (no node): {self.row_views}")
        if self.gathers:
            lines.append("batched arguments: " + ", ".join(
                f"{n} {way}" for way, n in self.gathers.most_common()))
        for (op, why), n in self.unbatched.most_common():
            lines.append(f"unbatched: {n} x {op} ({why})")
        slowest = ", ".join(f"{name} {seconds * 1e3:.1f}"
                            for name, seconds in self.kernel_seconds_by_op.most_common(6))
        lines.append(f"kernel ms by op: {slowest}")
        lines.append(f"kernels {self.kernel_seconds * 1e3:.1f} ms, scheduling/gathering "
                     f"{self.scheduling_seconds * 1e3:.1f} ms")
        return "\n".join(lines)
