"""A folder of stills is a set of unrelated pictures: trackers detect afresh in each image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from video_factory import write_test_video

from skillsight.capture.frames import Frame
from skillsight.pose.track import track_source
from skillsight.pose.trackers.base import FrameObservation, register_tracker

BUILT_WITH: list[dict] = []


class RecordingTracker:
    """Reports one point per frame and remembers the options it was built with."""

    name = "recording"
    individuals = ("right_hand",)
    keypoints = ("centroid",)
    needs_sample = False

    def __init__(self, **options: object) -> None:
        BUILT_WITH.append(dict(options))

    def prepare(self, sample: list[Frame]) -> None:
        pass  # nothing to calibrate

    def process(self, frame: Frame) -> FrameObservation:
        return FrameObservation(np.full((1, 1, 3), 10.0), np.ones((1, 1)))

    def provenance(self) -> dict:
        return {"name": self.name}

    def close(self) -> None:
        pass  # no resources


register_tracker("recording", f"{__name__}:RecordingTracker")


def _write_png(path: Path, image: np.ndarray) -> None:
    import cv2

    cv2.imwrite(str(path), image[..., ::-1])


def test_an_image_folder_builds_trackers_for_independent_frames_and_a_video_does_not(tmp_path):
    folder = tmp_path / "stills"
    folder.mkdir()
    for i in range(3):
        _write_png(folder / f"still_{i}.png", np.full((40, 60, 3), 40 * i, np.uint8))
    BUILT_WITH.clear()
    motion = track_source(folder, tracker="recording")
    assert motion.n_frames == 3
    assert BUILT_WITH[-1].get("independent_frames") is True

    video = write_test_video(tmp_path / "clip.mp4", 5, fps=10.0)
    BUILT_WITH.clear()
    track_source(video, tracker="recording")
    assert "independent_frames" not in BUILT_WITH[-1]


@pytest.mark.slow
def test_hands_in_unrelated_stills_are_found_as_in_each_image_alone(tmp_path):
    import cv2
    from conftest import shared_file

    image = cv2.imread(str(shared_file("tfjs/hands.jpg")))
    folder = tmp_path / "stills"
    folder.mkdir()
    # The same picture, mirrored, then again: video-mode tracking would carry hands between them.
    for i, picture in enumerate([image, image[:, ::-1], image, image[:, ::-1]]):
        cv2.imwrite(str(folder / f"{i:02d}.png"), np.ascontiguousarray(picture))
    motion = track_source(folder, tracker="hands")
    found = [(motion.confidence[t, :, 0] > 0).sum() for t in range(motion.n_frames)]
    assert motion.metadata["trackers"]
    # A picture and its mirror show the same number of hands, each detected on its own.
    assert found[0] == found[2] and found[1] == found[3]
    assert found[0] == 2  # the picture shows two hands
    # Mirroring swaps the anatomical hands.
    left, right = motion.individual_index("left_hand"), motion.individual_index("right_hand")
    if found[0] == 1:
        assert (motion.confidence[0, left, 0] > 0) == (motion.confidence[1, right, 0] > 0)
