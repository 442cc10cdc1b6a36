"""`treenet predict RUN_DIR TEXT...`: the sentiment of every node of each sentence's parse tree,
or each word's tag, for raw text (split into sentences and parsed by spaCy)."""

from __future__ import annotations

import argparse
import json
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from treenet.cli.common import common_options
from treenet.cli.errors import UsageError, report
from treenet.data.text import FALLBACK_PIPELINES, binary_trees, load_pipeline
from treenet.data.tree import Tree, binarize
from treenet.models.run import SentimentPredictor, load_run

if TYPE_CHECKING:
    from spacy.language import Language

DESCRIPTION = """Predict for raw text: each TEXT argument, else each line of stdin. A sentiment
run prints, per sentence, its class and probability, then its binary parse tree with the class
of every node (0 very negative ... 4 very positive; binary runs: 0 negative, 1 positive); a
tagger prints word/TAG per sentence. spaCy splits sentences, tokenizes and parses (trees follow
its dependency parse); without spaCy or with --spacy none each text is one sentence split on
whitespace, in a right-branching tree."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("predict", help="sentiment trees or tags of raw text",
                                   description=DESCRIPTION, parents=[common_options()])
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run folder")
    parser.add_argument("texts", nargs="*", metavar="TEXT",
                        help="texts, right after RUN_DIR (default: the lines of stdin)")
    parser.add_argument("--json", action="store_true", help="one JSON object per sentence")
    parser.add_argument("--spacy", metavar="PIPELINE",
                        help=f"spaCy pipeline to parse with (default: the first installed of "
                             f"{', '.join(FALLBACK_PIPELINES)}, else a blank tokenizer; none: "
                             "whitespace)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    predictor = load_run(args.run_dir)
    texts = args.texts or [line for line in sys.stdin.read().splitlines() if line.strip()]
    nlp = pipeline(args.spacy)
    trees = [tree for text in texts for tree in parse(text, nlp)]
    if isinstance(predictor, SentimentPredictor):
        for tree, sentiment in predictor.predict(trees):
            sentence = " ".join(tree.words())
            if args.json:
                print(json.dumps({"sentence": sentence, **sentiment, "tree": tree.to_string()}))
            else:
                probability = sentiment["probabilities"][sentiment["label"]]
                print(f"{sentiment['label']} ({probability:.2f}): {sentence}\n{tree.to_string()}")
        return 0
    sentences = [tree.words() for tree in trees]
    for words, tags in zip(sentences, predictor.tag(sentences), strict=True):
        print(json.dumps({"words": words, "tags": tags}) if args.json
              else " ".join(f"{word}/{tag}" for word, tag in zip(words, tags, strict=True)))
    return 0


def pipeline(name: str | None) -> Language | None:
    """The spaCy pipeline `name`, else the first installed English parser, else a blank English
    tokenizer (see `treenet.data.load_pipeline`); None for ``"none"`` and, with a warning, when
    spaCy is not installed."""
    if name == "none":
        return None
    if find_spec("spacy") is None:
        if name is not None:
            raise UsageError(f"--spacy {name}: spaCy is not installed (pip install "
                             "'treenet[nlp]')")
        report("spaCy is not installed (pip install 'treenet[nlp]'): each text is one "
               "sentence, split on whitespace", "warning")
        return None
    return load_pipeline(name)


def parse(text: str, nlp: Language | None) -> list[Tree]:
    """Binary trees of the sentences of `text` (see the module docstring)."""
    if nlp is not None:
        return binary_trees(nlp(text))
    leaves = [Tree(None, [], word, k) for k, word in enumerate(text.split())]
    return [] if not leaves else [leaves[0] if len(leaves) == 1 else binarize(Tree(None, leaves))]
