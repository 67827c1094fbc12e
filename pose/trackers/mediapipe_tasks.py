"""What the MediaPipe trackers share: the shipped Tasks model bundles, building a landmarker, feeding it.

The bundles (``models/tracking/*.task``, shipped with the scorers) are built by
``scripts/build_task_bundles.py`` from the Apache-2.0 models of the ``mediapipe==0.10.21`` wheel and
listed, with their sha256 and licence, in ``models/tracking/models.json`` and ``models/tracking/NOTICE``.
Nothing is downloaded at run time.

Video clock. The Tasks API wants a timestamp per frame in VIDEO mode; its landmark smoothing filters
use it. SkillSight passes the clock the legacy solutions used (a frame every 1/30 s, whatever the
recording's rate), so the tracker's jitter, on which the shipped scorers' calibration depends, does not
change with a decoder's timestamps, and a variable-rate or duplicated timestamp can never stop tracking.
"""

from __future__ import annotations

import json
from concurrent.futures import Executor, Future
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from skillsight.models import shipped_models_dir

ASSETS = shipped_models_dir() / "tracking"  # models/tracking: shipped model files
HAND_BUNDLE = "hand_landmarker.task"
POSE_BUNDLE = "pose_landmarker.task"
FRAME_INTERVAL_MS = 1000.0 / 30.0  # the legacy solutions' simulated 30 fps


def bundle_path(name: str) -> Path:
    """The shipped bundle `name`, with a clear error when the installation lacks it."""
    path = ASSETS / name
    if not path.is_file():
        raise FileNotFoundError(
            f"MediaPipe model bundle {path} is missing: reinstall SkillSight (the bundles ship inside the "
            "package) or rebuild them with scripts/build_task_bundles.py"
        )
    return path


@lru_cache(maxsize=1)
def bundle_manifest() -> dict[str, Any]:
    """models/tracking/models.json: per bundle its sha256, size, licence and each member's source file."""
    path = ASSETS / "models.json"
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def bundle_provenance(name: str) -> dict[str, Any]:
    """What a motion file records about the model it was tracked with."""
    entry = bundle_manifest().get("bundles", {}).get(name, {})
    return {
        "file": name,
        "sha256": entry.get("sha256"),
        "licence": entry.get("licence"),
        "source": bundle_manifest().get("source"),
    }


def mediapipe_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("mediapipe")
    except metadata.PackageNotFoundError:
        return "unknown"


def as_mp_image(image: np.ndarray) -> Any:
    """An RGB uint8 frame as a MediaPipe image. The C API reads the buffer as packed rows, so a strided
    view (a crop, a mirror, a decoder's padded rows) is copied first: passed as it is, MediaPipe would
    silently see a scrambled picture and find nothing."""
    import mediapipe as mp

    data = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=data)


class VideoClock:
    """Strictly increasing millisecond timestamps, one frame every 1/30 s (see the module docstring)."""

    def __init__(self) -> None:
        self._frame = 0

    def next_ms(self) -> int:
        stamp = int(round(self._frame * FRAME_INTERVAL_MS))
        self._frame += 1
        return stamp


def running_mode(independent_frames: bool) -> Any:
    from mediapipe.tasks.python import vision

    return vision.RunningMode.IMAGE if independent_frames else vision.RunningMode.VIDEO


def create_hand_landmarker(
    num_hands: int, min_detection: float, min_presence: float, min_tracking: float, independent_frames: bool
) -> Any:
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.HandLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundle_path(HAND_BUNDLE))),
        running_mode=running_mode(independent_frames),
        num_hands=num_hands,
        min_hand_detection_confidence=min_detection,
        min_hand_presence_confidence=min_presence,
        min_tracking_confidence=min_tracking,
    )
    return vision.HandLandmarker.create_from_options(options)


def create_pose_landmarker(
    min_detection: float, min_presence: float, min_tracking: float, independent_frames: bool
) -> Any:
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundle_path(POSE_BUNDLE))),
        running_mode=running_mode(independent_frames),
        num_poses=1,
        min_pose_detection_confidence=min_detection,
        min_pose_presence_confidence=min_presence,
        min_tracking_confidence=min_tracking,
    )
    return vision.PoseLandmarker.create_from_options(options)


class LandmarkerRunner:
    """One Tasks landmarker fed frame after frame: `detect` in IMAGE mode, `detect_for_video` on the
    video clock otherwise. Used by one thread at a time."""

    def __init__(self, landmarker: Any, independent_frames: bool) -> None:
        self._landmarker = landmarker
        self._clock = None if independent_frames else VideoClock()

    def __call__(self, image: np.ndarray) -> Any:
        mp_image = as_mp_image(image)
        if self._clock is None:
            return self._landmarker.detect(mp_image)
        return self._landmarker.detect_for_video(mp_image, self._clock.next_ms())

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None


class DeferredRunner:
    """A landmarker runner built when first used, or ahead of that on `ahead` (a worker thread that is
    idle while tracking starts), so that loading MediaPipe (about half a CPU-second) overlaps the start
    of tracking instead of delaying it. Whichever thread builds it, it is the same runner, so no result
    depends on timing. Used by one thread at a time, as `LandmarkerRunner`."""

    def __init__(self, build: Callable[[], LandmarkerRunner], ahead: Optional[Executor] = None) -> None:
        self._build = build
        self._ahead: Optional[Future] = None if ahead is None else ahead.submit(build)
        self._runner: Optional[LandmarkerRunner] = None

    def runner(self) -> LandmarkerRunner:
        if self._runner is None:
            ahead, self._ahead = self._ahead, None
            self._runner = ahead.result() if ahead is not None else self._build()
        return self._runner

    def __call__(self, image: np.ndarray) -> Any:
        return self.runner()(image)

    def close(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None and not ahead.cancel() and ahead.exception() is None:
            self._runner = ahead.result()  # built ahead and never used: closed below all the same
        if self._runner is not None:
            self._runner.close()
            self._runner = None
