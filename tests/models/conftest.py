"""Shared helpers for the model tests: a few optimizer steps under a chosen batching mode."""

import numpy as np
import pytest

import treenet as tn
from treenet.models.train import batching_context


def _train_losses(make_model, loss_of, batches, batching, strategy="agenda", seed=0):
    """Per-step losses of a freshly seeded model trained by Adagrad on `batches`; `loss_of(model,
    batch)` returns the batch's summed loss."""
    tn.manual_seed(seed)
    model = make_model()
    optimizer = tn.optim.Adagrad(model.parameters(), lr=0.1)
    losses = []
    for batch in batches:
        with batching_context(batching, strategy):
            loss = loss_of(model, batch) / len(batch)
            loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return np.array(losses), model


@pytest.fixture
def train_losses():
    return _train_losses


@pytest.fixture
def same_training(train_losses):
    """Check that eager, agenda-batched and depth-batched training give equal losses and
    weights (rtol 1e-5 in float32, 1e-10 in float64); returns the eager losses."""

    def check(make_model, loss_of, batches, dtype):
        rtol = 1e-10 if dtype == np.float64 else 1e-5
        eager, eager_model = train_losses(make_model, loss_of, batches, "none")
        for strategy in ("agenda", "depth"):
            batched, model = train_losses(make_model, loss_of, batches, "dynamic", strategy)
            np.testing.assert_allclose(batched, eager, rtol=rtol)
            for (name, p), q in zip(model.named_parameters(), eager_model.parameters(),
                                    strict=True):
                np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=rtol, atol=rtol,
                                           err_msg=name)
        assert eager[-1] < eager[0]
        return eager

    return check


SST_TREES = ["(3 (2 a) (4 good))", "(1 (2 not) (3 (2 a) (4 good)))",
             "(0 (1 (2 very) (1 bad)) (2 (2 movie) (2 .)))", "(4 (4 great) (2 .))",
             "(2 (2 a) (2 (2 movie) (2 (2 not) (1 (2 very) (3 good)))))", "(1 bad)",
             "(3 (3 (2 the) (3 fun)) (2 movie))", "(0 (0 awful) (2 (2 the) (2 film)))"]


@pytest.fixture
def tiny_sst(tmp_path):
    """A folder holding a tiny SST-format train.txt and dev.txt."""
    folder = tmp_path / "sst"
    folder.mkdir()
    (folder / "train.txt").write_text("\n".join(SST_TREES) + "\n")
    (folder / "dev.txt").write_text("\n".join(SST_TREES[::-1]) + "\n")
    return tmp_path


@pytest.fixture
def tiny_conll(tmp_path, conll_sample):
    """Paths of tiny CoNLL-2000-format train and dev files (word POS chunk)."""
    train, dev = tmp_path / "train.txt", tmp_path / "dev.txt"
    train.write_text(conll_sample * 2)
    dev.write_text(conll_sample)
    return train, dev
