"""Whole-file-or-nothing writes: a temporary file beside the target, then an atomic rename.

A crash or Ctrl-C mid-write leaves the old file (or none), never half a result. Every file SkillSight
writes (motion, CSV, videos, models, references, reports, JSON) goes through here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


def reserve_temporary(path: PathLike, suffix: Optional[str] = None) -> Path:
    """An empty owner-only temporary file beside `path` (same file system, so the rename is atomic).
    `suffix` defaults to the target's, which tools that pick a format by name need."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    ending = target.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=ending, dir=target.parent)
    os.close(fd)
    return Path(tmp)


def commit_temporary(tmp: PathLike, path: PathLike, mode: Optional[int] = None) -> Path:
    """Move a finished temporary file onto `path`. `mode` (e.g. 0o644 for shared files) replaces the
    owner-only permissions temporary files start with; None keeps the file private."""
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)
    return Path(path)


def discard_temporary(tmp: Optional[PathLike]) -> None:
    if tmp is not None:
        Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(path: PathLike, mode: Optional[int] = None, suffix: Optional[str] = None) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `path`, on any error it is removed."""
    tmp = reserve_temporary(path, suffix)
    try:
        yield tmp
        commit_temporary(tmp, path, mode)
    except BaseException:
        discard_temporary(tmp)
        raise


def write_bytes_atomic(path: PathLike, data: bytes, mode: Optional[int] = None) -> Path:
    """Write `data` to `path` atomically."""
    with atomic_output(path, mode) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: PathLike, text: str, mode: Optional[int] = None) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), mode=mode)


def write_json_atomic(path: PathLike, data: Any, indent: int = 2, mode: Optional[int] = None) -> Path:
    """JSON with a final newline; NaN is refused (it is not JSON)."""
    return write_text_atomic(path, json.dumps(data, indent=indent, allow_nan=False) + "\n", mode=mode)
