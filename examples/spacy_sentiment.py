"""Sentence sentiment inside a spaCy pipeline, from a run folder trained by `treenet train sst`.

    python examples/spacy_sentiment.py RUN_DIR "A gorgeous film. The plot is thin."

The pipeline is the first installed English parser (en_core_web_sm, ...; its parse gives the
trees), else a blank English tokenizer: see `treenet.data.load_pipeline`.
"""

import sys

import treenet.spacy_component  # noqa: F401  (registers "treenet_sentiment"; the entry point does too)
from treenet.data import load_pipeline

run_dir, text = sys.argv[1], " ".join(sys.argv[2:])
nlp = load_pipeline()
nlp.add_pipe("treenet_sentiment", config={"model": run_dir})

for sentence in nlp(text).sents:
    sentiment = sentence._.sentiment
    print(f"{sentiment['label']:>13} {sentiment['probabilities'][sentiment['label']]:.2f}  "
          f"{sentence.text}")
