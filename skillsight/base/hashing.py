"""Content hashes: what provenance, model cards, references, caches and batch resumption key on."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any, Union

PathLike = Union[str, "os.PathLike[str]"]


def file_sha256(path: PathLike, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks (videos can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def json_sha256(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of `content` (sorted keys, no spaces): stable across writers."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
