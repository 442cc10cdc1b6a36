"""Checkpoints: nested training state saved atomically to one checksummed safetensors file.

A checkpoint holds a structure of dicts (str or int keys), lists, tensors, numpy arrays and JSON
scalars, e.g. `{"model": model.state_dict(), "optimizer": opt.state_dict(), "rng":
treenet.get_rng_state(), "epoch": 3}`. Every array becomes one safetensors tensor named by its
path in the structure ("optimizer/state/0/exp_avg"; "/" and "~" in keys escaped as "~1", "~0").
The header metadata holds the JSON skeleton (non-array values, placeholders for arrays), the
user's metadata (config, vocabulary, ...) and a sha256 over all of it and the tensor bytes.
Nothing is ever pickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError

from treenet.tensor.tensor import Tensor

FORMAT = "treenet-checkpoint/1"
_FORMAT_KEY, _STRUCTURE_KEY = "treenet.format", "treenet.structure"
_METADATA_KEY, _CHECKSUM_KEY = "treenet.metadata", "treenet.sha256"
_ARRAY, _INT_KEYS = "__array__", "__int_keys__"  # skeleton markers
_MAX_HEADER = 100_000_000  # safetensors' own limit
_DTYPES = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                     "uint64", "float16", "float32", "float64", "complex64"})

SAVE_POINTS = ("mid_write", "after_write", "before_rename", "after_rename")
# Test hooks: each is called as hook(point, temp_path) at the SAVE_POINTS of every save().
_hooks: list[Callable[[str, Path], None]] = []


class CheckpointError(ValueError):
    """A file is truncated, corrupted, or not a treenet checkpoint; the message names the path."""


class Checkpoint(NamedTuple):
    """What `load` returns: the saved structure (arrays as numpy) and the user's metadata."""

    state: Any
    metadata: dict[str, Any]


def save(obj: Any, path: str | os.PathLike[str], metadata: Mapping[str, Any] | None = None) -> None:
    """Write `obj` (anything with `state_dict()`, or a nested structure) to `path` atomically.

    `metadata` must be JSON-serializable. CUDA arrays are saved through a host copy. The bytes go
    to a temporary file in the same folder, are fsynced, renamed onto `path` and the folder
    fsynced: a crash leaves the previous checkpoint (and maybe a stale `.{name}.*.tmp` file),
    never a partial one. Raises TypeError for values it cannot store.
    """
    state = obj.state_dict() if hasattr(obj, "state_dict") else obj
    arrays: dict[str, np.ndarray] = {}
    structure = _flatten(state, (), arrays)
    try:
        user = json.dumps(dict(metadata or {}))
    except TypeError as exc:
        raise TypeError(f"save: metadata must be JSON-serializable ({exc})") from exc
    header = {_FORMAT_KEY: FORMAT, _STRUCTURE_KEY: json.dumps(structure), _METADATA_KEY: user}
    header[_CHECKSUM_KEY] = _digest(header, arrays)
    _write_atomic(Path(path), safetensors.numpy.save(arrays, metadata=header))


