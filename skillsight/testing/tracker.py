"""The tracker conformance suite: what every tracker (and a lab's own) must pass.

A tracker implements pose.trackers.base.Tracker: fixed, named individuals and keypoints; `prepare` on a
sample of frames; `process` one frame into a FrameObservation; JSON `provenance` naming it; `close`.
The suite feeds it frames (by default synthetic ones; pass real frames to check detection too) and
checks the shapes and ranges of everything it returns.

    TrackerConformance(lambda: create_tracker("gloves")).run_all()
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Optional

import numpy as np

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.base import FrameObservation, Tracker


def synthetic_frames(n: int = 6, size: tuple[int, int] = (240, 320), fps: float = 25.0) -> list[Frame]:
    """`n` RGB frames of a skin-toned blob moving over a grey bench: something to look at, nothing
    a tracker must find."""
    height, width = size
    yy, xx = np.mgrid[0:height, 0:width]
    frames = []
    for i in range(n):
        image = np.full((height, width, 3), 120, dtype=np.uint8)
        cx, cy = width * (0.3 + 0.4 * i / max(n - 1, 1)), height / 2
        blob = (xx - cx) ** 2 + (yy - cy) ** 2 < (min(size) / 8) ** 2
        image[blob] = (224, 172, 140)
        frames.append(Frame(i, i / fps, image))
    return frames


class TrackerConformance:
    """The checks; each builds a fresh tracker and closes it."""

    def __init__(self, make_tracker: Callable[[], Tracker], frames: Optional[Sequence[Frame]] = None) -> None:
        self.make_tracker = make_tracker
        self.frames = list(frames) if frames is not None else synthetic_frames()

    def observations(self) -> tuple[Tracker, list[FrameObservation]]:
        tracker = self.make_tracker()
        try:
            tracker.prepare(self.frames[:3])
            return tracker, [tracker.process(frame) for frame in self.frames]
        finally:
            tracker.close()

    def run(self, name: str) -> None:
        """Run one check by name; AssertionError says what is wrong."""
        TRACKER_CHECKS[name](self)

    def run_all(self) -> list[str]:
        for name in TRACKER_CHECKS:
            self.run(name)
        return list(TRACKER_CHECKS)


def check_tracker(make_tracker: Callable[[], Tracker], frames: Optional[Sequence[Frame]] = None) -> list[str]:
    """Run every tracker check; returns their names (all passed) or raises at the first failure."""
    return TrackerConformance(make_tracker, frames).run_all()


def _names(value: Any, what: str) -> tuple[str, ...]:
    assert isinstance(value, tuple) and value, f"{what} must be a non-empty tuple, not {value!r}"
    assert all(isinstance(n, str) and n for n in value), f"{what} must be non-empty strings"
    assert len(set(value)) == len(value), f"{what} repeat a name: {value}"
    return value


def follows_the_protocol(suite: TrackerConformance) -> None:
    tracker = suite.make_tracker()
    try:
        assert isinstance(tracker, Tracker), f"{type(tracker).__name__} lacks part of the Tracker protocol"
        assert isinstance(tracker.name, str) and tracker.name, "a tracker needs a name"
        _names(tracker.individuals, "individuals")
        _names(tracker.keypoints, "keypoints")
    finally:
        tracker.close()


def observations_have_the_trackers_shape(suite: TrackerConformance) -> None:
    tracker, observations = suite.observations()
    shape = (len(tracker.individuals), len(tracker.keypoints))
    for frame, obs in zip(suite.frames, observations):
        where = f"frame {frame.index}"
        assert isinstance(obs, FrameObservation), f"{where}: process returned {type(obs).__name__}"
        assert np.shape(obs.positions) == (*shape, 3), f"{where}: positions {np.shape(obs.positions)}"
        assert np.shape(obs.confidence) == shape, f"{where}: confidence {np.shape(obs.confidence)}"
        if obs.world is not None:
            assert np.shape(obs.world) == (*shape, 3), f"{where}: world {np.shape(obs.world)}"
        assert not np.isinf(np.asarray(obs.positions, dtype=float)).any(), f"{where}: infinite position"
        json.dumps(obs.extras)


def confidence_in_range_and_zero_where_not_found(suite: TrackerConformance) -> None:
    _, observations = suite.observations()
    for frame, obs in zip(suite.frames, observations):
        confidence = np.asarray(obs.confidence, dtype=float)
        assert np.all((confidence >= 0) & (confidence <= 1)), (
            f"frame {frame.index}: confidence outside [0, 1]"
        )
        missing = np.isnan(np.asarray(obs.positions, dtype=float)[..., :2]).any(axis=-1)
        assert np.all(confidence[missing] == 0), f"frame {frame.index}: confidence where nothing was found"


def provenance_names_the_tracker(suite: TrackerConformance) -> None:
    tracker, _ = suite.observations()
    provenance = tracker.provenance()
    assert isinstance(provenance, dict), "provenance must be a dict"
    json.dumps(provenance)
    assert provenance.get("name") == tracker.name, "provenance must record the tracker's name"


def closes_twice_without_error(suite: TrackerConformance) -> None:
    tracker = suite.make_tracker()
    tracker.process(suite.frames[0])
    tracker.close()
    tracker.close()  # a second close (an error path after a normal one) must be harmless


TRACKER_CHECKS: dict[str, Callable[[TrackerConformance], None]] = {
    "follows_the_protocol": follows_the_protocol,
    "observations_have_the_trackers_shape": observations_have_the_trackers_shape,
    "confidence_in_range_and_zero_where_not_found": confidence_in_range_and_zero_where_not_found,
    "provenance_names_the_tracker": provenance_names_the_tracker,
    "closes_twice_without_error": closes_twice_without_error,
}
