"""`treenet eval`, `treenet predict` and the spaCy component on runs trained on tiny data."""

import io
import json
from importlib.util import find_spec

import pytest

from treenet.cli import main
from treenet.cli.predict import pipeline
from treenet.data.text import FALLBACK_PIPELINES
from treenet.models.run import RunError


def test_eval_sentiment(sst_run, sst_data, capsys):
    assert main(["eval", str(sst_run), "--file", str(sst_data / "sst" / "dev.txt")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"labels", "sentences", "root_acc", "all_nodes_acc"}
    assert result["labels"] == "fine" and result["sentences"] == 10
    config = json.loads((sst_run / "config.json").read_text())
    assert result["root_acc"] == config["metrics"]["root_accuracy"]  # dev was the same file


def test_eval_tagger(chunk_run, conll_files, capsys):
    assert main(["eval", str(chunk_run), "--file", str(conll_files[1]), "--batching",
                 "none"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result)[:3] == ["sentences", "accuracy", "f1"] and "f1/NP" in result
    assert result["sentences"] == 3


def test_predict_sentiment_text_and_json(sst_run, capsys):
    assert main(["predict", str(sst_run), "a good movie", "bad", "--spacy", "none"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0].endswith(": a good movie")
    assert lines[1].startswith("(") and lines[1].endswith(" movie)))") and lines[3][2:] == " bad)"
    assert main(["predict", str(sst_run), "a good movie", "--spacy", "none", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sentence"] == "a good movie" and result["tree"].count("(") == 5
    assert result["label"] in result["probabilities"] and len(result["probabilities"]) == 5
    assert sum(result["probabilities"].values()) == pytest.approx(1.0)


def test_predict_reads_stdin_and_parses_with_spacy(sst_run, chunk_run, capsys, monkeypatch):
    pytest.importorskip("spacy")
    monkeypatch.setattr("sys.stdin", io.StringIO("A good movie. Not bad at all.\n\n"))
    assert main(["predict", str(sst_run), "--spacy", "none"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("He said it. It is expected.\n"))
    assert main(["predict", str(chunk_run), "--json"]) == 0  # the default pipeline
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["words"] for line in lines] == [["He", "said", "it", "."],
                                                 ["It", "is", "expected", "."]]
    assert all(len(line["tags"]) == len(line["words"]) for line in lines)


def test_default_pipeline_is_an_installed_english_one():
    pytest.importorskip("spacy")
    if not any(find_spec(name) for name in FALLBACK_PIPELINES):
        pytest.skip(f"none of {FALLBACK_PIPELINES} is installed")
    assert "parser" in pipeline(None).pipe_names
    assert pipeline("none") is None


def test_spacy_component(sst_run, chunk_run):
    spacy = pytest.importorskip("spacy")
    import treenet.spacy_component  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("treenet_sentiment", config={"model": str(sst_run)})
    doc = nlp("A good movie. Not bad at all.")
    sentences = list(doc.sents)
    assert len(sentences) == 2 and doc._.sentiments == [s._.sentiment for s in sentences]
    for sentiment in doc._.sentiments:
        assert sentiment["label"] in sentiment["probabilities"]
        assert sum(sentiment["probabilities"].values()) == pytest.approx(1.0)
    batched = list(nlp.pipe(["Bad.", "A good movie. Not bad at all."], batch_size=2))
    for alone, together in zip(doc._.sentiments, batched[1]._.sentiments, strict=True):
        assert together["label"] == alone["label"]
        assert together["probabilities"] == pytest.approx(alone["probabilities"], rel=1e-5)
    blank = spacy.blank("en")  # no sentence boundaries: the whole doc is one sentence
    blank.add_pipe("treenet_sentiment", config={"model": str(sst_run), "batching": "none"})
    assert len(blank("so so good")._.sentiments) == 1
    with pytest.raises(RunError, match="not a sentiment run"):
        spacy.blank("en").add_pipe("treenet_sentiment", config={"model": str(chunk_run)})
