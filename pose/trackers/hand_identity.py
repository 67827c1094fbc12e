"""Which anatomical hand a MediaPipe hand is, kept stable across frames (pure bookkeeping, no MediaPipe:
tested with synthetic detections).

Handedness and camera view. A camera preserves a hand's chirality; only mirroring flips it. The Tasks
HandLandmarker labels hands as they are on an ordinary recording (unlike the legacy solution, which
labelled as if every image were mirrored), whatever the camera view. Checked on the real clip
``tfjs/asl_hand.25fps.mp4``: a right hand (palm to the camera, thumb on the image right) is "Right"
(score 0.995) in every frame, and "Left" in the same clip mirrored. Pass ``mirrored=True`` for
recordings saved mirrored.

The camera view only decides which image side a hand is expected on, used when labels cannot decide
(both hands get the same label and no earlier position helps):

- "top":   bird's-eye from the trainee's side, trainee at the bottom: left hand on the image left.
- "front": the camera faces the trainee: left hand on the image right.
- "side":  no side prior; the more confident label wins and the other hand takes the other identity.

Identity stays stable across frames: when both hands' recent positions are known, MediaPipe's labels
are overridden if swapping them fits the previous positions much better (hands crossing, label flips),
and a lone hand whose label flips while it sits where the other identity was just seen keeps that
identity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND
from skillsight.pose.trackers.base import DEFAULT_CAMERA_VIEW

HANDS: tuple[str, str] = (LEFT_HAND, RIGHT_HAND)
_PALM = [0, 5, 9, 13, 17]  # wrist and the four finger MCPs
_WRIST, _MIDDLE_MCP = 0, 9


def anatomical_hand(label: str, mirrored: bool = False) -> str:
    """MediaPipe Tasks' handedness label -> the trainee's anatomical hand (see the module docstring)."""
    is_left_label = label.lower().startswith("l")
    return (
        (RIGHT_HAND if is_left_label else LEFT_HAND)
        if mirrored
        else (LEFT_HAND if is_left_label else RIGHT_HAND)
    )


def same_hand(a: HandDetection, b: HandDetection) -> bool:
    """Two detections whose palms nearly coincide (within half a palm length) are one hand."""
    distance = float(np.linalg.norm(a.palm_centre - b.palm_centre))
    return distance < 0.5 * max(a.palm_length, b.palm_length, 1.0)


def _other(hand: str) -> str:
    return RIGHT_HAND if hand == LEFT_HAND else LEFT_HAND


@dataclass
class HandDetection:
    """One hand found in one frame: (21, 3) pixel landmarks, its anatomical label and score."""

    points: np.ndarray
    hand: str
    score: float
    world: Optional[np.ndarray] = None

    @property
    def palm_centre(self) -> np.ndarray:
        return np.asarray(self.points[_PALM, :2].mean(axis=0))

    @property
    def palm_length(self) -> float:
        return float(np.linalg.norm(self.points[_MIDDLE_MCP, :2] - self.points[_WRIST, :2]))


@dataclass
class _Track:
    centre: np.ndarray
    frame: int
    sizes: list[float] = field(default_factory=list)


class HandIdentityResolver:
    """Assigns detections to anatomical hands, keeping identity stable across frames.

    Pure bookkeeping (no MediaPipe), so it is tested with synthetic detections.
    """

    def __init__(self, camera_view: str = DEFAULT_CAMERA_VIEW, memory_frames: int = 15) -> None:
        self.camera_view = camera_view
        self.memory_frames = memory_frames
        self._tracks: dict[str, _Track] = {}
        self._frame = -1

    def assign(self, detections: Sequence[HandDetection]) -> dict[str, HandDetection]:
        """Anatomical hand -> detection for one frame (at most one detection per hand)."""
        self._frame += 1
        dets = sorted(detections, key=lambda d: d.score, reverse=True)[:2]
        if len(dets) == 2 and same_hand(dets[0], dets[1]):
            dets = dets[:1]  # one hand found twice: reporting it as both hands would be worse
        if len(dets) == 2:
            assigned = self._assign_pair(dets[0], dets[1])
        elif len(dets) == 1:
            assigned = {self._assign_single(dets[0]): dets[0]}
        else:
            assigned = {}
        for hand, det in assigned.items():
            track = self._tracks.get(hand)
            sizes = (track.sizes if track else [])[-14:] + [det.palm_length]
            self._tracks[hand] = _Track(det.palm_centre, self._frame, sizes)
        return assigned

    def size_consistency(self, hand: str, palm_length: float) -> float:
        """1 when the palm length matches this hand's recent median, towards 0 at x0.5 or x2."""
        track = self._tracks.get(hand)
        if track is None or len(track.sizes) < 2 or palm_length <= 0:
            return 1.0
        reference = float(np.median(track.sizes[:-1]))
        if reference <= 0:
            return 1.0
        return float(np.clip(1.0 - abs(math.log(palm_length / reference)) / math.log(2.0), 0.0, 1.0))

    def _recent(self, hand: str) -> Optional[_Track]:
        track = self._tracks.get(hand)
        if track is None or self._frame - track.frame > self.memory_frames:
            return None
        return track

    def _distance(self, hand: str, det: HandDetection) -> float:
        track = self._recent(hand)
        return math.inf if track is None else float(np.linalg.norm(det.palm_centre - track.centre))

    def _assign_pair(self, first: HandDetection, second: HandDetection) -> dict[str, HandDetection]:
        by_label = {first.hand: first, _other(first.hand): second}
        swapped = {_other(first.hand): first, first.hand: second}
        both_recent = self._recent(LEFT_HAND) is not None and self._recent(RIGHT_HAND) is not None
        if both_recent:
            cost_label = sum(self._distance(h, d) for h, d in by_label.items())
            cost_swap = sum(self._distance(h, d) for h, d in swapped.items())
            palm = max(first.palm_length, second.palm_length, 1.0)
            labels_agree = first.hand != second.hand
            if not labels_agree or (cost_swap < 0.5 * cost_label and cost_label - cost_swap > palm):
                return by_label if cost_label <= cost_swap else swapped
            return by_label
        if first.hand != second.hand:
            return by_label
        # Same label and no two recent tracks: one recent track decides, else the image side.
        for hand in HANDS:
            if self._recent(hand) is not None:
                nearer, farther = sorted((first, second), key=lambda d: self._distance(hand, d))
                return {hand: nearer, _other(hand): farther}
        return self._assign_by_image_side(first, second, by_label)

    def _assign_by_image_side(
        self, first: HandDetection, second: HandDetection, by_label: dict[str, HandDetection]
    ) -> dict[str, HandDetection]:
        if self.camera_view == "side":
            return by_label
        image_left, image_right = sorted((first, second), key=lambda d: float(d.palm_centre[0]))
        if self.camera_view == "top":
            return {LEFT_HAND: image_left, RIGHT_HAND: image_right}
        return {LEFT_HAND: image_right, RIGHT_HAND: image_left}

    def _assign_single(self, det: HandDetection) -> str:
        other = _other(det.hand)
        other_track = self._recent(other)
        if other_track is None:
            return det.hand
        d_other = self._distance(other, det)
        d_label = self._distance(det.hand, det)
        near_other = d_other < 0.5 * max(det.palm_length, 1.0)
        if near_other and (math.isinf(d_label) or d_label > 2.0 * d_other + det.palm_length):
            return other
        return det.hand
