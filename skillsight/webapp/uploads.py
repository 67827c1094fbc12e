"""What an upload must satisfy before any work: a video, not empty, not too large; and what makes two
requests the same (so a retried request returns its stored session)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from skillsight.base.constants import VIDEO_SUFFIXES
from skillsight.base.hashing import file_sha256
from skillsight.batch.results import artifact_identity
from skillsight.pipeline import model_and_reference

MAX_UPLOAD_MB = 500  # $SKILLSIGHT_MAX_UPLOAD_MB or app.py --max-upload-mb change it


class UploadError(ValueError):
    """An upload was refused; the message names the file and the problem."""


def check_upload(path: Optional[str], max_mb: float = MAX_UPLOAD_MB) -> Path:
    """The uploaded file if it exists, has a video suffix and is not too large; else UploadError."""
    if not path:
        raise UploadError("no video: record one with the webcam or upload a file first")
    file = Path(path)
    if not file.is_file():
        raise UploadError(f"{file.name}: the uploaded file is missing")
    if file.suffix.lower() not in VIDEO_SUFFIXES:
        raise UploadError(f"{file.name}: not a video file (accepted: {', '.join(VIDEO_SUFFIXES)})")
    size_mb = file.stat().st_size / 1e6
    if size_mb > max_mb:
        raise UploadError(f"{file.name}: {size_mb:.0f} MB is over the {max_mb:.0f} MB upload limit")
    if file.stat().st_size == 0:
        raise UploadError(f"{file.name}: the file is empty")
    return file


def megabytes_from_env(name: str, default: Optional[float]) -> Optional[float]:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}: not a number of megabytes: {text!r}") from None
    if value <= 0:
        raise ValueError(f"{name}: must be positive, not {text}")
    return value


def request_key(
    video: Path,
    trainee: str,
    procedure: str,
    dominant_hand: str,
    keep_video: bool,
    model: Optional[str],
    reference: Optional[str],
) -> str:
    """What makes two requests the same: one session per key (the database's unique index)."""
    import hashlib

    model_path, reference_path = model_and_reference(procedure, model or None, reference or None)
    parts = ["app", trainee, file_sha256(video), procedure, dominant_hand, f"keep:{bool(keep_video)}"]
    parts += [artifact_identity(model_path), artifact_identity(reference_path)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
