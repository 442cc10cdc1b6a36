"""Tests for treenet.data.sst: label views, finding, downloading, and the real SST counts."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import urllib.error
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from treenet.data import (
    IGNORE_LABEL,
    DatasetNotFoundError,
    binary_view,
    download_sst,
    find_sst,
    load_sst,
    parse_tree,
    read_sst,
)

TRAIN = "(3 (2 (2 A) (3 fine)) (2 film))\n(2 (2 meh) (2 .))\n(0 (1 bad) (2 .))\n"
DEV = "(4 (4 great) (2 .))\n"
TEST = "(1 (1 dull) (2 .))\n"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No TREENET_DATA and a private user cache, so tests never see real files."""
    monkeypatch.delenv("TREENET_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def write_sst(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("train.txt", TRAIN), ("dev.txt", DEV), ("test.txt", TEST)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def make_zip(path):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in (("train.txt", TRAIN), ("dev.txt", DEV), ("test.txt", TEST)):
            zf.writestr(f"trees/{name}", text)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_binary_view_maps_labels_and_drops_neutral_roots():
    trees = [parse_tree(line, num_classes=5) for line in TRAIN.splitlines()]
    binary = binary_view(trees)
    assert [t.to_string() for t in binary] == [
        "(1 (-1 (-1 A) (1 fine)) (-1 film))",
        "(0 (0 bad) (-1 .))",
    ]
    assert IGNORE_LABEL == -1
    assert trees[0].label == 3  # the fine-grained trees are untouched


def test_find_sst_prefers_the_explicit_folder(tmp_path, monkeypatch):
    explicit = write_sst(tmp_path / "mine")
    monkeypatch.setenv("TREENET_DATA", str(tmp_path / "env"))
    write_sst(tmp_path / "env" / "sst")
    assert find_sst(explicit) == explicit
    assert find_sst(tmp_path / "env") == tmp_path / "env" / "sst"
    assert find_sst() == tmp_path / "env" / "sst"


def test_find_sst_accepts_the_unzipped_archive_folder(tmp_path):
    folder = write_sst(tmp_path / "trainDevTestTrees_PTB" / "trees")
    assert find_sst(tmp_path / "trainDevTestTrees_PTB", download=False) == folder


def test_find_sst_uses_the_cache(tmp_path):
    cached = write_sst(tmp_path / "cache" / "treenet" / "sst")
    assert find_sst(download=False) == cached


def test_download_from_a_file_url_into_the_cache(tmp_path):
    archive, digest = make_zip(tmp_path / "sst.zip")
    folder = find_sst(url=archive.as_uri(), sha256=digest)
    assert folder == tmp_path / "cache" / "treenet" / "sst"
    assert [t.label for t in read_sst(folder / "train.txt")] == [3, 2, 0]
    assert (folder / "test.txt").read_text(encoding="utf-8") == TEST
    assert not list(folder.glob("*.part"))
    assert find_sst(download=False) == folder  # found in the cache the next time


def test_download_goes_to_treenet_data_when_set(tmp_path, monkeypatch):
    monkeypatch.setenv("TREENET_DATA", str(tmp_path / "data"))
    archive, digest = make_zip(tmp_path / "sst.zip")
    calls = []

    def opener(url):
        calls.append(url)
        return io.BytesIO(archive.read_bytes())

    folder = find_sst(url="https://example.invalid/sst.zip", sha256=digest, opener=opener)
    assert folder == tmp_path / "data" / "sst"
    assert calls == ["https://example.invalid/sst.zip"]
    # a second download finds the verified archive and does not fetch again
    download_sst(folder, url="https://example.invalid/sst.zip", sha256=digest, opener=opener)
    assert len(calls) == 1


def test_checksum_mismatch_is_reported(tmp_path):
    archive, _ = make_zip(tmp_path / "sst.zip")
    with pytest.raises(DatasetNotFoundError, match="expected SHA-256 0+, got"):
        find_sst(url=archive.as_uri(), sha256="0" * 64)
    assert not list((tmp_path / "cache").rglob("*.zip*"))


def test_offline_message_says_where_it_looked_and_how_to_fix(tmp_path):
    def offline(url):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(DatasetNotFoundError) as info:
        find_sst(tmp_path / "nowhere", opener=offline)
    message = str(info.value)
    for expected in (
        str(tmp_path / "nowhere"),
        str(tmp_path / "nowhere" / "sst"),
        str(tmp_path / "cache" / "treenet" / "sst"),
        "Temporary failure in name resolution",
        "TREENET_DATA",
        "--data",
        "trainDevTestTrees_PTB.zip",
    ):
        assert expected in message
    assert isinstance(info.value, FileNotFoundError)
    assert not (tmp_path / "cache").exists()  # a failed download leaves nothing behind


def test_download_disabled(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        find_sst(tmp_path, download=False)


def test_load_sst_views_and_argument_checks(tmp_path):
    folder = write_sst(tmp_path / "sst")
    assert len(load_sst("train", data_dir=folder)) == 3
    assert [t.label for t in load_sst("train", view="binary", data_dir=folder)] == [1, 0]
    assert load_sst("test", data_dir=folder)[0].label == 1
    with pytest.raises(ValueError, match="split"):
        load_sst("validation", data_dir=folder)
    with pytest.raises(ValueError, match="view"):
        load_sst("train", view="ternary", data_dir=folder)
    (folder / "test.txt").unlink()
    with pytest.raises(DatasetNotFoundError, match="test split"):
        load_sst("test", data_dir=folder)


# -- the real SST (skipped without TREENET_DATA) -------------------------------------------


@pytest.fixture(scope="module")
def real_sst(corpus):
    return corpus("sst/train.txt").parent


@pytest.fixture(scope="module")
def train_trees(real_sst):
    return read_sst(real_sst / "train.txt")


def test_real_train_counts(train_trees):
    trees = train_trees
    assert len(trees) == 8544
    assert sum(len(t.nodes()) for t in trees) == 318_582
    assert sum(len(t.leaves()) for t in trees) == 163_563
    roots = Counter(t.label for t in trees)
    assert [roots[k] for k in range(5)] == [1092, 2218, 1624, 2322, 1288]
    assert all(len(n.children) in (0, 2) for t in trees for n in t.nodes())


def test_real_dev_counts(real_sst):
    trees = read_sst(real_sst / "dev.txt")
    assert len(trees) == 1101
    assert sum(len(t.nodes()) for t in trees) == 41_447
    assert sum(len(t.leaves()) for t in trees) == 21_274
    roots = Counter(t.label for t in trees)
    assert [roots[k] for k in range(5)] == [139, 289, 229, 279, 165]


def test_real_no_break_space_token_is_one_leaf(train_trees):
    odd = [w for t in train_trees for w in t.words() if "\u00a0" in w]
    assert odd == ["8\u00a01\\/2", "2\u00a01\\/2", "2\u00a01\\/2"]


def test_real_lines_print_back_unchanged(real_sst):
    lines = (real_sst / "dev.txt").read_text(encoding="utf-8").splitlines()
    assert [t.to_string() for t in read_sst(real_sst / "dev.txt")] == lines


def test_real_binary_view_sizes(real_sst, train_trees, monkeypatch):
    assert len(binary_view(train_trees)) == 6920
    monkeypatch.setenv("TREENET_DATA", str(real_sst.parent))
    dev = load_sst("dev", view="binary", download=False)
    assert len(dev) == 872
    assert {n.label for t in dev for n in t.nodes()} == {IGNORE_LABEL, 0, 1}


def test_read_benchmark_runs_and_reports_what_it_measured(real_sst, capsys):
    """The benchmark script works; its figure is reported, not asserted (no timing tests)."""
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "read_sst.py"
    spec = importlib.util.spec_from_file_location("read_sst_benchmark", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    median = module.main(["--data", str(real_sst), "--runs", "1"])
    out = capsys.readouterr().out
    assert "8544 trees, 318582 nodes" in out and "median of 1 runs" in out
    assert median > 0
