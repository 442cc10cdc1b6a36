"""Fetching a file by URL into a cache, verified by its SHA-256 digest."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import ChecksumError

__all__ = ["Opener", "cache_dir", "fetch"]

Opener = Callable[[str], BinaryIO]
"""Opens a URL for reading bytes, like ``urllib.request.urlopen`` (the default)."""


def cache_dir() -> Path:
    """treenet's user cache folder: ``$XDG_CACHE_HOME/treenet``, else ``~/.cache/treenet``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "treenet"


def _urlopen(url: str) -> BinaryIO:
    return urllib.request.urlopen(url, timeout=60)


def fetch(url: str, dest: str | Path, *, sha256: str, opener: Opener | None = None) -> Path:
    """Download ``url`` to ``dest`` unless a file with the right digest is already there.

    The bytes go to ``dest.part`` first and are renamed only once their SHA-256 equals
    ``sha256``; otherwise ``ChecksumError`` is raised. Network failures propagate as
    ``OSError`` (``urllib.error.URLError`` is one).
    """
    dest = Path(dest)
    if dest.is_file() and _sha256_of(dest) == sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    with (opener or _urlopen)(url) as src, open(part, "wb") as out:
        while chunk := src.read(1 << 16):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        part.unlink()
        raise ChecksumError(f"{url}: expected SHA-256 {sha256}, got {digest.hexdigest()}")
    part.replace(dest)
    return dest


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()
