"""Content hashes of files: what provenance, model cards, caches and batch resumption key on."""

from __future__ import annotations

import hashlib
import os
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


def file_sha256(path: PathLike, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks (videos can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()
