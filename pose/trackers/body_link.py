"""Hands placed from the body in "hands+pose": the pose tracker hands each frame's hand points to the
hands tracker, which runs on its own thread and waits for the body of the frame it is tracking.

The two trackers stay separate `Tracker`s (their own individuals, keypoints and provenance) and still run
concurrently: the pose of frame n+1 is found while the hands of frame n are. A pose tracker that fails or
closes releases the waiting hands tracker (it then searches the frame for palms, as without a body).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

HandPoints = dict[str, Optional[np.ndarray]]  # hand name -> (3, 3) wrist, index, pinky (px) or None


class BodyFeed:
    """Frame index -> the body's hand points, handed from the pose thread to the hands thread."""

    def __init__(self, timeout_s: float = 120.0) -> None:
        self._ready = threading.Condition()
        self._frames: dict[int, HandPoints] = {}
        self._closed = False
        self.timeout_s = timeout_s

    def publish(self, index: int, hands: HandPoints) -> None:
        with self._ready:
            self._frames[index] = hands
            self._ready.notify_all()

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def take(self, index: int) -> HandPoints:
        """The hand points of frame `index` (empty when the pose tracker is gone or never said)."""
        with self._ready:
            self._ready.wait_for(lambda: index in self._frames or self._closed, timeout=self.timeout_s)
            hands = self._frames.pop(index, {})
            for old in [i for i in self._frames if i < index]:
                del self._frames[old]
            return hands


def link_hands_to_pose(trackers: Sequence[Any]) -> Optional[BodyFeed]:
    """Let a hands tracker place its hand regions from a pose tracker tracking the same frames, where
    both can (the shipped ones, on a video, without mirror averaging). Returns the feed, or None."""
    hands = next((t for t in trackers if hasattr(t, "attach_body")), None)
    pose = next((t for t in trackers if hasattr(t, "publish_hands_to")), None)
    if hands is None or pose is None or not hands.can_follow_body() or not pose.can_publish_hands():
        return None
    feed = BodyFeed()
    pose.publish_hands_to(feed)
    hands.attach_body(feed)
    return feed
