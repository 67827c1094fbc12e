"""Why a file FFmpeg cannot open is no video, in words a user can act on: empty, an MP4 cut off before its
index was written, a text file with a video's name, or FFmpeg's own words (FFmpeg says only "Invalid data
found when processing input" for all of them)."""

from __future__ import annotations

import codecs
from pathlib import Path


def unreadable_reason(path: Path, described: str) -> str:
    """The reason for a file FFmpeg refused; `described` is FFmpeg's error as `describe` words it."""
    if _is_empty_file(path):
        return "an empty file (0 bytes): nothing was recorded or copied"
    if _looks_like_mp4(path):
        return (
            "an MP4/MOV file without a readable index (moov atom), usually a recording that was cut "
            f"off before it finished; its frames cannot be located ({described})"
        )
    if _looks_like_text(path):
        return "a text file, not a video (a document saved or renamed with a video's name?)"
    return f"not a readable video file ({described})"


def describe(exc: BaseException) -> str:
    """FFmpeg's own words without the file name it repeats ("InvalidDataError: Invalid data found when
    processing input"); other errors as they are."""
    said = getattr(exc, "strerror", None)
    return f"{type(exc).__name__}: {said or exc}"


def _is_empty_file(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def _looks_like_mp4(path: Path) -> bool:
    """An ISO media file starts with an `ftyp` box."""
    try:
        with open(path, "rb") as handle:
            return handle.read(12)[4:8] == b"ftyp"
    except OSError:
        return False


def _looks_like_text(path: Path) -> bool:
    """The file starts with readable text (no NUL byte, valid UTF-8): notes, a CSV, a log."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(4096)
        codecs.getincrementaldecoder("utf-8")().decode(start, final=False)  # a cut last character is text
    except (OSError, UnicodeDecodeError):
        return False
    return bool(start) and b"\0" not in start