def load(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint: `Checkpoint(state, metadata)`, also unpackable as a pair.

    Arrays come back as writable numpy arrays (move them to a device with `load_state_dict`),
    tuples as lists, numpy scalars as Python numbers. Raises CheckpointError when the file is
    truncated, fails its checksum, or is not a treenet checkpoint.
    """
    with open(path, "rb") as f:
        header = _read_header(path, f)
        f.seek(0)
        data = f.read()
    try:
        arrays = safetensors.numpy.load(data)
    except SafetensorError as exc:
        raise CheckpointError(f"{path}: corrupted tensor layout ({exc})") from exc
    recorded = header.pop(_CHECKSUM_KEY, None)
    if recorded != _digest(header, arrays):
        raise CheckpointError(f"{path}: checksum mismatch, the file is corrupted")
    return Checkpoint(_unflatten(json.loads(header[_STRUCTURE_KEY]), arrays),
                      json.loads(header[_METADATA_KEY]))


def load_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The user metadata of a checkpoint, reading only its header (the checksum is not verified)."""
    with open(path, "rb") as f:
        return json.loads(_read_header(path, f)[_METADATA_KEY])


# ---- structure <-> skeleton + arrays --------------------------------------------------------
def _flatten(value: Any, path: tuple[str, ...], arrays: dict[str, np.ndarray]) -> Any:
    """The JSON skeleton of `value`; its arrays go into `arrays` under their path names."""
    if isinstance(value, Tensor):
        value = value.data
    if hasattr(value, "__cuda_array_interface__"):
        value = value.get()
    if isinstance(value, np.ndarray):
        if value.dtype.name not in _DTYPES:
            raise TypeError(f"save: cannot store a {value.dtype} array (at {'/'.join(path)})")
        name = "/".join(part.replace("~", "~0").replace("/", "~1") for part in path)
        arrays[name] = np.require(value, value.dtype.newbyteorder("<"), requirements="C")
        return {_ARRAY: name}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_flatten(v, (*path, str(i)), arrays) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            if _ARRAY in value or _INT_KEYS in value:
                raise TypeError(f"save: keys {_ARRAY!r} and {_INT_KEYS!r} are reserved "
                                f"(at {'/'.join(path) or 'the top'})")
            return {k: _flatten(v, (*path, k), arrays) for k, v in value.items()}
        if all(isinstance(k, int) and not isinstance(k, bool) for k in value):
            return {_INT_KEYS: {str(k): _flatten(v, (*path, str(k)), arrays)
                                for k, v in value.items()}}
        raise TypeError(f"save: dict keys must be all str or all int (at {'/'.join(path)})")
    raise TypeError(f"save: cannot store a {type(value).__name__} (at {'/'.join(path)}): "
                    "use tensors, numpy arrays, dicts, lists or JSON scalars")


def _unflatten(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(node, list):
        return [_unflatten(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if _ARRAY in node:
        return arrays[node[_ARRAY]]
    if _INT_KEYS in node:
        return {int(k): _unflatten(v, arrays) for k, v in node[_INT_KEYS].items()}
    return {k: _unflatten(v, arrays) for k, v in node.items()}


def _digest(header: dict[str, str], arrays: dict[str, np.ndarray]) -> str:
    """sha256 over the header entries and every array's name, dtype, shape and bytes."""
    h = hashlib.sha256(json.dumps(header, sort_keys=True).encode())
    for name in sorted(arrays):
        array = arrays[name]
        h.update(json.dumps([name, array.dtype.name, list(array.shape)]).encode())
        h.update(array.reshape(-1).view(np.uint8))
    return h.hexdigest()


# ---- files -----------------------------------------------------------------------------------
def _read_header(path: Any, f: BinaryIO) -> dict[str, str]:
    """The treenet header metadata of an open checkpoint, after checking the file's size."""
    size = os.fstat(f.fileno()).st_size
    prefix = f.read(8)
    if len(prefix) < 8:
        raise CheckpointError(f"{path}: truncated or empty ({size} bytes), not a checkpoint")
    (length,) = struct.unpack("<Q", prefix)
    if length > _MAX_HEADER:
        raise CheckpointError(f"{path}: not a treenet checkpoint (no safetensors header)")
    raw = f.read(length)
    if len(raw) < length:
        raise CheckpointError(f"{path}: truncated: {size} bytes, the header alone needs "
                              f"{8 + length}")
    try:
        header = json.loads(raw)
        meta = header.pop("__metadata__", {})
        end = max((entry["data_offsets"][1] for entry in header.values()), default=0)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise CheckpointError(f"{path}: not a treenet checkpoint, or a corrupted one "
                              f"(bad safetensors header: {exc})") from exc
    if not isinstance(meta, dict) or meta.get(_FORMAT_KEY) != FORMAT:
        raise CheckpointError(f"{path}: not a treenet checkpoint (a safetensors file without "
                              f"{_FORMAT_KEY}={FORMAT!r} in its metadata)")
    expected = 8 + length + end
    if size != expected:
        problem = "truncated" if size < expected else "corrupted (trailing bytes)"
        raise CheckpointError(f"{path}: {problem}: {size} bytes, expected {expected}")
    return meta


def _write_atomic(path: Path, payload: bytes) -> None:
    """Replace `path` by `payload` so that a crash at any point leaves the old or new file."""
    folder = path.absolute().parent
    temp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            half = len(payload) // 2
            view = memoryview(payload)
            f.write(view[:half])
            f.flush()
            _run_hooks("mid_write", temp)
            f.write(view[half:])
            f.flush()
            _run_hooks("after_write", temp)
            os.fsync(f.fileno())
        _run_hooks("before_rename", temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _run_hooks("after_rename", temp)
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _run_hooks(point: str, temp: Path) -> None:
    for hook in _hooks:
        hook(point, temp)
