"""Tracking puts the motion on the clock of new images: frames a camera repeated are dropped before
anything reads the motion's clock, and the motion's provenance says how many (pose.frame_clock)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from skillsight.capture.frames import Frame, VideoInfo
from skillsight.pose.frame_clock import FRAME_REPEATS_KEY, REPEAT_SIGNAL, frame_repeats, on_image_clock
from skillsight.pose.motion import load_motion
from skillsight.pose.track import track_source
from skillsight.pose.trackers.base import FrameObservation, register_tracker
from skillsight.scoring.features import prepare_motion


class RepeatingSource:
    """A 30-fps stream showing a camera's images (brightness 10 + k) taken at `camera_fps`: each image
    from the first stream frame at or after it was taken until the next one is."""

    def __init__(self, images: int = 40, camera_fps: float = 15.0, fps: float = 30.0) -> None:
        self.shown = np.floor(np.arange(int(round(images * fps / camera_fps))) * camera_fps / fps + 1e-9)
        n = self.shown.size
        self.info = VideoInfo("repeating.mp4", 24, 16, fps, n, n / fps, "fake")
        self.error = None

    def __iter__(self):
        for i, image in enumerate(self.shown):
            yield Frame(i, i / self.info.fps, np.full((16, 24, 3), 10 + image, dtype=np.uint8))

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
    """A low-light webcam: 15 images a second, each shown twice in a 30-fps stream. The tracked motion
    keeps every frame (it lines up with its video), marked; prepared for metrics, it has the images."""
    tracked = track_source(RepeatingSource(40, camera_fps=15.0), tracker="fake_brightness_hand", threads=1)
    assert tracked.n_frames == 80
    np.testing.assert_array_equal(tracked.signals[REPEAT_SIGNAL], np.arange(80) % 2)
    loaded = load_motion(tracked.save(tmp_path / "repeats"))
    assert frame_repeats(loaded) == frame_repeats(tracked)
    np.testing.assert_array_equal(loaded.signals[REPEAT_SIGNAL], tracked.signals[REPEAT_SIGNAL])
    motion = on_image_clock(loaded)
    assert on_image_clock(motion) is motion  # done once
    assert motion.n_frames == 40 and REPEAT_SIGNAL not in motion.signals
    np.testing.assert_array_equal(motion.frame_indices, np.arange(0, 80, 2))
    np.testing.assert_array_equal(motion.track("right_hand", "wrist")[:, 0], 10 + np.arange(40.0))
    np.testing.assert_allclose(motion.timestamps, np.arange(40) * 2 / 30.0, atol=1e-9)
    assert motion.fps == pytest.approx(15.0)
    entry = motion.metadata[FRAME_REPEATS_KEY]
    assert (entry["frames"], entry["repeated"], entry["held"], entry["retimed"]) == (80, 40, 0, False)
    assert entry["image_fps"] == pytest.approx(15.0)
    assert motion.metadata["frame_count"] == 80  # frames tracked, as before
    assert motion.metadata["processing"][-1] == {
        "step": "image_clock",
        "repeats_dropped": 40,
        "retimed": False,
    }
    prepared = prepare_motion(loaded)
    assert prepared.n_frames == 40 and prepared.fps == pytest.approx(15.0)


def test_a_camera_shown_unevenly_in_a_faster_stream_is_put_back_on_its_own_clock():
    """25 images a second in a 30-fps stream: one image in five is shown twice, and first showings are
    up to 33 ms late; the motion lies on 25 fps."""
    motion = on_image_clock(
        track_source(RepeatingSource(100, camera_fps=25.0), tracker="fake_brightness_hand")
    )
    assert motion.n_frames == 100
    np.testing.assert_array_equal(motion.track("right_hand", "wrist")[:, 0], 10 + np.arange(100.0))
    assert motion.fps == pytest.approx(25.0, abs=0.01)
    np.testing.assert_allclose(np.diff(motion.timestamps)[25:-25], 0.04, atol=1e-9)
    assert frame_repeats(motion).retimed  # type: ignore[union-attr]


def test_a_stream_without_repeats_keeps_every_frame_and_says_so():
    motion = track_source(RepeatingSource(30, camera_fps=30.0), tracker="fake_brightness_hand")
    assert motion.n_frames == 30
    found = frame_repeats(motion)
    assert found is not None and found.repeated == 0 and not found.retimed
    assert REPEAT_SIGNAL not in motion.signals and on_image_clock(motion) is motion
    np.testing.assert_allclose(motion.timestamps, np.arange(30) / 30.0)
