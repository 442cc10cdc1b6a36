"""Named training recipes with their hyperparameters, and a runner that prints metrics and wall
time: ``python -m treenet.models.recipes NAME [--set key=value ...] [--out FOLDER]``.

Each recipe caps its training (dev evaluation included) at `max_seconds` = 540, so a run with
data and vector loading stays within 10 minutes on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from treenet.models.run import save_run
from treenet.models.sentiment import SentimentConfig, train_sentiment
from treenet.models.tagging import TaggerConfig, train_tagger
from treenet.models.train import Event, Trained

BUDGET = 540.0

_SST = SentimentConfig(epochs=30, patience=5, max_seconds=BUDGET)
_TAGGER = TaggerConfig(epochs=40, patience=6, max_seconds=BUDGET)

RECIPES: dict[str, SentimentConfig | TaggerConfig] = {
    "sst-fine": _SST,
    "sst-binary": replace(_SST, labels="binary"),
    "conll2000-chunk": replace(_TAGGER, corpus="conll2000-chunk"),
    "conll2000-pos": replace(_TAGGER, corpus="conll2000-pos", crf=False),
    "wnut17": replace(_TAGGER, corpus="wnut17", lr=0.005, batch_size=16),
    "atis-upos": replace(_TAGGER, corpus="atis-upos", crf=False, batch_size=16),
}
"""Tai et al.'s SST recipe (see `treenet.models.sentiment`); BiLSTM-CNN(-CRF) taggers with
Adam, character CNN, dropout 0.5, hidden 100, embeddings from the vectors (100-d without)."""


def _value(text: str) -> Any:
    """A --set value: JSON when it parses (numbers, true, null), else the string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _print_epoch(event: Event) -> None:
    if event.kind == "epoch":
        print(event.record.summary(), flush=True)


def run_recipe(name: str, out: str | Path | None = None,
               callback: Callable[[Event], None] | None = _print_epoch,
               **overrides: Any) -> Trained:
    """Train recipe `name` with `overrides` (config fields), print the best dev metrics and the
    wall time, save a run folder to `out` if given, and return the result."""
    config = replace(RECIPES[name], **overrides)
    start = time.perf_counter()
    train = train_sentiment if isinstance(config, SentimentConfig) else train_tagger
    trained = train(config, callback)
    wall = time.perf_counter() - start
    history = trained.history
    print(f"{name}: vectors {trained.vectors}, batching {config.batching}, "
          f"{len(history.epochs)} epochs (stopped: {history.stopped}), best epoch "
          f"{history.best_epoch}, wall {wall:.0f}s")
    metrics = trained.metrics
    print("best dev: " + ", ".join(f"{k} {v:.2f}" for k, v in metrics.items() if "/" not in k))
    per_type = ", ".join(f"{k[3:]} {v:.2f}" for k, v in metrics.items() if k.startswith("f1/"))
    if per_type:
        print(f"best dev F1 per type: {per_type}")
    if out is not None:
        print(f"saved to {save_run(trained, out)}")
    return trained


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", choices=sorted(RECIPES))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config field, e.g. --set vectors=glove50")
    parser.add_argument("--out", help="save the run folder here")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    run_recipe(args.name, args.out, **{k: _value(v) for k, v in overrides.items()})


if __name__ == "__main__":
    main()
