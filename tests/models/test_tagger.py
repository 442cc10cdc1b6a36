"""BiLSTM tagger: eager == batched training, padded == per-sentence, character windows."""

import numpy as np
import pytest

import treenet as tn
from treenet.data.vocab import Vocab
from treenet.models import BiLSTMTagger, bio_penalty, padded_loss, padded_predict, padded_scores
from treenet.models.chars import CharCNN

SENTENCES = [
    (["He", "reckons", "the", "deficit", "will", "narrow"], ["B-NP", "B-VP", "B-NP", "I-NP",
                                                            "B-VP", "I-VP"]),
    (["Rockwell", "said"], ["B-NP", "B-VP"]),
    (["the", "agreement", "is", "expected"], ["B-NP", "I-NP", "B-VP", "I-VP"]),
    (["It", "is", "."], ["B-NP", "B-VP", "O"]),
    (["unbelievably", "long", "wordswithmanycharacters", "here", "too"],
     ["O", "B-NP", "I-NP", "O", "O"]),
]


@pytest.fixture(scope="module")
def vocabs():
    return {"words": Vocab.build(w for w, _ in SENTENCES), "chars": Vocab.build_chars(
        w for w, _ in SENTENCES), "tags": Vocab.build((t for _, t in SENTENCES), pad=None,
                                                       unk=None)}


def make_tagger(vocabs, crf, chars=True, dtype=np.float64, fused=True):
    tags = vocabs["tags"].itos
    return BiLSTMTagger(len(vocabs["words"]), len(tags), embed_dim=5, hidden_size=4,
                        num_chars=len(vocabs["chars"]) if chars else 0, char_filters=3,
                        max_word_length=8, crf=crf, penalty=bio_penalty(tags) if crf else None,
                        dtype=dtype, fused=fused)


def grad(p):
    """A parameter's gradient as a dense numpy array."""
    return np.array(p.grad.numpy() if isinstance(p.grad, tn.Tensor) else p.grad.to_dense())


def encoded(model, vocabs):
    return [model.example(vocabs["words"].encode(w),
                          [vocabs["chars"].encode(x) for x in w], vocabs["tags"].encode(t))
            for w, t in SENTENCES]


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("crf", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_eager_equals_batched(vocabs, crf, dtype, fused, same_training):
    examples = encoded(make_tagger(vocabs, crf), vocabs)
    batches = [examples[:3], examples[3:]] * 2

    def loss_of(model, batch):
        return tn.sum(tn.stack([model.loss(s) for s in batch]))

    same_training(lambda: make_tagger(vocabs, crf, dtype=dtype, fused=fused), loss_of, batches,
                  dtype)


def test_fused_and_per_token_directions_agree(vocabs):
    results = []
    for fused in (True, False):
        tn.manual_seed(0)
        model = make_tagger(vocabs, crf=True, fused=fused)
        loss = tn.sum(tn.stack([model.loss(s) for s in encoded(model, vocabs)]))
        loss.backward()
        results.append((loss.item(), {name: grad(p) for name, p in model.named_parameters()}))
    (fused_loss, fused_grads), (step_loss, step_grads) = results
    assert fused_loss == pytest.approx(step_loss, rel=1e-12)
    for name, g in step_grads.items():
        np.testing.assert_allclose(fused_grads[name], g, rtol=1e-10, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("chars", [False, True])
@pytest.mark.parametrize("crf", [False, True])
def test_padded_equals_per_sentence(vocabs, crf, chars):
    tn.manual_seed(0)
    model = make_tagger(vocabs, crf, chars).eval()
    examples = encoded(model, vocabs)
    scores, mask = padded_scores(model, examples)
    assert mask.sum() == sum(len(s) for s in examples)
    for b, sentence in enumerate(examples):
        np.testing.assert_allclose(scores.numpy()[b, :len(sentence)],
                                   model(sentence).numpy(), rtol=1e-10)
    per_sentence = tn.sum(tn.stack([model.loss(s) for s in examples]))
    per_sentence.backward()
    expected = {name: grad(p) for name, p in model.named_parameters()}
    model.zero_grad()
    padded = padded_loss(model, examples)
    assert padded.item() == pytest.approx(per_sentence.item(), rel=1e-10)
    padded.backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(grad(p), expected[name], rtol=1e-8, atol=1e-12, err_msg=name)
    assert padded_predict(model, examples) == [model.decode(model(s).numpy()) for s in examples]


def test_char_windows():
    cnn = CharCNN(num_chars=10, filters=2, width=3, max_length=4)
    windows = cnn.encode([[1, 2], [1, 2, 3, 4, 5, 6]])
    assert windows.shape == (2, 4, 3)
    slots = windows - np.arange(3) * 10  # back to character ids
    np.testing.assert_array_equal(slots[0], [[0, 1, 2], [1, 2, 0], [2, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(slots[1], [[0, 1, 2], [1, 2, 5], [2, 5, 6], [5, 6, 0]])


@pytest.mark.parametrize("fused", [True, False])
def test_batched_tagger_groups_token_ops(vocabs, fused):
    tn.manual_seed(0)
    model = make_tagger(vocabs, crf=True, dtype=np.float32, fused=fused)
    examples = encoded(model, vocabs)
    with tn.autobatch() as batch:
        tn.sum(tn.stack([model.loss(s) for s in examples])).backward()
    profile = batch.profile
    tokens = sum(len(s) for s in examples)
    if fused:  # each direction of every sentence: one packed recurrence
        assert profile.nodes_by_op["lstm_sequence"] == 2 * len(examples)
        assert profile.launches_by_op["lstm_sequence"] == 2
    else:
        assert profile.nodes_by_op["lstm_step"] == 2 * tokens
        assert profile.launches_by_op["lstm_step"] <= 2 * max(len(s) for s in examples)
    assert profile.launches_by_op["lookup"] <= 2
    assert profile.launches_by_op["logsumexp"] <= max(len(s) for s in examples) + 2
