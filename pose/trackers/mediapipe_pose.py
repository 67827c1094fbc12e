"""MediaPipe pose as a `Tracker`: one individual, "body", 33 landmarks.

The models are those of the shipped bundle ``models/tracking/pose_landmarker.task`` (mediapipe 0.10.21's
pose detector and full landmark model; see `mediapipe_tasks`). Two backends, chosen by ``backend``:

- "crops" (the default): the detector and landmark model run directly on LiteRT's interpreter with the
  legacy pose solution's tracking (region from the previous frame's landmarks) and smoothing, in numpy
  (`pose_crops`). It matches the shared reference landmarks (the tfjs squats clip) where the Tasks
  PoseLandmarker does not (57 of 65 frames within 6 px against 64), and its frames' hand points can
  place the hands tracker's hand regions in "hands+pose" (`body_link`).
- "tasks": ``mediapipe.tasks.vision.PoseLandmarker`` in VIDEO mode.

Both run on the legacy 30 fps clock (see `mediapipe_tasks`), or detect afresh in each image for
unrelated stills. x, y in pixels of the original frame, z =
MediaPipe's relative depth times the image width (as for hands), confidence = MediaPipe's per-landmark
visibility, world landmarks in metres (hip-centred). Landmark names are MediaPipe's in lower case; its
left/right are the person's anatomical sides on an ordinary (unmirrored) recording, so ``mirrored=True``
swaps them for recordings saved mirrored. The camera view is recorded but changes nothing: a body has no
identity to resolve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

from skillsight.base.keypoints import POSE_KEYPOINTS
from skillsight.capture.frames import Frame
from skillsight.pose.motion import BODY, LEFT_HAND, RIGHT_HAND
from skillsight.pose.trackers.base import CAMERA_VIEWS, DEFAULT_CAMERA_VIEW, FrameObservation
from skillsight.pose.trackers.body_link import BodyFeed, HandPoints
from skillsight.pose.trackers.crop_runtime import runtime_version
from skillsight.pose.trackers.hand_landmarks import tracking_image
from skillsight.pose.trackers.mediapipe_tasks import (
    FRAME_INTERVAL_MS,
    POSE_BUNDLE,
    LandmarkerRunner,
    bundle_path,
    bundle_provenance,
    create_pose_landmarker,
    mediapipe_version,
)
from skillsight.pose.trackers.pose_crops import PoseCropTracker

BACKENDS = ("crops", "tasks")
# the body's hand points, by the anatomical hand: wrist, index, pinky
_HAND_POINTS = {LEFT_HAND: [15, 19, 17], RIGHT_HAND: [16, 20, 18]}
_HAND_VISIBLE = 0.5


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
        backend: str = "crops",
        threads: int = 1,
    ) -> None:
        if camera_view not in CAMERA_VIEWS:
            raise ValueError(f"unknown camera view {camera_view!r}; choose from {', '.join(CAMERA_VIEWS)}")
        if model_complexity != 1:
            raise ValueError(f"only the full pose model ships (model_complexity=1), got {model_complexity}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown pose backend {backend!r}; choose from {', '.join(BACKENDS)}")
        self.camera_view, self.mirrored, self.backend = camera_view, mirrored, backend
        self._settings = {
            "model_complexity": model_complexity,
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
            "threads": threads,
        }
        self._pose: Any = None
        self._crops: Optional[PoseCropTracker] = None
        if backend == "tasks":
            landmarker = create_pose_landmarker(
                min_detection=min_detection_confidence,
                min_presence=0.5,
                min_tracking=min_tracking_confidence,
                independent_frames=independent_frames,
            )
            self._pose = LandmarkerRunner(landmarker, independent_frames)
        else:
            self._crops = PoseCropTracker(
                bundle_path(POSE_BUNDLE),
                min_detection_confidence,
                min_tracking_confidence,
                independent_frames,
                threads,  # LiteRT threads per model: one by default, so that batch workers scale
            )
        self.independent_frames = independent_frames
        self._order = _mirror_order() if mirrored else None
        self._feed: Optional[BodyFeed] = None
        self._frames_seen = 0

    def prepare(self, sample: Sequence[Frame]) -> None:
        """Nothing to calibrate."""

    def can_publish_hands(self) -> bool:
        return self._crops is not None and not self.independent_frames

    def publish_hands_to(self, feed: BodyFeed) -> None:
        """Hand each frame's hand points (tracking-image pixels) to a hands tracker (see `body_link`)."""
        self._feed = feed

    def process(self, frame: Frame) -> FrameObservation:
        hands: HandPoints = {}
        try:
            image, to_original = tracking_image(frame.image)
            positions, confidence, world = self._landmarks(image)
            if self._order is not None:
                positions, confidence, world = (
                    positions[:, self._order],
                    confidence[:, self._order],
                    world[:, self._order],
                )
            hands = _hand_points(positions[0], confidence[0], image.shape)
            if not np.isnan(positions).all():
                positions[0] = to_original(positions[0])
            return FrameObservation(positions, confidence, world)
        finally:
            if self._feed is not None:
                self._feed.publish(frame.index, hands)

    def _landmarks(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(1, 33, 3) tracking-image pixels, (1, 33) visibility, (1, 33, 3) metres; NaN/0 when none."""
        height, width = image.shape[:2]
        n = len(POSE_KEYPOINTS)
        positions = np.full((1, n, 3), np.nan)
        confidence = np.zeros((1, n))
        world = np.full((1, n, 3), np.nan)
        if self._crops is not None:
            time_s = self._frames_seen * FRAME_INTERVAL_MS / 1000.0  # the legacy 30 fps clock
            self._frames_seen += 1
            found = self._crops(image, time_s)
            if found is not None:
                positions[0], world[0] = found.points, found.world
                confidence[0] = np.clip(found.visibility, 0.0, 1.0)
            return positions, confidence, world
        result = self._pose(image)
        if result.pose_landmarks:
            lms = result.pose_landmarks[0]
            positions[0] = [(p.x * width, p.y * height, p.z * width) for p in lms]
            confidence[0] = np.clip([p.visibility or 0.0 for p in lms], 0.0, 1.0)
            if result.pose_world_landmarks:
                world[0] = [(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]]
        return positions, confidence, world

    def provenance(self) -> dict[str, Any]:
        crops = self.backend == "crops"
        return {
            "name": self.name,
            "backend": "skillsight.pose_crops (LiteRT interpreter, legacy pose graph in numpy)"
            if crops
            else "mediapipe.tasks.vision.PoseLandmarker",
            "runtime": runtime_version() if crops else f"mediapipe {mediapipe_version()}",
            "mediapipe_version": mediapipe_version(),
            "model": bundle_provenance(POSE_BUNDLE),
            "settings": dict(
                self._settings,
                running_mode="IMAGE" if self.independent_frames else "VIDEO",
                video_clock_fps=None if self.independent_frames else 30,
                smoothing="legacy one-euro (landmarks 0.05/80, auxiliary 0.01/10), visibility low-pass 0.1"
                if crops
                else "Tasks PoseLandmarker",
            ),
            "camera_view": self.camera_view,
            "mirrored": self.mirrored,
            "confidence": "MediaPipe landmark visibility",
            "z": "MediaPipe relative depth x image width (px)",
        }

    def close(self) -> None:
        if self._feed is not None:
            self._feed.close()
        if self._pose is not None:
            self._pose.close()
            self._pose = None
        self._crops = None

    def __enter__(self) -> MediaPipePoseTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hand_points(points: np.ndarray, visibility: np.ndarray, shape: tuple[int, ...]) -> HandPoints:
    """Each anatomical hand's wrist, index and pinky where the body shows them inside the frame."""
    height, width = shape[:2]
    hands: HandPoints = {}
    for hand, indices in _HAND_POINTS.items():
        corners = points[indices]
        inside = np.isfinite(corners).all() and 0 <= corners[0, 0] < width and 0 <= corners[0, 1] < height
        hands[hand] = corners.copy() if inside and visibility[indices].mean() >= _HAND_VISIBLE else None
    return hands
