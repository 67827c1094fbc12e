"""MediaPipe pose (legacy ``mp.solutions.pose``) as a `Tracker`: one individual, "body", 33 landmarks.

x, y in pixels of the original frame, z = MediaPipe's relative depth times the image width (as for
hands), confidence = MediaPipe's per-landmark visibility, world landmarks in metres (hip-centred).
Landmark names are MediaPipe's in lower case; its left/right are the person's anatomical sides on an
ordinary (unmirrored) recording, so ``mirrored=True`` swaps them for recordings saved mirrored.
The camera view is recorded but changes nothing: a body has no identity to resolve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from skillsight.capture.frames import Frame
from skillsight.pose.keypoints import POSE_KEYPOINTS
from skillsight.pose.motion import BODY
from skillsight.pose.trackers.base import CAMERA_VIEWS, DEFAULT_CAMERA_VIEW, FrameObservation
from skillsight.pose.trackers.mediapipe_hands import tracking_image


def _mirror_order() -> np.ndarray:
    """Index permutation that swaps every left_* landmark with its right_* partner."""
    index = {name: i for i, name in enumerate(POSE_KEYPOINTS)}
    order = []
    for name in POSE_KEYPOINTS:
        if "left" in name:
            partner = name.replace("left", "right")
        elif "right" in name:
            partner = name.replace("right", "left")
        else:
            partner = name
        order.append(index[partner])
    return np.array(order)


class MediaPipePoseTracker:
    """The body's 33 MediaPipe landmarks with visibility as confidence."""

    name = "pose"
    individuals: tuple[str, ...] = (BODY,)
    keypoints: tuple[str, ...] = POSE_KEYPOINTS
    needs_sample = False

    def __init__(
        self,
        camera_view: str = DEFAULT_CAMERA_VIEW,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        mirrored: bool = False,
        independent_frames: bool = False,
    ) -> None:
        if camera_view not in CAMERA_VIEWS:
            raise ValueError(f"unknown camera view {camera_view!r}; choose from {', '.join(CAMERA_VIEWS)}")
        import mediapipe as mp

        self.camera_view = camera_view
        self.mirrored = mirrored
        self._settings = {
            "model_complexity": model_complexity,
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
        }
        self._mp_version = getattr(mp, "__version__", "unknown")
        self._pose: Any = mp.solutions.pose.Pose(
            static_image_mode=independent_frames, smooth_landmarks=not independent_frames, **self._settings
        )
        self.independent_frames = independent_frames
        self._order = _mirror_order() if mirrored else None

    def prepare(self, sample: Sequence[Frame]) -> None:
        """Nothing to calibrate."""

    def process(self, frame: Frame) -> FrameObservation:
        image, to_original = tracking_image(frame.image)
        height, width = image.shape[:2]
        result = self._pose.process(image)
        n = len(POSE_KEYPOINTS)
        positions = np.full((1, n, 3), np.nan)
        confidence = np.zeros((1, n))
        world = np.full((1, n, 3), np.nan)
        if result.pose_landmarks is not None:
            lms = result.pose_landmarks.landmark
            points = np.array([(p.x * width, p.y * height, p.z * width) for p in lms], dtype=np.float64)
            positions[0] = to_original(points)
            confidence[0] = np.clip([p.visibility for p in lms], 0.0, 1.0)
            if result.pose_world_landmarks is not None:
                world[0] = [(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark]
        if self._order is not None:
            positions, confidence, world = (
                positions[:, self._order],
                confidence[:, self._order],
                world[:, self._order],
            )
        return FrameObservation(positions, confidence, world)

    def provenance(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": "mediapipe.solutions.pose",
            "mediapipe_version": self._mp_version,
            "model": f"pose_landmark (model_complexity={self._settings['model_complexity']})",
            "settings": dict(
                self._settings,
                static_image_mode=self.independent_frames,
                smooth_landmarks=not self.independent_frames,
            ),
            "camera_view": self.camera_view,
            "mirrored": self.mirrored,
            "confidence": "MediaPipe landmark visibility",
            "z": "MediaPipe relative depth x image width (px)",
        }

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def __enter__(self) -> MediaPipePoseTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
