"""The training loop and the sentiment / tagging recipes on tiny data: seeded, reproducible,
best-model selection, early stopping, progress events, batching modes agreeing."""

import numpy as np
import pytest

import treenet as tn
from treenet.models import (
    SentimentConfig,
    TaggerConfig,
    fit,
    train_sentiment,
    train_tagger,
)
from treenet.models.tagging import tagger_job
from treenet.models.train import sample, summed


class Scalar(tn.nn.Module):
    """y = w * x, trained towards x = 1 -> y = target."""

    def __init__(self):
        super().__init__()
        self.w = tn.nn.Parameter(np.zeros(1))

    def loss(self, target):
        return tn.sum((self.w - target) ** 2)


def test_fit_keeps_best_epoch_and_stops_on_patience():
    model = Scalar()
    optimizer = tn.optim.SGD(model.parameters(), lr=0.5)
    scores = iter([1.0, 3.0, 2.0, 2.5, 1.0, 9.0])
    weights = []

    def evaluate():
        weights.append(float(model.w.data[0]))
        return {"score": next(scores)}

    events = []
    history = fit(model, [optimizer], [1.0, 1.0, 1.0, 1.0], summed(model.loss), evaluate,
                  metric="score", epochs=6, batch_size=2, patience=3, batching="none",
                  callback=events.append)
    assert history.stopped == "patience" and len(history.epochs) == 5
    assert history.best_epoch == 2 and history.best.best
    assert float(model.w.data[0]) == weights[1]  # the best epoch's weights are back
    assert [e.kind for e in events[:3]] == ["batch", "batch", "epoch"]
    assert events[0].steps == 2 and events[2].record is history.epochs[0]
    assert history.to_dict()["epochs"][0]["dev"] == {"score": 1.0}


def test_fit_stops_before_running_out_of_time():
    model = Scalar()
    history = fit(model, [tn.optim.SGD(model.parameters(), lr=0.1)], [1.0] * 4,
                  summed(model.loss), lambda: {"score": 0.0}, metric="score", epochs=50,
                  batch_size=2, max_seconds=0.0)
    assert history.stopped == "time" and len(history.epochs) == 1


def test_sample_keeps_order():
    items = list(range(100))
    picked = sample(items, 10, seed=3)
    assert len(picked) == 10 and picked == sorted(picked) and picked != items[:10]
    assert sample(items, None) == items


def losses(history):
    return np.array([e.train_loss for e in history.epochs])


@pytest.mark.parametrize("model", ["constituency", "childsum"])
@pytest.mark.parametrize(("labels", "neutral_class", "outputs"),
                         [("fine", True, 5), ("binary", True, 3), ("binary", False, 2)])
def test_train_sentiment_is_reproducible_and_batching_agrees(tiny_sst, model, labels,
                                                             neutral_class, outputs):
    config = SentimentConfig(model=model, labels=labels, neutral_class=neutral_class,
                             data_dir=str(tiny_sst), vectors="none", embed_dim=8, hidden_size=6,
                             epochs=3, batch_size=3, patience=None)
    first = train_sentiment(config)
    again = train_sentiment(config)
    eager = train_sentiment(SentimentConfig(**{**vars(config), "batching": "none"}))
    np.testing.assert_array_equal(losses(first.history), losses(again.history))
    np.testing.assert_allclose(losses(eager.history), losses(first.history), rtol=1e-5)
    assert first.vectors == "none" and first.task == "sentiment"
    assert set(first.metrics) == {"root_accuracy", "node_accuracy"}
    assert first.model_args["num_classes"] == outputs
    assert losses(first.history)[-1] < losses(first.history)[0]


def test_train_sentiment_with_a_vectors_file(tiny_sst, tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("good 0.1 0.2 0.3\nbad -0.1 -0.2 -0.3\nmovie 0 1 0\n")
    trained = train_sentiment(SentimentConfig(data_dir=str(tiny_sst), vectors=str(path),
                                              hidden_size=4, epochs=1))
    assert trained.vectors == str(path) and trained.model_args["embed_dim"] == 3
    vocab = trained.vocabs["words"]
    np.testing.assert_allclose(trained.model.embed.weight.numpy()[vocab["movie"]], [0, 1, 0],
                               atol=0.2)  # started at the vector, moved by one epoch of SGD


@pytest.mark.parametrize("crf", [False, True])
def test_train_tagger_batching_modes_agree(tiny_conll, crf):
    train, dev = tiny_conll
    base = {"corpus": "files", "train_path": str(train), "dev_path": str(dev), "column": 2,
            "vectors": "none", "embed_dim": 6, "hidden_size": 5, "char_filters": 4,
            "crf": crf, "epochs": 3, "batch_size": 2, "patience": None, "dropout": 0.0}
    results = {b: train_tagger(TaggerConfig(**base, batching=b))
               for b in ("dynamic", "none", "padded")}
    dynamic = results["dynamic"]
    for other in ("none", "padded"):
        np.testing.assert_allclose(losses(results[other].history), losses(dynamic.history),
                                   rtol=1e-5)
    assert dynamic.history.metric == "f1" and "f1/NP" in dynamic.metrics
    profile = dynamic.history.epochs[0].batching
    assert profile["nodes"] > profile["launches"] / 2 > 0  # launches: forward + backward
    assert results["padded"].history.epochs[0].batching == {}
    assert dynamic.model_args["penalty"] == ("bio" if crf else None)
    assert losses(dynamic.history)[-1] < losses(dynamic.history)[0]


def test_train_tagger_pos_scores_accuracy(tiny_conll):
    train, dev = tiny_conll
    trained = train_tagger(TaggerConfig(corpus="files", train_path=str(train),
                                        dev_path=str(dev), column=1, vectors="none",
                                        embed_dim=6, hidden_size=5, chars=False, epochs=1))
    assert trained.history.metric == "accuracy" and set(trained.metrics) == {"accuracy"}
    assert trained.model_args["penalty"] is None and trained.model.chars is None


def test_fit_resumes_an_interrupted_run_exactly(tiny_conll, tmp_path):
    """Interrupted by a callback mid-epoch, saved with treenet.save, resumed: the same losses,
    metrics and weights as a run never stopped (Adam, a decaying schedule, dropout, CRF)."""
    train, dev = tiny_conll
    config = TaggerConfig(corpus="files", train_path=str(train), dev_path=str(dev), column=2,
                          vectors="none", embed_dim=6, hidden_size=5, char_filters=4,
                          epochs=3, batch_size=2, patience=None, dropout=0.3)
    whole = tagger_job(config).run()
    path = tmp_path / "last.safetensors"

    def stop_at(epoch, step):
        def callback(event):
            if (event.kind, event.epoch, event.step) == ("batch", epoch, step):
                raise KeyboardInterrupt
        return callback

    job = tagger_job(config)
    with pytest.raises(KeyboardInterrupt):
        job.run(stop_at(2, 2), checkpoint=lambda state: tn.save(state, path))
    assert tn.load(path).state["position"]["step"] == 2
    resumed = tagger_job(config).run(checkpoint=lambda state: None,
                                     resume=tn.load(path).state)
    def outcome(history):
        return [(e.epoch, e.train_loss, e.dev, e.best) for e in history.epochs]

    assert outcome(resumed.history) == outcome(whole.history)
    assert resumed.history.best_epoch == whole.history.best_epoch
    for (name, p), q in zip(resumed.model.named_parameters(), whole.model.parameters(),
                            strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=name)
