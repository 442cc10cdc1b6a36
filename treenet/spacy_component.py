"""A spaCy pipeline component, ``treenet_sentiment``, that sets a treenet sentiment run's
prediction on every sentence of a Doc.

    import spacy
    nlp = spacy.load("en_core_web_sm")
    nlp.add_pipe("treenet_sentiment", config={"model": "runs/sst-fine"})
    doc = nlp("A gorgeous film. The plot is thin.")
    [sent._.sentiment["label"] for sent in doc.sents]   # e.g. ["positive", "negative"]

Each sentence span gets ``span._.sentiment = {"label": name, "probabilities": {name: p}}``
(its root's prediction) and ``doc._.sentiments`` lists them in sentence order (None for a
sentence without words). Sentences are parsed into binary trees as `treenet.data.binary_trees`
does, so a pipeline with a parser gives the trees a Tree-LSTM expects; a Doc without sentence
boundaries counts as one sentence. `nlp.pipe` batches the trees of many docs into one
autobatched pass. spaCy finds the factory through the ``spacy_factories`` entry point, and
importing this module registers it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from treenet.data.text import binary_trees
from treenet.models.run import load_run

for _cls, _name in ((Span, "sentiment"), (Doc, "sentiments")):
    if not _cls.has_extension(_name):
        _cls.set_extension(_name, default=None)


class SentimentComponent:
    """Sets `span._.sentiment` on each sentence and `doc._.sentiments` (see the module)."""

    def __init__(self, model: str | Path, batching: str = "dynamic") -> None:
        self.predictor = load_run(model, task="sentiment")
        self.batching = batching

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Annotate `docs`, predicting the sentences of `batch_size` docs at a time."""
        docs = iter(docs)
        while batch := list(islice(docs, batch_size)):
            trees = [tree for doc in batch for tree in binary_trees(doc)]
            predicted = iter(self.predictor.predict(trees, self.batching))
            for doc in batch:
                sentiments = []
                for span in _sentences(doc):
                    has_words = any(not token.is_space for token in span)
                    span._.sentiment = next(predicted)[1] if has_words else None
                    sentiments.append(span._.sentiment)
                doc._.sentiments = sentiments
                yield doc


def _sentences(doc: Doc) -> list[Span]:
    """The doc's sentences, or the whole doc when it has no sentence boundaries (the rule of
    `treenet.data.binary_trees`, so that its trees and these spans line up)."""
    sentenced = doc.has_annotation("DEP") or doc.has_annotation("SENT_START")
    return list(doc.sents) if sentenced else [doc[:]]


@Language.factory("treenet_sentiment", default_config={"batching": "dynamic"})
def make_sentiment(nlp: Language, name: str, model: str, batching: str) -> SentimentComponent:
    """The ``treenet_sentiment`` factory: `model` is a sentiment run folder; `batching`
    ``"dynamic"`` (autobatch) or ``"none"``."""
    return SentimentComponent(model, batching)
