"""Decoding at the size tracking needs (issue 15): a video larger than `max_side` is converted straight to
the smaller size, and the motion tracked on it comes back in the recording's own pixels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from video_factory import write_test_video

from skillsight.capture.frames import Frame
from skillsight.capture.sources import open_source
from skillsight.pose.motion import RIGHT_HAND
from skillsight.pose.track import TrackingRequest, track
from skillsight.pose.trackers.base import FrameObservation, register_tracker

WIDTH, HEIGHT = 64, 48


def block_frames(n: int = 6) -> list[np.ndarray]:
    """Frame k: a bright 8x8 block with its left edge at x = 8 + 4k, rows 8-15."""
    frames = []
    for k in range(n):
        image = np.full((HEIGHT, WIDTH, 3), 20, dtype=np.uint8)
        image[8:16, 8 + 4 * k : 16 + 4 * k] = 230
        frames.append(image)
    return frames


class BlockTracker:
    """The bright block's centre in the image it is shown (pixel edges: a pixel's centre is at +0.5)."""

    name = "block"
    individuals: tuple[str, ...] = (RIGHT_HAND,)
    keypoints: tuple[str, ...] = ("wrist",)
    needs_sample = False
    sizes: list[tuple[int, int]] = []

    def __init__(self, camera_view: str = "top") -> None:
        pass

    def prepare(self, sample: Sequence[Frame]) -> None:
        pass

    def process(self, frame: Frame) -> FrameObservation:
        BlockTracker.sizes.append(frame.image.shape[:2])
        ys, xs = np.nonzero(frame.image[..., 0] > 128)
        positions = np.array([[[xs.mean() + 0.5, ys.mean() + 0.5, 0.0]]])
        extras = {f"{RIGHT_HAND}.glove_area_px": float(xs.size)}  # as the glove tracker measures size
        return FrameObservation(positions, np.full((1, 1), 0.9), extras=extras)

    def provenance(self) -> dict[str, Any]:
        return {"name": self.name}

    def close(self) -> None:
        pass


register_tracker("fake_block", f"{__name__}:BlockTracker")


@pytest.fixture
def block_video(tmp_path):
    return write_test_video(tmp_path / "block.mp4", block_frames(), fps=10.0)


def test_frames_over_max_side_are_decoded_small(block_video):
    full, small = open_source(block_video), open_source(block_video, max_side=32)
    assert small.info.width == WIDTH and small.info.height == HEIGHT  # the recording's own size
    assert small.frame_size == (32, 24) and full.frame_size == (WIDTH, HEIGHT)
    images = [frame.image for frame in small]
    assert [image.shape for image in images] == [(24, 32, 3)] * 6
    halved = [image.reshape(24, 2, 32, 2, 3).mean(axis=(1, 3)) for image in (f.image for f in full)]
    assert max(np.abs(a - b).mean() for a, b in zip(images, halved)) < 4  # area averaging, not skipping
    assert [f.image.shape for f in small.sample(3)] == [(24, 32, 3)] * 3
    assert open_source(block_video, max_side=64).frame_size == (WIDTH, HEIGHT)  # never enlarged


@pytest.mark.parametrize("rotation", [90, 270])
def test_a_turned_video_is_decoded_small_as_it_is_shown(tmp_path, rotation):
    video = write_test_video(tmp_path / "turned.mp4", 3, size=(WIDTH, HEIGHT), rotation=rotation)
    source = open_source(video, max_side=32)
    assert (source.info.width, source.info.height) == (HEIGHT, WIDTH)
    assert [f.image.shape for f in source] == [(32, 24, 3)] * 3


@pytest.mark.parametrize("hand", ["right", "left"])
def test_motion_tracked_small_is_in_the_recordings_pixels(block_video, hand):
    BlockTracker.sizes = []
    full = track(block_video, TrackingRequest(tracker="fake_block", dominant_hand=hand, decode_max_side=None))
    assert set(BlockTracker.sizes) == {(HEIGHT, WIDTH)}
    BlockTracker.sizes = []
    small = track(block_video, TrackingRequest(tracker="fake_block", dominant_hand=hand, decode_max_side=32))
    assert set(BlockTracker.sizes) == {(24, 32)}
    assert small.metadata["tracked_frame_size"] == [32, 24] and small.metadata["width"] == WIDTH
    expected = [[12.0 + 4 * k, 12.0] for k in range(6)]
    np.testing.assert_allclose(full.positions[:, 0, 0, :2], expected, atol=0.05)
    np.testing.assert_allclose(small.positions[:, 0, 0, :2], expected, atol=0.6)
    # The block's area (64 px at full size) in the recording's pixels too: it sets the hand size.
    (area,) = [name for name in full.signals if name.endswith("glove_area_px")]  # side swapped if mirrored
    np.testing.assert_allclose(full.signals[area], 64.0, rtol=0.2)
    np.testing.assert_allclose(small.signals[area], full.signals[area], rtol=0.2)
