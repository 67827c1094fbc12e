"""The live mode's frame handler: webcam frame in, frame with tracking drawn on it plus a
tracking-quality indicator out, fast enough for 15+ fps at 640x480 on two cores.

Speed comes from MediaPipe's hand landmarker (the shipped bundle) on a downscaled copy of the frame,
a tracker kept per browser session (video mode reuses the previous frame's hands, so the palm
detector rarely runs), and drawing with OpenCV on the frame as received. This preview never records
anything: it helps the trainee set up camera and light before a practice run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from skillsight.capture.drawing import HAND_CONNECTIONS
from skillsight.pose.trackers.mediapipe_tasks import LandmarkerRunner, create_hand_landmarker

# Long side of the copy MediaPipe sees; its landmark model works on 224x224 crops anyway.
TRACKING_MAX_SIDE = 320
# Frames returned to the browser are capped at this long side (less to encode and send).
OUTPUT_MAX_SIDE = 640
# A hand closer than this share of the frame to an edge is "leaving the frame".
EDGE_MARGIN = 0.02
# Mean grey level (0-255) outside this range means too dark / washed out.
BRIGHTNESS_RANGE = (60.0, 215.0)
MAX_LIVE_SESSIONS = 4
HAND_COLOURS_RGB = ((66, 133, 244), (234, 67, 53))
QUALITY_COLOURS_RGB = {"good": (46, 160, 67), "fair": (245, 158, 11), "poor": (220, 38, 38)}


@dataclass(frozen=True)
class LiveQuality:
    """What the indicator shows for one frame."""

    hands_found: int
    hands_expected: int
    in_frame: bool
    brightness: float
    level: str  # good | fair | poor

    @property
    def lit_well(self) -> bool:
        return BRIGHTNESS_RANGE[0] <= self.brightness <= BRIGHTNESS_RANGE[1]

    def text(self) -> str:
        hands = f"{self.hands_found} of {self.hands_expected} hands found"
        frame = "in frame" if self.in_frame else "move hands into the middle of the frame"
        if self.brightness < BRIGHTNESS_RANGE[0]:
            light = f"too dark (brightness {self.brightness:.0f}): add light"
        elif self.brightness > BRIGHTNESS_RANGE[1]:
            light = f"too bright (brightness {self.brightness:.0f}): avoid glare"
        else:
            light = f"light OK (brightness {self.brightness:.0f})"
        return (
            f"{self.level.upper()}: {hands} · {frame if self.hands_found else 'no hands in view'} · {light}"
        )


def judge_quality(hands_found: int, hands_expected: int, in_frame: bool, brightness: float) -> LiveQuality:
    """good: all expected hands, in frame, lit well; poor: no hand or bad light; fair: the rest."""
    lit = BRIGHTNESS_RANGE[0] <= brightness <= BRIGHTNESS_RANGE[1]
    if hands_found == 0 or not lit:
        level = "poor"
    elif hands_found >= hands_expected and in_frame:
        level = "good"
    else:
        level = "fair"
    return LiveQuality(hands_found, hands_expected, in_frame, float(brightness), level)


def hands_in_frame(hands: list[np.ndarray], margin: float = EDGE_MARGIN) -> bool:
    """True when every landmark (normalised 0-1 coordinates) keeps `margin` from the edges."""
    if not hands:
        return False
    points = np.concatenate(hands, axis=0)
    return bool(np.all((points >= margin) & (points <= 1.0 - margin)))


def _resize_to(image: np.ndarray, max_side: int) -> np.ndarray:
    import cv2

    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1.0:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


class LiveHandTracker:
    """One browser session's preview tracker (MediaPipe hands, light model, video mode)."""

    def __init__(self, max_hands: int = 2) -> None:
        self.max_hands = max_hands
        landmarker = create_hand_landmarker(
            num_hands=max_hands,
            min_detection=0.5,
            min_presence=0.5,
            min_tracking=0.5,
            independent_frames=False,
        )
        self._hands = LandmarkerRunner(landmarker, independent_frames=False)
        self._connections = HAND_CONNECTIONS
        self._lock = threading.Lock()

    def process(
        self, image: np.ndarray, hands_expected: Optional[int] = None
    ) -> tuple[np.ndarray, LiveQuality]:
        """The frame (RGB uint8) with hands and a quality badge drawn, and the quality."""
        import cv2

        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        image = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
        small = _resize_to(image, TRACKING_MAX_SIDE)
        with self._lock:
            result = self._hands(small)
        hands = [np.array([(lm.x, lm.y) for lm in hand], dtype=np.float64) for hand in result.hand_landmarks]
        brightness = float(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).mean())
        quality = judge_quality(
            len(hands), hands_expected or self.max_hands, hands_in_frame(hands), brightness
        )
        output = _resize_to(image, OUTPUT_MAX_SIDE).copy()
        self._draw_hands(output, hands)
        draw_quality_badge(output, quality)
        return output, quality

    def _draw_hands(self, image: np.ndarray, hands: list[np.ndarray]) -> None:
        import cv2

        height, width = image.shape[:2]
        thickness = max(1, round(max(height, width) / 320))
        for colour, hand in zip(HAND_COLOURS_RGB, hands):
            points = np.round(hand * (width, height)).astype(np.int32)
            for a, b in self._connections:
                cv2.line(
                    image,
                    tuple(map(int, points[a])),
                    tuple(map(int, points[b])),
                    colour,
                    thickness,
                    cv2.LINE_AA,
                )
            for x, y in points:
                cv2.circle(image, (int(x), int(y)), thickness + 1, (255, 255, 255), -1, cv2.LINE_AA)

    def close(self) -> None:
        with self._lock:
            self._hands.close()


