"""`treenet eval RUN_DIR --file PATH`: score a trained model on a data file, as one JSON object."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from treenet.cli.common import common_options
from treenet.cli.errors import UsageError
from treenet.models.run import SentimentPredictor, load_run

DESCRIPTION = """Score the run's best model on a data file and print ONE JSON object. Sentiment
runs read SST trees (PTB format, labels 0-4, as in SST's test.txt) and print labels (fine or
binary), sentences, root_acc and all_nodes_acc; taggers read the format they were trained on
and print sentences, accuracy, and for BIO chunk tags (chunk, ner) precision, recall and f1
overall and per type (f1/NP, ...; f1 is null for other tags). Scores are in %."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="score a run on a data file (one JSON object)",
                                   description=DESCRIPTION, parents=[common_options()])
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run folder")
    parser.add_argument("--file", type=Path, required=True, metavar="PATH",
                        help="the data file to score")
    parser.add_argument("--batching", choices=("dynamic", "none"), default="dynamic",
                        help="autobatch the predictions, or run one example at a time")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    predictor = load_run(args.run_dir)
    if not args.file.is_file():
        raise UsageError(f"--file {args.file}: no such file")
    scores = predictor.evaluate(args.file, args.batching)
    if isinstance(predictor, SentimentPredictor):
        result = {"labels": predictor.config["config"]["labels"],
                  "sentences": scores["sentences"], "root_acc": scores["root_accuracy"],
                  "all_nodes_acc": scores["node_accuracy"]}
    else:
        result = {"sentences": scores["sentences"], "accuracy": scores["accuracy"],
                  "f1": scores.get("f1"), **scores}
    print(json.dumps(result))
    return 0
