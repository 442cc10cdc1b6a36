"""Models people train with treenet: Tree-LSTM sentiment classifiers and sequence taggers,
their training recipes, metrics and run folders."""

from treenet.models.chars import CharCNN
from treenet.models.crf import CRF, bio_penalty, viterbi
from treenet.models.padded import padded_loss, padded_predict, padded_scores
from treenet.models.run import (
    RunError,
    SentimentPredictor,
    TaggerPredictor,
    load_run,
    save_run,
    write_run,
)
from treenet.models.sentiment import (
    SentimentConfig,
    predict_labels,
    predict_probabilities,
    sentiment_job,
    train_sentiment,
)
from treenet.models.tagger import BiLSTMTagger, TaggedIds
from treenet.models.tagging import (
    CORPORA,
    TaggerConfig,
    predict_tags,
    read_tagged,
    tagger_job,
    train_tagger,
)
from treenet.models.train import EpochRecord, Event, History, Job, RunInfo, Trained, fit
from treenet.models.tree_lstm import (
    ChildSumTreeLSTM,
    ConstituencyTreeLSTM,
    TreeSentiment,
    node_labels,
    tree_word_ids,
)
from treenet.models.vectors import load_vectors, word_vocab

__all__ = [
    "CORPORA", "CRF", "BiLSTMTagger", "CharCNN", "ChildSumTreeLSTM", "ConstituencyTreeLSTM",
    "EpochRecord", "Event", "History", "Job", "RunError", "RunInfo", "SentimentConfig",
    "SentimentPredictor", "TaggedIds", "TaggerConfig", "TaggerPredictor", "Trained",
    "TreeSentiment", "bio_penalty", "fit", "load_run", "load_vectors", "node_labels",
    "padded_loss", "padded_predict", "padded_scores", "predict_labels", "predict_probabilities",
    "predict_tags", "read_tagged", "save_run", "sentiment_job", "tagger_job", "train_sentiment",
    "train_tagger", "tree_word_ids", "viterbi", "word_vocab", "write_run",
]
