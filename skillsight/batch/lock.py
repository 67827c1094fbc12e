"""One batch at a time per output folder: a second run on the same --out waits, then skips what the
first recorded.

The lock is an advisory `flock` on `<out>/.skillsight-batch.lock`, held by the parent process for the
whole run (workers, local or Dask, never touch it). The kernel releases it when the holder exits, even
after kill -9, so a crashed run never leaves a stale lock. A run that would wait longer than its
`timeout` gives up with `BatchBusyError` (the CLI exits 75, EX_TEMPFAIL: try again later). On Windows,
which has no flock, runs are not serialised (the database's unique key still prevents duplicates).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import IO, Any, Callable, Optional

LOCK_FILE = ".skillsight-batch.lock"
EXIT_BUSY = 75  # EX_TEMPFAIL
_POLL_S = 0.2


class BatchBusyError(RuntimeError):
    """Another batch holds the output folder and did not finish within the timeout."""


class OutputFolderLock:
    """`with OutputFolderLock(out):` holds the folder for this run; waits while another run holds it."""

    def __init__(
        self,
        folder: Path,
        timeout: Optional[float] = None,
        on_wait: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.path = Path(folder) / LOCK_FILE
        self.timeout = timeout
        self.on_wait = on_wait or (lambda message: print(message, file=sys.stderr, flush=True))
        self._handle: Optional[IO[Any]] = None

    def __enter__(self) -> OutputFolderLock:
        try:
            import fcntl
        except ImportError:  # Windows
            return self
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until __exit__
        os.chmod(self.path, 0o600)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    self.on_wait(
                        f"Another batch ({self._holder(handle)}) is writing to {self.path.parent}; "
                        "waiting for it to finish, then this run skips what it recorded."
                    )
                    told = True
                if deadline is not None and time.monotonic() >= deadline:
                    holder = self._holder(handle)
                    handle.close()
                    raise BatchBusyError(
                        f"{self.path.parent}: another batch ({holder}) still holds this "
                        f"output folder after {self.timeout:g} s; run again later"
                    ) from None
                time.sleep(_POLL_S)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return self

    @staticmethod
    def _holder(handle: IO[Any]) -> str:
        handle.seek(0)
        return handle.read().strip() or "pid unknown"

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the flock
            self._handle = None
