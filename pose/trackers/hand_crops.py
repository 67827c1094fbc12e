"""The hand landmark model run directly on hand regions placed from the body or the last frame.

MediaPipe's Tasks HandLandmarker takes no region of interest: it searches the whole frame for palms (the
palm detector) whenever it is not already following every hand it may report, which for a small, hidden
or missing hand is every frame. Where the body is tracked, the body already says where its hands are, as
MediaPipe's holistic pipeline uses it: a hand region is placed from the pose's wrist, index and pinky
landmarks (`roi_from_pose`), and the hand landmark model of the shipped bundle runs on that crop
(`HandCropModel`, pre-process / infer / post-process around `crop_runtime`). In later frames a hand
found with confidence is followed from its own landmarks (`roi_from_landmarks`, the legacy hand graph's
region) while that region still overlaps the body's region for the hand. A region placed from the pose
is refined once from the landmarks it gives (what holistic's re-crop model does), since the pose's hand
points are coarse.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from skillsight.pose.trackers.crop_runtime import (
    Roi,
    aligned_roi,
    axis_rotation,
    bounding_roi,
    crop,
    load_model,
    transform_roi,
)

LANDMARK_MEMBER = "hand_landmarks_detector.tflite"
LANDMARK_SIZE = 224
_Z_SCALE = 0.4  # the hand graph's normalize_z
_ROI_POINTS = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18]  # wrist, thumb base, finger MCPs and PIPs
_WRIST, _INDEX_MCP, _MIDDLE_MCP, _RING_MCP = 0, 5, 9, 13
_PALM = [0, 5, 9, 13, 17]  # wrist and the four finger MCPs
FROM_POSE_SCALE = 1.5  # a square of 3x the wrist-knuckle distance: the landmark region's usual size


@dataclass
class HandCrop:
    """One hand found in a crop: (21, 3) frame pixels (z in pixels), presence, P(right), world (m)."""

    points: np.ndarray
    presence: float
    right_score: float
    world: np.ndarray


class HandCropModel:
    """The hand landmark model of a .task bundle on a region."""

    def __init__(self, bundle: Path, threads: int = 1) -> None:
        self._infer = load_model(bundle, LANDMARK_MEMBER, threads=threads)

    def __call__(self, image: np.ndarray, roi: Roi) -> HandCrop:
        tensor = crop(image, roi, LANDMARK_SIZE, (0.0, 1.0), replicate=True)  # the hand graph's border
        points, presence, handedness, world = self._infer(tensor)
        raw = points.reshape(21, 3).astype(np.float64)
        out = np.empty_like(raw)
        out[:, :2] = roi.to_image(raw, LANDMARK_SIZE)
        out[:, 2] = raw[:, 2] / LANDMARK_SIZE / _Z_SCALE * roi.width
        c, s = math.cos(roi.rotation), math.sin(roi.rotation)
        metres = world.reshape(21, 3).astype(np.float64)
        metres[:, :2] = metres[:, :2] @ np.array([[c, s], [-s, c]])
        return HandCrop(out, float(np.ravel(presence)[0]), float(np.ravel(handedness)[0]), metres)


def roi_from_landmarks(points: np.ndarray) -> Roi:
    """The legacy hand graph's next region: the palm and finger bases, turned so that the wrist ->
    middle knuckle points up, doubled and shifted a tenth towards the fingers."""
    knuckles = ((points[_INDEX_MCP, :2] + points[_RING_MCP, :2]) / 2.0 + points[_MIDDLE_MCP, :2]) / 2.0
    rotation = axis_rotation(points[_WRIST, :2], knuckles)
    return transform_roi(bounding_roi(points[_ROI_POINTS], rotation), 2.0, shift_y=-0.1)


def roi_from_pose(wrist: np.ndarray, index: np.ndarray, pinky: np.ndarray) -> Roi:
    """A hand region from the body's wrist, index and pinky landmarks (holistic's placement: the middle
    finger estimated as (2 index + pinky) / 3, the region centred there and turned along wrist ->
    middle finger), sized like the landmark region rather than holistic's wider re-crop region."""
    middle = (2.0 * index[:2] + pinky[:2]) / 3.0
    return transform_roi(aligned_roi(middle, 2.0 * middle - wrist[:2]), FROM_POSE_SCALE)


