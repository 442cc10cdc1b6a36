"""`treenet train sst|tagger`: train a model into a run folder; Ctrl-C saves a checkpoint that
`--resume` continues to the result of an uninterrupted run."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from treenet.cli.common import common_options
from treenet.cli.errors import EXIT_INTERRUPTED, UsageError
from treenet.cli.progress import Progress
from treenet.data.sst import find_sst
from treenet.models.recipes import RECIPES
from treenet.models.run import (
    CONFIG,
    LAST,
    load_checkpoint,
    read_config,
    read_vocabs,
    save_checkpoint,
    save_run,
    write_run,
)
from treenet.models.sentiment import MODELS, SentimentConfig, sentiment_job
from treenet.models.tagging import CORPORA, TaggerConfig, corpus_files, tagger_job
from treenet.models.train import BATCHING, Job
from treenet.models.vectors import SOURCES
from treenet.tensor.backend import get_backend

Config = SentimentConfig | TaggerConfig

TASKS = {"pos": "conll2000-pos", "chunk": "conll2000-chunk", "ner": "wnut17", "upos": "atis-upos"}
"""Tagger tasks and the corpora (`treenet.models.CORPORA`) they train on."""

RESUMABLE = frozenset({"epochs", "patience", "max_seconds", "data_dir", "device"})
"""Settings that `--resume` may change; the others must match the run's."""

FLAGS = {"train_path": "--train", "dev_path": "--dev", "corpus": "--task", "column": "--task",
         "data_dir": "--data"}
"""The options that set config fields of other names."""

SST_HELP = """Train a Tree-LSTM sentiment classifier on the Stanford Sentiment Treebank (Tai et
al.'s recipe: Adagrad, dropout 0.5, a loss on every node), selecting the best epoch by dev root
accuracy. SST is read from --data DIR, else $TREENET_DATA/sst, else the cache, else downloaded
from Stanford."""

TAGGER_HELP = """Train a BiLSTM(-CNN-CRF) tagger: pos and chunk on CoNLL-2000
(conll2000/{train,dev}.txt), ner on WNUT-17 (wnut17/), upos on UD English ATIS
(ud_english_atis/{train,dev}.conllu), read from --data DIR or $TREENET_DATA; --train/--dev FILE
use other files (tags in the task's column). The best epoch is chosen by dev chunk F1 for BIO
tags (chunk, ner), else token accuracy."""


def _absolute(path: str) -> str:
    return str(Path(path).expanduser().absolute())


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a model into a run folder",
                                   description=__doc__)
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="{sst,tagger}")
    sst = kinds.add_parser("sst", help="Tree-LSTM sentiment on SST", description=SST_HELP,
                           parents=[common_options()])
    sst.add_argument("--labels", choices=("fine", "binary"), default=argparse.SUPPRESS,
                     help="five classes, or positive/negative with neutral sentences dropped "
                          "(default: fine)")
    sst.add_argument("--model", choices=tuple(MODELS), default=argparse.SUPPRESS,
                     help="binary Tree-LSTM or child-sum cell (default: constituency)")
    sst.add_argument("--batching", choices=("dynamic", "none"), default=argparse.SUPPRESS,
                     help="autobatch each minibatch, or run one example at a time "
                          "(default: dynamic)")
    _add_training_options(sst, RECIPES["sst-fine"], "runs/sst-LABELS")
    sst.set_defaults(run=run_sst)
    tagger = kinds.add_parser("tagger", help="BiLSTM-CNN-CRF tagger (POS, chunks, NER)",
                              description=TAGGER_HELP, parents=[common_options()])
    tagger.add_argument("--task", choices=tuple(TASKS), required=True,
                        help="what to tag (picks the corpus and the tag column)")
    tagger.add_argument("--crf", action=argparse.BooleanOptionalAction,
                        default=argparse.SUPPRESS,
                        help="a CRF output layer (default: on for chunk and ner)")
    tagger.add_argument("--chars", action=argparse.BooleanOptionalAction,
                        default=argparse.SUPPRESS, help="a character CNN (default: on)")
    tagger.add_argument("--batching", choices=BATCHING, default=argparse.SUPPRESS,
                        help="autobatch, one example at a time, or padded batches "
                             "(default: dynamic)")
    tagger.add_argument("--train", dest="train_path", type=_absolute, default=argparse.SUPPRESS,
                        metavar="FILE", help="training file instead of the task's corpus")
    tagger.add_argument("--dev", dest="dev_path", type=_absolute, default=argparse.SUPPRESS,
                        metavar="FILE", help="dev file instead of the task's corpus")
    _add_training_options(tagger, RECIPES["conll2000-chunk"], "runs/tagger-TASK")
    tagger.set_defaults(run=run_tagger)


