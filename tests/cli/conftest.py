"""Tiny corpora written to temporary folders, and runs trained on them once per session."""

import itertools
from pathlib import Path

import pytest

from treenet.cli import main

NEGATIVE, POSITIVE = ["awful", "dull", "bad"], ["good", "great", "fun"]
NOUNS = ["movie", "film", "plot", "cast"]


def sst_trees(count: int, offset: int = 0) -> list[str]:
    """SST-format trees such as (3 (2 the) (3 (3 good) (2 movie))) and (1 (2 not) (3 ...))."""
    trees = []
    pairs = itertools.cycle(itertools.product(NEGATIVE + POSITIVE, NOUNS))
    for k, (adjective, noun) in enumerate(itertools.islice(pairs, offset, offset + count)):
        label = 1 if adjective in NEGATIVE else 3
        phrase = f"({label} (2 the) ({label} ({label} {adjective}) (2 {noun})))"
        trees.append(phrase if k % 3 else f"({4 - label} (2 not) {phrase})")
    return trees


def write_sst(folder: Path) -> Path:
    """A data folder whose sst/ holds 30 train and 10 dev trees."""
    (folder / "sst").mkdir(parents=True)
    (folder / "sst" / "train.txt").write_text("\n".join(sst_trees(30)) + "\n")
    (folder / "sst" / "dev.txt").write_text("\n".join(sst_trees(10, offset=5)) + "\n")
    return folder


SST_ARGS = ["--vectors", "none", "--batch-size", "10", "--quiet"]


def _train_sst(data: Path, out: Path, *extra: str) -> int:
    return main(["train", "sst", "--data", str(data), "--out", str(out), *SST_ARGS, *extra])


@pytest.fixture
def train_sst():
    """main(["train", "sst", ...]) on a data folder into a run folder, tiny and quiet."""
    return _train_sst


@pytest.fixture(scope="session")
def sst_data(tmp_path_factory) -> Path:
    return write_sst(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def sst_run(sst_data, tmp_path_factory) -> Path:
    """A sentiment run trained 2 epochs without interruption."""
    out = tmp_path_factory.mktemp("runs") / "sst"
    assert _train_sst(sst_data, out, "--epochs", "2") == 0
    return out


@pytest.fixture(scope="session")
def conll_files(tmp_path_factory, conll_sample) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("conll")
    train, dev = folder / "train.txt", folder / "dev.txt"
    train.write_text(conll_sample * 3)
    dev.write_text(conll_sample)
    return train, dev


@pytest.fixture(scope="session")
def chunk_run(conll_files, tmp_path_factory) -> Path:
    """A chunking run (CRF, characters) trained one epoch on the tiny CoNLL files."""
    out = tmp_path_factory.mktemp("runs") / "chunk"
    train, dev = conll_files
    assert main(["train", "tagger", "--task", "chunk", "--train", str(train), "--dev", str(dev),
                 "--out", str(out), "--epochs", "1", "--vectors", "none", "--quiet"]) == 0
    return out
