"""The source's content hash (SHA-256 of the video file, or of an image folder's files in name order),
computed on its own thread alongside tracking; hashlib releases the GIL on large blocks."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Optional

_HASH_BLOCK = 1 << 20


class SourceHasher(threading.Thread):
    """Start it, track, then `result()`; `cancel()` stops it early (harmless once done)."""

    def __init__(self, path: Optional[Path]) -> None:
        super().__init__(name="skillsight-hash", daemon=True)
        self.path = path
        self._digest: Optional[str] = None
        self._error: Optional[BaseException] = None
        self._cancelled = threading.Event()

    def run(self) -> None:
        if self.path is None:
            return
        try:
            digest = hashlib.sha256()
            files = (
                sorted(p for p in self.path.iterdir() if p.is_file()) if self.path.is_dir() else [self.path]
            )
            for file in files:
                if self.path.is_dir():
                    digest.update(file.name.encode("utf-8") + b"\0")
                with open(file, "rb") as handle:
                    for block in iter(lambda h=handle: h.read(_HASH_BLOCK), b""):  # type: ignore[misc]
                        if self._cancelled.is_set():
                            return
                        digest.update(block)
            self._digest = digest.hexdigest()
        except OSError as exc:
            self._error = exc

    def result(self) -> Optional[str]:
        self.join()
        return self._digest

    def cancel(self) -> None:
        """Stop hashing early (tracking failed); harmless once done or never started."""
        self._cancelled.set()