class HandCropTracker:
    """Up to two hands, each found in a region from its last landmarks or from the body's hand points.

    With `parallel`, the two hands run at once, one on a worker thread with a model of its own (LiteRT
    releases the GIL while it runs): a trainee's score uses both cores for a two-hand frame."""

    def __init__(
        self, bundle: Path, min_presence: float = 0.5, threads: int = 1, parallel: bool = False
    ) -> None:
        self.model = HandCropModel(bundle, threads)
        self.min_presence = min_presence
        self._last: dict[str, np.ndarray] = {}
        self._second: Optional[HandCropModel] = HandCropModel(bundle, threads) if parallel else None
        self._pool: Optional[ThreadPoolExecutor] = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="skillsight-hand-crop") if parallel else None
        )
        self.crops_run = 0

    @property
    def parallel(self) -> bool:
        return self._second is not None

    @property
    def following(self) -> tuple[str, ...]:
        """The hands followed from their last landmarks into the next frame."""
        return tuple(self._last)

    def track(self, image: np.ndarray, from_pose: dict[str, Optional[Roi]]) -> dict[str, HandCrop]:
        """Hand name -> what its region showed, for every hand followed or placed from the body."""
        busy = [hand for hand, roi in from_pose.items() if roi is not None or hand in self._last]
        results: dict[str, Optional[HandCrop]] = {}
        pending = None
        if self._pool is not None and self._second is not None and len(busy) == 2:
            hand = busy.pop()
            pending = (hand, self._pool.submit(self._find, self._second, image, hand, from_pose[hand]))
        for hand in busy:
            results[hand] = self._find(self.model, image, hand, from_pose[hand])
        if pending is not None:
            results[pending[0]] = pending[1].result()
        found = _one_crop_per_hand({hand: r for hand, r in results.items() if r is not None})
        for hand in from_pose:
            if hand in found:
                self._last[hand] = found[hand].points
            else:
                self._last.pop(hand, None)
        return found

    def remember(self, hand: str, points: np.ndarray) -> None:
        """Follow a hand found some other way (palm detection) from the next frame on."""
        self._last[hand] = np.asarray(points, dtype=np.float64)

    def follow_as(self, hands: dict[str, np.ndarray]) -> None:
        """Follow exactly these hands, under these names, from the next frame on (the identities the
        caller settled on: a hand renamed or dropped there is renamed or dropped here)."""
        self._last = {hand: np.asarray(points, dtype=np.float64) for hand, points in hands.items()}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _find(
        self, model: HandCropModel, image: np.ndarray, hand: str, pose_roi: Optional[Roi]
    ) -> Optional[HandCrop]:
        """The hand followed from its last landmarks, else acquired in the body's region for it."""
        result = self._follow(model, image, hand, pose_roi)
        if result is None and pose_roi is not None:
            result = self._acquire(model, image, pose_roi)
        return result

    def _run(self, model: HandCropModel, image: np.ndarray, roi: Roi) -> Optional[HandCrop]:
        self.crops_run += 1  # a count for benchmarks: two threads may lose an increment, never a hand
        result = model(image, roi)
        return result if result.presence >= self.min_presence else None

    def _follow(
        self, model: HandCropModel, image: np.ndarray, hand: str, pose_roi: Optional[Roi]
    ) -> Optional[HandCrop]:
        """The hand in the region its last landmarks place, where the body's region for it (if any)
        still overlaps that one (as holistic keeps a tracked hand region only while it agrees with the
        body's): otherwise the body's region is the better start."""
        last = self._last.get(hand)
        if last is None:
            return None
        roi = roi_from_landmarks(last)
        if pose_roi is not None and math.hypot(pose_roi.x - roi.x, pose_roi.y - roi.y) > roi.width / 3.0:
            return None  # about an IoU below 0.5: the hand has moved on, or the followed one is another
        return self._run(model, image, roi)

    def _acquire(self, model: HandCropModel, image: np.ndarray, roi: Roi) -> Optional[HandCrop]:
        first = self._run(model, image, roi)
        return None if first is None else self._run(model, image, roi_from_landmarks(first.points))


def _one_crop_per_hand(found: dict[str, HandCrop]) -> dict[str, HandCrop]:
    """Two regions that came to show one hand (hands crossing, one hand lost onto the other) keep the
    more present one: followed twice, the other hand would never be searched for again."""
    if len(found) < 2:
        return found
    (a, first), (b, second) = found.items()
    palm = max(_palm_length(first.points), _palm_length(second.points), 1.0)
    if np.linalg.norm(_palm_centre(first.points) - _palm_centre(second.points)) >= 0.5 * palm:
        return found
    keep = a if first.presence >= second.presence else b
    return {keep: found[keep]}


def _palm_centre(points: np.ndarray) -> np.ndarray:
    return np.asarray(points[_PALM, :2].mean(axis=0))


def _palm_length(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[_MIDDLE_MCP, :2] - points[_WRIST, :2]))
