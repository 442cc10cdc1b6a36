"""Writing a benchmark run to a folder: `bench.md` (tables and the command) and PNG plots of
throughput and peak memory against batch size, one line per system."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from treenet.bench.harness import table


def _plot(summaries: list[dict[str, Any]], task: str, mode: str, field: str, ylabel: str,
          path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [s for s in summaries if (s["task"], s["mode"]) == (task, mode) and field in s]
    fig, ax = plt.subplots(figsize=(6, 4))
    for system in dict.fromkeys(s["system"] for s in rows):
        points = sorted((s["batch_size"], s[field]) for s in rows if s["system"] == system)
        ax.plot(*zip(*points, strict=True), marker="o", label=system)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size (sentences)")
    ax.set_ylabel(ylabel)
    ax.set_title(f"{task} {mode}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(summaries: list[dict[str, Any]], out: Path, command: str) -> list[Path]:
    """bench.md, bench.jsonl and one throughput and one memory plot per task and mode."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "bench.md", out / "bench.jsonl"]
    lines = ["# treenet bench", "", f"Command: `{command}`", "",
             "Medians of the repeats, each configuration in its own process, interleaved; "
             "`range` is the spread of sentences/s over the repeats.", "", "```",
             table(summaries), "```", ""]
    for task, mode in dict.fromkeys((s["task"], s["mode"]) for s in summaries):
        for field, ylabel, name in (("sentences_per_sec", "sentences / second", "throughput"),
                                    ("peak_mem_mb", "peak memory (MB)", "memory")):
            path = out / f"{task}-{mode}-{name}.png"
            _plot(summaries, task, mode, field, ylabel, path)
            lines.append(f"![{task} {mode} {name}]({path.name})")
            written.append(path)
    (out / "bench.md").write_text("\n".join(lines) + "\n")
    (out / "bench.jsonl").write_text("".join(json.dumps(s) + "\n" for s in summaries))
    return written
