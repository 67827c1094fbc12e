"""What the CLI writes to stderr while it works: progress (skillsight.progress) and none of the native
libraries' start-up chatter.

- MediaPipe and TensorFlow Lite log through absl/glog straight to file descriptor 2, which no Python
  setting reaches. `native_logs_filtered` points fd 2 at a temporary file while the work runs and then
  passes on everything except those log lines (warnings and errors from Python still arrive).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import TextIO

# Progress lines moved below the commands (batch reports progress too); kept importable from here.
from skillsight.progress import (  # noqa: F401
    MAX_SILENCE_S,
    MIN_STEP_SHARE,
    PROGRESS_EVERY_S,
    SETUP_NOTE_AFTER_S,
    CountProgress,
    FrameProgress,
    clock_text,
)

# glog/absl lines ("I0000 00:00:1732... 123 gl_context.cc:357] ..."), the absl and glog pre-init
# warnings, TensorFlow Lite's delegate notice and LiteRT's ("INFO: [environment.cc:36] ...", its note
# on copying an unaligned model buffer) and OpenCV's: nothing in them is for the user (our own error says
# what went wrong).
NATIVE_LOG_LINE = re.compile(
    r"^(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.\-]+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|WARNING: Logging before InitGoogle\(\) is written to STDERR"
    r"|(?:INFO|WARNING): \[[\w.\-]+\.cc:\d+\]"
    r"|WARNING: Read-only tensor #\d+ .* unaligned buffer"
    r"|\[ ?(?:ERROR|WARN|INFO):\d+@[\d.]+\] global "  # OpenCV's, e.g. on a camera index that is not there
    r"|OpenCV\(\d[\d.]*\) \S+:\d+: error: "  # an OpenCV error, followed by "> " lines
    r"|INFO: Created TensorFlow Lite"
    r"|INFO: Initialized TensorFlow Lite)"
)


def is_native_log(line: str) -> bool:
    return bool(NATIVE_LOG_LINE.match(line))


def without_native_logs(lines: list[str]) -> list[str]:
    """The lines minus native log lines, and minus the "> " continuation (and blank) lines of an
    OpenCV error."""
    kept, continuing = [], False
    for line in lines:
        if is_native_log(line):
            continuing = line.startswith("OpenCV(")
        elif not (continuing and (line.startswith(">") or not line.strip())):
            continuing = False
            kept.append(line)
    return kept


@contextlib.contextmanager
def native_logs_filtered() -> Iterator[TextIO]:
    """Runs the block with fd 2 captured; yields a stream to the real stderr for progress. On the way
    out (an exception too), the captured text minus native log lines goes to the real stderr."""
    try:
        stderr_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (pytest capture, embedded): leave it
        yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(stderr_fd)
    real = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), stderr_fd)
        try:
            yield real
        finally:
            sys.stderr.flush()
            os.dup2(saved, stderr_fd)
            os.close(saved)
            captured.seek(0)
            kept = without_native_logs(captured.read().decode("utf-8", "replace").splitlines(keepends=True))
            real.write("".join(kept))
            real.close()
