"""The Stanford Sentiment Treebank: locating or downloading it, its splits and label views.

Label views. ``"fine"`` keeps SST's five classes on every node (0 very negative ... 4 very
positive). ``"binary"`` follows Tai et al. (2015) and the usual SST-2 setup: classes 0 and 1
become 0 (negative), 3 and 4 become 1 (positive); a sentence whose root is neutral (2) is
dropped, and every other neutral node gets ``IGNORE_LABEL`` (-1), which losses and scores skip
(``binary_view(trees, neutral=True)`` labels them 1 instead, with 0 negative and 2 positive:
the training labels of Tai et al.'s binary model). Labels stay ints so that a batch of them
fits one integer array. The binary view of the standard
splits has 6,920 train / 872 dev / 1,821 test sentences.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path, PurePosixPath

from ._gc import gc_paused
from .download import Opener, cache_dir, fetch
from .errors import DatasetNotFoundError
from .ptb import read_trees
from .tree import Tree, map_labels

__all__ = [
    "IGNORE_LABEL",
    "SST_NUM_CLASSES",
    "SST_SHA256",
    "SST_SPLITS",
    "SST_URL",
    "binary_view",
    "download_sst",
    "find_sst",
    "load_sst",
    "read_sst",
]

SST_URL = "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip"
SST_SHA256 = "5c613a4f673fc74097d523a2c83f38e0cc462984d847b82c7aaf36b01cbbbfcc"
SST_SPLITS = ("train", "dev", "test")
SST_NUM_CLASSES = 5
IGNORE_LABEL = -1
"""Label of neutral non-root nodes in the binary view; losses skip nodes labelled so."""

_BINARY = {0: 0, 1: 0, 2: IGNORE_LABEL, 3: 1, 4: 1}
_BINARY_NEUTRAL = {0: 0, 1: 0, 2: 1, 3: 2, 4: 2}
_FILES = tuple(f"{split}.txt" for split in SST_SPLITS)
_ARCHIVE = "trainDevTestTrees_PTB.zip"


def read_sst(path: str | Path) -> list[Tree]:
    """Read one SST split file: PTB trees with int labels 0-4 on every node."""
    return read_trees(path, num_classes=SST_NUM_CLASSES)


def binary_view(trees: list[Tree], neutral: bool = False) -> list[Tree]:
    """Binary copies of fine-grained SST trees, neutral-root sentences dropped (see the module
    docstring for the mapping); `neutral` keeps neutral nodes as a class between the two."""
    mapping = (_BINARY_NEUTRAL if neutral else _BINARY).__getitem__
    with gc_paused():
        return [map_labels(tree, mapping) for tree in trees if tree.label != 2]


def _has_sst(folder: Path) -> bool:
    return (folder / "train.txt").is_file() and (folder / "dev.txt").is_file()


def _default_home() -> Path:
    """Where a download goes: ``$TREENET_DATA/sst`` when set, else the user cache."""
    env = os.environ.get("TREENET_DATA")
    return Path(env) / "sst" if env else cache_dir() / "sst"


def _search_path(data_dir: str | Path | None) -> list[Path]:
    folders = []
    if data_dir is not None:
        base = Path(data_dir)
        folders += [base, base / "sst", base / "trees"]
    if os.environ.get("TREENET_DATA"):
        folders.append(Path(os.environ["TREENET_DATA"]) / "sst")
    folders.append(cache_dir() / "sst")
    return folders


def download_sst(
    dest: str | Path | None = None,
    *,
    url: str = SST_URL,
    sha256: str = SST_SHA256,
    opener: Opener | None = None,
) -> Path:
    """Download the SST archive (checksum-verified) and unpack its split files into ``dest``.

    ``dest`` defaults to ``$TREENET_DATA/sst``, else ``~/.cache/treenet/sst``. Returns the
    folder, which then holds ``train.txt``, ``dev.txt`` and ``test.txt``.
    """
    dest = Path(dest) if dest is not None else _default_home()
    archive = fetch(url, dest / _ARCHIVE, sha256=sha256, opener=opener)
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename).name
            if name in _FILES:
                part = dest / f"{name}.part"
                part.write_bytes(zf.read(info))
                part.replace(dest / name)
    return dest


def find_sst(
    data_dir: str | Path | None = None,
    *,
    download: bool = True,
    url: str = SST_URL,
    sha256: str = SST_SHA256,
    opener: Opener | None = None,
) -> Path:
    """Return a folder holding SST's ``train.txt`` and ``dev.txt`` (and ``test.txt`` if any).

    Looks in ``data_dir`` (and its ``sst/`` and ``trees/`` subfolders), then in
    ``$TREENET_DATA/sst``, then in the user cache; failing that downloads the archive (see
    ``download_sst``) unless ``download`` is False. Raises ``DatasetNotFoundError`` listing
    the places searched and how to point treenet at local files.
    """
    searched = _search_path(data_dir)
    for folder in searched:
        if _has_sst(folder):
            return folder
    problem = "downloading was not allowed (download=False)"
    if download:
        try:
            folder = download_sst(url=url, sha256=sha256, opener=opener)
        except (OSError, zipfile.BadZipFile) as err:
            problem = f"downloading {url} failed: {err}"
        else:
            if _has_sst(folder):
                return folder
            problem = f"the archive from {url} holds no train.txt and dev.txt"
    places = "\n".join(f"  - {folder}" for folder in searched)
    raise DatasetNotFoundError(
        f"SST not found: no train.txt and dev.txt in\n{places}\nand {problem}.\n"
        f"To use local files: fetch {_ARCHIVE} from {SST_URL} where there is network "
        "access and unzip it. Then either pass the folder holding train.txt, dev.txt and "
        "test.txt (data_dir=..., or --data PATH on the command line), or put those files "
        "in a folder named sst/ and set TREENET_DATA to its parent "
        "(export TREENET_DATA=/path/to/data, files in /path/to/data/sst/)."
    )


def load_sst(
    split: str = "train",
    *,
    view: str = "fine",
    data_dir: str | Path | None = None,
    download: bool = True,
) -> list[Tree]:
    """Load one SST split (``"train"``, ``"dev"`` or ``"test"``) in the ``"fine"`` or
    ``"binary"`` label view, locating the data with ``find_sst``."""
    if split not in SST_SPLITS:
        raise ValueError(f"split must be one of {SST_SPLITS}, not {split!r}")
    if view not in ("fine", "binary"):
        raise ValueError(f"view must be 'fine' or 'binary', not {view!r}")
    path = find_sst(data_dir, download=download) / f"{split}.txt"
    if not path.is_file():
        raise DatasetNotFoundError(f"{path}: the SST {split} split is not in {path.parent}")
    trees = read_sst(path)
    return binary_view(trees) if view == "binary" else trees
