"""The app's files: owner-only folders, and every copy of a session's files that Gradio serves.

Gradio serves a file by copying it into its cache under the sha256 of its content
(`<cache>/<hash>/<name>`); an upload lands there too. Two users with the same file therefore share one
cached copy. `ServedFiles` remembers, per session, each file the app handed to Gradio (replay, report,
pictures) or received from it (the upload), and on deletion removes the cached copies that no other
remembered session still uses, so that a deleted session is gone from disk and from its URLs at once,
while another user's identical upload keeps working.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import threading
from pathlib import Path
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]
SessionKey = tuple[str, int]  # (trainee, session id)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: PathLike) -> Path:
    """Create `path` (and missing parents) owner-only; an existing folder of ours is tightened to 0700."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    tighten(folder, PRIVATE_DIR_MODE)
    return folder


def tighten(path: PathLike, mode: int) -> None:
    """chmod to `mode` when the file is ours and looser than that (never fails the caller)."""
    try:
        info = os.stat(path)
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & ~mode:
            os.chmod(path, mode)
    except (OSError, AttributeError):  # AttributeError: no getuid on Windows
        pass


def copy_private(source: PathLike, target: PathLike) -> Path:
    """Copy a file so that only its owner can read it, from its first byte (no 0644 window)."""
    out = Path(target)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle, open(source, "rb") as original:
        shutil.copyfileobj(original, handle, 1 << 20)
    tighten(out, PRIVATE_FILE_MODE)
    return out


def gradio_cache_dir() -> Path:
    """Where Gradio keeps uploads and served copies ($GRADIO_TEMP_DIR, which app.py makes private)."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


def gradio_cached_copy(path: PathLike, cache_dir: Optional[Path] = None) -> Optional[Path]:
    """The path at which Gradio serves a copy of `path` (whether or not it exists yet): the file itself
    when it is already in the cache (an upload), else `<cache>/<content hash>/<name>`."""
    from gradio.processing_utils import hash_file
    from gradio_client.utils import strip_invalid_filename_characters

    file = Path(path).resolve()
    cache = (cache_dir or gradio_cache_dir()).resolve()
    if cache in file.parents:
        return file
    try:
        digest = hash_file(file)
    except OSError:
        return None
    return cache / digest / strip_invalid_filename_characters(file.name)


class ServedFiles:
    """Per session: our files Gradio serves and the cached copies it made; removed together on deletion."""

    def __init__(self, cache_dir: Optional[Path] = None) -> None:
        self._cache_dir = cache_dir
        self._ours: dict[SessionKey, set[Path]] = {}  # files the app wrote for the session
        self._cached: dict[SessionKey, set[Path]] = {}  # their copies (and the upload) in Gradio's cache
        self._lock = threading.Lock()

    def add(self, key: SessionKey, path: Optional[PathLike], ours: bool = True) -> Optional[str]:
        """Remember `path` as served for the session (call before handing it to Gradio); returns it as a
        string for the component. `ours=False` for a file Gradio gave us (the upload)."""
        if path is None:
            return None
        file = Path(path)
        copy = gradio_cached_copy(file, self._cache_dir)
        with self._lock:
            if ours:
                self._ours.setdefault(key, set()).add(file.resolve())
            if copy is not None:
                self._cached.setdefault(key, set()).add(copy)
        return str(path)

    def files_of(self, key: SessionKey) -> set[Path]:
        with self._lock:
            return set(self._ours.get(key, set())) | set(self._cached.get(key, set()))

    def remove(self, key: SessionKey) -> list[Path]:
        """Delete the session's files and each cached copy no other session still uses; returns them."""
        with self._lock:
            ours = self._ours.pop(key, set())
            cached = self._cached.pop(key, set())
            still_used = set().union(*self._cached.values()) if self._cached else set()
        removed = []
        for path in sorted(ours | (cached - still_used)):
            if path.exists():
                path.unlink(missing_ok=True)
                removed.append(path)
            if path in cached:
                _remove_if_empty(path.parent)
        return removed

    def remove_all(self) -> None:
        """At shutdown: every remembered session's files and copies."""
        with self._lock:
            keys = list(set(self._ours) | set(self._cached))
        for key in keys:
            self.remove(key)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