def _add_training_options(parser: argparse.ArgumentParser, base: Config, out: str) -> None:
    """Options both trainers take; a given one overrides the recipe's setting (its `dest`)."""
    def option(flag: str, dest: str, help: str, **kwargs: Any) -> None:
        parser.add_argument(flag, dest=dest, default=argparse.SUPPRESS, help=help, **kwargs)

    option("--strategy", "strategy", "how autobatch groups ops (default: agenda)",
           choices=("agenda", "depth"))
    option("--device", "device", "cpu, or cuda (needs cupy and a GPU) (default: cpu)",
           choices=("cpu", "cuda"))
    option("--epochs", "epochs", f"epochs in all, also when resuming (default: {base.epochs})",
           type=int, metavar="N")
    option("--patience", "patience",
           f"stop after N epochs without a better dev score (default: {base.patience})",
           type=int, metavar="N")
    option("--max-seconds", "max_seconds", "stop before an epoch that would end later than "
           "this (default: no limit)", type=float, metavar="S")
    option("--batch-size", "batch_size", f"examples per minibatch (default: {base.batch_size})",
           type=int, metavar="N")
    option("--lr", "lr", f"learning rate (default: {base.lr})", type=float, metavar="X")
    option("--vectors", "vectors", "pretrained word vectors: auto (spacy-md, else glove50, "
           "else none), glove50, spacy-md, none, or the PATH of a GloVe/word2vec text file or a "
           "spaCy pipeline folder (default: auto)", metavar="SOURCE")
    option("--data", "data_dir", "folder holding the corpora (default: $TREENET_DATA)",
           type=_absolute, metavar="DIR")
    option("--seed", "seed", "random seed: initial weights, data order, dropout (default: 0)",
           type=int, metavar="N")
    option("--limit", "limit", "train and select on N random examples of each split "
           "(quick trials)", type=int, metavar="N")
    parser.add_argument("--out", type=Path, metavar="RUN_DIR",
                        help=f"the run folder (default: {out}, numbered if taken)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its last checkpoint, with its "
                             "settings (only --epochs, --patience, --max-seconds, --data and "
                             "--device may change)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or epoch lines")


def _settings(args: argparse.Namespace, config_type: type[Config]) -> dict[str, Any]:
    """The config fields given on the command line."""
    names = {field.name for field in dataclasses.fields(config_type)}
    return {name: value for name, value in vars(args).items() if name in names}


def run_sst(args: argparse.Namespace) -> int:
    settings = _settings(args, SentimentConfig)
    base = RECIPES[f"sst-{settings.get('labels', 'fine')}"]
    return _train(args, "sentiment", base, settings, f"runs/sst-{base.labels}")


def run_tagger(args: argparse.Namespace) -> int:
    corpus = TASKS[args.task]
    settings = {"corpus": corpus, **_settings(args, TaggerConfig)}
    if "train_path" in settings or "dev_path" in settings:
        files = {} if "train_path" in settings and "dev_path" in settings else dict(zip(
            ("train_path", "dev_path"), map(str, corpus_files(corpus, settings.get("data_dir"))),
            strict=True))
        settings = {**files, **settings, "corpus": "files", "column": CORPORA[corpus].column}
    return _train(args, "tagging", RECIPES[corpus], settings, f"runs/tagger-{args.task}")


