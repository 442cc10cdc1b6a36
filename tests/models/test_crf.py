"""The CRF's log-partition and Viterbi path equal brute-force enumeration of all tag sequences."""

import itertools

import numpy as np
import pytest

import treenet as tn
from treenet.models.crf import CRF, allows, bio_penalty, is_bio, transition_counts, viterbi


def path_score(emissions, A, path):
    C = emissions.shape[1]
    moves = [C, *path, C]
    return (emissions[np.arange(len(path)), path].sum()
            + sum(A[i, j] for i, j in zip(moves[:-1], moves[1:], strict=True)))


def all_scores(emissions, A):
    T, C = emissions.shape
    paths = list(itertools.product(range(C), repeat=T))
    return paths, np.array([path_score(emissions, A, p) for p in paths])


def crf_with(rng, C, penalty=None):
    crf = CRF(C, penalty, dtype=np.float64)
    crf.transitions.data[...] = rng.standard_normal((C + 1, C + 1))
    return crf


@pytest.mark.parametrize("T", [1, 2, 3, 4])
def test_log_partition_and_viterbi_match_enumeration(T):
    rng = np.random.default_rng(T)
    C = 3
    crf = crf_with(rng, C)
    emissions = rng.standard_normal((T, C))
    rows = [tn.tensor(emissions[t:t + 1]) for t in range(T)]
    paths, scores = all_scores(emissions, crf.transitions.data)
    expected = np.log(np.exp(scores - scores.max()).sum()) + scores.max()
    assert crf.log_partition(rows).item() == pytest.approx(expected, rel=1e-12)
    assert tuple(crf.decode(emissions)) == paths[int(scores.argmax())]
    gold = list(paths[5 % len(paths)])
    nll = crf.nll(rows, gold).item()
    assert nll == pytest.approx(expected - path_score(emissions, crf.transitions.data, gold),
                                rel=1e-12)


def test_nll_gradient_is_marginals_minus_gold_counts():
    rng = np.random.default_rng(7)
    C, T = 3, 3
    crf = crf_with(rng, C)
    emissions = rng.standard_normal((T, C))
    rows = [tn.tensor(emissions[t:t + 1], requires_grad=True) for t in range(T)]
    gold = [0, 2, 1]
    crf.nll(rows, gold).backward()
    paths, scores = all_scores(emissions, crf.transitions.data)
    p = np.exp(scores - scores.max())
    p /= p.sum()
    expected = sum(pi * transition_counts(path, C) for pi, path in zip(p, paths, strict=True))
    np.testing.assert_allclose(crf.transitions.grad.numpy(),
                               expected - transition_counts(gold, C), atol=1e-12)
    marginal_0 = sum(pi * np.eye(C)[path[0]] for pi, path in zip(p, paths, strict=True))
    np.testing.assert_allclose(rows[0].grad.numpy()[0], marginal_0 - np.eye(C)[gold[0]],
                               atol=1e-12)


def test_bio_penalty_forbids_invalid_moves():
    tags = ["O", "B-NP", "I-NP", "B-VP", "I-VP"]
    assert is_bio(tags) and not is_bio(["NN", "VB"])
    penalty = bio_penalty(tags)
    C = len(tags)
    forbidden = {(i, j) for i in range(C + 1) for j in range(C + 1) if penalty[i, j] < 0}
    # I-NP only after B-NP or I-NP; I-VP only after B-VP or I-VP; never first
    assert forbidden == {(0, 2), (3, 2), (4, 2), (C, 2), (0, 4), (1, 4), (2, 4), (C, 4)}


def test_constrained_viterbi_matches_enumeration_of_valid_paths():
    rng = np.random.default_rng(3)
    tags = ["O", "B-X", "I-X"]
    crf = crf_with(rng, 3, bio_penalty(tags))
    emissions = rng.standard_normal((4, 3))
    emissions[:, 2] += 3.0  # I-X everywhere would win without the constraints
    A = crf.transitions.data + crf.penalty
    paths, scores = all_scores(emissions, A)
    best = paths[int(scores.argmax())]
    assert tuple(viterbi(emissions, A)) == best == tuple(crf.decode(emissions))
    assert best[0] != 2
    assert all(not (b == 2 and a == 0) for a, b in zip(best, best[1:], strict=False))


def test_allows_spots_invalid_gold_sequences():
    penalty = bio_penalty(["O", "B-X", "I-X"])
    assert allows(penalty, [0, 1, 2, 2, 0])
    assert not allows(penalty, [0, 2]) and not allows(penalty, [2])
