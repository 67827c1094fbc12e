"""Whole-file-or-nothing writes: a temporary file beside the target, then an atomic rename.

A crash or Ctrl-C mid-write leaves the old file (or none), never half a result.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


def write_bytes_atomic(path: PathLike, data: bytes, mode: Optional[int] = None) -> Path:
    """Write `data` to `path` atomically. `mode` (e.g. 0o644 for shared models) replaces the
    owner-only permissions that temporary files start with; None keeps the file private."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text_atomic(path: PathLike, text: str, mode: Optional[int] = None) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), mode=mode)


def write_json_atomic(path: PathLike, data: Any, indent: int = 2, mode: Optional[int] = None) -> Path:
    """JSON with a final newline; NaN is refused (it is not JSON)."""
    return write_text_atomic(path, json.dumps(data, indent=indent, allow_nan=False) + "\n", mode=mode)