def _train(args: argparse.Namespace, task: str, base: Config, settings: dict[str, Any],
           default_out: str) -> int:
    if args.resume:
        if args.out is None:
            raise UsageError("--resume needs --out RUN_DIR, the run to continue")
        out = args.out
        saved = read_config(out, task)
        config = _resumed_config(out, type(base)(**saved["config"]), settings)
        config = dataclasses.replace(config, vectors=saved["vectors"])
        state = load_checkpoint(out, saved)
    else:
        out = args.out or _free_folder(Path(default_out))
        if (out / CONFIG).exists():
            raise UsageError(f"{out} already holds a run: continue it with --resume, or choose "
                             "another --out")
        config = dataclasses.replace(base, **{"max_seconds": None, **settings})
        config = dataclasses.replace(config, vectors=_vectors(config.vectors))
        state = None
    if config.device != "cpu":
        get_backend(config.device)
    if isinstance(config, SentimentConfig):
        config = dataclasses.replace(config, data_dir=str(find_sst(
            config.data_dir, download=config.data_dir is None)))
    job = sentiment_job(config) if task == "sentiment" else tagger_job(config)
    if state is None:
        write_run(out, job)
    elif job.vocabs != read_vocabs(out):
        raise UsageError(f"the data or vectors differ from those {out} was trained on (the "
                         "vocabulary changed); --resume needs the same ones")
    return _fit(job, out, state, args.quiet)


def _resumed_config(out: Path, saved: Config, settings: dict[str, Any]) -> Config:
    """The saved settings with the given ones that may change; raises UsageError for others
    that differ from the saved ones."""
    differ = [f"{FLAGS.get(name, '--' + name.replace('_', '-'))} (saved: "
              f"{getattr(saved, name)!r}, given: {value!r})" for name, value in settings.items()
              if name not in RESUMABLE and getattr(saved, name) != value]
    if differ:
        raise UsageError(f"--resume continues {out} with its saved settings, but these differ: "
                         f"{', '.join(differ)}; leave them out or start a new run")
    return dataclasses.replace(saved, **{k: v for k, v in settings.items() if k in RESUMABLE})


def _vectors(source: str) -> str:
    """A vectors source as saved: a name, or the absolute path of an existing file or folder."""
    if source in SOURCES:
        return source
    if not Path(source).exists():
        raise UsageError(f"--vectors {source}: no such file or folder; use auto, glove50, "
                         "spacy-md, none, or the path of a GloVe/word2vec text file or of a "
                         "spaCy pipeline folder")
    return _absolute(source)


def _free_folder(folder: Path) -> Path:
    """`folder`, or the first of folder-2, folder-3, ... that holds no run."""
    candidate, number = folder, 1
    while (candidate / CONFIG).exists():
        number += 1
        candidate = folder.with_name(f"{folder.name}-{number}")
    return candidate


def _fit(job: Job, out: Path, state: dict[str, Any] | None, quiet: bool) -> int:
    """Train, checkpointing into `out` after every epoch and on Ctrl-C; print the outcome."""
    progress = Progress(len(job.train), quiet)
    position: dict[str, Any] = {}

    def checkpoint(state: dict[str, Any]) -> None:
        save_checkpoint(out, job, state)
        position.update(state["position"])

    try:
        trained = job.run(progress, checkpoint=checkpoint, resume=state)
    except KeyboardInterrupt:
        progress.close()
        if not position:
            print("treenet: interrupted before the first checkpoint", file=sys.stderr)
        else:
            epoch, step = position["epoch"], position["step"]
            where = (f"after epoch {epoch - 1}" if step == 0
                     else f"in epoch {epoch} after batch {step}")
            print(f"treenet: interrupted; {out / LAST} holds the run {where}: continue with "
                  f"--resume --out {out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    save_run(trained, out)
    history = trained.history
    best = history.best
    score = f"{history.metric} {best.dev[history.metric]:.2f}" if best else "no epoch"
    print(f"best dev {score} at epoch {history.best_epoch} of {len(history.epochs)} "
          f"(stopped: {history.stopped}); run folder {out}")
    return 0
