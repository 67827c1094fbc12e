"""The overlay drawn from the frames being tracked (issue 15: no second decoding pass): the same
pictures as drawing the finished motion over a second pass, for right- and left-handers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from test_canonical_orientation import HEIGHT, WIDTH, SpotSource

from skillsight.capture.frames import Frame
from skillsight.capture.sources import open_source
from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND
from skillsight.pose.overlay import write_overlay
from skillsight.pose.track import TrackingRequest, track, track_source
from skillsight.pose.trackers.base import FrameObservation, register_tracker


class CountingSource(SpotSource):
    passes = 0

    def __iter__(self):
        CountingSource.passes += 1
        yield from super().__iter__()


class TwoHands:
    """Both hands in every frame: the left at the spot, the right mirrored across the image."""

    name = "two_hands"
    individuals: tuple[str, ...] = (LEFT_HAND, RIGHT_HAND)
    keypoints: tuple[str, ...] = ("wrist", "thumb_cmc")
    needs_sample = False

    def __init__(self, camera_view: str = "top") -> None:
        pass

    def prepare(self, sample: Sequence[Frame]) -> None:
        pass

    def process(self, frame: Frame) -> FrameObservation:
        x = float(np.argmax(frame.image[0, :, 0])) + 0.5
        positions = np.array(
            [[[x, 4.0, 0.0], [x + 1, 6.0, 0.0]], [[WIDTH - x, 8.0, 0.0], [WIDTH - x - 1, 9.0, 0.0]]]
        )
        return FrameObservation(positions, np.full((2, 2), 0.9))

    def provenance(self) -> dict[str, Any]:
        return {"name": self.name}

    def close(self) -> None:
        pass


def make_two_hands(camera_view: str = "top") -> TwoHands:
    return TwoHands(camera_view)


register_tracker("fake_two_hands", f"{__name__}:make_two_hands")


def frames_of(path) -> list[np.ndarray]:
    source = open_source(path)
    try:
        return [frame.image for frame in source]
    finally:
        source.close()


@pytest.mark.parametrize("hand", ["right", "left"])
@pytest.mark.parametrize("threads", [None, 1])
@pytest.mark.parametrize(("max_side", "max_fps"), [(None, None), (20, 5.0)])
def test_the_live_overlay_matches_a_second_pass(tmp_path, hand, threads, max_side, max_fps):
    CountingSource.passes = 0
    live = tmp_path / "live.mp4"
    request = TrackingRequest(
        tracker="fake_two_hands",
        dominant_hand=hand,
        threads=threads,
        overlay_path=live,
        overlay_max_side=max_side,
        overlay_max_fps=max_fps,
    )
    motion = track(CountingSource(), request)
    assert CountingSource.passes == 1  # decoded once: tracking and the overlay share the frames
    again = write_overlay(CountingSource(), motion, tmp_path / "again.mp4", max_side, max_fps)
    ours, theirs = frames_of(live), frames_of(again)
    # 10-fps frames drawn at most 5 times a second: every other one
    assert len(ours) == len(theirs) == (motion.n_frames if max_fps is None else (motion.n_frames + 1) // 2)
    assert ours[0].shape == ((HEIGHT, WIDTH, 3) if max_side is None else (6, 20, 3))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(ours[0], ours[-1])  # something was drawn that moves


def test_a_failed_tracking_leaves_no_overlay(tmp_path):
    class Broken(CountingSource):
        def __iter__(self):
            yield from list(super().__iter__())[:3]
            raise RuntimeError("decoder exploded")

    with pytest.raises(RuntimeError, match="exploded"):
        track_source(Broken(), tracker="fake_two_hands", overlay_path=tmp_path / "o.mp4")
    assert list(tmp_path.iterdir()) == []
