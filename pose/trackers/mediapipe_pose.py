"""MediaPipe pose (the Tasks API's PoseLandmarker) as a `Tracker`: one individual, "body", 33 landmarks.

One backend: ``mediapipe.tasks.vision.PoseLandmarker`` on the shipped bundle
``models/tracking/pose_landmarker.task`` (mediapipe 0.10.21's pose detector and full landmark model; see
`mediapipe_tasks`), in VIDEO mode on the legacy 30 fps clock (its landmark smoothing replaces the legacy
``smooth_landmarks``), or IMAGE mode for unrelated stills. x, y in pixels of the original frame, z =
MediaPipe's relative depth times the image width (as for hands), confidence = MediaPipe's per-landmark
visibility, world landmarks in metres (hip-centred). Landmark names are MediaPipe's in lower case; its
left/right are the person's anatomical sides on an ordinary (unmirrored) recording, so ``mirrored=True``
swaps them for recordings saved mirrored. The camera view is recorded but changes nothing: a body has no
identity to resolve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from skillsight.base.keypoints import POSE_KEYPOINTS
from skillsight.capture.frames import Frame
from skillsight.pose.motion import BODY
from skillsight.pose.trackers.base import CAMERA_VIEWS, DEFAULT_CAMERA_VIEW, FrameObservation
from skillsight.pose.trackers.mediapipe_hands import tracking_image
from skillsight.pose.trackers.mediapipe_tasks import (
    POSE_BUNDLE,
    LandmarkerRunner,
    bundle_provenance,
    create_pose_landmarker,
    mediapipe_version,
)


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
        if model_complexity != 1:
            raise ValueError(f"only the full pose model ships (model_complexity=1), got {model_complexity}")
        self.camera_view = camera_view
        self.mirrored = mirrored
        self._settings = {
            "model_complexity": model_complexity,
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
        }
        landmarker = create_pose_landmarker(
            min_detection=min_detection_confidence,
            min_presence=0.5,
            min_tracking=min_tracking_confidence,
            independent_frames=independent_frames,
        )
        self._pose: Any = LandmarkerRunner(landmarker, independent_frames)
        self.independent_frames = independent_frames
        self._order = _mirror_order() if mirrored else None

    def prepare(self, sample: Sequence[Frame]) -> None:
        """Nothing to calibrate."""

    def process(self, frame: Frame) -> FrameObservation:
        image, to_original = tracking_image(frame.image)
        height, width = image.shape[:2]
        result = self._pose(image)
        n = len(POSE_KEYPOINTS)
        positions = np.full((1, n, 3), np.nan)
        confidence = np.zeros((1, n))
        world = np.full((1, n, 3), np.nan)
        if result.pose_landmarks:
            lms = result.pose_landmarks[0]
            points = np.array([(p.x * width, p.y * height, p.z * width) for p in lms], dtype=np.float64)
            positions[0] = to_original(points)
            confidence[0] = np.clip([p.visibility or 0.0 for p in lms], 0.0, 1.0)
            if result.pose_world_landmarks:
                world[0] = [(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]]
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
            "backend": "mediapipe.tasks.vision.PoseLandmarker",
            "mediapipe_version": mediapipe_version(),
            "model": bundle_provenance(POSE_BUNDLE),
            "settings": dict(
                self._settings,
                running_mode="IMAGE" if self.independent_frames else "VIDEO",
                video_clock_fps=None if self.independent_frames else 30,
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
