"""Tests for treenet.data.tags: span reading as conlleval does, scheme conversion, F1."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treenet.data import SCHEMES, chunk_scores, convert_tags, spans, to_tags


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("B-NP I-NP O B-VP", [("NP", 0, 2), ("VP", 3, 4)]),
        ("B-NP B-NP I-NP", [("NP", 0, 1), ("NP", 1, 3)]),
        # ill-formed I- starts: conlleval opens a new chunk
        ("I-NP I-NP O", [("NP", 0, 2)]),
        ("O I-PER I-PER", [("PER", 1, 3)]),
        ("B-PER I-LOC I-LOC", [("PER", 0, 1), ("LOC", 1, 3)]),
        ("B-PER I-PER I-LOC B-LOC", [("PER", 0, 2), ("LOC", 2, 3), ("LOC", 3, 4)]),
        # IOB1: B- only separates adjacent chunks of one type
        ("I-NP I-NP B-NP O I-VP", [("NP", 0, 2), ("NP", 2, 3), ("VP", 4, 5)]),
        # BIOES
        ("S-X B-Y I-Y E-Y S-Y O", [("X", 0, 1), ("Y", 1, 4), ("Y", 4, 5)]),
        ("B-Y E-Y I-Y E-Y", [("Y", 0, 2), ("Y", 2, 4)]),
        ("O E-Y", [("Y", 1, 2)]),
        ("B-creative-work I-creative-work", [("creative-work", 0, 2)]),
        ("", []),
        ("O O", []),
    ],
)
def test_spans(tags, expected):
    assert spans(tags.split()) == expected


@pytest.mark.parametrize("tag", ["X", "B-", "O-X", "b-NP", "-NP", ""])
def test_unknown_tags_are_rejected(tag):
    with pytest.raises(ValueError, match="expected a tag O or"):
        spans(["O", tag])


def test_conversions_between_schemes():
    bio = "B-NP I-NP B-NP O B-VP B-PP I-PP I-PP".split()
    iob1 = "I-NP I-NP B-NP O I-VP I-PP I-PP I-PP".split()
    bioes = "B-NP E-NP S-NP O S-VP B-PP I-PP E-PP".split()
    for tags in (bio, iob1, bioes):
        assert convert_tags(tags, "BIO") == bio
        assert convert_tags(tags, "IOB2") == bio
        assert convert_tags(tags, "iob1") == iob1
        assert convert_tags(tags, "BIOES") == bioes
        assert convert_tags(tags, "IOBES") == bioes
    assert convert_tags("O I-X I-Y".split(), "BIO") == ["O", "B-X", "B-Y"]
    assert to_tags([("A", 2, 3)], 4, "BIOES") == ["O", "O", "S-A", "O"]
    assert SCHEMES == ("BIO", "IOB1", "BIOES")
    with pytest.raises(ValueError, match="unknown tag scheme"):
        convert_tags(["O"], "BILOU")


def test_chunk_scores_hand_made():
    gold = [
        "B-PER I-PER O B-LOC".split(),
        "B-ORG O O".split(),
    ]
    pred = [
        "B-PER I-PER O I-LOC".split(),  # an I- start still matches the LOC chunk
        "B-ORG I-ORG O".split(),  # wrong end
    ]
    scores = chunk_scores(gold, pred)
    assert (scores.overall.correct, scores.overall.predicted, scores.overall.gold) == (2, 3, 3)
    assert scores.overall.precision == pytest.approx(2 / 3)
    assert scores.overall.f1 == pytest.approx(2 / 3)
    assert scores.by_type["ORG"].f1 == 0.0
    assert scores.by_type["LOC"].f1 == 1.0
    assert list(scores.by_type) == ["LOC", "ORG", "PER"]
    assert scores.accuracy == pytest.approx(5 / 7)


def test_chunk_scores_edge_cases():
    empty = chunk_scores([["O", "O"]], [["O", "O"]])
    assert (empty.overall.precision, empty.overall.recall, empty.overall.f1) == (0, 0, 0)
    assert empty.accuracy == 1.0
    assert chunk_scores([], []).accuracy == 0.0
    wrong_type = chunk_scores([["B-PER", "I-PER"]], [["B-PER", "I-LOC"]])
    assert (wrong_type.overall.correct, wrong_type.overall.predicted) == (0, 2)
    with pytest.raises(ValueError, match="lengths differ"):
        chunk_scores([["O"]], [["O", "O"]])
    with pytest.raises(ValueError):
        chunk_scores([["O"]], [])


# -- agreement with a line-by-line transcription of conlleval.pl's counting loop ----------


def _end_of_chunk(prev, tag, prev_type, kind):
    end = (prev, tag) in {
        ("B", "B"),
        ("B", "O"),
        ("I", "B"),
        ("I", "O"),
        ("E", "E"),
        ("E", "I"),
        ("E", "O"),
    }
    return end or (prev not in ("O", ".") and prev_type != kind)


def _start_of_chunk(prev, tag, prev_type, kind):
    start = (prev, tag) in {
        ("B", "B"),
        ("I", "B"),
        ("O", "B"),
        ("O", "I"),
        ("E", "E"),
        ("E", "I"),
        ("O", "E"),
    }
    return start or (tag not in ("O", ".") and prev_type != kind)


def _split(tag):
    head, dash, kind = tag.partition("-")
    return (head, kind) if dash else (tag, "")


def conlleval_counts(gold_sents, pred_sents):
    """conlleval.pl's main loop; a sentence break is processed as an O/O line."""
    correct_chunk = found_correct = found_guessed = 0
    in_correct = False
    last_c, last_g, last_ct, last_gt = "O", "O", "", ""
    items = []
    for g_sent, p_sent in zip(gold_sents, pred_sents, strict=True):
        items += list(zip(g_sent, p_sent, strict=True)) + [("O", "O")]
    for gold_tag, pred_tag in items:
        c, ct = _split(gold_tag)
        g, gt = _split(pred_tag)
        if in_correct:
            c_end = _end_of_chunk(last_c, c, last_ct, ct)
            g_end = _end_of_chunk(last_g, g, last_gt, gt)
            if c_end and g_end and last_gt == last_ct:
                in_correct = False
                correct_chunk += 1
            elif c_end != g_end or gt != ct:
                in_correct = False
        c_start = _start_of_chunk(last_c, c, last_ct, ct)
        g_start = _start_of_chunk(last_g, g, last_gt, gt)
        if c_start and g_start and gt == ct:
            in_correct = True
        found_correct += c_start
        found_guessed += g_start
        last_c, last_g, last_ct, last_gt = c, g, ct, gt
    if in_correct:
        correct_chunk += 1
    return correct_chunk, found_guessed, found_correct


_tag = st.sampled_from(["O", "B-X", "I-X", "B-Y", "I-Y"])
_pair = st.integers(0, 8).flatmap(
    lambda n: st.tuples(
        st.lists(_tag, min_size=n, max_size=n), st.lists(_tag, min_size=n, max_size=n)
    )
)


@settings(deadline=None, derandomize=True, max_examples=200)
@given(st.lists(_pair, max_size=4))
def test_scores_agree_with_conlleval(pairs):
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    overall = chunk_scores(gold, pred).overall
    assert (overall.correct, overall.predicted, overall.gold) == conlleval_counts(gold, pred)


@settings(deadline=None, derandomize=True, max_examples=200)
@given(
    st.lists(st.sampled_from(["O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y", "S-Y"]), max_size=10)
)
def test_conversion_preserves_spans(tags):
    chunks = spans(tags)
    for scheme in SCHEMES:
        assert spans(convert_tags(tags, scheme)) == chunks
