"""What of a practice may leave the lab: motion only, no face, no file names, no absolute times.

    shareable = shareable_motion(motion)      # face keypoints and identifying metadata removed
    pseudonym(salt, "lab-leeds", "Jane Doe")  # "P3f9a...": the same trainee, the same pseudonym

Motion metadata is kept by a list of what is safe (kind, units, fps, frame size, tracker names and
versions, processing steps), never by a list of what to remove: a field added later stays home until
someone decides it may travel.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from skillsight.pose.keypoints import POSE_KEYPOINTS
from skillsight.pose.motion import Motion

# The body pose's face: nose, eyes, ears, mouth (MediaPipe pose landmarks 0-10).
FACE_KEYPOINTS: tuple[str, ...] = POSE_KEYPOINTS[:11]
SHAREABLE_METADATA = ("kind", "units", "fps", "width", "height", "frame_count", "camera_view", "marker_scale")
SALT_FILE = "pseudonym-salt"
TRACKER_FIELDS = ("name", "version", "backend", "mediapipe_version")
DATE_OR_TIME = re.compile(r"\d{4}-\d\d|\d\d:\d\d|\d{8}")  # a date, a clock time, a compact stamp


def _tracker_versions(metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each tracker's name, versions and shipped model file (never a local path or a recording's hash)."""
    kept = []
    for tracker in metadata.get("trackers") or []:
        if not isinstance(tracker, Mapping):
            continue
        entry = {k: tracker[k] for k in TRACKER_FIELDS if _short_text(tracker.get(k))}
        model = tracker.get("model")
        if isinstance(model, Mapping) and _short_text(model.get("file")):
            entry["model"] = str(model["file"])
        kept.append(entry)
    return kept


def _short_text(value: Any) -> bool:
    """A parameter name or method, not a path or a free text that could name someone."""
    return (
        isinstance(value, str)
        and len(value) < 64
        and "/" not in value
        and "\\" not in value
        and not DATE_OR_TIME.search(value)
    )


def _processing_steps(metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Cleaning and scaling steps with their numeric and short text parameters only."""
    steps = []
    for step in metadata.get("processing") or []:
        if isinstance(step, Mapping):
            steps.append(
                {k: v for k, v in step.items() if isinstance(v, (int, float, bool)) or _short_text(v)}
            )
    return steps


def tracked_shares(motion: Motion) -> dict[str, float]:
    """Per individual: the share of frames where any of its keypoints was tracked."""
    seen = ~np.isnan(motion.positions[..., 0])  # (T, I, K)
    return {
        name: float(seen[:, i].any(axis=1).mean()) if motion.n_frames else 0.0
        for i, name in enumerate(motion.individuals)
    }


def shareable_motion(motion: Motion) -> Motion:
    """The motion without face keypoints, with time starting at zero and only safe metadata."""
    keep = [k for k, name in enumerate(motion.keypoints) if name not in FACE_KEYPOINTS]
    dropped = [n for n in motion.keypoints if n in FACE_KEYPOINTS]
    signals = {
        name: values
        for name, values in motion.signals.items()
        if not any(face in name for face in FACE_KEYPOINTS)
    }
    metadata = {k: motion.metadata[k] for k in SHAREABLE_METADATA if k in motion.metadata}
    metadata["trackers"] = _tracker_versions(motion.metadata)
    metadata["processing"] = _processing_steps(motion.metadata)
    metadata["shared"] = {"face_keypoints_dropped": dropped, "time_origin": "first sample"}
    start = float(motion.timestamps[0]) if motion.n_frames else 0.0
    first_frame = int(motion.frame_indices[0]) if motion.n_frames else 0
    shared = Motion(
        positions=motion.positions[:, :, keep],
        confidence=motion.confidence[:, :, keep],
        timestamps=motion.timestamps - start,
        individuals=motion.individuals,
        keypoints=tuple(motion.keypoints[k] for k in keep),
        space=motion.space,
        frame_indices=np.asarray(motion.frame_indices) - first_frame,
        metadata=metadata,
        filled=None if motion.filled is None else motion.filled[:, :, keep],
        world_positions=None if motion.world_positions is None else motion.world_positions[:, :, keep],
        signals=signals,
    )
    metadata["tracked_share"] = tracked_shares(shared)
    return shared.with_updates(metadata=metadata)


def site_salt(key_dir: Path) -> bytes:
    """This site's secret pseudonym salt (32 random bytes, owner-only), made on first use and kept:
    the same trainee gets the same pseudonym in every export, and nobody without it can link them."""
    path = Path(key_dir) / SALT_FILE
    if not path.exists():
        Path(key_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another export made it a moment ago
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def pseudonym(salt: bytes, site: str, participant: str) -> str:
    """A stable pseudonym: HMAC-SHA256 of site and participant id under the site's secret salt."""
    digest = hmac.new(salt, f"{site}\0{participant}".encode(), hashlib.sha256).hexdigest()
    return f"P{digest[:12]}"
