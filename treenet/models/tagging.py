"""Sequence tagging (POS, chunking, NER): corpora, the BiLSTM(-CNN-CRF) recipe, prediction and
evaluation (token accuracy; span P/R/F1 when the tags are BIO chunks)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from treenet.data.conll import read_conll
from treenet.data.conllu import read_conllu
from treenet.data.errors import DatasetNotFoundError
from treenet.data.vectors import embedding_matrix
from treenet.data.vocab import Vocab
from treenet.models.crf import allows, bio_penalty, is_bio
from treenet.models.metrics import tagging_scores
from treenet.models.padded import padded_loss, padded_predict
from treenet.models.tagger import BiLSTMTagger, TaggedIds
from treenet.models.train import (
    Event,
    Job,
    Trained,
    eval_outputs,
    fit_options,
    sample,
    summed,
)
from treenet.models.vectors import load_vectors, word_vocab
from treenet.optim import SGD, Adam, ExponentialLR
from treenet.tensor.random import manual_seed

Sentence = tuple[list[str], list[str]]
"""Words and their tags."""


@dataclass(frozen=True)
class Corpus:
    """Where a tagging corpus lives under the data folder and which column holds its tags
    (an index for CoNLL column files, a field name such as ``"upos"`` for CoNLL-U)."""

    train: str
    dev: str
    column: int | str


CORPORA = {
    "conll2000-chunk": Corpus("conll2000/train.txt", "conll2000/dev.txt", 2),
    "conll2000-pos": Corpus("conll2000/train.txt", "conll2000/dev.txt", 1),
    "wnut17": Corpus("wnut17/train.txt", "wnut17/dev.txt", 1),
    "atis-upos": Corpus("ud_english_atis/train.conllu", "ud_english_atis/dev.conllu", "upos"),
}


def read_tagged(path: str | Path, column: int | str) -> list[Sentence]:
    """(words, tags) of each sentence of a CoNLL column file (tags in column `column`) or of a
    CoNLL-U file (tags in the field named `column`, e.g. ``"upos"``)."""
    if isinstance(column, str):
        return [(s.words, getattr(s, column)) for s in read_conllu(path)]
    return [(words, tags) for words, tags in read_conll(path, [0, column])]


def corpus_files(corpus: str, data_dir: str | None) -> tuple[Path, Path]:
    """The train and dev files of corpus `corpus` under `data_dir` (default: TREENET_DATA);
    raises DatasetNotFoundError saying where they were looked for."""
    spec = CORPORA[corpus]
    root = data_dir or os.environ.get("TREENET_DATA")
    if root is None:
        raise DatasetNotFoundError(f"{corpus}: no data folder; pass data_dir (--data DIR) or set "
                                   "TREENET_DATA to the folder holding the corpora")
    files = Path(root) / spec.train, Path(root) / spec.dev
    for path in files:
        if not path.is_file():
            raise DatasetNotFoundError(
                f"{corpus}: {path} not found; pass data_dir (--data DIR) or set TREENET_DATA to "
                f"a folder holding {spec.train} and {spec.dev}")
    return files


@dataclass
class TaggerConfig:
    """Settings of a tagging run.

    corpus: a name in CORPORA, or ``"files"`` to read `train_path` / `dev_path` with `column`.
    embed_dim applies only without vectors; chars adds the character CNN; crf the CRF layer,
    constrained to valid BIO moves when `constrain`, the tags are BIO and the train data keeps
    to them; optimizer ``"adam"`` or ``"sgd"`` at `lr`, times `lr_decay` after each epoch;
    batching ``"dynamic"``, ``"none"`` or ``"padded"``; limit keeps a random `limit` train and
    dev sentences (smoke runs); words seen fewer than `min_freq` times and without a vector
    map to `<unk>`; device: ``"cpu"`` or ``"cuda"``.
    """

    corpus: str = "conll2000-chunk"
    data_dir: str | None = None
    train_path: str | None = None
    dev_path: str | None = None
    column: int | str = 1
    vectors: str = "auto"
    embed_dim: int = 100
    hidden_size: int = 100
    chars: bool = True
    char_filters: int = 30
    max_word_length: int = 16
    crf: bool = True
    constrain: bool = True
    dropout: float = 0.5
    optimizer: str = "adam"
    lr: float = 0.01
    lr_decay: float = 0.9
    clip: float | None = 5.0
    batch_size: int = 32
    epochs: int = 30
    patience: int | None = 5
    batching: str = "dynamic"
    strategy: str = "agenda"
    seed: int = 0
    max_seconds: float | None = None
    min_freq: int = 2
    lower: bool = True
    limit: int | None = None
    device: str = "cpu"


def build_model(args: dict[str, Any], tags: Sequence[str],
                embeddings: Any = None) -> BiLSTMTagger:
    """The tagger described by `args` (its constructor's keyword arguments, ``penalty`` as
    ``"bio"`` or None) over the tag set `tags`."""
    args = dict(args)
    penalty = bio_penalty(tags) if args.pop("penalty") == "bio" else None
    return BiLSTMTagger(**args, num_tags=len(tags), penalty=penalty, embeddings=embeddings)


def encode(model: BiLSTMTagger, words: Sequence[str], vocabs: dict[str, Vocab],
           tags: Sequence[str] | None = None) -> TaggedIds:
    """One sentence as the model's input (`tags` given: with its gold tag ids)."""
    chars = None if model.chars is None else [vocabs["chars"].encode(w) for w in words]
    tag_ids = None if tags is None else vocabs["tags"].encode(tags)
    return model.example(vocabs["words"].encode(words), chars, tag_ids)


