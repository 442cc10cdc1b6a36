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
    if dest.is_file():
        with open(dest, "rb") as f:
            if _copy_digest(f) == sha256:
                return dest
    part = dest.with_name(dest.name + ".part")
    with (opener or _urlopen)(url) as src:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as out:
            got = _copy_digest(src, out)
    if got != sha256:
        part.unlink()
        raise ChecksumError(f"{url}: expected SHA-256 {sha256}, got {got}")
    part.replace(dest)
    return dest


def _copy_digest(src: BinaryIO, out: BinaryIO | None = None) -> str:
    """SHA-256 hex digest of ``src``'s bytes, copying them to ``out`` when given."""
    digest = hashlib.sha256()
    while chunk := src.read(1 << 16):
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest()