def draw_quality_badge(image: np.ndarray, quality: LiveQuality) -> None:
    """A coloured badge in the top-left corner: GOOD / FAIR / POOR and the hand count."""
    import cv2

    label = f"{quality.level.upper()}  hands {quality.hands_found}/{quality.hands_expected}"
    scale = max(0.4, image.shape[1] / 1100)
    (text_w, text_h), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.rectangle(image, (6, 6), (18 + text_w, 16 + text_h), QUALITY_COLOURS_RGB[quality.level], -1)
    cv2.putText(
        image, label, (12, 10 + text_h), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA
    )


class LiveSessions:
    """A small cache of preview trackers, one per browser session, oldest closed first."""

    def __init__(self, capacity: int = MAX_LIVE_SESSIONS, **tracker_options: Any) -> None:
        self.capacity = capacity
        self._tracker_options = tracker_options
        self._trackers: OrderedDict[str, LiveHandTracker] = OrderedDict()
        self._lock = threading.Lock()

    def tracker(self, session_key: str) -> LiveHandTracker:
        with self._lock:
            tracker = self._trackers.pop(session_key, None)
            if tracker is None:
                tracker = LiveHandTracker(**self._tracker_options)
            self._trackers[session_key] = tracker
            evicted = []
            while len(self._trackers) > self.capacity:
                evicted.append(self._trackers.popitem(last=False)[1])
        for old in evicted:
            old.close()
        return tracker

    def handle(
        self, session_key: str, image: Optional[np.ndarray], hands_expected: Optional[int] = None
    ) -> tuple[Optional[np.ndarray], str]:
        """The stream handler's work: (annotated frame, indicator text); no frame -> (None, hint)."""
        if image is None:
            return None, "Waiting for the webcam…"
        annotated, quality = self.tracker(session_key).process(image, hands_expected)
        return annotated, quality.text()

    def close(self) -> None:
        with self._lock:
            trackers, self._trackers = list(self._trackers.values()), OrderedDict()
        for tracker in trackers:
            tracker.close()

    def __len__(self) -> int:
        return len(self._trackers)
