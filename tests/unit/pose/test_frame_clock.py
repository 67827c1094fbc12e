"""Tracking puts the motion on the clock of new images: frames a camera repeated are dropped before
anything reads the motion's clock, and the motion's provenance says how many (pose.frame_clock)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from skillsight.capture.frames import Frame, VideoInfo
from skillsight.pose.frame_clock import FRAME_REPEATS_KEY, frame_repeats
from skillsight.pose.motion import load_motion
from skillsight.pose.track import track_source
from skillsight.pose.trackers.base import FrameObservation, register_tracker


class RepeatingSource:
    """A 30-fps stream whose new images (brightness 10 + k) each come `repeat` times."""

    def __init__(self, images: int = 40, repeat: int = 2, fps: float = 30.0) -> None:
        self.images, self.repeat = images, repeat
        n = images * repeat
        self.info = VideoInfo("repeating.mp4", 24, 16, fps, n, n / fps, "fake")
        self.error = None

    def __iter__(self):
        for i in range(self.images * self.repeat):
            image = np.full((16, 24, 3), 10 + i // self.repeat, dtype=np.uint8)
            yield Frame(i, i / self.info.fps, image)

    def close(self) -> None:
        pass


class BrightnessHand:
    """One hand whose wrist's x is the frame's brightness."""

    name = "brightness_hand"
    individuals = ("right_hand",)
    keypoints = ("wrist",)
    needs_sample = False

    def __init__(self, camera_view: str = "top") -> None:
        self.camera_view = camera_view

    def prepare(self, sample: Any) -> None:
        pass

    def process(self, frame: Frame) -> FrameObservation:
        value = float(frame.image[0, 0, 0])
        return FrameObservation(np.array([[[value, 0.0, 0.0]]]), np.ones((1, 1)))

    def provenance(self) -> dict[str, Any]:
        return {"name": self.name}

    def close(self) -> None:
        pass


register_tracker("fake_brightness_hand", f"{__name__}:BrightnessHand")


def test_repeated_frames_leave_the_motion_and_its_clock_is_the_new_images(tmp_path):
    motion = track_source(RepeatingSource(40, repeat=2), tracker="fake_brightness_hand", threads=1)
    assert motion.n_frames == 40
    np.testing.assert_array_equal(motion.frame_indices, np.arange(0, 80, 2))
    np.testing.assert_array_equal(motion.track("right_hand", "wrist")[:, 0], 10 + np.arange(40.0))
    np.testing.assert_allclose(motion.timestamps, np.arange(40) * 2 / 30.0, atol=1e-9)
    assert motion.fps == pytest.approx(15.0)
    entry = motion.metadata[FRAME_REPEATS_KEY]
    assert (entry["frames"], entry["repeated"], entry["held"], entry["retimed"]) == (80, 40, 0, True)
    assert entry["image_fps"] == pytest.approx(15.0)
    assert motion.metadata["frame_count"] == 80  # frames tracked, as before
    loaded = load_motion(motion.save(tmp_path / "repeats"))
    assert frame_repeats(loaded) == frame_repeats(motion)


def test_a_stream_without_repeats_keeps_every_frame_and_says_so():
    motion = track_source(RepeatingSource(30, repeat=1), tracker="fake_brightness_hand")
    assert motion.n_frames == 30
    found = frame_repeats(motion)
    assert found is not None and found.repeated == 0 and not found.retimed
    np.testing.assert_allclose(motion.timestamps, np.arange(30) / 30.0)
