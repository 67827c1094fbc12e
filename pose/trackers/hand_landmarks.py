"""MediaPipe's hand landmarks in the frame's pixels: the image MediaPipe sees (frames over
MAX_TRACKING_SIDE px downscaled, its points mapped back) and a HandLandmarkerResult as detections (the
coordinates `mediapipe_hands` describes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skillsight.capture.resize import downscale_for_tracking, map_points_to_original
from skillsight.pose.trackers.hand_identity import HandDetection, anatomical_hand

MAX_TRACKING_SIDE = 1920


def detections_from_result(result: Any, width: int, height: int, mirrored: bool) -> list[HandDetection]:
    """A HandLandmarkerResult as detections in pixels (z in image widths x width, as x)."""
    worlds = result.hand_world_landmarks or [None] * len(result.hand_landmarks)
    detections = []
    for landmarks, handedness, world_landmarks in zip(result.hand_landmarks, result.handedness, worlds):
        points = np.array([(p.x * width, p.y * height, p.z * width) for p in landmarks], dtype=np.float64)
        world = (
            None
            if world_landmarks is None
            else np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=np.float64)
        )
        label = handedness[0]
        detections.append(
            HandDetection(points, anatomical_hand(label.category_name, mirrored), float(label.score), world)
        )
    return detections


def tracking_image(image: np.ndarray) -> tuple[np.ndarray, Any]:
    """The frame MediaPipe sees (downscaled over 1920 px) and a function mapping its points back."""
    if max(image.shape[:2]) <= MAX_TRACKING_SIDE:
        return image, _identity_points

    small, scale = downscale_for_tracking(image, max_side=MAX_TRACKING_SIDE)

    def to_original(points: np.ndarray) -> np.ndarray:
        mapped = map_points_to_original(points, scale)
        mapped[..., 2] /= scale  # z is in tracking-image widths too
        return mapped

    return small, to_original


def _identity_points(points: np.ndarray) -> np.ndarray:
    return points