def predict_tags(model: BiLSTMTagger, examples: Sequence[TaggedIds], *,
                 batching: str = "dynamic", strategy: str = "agenda",
                 chunk: int = 256) -> list[list[int]]:
    """Predicted tag ids of each sentence (Viterbi with a CRF, else argmax)."""
    if batching == "padded":  # by length, so that a chunk pads little
        order = sorted(range(len(examples)), key=lambda i: len(examples[i]))
        tags: list[list[int]] = [[] for _ in examples]
        for start in range(0, len(order), chunk):
            part = order[start:start + chunk]
            for i, predicted in zip(part, padded_predict(model, [examples[i] for i in part]),
                                    strict=True):
                tags[i] = predicted
        return tags
    scores = eval_outputs(model, examples, batching=batching, strategy=strategy, chunk=chunk)
    return [model.decode(s) for s in scores]


def tag_column(config: TaggerConfig) -> int | str:
    """The column holding the tags in the files `config` reads."""
    return config.column if config.corpus == "files" else CORPORA[config.corpus].column


def tagger_job(config: TaggerConfig) -> Job:
    """Read the corpus, build the vocabularies, the model on `config.device`, its optimizer and
    schedule: everything ready to train (`Job.run`)."""
    files = ((config.train_path, config.dev_path) if config.corpus == "files"
             else corpus_files(config.corpus, config.data_dir))
    train, dev = (sample(read_tagged(path, tag_column(config)), config.limit, config.seed)
                  for path in files)
    vectors, used = load_vectors(config.vectors)
    vocabs = {"words": word_vocab([w for w, _ in train], [w for w, _ in dev], vectors,
                                  min_freq=config.min_freq, lower=config.lower),
              "chars": Vocab.build_chars(w for w, _ in train),
              "tags": Vocab.build([t for _, t in train + dev], pad=None, unk=None)}
    tags = vocabs["tags"].itos
    spans = is_bio(tags)
    penalty = bio_penalty(tags)
    constrain = config.crf and config.constrain and spans and all(
        allows(penalty, vocabs["tags"].encode(t)) for _, t in train)
    args = {"vocab_size": len(vocabs["words"]),
            "embed_dim": config.embed_dim if vectors is None else vectors.dim,
            "hidden_size": config.hidden_size,
            "num_chars": len(vocabs["chars"]) if config.chars else 0,
            "char_filters": config.char_filters, "max_word_length": config.max_word_length,
            "dropout": config.dropout, "crf": config.crf,
            "penalty": "bio" if constrain else None}
    manual_seed(config.seed)
    model = build_model(args, tags, None if vectors is None else embedding_matrix(
        vocabs["words"], vectors, seed=config.seed)).to(config.device)
    optimizer = (Adam if config.optimizer == "adam" else SGD)(model.parameters(), lr=config.lr)
    schedule = ExponentialLR(optimizer, gamma=config.lr_decay)
    train_examples = [encode(model, w, vocabs, t) for w, t in train]
    dev_examples = [encode(model, w, vocabs) for w, _ in dev]
    gold = [t for _, t in dev]

    def evaluate() -> dict[str, float]:
        predicted = predict_tags(model, dev_examples, batching=config.batching,
                                 strategy=config.strategy)
        return tagging_scores(gold, [vocabs["tags"].decode(p) for p in predicted], spans=spans)

    batch_loss = ((lambda batch: padded_loss(model, batch)) if config.batching == "padded"
                  else summed(model.loss))
    return Job("tagging", model, args, vocabs, asdict(config), used, [optimizer], [schedule],
               train_examples, batch_loss, evaluate,
               fit_options(config, "f1" if spans else "accuracy", clip=config.clip, length=len))


def train_tagger(config: TaggerConfig,
                 callback: Callable[[Event], None] | None = None) -> Trained:
    """Train on the corpus' train split and select on dev (span F1 for BIO tags, else token
    accuracy); see `treenet.models.train.fit`."""
    return tagger_job(config).run(callback)
